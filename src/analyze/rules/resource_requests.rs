//! `resource-requests`: every container declares CPU and memory requests and a memory limit.
crate::declare_rule! {
    /// ## What it does
    /// For every container, init container and ephemeral container of a pod-bearing resource,
    /// checks that `resources.requests.cpu`, `resources.requests.memory` and
    /// `resources.limits.memory` are set, that each is a valid Kubernetes quantity, and that each
    /// request is at most its limit (`cpu` too when a CPU limit is set). Quantities are compared
    /// exactly (`500m` < `1`, `128Mi` < `1Gi`, `1e3` = `1k`).
    ///
    /// Kubernetes copies a limit into a missing request; chartgate does not count that as a
    /// declared request, because the platform wants the request written down (a copied limit is
    /// usually far too high for scheduling). The message says so.
    ///
    /// ## Why
    /// The scheduler places pods by their requests; without them nodes are overcommitted and pods
    /// are evicted first. Without a memory limit a leaking container can take down its node.
    /// A request above its limit is rejected by the API server at deploy time.
    ///
    /// ## Failing example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2
    ///     resources:
    ///       requests:
    ///         memory: 2Gi      # above the limit
    ///       limits:
    ///         memory: 512Mi
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// containers:
    ///   - name: api
    ///     image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/api:1.4.2
    ///     resources:
    ///       requests: { cpu: 250m, memory: 256Mi }
    ///       limits: { memory: 512Mi }
    /// ```
    pub struct ResourceRequests { id: "resource-requests", severity: Error, summary: "Every container has CPU and memory requests and a memory limit, requests within limits." }
}
