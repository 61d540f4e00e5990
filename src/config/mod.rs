//! `chartgate.yaml`: raw options, merged along the directory tree, resolved settings.
//!
//! A config file is read with the YAML loader (go-yaml v2 rules, so a bare `off` is `false`),
//! validated against `schemas/chartgate.schema.json` (errors point at the offending line of the
//! file), then checked semantically (severities, exemption reasons, dates).
//!
//! Files nest: [`find_for`] walks up from a path collecting `chartgate.yaml` (or
//! `.chartgate.yaml`) up to the repository root (the first directory holding `.git`) and merges
//! them root-first with [`merge`]: the nearer file overrides scalars and map entries key by key,
//! and lists (`registries`, `hosts`, `singletons`, `policies`, `values-schema`, `exemptions`) add.
//! `registries` and `hosts` have platform defaults that apply while no file sets them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::confine;
use crate::model::{Location, Severity};
use crate::yaml::{Node, NodeKind, Pos};

pub mod platform;
pub mod teams;
/// Moved to [`crate::model::limits`]; re-exported for old paths.
pub use crate::model::limits;
pub mod scoped;
#[cfg(test)]
mod tests;
pub mod trust;

pub use limits::Limits;
pub use scoped::ScopedGlob;

/// Names that are environments when found by convention (`environment-names:` replaces them).
pub const DEFAULT_ENVIRONMENT_NAMES: &[&str] = &[
    "dev",
    "test",
    "staging",
    "qa",
    "preprod",
    "prod",
    "production",
];
pub use platform::LoadBalancer;

/// The default allowed registry: the platform's shared ECR in any region.
pub const DEFAULT_REGISTRIES: &[&str] = &["354918371398.dkr.ecr.*.amazonaws.com/*"];
/// The default allowed hostname pattern (`{cluster}` is the environment's cluster).
pub const DEFAULT_HOSTS: &[&str] = &["*.{cluster}.idp.jppol.dk"];
/// File names looked for in each directory, in order of preference.
pub const FILE_NAMES: &[&str] = &["chartgate.yaml", ".chartgate.yaml"];

/// Resolved configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// The nearest file the configuration came from (`None`: defaults only).
    pub path: Option<PathBuf>,
    /// Allowed image registries (globs over the image reference).
    pub registries: Vec<String>,
    /// Allowed hostnames (globs, `{cluster}` placeholder).
    pub hosts: Vec<String>,
    /// Workload name globs that must run at most one pod.
    pub singletons: Vec<String>,
    pub environments: BTreeMap<String, Environment>,
    /// Environment names in the order the files list them (parents first): the order reports
    /// list environments in.
    pub environment_order: Vec<String>,
    pub rules: BTreeMap<String, RuleSetting>,
    /// Rego policy files/directories, resolved relative to the file that named them.
    pub policies: Vec<PathBuf>,
    /// `values-schema:` files, resolved relative to the file that named them.
    pub values_schema: Vec<PathBuf>,
    /// `crds:` files or directories of CustomResourceDefinitions (schemas for `schema-validity`),
    /// resolved relative to the file that named them.
    pub crds: Vec<PathBuf>,
    /// `chart:` of a values-only service folder, resolved relative to its file.
    pub chart: Option<PathBuf>,
    /// `root: true`: parent directories' files are not read (set by the file itself only).
    pub root: bool,
    /// `extend:` (platform config): lists repository configs may extend, not only narrow.
    pub extend: Vec<String>,
    pub exemptions: Vec<Exemption>,
    /// `limits:` for untrusted input (defaults where unset).
    pub limits: Limits,
    /// `repos:` repository URL → local checkout, resolved relative to the file that named it.
    pub repos: Vec<(String, PathBuf)>,
    /// `clusters:` Argo CD cluster name (or server) → settings (see [`Cluster`]).
    pub clusters: BTreeMap<String, Cluster>,
    /// `environment-names:`: names that are environments by convention.
    pub environment_names: Vec<String>,
    /// `manifests:`: files where every document must be a valid Kubernetes object.
    pub manifests: Vec<ScopedGlob>,
    /// `exclude:`: files and directories never read as manifests or charts.
    pub exclude: Vec<ScopedGlob>,
    /// `kube-version:` (`1.31`), normalised; None: the newest bundled version.
    pub kube_version: Option<String>,
    /// `pod-security:` level (`baseline` or `restricted`); None: baseline.
    pub pod_security: Option<String>,
    /// `load-balancers:`: the shared load balancers Ingresses may use (see [`platform`]).
    pub load_balancers: Vec<LoadBalancer>,
    /// `chart-registries:`: allowed Helm chart registries (globs, like `registries`).
    pub chart_registries: Vec<String>,
    /// `teams:` team → repository/service globs, nearest file first (see [`teams`]).
    pub teams: Vec<teams::TeamPatterns>,
    /// Keys set explicitly by some file (`registries`, `environments.prod.pin-digests`, ...):
    /// merging uses it to tell "set to false/empty" from "absent".
    #[doc(hidden)]
    pub explicit: BTreeSet<String>,
    /// Where each key was set (`registries`, `environments.prod.pod-security`, `rules.ID`,
    /// `environments.prod.rules.ID`) and each list entry (`registries[GLOB]`), nearest file
    /// winning: what the trust rules point at.
    #[doc(hidden)]
    pub at: BTreeMap<String, Location>,
    /// `lock-exemptions:` (platform config): which rules repository exemptions and suppression
    /// annotations may not cover (see [`trust`]).
    pub lock_exemptions: Option<ExemptionLock>,
    /// Every rule id the files name (`rules:` keys, per-environment `rules:`, exemptions), with
    /// where: checked against the rules of the run once its policies are known.
    pub rule_refs: Vec<(String, Location)>,
}

