//! `render-error`: a chart could not be rendered (or loaded) in one environment.
//!
//! Not a check over resources: the chart pipeline emits it
//! (`pipeline::RENDER_ERROR`) where the renderer names the problem.
crate::declare_rule! {
    /// ## What it does
    /// Reports a chart that fails to load or render in an environment — a template error, a
    /// `required` or `fail` that fires, a values file that is not valid YAML, a dependency missing
    /// from `charts/`, a rendered manifest that is not valid YAML, a resource limit hit — at the
    /// file and line the renderer names (the template line, or the values file line). The other
    /// charts and environments are still checked; the run exits with code 2. It cannot be turned
    /// off or exempted.
    ///
    /// ## Why
    /// A chart that does not render in an environment cannot be deployed there by ArgoCD either,
    /// and none of its manifests could be checked: it must never pass silently.
    ///
    /// ## Failing example
    /// ```yaml
    /// # templates/configmap.yaml
    /// metadata:
    ///   name: {{ required "name is required" .Values.name }}
    /// # values-prod.yaml sets no `name`
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// # values-prod.yaml
    /// name: billing-settings
    /// ```
    pub struct RenderError { id: "render-error", severity: Error, summary: "A chart failed to load or render in an environment (exit code 2)." }
}
