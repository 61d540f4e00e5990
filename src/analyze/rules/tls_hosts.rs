//! `tls-hosts`: every host an Ingress or a Gateway API route serves has a certificate.
crate::declare_rule! {
    /// ## What it does
    /// - Every `spec.rules[].host` of an Ingress must be covered by a `spec.tls[].hosts` entry
    ///   (the same name, or a `*.x` wildcard, which covers exactly one label), unless the Ingress
    ///   carries an `alb.ingress.kubernetes.io/certificate-arn` annotation (the AWS Load Balancer
    ///   Controller then serves the listed ACM certificates for every host).
    /// - Every `spec.hostnames[]` entry of an `HTTPRoute`, `GRPCRoute` or `TLSRoute` must be
    ///   covered by an `HTTPS` or `TLS` listener of a parent Gateway (`spec.parentRefs`, honouring
    ///   `sectionName` and `port`) when that Gateway is among the checked objects. Listener
    ///   hostnames match as the Gateway API defines: no hostname matches every host, `*.x` matches
    ///   any name ending in `.x` (one or more labels), otherwise the names are equal. Routes whose
    ///   parent Gateway is not among the checked objects are not judged.
    ///
    /// The finding names the host that lacks a certificate.
    ///
    /// ## Why
    /// A host without a certificate is served with the wrong certificate (or plain HTTP): browsers
    /// refuse it. Aliases outside the platform zone (`www.example.dk`) are not covered by the
    /// platform's wildcard certificate and need their own binding.
    ///
    /// ## Failing example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   tls:
    ///     - hosts: [shop.prod-eu.idp.jppol.dk]
    ///   rules:
    ///     - host: shop.prod-eu.idp.jppol.dk
    ///     - host: www.shop.dk
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   tls:
    ///     - hosts: ["*.prod-eu.idp.jppol.dk", www.shop.dk]
    ///   rules:
    ///     - host: shop.prod-eu.idp.jppol.dk
    ///     - host: www.shop.dk
    /// ```
    pub struct TlsHosts { id: "tls-hosts", severity: Error, summary: "Every host an Ingress or Gateway API route serves is covered by a certificate." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::hosts::{host_matches, normalise_host};
use crate::analyze::model::{Resource, scalar_text};
use crate::analyze::rules::ingress_load_balancer::is_ingress;
use crate::yaml::Node;

/// The AWS Load Balancer Controller's certificate annotation.
pub const CERTIFICATE_ARN: &str = "alb.ingress.kubernetes.io/certificate-arn";

const GATEWAY_GROUP: &str = "gateway.networking.k8s.io";

/// True when a Gateway listener hostname (`None`: any) accepts route hostname `host`, as the
/// Gateway API defines listener matching: `*.x` is a suffix match of one or more labels.
pub fn listener_accepts(listener: Option<&str>, host: &str) -> bool {
    let Some(l) = listener else { return true };
    let l = normalise_host(l);
    let h = normalise_host(host);
    match l.strip_prefix("*.") {
        // A wildcard route host `*.a.x` is accepted by `*.x` and `*.a.x` (every name it stands
        // for ends in `.x`); a plain name needs at least one label before the suffix.
        Some(suffix) => match h.strip_prefix("*.") {
            Some(hs) => hs == suffix || hs.ends_with(&format!(".{suffix}")),
            None => h.ends_with(&format!(".{suffix}")) && h.len() > suffix.len() + 1,
        },
        None => l == h,
    }
}

/// True when a TLS host of an Ingress covers a rule host (a `*` label covers one label).
pub fn tls_covers(tls_host: &str, host: &str) -> bool {
    host_matches(host, tls_host)
}

impl Rule for TlsHosts {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let gateways: Vec<&Resource<'a>> = ctx
            .resources
            .iter()
            .filter(|r| r.is(GATEWAY_GROUP, "Gateway"))
            .collect();
        for r in ctx.resources {
            if is_ingress(r) {
                check_ingress(r, out);
            } else if r.group() == GATEWAY_GROUP
                && matches!(r.kind, Some("HTTPRoute" | "GRPCRoute" | "TLSRoute"))
            {
                check_route(r, &gateways, out);
            }
        }
    }
}

fn seq(n: Option<&Node>) -> &[Node] {
    n.and_then(Node::as_seq).unwrap_or_default()
}

fn check_ingress<'a>(r: &'a Resource<'a>, out: &mut Sink<'_>) {
    if r.annotation(CERTIFICATE_ARN)
        .is_some_and(|a| !a.trim().is_empty())
    {
        return;
    }
    let spec = r.node.get("spec");
    let tls_hosts: Vec<&str> = seq(spec.and_then(|s| s.get("tls")))
        .iter()
        .flat_map(|t| seq(t.get("hosts")))
        .filter_map(Node::as_str)
        .collect();
    for (i, rule) in seq(spec.and_then(|s| s.get("rules"))).iter().enumerate() {
        let Some(node) = rule.get("host") else {
            continue;
        };
        let Some(host) = node.as_str().filter(|h| !h.is_empty()) else {
            continue;
        };
        if tls_hosts.iter().any(|t| tls_covers(t, host)) {
            continue;
        }
        out.push(raw(
            r,
            node,
            Some(format!("spec.rules[{i}].host")),
            format!(
                "host `{host}` has no certificate: no spec.tls[].hosts entry covers it and there is no {CERTIFICATE_ARN} annotation"
            ),
        ));
    }
}

