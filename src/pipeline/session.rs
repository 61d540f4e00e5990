//! One run of the pipeline, shared by `check`, `audit` and the benchmarks: the `--config` file
//! loaded once, `--limit` applied once per config, policies and exemptions prepared once per
//! config, discovery, and the chart × environment jobs (each chart loaded once and each values
//! file parsed once per call of [`Session::check_charts`]). `cli/` maps its arguments onto
//! [`RunOptions`] and prints what the session returns.

use crate::model::InputError;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::analyze::engine::{ManifestLocator, analyze};
use crate::analyze::exemptions::ExemptionSet;
use crate::analyze::model::SourceFile;
use crate::analyze::rego::PolicySet;
use crate::analyze::settings::Settings;
use crate::config::{Config, Level};
use crate::discover::charts::{DiscoverOptions, Discovered, Service};
use crate::discover::manifests::{ManifestInput, display_path};
use crate::model::{Finding, Severity};

use super::policies::{CheckPolicies, load_for_check};
use super::{ChartCheck, ChartCheckOptions, Progress};

/// Environment variable that fixes "today" for exemption expiry (`YYYY-MM-DD`), so a CI run
/// can be reproduced later.
pub const TODAY_VAR: &str = "CHARTGATE_TODAY";

/// What a run is asked to do, whatever command asks (`check`, `audit`).
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// `--config`: one config for every path (None: each path's nearest files).
    pub config: Option<PathBuf>,
    /// `--env`: only these environments (empty: all discovered).
    pub envs: Vec<String>,
    /// `--cluster`: overrides every environment's cluster.
    pub cluster: Option<String>,
    /// `--include` globs of manifest files.
    pub include: Vec<String>,
    /// `--exclude` globs.
    pub exclude: Vec<String>,
    /// `--jobs` worker threads (None: all cores).
    pub jobs: Option<usize>,
    /// `--policy` paths.
    pub policy: Vec<PathBuf>,
    /// `--data` documents.
    pub data: Vec<PathBuf>,
    /// `--namespace` Rego packages.
    pub namespaces: Vec<String>,
    /// `--all-namespaces`.
    pub all_namespaces: bool,
    /// `--combine`.
    pub combine: bool,
    /// `--renderer`.
    pub renderer: crate::render::Renderer,
    /// `--limit NAME=VALUE`, over every config's `limits:`.
    pub limits: Vec<String>,
    /// `-f` values files added to every environment.
    pub values: Vec<PathBuf>,
    /// `--platform-config`: the trusted platform config (None: the bundled defaults).
    pub platform_config: Option<PathBuf>,
    /// `--repo URL=PATH`: local checkouts of repositories Argo CD Applications use.
    pub repos: Vec<String>,
    /// Files that are never manifests (the run's baseline files).
    pub never_manifests: Vec<PathBuf>,
    /// `--helm-cache`: missing chart dependencies may come from Helm's repository cache, a
    /// directory outside the repository (off by default: nothing outside it is read).
    pub helm_cache: bool,
}

/// What discovery found, Argo CD's resolution included.
pub struct Discovery {
    /// Charts with their environments, plain manifests, skipped and unresolved inputs.
    pub discovered: Discovered,
    /// What the Argo CD Applications added: `unresolved-source` findings, the Application files'
    /// texts and the repository mapping.
    pub argo: crate::discover::argocd::ArgoRun,
}

/// A session: the options, the current directory, the `--config` file (loaded once) and the
/// worker pool.
pub struct Session {
    /// What was asked.
    pub opts: RunOptions,
    /// Paths print relative to it.
    pub cwd: PathBuf,
    /// The `--config` file, loaded once (without `--limit`: discovery hands it to services,
    /// which get the overrides in [`Session::discover`]).
    config_override: Option<Config>,
    pool: rayon::ThreadPool,
}

/// One config of the run with everything prepared from it: `--limit` applied, policies compiled
/// and exemptions ready (they record their use across every analysis).
pub struct Prepared {
    /// The config with `--limit` applied.
    pub config: Config,
    /// The compiled policies (bundled + config + `--policy`).
    pub policies: Arc<PolicySet>,
    /// The config's exemptions (None when there are none).
    pub exemptions: Option<Arc<ExemptionSet>>,
}

