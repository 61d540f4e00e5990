//! Resolved settings the built-in rules read: what `chartgate.yaml` says for the selected
//! environment, plus `--env`/`--cluster`. Built from `config::Config` once it lands; until then
//! [`Settings::from_yaml`] reads the keys the rules need.

use std::collections::BTreeMap;

use crate::report::finding::Severity;
use crate::yaml::Node;

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
            rules: BTreeMap::new(),
        }
    }
}

fn strings(n: Option<&Node>) -> Option<Vec<String>> {
    Some(
        n?.as_seq()?
            .iter()
            .filter_map(|n| n.as_str().map(str::to_string))
            .collect(),
    )
}

fn parse_rules(n: Option<&Node>, into: &mut BTreeMap<String, RuleConfig>) -> Result<(), String> {
    let Some(map) = n.and_then(Node::as_map) else {
        return Ok(());
    };
    for (k, v) in map {
        let id = k.key_string();
        let entry = into.entry(id.clone()).or_default();
        let level_of = |node: &Node| -> Result<Option<Severity>, String> {
            match node.as_str() {
                Some("off") => Ok(None),
                Some(s) => Severity::parse(s).map(Some).ok_or_else(|| {
                    format!("line {} column {}: rules.{id}: unknown severity `{s}` (error, warning, info, off)", node.pos.line, node.pos.col)
                }),
                None if node.as_bool() == Some(false) => Ok(None),
                None => Err(format!("line {} column {}: rules.{id}: expected a severity", node.pos.line, node.pos.col)),
            }
        };
        if let Some(m) = v.as_map() {
            for (ok, ov) in m {
                let key = ok.key_string();
                if key == "severity" {
                    entry.level = Some(level_of(ov)?);
                } else {
                    entry.options.insert(key, ov.to_json());
                }
            }
        } else {
            entry.level = Some(level_of(v)?);
        }
    }
    Ok(())
}

impl Settings {
    /// Reads the rule-relevant keys of a `chartgate.yaml` root for `env` (`environments.ENV`:
    /// `cluster`, `pin-digests`, `rules`), then applies `cluster` from the command line.
    pub fn from_yaml(
        root: &Node,
        env: Option<&str>,
        cluster: Option<&str>,
    ) -> Result<Settings, String> {
        let mut s = Settings::default();
        if let Some(v) = strings(root.get("registries")) {
            s.registries = v;
        }
        if let Some(v) = strings(root.get("hosts")) {
            s.hosts = v;
        }
        s.singletons = strings(root.get("singletons")).unwrap_or_default();
        parse_rules(root.get("rules"), &mut s.rules)?;
        if let Some(env) = env {
            s.environment = Some(env.to_string());
            if let Some(e) = root.get_path(&["environments", env]) {
                s.cluster = e.get("cluster").and_then(Node::as_str).map(str::to_string);
                s.pin_digests = e
                    .get("pin-digests")
                    .and_then(Node::as_bool)
                    .unwrap_or(false);
                parse_rules(e.get("rules"), &mut s.rules)?;
            }
        }
        if let Some(c) = cluster {
            s.cluster = Some(c.to_string());
        }
        Ok(s)
    }

    /// A rule option, if set.
    pub fn option(&self, rule: &str, key: &str) -> Option<&serde_json::Value> {
        self.rules.get(rule)?.options.get(key)
    }
}