/// A parentRef resolved against the route: (namespace, name, sectionName, port).
struct ParentRef<'a> {
    namespace: Option<&'a str>,
    name: &'a str,
    section: Option<&'a str>,
    port: Option<String>,
}

fn check_route<'a>(r: &'a Resource<'a>, gateways: &[&Resource<'a>], out: &mut Sink<'_>) {
    let spec = r.node.get("spec");
    let parents: Vec<ParentRef<'a>> = seq(spec.and_then(|s| s.get("parentRefs")))
        .iter()
        .filter(|p| {
            p.get("group")
                .and_then(Node::as_str)
                .unwrap_or(GATEWAY_GROUP)
                == GATEWAY_GROUP
                && p.get("kind").and_then(Node::as_str).unwrap_or("Gateway") == "Gateway"
        })
        .filter_map(|p| {
            Some(ParentRef {
                namespace: p.get("namespace").and_then(Node::as_str).or(r.namespace),
                name: p.get("name").and_then(Node::as_str)?,
                section: p.get("sectionName").and_then(Node::as_str),
                port: p.get("port").and_then(scalar_text),
            })
        })
        .collect();
    // Each parent found among the checked objects, with its listeners that this route may attach
    // to; parents that are not checked here are not judged.
    let mut known: Vec<(&Resource<'a>, Vec<&'a Node>)> = Vec::new();
    for p in &parents {
        let Some(gw) = gateways.iter().find(|g| {
            g.name == Some(p.name)
                && (p.namespace.is_none() || g.namespace.is_none() || g.namespace == p.namespace)
        }) else {
            continue;
        };
        let listeners: Vec<&'a Node> = seq(gw.node.get_path(&["spec", "listeners"]))
            .iter()
            .filter(|l| {
                p.section
                    .is_none_or(|s| l.get("name").and_then(Node::as_str) == Some(s))
                    && p.port.as_deref().is_none_or(|port| {
                        l.get("port").and_then(scalar_text).as_deref() == Some(port)
                    })
            })
            .collect();
        known.push((gw, listeners));
    }
    if known.is_empty() {
        return;
    }
    for (i, node) in seq(spec.and_then(|s| s.get("hostnames")))
        .iter()
        .enumerate()
    {
        let Some(host) = node.as_str().filter(|h| !h.is_empty()) else {
            continue;
        };
        let covered = known.iter().any(|(_, listeners)| {
            listeners.iter().any(|l| {
                matches!(
                    l.get("protocol").and_then(Node::as_str),
                    Some("HTTPS" | "TLS")
                ) && listener_accepts(l.get("hostname").and_then(Node::as_str), host)
            })
        });
        if covered {
            continue;
        }
        let names: Vec<String> = known
            .iter()
            .map(|(g, _)| match g.namespace {
                Some(ns) => format!("{ns}/{}", g.name.unwrap_or_default()),
                None => g.name.unwrap_or_default().to_string(),
            })
            .collect();
        out.push(raw(
            r,
            node,
            Some(format!("spec.hostnames[{i}]")),
            format!(
                "hostname `{host}` has no certificate: no HTTPS or TLS listener of Gateway {} accepts it",
                names.join(", ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gateway_listener_matching() {
        assert!(listener_accepts(None, "a.example.com"));
        assert!(listener_accepts(Some("*.example.com"), "a.example.com"));
        assert!(listener_accepts(Some("*.example.com"), "a.b.example.com"));
        assert!(!listener_accepts(Some("*.example.com"), "example.com"));
        assert!(listener_accepts(Some("*.example.com"), "*.example.com"));
        assert!(listener_accepts(Some("*.example.com"), "*.b.example.com"));
        assert!(!listener_accepts(Some("a.example.com"), "*.example.com"));
        assert!(listener_accepts(Some("A.example.com."), "a.example.com"));
        assert!(!listener_accepts(Some("a.example.com"), "b.example.com"));
    }

    #[test]
    fn ingress_tls_wildcard_is_one_label() {
        assert!(tls_covers("*.example.com", "a.example.com"));
        assert!(!tls_covers("*.example.com", "a.b.example.com"));
        assert!(!tls_covers("*.example.com", "example.com"));
        assert!(tls_covers("*.example.com", "*.example.com"));
        assert!(tls_covers("WWW.example.com", "www.example.com"));
    }
}
