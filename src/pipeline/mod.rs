//! The check pipeline as a library: discovered charts × environments are rendered in parallel,
//! each render's manifests parsed (virtual files named like `chart/templates/x.yaml`) and
//! analyzed with that environment's settings; findings point at values/template lines through
//! [`locate::ChartLocator`]. `chartgate check` (src/cli/check.rs) and the benchmark call it.
//!
//! Values files are parsed once per run and shared by every render that uses them; a chart is
//! loaded once and rendered per environment. One render's failure is a `render-error` finding for
//! that chart and environment; the others go on.

mod budget;
mod contracts;
pub mod locate;
pub mod policies;
pub mod renders;
pub mod session;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::analyze::engine::{analyze, level_for, sink_located};
use crate::analyze::model::SourceFile;
use crate::analyze::rules::chart_source::DependencyFiles;
use crate::analyze::rules::values_schema::{self, ValuesSchema};
use crate::analyze::settings::Settings;
use crate::config::Config;
use crate::discover::charts::{EnvTarget, Service};
use crate::discover::manifests::display_path;
use crate::model::InputError;
use crate::model::value::{Map, Value};
use crate::model::{Finding, Location, Severity};
use crate::render::chart::schema::CompiledSchema as Compiled;
use crate::render::chart::{LoadedChart, RenderError, RenderOptions, RenderedChart, render_chart};
use crate::render::template::TemplatePos;
use locate::{ChartLocator, RUN_VALUES_BASE, ValuesRegistry};

/// The rule id of a chart that failed to render (not a configurable rule: it always fails the run
/// with exit code 2).
pub const RENDER_ERROR: &str = crate::analyze::rules::render_error::RenderError::INFO.id;

/// What one render needs to know besides the config: the Rego helper's policy context
/// (`data.chartgate.context`) is filled from it.
#[derive(Clone, Debug)]
pub struct RenderContext<'a> {
    /// The chart's name (`name:` of Chart.yaml).
    pub chart: &'a str,
    /// The release name the chart is rendered with.
    pub release: &'a str,
    /// The namespace it is rendered into.
    pub namespace: &'a str,
    /// The coalesced `.Values` of the render.
    pub values: &'a Map,
}

/// The settings of one chart × environment. The one place that builds them, so everything a
/// policy may want from the render (chart, release, namespace, values) is at hand here.
pub fn settings_for(
    config: &Config,
    env: Option<&str>,
    opts: &ChartCheckOptions,
    ctx: &RenderContext<'_>,
) -> Settings {
    let mut s = Settings::from_config(config, env, opts.cluster.as_deref());
    s.policies = opts.policies.clone();
    s.exemptions = opts.exemptions.clone();
    s.context.chart = Some(ctx.chart.to_string());
    s.context.release = Some(ctx.release.to_string());
    s.context.namespace = Some(ctx.namespace.to_string());
    // Policies may read the merged values; converting them costs a walk, so only when one does.
    if (s.policies.as_ref()).is_some_and(|p| p.reads_context("values")) {
        // Bounded: values nested deeper than the engine takes reach it cut off, and the
        // evaluation reports them (`rego-error`) instead of recursing on them.
        s.context.values = crate::render::chart::release::to_json_depth(
            &Value::map(ctx.values.clone()),
            crate::analyze::rego::eval::MAX_VALUE_DEPTH + 1,
        );
    }
    s
}

