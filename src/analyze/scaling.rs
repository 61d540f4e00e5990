//! Replica counts shared by `singleton-replicas` and `min-replicas`: which resources are
//! workloads, which workloads are singletons, and which autoscalers (Kubernetes
//! HorizontalPodAutoscalers, KEDA ScaledObjects) scale a workload, with their bounds.

use globset::GlobSet;

use super::model::Resource;
use super::settings::Settings;
use crate::yaml::Node;

/// The annotation that marks a singleton (`"true"`, any case, or YAML `true`).
pub const SINGLETON_ANNOTATION: &str = "chartgate.io/singleton";

/// Kinds whose `spec.replicas` sets how many pods run (Argo Rollouts' `Rollout` included).
pub const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet", "Rollout"];

/// The kind of `r` when it is a workload ([`WORKLOADS`]).
pub fn workload_kind<'a>(r: &Resource<'a>) -> Option<&'a str> {
    r.kind.filter(|k| WORKLOADS.contains(k))
}

/// Which workloads must run as one pod: marked with [`SINGLETON_ANNOTATION`], or named by a
/// `singletons:` glob of the config.
pub struct Singletons {
    names: std::sync::Arc<GlobSet>,
}

impl Singletons {
    /// The `singletons:` globs of `settings` (a glob that does not compile matches nothing).
    pub fn new(settings: &Settings) -> Singletons {
        Singletons {
            names: crate::analyze::globs::name_set(&settings.singletons),
        }
    }

    /// True when `r` is marked a singleton (whatever its kind; see [`workload_kind`]).
    pub fn marks(&self, r: &Resource<'_>) -> bool {
        r.annotation(SINGLETON_ANNOTATION)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
            || r.annotations
                .get(SINGLETON_ANNOTATION)
                .and_then(|n| n.as_bool())
                == Some(true)
            || r.name.is_some_and(|n| self.names.is_match(n))
    }
}

/// One replica bound of an autoscaler: the `spec` field, its node when set, and the value
/// the autoscaler uses when it is absent.
pub struct Bound<'a> {
    /// The field under `spec` (`minReplicas`, `maxReplicaCount`, ...).
    pub key: &'static str,
    /// The field's node, when set.
    pub node: Option<&'a Node>,
    /// The value in effect when the field is absent.
    pub default: i64,
}

impl Bound<'_> {
    /// The bound in effect: the field's integer, else the default.
    pub fn value(&self) -> i64 {
        self.node.and_then(Node::as_i64).unwrap_or(self.default)
    }
}

/// An autoscaler that scales a workload.
pub struct Autoscaler<'a> {
    /// The HorizontalPodAutoscaler or ScaledObject.
    pub resource: &'a Resource<'a>,
    /// Its `spec.scaleTargetRef`.
    pub target: &'a Node,
    keda: bool,
}

impl<'a> Autoscaler<'a> {
    /// The lowest replica count: HPA `minReplicas` (Kubernetes' default 1), KEDA
    /// `minReplicaCount` (default 0: KEDA scales to zero).
    pub fn min(&self) -> Bound<'a> {
        let (key, default) = if self.keda {
            ("minReplicaCount", 0)
        } else {
            ("minReplicas", 1)
        };
        self.bound(key, default)
    }

    /// The highest replica count: HPA `maxReplicas` (required by the API; absent counts as 0),
    /// KEDA `maxReplicaCount` (default 100).
    pub fn max(&self) -> Bound<'a> {
        let (key, default) = if self.keda {
            ("maxReplicaCount", 100)
        } else {
            ("maxReplicas", 0)
        };
        self.bound(key, default)
    }

    fn bound(&self, key: &'static str, default: i64) -> Bound<'a> {
        Bound {
            key,
            node: self.resource.node.get_path(&["spec", key]),
            default,
        }
    }
}

/// The autoscalers among `resources` that scale workload `w` of kind `kind`, in input order:
/// an `autoscaling` HorizontalPodAutoscaler or a `keda.sh` ScaledObject in the workload's
/// namespace whose `spec.scaleTargetRef` names it (a ScaledObject's target kind defaults to
/// Deployment).
pub fn autoscalers_of<'a>(
    resources: &'a [Resource<'a>],
    w: &Resource<'_>,
    kind: &str,
) -> impl Iterator<Item = Autoscaler<'a>> {
    resources.iter().filter_map(move |a| {
        let keda = match (a.group(), a.kind.unwrap_or_default()) {
            ("autoscaling", "HorizontalPodAutoscaler") => false,
            ("keda.sh", "ScaledObject") => true,
            _ => return None,
        };
        if a.namespace != w.namespace {
            return None;
        }
        let target = a.node.get_path(&["spec", "scaleTargetRef"])?;
        let t_kind = target
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or(if keda { "Deployment" } else { "" });
        (t_kind == kind && target.get("name").and_then(Node::as_str) == w.name).then_some(
            Autoscaler {
                resource: a,
                target,
                keda,
            },
        )
    })
}