impl Default for Config {
    /// The platform defaults, as if no file was found.
    fn default() -> Self {
        Config {
            path: None,
            registries: DEFAULT_REGISTRIES.iter().map(|s| s.to_string()).collect(),
            hosts: DEFAULT_HOSTS.iter().map(|s| s.to_string()).collect(),
            singletons: Vec::new(),
            environments: BTreeMap::new(),
            environment_order: Vec::new(),
            rules: BTreeMap::new(),
            policies: Vec::new(),
            values_schema: Vec::new(),
            crds: Vec::new(),
            chart: None,
            root: false,
            extend: Vec::new(),
            exemptions: Vec::new(),
            limits: Limits::default(),
            repos: Vec::new(),
            clusters: BTreeMap::new(),
            environment_names: DEFAULT_ENVIRONMENT_NAMES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            manifests: Vec::new(),
            exclude: Vec::new(),
            kube_version: None,
            pod_security: None,
            load_balancers: Vec::new(),
            chart_registries: platform::DEFAULT_CHART_REGISTRIES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            explicit: BTreeSet::new(),
            at: BTreeMap::new(),
            lock_exemptions: None,
            rule_refs: Vec::new(),
            teams: Vec::new(),
        }
    }
}

/// One environment's settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Environment {
    pub cluster: Option<String>,
    /// The namespace releases are rendered into.
    pub namespace: Option<String>,
    /// Namespaces resources may use.
    pub namespaces: Vec<String>,
    /// Images must be pinned by digest.
    pub pin_digests: bool,
    /// Minimum replicas for non-singleton workloads.
    pub min_replicas: Option<u32>,
    /// Values-file globs relative to the file that declares them (`origin`), in order; may
    /// contain `{chart}`, `{env}` and `{service}`.
    pub values: Vec<String>,
    /// Where the environment is declared: the file that set `values` (else the nearest file
    /// naming the environment) and the line of its name there.
    pub origin: Option<EnvOrigin>,
    /// Per-environment rule overrides.
    pub rules: BTreeMap<String, RuleSetting>,
    /// `kube-version:` of this environment (normalised `1.31`).
    pub kube_version: Option<String>,
    /// `pod-security:` of this environment.
    pub pod_security: Option<String>,
    /// `load-balancers:` of this environment (replaces the top-level list when set).
    pub load_balancers: Option<Vec<LoadBalancer>>,
}

/// One `clusters:` entry: how an Argo CD destination cluster maps to chartgate settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cluster {
    /// The cluster's API server URL (`spec.destination.server` of Applications).
    pub server: Option<String>,
    /// The environment Applications on this cluster belong to (unless an environment with this
    /// `cluster` and the Application's `namespace` says otherwise).
    pub environment: Option<String>,
    /// Settings any environment takes; an environment's own settings override them.
    pub settings: Environment,
}

/// The file and line of an environment's declaration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvOrigin {
    pub file: PathBuf,
    pub line: u32,
    pub column: u32,
    /// Line and column of each `values:` glob, in order (empty when `values` is not set here).
    pub values_at: Vec<(u32, u32)>,
}

/// A rule's level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// `ID: error`, `ID: off`, `ID: false` or `ID: {severity: warning, option: ...}`.
/// `level: None` keeps the rule's default (also what `ID: true` means).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleSetting {
    pub level: Option<Level>,
    pub options: serde_json::Map<String, serde_json::Value>,
}

impl RuleSetting {
    /// `over` applied on top of `self`: its level if set, its options key by key.
    pub fn overlay(&self, over: &RuleSetting) -> RuleSetting {
        let mut options = self.options.clone();
        for (k, v) in &over.options {
            options.insert(k.clone(), v.clone());
        }
        RuleSetting {
            level: over.level.or(self.level),
            options,
        }
    }
}

/// `lock-exemptions:` of the platform config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExemptionLock {
    /// `true`: every rule; `false`: none.
    All(bool),
    /// These rule ids.
    Rules(Vec<String>),
}

/// An accepted finding.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemption {
    pub rule: String,
    /// Glob over `Kind/name` or `name`.
    pub resource: String,
    pub environment: Option<String>,
    pub reason: String,
    pub expires: Option<chrono::NaiveDate>,
    /// Where the exemption is written (for "unused" and "expired" findings).
    pub location: Location,
}

/// An invalid or unreadable config file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based; 0 when the error is about the whole file (unreadable).
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// The error as printed: the file relative to `cwd` (the one formatter of config errors;
    /// callers prefix `config error: `).
    pub fn at(&self, cwd: &Path) -> crate::model::InputError {
        crate::model::InputError::new(
            crate::confine::display_path(&self.file, cwd),
            self.line,
            self.column,
            &self.message,
        )
    }
}