/// Options of a check run over charts.
#[derive(Clone, Debug, Default)]
pub struct ChartCheckOptions {
    /// `--env`: only these environments (empty: all discovered).
    pub envs: Vec<String>,
    /// `--cluster`: overrides every environment's cluster.
    pub cluster: Option<String>,
    /// Paths are printed relative to it.
    pub cwd: PathBuf,
    /// Rego policies compiled once for the run (bundled, config, `--policy`).
    pub policies: Option<Arc<crate::analyze::rego::PolicySet>>,
    /// The config's exemptions, shared by every analysis of the run (they record their use).
    pub exemptions: Option<Arc<crate::analyze::exemptions::ExemptionSet>>,
    /// Which renderer turns charts into manifests (`--renderer`).
    pub renderer: crate::render::Renderer,
    /// Told the number of renders each finished service ran (`audit`'s progress bar).
    pub progress: Option<Progress>,
    /// Repository URL → local directory (`--repo`, `repos:`): where dependencies that are not
    /// vendored are looked up.
    pub repos: crate::discover::argocd::repos::RepoMap,
}

/// A callback told of finished renders (by count).
#[derive(Clone)]
pub struct Progress(pub Arc<dyn Fn(u64) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

/// The result of checking charts.
#[derive(Debug, Default)]
pub struct ChartCheck {
    /// Findings of every render (sorted), `render-error` findings included.
    pub findings: Vec<Finding>,
    /// Texts of the files findings point at (values files, templates), by printed path.
    pub sources: BTreeMap<String, Arc<str>>,
    /// How many renders failed.
    pub render_errors: usize,
    /// How many chart × environment renders ran.
    pub renders: usize,
    /// The environments each chart was checked in, in order (chart as printed → names).
    pub environments: BTreeMap<String, Vec<String>>,
}

/// Reads one plain manifest input into documents with positions. The error is
/// `FILE:LINE:COL: message` (a panic in the reader is caught and reported for that file).
pub fn parse_manifest(
    input: &crate::discover::manifests::ManifestInput,
    limits: &crate::yaml::Limits,
) -> Result<SourceFile, InputError> {
    match std::panic::catch_unwind(|| crate::yaml::parse_stream(&input.text, limits)) {
        Ok(Ok(documents)) => Ok(SourceFile {
            file: input.display.clone(),
            documents,
        }),
        Ok(Err(e)) => Err(InputError::new(
            &input.display,
            e.pos.line,
            e.pos.col,
            e.message,
        )),
        Err(_) => Err(InputError::file(
            &input.display,
            "internal error while reading YAML; please report it",
        )),
    }
}

/// A values file parsed once per run.
struct ParsedValues {
    map: Result<Map, Finding>,
}

/// The environments of `svc` that `--env` selects; with `--env` and no environments discovered,
/// the chart is checked once per asked environment with its defaults.
pub fn selected_envs(svc: &Service, envs: &[String]) -> Vec<EnvTarget> {
    if envs.is_empty() {
        return svc.environments.clone();
    }
    if svc.environments.len() == 1 && svc.environments[0].name.is_none() {
        return envs
            .iter()
            .map(|e| EnvTarget {
                name: Some(e.clone()),
                ..svc.environments[0].clone()
            })
            .collect();
    }
    svc.environments
        .iter()
        .filter(|e| e.name.as_ref().is_some_and(|n| envs.contains(n)))
        .cloned()
        .collect()
}

fn render_error(svc: &Service, env: Option<&str>, location: Location, message: String) -> Finding {
    Finding::new(RENDER_ERROR, Severity::Error, message, location)
        .with_environment(env)
        .with_chart(Some(svc.display.clone()))
}

/// Renders and checks every service × selected environment, in parallel on the current rayon
/// pool. Output is sorted and independent of the thread count.
pub fn check_charts(services: &[Service], opts: &ChartCheckOptions) -> ChartCheck {
    let cwd = opts.cwd.as_path();
    let jobs: Vec<(usize, EnvTarget)> = services
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            selected_envs(s, &opts.envs)
                .into_iter()
                .map(move |e| (i, e))
        })
        .collect();
    // Values files: each parsed once per set of limits (the limits of the chart's config that
    // names it), ids above RUN_VALUES_BASE.
    let mut paths: Vec<(PathBuf, crate::model::Limits)> = jobs
        .iter()
        .flat_map(|(i, e)| {
            let limits = services[*i].config.limits;
            e.values.iter().map(move |p| (p.clone(), limits))
        })
        .collect();
    paths.sort_by(|a, b| a.0.cmp(&b.0));
    let mut seen = std::collections::HashSet::new();
    paths.retain(|k| seen.insert(k.clone()));
    let parsed: Vec<(String, Arc<str>, ParsedValues)> = paths
        .par_iter()
        .enumerate()
        .map(|(i, (p, l))| parse_values_file(p, RUN_VALUES_BASE + i as u32, cwd, l))
        .collect();
    let mut registry = ValuesRegistry::default();
    let mut values: HashMap<(&Path, crate::model::Limits), &ParsedValues> = HashMap::new();
    for ((p, l), (display, text, v)) in paths.iter().zip(&parsed) {
        registry.files.push((display.clone(), text.clone()));
        values.insert((p.as_path(), *l), v);
    }
    // Charts: each loaded once.
    let mut charts: Vec<(&Path, &Path)> = (services.iter())
        .map(|s| (s.chart.as_path(), s.root.as_path()))
        .collect();
    charts.sort();
    charts.dedup_by(|a, b| a.0 == b.0);
    let loaded: HashMap<&Path, Result<LoadedChart, Finding>> = charts
        .par_iter()
        .map(|&(c, root)| {
            // Symbolic links may lead anywhere in the chart's repository.
            let root = Some(root);
            let r = catch(|| {
                crate::discover::argocd::deps::load(c, root, &opts.repos, &Default::default())
            });
            let r = match r {
                Ok(Ok(l)) => Ok(l),
                Ok(Err(crate::discover::argocd::deps::LoadError::Missing(m))) => {
                    Err(unresolved_deps(c, &m, cwd))
                }
                Ok(Err(crate::discover::argocd::deps::LoadError::Chart(e))) => {
                    Err(chart_error(c, &e, cwd))
                }
                Err(p) => Err(load_error(c, p.to_string(), cwd)),
            };
            (c, r)
        })
        .collect();
    // Each chart's dependency files, read once (judged per environment by chart-source).
    let dependency_files: HashMap<&Path, Option<DependencyFiles>> = charts
        .par_iter()
        .map(|&(c, _)| {
            let limits = (services.iter())
                .find(|s| s.chart == c)
                .map(|s| s.config.limits.yaml())
                .unwrap_or_default();
            (
                c,
                catch(|| DependencyFiles::read(c, &limits, cwd))
                    .ok()
                    .flatten(),
            )
        })
        .collect();
    // Contract schemas (`values-schema:`), compiled once.
    let mut schema_paths: Vec<&PathBuf> = services
        .iter()
        .flat_map(|s| s.config.values_schema.iter())
        .collect();
    schema_paths.sort();
    schema_paths.dedup();
    let contracts: HashMap<&PathBuf, Result<Compiled, InputError>> = schema_paths
        .into_iter()
        .map(|p| (p, contracts::compile(p, cwd)))
        .collect();

    // Values-file suppression comments: what each did over the run.
    let uses = crate::analyze::values_ignore::Uses::default();
    let results: Vec<JobResult> = jobs
        .par_iter()
        .map(|(i, env)| {
            let svc = &services[*i];
            // The run's time spent: reported as not checked, never skipped silently.
            if let Some(spent) = crate::budget::run_time_spent() {
                return budget::not_checked(svc, env.name.as_deref(), spent, cwd);
            }
            // One render's budget (time and memory) covers rendering and analysis.
            let run = || {
                crate::budget::render_scope(&svc.config.limits, || {
                    check_one(
                        svc,
                        env,
                        &loaded[svc.chart.as_path()],
                        dependency_files[svc.chart.as_path()].as_ref(),
                        &values,
                        &registry,
                        &contracts,
                        opts,
                        &uses,
                    )
                })
            };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
            if let Some(p) = &opts.progress {
                (p.0)(1);
            }
            match r {
                Ok(r) => r,
                Err(_) => (
                    vec![render_error(
                        svc,
                        env.name.as_deref(),
                        Location {
                            file: svc.display.clone(),
                            line: 1,
                            column: 1,
                        },
                        "internal error while rendering this chart; please report it".into(),
                    )],
                    BTreeMap::new(),
                    true,
                ),
            }
        })
        .collect();
    let mut out = ChartCheck {
        renders: jobs.len(),
        ..Default::default()
    };
    for (i, env) in &jobs {
        if let Some(name) = &env.name {
            out.environments
                .entry(services[*i].display.clone())
                .or_default()
                .push(name.clone());
        }
    }
    for (findings, sources, failed) in results {
        out.findings.extend(findings);
        out.sources.extend(sources);
        out.render_errors += usize::from(failed);
    }
    let left_out = |e: &&EnvTarget| {
        !opts.envs.is_empty() && e.name.as_ref().is_some_and(|n| !opts.envs.contains(n))
    };
    for f in uses.run_findings(
        jobs.iter().map(|(_, e)| e.values.as_slice()),
        (services.iter())
            .flat_map(|s| s.environments.iter().filter(left_out))
            .map(|e| e.values.as_slice()),
        cwd,
    ) {
        if !out.sources.contains_key(&f.location.file)
            && let Ok(t) = crate::confine::read_repo_text(
                &cwd.join(&f.location.file),
                crate::model::Limits::default().file_bytes,
            )
        {
            out.sources.insert(f.location.file.clone(), t.into());
        }
        out.findings.push(f);
    }
    crate::model::finding::sort_findings(&mut out.findings);
    out
}

