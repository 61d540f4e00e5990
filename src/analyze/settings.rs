//! Resolved settings the built-in rules read: what `chartgate.yaml` says for the selected
//! environment, plus `--env`/`--cluster`, built from [`Config`].

use std::collections::BTreeMap;

use crate::config::{Config, Level};
use crate::report::finding::Severity;

/// Default registry glob: the shared ECR.
pub const DEFAULT_REGISTRIES: &[&str] = &["354918371398.dkr.ecr.*.amazonaws.com/*"];
/// Default host pattern.
pub const DEFAULT_HOSTS: &[&str] = &["*.{cluster}.idp.jppol.dk"];

/// The level of one rule from config: `None` keeps the default severity; `Some(None)` is `off`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RuleConfig {
    /// `off` (Some(None)), a severity (Some(Some(s))) or unset (None).
    pub level: Option<Option<Severity>>,
    /// Rule options (`require-cronjob-timezone: true`).
    pub options: serde_json::Map<String, serde_json::Value>,
}

/// Settings for one check run (one environment).
#[derive(Clone, Debug)]
pub struct Settings {
    /// Allowed registry globs (over `registry/repository`).
    pub registries: Vec<String>,
    /// Allowed host patterns (with `{cluster}`/`{env}`).
    pub hosts: Vec<String>,
    /// Globs of singleton workload names.
    pub singletons: Vec<String>,
    /// The environment name.
    pub environment: Option<String>,
    /// The cluster name.
    pub cluster: Option<String>,
    /// Require `@sha256:` digests.
    pub pin_digests: bool,
    /// Minimum replicas for non-singleton workloads (`min-replicas` of the environment).
    pub min_replicas: Option<u32>,
    /// Per-rule settings (global `rules:` overlaid by the environment's `rules:`).
    pub rules: BTreeMap<String, RuleConfig>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            registries: DEFAULT_REGISTRIES.iter().map(|s| s.to_string()).collect(),
            hosts: DEFAULT_HOSTS.iter().map(|s| s.to_string()).collect(),
            singletons: Vec::new(),
            environment: None,
            cluster: None,
            pin_digests: false,
            min_replicas: None,
            rules: BTreeMap::new(),
        }
    }
}

impl Settings {
    /// Resolves the settings for environment `env` from a loaded config (global `rules:` with the
    /// environment's overrides), then applies `--cluster`.
    pub fn from_config(config: &Config, env: Option<&str>, cluster: Option<&str>) -> Settings {
        let environment = env.and_then(|e| config.environments.get(e));
        let mut ids: Vec<&String> = config.rules.keys().collect();
        if let Some(e) = environment {
            ids.extend(e.rules.keys());
        }
        let mut rules = BTreeMap::new();
        for id in ids {
            let setting = config.rule_setting(id, env);
            rules.insert(
                id.clone(),
                RuleConfig {
                    level: setting.level.map(|l| match l {
                        Level::Off => None,
                        Level::On(s) => Some(s),
                    }),
                    options: setting.options,
                },
            );
        }
        Settings {
            registries: config.registries.clone(),
            hosts: config.hosts.clone(),
            singletons: config.singletons.clone(),
            environment: env.map(str::to_string),
            cluster: cluster
                .map(str::to_string)
                .or_else(|| environment.and_then(|e| e.cluster.clone())),
            pin_digests: environment.is_some_and(|e| e.pin_digests),
            min_replicas: environment.and_then(|e| e.min_replicas),
            rules,
        }
    }

    /// A rule option, if set.
    pub fn option(&self, rule: &str, key: &str) -> Option<&serde_json::Value> {
        self.rules.get(rule)?.options.get(key)
    }
}