impl Config {
    /// The environment an Argo CD destination on `cluster` (a cluster name) in namespace `ns`
    /// belongs to: the first environment (in file order) whose `cluster` and `namespace` match,
    /// else the first with that `cluster` and no `namespace`, else the cluster's `environment:`,
    /// else the cluster's name when `clusters:` knows it.
    pub fn environment_for(&self, cluster: &str, ns: Option<&str>) -> Option<String> {
        let find = |want_ns: Option<&str>| {
            self.environment_order.iter().find(|n| {
                self.environments.get(*n).is_some_and(|e| {
                    e.cluster.as_deref() == Some(cluster) && e.namespace.as_deref() == want_ns
                })
            })
        };
        let cl = self.clusters.get(cluster);
        ns.and_then(|n| find(Some(n)))
            .or_else(|| find(None))
            .cloned()
            .or_else(|| cl.and_then(|c| c.environment.clone()))
            .or_else(|| cl.map(|_| cluster.to_string()))
    }

    /// The namespaces the environments on cluster `cluster` declare (`namespace` and
    /// `namespaces`), sorted, unique: the Argo CD destinations of that cluster.
    pub fn cluster_namespaces(&self, cluster: &str) -> Vec<String> {
        let mut out: Vec<String> = (self.environments.values())
            .filter(|e| e.cluster.as_deref() == Some(cluster))
            .flat_map(|e| e.namespace.iter().chain(&e.namespaces).cloned())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The effective setting of `rule`, in environment `env` if given: the environment's
    /// override over the global setting (level: the most specific set one; options merged).
    pub fn rule_setting(&self, rule: &str, env: Option<&str>) -> RuleSetting {
        let global = self.rules.get(rule).cloned().unwrap_or_default();
        match env
            .and_then(|e| self.environments.get(e))
            .and_then(|e| e.rules.get(rule))
        {
            Some(over) => global.overlay(over),
            None => global,
        }
    }
}

/// Loads and validates one file; defaults apply for what it does not set.
/// Loads and validates one repository config file (`--config`); defaults apply for what it does
/// not set, and the trust rules ([`trust`]) over the platform config.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let text = read_config(path)?;
    let raw = parse_file(&text, path, true)?;
    trust::enforce(merge(Config::default(), raw))
}

/// Loads the trusted platform config (`--platform-config`): its paths are not confined.
pub fn load_platform_file(path: &Path) -> Result<Config, ConfigError> {
    let text = read_config(path)?;
    Ok(merge(Config::default(), parse_file(&text, path, false)?))
}

/// A config file's text: a regular file of at most 1 MiB, read with a bounded reader.
fn read_config(path: &Path) -> Result<String, ConfigError> {
    confine::read_bounded_text(path, CONFIG_BYTES).map_err(|e| ConfigError {
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        message: format!("cannot read config: {e}"),
    })
}

/// The largest config file read (1 MiB).
pub const CONFIG_BYTES: usize = 1 << 20;

/// Parses and validates config text as if read from `path` (relative paths resolve against its
/// directory).
pub fn load_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let raw = parse_file(text, path, false)?;
    Ok(merge(Config::default(), raw))
}

/// Walks up from `path` (a file or directory) to the repository root collecting config files,
/// and merges them root-first so the nearest wins. Defaults when none is found.
pub fn find_for(path: &Path) -> Result<Config, ConfigError> {
    find_for_cached(path, &mut FileCache::default())
}

/// Parsed config files by path, so discovery over many services reads each file once.
#[derive(Default)]
pub struct FileCache {
    files: std::collections::HashMap<PathBuf, Result<Config, ConfigError>>,
    /// [`FileCache::merged_in`] per directory.
    merged: std::collections::HashMap<PathBuf, Result<Config, ConfigError>>,
}

impl FileCache {
    /// The file at `path`, parsed once (only what it sets, no defaults or parents).
    pub fn file(&mut self, path: &Path) -> Result<Config, ConfigError> {
        self.files
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                // A config found in the tree is the repository's: it must not be a link out of
                // the repository, nor anything but a regular file.
                let root = crate::confine::root::repo_root(path);
                confine::check_existing(&root, path, confine::Kind::File)
                    .map_err(|why| ConfigError {
                        file: path.to_path_buf(),
                        line: 0,
                        column: 0,
                        message: format!("cannot read config: the file {why}"),
                    })
                    .and_then(|()| read_config(path))
                    .and_then(|text| parse_file(&text, path, true))
            })
            .clone()
    }
}

/// The config file directly in `dir` (`chartgate.yaml` or `.chartgate.yaml`), if any.
pub fn file_in(dir: &Path) -> Option<PathBuf> {
    FILE_NAMES.iter().map(|n| dir.join(n)).find(|f| f.is_file())
}

/// [`find_for`] reading files through `cache`.
pub fn find_for_cached(path: &Path, cache: &mut FileCache) -> Result<Config, ConfigError> {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let start = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    match start {
        Some(d) => trust::enforce(cache.merged_in(d)?),
        None => trust::enforce(Config::default()),
    }
}