/// A panic while loading a chart (reported as a `render-error`, never propagated).
#[derive(Debug, thiserror::Error)]
#[error("internal error while loading the chart; please report it")]
struct LoadPanic;

fn catch<T>(f: impl FnOnce() -> T) -> Result<T, LoadPanic> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| LoadPanic)
}

/// The charts whose dependencies are neither vendored nor available locally, as `--list`
/// reports them (`check` reports each as an `unresolved-source` finding): at the first missing
/// dependency's `repository` line. Only charts declaring dependencies are loaded.
pub fn unvendored(
    services: &[Service],
    repos: &crate::discover::argocd::repos::RepoMap,
    cwd: &Path,
) -> Vec<crate::discover::charts::Unresolved> {
    let mut charts: Vec<(&Path, &Path)> = (services.iter())
        .map(|s| (s.chart.as_path(), s.root.as_path()))
        .collect();
    charts.sort();
    charts.dedup_by(|a, b| a.0 == b.0);
    let limits = crate::model::Limits::default();
    charts
        .par_iter()
        .filter_map(|&(c, root)| {
            catch(|| DependencyFiles::read(c, &limits.yaml(), cwd)).ok()??;
            let loaded =
                catch(|| crate::discover::argocd::deps::load(c, Some(root), repos, &limits));
            let Ok(Err(crate::discover::argocd::deps::LoadError::Missing(m))) = loaded else {
                return None;
            };
            let f = unresolved_deps(c, &m, cwd);
            Some(crate::discover::charts::Unresolved {
                source: format!("{}:{}", f.location.file, f.location.line),
                reason: f.message,
            })
        })
        .collect()
}