/// Why a run cannot start or go on (exit code 2). `Display` is what `chartgate: ` prefixes.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A config file (`chartgate.yaml`, `--config`, `--platform-config`, CRD files) or a rule
    /// id the config names that no rule has: `config error: FILE:LINE:COL: ...`.
    #[error("config error: {0}")]
    Config(String),
    /// A Rego policy that does not load or compile: `policy error: FILE:LINE:COL: ...`.
    #[error("policy error: {0}")]
    Policy(#[from] super::policies::PolicyError),
    /// An invalid `--limit`.
    #[error("{0}")]
    Limit(String),
    /// `CHARTGATE_TODAY` is not a date.
    #[error("{TODAY_VAR} must be a date YYYY-MM-DD, got `{0}`")]
    Today(String),
    /// Discovery of the inputs failed (an unreadable path, stdin, Argo CD resolution).
    #[error("{0}")]
    Discovery(String),
    /// The worker pool could not start.
    #[error("{0}")]
    Pool(String),
}

impl From<SessionError> for String {
    fn from(e: SessionError) -> String {
        e.to_string()
    }
}

/// `FILE:LINE:COL: message` of a config error (`FILE: message` without a line), the file
/// relative to `cwd`.
impl Session {
    /// Starts a session over `paths`: records the root of the check and the trusted platform
    /// config, loads `--config` once and builds the worker pool. Errors are printed as
    /// `chartgate: {error}`.
    pub fn new(opts: RunOptions, cwd: PathBuf, paths: &[PathBuf]) -> Result<Session, SessionError> {
        trust(opts.platform_config.as_deref(), paths, &cwd)
            .map_err(|e| SessionError::Config(e.to_string()))?;
        crate::discover::argocd::deps::use_helm_cache(opts.helm_cache);
        let config_override = match &opts.config {
            Some(c) => Some(
                crate::config::load_file(c)
                    .map_err(|e| SessionError::Config(e.at(&cwd).to_string()))?,
            ),
            None => None,
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(opts.jobs.unwrap_or(0))
            .build()
            .map_err(|e| SessionError::Pool(e.to_string()))?;
        Ok(Session {
            opts,
            cwd,
            config_override,
            pool,
        })
    }

    /// Makes `path` the root of the check (the repository root of files with no `.git` above
    /// them): `audit` enters each audited repository in turn.
    pub fn enter_root(&self, path: &Path) {
        crate::confine::root::set_checked_root(&self.cwd.join(path));
    }

    /// Runs `f` on the session's worker pool.
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.pool.install(f)
    }

    /// The config of a run starting at `start` (`--config`, else the nearest files walking up),
    /// with `--limit` applied.
    pub fn config_for(&self, start: &Path) -> Result<Config, SessionError> {
        let mut config = match &self.config_override {
            Some(c) => c.clone(),
            None => crate::config::find_for(&self.cwd.join(start))
                .map_err(|e| SessionError::Config(e.at(&self.cwd).to_string()))?,
        };
        for a in &self.opts.limits {
            config.limits.set_arg(a).map_err(SessionError::Limit)?;
        }
        Ok(config)
    }

    /// Compiles the policies and prepares the exemptions of `config`. Errors:
    /// `policy error: FILE:LINE:COL: ...`.
    pub fn prepare(&self, config: Config) -> Result<Prepared, SessionError> {
        let (policies, exemptions) = self.prepare_parts(&config)?;
        Ok(Prepared {
            config,
            policies,
            exemptions,
        })
    }

