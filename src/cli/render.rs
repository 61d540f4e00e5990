//! `chartgate render CHART [-f FILE]... [--set ...]`: what `helm template` prints, or the rendered
//! templates as one JSON object (`--output json`, the corpus' golden shape).

use std::path::{Path, PathBuf};

use crate::render::chart::{
    RenderOptions, RenderedChart, helm_template_stream, load_chart, render_chart,
};

/// Which renderer turns a chart into manifests.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Renderer {
    /// chartgate's own renderer (no helm binary needed).
    #[default]
    Native,
    /// `helm template` from PATH (for charts the native renderer does not reproduce).
    Helm,
}

/// Renders `chart` with the chosen renderer; the error is Helm's (or the helm binary's) message.
pub fn render_with(
    renderer: Renderer,
    chart: &Path,
    opts: &RenderOptions,
) -> Result<RenderedChart, String> {
    match renderer {
        Renderer::Native => load_chart(chart)
            .map_err(|e| e.to_string())
            .and_then(|lc| render_chart(&lc, opts).map_err(|e| e.message)),
        Renderer::Helm => crate::render::helm::render_with_helm(chart, opts).map_err(|e| e.message),
    }
}

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
    /// Renderer: chartgate's own, or `helm template` from PATH.
    #[arg(long, value_enum, default_value_t = Renderer::Native)]
    pub renderer: Renderer,
}

impl RenderArgs {
    /// The render options these arguments describe.
    pub fn options(&self) -> RenderOptions {
        RenderOptions {
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
    let result = render_with(args.renderer, &args.chart, &args.options());
    match (args.output, result) {
        (RenderOutput::Json, Ok(r)) => {
            let obj: serde_json::Map<String, serde_json::Value> = r
                .templates
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v.text)))
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::Value::Object(obj)).unwrap_or_default()
            );
            0
        }
        (RenderOutput::Json, Err(e)) => {
            println!("{}", serde_json::json!({ "error": e }));
            1
        }
        (RenderOutput::Yaml, Ok(r)) => match helm_template_stream(&r) {
            Ok(s) => {
                print!("{s}");
                0
            }
            Err(e) => {
                eprintln!("Error: {e}");
                1
            }
        },
        (RenderOutput::Yaml, Err(e)) => {
            eprintln!("Error: {e}");
            1
        }
    }
}
