//! Resolved settings the built-in rules read: what `chartgate.yaml` says for the selected
//! environment, plus `--env`/`--cluster`, built from [`Config`].

use std::collections::BTreeMap;
use std::sync::Arc;

use super::exemptions::ExemptionSet;
use super::rego::PolicySet;
use crate::config::{Config, Level};
use crate::model::Severity;

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
    /// Compiled Rego policies evaluated next to the built-in rules (None: no policies).
    pub policies: Option<Arc<PolicySet>>,
    /// What policies see as `data.chartgate.context`.
    pub context: PolicyContext,
    /// `exemptions:` of the config, shared by every analysis of one run (they record use).
    pub exemptions: Option<Arc<ExemptionSet>>,
    /// `limits:` for reading and rendering untrusted input.
    pub limits: crate::model::Limits,
    /// The cluster side: Kubernetes version, Pod Security level, the chart's `kubeVersion`.
    pub kube: super::kube::KubeSettings,
    /// Shared load balancers Ingresses may use (the environment's list, else the top-level one).
    pub load_balancers: Vec<crate::config::LoadBalancer>,
    /// Allowed Helm chart registry globs (`chart-registries:`).
    pub chart_registries: Vec<String>,
}

/// The context of one analysis, exposed to Rego policies as `data.chartgate.context`.
/// Unknown fields are `null` (absent from the JSON object).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PolicyContext {
    /// Environment name (`--env`).
    pub environment: Option<String>,
    /// Cluster of the environment (`--cluster` or `environments.NAME.cluster`).
    pub cluster: Option<String>,
    /// Namespace releases are deployed to (`environments.NAME.namespace`).
    pub namespace: Option<String>,
    /// Chart name, when the manifests were rendered from a chart.
    pub chart: Option<String>,
    /// Release name, when rendered from a chart.
    pub release: Option<String>,
    /// Merged values of the render (`null` for plain manifests).
    pub values: serde_json::Value,
    /// Namespaces the config's environments declare on this cluster (`namespace`,
    /// `namespaces`), sorted: where an app-of-apps on it may send its Applications.
    pub destinations: Vec<String>,
}

impl PolicyContext {
    /// The JSON object policies read; absent fields are left out.
    pub fn to_json(&self) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        for (k, v) in [
            ("environment", &self.environment),
            ("cluster", &self.cluster),
            ("namespace", &self.namespace),
            ("chart", &self.chart),
            ("release", &self.release),
        ] {
            if let Some(v) = v {
                m.insert(k.to_string(), serde_json::Value::String(v.clone()));
            }
        }
        if !self.values.is_null() {
            m.insert("values".to_string(), self.values.clone());
        }
        if !self.destinations.is_empty() {
            m.insert(
                "destinations".to_string(),
                serde_json::json!(self.destinations),
            );
        }
        serde_json::Value::Object(m)
    }
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
            policies: None,
            context: PolicyContext::default(),
            exemptions: None,
            limits: crate::model::Limits::default(),
            kube: super::kube::KubeSettings::default(),
            load_balancers: Vec::new(),
            chart_registries: crate::config::platform::DEFAULT_CHART_REGISTRIES
                .iter()
                .map(|s| s.to_string())
                .collect(),
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
        let cluster = cluster
            .map(str::to_string)
            .or_else(|| environment.and_then(|e| e.cluster.clone()));
        Settings {
            registries: config.registries.clone(),
            hosts: config.hosts.clone(),
            singletons: config.singletons.clone(),
            environment: env.map(str::to_string),
            cluster: cluster.clone(),
            pin_digests: environment.is_some_and(|e| e.pin_digests),
            min_replicas: environment.and_then(|e| e.min_replicas),
            rules,
            limits: config.limits,
            policies: None,
            context: PolicyContext {
                environment: env.map(str::to_string),
                destinations: cluster
                    .as_deref()
                    .map(|c| config.cluster_namespaces(c))
                    .unwrap_or_default(),
                cluster,
                namespace: environment.and_then(|e| e.namespace.clone()),
                ..PolicyContext::default()
            },
            exemptions: None,
            kube: super::kube::KubeSettings::from_config(config, environment),
            load_balancers: environment
                .and_then(|e| e.load_balancers.clone())
                .unwrap_or_else(|| config.load_balancers.clone()),
            chart_registries: config.chart_registries.clone(),
        }
    }

    /// The configured level of rule `id` (built-in or policy): `Some(None)` when `off`,
    /// `None` when the config does not set it.
    pub fn level(&self, id: &str) -> Option<Option<Severity>> {
        self.rules.get(id).and_then(|r| r.level)
    }

    /// A rule option, if set.
    pub fn option(&self, rule: &str, key: &str) -> Option<&serde_json::Value> {
        self.rules.get(rule)?.options.get(key)
    }
}