impl FileCache {
    /// The config files from `dir` up to the repository root merged root-first (before the
    /// trust rules), remembered per directory: discovery asks for every directory it walks,
    /// and walking up from each one was quadratic in the nesting (1,500 nested directories
    /// took 1.4 million `stat` calls on ever longer paths, 98 s).
    fn merged_in(&mut self, dir: &Path) -> Result<Config, ConfigError> {
        // Up from `dir` to the first directory already known or where the walk stops (its
        // own config file, whether it ends the walk).
        let mut pending: Vec<(PathBuf, Option<PathBuf>, bool)> = Vec::new();
        let mut above: Option<Result<Config, ConfigError>> = None;
        let mut d = Some(dir);
        while let Some(here) = d {
            if let Some(known) = self.merged.get(here) {
                above = Some(known.clone());
                break;
            }
            let file = file_in(here);
            let root_config = file
                .as_ref()
                .is_some_and(|f| self.file(f).map(|c| c.root).unwrap_or(false));
            let stop = root_config || here.join(".git").exists();
            pending.push((here.to_path_buf(), file, stop));
            if stop {
                break;
            }
            d = here.parent();
        }
        let mut merged = above.unwrap_or_else(|| Ok(Config::default()));
        for (here, file, stop) in pending.into_iter().rev() {
            let base = if stop { Ok(Config::default()) } else { merged };
            merged = match (base, file) {
                (Ok(base), Some(f)) => self.file(&f).map(|own| merge(base, own)),
                (base, _) => base,
            };
            self.merged.insert(here, merged.clone());
        }
        merged
    }
}

/// `child` over `parent`: scalars and map entries of the child win where it sets them, lists add
/// (duplicates dropped), a list the parent only has by default is replaced.
pub fn merge(parent: Config, child: Config) -> Config {
    let p_exp = &parent.explicit;
    let c_exp = &child.explicit;
    let list = |key: &str, p: Vec<String>, c: Vec<String>| -> Vec<String> {
        match (p_exp.contains(key), c_exp.contains(key)) {
            (true, true) => add_unique(p, c),
            (false, true) => c,
            _ => p,
        }
    };
    let registries = list("registries", parent.registries, child.registries);
    let hosts = list("hosts", parent.hosts, child.hosts);
    let chart_registries = list(
        "chart-registries",
        parent.chart_registries,
        child.chart_registries,
    );
    let mut load_balancers = parent.load_balancers;
    for lb in child.load_balancers {
        if !load_balancers.contains(&lb) {
            load_balancers.push(lb);
        }
    }
    let singletons = add_unique(parent.singletons, child.singletons);
    let mut policies = parent.policies;
    for p in child.policies {
        if !policies.contains(&p) {
            policies.push(p);
        }
    }
    let mut values_schema = parent.values_schema;
    for p in child.values_schema {
        if !values_schema.contains(&p) {
            values_schema.push(p);
        }
    }
    let mut crds = parent.crds;
    for p in child.crds {
        if !crds.contains(&p) {
            crds.push(p);
        }
    }
    let mut environments = parent.environments;
    for (name, c) in child.environments {
        let set = |f: &str| c_exp.contains(&format!("environments.{name}.{f}"));
        let merged = match environments.remove(&name) {
            None => c,
            Some(p) => Environment {
                cluster: if set("cluster") { c.cluster } else { p.cluster },
                namespace: if set("namespace") {
                    c.namespace
                } else {
                    p.namespace
                },
                namespaces: if set("namespaces") {
                    c.namespaces
                } else {
                    p.namespaces
                },
                pin_digests: if set("pin-digests") {
                    c.pin_digests
                } else {
                    p.pin_digests
                },
                min_replicas: if set("min-replicas") {
                    c.min_replicas
                } else {
                    p.min_replicas
                },
                origin: if set("values") || p.values.is_empty() {
                    c.origin
                } else {
                    p.origin
                },
                values: if set("values") { c.values } else { p.values },
                rules: merge_rules(p.rules, c.rules),
                kube_version: c.kube_version.or(p.kube_version),
                pod_security: c.pod_security.or(p.pod_security),
                load_balancers: if set("load-balancers") {
                    c.load_balancers
                } else {
                    p.load_balancers
                },
            },
        };
        environments.insert(name, merged);
    }
    let environment_order = add_unique(parent.environment_order, child.environment_order);
    let mut exemptions = parent.exemptions;
    exemptions.extend(child.exemptions);
    let mut limits = parent.limits;
    for name in limits::NAMES {
        if c_exp.contains(&format!("limits.{name}")) {
            let _ = limits.set(name, child.limits.get(name));
        }
    }
    let mut repos = child.repos;
    for r in parent.repos {
        if !repos.iter().any(|(u, _)| *u == r.0) {
            repos.push(r);
        }
    }
    let mut clusters = parent.clusters;
    clusters.extend(child.clusters);
    let environment_names = list(
        "environment-names",
        parent.environment_names,
        child.environment_names,
    );
    let mut manifests = parent.manifests;
    manifests.extend(child.manifests);
    let mut exclude = parent.exclude;
    exclude.extend(child.exclude);
    let mut explicit = parent.explicit;
    explicit.extend(child.explicit);
    let mut at = parent.at;
    at.extend(child.at);
    let mut rule_refs = parent.rule_refs;
    for r in child.rule_refs {
        if !rule_refs.contains(&r) {
            rule_refs.push(r);
        }
    }
    Config {
        path: child.path.or(parent.path),
        registries,
        hosts,
        singletons,
        environments,
        environment_order,
        rules: merge_rules(parent.rules, child.rules),
        policies,
        values_schema,
        crds,
        chart: child.chart.or(parent.chart),
        root: child.root,
        extend: add_unique(parent.extend, child.extend),
        exemptions,
        limits,
        repos,
        clusters,
        environment_names,
        manifests,
        exclude,
        kube_version: child.kube_version.or(parent.kube_version),
        pod_security: child.pod_security.or(parent.pod_security),
        load_balancers,
        chart_registries,
        explicit,
        at,
        lock_exemptions: child.lock_exemptions.or(parent.lock_exemptions),
        rule_refs,
        teams: child.teams.into_iter().chain(parent.teams).collect(),
    }
}