    /// [`Session::prepare`] and [`Session::discover`] at once: the policies compile on a second
    /// thread while discovery walks the repository and resolves its Applications (neither needs
    /// the other; on the pre-commit hook's one-file check, compiling the policies was an eighth
    /// of the run). A config or policy error comes first, as when the two ran in turn.
    pub fn prepare_and_discover(
        &self,
        config: Config,
        paths: &[PathBuf],
        stdin: &mut dyn std::io::Read,
    ) -> Result<(Prepared, Discovery), SessionError> {
        let (parts, found) = std::thread::scope(|scope| {
            // The main thread's stack size: loading walks the policies' syntax trees, which a
            // pull request writes.
            let parts = std::thread::Builder::new()
                .name("policies".into())
                .stack_size(8 << 20)
                .spawn_scoped(scope, || self.prepare_parts(&config));
            let found = self.discover_inputs(paths, &config, stdin);
            let parts = match parts {
                Ok(handle) => handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                // No second thread: load them here.
                Err(_) => self.prepare_parts(&config),
            };
            (parts, found)
        });
        let (policies, exemptions) = parts?;
        let prepared = Prepared {
            config,
            policies,
            exemptions,
        };
        let (d, argo) = found?;
        let discovery = self.finish_discovery(&prepared, d, argo)?;
        Ok((prepared, discovery))
    }

    /// The policies and exemptions of `config`.
    fn prepare_parts(
        &self,
        config: &Config,
    ) -> Result<(Arc<PolicySet>, Option<Arc<ExemptionSet>>), SessionError> {
        let opts = CheckPolicies {
            policy: &self.opts.policy,
            data: &self.opts.data,
            namespaces: &self.opts.namespaces,
            all_namespaces: self.opts.all_namespaces,
            combine: self.opts.combine,
            render_seconds: config.limits.render_seconds,
            list_only: false,
            tests: false,
        };
        let policies =
            load_for_check(&opts, &config.policies, &self.cwd).map_err(SessionError::Policy)?;
        crate::config::trust::set_platform_policy_rules(super::policies::platform_rule_ids(
            &policies, &self.cwd,
        ));
        unknown_rules(config, &policies, &self.cwd)?;
        crate::analyze::kube::crds::load_files(&config.crds, &self.cwd)
            .map_err(SessionError::Config)?;
        let exemptions = if config.exemptions.is_empty() {
            None
        } else {
            let items = config
                .exemptions
                .iter()
                .cloned()
                .map(|mut e| {
                    e.location.file = display_path(Path::new(&e.location.file), &self.cwd);
                    e
                })
                .collect();
            Some(Arc::new(ExemptionSet::new(items, today()?)))
        };
        Ok((Arc::new(policies), exemptions))
    }

    /// Discovers charts (with their environments), service folders and plain manifests under
    /// `paths`, then resolves the Argo CD Applications among them (they decide what is deployed
    /// where). Every service's config gets `--limit` and must name known rules; every
    /// environment gets the `-f` files.
    pub fn discover(
        &self,
        paths: &[PathBuf],
        prepared: &Prepared,
        stdin: &mut dyn std::io::Read,
    ) -> Result<Discovery, SessionError> {
        let (d, argo) = self.discover_inputs(paths, &prepared.config, stdin)?;
        self.finish_discovery(prepared, d, argo)
    }

    /// What discovery needs of the run's config alone: charts, manifests and the Argo CD
    /// resolution.
    fn discover_inputs(
        &self,
        paths: &[PathBuf],
        config: &Config,
        stdin: &mut dyn std::io::Read,
    ) -> Result<(Discovered, crate::discover::argocd::ArgoRun), SessionError> {
        let mut d = crate::discover::charts::discover(
            paths,
            &DiscoverOptions {
                include: &self.opts.include,
                exclude: &self.opts.exclude,
                config: self.config_override.as_ref(),
                cwd: &self.cwd,
                never_manifests: &self.opts.never_manifests,
            },
            stdin,
        )
        .map_err(|e| SessionError::Discovery(e.to_string()))?;
        // On the run's pool: the resolver reads charts in parallel.
        let argo = self
            .install(|| {
                crate::discover::argocd::apply(
                    &mut d,
                    paths,
                    &self.opts.repos,
                    config,
                    self.config_override.as_ref(),
                    &self.cwd,
                )
            })
            .map_err(SessionError::Discovery)?;
        Ok((d, argo))
    }

