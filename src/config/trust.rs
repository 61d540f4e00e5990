//! Which config is trusted. `--platform-config FILE` names the platform's config (the bundled
//! defaults stand in without it); `--config` and every `chartgate.yaml` of the checked tree are
//! repository configs, written by whoever opens the pull request.
//!
//! With a platform config, a repository config may tighten it but never loosen it; a setting
//! that would is a config error at its file:line naming the platform setting (see README,
//! "Security: untrusted pull requests", for the table):
//! - limits only go down;
//! - rules cannot be turned off nor set below the platform's severity: per environment, the
//!   platform's setting for that environment, else its top-level one, else the rule's default
//!   (a policy rule's default is checked once the policies are loaded, [`policy_rule_floors`]);
//!   rule options that relax a rule (`chart-source.allow-version-ranges: true`,
//!   `timezone.require-cronjob-timezone: false`) only where the platform has them;
//! - `registries`, `hosts`, `chart-registries` and `singletons` can only be narrowed (every
//!   entry within a platform pattern) unless the platform config lists them under `extend:`;
//!   `load-balancers` (top level and per environment) too, each entry at least as specific as
//!   one of the platform's;
//! - `pod-security` only stricter, `kube-version` not changed where the platform sets it;
//! - an environment the platform defines keeps its `cluster`, `namespace`, `namespaces` (narrowed
//!   only), `pin-digests: true` and `min-replicas` floor; `environment-names` keeps every
//!   platform name; `clusters:`, `extend:` and `lock-exemptions:` are the platform's alone;
//! - exemptions (and `chartgate.io/ignore.<id>` annotations) cannot cover a locked rule
//!   ([`locked`]); `exclude:` cannot drop a chart or a manifest (checked by discovery).
//!
//! Without a platform config a repository config may set anything except limits above the
//! defaults.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use super::{
    Config, ConfigError, Environment, ExemptionLock, Level, LoadBalancer, RuleSetting, limits,
};
use crate::model::Severity;

static PLATFORM: RwLock<Option<Arc<Config>>> = RwLock::new(None);
/// Rule ids of the platform config's policies (set once the policies are loaded).
static PLATFORM_POLICY_RULES: RwLock<BTreeSet<String>> = RwLock::new(BTreeSet::new());

/// Installs the platform config of this run (from `--platform-config`).
pub fn set_platform(config: Option<Config>) {
    if let Ok(mut g) = PLATFORM.write() {
        *g = config.map(Arc::new);
    }
}

/// The platform config of this run, if one was given.
pub fn platform() -> Option<Arc<Config>> {
    PLATFORM.read().ok().and_then(|g| g.clone())
}

/// Records the rule ids of the platform config's policies (locked by default, see [`locked`]).
pub fn set_platform_policy_rules(ids: BTreeSet<String>) {
    if let Ok(mut g) = PLATFORM_POLICY_RULES.write() {
        *g = ids;
    }
}

/// Whether repository exemptions and suppression annotations may not cover rule `id`: with a
/// platform config, its `lock-exemptions:` (`true`, `false` or a list of ids), by default the
/// rules it sets under `rules:` (top level or an environment's) and the rules of its policies.
pub fn locked(id: &str) -> bool {
    platform().is_some_and(|p| locked_by(&p, id))
}

fn locked_by(p: &Config, id: &str) -> bool {
    match &p.lock_exemptions {
        Some(ExemptionLock::All(b)) => *b,
        Some(ExemptionLock::Rules(ids)) => ids.iter().any(|r| r == id),
        None => {
            p.rules.contains_key(id)
                || p.environments.values().any(|e| e.rules.contains_key(id))
                || p.clusters
                    .values()
                    .any(|c| c.settings.rules.contains_key(id))
                || PLATFORM_POLICY_RULES.read().is_ok_and(|g| g.contains(id))
        }
    }
}

/// The effective config of merged repository configs `repo` under the run's platform config.
pub fn enforce(repo: Config) -> Result<Config, ConfigError> {
    match platform() {
        Some(p) => clamp(&p, repo),
        None => {
            check_limits(&Config::default(), &repo, "the default")?;
            Ok(repo)
        }
    }
}

/// A config error at where `repo` set `key` (else at its file).
fn error(repo: &Config, key: &str, message: String) -> ConfigError {
    match repo.at.get(key) {
        Some(at) => ConfigError {
            file: PathBuf::from(&at.file),
            line: at.line,
            column: at.column,
            message,
        },
        None => ConfigError {
            file: repo.path.clone().unwrap_or_else(|| PathBuf::from("config")),
            line: 0,
            column: 0,
            message,
        },
    }
}