/// `a` then the entries of `b` it lacks, in order. Linear: a repository config may list tens
/// of thousands of environments (`contains` per entry took minutes).
fn add_unique(mut a: Vec<String>, b: Vec<String>) -> Vec<String> {
    let mut seen: std::collections::HashSet<String> = a.iter().cloned().collect();
    for x in b {
        if seen.insert(x.clone()) {
            a.push(x);
        }
    }
    a
}

fn merge_rules(
    mut p: BTreeMap<String, RuleSetting>,
    c: BTreeMap<String, RuleSetting>,
) -> BTreeMap<String, RuleSetting> {
    for (id, s) in c {
        let merged = match p.get(&id) {
            Some(old) => old.overlay(&s),
            None => s,
        };
        p.insert(id, merged);
    }
    p
}

/// The config schema, compiled into the binary when chartgate is built (every run parses a
/// config: `rules`, the pre-commit hook; compiling the schema at run time was ~2M instructions).
#[jsonschema::validator(path = "schemas/chartgate.schema.json", draft = Draft7)]
struct ConfigSchema;

/// Parses one file into a config with only what it sets (no defaults), `explicit` filled.
/// `confined`: a repository config, whose paths must stay inside the repository.
fn parse_file(text: &str, path: &Path, confined: bool) -> Result<Config, ConfigError> {
    let err_at = |pos: Pos, message: String| ConfigError {
        file: path.to_path_buf(),
        line: pos.line,
        column: pos.col,
        message,
    };
    let docs = crate::yaml::parse_stream(text, &crate::yaml::Limits::default())
        .map_err(|e| err_at(e.pos, e.message))?;
    if docs.len() > 1 {
        return Err(err_at(
            docs[1].start,
            "a config file holds one YAML document".into(),
        ));
    }
    let start = Pos {
        offset: 0,
        line: 1,
        col: 1,
    };
    let root = docs.into_iter().next().map(|d| d.root).unwrap_or(Node {
        kind: NodeKind::Null,
        pos: start,
        end: start,
    });

    let instance = root.to_json();
    if let Some(e) = ConfigSchema::iter_errors(&instance).next() {
        let segs: Vec<String> = e.instance_path().iter().map(|s| s.to_string()).collect();
        let (mut node, mut key) = root.locate(&segs);
        let mut message = e.to_string();
        if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
            e.kind()
            && let Some(name) = unexpected.first()
        {
            if let Some((k, v)) = node
                .as_map()
                .and_then(|m| m.iter().rev().find(|(k, _)| k.key_string() == *name))
            {
                key = Some(k);
                node = v;
            }
            message = format!("unknown key `{name}`");
        }
        if let jsonschema::error::ValidationErrorKind::Enum { options } = e.kind() {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|o| o.as_str().map_or_else(|| o.to_string(), str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            let got = e
                .instance()
                .as_str()
                .map_or_else(|| e.instance().to_string(), str::to_string);
            message = if opts.iter().any(|o| o == "warning") {
                format!("unknown severity `{got}` (expected error, warning, info or off)")
            } else {
                format!("`{got}` is not one of {}", opts.join(", "))
            };
        }
        let where_ = if segs.is_empty() {
            String::new()
        } else {
            format!("{}: ", segs.join("."))
        };
        // Unknown keys point at the key, everything else at the offending value.
        let unknown_key = matches!(
            e.kind(),
            jsonschema::error::ValidationErrorKind::AdditionalProperties { .. }
        );
        let pos = match key {
            Some(k) if unknown_key => k.pos,
            _ => node.pos,
        };
        // The message may quote the offending value: a short, escaped excerpt only.
        return Err(err_at(
            pos,
            confine::excerpt(&format!("{where_}{message}"), 200),
        ));
    }

    let dir = path.parent().unwrap_or(Path::new(""));
    let repo_root = confined.then(|| crate::confine::root::repo_root(path));
    let resolve_kind = |n: &Node, kind: confine::Kind| -> Result<PathBuf, ConfigError> {
        let s = n.as_str().unwrap_or_default();
        match &repo_root {
            // Confined (checked on the normalised path), then kept as written relative to the
            // config file, so messages print it as the user wrote it.
            Some(root) => confine::resolve(root, dir, s, kind)
                .map(|_| dir.join(s))
                .map_err(|m| err_at(n.pos, m)),
            None => {
                let p = Path::new(s);
                Ok(if p.is_absolute() {
                    p.to_path_buf()
                } else {
                    dir.join(p)
                })
            }
        }
    };
    let resolve_all = |n: &Node, kind: confine::Kind| -> Result<Vec<PathBuf>, ConfigError> {
        let items: Vec<&Node> = match &n.kind {
            NodeKind::Seq(items) => items.iter().filter(|i| i.as_str().is_some()).collect(),
            NodeKind::Str(_) => vec![n],
            _ => Vec::new(),
        };
        items.into_iter().map(|i| resolve_kind(i, kind)).collect()
    };
    let mut c = Config {
        path: Some(path.to_path_buf()),
        registries: Vec::new(),
        hosts: Vec::new(),
        chart_registries: Vec::new(),
        ..Config::default()
    };
    let Some(pairs) = root.as_map() else {
        return Ok(c);
    };
    for (k, v) in pairs {
        let key = k.key_string();
        if matches!(
            key.as_str(),
            "registries" | "hosts" | "singletons" | "chart-registries" | "manifests" | "exclude"
        ) {
            check_globs(v, &err_at)?;
        }
        c.explicit.insert(key.clone());
        c.at.insert(key.clone(), location(path, k.pos));
        if matches!(
            key.as_str(),
            "registries"
                | "hosts"
                | "singletons"
                | "chart-registries"
                | "exclude"
                | "environment-names"
        ) {
            for item in v
                .as_seq()
                .map(|s| s.iter().collect())
                .unwrap_or_else(|| vec![v])
            {
                if let Some(text) = item.as_str() {
                    c.at.insert(format!("{key}[{text}]"), location(path, item.pos));
                }
            }
        }
        match key.as_str() {
            "registries" => c.registries = strings(v),
            "hosts" => c.hosts = strings(v),
            "singletons" => c.singletons = strings(v),
            "chart-registries" => c.chart_registries = strings(v),
            "load-balancers" => c.load_balancers = platform::load_balancers(v),
            "teams" => c.teams = teams::parse(v, dir, &err_at)?,
            "policies" => c.policies = resolve_all(v, confine::Kind::FileOrDir)?,
            "values-schema" => c.values_schema = resolve_all(v, confine::Kind::File)?,
            "crds" => c.crds = resolve_all(v, confine::Kind::FileOrDir)?,
            "chart" => {
                c.chart = match v.as_str() {
                    Some(_) => Some(resolve_kind(v, confine::Kind::FileOrDir)?),
                    None => None,
                }
            }
            "root" => c.root = v.as_bool().unwrap_or(false),
            "extend" => c.extend = strings(v),
            "repos" => {
                for (url, local) in v.as_map().unwrap_or(&[]) {
                    if local.as_str().is_none() {
                        continue;
                    }
                    // A repository config maps checkouts inside its repository only: Argo CD
                    // sources read through a mapping (directories of manifests, `$ref` value
                    // files) would otherwise read anything on the runner. A checkout beside it
                    // is mapped by the trusted side: `--repo`, or the platform config.
                    // Checking a folder that holds several checkouts (the config repo and the team
                    // repos beside it, an audit): a mapping inside the checked folder reads only
                    // what the run checks anyway.
                    let in_checked = || {
                        let cr = crate::confine::root::checked_root()?;
                        let root = repo_root.as_ref()?;
                        (root.starts_with(&cr) && *root != cr).then_some(())?;
                        confine::resolve(&cr, dir, local.as_str()?, confine::Kind::FileOrDir).ok()
                    };
                    let d = resolve_kind(local, confine::Kind::FileOrDir).or_else(|e| {
                        in_checked().map(|_| dir.join(local.as_str().unwrap_or_default())).ok_or(e)
                    }).map_err(|e| {
                        ConfigError {
                            message: format!(
                                "repos: {}; map a checkout outside this repository with --repo URL=PATH or in the platform config (--platform-config)",
                                e.message
                            ),
                            ..e
                        }
                    })?;
                    c.repos.push((url.key_string(), d));
                }
            }
            "clusters" => {
                for (name, cl) in v.as_map().unwrap_or(&[]) {
                    let name = name.key_string();
                    let mut cluster = Cluster::default();
                    let mut settings = Vec::new();
                    for (fk, fv) in cl.as_map().unwrap_or(&[]) {
                        let f = fk.key_string();
                        c.explicit.insert(format!("clusters.{name}.{f}"));
                        c.at.insert(format!("clusters.{name}.{f}"), location(path, fk.pos));
                        match f.as_str() {
                            "server" => cluster.server = fv.as_str().map(str::to_string),
                            "environment" => cluster.environment = fv.as_str().map(str::to_string),
                            _ => settings.push((fk.clone(), fv.clone())),
                        }
                    }
                    let mut e = Environment::default();
                    environment_fields(&mut e, &settings, &err_at)?;
                    cluster.settings = e;
                    c.clusters.insert(name, cluster);
                }
            }
            "environment-names" => c.environment_names = strings(v),
            "manifests" | "exclude" => {
                let globs = strings(v).into_iter().map(|glob| ScopedGlob {
                    base: dir.to_path_buf(),
                    glob,
                });
                if key == "manifests" {
                    c.manifests = globs.collect();
                } else {
                    c.exclude = globs.collect();
                }
            }
            "rules" => {
                c.rules = rules(v, &err_at)?;
                for (id, at) in rule_keys(v, path) {
                    c.at.insert(format!("rules.{id}"), at.clone());
                    c.rule_refs.push((id, at));
                }
            }
            "lock-exemptions" => {
                c.lock_exemptions = Some(match &v.kind {
                    NodeKind::Bool(b) => ExemptionLock::All(*b),
                    _ => ExemptionLock::Rules(strings(v)),
                });
            }
            "kube-version" => c.kube_version = Some(kube_version(v, &err_at)?),
            "pod-security" => c.pod_security = v.as_str().map(str::to_string),
            "environments" => {
                for (name_node, env) in v.as_map().unwrap_or(&[]) {
                    let name = name_node.key_string();
                    let mut e = Environment {
                        origin: Some(EnvOrigin {
                            file: path.to_path_buf(),
                            line: name_node.pos.line,
                            column: name_node.pos.col,
                            values_at: Vec::new(),
                        }),
                        ..Environment::default()
                    };
                    for (fk, fv) in env.as_map().unwrap_or(&[]) {
                        let f = fk.key_string();
                        c.explicit.insert(format!("environments.{name}.{f}"));
                        c.at.insert(format!("environments.{name}.{f}"), location(path, fk.pos));
                        match f.as_str() {
                            "cluster" => e.cluster = fv.as_str().map(str::to_string),
                            "namespace" => e.namespace = fv.as_str().map(str::to_string),
                            "namespaces" => e.namespaces = strings(fv),
                            "pin-digests" => e.pin_digests = fv.as_bool().unwrap_or(false),
                            "min-replicas" => {
                                e.min_replicas = fv.as_i64().and_then(|i| u32::try_from(i).ok());
                            }
                            "values" => {
                                if let Some(root) = &repo_root {
                                    check_value_globs(root, dir, fv, &err_at)?;
                                }
                                e.values = strings(fv);
                                let at = |n: &Node| (n.pos.line, n.pos.col);
                                let positions = match &fv.kind {
                                    NodeKind::Str(_) => vec![at(fv)],
                                    NodeKind::Seq(items) => items
                                        .iter()
                                        .filter(|n| n.as_str().is_some())
                                        .map(at)
                                        .collect(),
                                    _ => Vec::new(),
                                };
                                if let Some(o) = e.origin.as_mut() {
                                    o.values_at = positions;
                                }
                            }
                            "load-balancers" => {
                                e.load_balancers = Some(platform::load_balancers(fv));
                            }
                            "rules" => {
                                e.rules = rules(fv, &err_at)?;
                                for (id, at) in rule_keys(fv, path) {
                                    c.at.insert(
                                        format!("environments.{name}.rules.{id}"),
                                        at.clone(),
                                    );
                                    c.rule_refs.push((id, at));
                                }
                            }
                            "kube-version" => e.kube_version = Some(kube_version(fv, &err_at)?),
                            "pod-security" => e.pod_security = fv.as_str().map(str::to_string),
                            _ => {}
                        }
                    }
                    // (`environment_order` lists the names `environments` holds.)
                    if !c.environments.contains_key(&name) {
                        c.environment_order.push(name.clone());
                    }
                    c.environments.insert(name, e);
                }
            }
            "limits" => {
                for (lk, lv) in v.as_map().unwrap_or(&[]) {
                    let name = lk.key_string();
                    let value = lv.as_i64().and_then(|i| u64::try_from(i).ok()).unwrap_or(0);
                    c.limits.set(&name, value).map_err(|m| err_at(lv.pos, m))?;
                    c.explicit.insert(format!("limits.{name}"));
                    c.at.insert(format!("limits.{name}"), location(path, lk.pos));
                }
            }
            "exemptions" => {
                for ex in v.as_seq().unwrap_or(&[]) {
                    let e = exemption(ex, path, &err_at)?;
                    let at = ex.get("rule").map_or(ex.pos, |r| r.pos);
                    c.rule_refs.push((e.rule.clone(), location(path, at)));
                    c.exemptions.push(e);
                }
            }
            _ => {}
        }
    }
    Ok(c)
}

/// The settings of an environment (or a `clusters:` entry) from its map entries.
fn environment_fields(
    e: &mut Environment,
    pairs: &[(Node, Node)],
    err_at: &dyn Fn(Pos, String) -> ConfigError,
) -> Result<(), ConfigError> {
    for (fk, fv) in pairs {
        match fk.key_string().as_str() {
            "cluster" => e.cluster = fv.as_str().map(str::to_string),
            "namespace" => e.namespace = fv.as_str().map(str::to_string),
            "namespaces" => e.namespaces = strings(fv),
            "pin-digests" => e.pin_digests = fv.as_bool().unwrap_or(false),
            "min-replicas" => {
                e.min_replicas = fv.as_i64().and_then(|i| u32::try_from(i).ok());
            }
            "values" => e.values = strings(fv),
            "rules" => e.rules = rules(fv, err_at)?,
            _ => {}
        }
    }
    Ok(())
}

/// `kube-version:`: one of the bundled Kubernetes versions, normalised to `MAJOR.MINOR`.
fn kube_version(
    n: &Node,
    err_at: &dyn Fn(Pos, String) -> ConfigError,
) -> Result<String, ConfigError> {
    let Some(text) = n.as_str() else {
        return Err(err_at(
            n.pos,
            "kube-version must be a quoted string such as \"1.31\" (unquoted 1.30 reads as 1.3)"
                .into(),
        ));
    };
    crate::model::kube_version::normalize_version(text).map_err(|m| err_at(n.pos, m))
}

/// Environment values globs of a repository config: relative, and not leading out of the
/// repository (their matches are checked again when expanded).
fn check_value_globs(
    root: &Path,
    dir: &Path,
    n: &Node,
    err_at: &dyn Fn(Pos, String) -> ConfigError,
) -> Result<(), ConfigError> {
    let items: Vec<&Node> = match &n.kind {
        NodeKind::Seq(items) => items.iter().collect(),
        _ => vec![n],
    };
    for item in items {
        let Some(s) = item.as_str() else { continue };
        let shown = confine::excerpt(s, 80);
        if Path::new(s).is_absolute() {
            return Err(err_at(
                item.pos,
                format!(
                    "`{shown}` is an absolute path: paths in a repository config must stay inside the repository"
                ),
            ));
        }
        let joined = crate::confine::normalise(&dir.join(s));
        if !joined.starts_with(crate::confine::normalise(root)) {
            return Err(err_at(
                item.pos,
                format!(
                    "`{shown}` leads outside the repository (paths in a repository config must stay inside it)"
                ),
            ));
        }
    }
    Ok(())
}

/// Every string of a list must be a valid glob.
fn check_globs(n: &Node, err_at: &dyn Fn(Pos, String) -> ConfigError) -> Result<(), ConfigError> {
    for item in n.as_seq().unwrap_or(&[]) {
        if let Some(s) = item.as_str() {
            globset::Glob::new(s)
                .map_err(|e| err_at(item.pos, format!("invalid glob `{s}`: {}", glob_error(&e))))?;
        }
    }
    Ok(())
}

fn glob_error(e: &globset::Error) -> String {
    e.kind().to_string()
}

fn strings(n: &Node) -> Vec<String> {
    match &n.kind {
        NodeKind::Str(s) => vec![s.clone()],
        NodeKind::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn level(n: &Node) -> Result<Option<Level>, String> {
    match &n.kind {
        NodeKind::Bool(false) => Ok(Some(Level::Off)),
        NodeKind::Bool(true) | NodeKind::Null => Ok(None),
        NodeKind::Str(s) if s == "off" => Ok(Some(Level::Off)),
        NodeKind::Str(s) => Severity::parse(s)
            .map(|s| Some(Level::On(s)))
            .ok_or_else(|| {
                format!("unknown severity `{s}` (expected error, warning, info or off)")
            }),
        _ => Err("a severity must be error, warning, info or off".into()),
    }
}

fn rules(
    n: &Node,
    err_at: &dyn Fn(Pos, String) -> ConfigError,
) -> Result<BTreeMap<String, RuleSetting>, ConfigError> {
    let mut out = BTreeMap::new();
    for (k, v) in n.as_map().unwrap_or(&[]) {
        let mut s = RuleSetting::default();
        match &v.kind {
            NodeKind::Map(opts) => {
                for (ok, ov) in opts {
                    let name = ok.key_string();
                    if name == "severity" {
                        s.level = level(ov).map_err(|m| err_at(ov.pos, m))?;
                    } else {
                        s.options.insert(name, ov.to_json());
                    }
                }
            }
            _ => s.level = level(v).map_err(|m| err_at(v.pos, m))?,
        }
        out.insert(k.key_string(), s);
    }
    Ok(out)
}

fn location(path: &Path, pos: Pos) -> Location {
    Location {
        file: path.display().to_string(),
        line: pos.line,
        column: pos.col,
    }
}

/// The rule ids a `rules:` map names, at their keys.
fn rule_keys(n: &Node, path: &Path) -> Vec<(String, Location)> {
    n.as_map()
        .unwrap_or(&[])
        .iter()
        .map(|(k, _)| (k.key_string(), location(path, k.pos)))
        .collect()
}

fn exemption(
    n: &Node,
    path: &Path,
    err_at: &dyn Fn(Pos, String) -> ConfigError,
) -> Result<Exemption, ConfigError> {
    let s = |k: &str| n.get(k).and_then(Node::as_str).map(str::to_string);
    let rule = s("rule").unwrap_or_default();
    let reason = s("reason").unwrap_or_default();
    if reason.trim().is_empty() {
        let pos = n.get("reason").map_or(n.pos, |r| r.pos);
        return Err(err_at(
            pos,
            format!("exemption for rule `{rule}` needs a reason"),
        ));
    }
    if let Some(r) = n.get("resource") {
        let text = r.as_str().unwrap_or_default();
        globset::Glob::new(text)
            .map_err(|e| err_at(r.pos, format!("invalid glob `{text}`: {}", glob_error(&e))))?;
    }
    let expires = match n.get("expires") {
        None => None,
        Some(e) => {
            let text = e.as_str().unwrap_or_default();
            Some(
                chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                    err_at(
                        e.pos,
                        format!("exemption `expires` must be a date YYYY-MM-DD, got `{text}`"),
                    )
                })?,
            )
        }
    };
    Ok(Exemption {
        rule,
        resource: s("resource").unwrap_or_default(),
        environment: s("environment"),
        reason,
        expires,
        location: Location {
            file: path.display().to_string(),
            line: n.pos.line,
            column: n.pos.col,
        },
    })
}
