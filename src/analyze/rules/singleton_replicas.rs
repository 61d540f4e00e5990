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