    /// What discovery needs the prepared policies and exemptions for: the unresolved sources'
    /// findings, and every service's rule ids and CRD files.
    fn finish_discovery(
        &self,
        prepared: &Prepared,
        mut d: Discovered,
        mut argo: crate::discover::argocd::ArgoRun,
    ) -> Result<Discovery, SessionError> {
        // Unresolved Argo CD sources pass through the engine's one sink too (exemptions).
        let settings = self.settings(prepared, None);
        argo.findings = crate::analyze::engine::sink_located(
            &settings,
            crate::analyze::rules::unresolved_source::findings(&settings, &argo.unresolved)
                .into_iter()
                .chain(std::mem::take(&mut argo.validity)),
        );
        for svc in &d.services {
            unknown_rules(&svc.config, &prepared.policies, &self.cwd)?;
            crate::analyze::kube::crds::load_files(&svc.config.crds, &self.cwd)
                .map_err(SessionError::Config)?;
        }
        self.adjust(&mut d.services);
        Ok(Discovery {
            discovered: d,
            argo,
        })
    }

    /// `--limit` on each service's config and `-f` on each environment.
    pub fn adjust(&self, services: &mut [Service]) {
        for svc in services {
            for a in &self.opts.limits {
                // Validated on the run's config by `config_for`.
                let _ = svc.config.limits.set_arg(a);
            }
            for env in &mut svc.environments {
                env.values
                    .extend(self.opts.values.iter().map(|v| self.cwd.join(v)));
            }
        }
    }

    /// The pipeline options of charts checked under `prepared`.
    pub fn chart_options(
        &self,
        prepared: &Prepared,
        repos: &crate::discover::argocd::repos::RepoMap,
    ) -> ChartCheckOptions {
        ChartCheckOptions {
            envs: self.opts.envs.clone(),
            cluster: self.opts.cluster.clone(),
            cwd: self.cwd.clone(),
            policies: Some(prepared.policies.clone()),
            exemptions: prepared.exemptions.clone(),
            renderer: self.opts.renderer,
            progress: None,
            repos: repos.clone(),
        }
    }

    /// Renders and checks every service × selected environment on the session's pool; each
    /// chart is loaded once and each values file parsed once. `progress` is told of each
    /// finished render.
    pub fn check_charts(
        &self,
        services: &[Service],
        prepared: &Prepared,
        repos: &crate::discover::argocd::repos::RepoMap,
        progress: Option<Progress>,
    ) -> ChartCheck {
        let mut opts = self.chart_options(prepared, repos);
        opts.progress = progress;
        self.install(|| super::check_charts(services, &opts))
    }

    /// The analysis settings of `env` (None: the global ones) under `prepared`.
    pub fn settings(&self, prepared: &Prepared, env: Option<&str>) -> Settings {
        let mut s = Settings::from_config(&prepared.config, env, self.opts.cluster.as_deref());
        s.policies = Some(prepared.policies.clone());
        s.exemptions = prepared.exemptions.clone();
        s
    }

    /// Parses plain manifests (in parallel) with `prepared`'s limits; errors are
    /// `FILE:LINE:COL: message`.
    pub fn parse_manifests(
        &self,
        inputs: &[ManifestInput],
        prepared: &Prepared,
    ) -> Vec<Result<SourceFile, crate::model::InputError>> {
        let limits = prepared.config.limits.yaml();
        self.install(|| {
            inputs
                .par_iter()
                .map(|i| super::parse_manifest(i, &limits))
                .collect()
        })
    }

    /// Analyzes parsed manifests once per settings, on the pool.
    pub fn analyze_manifests(&self, files: &[SourceFile], settings: &[Settings]) -> Vec<Finding> {
        self.install(|| {
            settings
                .iter()
                .flat_map(|s| analyze(files, s, &ManifestLocator))
                .collect()
        })
    }
}