/// The `unresolved-source` finding of a chart whose dependencies are not available locally (one
/// per chart × environment; its severity is set per environment in `check_one`).
fn unresolved_deps(
    chart: &Path,
    missing: &[crate::discover::argocd::deps::Missing],
    cwd: &Path,
) -> Finding {
    let mut f = load_error(chart, String::new(), cwd);
    f.rule = crate::discover::argocd::UNRESOLVED.into();
    f.severity = Severity::Warning;
    f.message = missing
        .iter()
        .map(|m| crate::discover::argocd::deps::message(m, &display_path(chart, cwd)))
        .collect::<Vec<_>>()
        .join("; ");
    // At the first missing dependency's `repository`, the line to change (or vendor).
    let limits = crate::model::Limits::default().yaml();
    if let Some(first) = missing.first()
        && let Some(files) =
            crate::analyze::rules::chart_source::DependencyFiles::read(chart, &limits, cwd)
        && let Some((file, line, column, field)) = files.repository_at(&first.name)
    {
        f.location = Location {
            file: display_path(file, cwd),
            line,
            column,
        };
        f.field = Some(field);
    }
    f
}

/// The finding of a chart that did not load: at the position in the chart's file the error
/// carries (a `Chart.yaml` key Helm's validation refuses, a YAML error), else as
/// [`load_error`].
fn chart_error(chart: &Path, e: &crate::render::chart::ChartError, cwd: &Path) -> Finding {
    let mut f = load_error(chart, e.to_string(), cwd);
    if let (Some(path), (line @ 1.., col)) = (&e.path, e.position())
        && Path::new(path).is_file()
    {
        f.location = Location {
            file: display_path(Path::new(path), cwd),
            line,
            column: col.max(1),
        };
    }
    f
}

