//! `min-replicas`: outside singletons, workloads run at least the environment's minimum of pods.
crate::declare_rule! {
    /// ## What it does
    /// In an environment with `min-replicas: N` (in `environments:` of the config, typically prod),
    /// every Deployment, StatefulSet, ReplicaSet and Argo Rollout that is not a singleton (see
    /// `singleton-replicas`) must run at least N pods: `spec.replicas` (1 when absent) ≥ N, or,
    /// when a HorizontalPodAutoscaler or KEDA ScaledObject scales it, the autoscaler's minimum
    /// (`minReplicas`, `minReplicaCount`; 1 when absent) ≥ N.
    ///
    /// ## Why
    /// One pod is one node drain or one crash away from an outage; a PodDisruptionBudget cannot
    /// protect a single replica.
    ///
    /// ## Failing example
    /// ```yaml
    /// # environments: {prod: {min-replicas: 2}}
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   replicas: 1
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata: {name: web}
    /// spec:
    ///   replicas: 3
    /// ```
    pub struct MinReplicas { id: "min-replicas", severity: Error, summary: "Non-singleton workloads run at least the environment's min-replicas pods." }
}

use globset::{Glob, GlobSetBuilder};

use super::singleton_replicas::SINGLETON_ANNOTATION;
use crate::analyze::engine::{RawFinding, Rule, RuleContext, raw};
use crate::analyze::model::Resource;
use crate::yaml::Node;

const WORKLOADS: &[&str] = &["Deployment", "StatefulSet", "ReplicaSet", "Rollout"];

impl Rule for MinReplicas {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Vec<RawFinding<'a>>) {
        let Some(min) = ctx.settings.min_replicas.map(i64::from) else {
            return;
        };
        let env = ctx
            .settings
            .environment
            .as_deref()
            .unwrap_or("this environment");
        let mut b = GlobSetBuilder::new();
        for g in &ctx.settings.singletons {
            if let Ok(glob) = Glob::new(g) {
                b.add(glob);
            }
        }
        let names = b.build().unwrap_or_else(|_| globset::GlobSet::empty());
        let is_singleton = |r: &Resource<'_>| {
            r.annotation(SINGLETON_ANNOTATION)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
                || r.annotations
                    .get(SINGLETON_ANNOTATION)
                    .and_then(|n| n.as_bool())
                    == Some(true)
                || r.name.is_some_and(|n| names.is_match(n))
        };
        for r in ctx.resources {
            let Some(kind) = r.kind.filter(|k| WORKLOADS.contains(k)) else {
                continue;
            };
            if is_singleton(r) {
                continue;
            }
            // An autoscaler targeting the workload decides its minimum.
            let scaler = ctx.resources.iter().find_map(|a| {
                let (min_key, default) = match (a.group(), a.kind.unwrap_or_default()) {
                    ("autoscaling", "HorizontalPodAutoscaler") => ("minReplicas", 1),
                    ("keda.sh", "ScaledObject") => ("minReplicaCount", 0),
                    _ => return None,
                };
                if a.namespace != r.namespace {
                    return None;
                }
                let target = a.node.get_path(&["spec", "scaleTargetRef"])?;
                let t_kind = target.get("kind").and_then(Node::as_str).unwrap_or(
                    if a.kind == Some("ScaledObject") {
                        "Deployment"
                    } else {
                        ""
                    },
                );
                (t_kind == kind && target.get("name").and_then(Node::as_str) == r.name)
                    .then(|| (a, a.node.get_path(&["spec", min_key]), min_key, default))
            });
            if let Some((a, node, key, default)) = scaler {
                let got = node.and_then(Node::as_i64).unwrap_or(default);
                if got < min {
                    let at = node.or_else(|| a.node.get("spec")).unwrap_or(a.node);
                    out.push(raw(
                        a,
                        at,
                        Some(format!("spec.{key}")),
                        format!(
                            "{} `{}` lets {kind} `{}` scale down to {got} replicas; {env} requires at least {min} (min-replicas)",
                            a.kind.unwrap_or_default(),
                            a.name.unwrap_or_default(),
                            r.name.unwrap_or_default()
                        ),
                    ));
                }
                continue;
            }
            let spec = r.node.get("spec");
            let replicas = spec.and_then(|s| s.get("replicas"));
            let got = match replicas {
                Some(n) => match n.as_i64() {
                    Some(v) => v,
                    // Not an integer: singleton-replicas/manifest checks' business.
                    None => continue,
                },
                None => 1,
            };
            if got < min {
                let at = replicas.or(spec).unwrap_or(r.node);
                out.push(raw(
                    r,
                    at,
                    Some("spec.replicas".into()),
                    format!(
                        "{kind} runs {got} replica{}; {env} requires at least {min} (min-replicas)",
                        if got == 1 { "" } else { "s" }
                    ),
                ));
            }
        }
    }
}
