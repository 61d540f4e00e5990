//! `ingress-host-zone`: exposed hostnames are in the cluster's zone or explicitly allowed.
crate::declare_rule! {
    /// ## What it does
    /// Collects every hostname a resource exposes — Ingress `spec.rules[].host` and
    /// `spec.tls[].hosts`, Gateway API `spec.hostnames` of HTTPRoute/GRPCRoute/TLSRoute, Gateway
    /// listener `hostname`s, the `external-dns.alpha.kubernetes.io/hostname` annotation
    /// (comma-separated) and cert-manager Certificate `spec.dnsNames` — and checks that each
    /// matches a pattern under `hosts:` in `chartgate.yaml` (default `*.{cluster}.idp.jppol.dk`).
    /// `{cluster}` and `{env}` come from `--cluster`/`--env` or the environment's config.
    /// A `*` label matches exactly one DNS label, as Kubernetes defines wildcard hosts; a wildcard
    /// host is allowed only by a pattern with `*` at the same label. Comparison ignores case and a
    /// trailing dot. An Ingress TLS host that no rule serves is a warning.
    ///
    /// ## Why
    /// DNS and certificates for `<service>.<cluster>.idp.jppol.dk` are provisioned by the
    /// platform; other names break, or take over someone else's name. Aliases must be listed.
    ///
    /// ## Failing example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   rules:
    ///     - host: shop.example.com
    /// ```
    ///
    /// ## Passing example
    /// ```yaml
    /// kind: Ingress
    /// spec:
    ///   rules:
    ///     - host: shop.prod-eu.idp.jppol.dk
    /// ```
    pub struct IngressHostZone { id: "ingress-host-zone", severity: Error, summary: "Every exposed hostname matches an allowed pattern (default *.{cluster}.idp.jppol.dk)." }
}

use crate::analyze::engine::{Rule, RuleContext, Sink, raw};
use crate::analyze::hosts::{expand_pattern, host_covers, host_matches};
use crate::analyze::model::Resource;
use crate::model::Severity;
use crate::yaml::Node;

/// The annotation external-dns reads.
pub const EXTERNAL_DNS: &str = "external-dns.alpha.kubernetes.io/hostname";

/// Byte range, in `node`'s string, of the zone of `host` (what follows its first label, or the
/// whole host when it has one label): the part a finding about the host is about, so a host
/// built from a name and a zone points at the zone's values line.
pub fn zone_range(node: &Node, host: &str) -> Option<(usize, usize)> {
    let at = node.as_str()?.find(host)?;
    let start = host.find('.').map_or(0, |d| d + 1);
    Some((at + start, at + host.len()))
}

/// Every (host, node, field) a resource exposes.
pub fn exposed_hosts<'a>(r: &Resource<'a>) -> Vec<(String, &'a Node, String)> {
    let mut out = Vec::new();
    // A string host at `field`; anything else (absent, not a string) exposes nothing.
    fn push_one<'a>(
        node: Option<&'a Node>,
        field: String,
        out: &mut Vec<(String, &'a Node, String)>,
    ) {
        if let Some(h) = node
            && let Some(s) = h.as_str()
        {
            out.push((s.to_string(), h, field));
        }
    }
    let push_seq =
        |node: Option<&'a Node>, field: &str, out: &mut Vec<(String, &'a Node, String)>| {
            for (i, h) in node
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                push_one(Some(h), format!("{field}[{i}]"), out);
            }
        };
    let spec = r.node.get("spec");
    match (r.group(), r.kind.unwrap_or_default()) {
        ("networking.k8s.io" | "extensions", "Ingress") => {
            for (i, rule) in spec
                .and_then(|s| s.get("rules"))
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                push_one(rule.get("host"), format!("spec.rules[{i}].host"), &mut out);
            }
            for (i, tls) in spec
                .and_then(|s| s.get("tls"))
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                push_seq(tls.get("hosts"), &format!("spec.tls[{i}].hosts"), &mut out);
            }
        }
        ("gateway.networking.k8s.io", "HTTPRoute" | "GRPCRoute" | "TLSRoute") => {
            push_seq(
                spec.and_then(|s| s.get("hostnames")),
                "spec.hostnames",
                &mut out,
            );
        }
        ("gateway.networking.k8s.io", "Gateway") => {
            for (i, l) in spec
                .and_then(|s| s.get("listeners"))
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                push_one(
                    l.get("hostname"),
                    format!("spec.listeners[{i}].hostname"),
                    &mut out,
                );
            }
        }
        ("cert-manager.io", "Certificate") => push_seq(
            spec.and_then(|s| s.get("dnsNames")),
            "spec.dnsNames",
            &mut out,
        ),
        _ => {}
    }
    if let Some(node) = r.annotations.get(EXTERNAL_DNS) {
        for h in node
            .as_str()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
        {
            out.push((
                h.to_string(),
                node,
                format!("metadata.annotations[\"{EXTERNAL_DNS}\"]"),
            ));
        }
    }
    out
}

impl Rule for IngressHostZone {
    fn info(&self) -> &'static crate::analyze::registry::RuleInfo {
        &Self::INFO
    }
    fn check<'a>(&self, ctx: &RuleContext<'a>, out: &mut Sink<'_>) {
        let s = ctx.settings;
        let patterns: Vec<String> = s
            .hosts
            .iter()
            .filter_map(|p| expand_pattern(p, s.cluster.as_deref(), s.environment.as_deref()))
            .collect();
        let unresolved: Vec<&String> = s
            .hosts
            .iter()
            .filter(|p| expand_pattern(p, s.cluster.as_deref(), s.environment.as_deref()).is_none())
            .collect();
        for r in ctx.resources {
            for (host, node, field) in exposed_hosts(r) {
                if patterns.iter().any(|p| host_matches(&host, p)) {
                    continue;
                }
                let mut msg = format!(
                    "host `{host}` is not allowed (allowed: {})",
                    if patterns.is_empty() {
                        "none".to_string()
                    } else {
                        patterns.join(", ")
                    }
                );
                if !unresolved.is_empty() {
                    let names: Vec<&str> = unresolved.iter().map(|s| s.as_str()).collect();
                    msg.push_str(&format!(
                        "; patterns {} need --cluster/--env",
                        names.join(", ")
                    ));
                }
                out.push(raw(r, node, Some(field), msg).with_focus(zone_range(node, &host)));
            }
            if r.kind == Some("Ingress") {
                let spec = r.node.get("spec");
                let rule_hosts: Vec<&str> = spec
                    .and_then(|s| s.get("rules"))
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|rule| rule.get("host").and_then(Node::as_str))
                    .collect();
                for (i, tls) in spec
                    .and_then(|s| s.get("tls"))
                    .and_then(Node::as_seq)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    for (j, h) in tls
                        .get("hosts")
                        .and_then(Node::as_seq)
                        .unwrap_or_default()
                        .iter()
                        .enumerate()
                    {
                        let Some(host) = h.as_str() else { continue };
                        if !rule_hosts.iter().any(|rh| host_covers(rh, host)) {
                            let mut f = raw(
                                r,
                                h,
                                Some(format!("spec.tls[{i}].hosts[{j}]")),
                                format!(
                                    "TLS host `{host}` is not served by any rule of this Ingress"
                                ),
                            );
                            f.severity = Some(Severity::Warning);
                            out.push(f);
                        }
                    }
                }
            }
        }
    }
}
