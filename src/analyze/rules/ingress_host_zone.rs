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
