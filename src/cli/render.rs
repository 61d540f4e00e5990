//! `chartgate render CHART [-f FILE]... [--set ...]`: what `helm template` prints, or the rendered
//! templates as one JSON object (`--output json`, the corpus' golden shape).

use std::path::PathBuf;

use crate::render::chart::{RenderOptions, helm_template_stream};
pub use crate::render::{Renderer, render_with};

/// Output format of `chartgate render`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RenderOutput {
    /// `helm template`'s manifest stream.
    #[default]
    Yaml,
    /// `{"<template path>": "<rendered text>", ...}` (keys sorted), or `{"error": MESSAGE}`.
    Json,
}

/// Arguments of `chartgate render`.
#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// Chart directory or packaged `.tgz`.
    pub chart: PathBuf,
    /// Values files, applied in order.
    #[arg(short = 'f', long = "values")]
    pub values: Vec<PathBuf>,
    /// Set values (`a.b=c,d[0]=e`).
    #[arg(long)]
    pub set: Vec<String>,
    /// Set string values.
    #[arg(long = "set-string")]
    pub set_string: Vec<String>,
    /// Set values from files (`key=path`).
    #[arg(long = "set-file")]
    pub set_file: Vec<String>,
    /// Set JSON values (`key=<json>` or a JSON object).
    #[arg(long = "set-json")]
    pub set_json: Vec<String>,
    /// Release name.
    #[arg(long, default_value = "release")]
    pub name: String,
    /// Release namespace.
    #[arg(short = 'n', long, default_value = "default")]
    pub namespace: String,
    /// Kubernetes version for `.Capabilities.KubeVersion` (default v1.36.0).
    #[arg(long = "kube-version")]
    pub kube_version: Option<String>,
    /// Extra API versions for `.Capabilities.APIVersions` (repeatable, comma-separated).
    #[arg(short = 'a', long = "api-versions", value_delimiter = ',')]
    pub api_versions: Vec<String>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = RenderOutput::Yaml)]
    pub output: RenderOutput,
    /// Override a resource limit, `NAME=VALUE` (repeatable; names as in chartgate.yaml
    /// `limits:`, e.g. `render-seconds=30`).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// Renderer: chartgate's own, or `helm template` from PATH.
    #[arg(long, value_enum, default_value_t = Renderer::Native)]
    pub renderer: Renderer,
}

impl RenderArgs {
    /// The limits: defaults with every `--limit` applied.
    pub fn limits(&self) -> Result<crate::model::Limits, String> {
        let mut l = crate::model::Limits::default();
        for a in &self.limits {
            l.set_arg(a)?;
        }
        Ok(l)
    }

    /// The render options these arguments describe.
    pub fn options(&self) -> RenderOptions {
        RenderOptions {
            limits: self.limits().unwrap_or_default(),
            values_files: self.values.clone(),
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_file: self.set_file.clone(),
            set_json: self.set_json.clone(),
            release_name: self.name.clone(),
            namespace: self.namespace.clone(),
            kube_version: self.kube_version.clone(),
            api_versions: self.api_versions.clone(),
            ..Default::default()
        }
    }
}

/// Renders and prints; returns the exit code (0 ok, 1 render error).
pub fn run(args: &RenderArgs) -> i32 {
    if let Err(e) = args.limits() {
        eprintln!("Error: {}", crate::report::clean::log(&e.to_string()));
        return super::EXIT_ERROR;
    }
    // Symbolic links inside the chart may lead anywhere in its repository, as in `check`.
    crate::confine::root::set_checked_root(&args.chart);
    let repo = crate::confine::root::repo_root(&args.chart);
    // The run's and the render's budgets (time and memory), as under `check`.
    let opts = args.options();
    crate::budget::start_run(&opts.limits);
    let result = crate::budget::render_scope(&opts.limits, || {
        render_with(args.renderer, &args.chart, Some(&repo), &opts)
    });
    match (args.output, result) {
        (RenderOutput::Json, Ok(r)) => {
            let obj: serde_json::Map<String, serde_json::Value> = r
                .templates
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v.text)))
                .collect();
            println!(
                "{}",
                crate::report::clean::json(
                    serde_json::to_string_pretty(&serde_json::Value::Object(obj))
                        .unwrap_or_default()
                )
            );
            0
        }
        (RenderOutput::Json, Err(e)) => {
            println!("{}", serde_json::json!({ "error": e.to_string() }));
            1
        }
        (RenderOutput::Yaml, Ok(r)) => match helm_template_stream(&r) {
            Ok(s) => {
                print!("{s}");
                0
            }
            Err(e) => {
                eprintln!("Error: {}", crate::report::clean::log(&e.to_string()));
                1
            }
        },
        (RenderOutput::Yaml, Err(e)) => {
            eprintln!("Error: {}", crate::report::clean::log(&e.to_string()));
            1
        }
    }
}