fn load_error(chart: &Path, message: String, cwd: &Path) -> Finding {
    // The loader names the file in its message; point at the chart's Chart.yaml otherwise.
    let abs = chart.display().to_string();
    let message = message.replace(&abs, &display_path(chart, cwd));
    let file = if chart.is_dir() {
        display_path(&chart.join("Chart.yaml"), cwd)
    } else {
        display_path(chart, cwd)
    };
    let at = Location {
        file,
        line: 1,
        column: 1,
    };
    Finding::new(RENDER_ERROR, Severity::Error, message, at)
}

fn parse_values_file(
    p: &Path,
    id: u32,
    cwd: &Path,
    limits: &crate::model::Limits,
) -> (String, Arc<str>, ParsedValues) {
    let display = display_path(p, cwd);
    // Bounded: the size is checked before reading, devices and FIFOs are never opened.
    let text: Arc<str> = match crate::confine::read_bounded_text(p, limits.file_bytes) {
        Ok(t) => t.into(),
        Err(e) => {
            let f = bare_error(&display, 1, 1, format!("cannot read values file: {e}"));
            return (display, "".into(), ParsedValues { map: Err(f) });
        }
    };
    // One values file is held to a render's memory and time budgets: a 16 MB file of small
    // maps would otherwise take gigabytes as parsed nodes.
    let parsed = crate::budget::render_scope(limits, || {
        crate::yaml::parse_values_file(&text, id, &limits.yaml())
    });
    let map = match parsed {
        Ok(v) => Ok(v.into_map().unwrap_or_default()),
        Err(e) => Err(bare_error(&display, e.pos.line, e.pos.col, e.message)),
    };
    (display, text, ParsedValues { map })
}

fn bare_error(file: &str, line: u32, column: u32, message: String) -> Finding {
    let at = Location {
        file: file.to_string(),
        line,
        column,
    };
    Finding::new(RENDER_ERROR, Severity::Error, message, at)
}

/// The finding of a failed render: at the position the error carries — the values-file line of
/// a value whose text failed (`tpl` of a value), else the template file:line:col (the root chart's
/// or a subchart's `charts/<sub>/templates/...`) — else at the chart.
fn render_failure(
    svc: &Service,
    env: Option<&str>,
    loaded: &LoadedChart,
    registry: &ValuesRegistry,
    error: &RenderError,
    cwd: &Path,
) -> Finding {
    let chart_file = if svc.chart.is_dir() {
        display_path(&svc.chart.join("Chart.yaml"), cwd)
    } else {
        display_path(&svc.chart, cwd)
    };
    let (value, at) = match error {
        RenderError::Template(e) => (e.value, Some(&e.at)),
        RenderError::Helm { at, .. } => (None, at.as_ref()),
        _ => (None, None),
    };
    let location = value
        .and_then(|o| value_location(o, loaded, registry, cwd))
        .or_else(|| at.and_then(|p| template_file_location(svc, loaded, p, cwd)))
        .unwrap_or(Location {
            file: chart_file,
            line: 1,
            column: 1,
        });
    render_error(svc, env, location, error.to_string())
}

