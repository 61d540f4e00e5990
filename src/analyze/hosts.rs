//! Hostname patterns: `{cluster}`/`{env}` substitution and Kubernetes wildcard semantics (a `*`
//! label matches exactly one DNS label, as Ingress and Gateway API define it).

/// Normalises a host for comparison: lower case, no trailing dot.
pub fn normalise_host(h: &str) -> String {
    h.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Substitutes `{cluster}` and `{env}` in a pattern; `None` when a placeholder is needed but the
/// value is unknown (the caller reports that the pattern cannot be resolved).
pub fn expand_pattern(pattern: &str, cluster: Option<&str>, env: Option<&str>) -> Option<String> {
    let mut p = pattern.to_string();
    if p.contains("{cluster}") {
        p = p.replace("{cluster}", cluster?);
    }
    if p.contains("{env}") {
        p = p.replace("{env}", env?);
    }
    Some(normalise_host(&p))
}

/// True when `host` (possibly a wildcard host like `*.a.example.com`) is allowed by `pattern`.
/// Each `*` label of the pattern matches exactly one label; a wildcard label in the host matches
/// only a `*` label of the pattern (the host could be any name there).
pub fn host_matches(host: &str, pattern: &str) -> bool {
    let host = normalise_host(host);
    let pattern = normalise_host(pattern);
    let hl: Vec<&str> = host.split('.').collect();
    let pl: Vec<&str> = pattern.split('.').collect();
    hl.len() == pl.len()
        && hl
            .iter()
            .zip(&pl)
            .all(|(h, p)| if *p == "*" { !h.is_empty() } else { h == p })
}

/// True when a TLS host is served by a rule host (both may be wildcards, one label each).
pub fn host_covers(rule_host: &str, tls_host: &str) -> bool {
    normalise_host(rule_host) == normalise_host(tls_host) || host_matches(rule_host, tls_host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_is_one_label() {
        let p = expand_pattern("*.{cluster}.idp.jppol.dk", Some("prod-eu"), None).unwrap();
        assert_eq!(p, "*.prod-eu.idp.jppol.dk");
        assert!(host_matches("api.prod-eu.idp.jppol.dk", &p));
        assert!(host_matches("API.Prod-EU.idp.jppol.dk.", &p));
        assert!(!host_matches("a.b.prod-eu.idp.jppol.dk", &p));
        assert!(!host_matches("prod-eu.idp.jppol.dk", &p));
        assert!(!host_matches("api.dev.idp.jppol.dk", &p));
        assert!(host_matches("*.prod-eu.idp.jppol.dk", &p));
        assert!(!host_matches("*.idp.jppol.dk", &p));
        assert!(!host_matches(
            "*.prod-eu.idp.jppol.dk",
            "api.prod-eu.idp.jppol.dk"
        ));
        assert!(host_matches("www.jp.dk", "www.jp.dk"));
        assert_eq!(expand_pattern("*.{cluster}.x", None, None), None);
        assert_eq!(
            expand_pattern("{env}.x", None, Some("dev")).as_deref(),
            Some("dev.x")
        );
    }

    #[test]
    fn tls_coverage() {
        assert!(host_covers("*.a.dk", "*.a.dk"));
        assert!(host_covers("api.a.dk", "API.a.dk."));
        assert!(!host_covers("api.a.dk", "web.a.dk"));
    }
}
