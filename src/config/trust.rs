//! Which config is trusted. `--platform-config FILE` names the platform's config (the bundled
//! defaults stand in without it); `--config` and every `chartgate.yaml` of the checked tree are
//! repository configs, written by whoever opens the pull request.
//!
//! With a platform config, a repository config may tighten it but never loosen it:
//! - limits only go down;
//! - rules cannot be turned off nor lowered below the platform's severity (also per
//!   environment), and the platform's policies and values schemas always apply (`root: true`
//!   stops the walk over repository configs only);
//! - `registries` and `hosts` can only be narrowed (every entry within a platform pattern)
//!   unless the platform config lists them under `extend:`;
//! - an environment the platform defines keeps `pin-digests: true` and its `min-replicas` floor.
//!
//! Without a platform config a repository config may set anything except limits above the
//! defaults.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use super::{Config, ConfigError, Level, RuleSetting, limits};

static PLATFORM: RwLock<Option<Arc<Config>>> = RwLock::new(None);

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

fn error(repo: &Config, message: String) -> ConfigError {
    ConfigError {
        file: repo.path.clone().unwrap_or_else(|| PathBuf::from("config")),
        line: 0,
        column: 0,
        message,
    }
}

fn check_limits(base: &Config, repo: &Config, whose: &str) -> Result<(), ConfigError> {
    for name in limits::NAMES {
        let (b, r) = (base.limits.get(name), repo.limits.get(name));
        if repo.explicit.contains(&format!("limits.{name}")) && r > b {
            return Err(error(
                repo,
                format!(
                    "limits.{name}: {r} is above {whose} limit of {b} (a repository config may only lower limits)"
                ),
            ));
        }
    }
    Ok(())
}

fn severity_rank(l: Option<Level>) -> u8 {
    match l {
        Some(Level::Off) => 0,
        Some(Level::On(s)) => s as u8 + 1,
        None => u8::MAX,
    }
}

fn check_rules(
    repo: &Config,
    platform: &std::collections::BTreeMap<String, RuleSetting>,
    rules: &std::collections::BTreeMap<String, RuleSetting>,
    prefix: &str,
) -> Result<(), ConfigError> {
    for (id, s) in rules {
        if s.level == Some(Level::Off) {
            return Err(error(
                repo,
                format!(
                    "{prefix}rules.{id}: a repository config cannot turn off a rule under the platform config"
                ),
            ));
        }
        let p = platform.get(id).and_then(|p| p.level);
        if let (Some(Level::On(_)), Some(Level::On(_))) = (p, s.level)
            && severity_rank(s.level) < severity_rank(p)
        {
            return Err(error(
                repo,
                format!(
                    "{prefix}rules.{id}: a repository config cannot lower the platform's severity of a rule"
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
                format!(
                    "{key}: `{}` is not within the platform's {key} (the platform config does not allow extending them)",
                    crate::confine::excerpt(m, 80)
                ),
            ));
        }
    }
    Ok(mine.to_vec())
}

/// `repo` (repository configs merged over the defaults) under platform config `p`.
pub fn clamp(p: &Config, repo: Config) -> Result<Config, ConfigError> {
    check_limits(p, &repo, "the platform's")?;
    check_rules(&repo, &p.rules, &repo.rules, "")?;
    for (name, env) in &repo.environments {
        let plat = p.environments.get(name).map(|e| &e.rules);
        let empty = Default::default();
        check_rules(
            &repo,
            plat.unwrap_or(&empty),
            &env.rules,
            &format!("environments.{name}."),
        )?;
    }
    let registries = narrowed(p, &repo, "registries", &p.registries, &repo.registries)?;
    let hosts = narrowed(p, &repo, "hosts", &p.hosts, &repo.hosts)?;
    let mut out = super::merge(p.clone(), repo);
    // The platform's team assignments decide before the repositories' own (`teams:`).
    out.teams.retain(|t| !p.teams.contains(t));
    out.teams.splice(0..0, p.teams.iter().cloned());
    out.registries = registries;
    out.hosts = hosts;
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
