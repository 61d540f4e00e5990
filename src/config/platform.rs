//! Platform settings for the rules of issue 15: `load-balancers:` (top level or per environment)
//! and `chart-registries:`. Kept apart from `mod.rs` so the shared config file changes little.

use crate::yaml::Node;

/// The default allowed chart registry: the platform's shared ECR in any region (Helm's
/// `oci://` form and Argo CD's scheme-less OCI `repoURL` form are both normalised to this).
pub const DEFAULT_CHART_REGISTRIES: &[&str] = &["354918371398.dkr.ecr.*.amazonaws.com/*"];

/// One allowed shared load balancer: an Ingress matches when each field set here equals the
/// Ingress's (an omitted field matches anything).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoadBalancer {
    /// `spec.ingressClassName` (or the legacy `kubernetes.io/ingress.class` annotation).
    pub class: Option<String>,
    /// `alb.ingress.kubernetes.io/group.name`.
    pub group: Option<String>,
    /// `alb.ingress.kubernetes.io/scheme`: `internal` or `internet-facing`.
    pub scheme: Option<String>,
}

impl LoadBalancer {
    /// `class=…, group=…, scheme=…` with `*` for omitted fields (for messages).
    pub fn describe(&self) -> String {
        let f = |v: &Option<String>| v.clone().unwrap_or_else(|| "*".into());
        format!(
            "class={} group={} scheme={}",
            f(&self.class),
            f(&self.group),
            f(&self.scheme)
        )
    }
}

/// The entries of a `load-balancers:` list (the schema has validated their shape).
pub fn load_balancers(n: &Node) -> Vec<LoadBalancer> {
    n.as_seq()
        .unwrap_or(&[])
        .iter()
        .map(|e| {
            let s = |k: &str| e.get(k).and_then(Node::as_str).map(str::to_string);
            LoadBalancer {
                class: s("class"),
                group: s("group"),
                scheme: s("scheme"),
            }
        })
        .collect()
}