/// Where a values origin is: a values file of the run, or the chart's own `values.yaml`.
fn value_location(
    o: crate::model::value::Origin,
    loaded: &LoadedChart,
    registry: &ValuesRegistry,
    cwd: &Path,
) -> Option<Location> {
    if o.is_none() || o.line == 0 {
        return None;
    }
    let file = match registry.get(o.file) {
        Some((display, _)) => display.clone(),
        None if o.file < RUN_VALUES_BASE => {
            display_path(Path::new(&loaded.sources.get(o.file)?.path), cwd)
        }
        None => return None,
    };
    Some(Location {
        file,
        line: o.line,
        column: o.col.max(1),
    })
}

/// The chart file of a template position: `root/templates/x` or `root/charts/sub/templates/x`
/// under the chart's directory, when that file exists. The column is Go's as printed.
fn template_file_location(
    svc: &Service,
    loaded: &LoadedChart,
    at: &TemplatePos,
    cwd: &Path,
) -> Option<Location> {
    if at.line == 0 {
        return None;
    }
    let rest = at
        .template
        .strip_prefix(loaded.chart.name())?
        .strip_prefix('/')?;
    let file = svc.chart.join(rest);
    file.is_file().then(|| Location {
        file: display_path(&file, cwd),
        line: at.line,
        column: at.col.max(1),
    })
}

type JobResult = (Vec<Finding>, BTreeMap<String, Arc<str>>, bool);

