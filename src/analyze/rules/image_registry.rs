//! `image-registry`: images come from the allowed registries.
crate::declare_rule! {
    /// ## What it does
    /// Normalises every container image reference as Docker does (`nginx` is
    /// `docker.io/library/nginx:latest`; the first path component is a registry only when it
    /// contains `.` or `:` or is `localhost`) and checks the `registry/repository` part against
    /// the globs under `registries:` in `chartgate.yaml` (default: the shared ECR,
    /// `354918371398.dkr.ecr.*.amazonaws.com/*`). A malformed reference is a finding.
    ///
    /// ## Why
    /// Images from the shared ECR are scanned, replicated across regions and reachable from the
    /// clusters without Docker Hub rate limits.
    ///
    /// ## Failing example
    /// ```yaml
    /// containers:
    ///   - name: web
    ///     image: nginx:1.25
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// containers:
    ///   - name: web
    ///     image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/platform/nginx:1.25
    /// ```
    pub struct ImageRegistry { id: "image-registry", severity: Error, summary: "Every image comes from an allowed registry (default: the shared ECR)." }
}