impl Prepared {
    /// Findings about the run as a whole, once every analysis is done: expired and unused
    /// exemptions (severity from the config's global `rules:`).
    pub fn run_findings(&self) -> Vec<Finding> {
        let Some(ex) = &self.exemptions else {
            return Vec::new();
        };
        let level = |id: &str| -> Option<Option<Severity>> {
            self.config.rule_setting(id, None).level.map(|l| match l {
                Level::Off => None,
                Level::On(s) => Some(s),
            })
        };
        ex.findings(&level)
    }

    /// The settings with this config's policies and exemptions.
    pub fn apply(&self, mut settings: Settings) -> Settings {
        settings.policies = Some(self.policies.clone());
        settings.exemptions = self.exemptions.clone();
        settings
    }
}

/// Records the root of the check (the first path, else the current directory) and the trusted
/// platform config (`--platform-config`: its paths are not confined; None: the bundled
/// defaults). See `config::trust` and `config::confine`.
fn trust(platform: Option<&Path>, paths: &[PathBuf], cwd: &Path) -> Result<(), InputError> {
    let first = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .map(|p| cwd.join(p))
        .unwrap_or_else(|| cwd.to_path_buf());
    crate::confine::root::set_checked_root(&first);
    install_platform(platform, cwd)
}

/// Installs the trusted platform config (`--platform-config FILE`, relative to `cwd`; None: the
/// bundled defaults) and the rules' default severities it is checked against.
pub fn install_platform(platform: Option<&Path>, cwd: &Path) -> Result<(), InputError> {
    let config = match platform {
        None => None,
        Some(p) => Some(
            crate::config::load_platform_file(&cwd.join(p)).map_err(|e| {
                let file = crate::confine::show_path(Path::new(&display_path(&e.file, cwd)));
                InputError::new(file, e.line, e.column, e.message)
            })?,
        ),
    };
    crate::config::trust::set_rule_defaults(
        (crate::analyze::registry::all().iter())
            .chain(crate::analyze::engine::ENGINE_RULES)
            .map(|r| (r.id.to_string(), r.default_severity)),
    );
    crate::config::trust::set_platform(config);
    Ok(())
}

/// A rule id under `rules:` (top level or an environment's) or in an exemption that no built-in
/// rule, engine rule or policy rule of the run has: a config error at its line, with a
/// did-you-mean. A misspelt id would otherwise silently configure nothing.
pub fn unknown_rules(
    config: &Config,
    policies: &PolicySet,
    cwd: &Path,
) -> Result<(), SessionError> {
    use crate::analyze::{engine::ENGINE_RULES, registry};
    let known = |id: &str| {
        registry::find(id).is_some()
            || ENGINE_RULES.iter().any(|r| r.id == id)
            || policies.defines_rule(id)
    };
    let defaults: Vec<(String, crate::model::Severity)> = (policies.rules().into_iter())
        .map(|r| (r.id, r.severity))
        .collect();
    crate::config::trust::policy_rule_floors(config, &defaults)
        .map_err(|e| SessionError::Config(e.at(cwd).to_string()))?;
    for (id, at) in &config.rule_refs {
        if known(id) {
            continue;
        }
        let mut candidates: Vec<String> = registry::all()
            .iter()
            .chain(ENGINE_RULES)
            .map(|r| r.id.to_string())
            .chain(policies.defined_ids().iter().cloned())
            .collect();
        candidates.sort_by_key(|c| registry::distance(id, c));
        let hint = candidates
            .first()
            .filter(|c| registry::distance(id, c) <= id.len().max(3) / 3 + 1)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_else(|| "; `chartgate rules` lists every rule".to_string());
        return Err(SessionError::Config(
            InputError::new(
                display_path(Path::new(&at.file), cwd),
                at.line,
                at.column,
                format!("unknown rule `{}`{hint}", crate::confine::excerpt(id, 60)),
            )
            .to_string(),
        ));
    }
    Ok(())
}

/// Today, for expiry dates (`CHARTGATE_TODAY` when set).
pub fn today() -> Result<chrono::NaiveDate, SessionError> {
    match std::env::var(TODAY_VAR) {
        Ok(s) => {
            chrono::NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| SessionError::Today(s))
        }
        Err(_) => Ok(chrono::Local::now().date_naive()),
    }
}
