//! `chartgate check --list`: what would be checked and where each render comes from, as text or
//! as the stable JSON render matrix (README: "The render matrix").

use std::path::Path;

use serde::Serialize;

use crate::confine::display_path;
use crate::discover::charts::{Discovered, EnvTarget, Service, Skipped, Unresolved};

/// One chart × environment render.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Render {
    /// The chart directory or package, relative to the current directory.
    pub chart: String,
    pub release: String,
    pub namespace: String,
    pub cluster: Option<String>,
    pub environment: Option<String>,
    /// In Helm merge order: the chart's own values.yaml first.
    pub values: Vec<String>,
    /// `FILE:LINE` the render comes from.
    pub source: Option<String>,
}

/// The whole `--list --format json` object.
#[derive(Debug, Serialize)]
pub struct Matrix<'a> {
    pub renders: Vec<Render>,
    pub manifests: Vec<&'a str>,
    pub skipped: &'a [Skipped],
    pub unresolved: &'a [Unresolved],
}

/// The render of `env` of `svc` as the matrix shows it (`cluster`: `--cluster`, which overrides
/// every environment's).
pub fn render_of(svc: &Service, env: &EnvTarget, cluster: Option<&str>, cwd: &Path) -> Render {
    let config_env = env
        .name
        .as_deref()
        .and_then(|n| svc.config.environments.get(n));
    let mut values: Vec<String> = Vec::new();
    if svc.chart.is_dir() && svc.chart.join("values.yaml").is_file() {
        values.push(display_path(&svc.chart.join("values.yaml"), cwd));
    }
    values.extend(env.values.iter().map(|f| display_path(f, cwd)));
    Render {
        chart: display_path(&svc.chart, cwd),
        release: env.release.clone().unwrap_or_else(|| svc.name.clone()),
        namespace: (env.namespace.clone())
            .or_else(|| config_env.and_then(|e| e.namespace.clone()))
            .unwrap_or_else(|| "default".into()),
        cluster: cluster
            .map(str::to_string)
            .or_else(|| env.cluster.clone())
            .or_else(|| config_env.and_then(|e| e.cluster.clone())),
        environment: env.name.clone(),
        values,
        source: env.source.clone(),
    }
}

/// The matrix of `d` (its services' environments as they will be checked).
pub fn matrix<'a>(d: &'a Discovered, cluster: Option<&str>, cwd: &Path) -> Matrix<'a> {
    Matrix {
        renders: (d.services.iter())
            .flat_map(|s| s.environments.iter().map(move |e| (s, e)))
            .map(|(s, e)| render_of(s, e, cluster, cwd))
            .collect(),
        manifests: d.manifests.iter().map(|m| m.display.as_str()).collect(),
        skipped: &d.skipped,
        unresolved: &d.unresolved,
    }
}

/// `--list --format json`: the matrix as one JSON object (pretty, newline-terminated).
pub fn json(d: &Discovered, cluster: Option<&str>, cwd: &Path) -> String {
    let m = matrix(d, cluster, cwd);
    let mut s = super::clean::json(
        serde_json::to_string_pretty(&m).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")),
    );
    s.push('\n');
    s
}

/// `--list`: one line per chart × environment (service, chart, environment, values files,
/// where it comes from), then manifests, skipped files and unresolved deployments.
pub fn text(d: &Discovered, cwd: &Path) -> String {
    // Each line is one entry: control characters of paths and reasons (file names may hold a
    // newline, `::error::`, an escape sequence) are shown escaped, never printed.
    let mut s = String::new();
    let mut line = |text: String| {
        for c in text.chars() {
            crate::confine::push_escaped(&mut s, c);
        }
        s.push('\n');
    };
    for svc in &d.services {
        for e in &svc.environments {
            let r = render_of(svc, e, None, cwd);
            let via = if r.chart == svc.display {
                String::new()
            } else {
                format!(" (chart {})", r.chart)
            };
            let files = if r.values.is_empty() {
                "(no values files)".to_string()
            } else {
                r.values.join(", ")
            };
            let from = r
                .source
                .as_deref()
                .map(|f| format!("  [from {f}]"))
                .unwrap_or_default();
            line(format!(
                "{}{via}  env {}: {files}{from}",
                svc.display,
                e.name.as_deref().unwrap_or("none"),
            ));
        }
    }
    for m in &d.manifests {
        line(format!("{}  manifest", m.display));
    }
    for k in &d.skipped {
        line(format!("{}  skipped: {}", k.path, k.reason));
    }
    for u in &d.unresolved {
        line(format!("{}  unresolved: {}", u.source, u.reason));
    }
    s
}
