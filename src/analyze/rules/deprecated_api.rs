//! `deprecated-api`: APIs the environment's Kubernetes version deprecates or no longer serves.
crate::declare_rule! {
    /// ## What it does
    /// Looks up every object's `apiVersion` and `kind` in Pluto's table of deprecated Kubernetes
    /// APIs (bundled) against the environment's `kube-version`. An API deprecated at or before
    /// that version is a **warning**; one removed at or before it is an **error** (the API server
    /// will refuse it, so Argo CD's sync fails). The message names the version it was
    /// deprecated or removed in and the replacement API.
    ///
    /// A chart whose `Chart.yaml` `kubeVersion` constraint excludes the environment's version
    /// (Masterminds semver constraints, as Helm checks them against `v1.31.0`) is an error at
    /// the `kubeVersion` line: Helm refuses to install it there.
    ///
    /// ## Why
    /// A manifest that used to deploy stops deploying the day the cluster is upgraded.
    /// Finding it in the pull request, per environment, leaves time to migrate.
    ///
    /// ## Failing example
    /// ```yaml
    /// # kube-version: "1.31"
    /// apiVersion: policy/v1beta1      # removed in 1.25: use policy/v1
    /// kind: PodDisruptionBudget
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// apiVersion: policy/v1
    /// kind: PodDisruptionBudget
    /// ```
    pub struct DeprecatedApi { id: "deprecated-api", severity: Error, summary: "No API removed in (error) or deprecated by (warning) the environment's Kubernetes version; the chart's kubeVersion admits it." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::kube::{deprecations, minor_of};
use crate::model::Severity;

impl Rule for DeprecatedApi {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let version = &ctx.settings.kube.version;
        let env = minor_of(version);
        for r in ctx.resources {
            let (Some(api), Some(kind)) = (r.api_version, r.kind) else {
                continue;
            };
            let Some(d) = deprecations::find(api, kind) else {
                continue;
            };
            let node = r.node.get("apiVersion").unwrap_or(r.node);
            let replacement = if d.replacement.is_empty() {
                "there is no replacement".to_string()
            } else {
                format!("use {}", d.replacement)
            };
            if let Some(removed) = d.removed_in.filter(|v| *v <= env) {
                out.push(raw(
                    r,
                    node,
                    Some("apiVersion".to_string()),
                    format!(
                        "{api} {kind} was removed in Kubernetes {} (this environment runs {version}); {replacement}",
                        deprecations::show(removed)
                    ),
                ));
            } else if let Some(dep) = d.deprecated_in.filter(|v| *v <= env) {
                let removal = match d.removed_in {
                    Some(v) => format!(" and is removed in {}", deprecations::show(v)),
                    None => String::new(),
                };
                let mut f = raw(
                    r,
                    node,
                    Some("apiVersion".to_string()),
                    format!(
                        "{api} {kind} is deprecated since Kubernetes {}{removal} (this environment runs {version}); {replacement}",
                        deprecations::show(dep)
                    ),
                );
                f.severity = Some(Severity::Warning);
                out.push(f);
            }
        }
    }
}

/// The message when a chart's `kubeVersion` constraint excludes the environment's version
/// (None when it admits it). An unparsable constraint is reported too (Helm fails on it).
pub fn chart_kube_version_message(chart: &str, constraint: &str, version: &str) -> Option<String> {
    use crate::gocompat::semver::{Constraints, Version};
    let full = format!("v{version}.0");
    let v = Version::parse(&full).ok()?;
    match Constraints::parse(constraint) {
        Ok(c) if c.check(&v) => None,
        Ok(_) => Some(format!(
            "chart `{chart}` requires kubeVersion `{constraint}`, which excludes Kubernetes {full} of this environment"
        )),
        Err(e) => Some(format!(
            "chart `{chart}` has an invalid kubeVersion `{constraint}`: {e}"
        )),
    }
}

/// The `deprecated-api` finding of a chart whose `kubeVersion` excludes the environment's
/// Kubernetes version, at the `kubeVersion:` line of its `Chart.yaml` (None when it admits it or
/// the rule is off).
pub fn chart_finding(
    chart_path: &std::path::Path,
    chart_display: &str,
    settings: &crate::analyze::settings::Settings,
    cwd: &std::path::Path,
) -> Option<crate::model::Finding> {
    let level = crate::analyze::engine::level_for(&DeprecatedApi::INFO, settings)?;
    let (chart, constraint) = settings.kube.chart_kube_version.as_ref()?;
    let message = chart_kube_version_message(chart, constraint, &settings.kube.version)?;
    if let Some(ex) = &settings.exemptions
        && ex.suppresses(
            DeprecatedApi::INFO.id,
            None,
            settings.environment.as_deref(),
        )
    {
        return None;
    }
    let file = if chart_path.is_dir() {
        chart_path.join("Chart.yaml")
    } else {
        chart_path.to_path_buf()
    };
    let line = crate::confine::read_repo_text(&file, 1 << 20)
        .ok()
        .and_then(|t| {
            t.lines()
                .position(|l| l.trim_start().starts_with("kubeVersion:"))
                .map(|i| i as u32 + 1)
        })
        .unwrap_or(1);
    let at = crate::model::Location {
        file: crate::discover::manifests::display_path(&file, cwd),
        line,
        column: 1,
    };
    Some(
        crate::model::Finding::new(DeprecatedApi::INFO.id, level, message, at)
            .with_environment(settings.environment.clone())
            .with_chart(Some(chart_display))
            .with_field(Some("kubeVersion")),
    )
}

#[cfg(test)]
mod tests {
    use super::chart_kube_version_message as m;

    #[test]
    fn chart_kube_version_constraints() {
        assert_eq!(m("a", ">=1.25.0-0", "1.31"), None);
        assert_eq!(m("a", ">= 1.29, < 1.32", "1.31"), None);
        assert_eq!(
            m("a", "<1.30.0", "1.31").as_deref(),
            Some(
                "chart `a` requires kubeVersion `<1.30.0`, which excludes Kubernetes v1.31.0 of this environment"
            )
        );
        assert!(m("a", "~1.30.0 || ^1.33", "1.32").is_some());
        assert_eq!(m("a", "~1.30.0 || ^1.33", "1.34"), None);
        assert!(
            m("a", "not a version", "1.31")
                .unwrap()
                .contains("invalid kubeVersion")
        );
    }
}