fn check_limits(base: &Config, repo: &Config, whose: &str) -> Result<(), ConfigError> {
    for name in limits::NAMES {
        let (b, r) = (base.limits.get(name), repo.limits.get(name));
        let key = format!("limits.{name}");
        if repo.explicit.contains(&key) && r > b {
            return Err(error(
                repo,
                &key,
                format!(
                    "limits.{name}: {r} is above {whose} limit of {b} (a repository config may only lower limits)"
                ),
            ));
        }
    }
    Ok(())
}

/// Built-in and engine rules' default severities, installed with the platform config (the
/// rule registry lives in a layer above this one).
static RULE_DEFAULTS: RwLock<BTreeMap<String, Severity>> = RwLock::new(BTreeMap::new());

/// Installs the default severities of the built-in and engine rules (before [`set_platform`]).
pub fn set_rule_defaults(defaults: impl IntoIterator<Item = (String, Severity)>) {
    if let Ok(mut g) = RULE_DEFAULTS.write() {
        *g = defaults.into_iter().collect();
    }
}

/// A built-in or engine rule's default severity (policy rules: see [`policy_rule_floors`]).
fn default_severity(id: &str) -> Option<Severity> {
    RULE_DEFAULTS.read().ok().and_then(|g| g.get(id).copied())
}

/// Rule options that relax their rule when set to a value: (rule, option, relaxing value,
/// default).
const RELAXING_OPTIONS: &[(&str, &str, bool, bool)] = &[
    ("chart-source", "allow-version-ranges", true, false),
    ("timezone", "require-cronjob-timezone", false, false),
];

/// The settings of the platform's clusters whose Argo CD Applications belong to environment
/// `env`: a `clusters:` entry mapping to it (its `environment:`, else its name), or the cluster
/// the platform's environment `env` names. An Application there runs with the cluster's
/// settings, under the environment's own (see `discover::argocd`).
fn platform_clusters<'a>(p: &'a Config, env: &'a str) -> impl Iterator<Item = &'a Environment> {
    let placed = p.environments.get(env).and_then(|e| e.cluster.as_deref());
    (p.clusters.iter())
        .filter(move |(k, c)| {
            c.environment.as_deref().unwrap_or(k.as_str()) == env || placed == Some(k.as_str())
        })
        .map(|(_, c)| &c.settings)
}

/// The platform's settings of a rule in environment `env`, as the environment's renders run
/// with it: its top level, under each cluster of the environment ([`platform_clusters`]) its
/// `rules:`, under the environment's own. One per such cluster (else one): a repository config
/// is held to each.
fn platform_settings(p: &Config, id: &str, env: Option<&str>) -> Vec<RuleSetting> {
    let top = p.rule_setting(id, None);
    let own = |s: RuleSetting| match env.and_then(|e| p.environments.get(e)?.rules.get(id)) {
        Some(over) => s.overlay(over),
        None => s,
    };
    let mut out: Vec<RuleSetting> = (env.into_iter())
        .flat_map(|e| platform_clusters(p, e))
        .map(|c| match c.rules.get(id) {
            Some(r) => own(top.overlay(r)),
            None => own(top.clone()),
        })
        .collect();
    if out.is_empty() {
        out.push(own(top));
    }
    out
}

/// Checks repository rule settings `rules` (top level, or environment `env`'s) against the
/// platform's.
fn check_rules(
    repo: &Config,
    p: &Config,
    rules: &BTreeMap<String, RuleSetting>,
    env: Option<&str>,
) -> Result<(), ConfigError> {
    let prefix = env
        .map(|e| format!("environments.{e}."))
        .unwrap_or_default();
    for (id, s) in rules {
        let key = format!("{prefix}rules.{id}");
        if s.level == Some(Level::Off) {
            return Err(error(
                repo,
                &key,
                format!(
                    "{key}: a repository config cannot turn off a rule under the platform config"
                ),
            ));
        }
        for plat in platform_settings(p, id, env) {
            check_rule(repo, &key, id, s, &plat)?;
        }
    }
    Ok(())
}