#[allow(clippy::too_many_arguments)]
fn check_one(
    svc: &Service,
    env: &EnvTarget,
    loaded: &Result<LoadedChart, Finding>,
    dependency_files: Option<&DependencyFiles>,
    values: &HashMap<(&Path, crate::model::Limits), &ParsedValues>,
    registry: &ValuesRegistry,
    contracts: &HashMap<&PathBuf, Result<Compiled, InputError>>,
    opts: &ChartCheckOptions,
    uses: &crate::analyze::values_ignore::Uses,
) -> JobResult {
    let cwd = opts.cwd.as_path();
    let env_name = env.name.as_deref();
    let fail = |mut f: Finding| {
        f.environment = env_name.map(str::to_string);
        f.chart = Some(svc.display.clone());
        (vec![f], BTreeMap::new(), true)
    };
    let loaded = match loaded {
        Ok(l) => l,
        // Not rendered, not a render error: a warning (by default) for this environment.
        Err(f) if f.rule == crate::discover::argocd::UNRESOLVED => {
            let mut settings = Settings::from_config(&svc.config, env_name, None);
            settings.exemptions = opts.exemptions.clone();
            let mut f = f.clone();
            f.environment = env_name.map(str::to_string);
            f.chart = Some(svc.display.clone());
            // Where the dependencies come from is judged without rendering.
            let mut out = crate::analyze::rules::chart_source::chart_findings(
                dependency_files,
                &svc.chart,
                &svc.display,
                &settings,
                cwd,
            );
            out.push(f);
            let out = sink_located(&settings, out);
            let mut sources = BTreeMap::new();
            for f in &out {
                if let Ok(t) = crate::confine::read_repo_text(
                    &cwd.join(&f.location.file),
                    crate::model::Limits::default().file_bytes,
                ) {
                    sources.insert(f.location.file.clone(), Arc::from(t));
                }
            }
            return (out, sources, false);
        }
        Err(f) => return fail(f.clone()),
    };
    let mut layers = Vec::with_capacity(env.values.len());
    for p in &env.values {
        match values
            .get(&(p.as_path(), svc.config.limits))
            .map(|v| &v.map)
        {
            Some(Ok(m)) => layers.push(m.clone()),
            Some(Err(f)) => return fail(f.clone()),
            None => {}
        }
    }
    let config_env = env_name.and_then(|e| svc.config.environments.get(e));
    // The render's own namespace and release (an Application's) over the config's.
    let namespace = (env.namespace.clone())
        .or_else(|| config_env.and_then(|e| e.namespace.clone()))
        .unwrap_or_else(|| "default".into());
    let release = env.release.clone().unwrap_or_else(|| svc.name.clone());
    let mut ro = RenderOptions {
        values: layers,
        release_name: release.clone(),
        namespace: namespace.clone(),
        skip_schema_validation: true,
        limits: svc.config.limits,
        kube_version: crate::analyze::kube::configured_version(&svc.config, config_env),
        ..Default::default()
    };
    // Argo CD's inline values, parameters, kube and API versions.
    crate::discover::argocd::apply_helm_inputs(env, &mut ro);
    let result = match opts.renderer {
        crate::render::Renderer::Native => render_chart(loaded, &ro),
        crate::render::Renderer::Helm => crate::render::helm::render_with_helm(&svc.chart, &ro),
    };
    let rendered: RenderedChart = match result {
        Ok(r) => r,
        Err(e) => {
            let f = render_failure(svc, env_name, loaded, registry, &e, cwd);
            return (vec![f], BTreeMap::new(), true);
        }
    };
    let ctx = RenderContext {
        chart: rendered.chart.name(),
        release: &release,
        namespace: &namespace,
        values: &rendered.values,
    };
    let mut settings = settings_for(&svc.config, env_name, opts, &ctx);
    if settings.cluster.is_none() && env.cluster.is_some() {
        settings.cluster = env.cluster.clone();
        settings.context.cluster = env.cluster.clone();
    }
    settings.kube.chart_kube_version =
        crate::analyze::kube::chart_constraint(&loaded.chart.metadata.raw, loaded.chart.name());
    settings
        .kube
        .crds
        .extend(crate::analyze::kube::crds::of_chart(&loaded.chart));
    let locator = ChartLocator::new(&rendered, registry, cwd);
    let mut findings = Vec::new();
    let mut failed = false;
    // Manifests: every rendered template except NOTES.txt, as virtual files.
    let mut files = Vec::new();
    for (name, t) in &rendered.templates {
        if name.ends_with("/NOTES.txt") || t.text.trim().is_empty() {
            continue;
        }
        match crate::yaml::parse_manifests(&t.text, &settings.limits.yaml()) {
            Ok(documents) => files.push(SourceFile {
                file: name.clone(),
                documents,
            }),
            Err(e) => {
                // Helm fails the same way ("YAML parse error on NAME"); point at the template
                // line that wrote the broken text.
                failed = true;
                let at = locator
                    .template_location(name, e.pos.offset)
                    .unwrap_or(Location {
                        file: name.clone(),
                        line: e.pos.line,
                        column: e.pos.col,
                    });
                findings.push(render_error(
                    svc,
                    env_name,
                    at,
                    format!("YAML parse error on {name}: {}", e.message),
                ));
            }
        }
    }
    // CRDs Argo CD installs with the chart (`--include-crds` unless `skipCrds`).
    if env.include_crds {
        files.extend(crd_files(
            &loaded.chart,
            &svc.chart,
            cwd,
            &settings.limits.yaml(),
        ));
    }
    findings.extend(analyze(&files, &settings, &locator));
    // Findings located outside the manifests pass through the engine's sink too.
    findings.extend(sink_located(
        &settings,
        crate::analyze::rules::deprecated_api::chart_finding(
            &svc.chart,
            &svc.display,
            &settings,
            cwd,
        ),
    ));
    findings.extend(sink_located(
        &settings,
        crate::analyze::rules::chart_source::chart_findings(
            dependency_files,
            &svc.chart,
            &svc.display,
            &settings,
            cwd,
        ),
    ));
    // Values schemas.
    if level_for(&ValuesSchema::INFO, &settings).is_some() {
        let mut compiled = Vec::new();
        for p in &svc.config.values_schema {
            match contracts.get(p) {
                Some(Ok(v)) => {
                    findings.extend(sink_located(
                        &settings,
                        contracts::external_findings(p, v, env_name, cwd),
                    ));
                    compiled.push((format!("`{}`", display_path(p, cwd)), &v.validator));
                }
                Some(Err(e)) => {
                    failed = true;
                    findings.push(render_error(
                        svc,
                        env_name,
                        Location {
                            file: display_path(p, cwd),
                            line: 1,
                            column: 1,
                        },
                        format!("invalid values schema: {e}"),
                    ));
                }
                None => {}
            }
        }
        // A value that is missing is reported where the environment's values end.
        let fallback = env
            .values
            .last()
            .map(|p| display_path(p, cwd))
            .or_else(|| {
                svc.chart
                    .is_dir()
                    .then(|| display_path(&svc.chart.join("values.yaml"), cwd))
            })
            .unwrap_or_else(|| svc.display.clone());
        let violations = values_schema::check_values(&rendered.chart, &rendered.values, &compiled);
        findings.extend(sink_located(
            &settings,
            violations.iter().map(|v| {
                let location = locator.origin_location(v.origin).unwrap_or(Location {
                    file: fallback.clone(),
                    line: 1,
                    column: 1,
                });
                v.finding(location, env_name)
            }),
        ));
    }
    // Values files: unknown keys, then suppression comments on values lines.
    findings.extend(sink_located(
        &settings,
        crate::analyze::rules::values_unknown_key::for_render(
            &rendered.chart,
            &svc.chart,
            &env.values,
            &settings,
            cwd,
            &loaded.parse_cache,
        ),
    ));
    let today = session::today().unwrap_or_else(|_| chrono::Local::now().date_naive());
    crate::analyze::values_ignore::apply(
        &mut findings,
        &env.values,
        &settings,
        today,
        cwd,
        uses,
        &svc.display,
    );
    for f in &mut findings {
        f.chart = Some(svc.display.clone());
    }
    let mut sources = locator.used.into_inner().unwrap_or_default();
    // The fallback file of schema findings may not have been touched by the locator.
    for f in &findings {
        if !sources.contains_key(&f.location.file)
            && let Ok(t) = crate::confine::read_repo_text(
                &cwd.join(&f.location.file),
                crate::model::Limits::default().file_bytes,
            )
        {
            sources.insert(f.location.file.clone(), t.into());
        }
    }
    (findings, sources, failed)
}

