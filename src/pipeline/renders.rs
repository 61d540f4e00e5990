//! Render one chart × environment without analysing it, keeping what `values` and `diff` need:
//! the rendered chart (coalesced values with their origins, per-byte provenance of the
//! templates), the run's values files (so origins print as `file:line`) and the parsed
//! manifests. The render is set up exactly as `check` sets it up in `check_one` (values files
//! in order, then Argo CD's inline values and parameters, the environment's namespace and
//! release, the config's Kubernetes version), with the native renderer: only it records
//! provenance.
//!
//! Kept apart from `check_one` on purpose (several engineers edit that function); the few lines
//! that build [`RenderOptions`] mirror it and must change with it.

use crate::model::InputError;
use std::path::Path;
use std::sync::Arc;

use crate::analyze::model::SourceFile;
use crate::discover::argocd::repos::RepoMap;
use crate::discover::charts::{EnvTarget, Service};
use crate::discover::manifests::display_path;
use crate::model::Location;
use crate::model::value::{Map, Origin};
use crate::render::chart::strvals::{self, ValueKind};
use crate::render::chart::{RenderOptions, RenderedChart, render_chart};

use super::locate::{ChartLocator, RUN_VALUES_BASE, ValuesRegistry};

/// One finished render of a chart in an environment.
pub struct EnvRender {
    /// The service as `check --list` prints it.
    pub service: String,
    /// The chart directory or package as printed.
    pub chart: String,
    /// The environment (None: the chart's defaults only).
    pub environment: Option<String>,
    /// The release name and namespace of the render.
    pub release: String,
    pub namespace: String,
    /// Where the render is declared (`file:line` of the Application or config), if anywhere.
    pub source: Option<String>,
    /// The render itself.
    pub rendered: RenderedChart,
    /// The environment's values files (origins at or above `RUN_VALUES_BASE`).
    pub registry: ValuesRegistry,
    /// Files whose keys set values, in Helm's merge order: the chart's `values.yaml`, then the
    /// environment's files (display path, text).
    pub layers: Vec<(String, Arc<str>)>,
    /// Keys set by Argo CD's inline values and `--set`-like parameters (no file line).
    pub parameters: Map,
    /// The rendered manifests, one virtual file per template (NOTES.txt and empty ones left out).
    pub files: Vec<SourceFile>,
    /// The current directory (paths print relative to it).
    pub cwd: std::path::PathBuf,
}

impl EnvRender {
    /// `file:line` of a values origin, if it names a file.
    pub fn origin(&self, o: Origin) -> Option<Location> {
        ChartLocator::new(&self.rendered, &self.registry, &self.cwd).origin_location(o)
    }
}

