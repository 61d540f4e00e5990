//! `manifest-validity`: every document is a well-formed, unique Kubernetes object.
crate::declare_rule! {
    /// ## What it does
    /// Checks that every document (and every item of a `kind: List`) has `apiVersion`, `kind` and
    /// `metadata.name`, and that no two resources in one input set share kind, namespace and
    /// name (the second is reported, pointing at the first).
    ///
    /// ## Why
    /// The API server rejects an object without these fields; with duplicates one object silently
    /// overwrites the other when ArgoCD applies the render.
    ///
    /// ## Failing example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata: {}
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// apiVersion: v1
    /// kind: ConfigMap
    /// metadata:
    ///   name: api-config
    /// ```
    pub struct ManifestValidity { id: "manifest-validity", severity: Error, summary: "apiVersion, kind and metadata.name are present and kind/namespace/name is unique." }
}
