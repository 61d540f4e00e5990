//! What the cluster accepts, per Kubernetes version: the bundled versions, deprecated and removed
//! APIs (Pluto's data), Pod Security Standards levels and the OpenAPI schemas.

pub mod crds;
pub mod deprecations;
pub mod names;
pub mod schemas;

pub use crate::model::kube_version::{SUPPORTED_VERSIONS, default_version, normalize_version};

/// `(major, minor)` of a normalised version such as `1.31`.
pub fn minor_of(version: &str) -> (u64, u64) {
    let mut it = version
        .trim_start_matches('v')
        .split('.')
        .map(|p| p.parse::<u64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// The Pod Security Standards level a namespace enforces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PodSecurityLevel {
    /// Known privilege escalations are prevented.
    #[default]
    Baseline,
    /// Current pod hardening best practices.
    Restricted,
}

impl PodSecurityLevel {
    /// `baseline` or `restricted` (None otherwise).
    pub fn parse(s: &str) -> Option<PodSecurityLevel> {
        match s {
            "baseline" => Some(PodSecurityLevel::Baseline),
            "restricted" => Some(PodSecurityLevel::Restricted),
            _ => None,
        }
    }

    /// The level's name.
    pub fn name(self) -> &'static str {
        match self {
            PodSecurityLevel::Baseline => "baseline",
            PodSecurityLevel::Restricted => "restricted",
        }
    }
}

/// The cluster-side settings of one analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct KubeSettings {
    /// Normalised Kubernetes version (`1.31`).
    pub version: String,
    /// The Pod Security level pods must meet.
    pub pod_security: PodSecurityLevel,
    /// The rendered chart's `Chart.yaml` `kubeVersion` constraint (None for plain manifests or
    /// when unset), with the chart's name.
    pub chart_kube_version: Option<(String, String)>,
    /// CRD objects (JSON) of the repository: its configs' `crds:` files and the chart's `crds/`
    /// folder (the checked manifests' CRDs are added by `schema-validity`).
    pub crds: Vec<std::sync::Arc<serde_json::Value>>,
    /// CRD objects (JSON) of the platform config's `crds:` files: trusted, they win over the
    /// bundled CRDs and the repository's (see [`crds`]).
    pub trusted_crds: Vec<std::sync::Arc<serde_json::Value>>,
}

impl Default for KubeSettings {
    fn default() -> Self {
        KubeSettings {
            version: default_version().to_string(),
            pod_security: PodSecurityLevel::Baseline,
            chart_kube_version: None,
            crds: Vec::new(),
            trusted_crds: Vec::new(),
        }
    }
}

impl KubeSettings {
    /// The environment's `kube-version`/`pod-security` over the top-level ones, defaults last.
    pub fn from_config(
        config: &crate::config::Config,
        env: Option<&crate::config::Environment>,
    ) -> KubeSettings {
        let version = env
            .and_then(|e| e.kube_version.clone())
            .or_else(|| config.kube_version.clone())
            .unwrap_or_else(|| default_version().to_string());
        let pod_security = env
            .and_then(|e| e.pod_security.as_deref())
            .or(config.pod_security.as_deref())
            .and_then(PodSecurityLevel::parse)
            .unwrap_or_default();
        // The platform config's `crds:` are trusted; the rest of the merged list is the
        // repository configs'.
        let platform = crate::config::trust::platform();
        let (trusted, repo): (Vec<std::path::PathBuf>, Vec<std::path::PathBuf>) = (config.crds)
            .iter()
            .cloned()
            .partition(|p| platform.as_ref().is_some_and(|c| c.crds.contains(p)));
        // Validated (and cached) when the config was prepared.
        let load = |paths: &[std::path::PathBuf]| {
            crds::load_files(paths, std::path::Path::new("")).unwrap_or_default()
        };
        KubeSettings {
            version,
            pod_security,
            chart_kube_version: None,
            crds: load(&repo),
            trusted_crds: load(&trusted),
        }
    }
}

/// The `kubeVersion` constraint of a chart's `Chart.yaml` (raw map), with the chart's name.
pub fn chart_constraint(raw: &crate::model::value::Map, chart: &str) -> Option<(String, String)> {
    let c = raw.get("kubeVersion")?.as_str()?.trim().to_string();
    (!c.is_empty()).then(|| (chart.to_string(), c))
}

/// The `kube-version` the config sets for an environment (`v1.31.0`, for
/// `.Capabilities.KubeVersion`); None when only the default applies, so renders keep Helm's.
pub fn configured_version(
    config: &crate::config::Config,
    env: Option<&crate::config::Environment>,
) -> Option<String> {
    env.and_then(|e| e.kube_version.clone())
        .or_else(|| config.kube_version.clone())
        .map(|v| format!("v{v}.0"))
}