/// Why one environment's render failed; prints one line: `FILE:LINE:COL: message` for a broken
/// values file, the renderer's message otherwise.
#[derive(Debug, thiserror::Error)]
pub enum EnvRenderError {
    /// Dependencies that are not available locally (each one's `unresolved-source` reason).
    #[error("{0}")]
    Unresolved(String),
    /// The chart does not load (the loader's message, naming the chart as printed).
    #[error("{0}")]
    Chart(String),
    /// A values file of the environment cannot be read or parsed.
    #[error(transparent)]
    Values(#[from] crate::model::InputError),
    /// The renderer failed.
    #[error(transparent)]
    Render(#[from] crate::render::chart::RenderError),
    /// A rendered template is not YAML.
    #[error("YAML parse error on {template}: {message}")]
    Manifest { template: String, message: String },
    /// A panic while rendering the service (printed as named).
    #[error("{0}: internal error while rendering this chart; please report it")]
    Internal(String),
}

/// Renders `env` of `svc`.
pub fn render_env(
    svc: &Service,
    env: &EnvTarget,
    repos: &RepoMap,
    cwd: &Path,
) -> Result<EnvRender, EnvRenderError> {
    let run =
        || crate::budget::render_scope(&svc.config.limits, || render_inner(svc, env, repos, cwd));
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(run))
        .unwrap_or_else(|_| Err(EnvRenderError::Internal(svc.display.clone())))
}

fn render_inner(
    svc: &Service,
    env: &EnvTarget,
    repos: &RepoMap,
    cwd: &Path,
) -> Result<EnvRender, EnvRenderError> {
    let loaded = crate::discover::argocd::deps::load(
        &svc.chart,
        Some(&svc.root),
        repos,
        &Default::default(),
    )
    .map_err(|e| match e {
        crate::discover::argocd::deps::LoadError::Missing(m) => EnvRenderError::Unresolved(
            m.iter()
                .map(|m| crate::discover::argocd::deps::message(m, &display_path(&svc.chart, cwd)))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        crate::discover::argocd::deps::LoadError::Chart(e) => EnvRenderError::Chart(
            e.to_string()
                .replace(&svc.chart.display().to_string(), &svc.display),
        ),
    })?;
    let limits = svc.config.limits;
    let max = crate::model::Limits::default().file_bytes;
    let mut registry = ValuesRegistry::default();
    let mut values = Vec::with_capacity(env.values.len());
    for (i, p) in env.values.iter().enumerate() {
        let display = display_path(p, cwd);
        let text: Arc<str> = crate::confine::read_bounded_text(p, max)
            .map_err(|e| InputError::file(&display, format!("cannot read values file: {e}")))?
            .into();
        let v = crate::yaml::parse_values_file(&text, RUN_VALUES_BASE + i as u32, &limits.yaml())
            .map_err(|e| InputError::new(&display, e.pos.line, e.pos.col, e.message))?;
        values.push(v.into_map().unwrap_or_default());
        registry.files.push((display, text));
    }
    let config_env = env
        .name
        .as_deref()
        .and_then(|e| svc.config.environments.get(e));
    // As in `check_one`: the render's own namespace and release over the config's.
    let namespace = (env.namespace.clone())
        .or_else(|| config_env.and_then(|e| e.namespace.clone()))
        .unwrap_or_else(|| "default".into());
    let release = env.release.clone().unwrap_or_else(|| svc.name.clone());
    let mut ro = RenderOptions {
        values,
        release_name: release.clone(),
        namespace: namespace.clone(),
        skip_schema_validation: true,
        limits,
        kube_version: crate::analyze::kube::configured_version(&svc.config, config_env),
        ..Default::default()
    };
    crate::discover::argocd::apply_helm_inputs(env, &mut ro);
    let rendered = render_chart(&loaded, &ro)?;
    // What the parameters set, for provenance of values without a file line.
    let mut parameters = Map::new();
    if let Some(v) = &env.inline_values
        && let Some(m) = strvals::from_json(v).into_map()
    {
        crate::render::chart::values::merge_maps(&mut parameters, &m);
    }
    for s in env.set.iter().chain(&env.set_file) {
        let _ = strvals::parse_into(s, &mut parameters, &ValueKind::Typed);
    }
    for s in &env.set_string {
        let _ = strvals::parse_into(s, &mut parameters, &ValueKind::String);
    }
    let mut layers = Vec::new();
    if let Some(f) = rendered.sources.get(rendered.chart.values_source) {
        layers.push((display_path(Path::new(&f.path), cwd), f.text.clone()));
    }
    layers.extend(registry.files.iter().cloned());
    let mut files = Vec::new();
    for (name, t) in &rendered.templates {
        if name.ends_with("/NOTES.txt") || t.text.trim().is_empty() {
            continue;
        }
        let documents = crate::yaml::parse_manifests(&t.text, &limits.yaml()).map_err(|e| {
            EnvRenderError::Manifest {
                template: name.clone(),
                message: e.message,
            }
        })?;
        files.push(SourceFile {
            file: name.clone(),
            documents,
        });
    }
    // CRDs Argo CD installs with the chart, as `check` reads them.
    if env.include_crds {
        files.extend(super::crd_files(
            &loaded.chart,
            &svc.chart,
            cwd,
            &limits.yaml(),
        ));
    }
    Ok(EnvRender {
        service: dot(svc.display.clone()),
        chart: dot(display_path(&svc.chart, cwd)),
        environment: env.name.clone(),
        release,
        namespace,
        source: env.source.clone(),
        rendered,
        registry,
        layers,
        parameters,
        files,
        cwd: cwd.to_path_buf(),
    })
}

/// The current directory prints as `.` (display paths of it are empty).
fn dot(s: String) -> String {
    if s.is_empty() { ".".into() } else { s }
}
