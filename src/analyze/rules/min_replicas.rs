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

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::scaling::{Singletons, autoscalers_of, workload_kind};

impl Rule for MinReplicas {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let Some(min) = ctx.settings.min_replicas.map(i64::from) else {
            return;
        };
        let env = ctx
            .settings
            .environment
            .as_deref()
            .unwrap_or("this environment");
        let singletons = Singletons::new(ctx.settings);
        for r in ctx.resources {
            let Some(kind) = workload_kind(r) else {
                continue;
            };
            if singletons.marks(r) {
                continue;
            }
            // An autoscaler targeting the workload decides its minimum (the first one).
            if let Some(scaler) = autoscalers_of(ctx.resources, r, kind).next() {
                let a = scaler.resource;
                let bound = scaler.min();
                let got = bound.value();
                if got < min {
                    let at = bound.node.or_else(|| a.node.get("spec")).unwrap_or(a.node);
                    out.push(raw(
                        a,
                        at,
                        Some(format!("spec.{}", bound.key)),
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