/// Repository setting `s` of rule `id` (at `key`) against one platform setting of it.
fn check_rule(
    repo: &Config,
    key: &str,
    id: &str,
    s: &RuleSetting,
    plat: &RuleSetting,
) -> Result<(), ConfigError> {
    let (floor, whose) = match plat.level {
        Some(Level::On(f)) => (Some(f), "the platform's severity of a rule"),
        Some(Level::Off) => (None, ""),
        None => (
            default_severity(id),
            "a rule below its default severity, which applies as the platform config does not set it",
        ),
    };
    if let (Some(Level::On(mine)), Some(floor)) = (s.level, floor)
        && mine < floor
    {
        return Err(error(
            repo,
            key,
            format!(
                "{key}: a repository config cannot lower {whose} (`{}` is below `{}`)",
                mine.as_str(),
                floor.as_str()
            ),
        ));
    }
    for (rule, option, relaxing, default) in RELAXING_OPTIONS {
        let mine = s.options.get(*option).and_then(|v| v.as_bool());
        let theirs = (plat.options.get(*option).and_then(|v| v.as_bool())).unwrap_or(*default);
        if id == *rule && mine == Some(*relaxing) && theirs != *relaxing {
            return Err(error(
                repo,
                key,
                format!(
                    "{key}.{option}: `{relaxing}` would relax the rule the platform config checks (only the platform config may set it)"
                ),
            ));
        }
    }
    Ok(())
}

/// Whether `entry` lies within one of `patterns` (equal, or matched as text by the glob).
fn within(patterns: &[String], entry: &str) -> bool {
    patterns.iter().any(|p| {
        p == entry
            || globset::Glob::new(p)
                .ok()
                .and_then(|g| crate::model::glob::compile(g).ok())
                .is_some_and(|m| m.is_match(entry))
    })
}

fn narrowed(
    p: &Config,
    repo: &Config,
    key: &str,
    plat: &[String],
    mine: &[String],
) -> Result<Vec<String>, ConfigError> {
    if !repo.explicit.contains(key) {
        return Ok(plat.to_vec());
    }
    if p.extend.iter().any(|e| e == key) {
        return Ok(super::add_unique(plat.to_vec(), mine.to_vec()));
    }
    for m in mine {
        if !within(plat, m) {
            return Err(error(
                repo,
                &format!("{key}[{m}]"),
                format!(
                    "{key}: `{}` is not within the platform's {key} (the platform config does not allow extending them)",
                    crate::confine::excerpt(m, 80)
                ),
            ));
        }
    }
    Ok(mine.to_vec())
}

/// Whether load balancer `lb` is at least as specific as one of `plat` (every field the
/// platform's entry sets, `lb` sets equally).
fn lb_within(plat: &[LoadBalancer], lb: &LoadBalancer) -> bool {
    let field = |p: &Option<String>, m: &Option<String>| p.is_none() || p == m;
    plat.iter().any(|p| {
        field(&p.class, &lb.class) && field(&p.group, &lb.group) && field(&p.scheme, &lb.scheme)
    })
}

