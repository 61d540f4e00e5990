//! `unresolved-source`: something Argo CD would deploy that chartgate cannot resolve offline.
//!
//! Not a check over resources: Argo CD resolution (`crate::discover::argocd`) and the chart
//! pipeline (dependencies that are not vendored) emit it at the declaring line.
crate::declare_rule! {
    /// ## What it does
    /// Reports what Argo CD would deploy but chartgate cannot check from the local checkouts, at
    /// the line of the Application (or ApplicationSet) that declares it, with the reason: a
    /// remote chart that is not available locally, a repository URL with no local mapping, an
    /// unknown `$ref` in `valueFiles`, a value file that does not exist (without
    /// `ignoreMissingValueFiles`), an unexpanded template expression, an ApplicationSet generator
    /// that needs a live system, or a chart dependency that is neither vendored in `charts/` nor
    /// found at its version in a mapped repository directory or in Helm's cache. That chart ×
    /// environment is not rendered. Warning by default; set it to `error` to make the gate fail.
    ///
    /// ## Why
    /// A gate that silently skips what it cannot see passes deployments nobody checked. Every
    /// gap is named, with what to do (map the repository with `--repo URL=PATH`, vendor the
    /// dependency, fix the path).
    ///
    /// ## Failing example
    /// ```yaml
    /// # An Application whose chart comes from a Helm repository with no local mapping
    /// spec:
    ///   source:
    ///     repoURL: https://charts.example.com
    ///     chart: redis
    ///     targetRevision: 18.1.0
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// # chartgate.yaml: the repository is mapped to a directory holding redis-18.1.0.tgz
    /// repos:
    ///   https://charts.example.com: vendor/charts
    /// ```
    pub struct UnresolvedSource { id: "unresolved-source", severity: Warning, summary: "Something Argo CD deploys cannot be resolved offline (remote chart, unmapped repository, missing value file, unvendored dependency)." }
}

/// The findings of what Argo CD resolution could not resolve, at the configured level (none when
/// the rule is off).
pub fn findings(
    settings: &crate::analyze::settings::Settings,
    unresolved: &[crate::discover::argocd::Unresolved],
) -> Vec<crate::model::Finding> {
    let severity = match settings.level(UnresolvedSource::INFO.id) {
        Some(None) => return Vec::new(),
        Some(Some(s)) => s,
        None => UnresolvedSource::INFO.default_severity,
    };
    unresolved
        .iter()
        .map(|u| {
            // The finding is about the Application (or ApplicationSet) that declares the
            // source: its resource (so exemptions can name it, and two generated Applications
            // keep apart in baselines) and field. The message names it too, as every rule's
            // does (SARIF and JSON consumers read the message alone).
            crate::model::Finding::new(
                UnresolvedSource::INFO.id,
                severity,
                u.reason.clone(),
                crate::model::Location {
                    file: u.file.clone(),
                    line: u.line,
                    column: u.column,
                },
            )
            .with_resource(u.resource.clone())
            .with_field(u.field.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn discovery_names_this_rule() {
        assert_eq!(
            super::UnresolvedSource::INFO.id,
            crate::discover::argocd::UNRESOLVED
        );
    }
}