/// The `crds/` files of `chart` and its subcharts as manifests (Helm's `--include-crds` order:
/// the chart's own, then each dependency's), named by their file in the chart directory when
/// it exists (so findings point at it), else `CHART/crds/FILE`. Unparsable CRD files are left
/// to Helm's own error (they are not templates).
pub fn crd_files(
    chart: &crate::render::chart::Chart,
    dir: &Path,
    cwd: &Path,
    limits: &crate::yaml::Limits,
) -> Vec<SourceFile> {
    let mut out = Vec::new();
    let mut stack: Vec<(&crate::render::chart::Chart, PathBuf)> = vec![(chart, dir.to_path_buf())];
    while let Some((c, at)) = stack.pop() {
        for f in &c.crds {
            let Ok(text) = std::str::from_utf8(&f.data) else {
                continue;
            };
            let Ok(documents) = crate::yaml::parse_manifests(text, limits) else {
                continue;
            };
            let real = at.join(&f.name);
            let file = if at.is_dir() && real.is_file() {
                display_path(&real, cwd)
            } else {
                format!("{}/{}", c.name(), f.name)
            };
            out.push(SourceFile { file, documents });
        }
        for d in c.dependencies.iter().rev() {
            stack.push((d, at.join("charts").join(d.name())));
        }
    }
    out
}
