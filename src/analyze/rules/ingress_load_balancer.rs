//! `ingress-load-balancer`: Ingresses use one of the environment's shared load balancers.
crate::declare_rule! {
    /// ## What it does
    /// Each environment has a few shared ALBs (on the platform: internal, external and an
    /// IP-limited one for developer machines), listed under `load-balancers:` in
    /// `chartgate.yaml` (top level, or per environment, which replaces the top-level list) as
    /// entries `{class, group, scheme}`; an omitted field matches anything.
    ///
    /// - An Ingress's class is `spec.ingressClassName`, else the legacy
    ///   `kubernetes.io/ingress.class` annotation. An Ingress with no class fails: it is served
    ///   by whatever default class the cluster has, or by nothing.
    /// - Its group is the `alb.ingress.kubernetes.io/group.name` annotation (none when absent: the
    ///   AWS Load Balancer Controller then creates an ALB for this Ingress alone).
    /// - Its scheme is the `alb.ingress.kubernetes.io/scheme` annotation, `internal` when absent
    ///   (the controller's default).
    /// - An Ingress whose (class, group, scheme) matches no entry fails; the finding points at
    ///   the field that rules out the most entries (class, then group, then scheme).
    /// - A `Service` of `type: LoadBalancer` provisions its own NLB/ELB instead of using a
    ///   shared ALB and fails; where that is intended, suppress it with a reason
    ///   (`chartgate.io/ignore.ingress-load-balancer: "<why>"`).
    ///
    /// Without `load-balancers:` only the class requirement and the Service check apply.
    /// Settings of an `IngressClassParams` (which can also fix group and scheme) are not read.
    ///
    /// ## Why
    /// Every extra ALB costs money, needs its own DNS, certificates and WAF, and an
    /// `internet-facing` scheme on the wrong group exposes an internal service to the internet.
    ///
    /// ## Failing example
    /// ```yaml
    /// kind: Ingress
    /// metadata:
    ///   annotations:
    ///     alb.ingress.kubernetes.io/group.name: my-own-alb
    ///     alb.ingress.kubernetes.io/scheme: internet-facing
    /// spec:
    ///   ingressClassName: alb
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// # chartgate.yaml: load-balancers: [{class: alb, group: external, scheme: internet-facing}]
    /// kind: Ingress
    /// metadata:
    ///   annotations:
    ///     alb.ingress.kubernetes.io/group.name: external
    ///     alb.ingress.kubernetes.io/scheme: internet-facing
    /// spec:
    ///   ingressClassName: alb
    /// ```
    pub struct IngressLoadBalancer { id: "ingress-load-balancer", severity: Error, summary: "Ingresses use one of the environment's shared load balancers; no Service of type LoadBalancer." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::model::Resource;
use crate::config::LoadBalancer;
use crate::yaml::Node;

/// The legacy class annotation.
pub const CLASS_ANNOTATION: &str = "kubernetes.io/ingress.class";
/// The AWS Load Balancer Controller's IngressGroup annotation.
pub const GROUP_ANNOTATION: &str = "alb.ingress.kubernetes.io/group.name";
/// The AWS Load Balancer Controller's scheme annotation.
pub const SCHEME_ANNOTATION: &str = "alb.ingress.kubernetes.io/scheme";
/// The controller's scheme when the annotation is absent.
pub const DEFAULT_SCHEME: &str = "internal";

/// True for an Ingress of any served API version.
pub fn is_ingress(r: &Resource<'_>) -> bool {
    r.kind == Some("Ingress") && matches!(r.group(), "networking.k8s.io" | "extensions")
}

/// The ingress class of an Ingress and the node that sets it.
fn class<'a>(r: &Resource<'a>) -> Option<(&'a str, &'a Node, String)> {
    if let Some(n) = r.node.get_path(&["spec", "ingressClassName"])
        && let Some(s) = n.as_str().filter(|s| !s.is_empty())
    {
        return Some((s, n, "spec.ingressClassName".into()));
    }
    let n: &'a Node = r.annotations.get(CLASS_ANNOTATION).copied()?;
    let s = n.as_str().filter(|s| !s.is_empty())?;
    Some((
        s,
        n,
        format!("metadata.annotations[\"{CLASS_ANNOTATION}\"]"),
    ))
}

impl Rule for IngressLoadBalancer {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let lbs = &ctx.settings.load_balancers;
        for r in ctx.resources {
            if r.is("", "Service") {
                if let Some(t) = r.node.get_path(&["spec", "type"])
                    && t.as_str() == Some("LoadBalancer")
                {
                    out.push(raw(
                        r,
                        t,
                        Some("spec.type".into()),
                        "Service of type LoadBalancer provisions its own load balancer instead of a shared ALB; route it through an Ingress, or suppress with chartgate.io/ignore.ingress-load-balancer: \"<reason>\"".into(),
                    ));
                }
                continue;
            }
            if !is_ingress(r) {
                continue;
            }
            let Some((class, class_node, class_field)) = class(r) else {
                let node = r.node.get("spec").unwrap_or(r.node);
                out.push(raw(
                    r,
                    node,
                    Some("spec.ingressClassName".into()),
                    "Ingress has no ingress class (spec.ingressClassName): it is served by the cluster's default class, or by none".into(),
                ));
                continue;
            };
            if lbs.is_empty() {
                continue;
            }
            let group_node = r.annotations.get(GROUP_ANNOTATION).copied();
            let group = group_node.and_then(Node::as_str);
            let scheme_node = r.annotations.get(SCHEME_ANNOTATION).copied();
            let scheme = scheme_node.and_then(Node::as_str).unwrap_or(DEFAULT_SCHEME);
            let eq = |want: &Option<String>, got: Option<&str>| {
                want.as_deref().is_none_or(|w| Some(w) == got)
            };
            let by_class: Vec<&LoadBalancer> =
                lbs.iter().filter(|lb| eq(&lb.class, Some(class))).collect();
            let by_group: Vec<&LoadBalancer> = by_class
                .iter()
                .copied()
                .filter(|lb| eq(&lb.group, group))
                .collect();
            if by_group.iter().any(|lb| eq(&lb.scheme, Some(scheme))) {
                continue;
            }
            let annotations = r.node.get_path(&["metadata", "annotations"]);
            let fallback = annotations
                .or_else(|| r.node.get("metadata"))
                .unwrap_or(r.node);
            let (node, field) = if by_class.is_empty() {
                (class_node, class_field)
            } else if by_group.is_empty() {
                (
                    group_node.unwrap_or(fallback),
                    format!("metadata.annotations[\"{GROUP_ANNOTATION}\"]"),
                )
            } else {
                (
                    scheme_node.unwrap_or(fallback),
                    format!("metadata.annotations[\"{SCHEME_ANNOTATION}\"]"),
                )
            };
            let allowed: Vec<String> = lbs.iter().map(LoadBalancer::describe).collect();
            out.push(raw(
                r,
                node,
                Some(field),
                format!(
                    "Ingress uses class={class} group={} scheme={scheme}{}, which is none of the shared load balancers ({})",
                    group.unwrap_or("<none>"),
                    if scheme_node.is_none() {
                        " (the controller's default)"
                    } else {
                        ""
                    },
                    allowed.join("; ")
                ),
            ));
        }
    }
}