fn check_lbs(
    repo: &Config,
    key: &str,
    plat: &[LoadBalancer],
    mine: &[LoadBalancer],
) -> Result<(), ConfigError> {
    if plat.is_empty() {
        return Ok(());
    }
    if mine.is_empty() {
        return Err(error(
            repo,
            key,
            format!(
                "{key}: an empty list would allow any load balancer; the platform config allows {}",
                plat.iter()
                    .map(LoadBalancer::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ));
    }
    for lb in mine {
        if !lb_within(plat, lb) {
            return Err(error(
                repo,
                key,
                format!(
                    "{key}: `{}` is not within the platform's load-balancers ({}); a repository config may only narrow them",
                    lb.describe(),
                    plat.iter()
                        .map(LoadBalancer::describe)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
            ));
        }
    }
    Ok(())
}

/// `restricted` > `baseline` (the default) > anything else (`privileged`).
fn pod_security_rank(level: Option<&str>) -> u8 {
    match level.unwrap_or("baseline") {
        "restricted" => 2,
        "baseline" => 1,
        _ => 0,
    }
}

/// The platform's settings of environment `name` (its own over the top level).
struct PlatformEnv<'a> {
    env: Option<&'a Environment>,
    top: &'a Config,
}

impl PlatformEnv<'_> {
    fn pod_security(&self) -> Option<&str> {
        (self.env.and_then(|e| e.pod_security.as_deref())).or(self.top.pod_security.as_deref())
    }
    fn kube_version(&self) -> Option<&str> {
        (self.env.and_then(|e| e.kube_version.as_deref())).or(self.top.kube_version.as_deref())
    }
    fn load_balancers(&self) -> &[LoadBalancer] {
        (self.env.and_then(|e| e.load_balancers.as_deref())).unwrap_or(&self.top.load_balancers)
    }
}

fn check_pod_security(
    repo: &Config,
    key: &str,
    plat: Option<&str>,
    mine: Option<&str>,
) -> Result<(), ConfigError> {
    if let Some(m) = mine
        && pod_security_rank(Some(m)) < pod_security_rank(plat)
    {
        return Err(error(
            repo,
            key,
            format!(
                "{key}: `{m}` is less strict than the platform's pod-security `{}` (a repository config may only make it stricter)",
                plat.unwrap_or("baseline")
            ),
        ));
    }
    Ok(())
}

fn check_kube_version(
    repo: &Config,
    key: &str,
    plat: Option<&str>,
    mine: Option<&str>,
) -> Result<(), ConfigError> {
    if let (Some(p), Some(m)) = (plat, mine)
        && p != m
    {
        return Err(error(
            repo,
            key,
            format!(
                "{key}: the platform config checks against Kubernetes {p}; a repository config cannot change it (to {m})"
            ),
        ));
    }
    Ok(())
}

/// One environment of the repository config against the platform's.
fn check_environment(
    p: &Config,
    repo: &Config,
    name: &str,
    env: &Environment,
) -> Result<(), ConfigError> {
    let set = |f: &str| repo.explicit.contains(&format!("environments.{name}.{f}"));
    let key = |f: &str| format!("environments.{name}.{f}");
    let pe = PlatformEnv {
        env: p.environments.get(name),
        top: p,
    };
    check_rules(repo, p, &env.rules, Some(name))?;
    if set("pod-security") {
        check_pod_security(
            repo,
            &key("pod-security"),
            pe.pod_security(),
            env.pod_security.as_deref(),
        )?;
    }
    if set("kube-version") {
        check_kube_version(
            repo,
            &key("kube-version"),
            pe.kube_version(),
            env.kube_version.as_deref(),
        )?;
    }
    if set("load-balancers") {
        check_lbs(
            repo,
            &key("load-balancers"),
            pe.load_balancers(),
            env.load_balancers.as_deref().unwrap_or(&[]),
        )?;
    }
    match pe.env {
        Some(pe) => check_floor(repo, name, env, pe),
        // An environment the platform names only as a cluster's (`clusters: {prod: {environment:
        // prod, pin-digests: true}}`): the Applications there take the cluster's settings under
        // the repository's environment of that name.
        None => platform_clusters(p, name).try_for_each(|c| check_floor(repo, name, env, c)),
    }
}

/// Repository environment `name` against the platform's settings `pe` of it (its environment,
/// or a cluster mapping to it): what it fixes, narrows or floors.
fn check_floor(
    repo: &Config,
    name: &str,
    env: &Environment,
    pe: &Environment,
) -> Result<(), ConfigError> {
    let set = |f: &str| repo.explicit.contains(&format!("environments.{name}.{f}"));
    let key = |f: &str| format!("environments.{name}.{f}");
    let changed = |f: &str, theirs: &Option<String>, mine: &Option<String>| {
        if set(f) && theirs.is_some() && theirs != mine {
            return Err(error(
                repo,
                &key(f),
                format!(
                    "{}: the platform config sets it to `{}`; a repository config cannot change it",
                    key(f),
                    theirs.as_deref().unwrap_or_default()
                ),
            ));
        }
        Ok(())
    };
    changed("cluster", &pe.cluster, &env.cluster)?;
    changed("namespace", &pe.namespace, &env.namespace)?;
    if set("namespaces") && (pe.namespace.is_some() || !pe.namespaces.is_empty()) {
        let allowed: Vec<&String> = pe.namespace.iter().chain(&pe.namespaces).collect();
        if let Some(ns) = env.namespaces.iter().find(|n| !allowed.contains(n)) {
            return Err(error(
                repo,
                &key("namespaces"),
                format!(
                    "{}: `{}` is not among the platform's namespaces of the environment (a repository config may only narrow them)",
                    key("namespaces"),
                    crate::confine::excerpt(ns, 80)
                ),
            ));
        }
    }
    if set("pin-digests") && pe.pin_digests && !env.pin_digests {
        return Err(error(
            repo,
            &key("pin-digests"),
            format!(
                "{}: the platform config requires pinned digests in this environment",
                key("pin-digests")
            ),
        ));
    }
    if let (true, Some(floor)) = (set("min-replicas"), pe.min_replicas)
        && env.min_replicas.is_none_or(|m| m < floor)
    {
        return Err(error(
            repo,
            &key("min-replicas"),
            format!(
                "{}: below the platform's minimum of {floor} replicas",
                key("min-replicas")
            ),
        ));
    }
    Ok(())
}

/// An environment of the repository config on a cluster the platform config knows (a
/// `clusters:` entry, or an environment's `cluster`) may not take Argo CD destinations the
/// platform maps: an Application's environment is the one matching its destination
/// ([`Config::environment_for`]), so a new `sneaky: {cluster: prod, namespace: team-a-jobs}`
/// gave the Applications there its own settings instead of the platform's `prod`; nor may it
/// add namespaces on that cluster (the destinations `argocd-allowed-destination` allows there).
/// An environment on a cluster the platform does not know, or without a cluster, is the
/// repository's.
fn check_destinations(
    p: &Config,
    repo: &Config,
    name: &str,
    env: &Environment,
) -> Result<(), ConfigError> {
    let Some(cluster) = env.cluster.as_deref() else {
        return Ok(());
    };
    let known = p.clusters.contains_key(cluster)
        || (p.environments.values()).any(|e| e.cluster.as_deref() == Some(cluster));
    if !known {
        return Ok(());
    }
    let set = |f: &str| repo.explicit.contains(&format!("environments.{name}.{f}"));
    let key = |f: &str| format!("environments.{name}.{f}");
    let platform_placed = (p.environments.get(name)).is_some_and(|e| e.cluster.is_some());
    if !platform_placed || set("namespace") {
        let ns = env.namespace.as_deref();
        if let Some(theirs) = p.environment_for(cluster, ns)
            && theirs != name
        {
            let at = if set("namespace") {
                key("namespace")
            } else {
                key("cluster")
            };
            let dest = match ns {
                Some(n) => format!("namespace `{}` of cluster `{cluster}`", excerpt(n)),
                None => format!("cluster `{cluster}`"),
            };
            return Err(error(
                repo,
                &at,
                format!(
                    "{at}: Applications deploying to {dest} belong to the platform's environment `{}`; a repository config cannot map them to environment `{}` (only the platform config may)",
                    excerpt(&theirs),
                    excerpt(name)
                ),
            ));
        }
    }
    if set("namespace") || set("namespaces") {
        let theirs = p.cluster_namespaces(cluster);
        if let Some(n) = (env.namespace.iter().chain(&env.namespaces)).find(|n| !theirs.contains(n))
        {
            let at = if env.namespace.as_ref() == Some(n) {
                key("namespace")
            } else {
                key("namespaces")
            };
            return Err(error(
                repo,
                &at,
                format!(
                    "{at}: `{}` is not among the platform's namespaces on cluster `{cluster}` ({}); a repository config cannot add Argo CD destinations on a platform cluster",
                    excerpt(n),
                    if theirs.is_empty() {
                        "none".to_string()
                    } else {
                        theirs.join(", ")
                    }
                ),
            ));
        }
    }
    Ok(())
}

fn excerpt(s: &str) -> String {
    crate::confine::excerpt(s, 80)
}

/// Keys only the platform config may set.
fn platform_only(repo: &Config) -> Result<(), ConfigError> {
    for (key, why) in [
        (
            "extend",
            "only the platform config says which lists repository configs may extend",
        ),
        (
            "lock-exemptions",
            "only the platform config says which rules exemptions may cover",
        ),
        (
            "clusters",
            "under a platform config, clusters (which environment an Argo CD destination is) are the platform's to map",
        ),
    ] {
        if repo.explicit.contains(key) {
            return Err(error(repo, key, format!("{key}: {why}")));
        }
    }
    Ok(())
}

/// `repo` (repository configs merged over the defaults) under platform config `p`.
pub fn clamp(p: &Config, repo: Config) -> Result<Config, ConfigError> {
    check_limits(p, &repo, "the platform's")?;
    platform_only(&repo)?;
    check_rules(&repo, p, &repo.rules, None)?;
    for (name, env) in &repo.environments {
        check_environment(p, &repo, name, env)?;
        check_destinations(p, &repo, name, env)?;
    }
    if repo.explicit.contains("pod-security") {
        check_pod_security(
            &repo,
            "pod-security",
            p.pod_security.as_deref(),
            repo.pod_security.as_deref(),
        )?;
    }
    if repo.explicit.contains("kube-version") {
        check_kube_version(
            &repo,
            "kube-version",
            p.kube_version.as_deref(),
            repo.kube_version.as_deref(),
        )?;
    }
    let load_balancers = if repo.explicit.contains("load-balancers") {
        check_lbs(
            &repo,
            "load-balancers",
            &p.load_balancers,
            &repo.load_balancers,
        )?;
        repo.load_balancers.clone()
    } else {
        p.load_balancers.clone()
    };
    if repo.explicit.contains("environment-names")
        && let Some(missing) =
            (p.environment_names.iter()).find(|n| !repo.environment_names.contains(n))
    {
        return Err(error(
            &repo,
            "environment-names",
            format!(
                "environment-names: leaves out `{}`, which the platform config names (a repository config may add names, not drop them)",
                crate::confine::excerpt(missing, 60)
            ),
        ));
    }
    for e in &repo.exemptions {
        if locked_by(p, &e.rule) {
            return Err(exemption_error(e));
        }
    }
    let registries = narrowed(p, &repo, "registries", &p.registries, &repo.registries)?;
    let hosts = narrowed(p, &repo, "hosts", &p.hosts, &repo.hosts)?;
    let chart_registries = narrowed(
        p,
        &repo,
        "chart-registries",
        &p.chart_registries,
        &repo.chart_registries,
    )?;
    let singletons = narrowed(p, &repo, "singletons", &p.singletons, &repo.singletons)?;
    let mut out = super::merge(p.clone(), repo);
    // The platform's team assignments decide before the repositories' own (`teams:`).
    out.teams.retain(|t| !p.teams.contains(t));
    out.teams.splice(0..0, p.teams.iter().cloned());
    out.registries = registries;
    out.hosts = hosts;
    out.chart_registries = chart_registries;
    out.singletons = singletons;
    out.load_balancers = load_balancers;
    out.extend = p.extend.clone();
    out.lock_exemptions = p.lock_exemptions.clone();
    out.clusters = p.clusters.clone();
    for (name, pe) in &p.environments {
        if let Some(e) = out.environments.get_mut(name) {
            e.pin_digests |= pe.pin_digests;
            e.min_replicas = match (pe.min_replicas, e.min_replicas) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
        }
    }
    Ok(out)
}

fn exemption_error(e: &super::Exemption) -> ConfigError {
    ConfigError {
        file: PathBuf::from(&e.location.file),
        line: e.location.line,
        column: e.location.column,
        message: format!(
            "exemption for rule `{}`: the platform config locks this rule (`lock-exemptions`, by default the rules it sets and its policies' rules); only the platform config may exempt from it",
            crate::confine::excerpt(&e.rule, 60)
        ),
    }
}

/// Once the policies are known: a policy rule the platform config does not set may not be set
/// below its default severity by a repository config, and a repository exemption may not cover
/// a locked policy rule. `defaults`: each policy rule's id and default severity.
pub fn policy_rule_floors(
    config: &Config,
    defaults: &[(String, Severity)],
) -> Result<(), ConfigError> {
    let Some(p) = platform() else {
        return Ok(());
    };
    let platform_file = p.path.as_ref().map(|f| f.display().to_string());
    for (id, default) in defaults {
        let mut settings: Vec<(String, Option<&str>)> = vec![(format!("rules.{id}"), None)];
        settings.extend(
            (config.environments.keys())
                .map(|e| (format!("environments.{e}.rules.{id}"), Some(e.as_str()))),
        );
        for (key, env) in settings {
            let mine = match env {
                None => config.rules.get(id),
                Some(e) => config.environments.get(e).and_then(|e| e.rules.get(id)),
            };
            let Some(Level::On(mine)) = mine.and_then(|s| s.level) else {
                continue;
            };
            let unset = (platform_settings(&p, id, env).iter()).all(|s| s.level.is_none());
            if unset && mine < *default {
                return Err(error(
                    config,
                    &key,
                    format!(
                        "{key}: a repository config cannot lower a rule below its default severity, which applies as the platform config does not set it (`{}` is below `{}`)",
                        mine.as_str(),
                        default.as_str()
                    ),
                ));
            }
        }
    }
    for e in &config.exemptions {
        let from_platform = platform_file.as_deref() == Some(e.location.file.as_str());
        if !from_platform && locked_by(&p, &e.rule) {
            return Err(exemption_error(e));
        }
    }
    Ok(())
}
