//! `singleton-replicas`: a singleton workload never runs two pods.
crate::declare_rule! {
    /// ## What it does
    /// For a workload marked singleton — the annotation `chartgate.io/singleton: "true"` on the
    /// resource, or a name matching a glob under `singletons:` in `chartgate.yaml` — checks that:
    /// `spec.replicas` is at most 1; a Deployment uses `strategy.type: Recreate` (no strategy means
    /// `RollingUpdate` in Kubernetes); an Argo Rollout uses no canary/blue-green that runs two pods
    /// (a Rollout always surges, so it is reported); no HorizontalPodAutoscaler
    /// (`autoscaling/v1`, `autoscaling/v2`) or KEDA `ScaledObject` targeting it allows more than
    /// 1 replica. A StatefulSet with `replicas: 1` is accepted: its default `OrderedReady`
    /// rolling update stops the old pod before starting the new one.
    ///
    /// ## Why
    /// Singleton services (schedulers, consumers holding a lock, legacy apps) corrupt data or
    /// double-process when two pods run at once. A rolling update briefly runs the old and the
    /// new pod side by side; an autoscaler adds pods under load.
    ///
    /// ## Failing example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: billing-scheduler
    ///   annotations:
    ///     chartgate.io/singleton: "true"
    /// spec:
    ///   replicas: 2          # more than one pod
    ///   # no strategy: RollingUpdate runs two pods during a rollout
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// apiVersion: apps/v1
    /// kind: Deployment
    /// metadata:
    ///   name: billing-scheduler
    ///   annotations:
    ///     chartgate.io/singleton: "true"
    /// spec:
    ///   replicas: 1
    ///   strategy:
    ///     type: Recreate
    /// ```
    pub struct SingletonReplicas { id: "singleton-replicas", severity: Error, summary: "A singleton workload has at most one replica, a Recreate strategy and no autoscaler above 1." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::scaling::{Singletons, autoscalers_of, workload_kind};
use crate::yaml::Node;

impl Rule for SingletonReplicas {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let singletons = Singletons::new(ctx.settings);
        for r in ctx.resources {
            let Some(kind) = workload_kind(r).filter(|_| singletons.marks(r)) else {
                continue;
            };
            let spec = r.node.get("spec");
            // Absent replicas default to 1.
            if let Some(n) = spec.and_then(|s| s.get("replicas")) {
                match n.as_i64() {
                    Some(v) if v <= 1 => {}
                    Some(v) => out.push(raw(
                        r,
                        n,
                        Some("spec.replicas".into()),
                        format!("singleton {kind} has {v} replicas; it must run at most 1"),
                    )),
                    None => out.push(raw(
                        r,
                        n,
                        Some("spec.replicas".into()),
                        "spec.replicas is not an integer".into(),
                    )),
                }
            }
            match kind {
                "Deployment" => {
                    let t = spec.and_then(|s| s.get_path(&["strategy", "type"]));
                    match t.and_then(Node::as_str) {
                        Some("Recreate") => {}
                        Some(other) => out.push(raw(r, t.unwrap_or(r.node), Some("spec.strategy.type".into()), format!("singleton Deployment uses strategy `{other}`, which runs two pods during a rollout; use `Recreate`"))),
                        None => {
                            let node = spec.and_then(|s| s.get("strategy")).or(spec).unwrap_or(r.node);
                            out.push(raw(r, node, Some("spec.strategy.type".into()), "singleton Deployment has no `strategy.type: Recreate`; the default RollingUpdate runs two pods during a rollout".into()));
                        }
                    }
                }
                "StatefulSet" => {
                    if let Some(p) = spec.and_then(|s| s.get("podManagementPolicy"))
                        && p.as_str() == Some("Parallel")
                        && spec
                            .and_then(|s| s.get("replicas"))
                            .and_then(Node::as_i64)
                            .unwrap_or(1)
                            > 1
                    {
                        out.push(raw(r, p, Some("spec.podManagementPolicy".into()), "singleton StatefulSet with Parallel pod management starts pods at once".into()));
                    }
                }
                "Rollout" if r.group() == "argoproj.io" => {
                    // A Rollout's canary and blue-green strategies both run old and new pods together.
                    let node = spec
                        .and_then(|s| s.get("strategy"))
                        .or(spec)
                        .unwrap_or(r.node);
                    out.push(raw(r, node, Some("spec.strategy".into()), "singleton Argo Rollout: canary and blue-green both run two pods during a rollout; use a Deployment with `Recreate`".into()));
                }
                _ => {}
            }
            // Autoscalers targeting this workload.
            for scaler in autoscalers_of(ctx.resources, r, kind) {
                let a = scaler.resource;
                let bound = scaler.max();
                let max = bound.value();
                if max > 1 {
                    let node = bound.node.unwrap_or(scaler.target);
                    out.push(raw(
                        a,
                        node,
                        Some(format!("spec.{}", bound.key)),
                        format!("{} `{}` scales singleton {kind} `{}` up to {max} replicas; it must allow at most 1", a.kind.unwrap_or_default(), a.name.unwrap_or_default(), r.name.unwrap_or_default()),
                    ));
                }
            }
        }
    }
}
