//! The name and key formats of Kubernetes' apimachinery (`k8s.io/apimachinery/pkg/util/validation`):
//! what the API server accepts as an object name, a namespace, a label key and value, an
//! annotation key, a port name or a ConfigMap key. Each check returns the reason a value is
//! rejected, in the API server's words, or `None`.

/// Longest DNS-1123 label (`IsDNS1123Label`).
pub const DNS1123_LABEL_MAX: usize = 63;
/// Longest DNS-1123 subdomain (`IsDNS1123Subdomain`).
pub const DNS1123_SUBDOMAIN_MAX: usize = 253;
/// Longest label value and name part of a qualified name.
pub const LABEL_VALUE_MAX: usize = 63;
/// Longest total of annotation keys and values on one object (`TotalAnnotationSizeLimitB`).
pub const ANNOTATIONS_MAX: usize = 256 * 1024;
/// Longest port name (`IsValidPortName`).
pub const PORT_NAME_MAX: usize = 15;

fn lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` without the length check.
fn label_shape(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(lower_alnum)
        && s.ends_with(lower_alnum)
        && s.chars().all(|c| lower_alnum(c) || c == '-')
}

/// A lowercase RFC 1123 label (namespaces, container and volume names, Service port names).
pub fn dns1123_label(s: &str) -> Option<String> {
    if s.len() > DNS1123_LABEL_MAX {
        return Some(format!(
            "must be no more than {DNS1123_LABEL_MAX} characters"
        ));
    }
    (!label_shape(s)).then(|| {
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character".to_string()
    })
}

/// A lowercase RFC 1123 subdomain (the names of most kinds).
pub fn dns1123_subdomain(s: &str) -> Option<String> {
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        return Some(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    (!s.split('.').all(label_shape)).then(|| {
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character".to_string()
    })
}

/// A name usable as a URL path segment (`IsValidPathSegmentName`: RBAC objects, and the
/// least any name must be).
pub fn path_segment(s: &str) -> Option<String> {
    if s == "." || s == ".." {
        return Some(format!("may not be '{s}'"));
    }
    ['/', '%']
        .into_iter()
        .find(|c| s.contains(*c))
        .map(|c| format!("may not contain '{c}'"))
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` without the length check.
fn qualified_shape(s: &str) -> bool {
    let alnum = |c: char| c.is_ascii_alphanumeric();
    !s.is_empty()
        && s.starts_with(alnum)
        && s.ends_with(alnum)
        && s.chars().all(|c| alnum(c) || matches!(c, '-' | '_' | '.'))
}

/// A label key or annotation key: an optional DNS subdomain prefix and `/`, then a name of
/// at most 63 alphanumerics, `-`, `_` or `.` starting and ending alphanumeric.
pub fn qualified_name(s: &str) -> Option<String> {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Some("prefix part must be non-empty".into());
        }
        if let Some(e) = dns1123_subdomain(p) {
            return Some(format!("prefix part {e}"));
        }
    }
    if name.is_empty() {
        return Some("name part must be non-empty".into());
    }
    if name.len() > LABEL_VALUE_MAX {
        return Some(format!(
            "name part must be no more than {LABEL_VALUE_MAX} characters"
        ));
    }
    (!qualified_shape(name)).then(|| {
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character".to_string()
    })
}

/// A label value: empty, or at most 63 alphanumerics, `-`, `_` or `.` starting and ending
/// alphanumeric.
pub fn label_value(s: &str) -> Option<String> {
    if s.len() > LABEL_VALUE_MAX {
        return Some(format!("must be no more than {LABEL_VALUE_MAX} characters"));
    }
    (!s.is_empty() && !qualified_shape(s)).then(|| {
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character".to_string()
    })
}

/// An IANA service name (container port names, named target ports): at most 15 lowercase
/// alphanumerics or `-`, at least one letter, no `-` at either end or twice in a row.
pub fn port_name(s: &str) -> Option<String> {
    if s.is_empty() || s.len() > PORT_NAME_MAX {
        return Some(format!("must be no more than {PORT_NAME_MAX} characters"));
    }
    if !s.chars().all(|c| lower_alnum(c) || c == '-') {
        return Some(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".into(),
        );
    }
    if s.contains("--") {
        return Some("must not contain consecutive hyphens".into());
    }
    if !s.chars().any(|c| c.is_ascii_lowercase()) {
        return Some("must contain at least one letter (a-z)".into());
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Some("must not begin or end with a hyphen".into());
    }
    None
}

/// A ConfigMap or Secret key: at most 253 alphanumerics, `-`, `_` or `.`, not `.`, `..` or
/// starting with `..`.
pub fn configmap_key(s: &str) -> Option<String> {
    if s.len() > DNS1123_SUBDOMAIN_MAX {
        return Some(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX} characters"
        ));
    }
    if s.is_empty()
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Some(
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.'".into(),
        );
    }
    if s == "." || s == ".." {
        return Some(format!("must not be '{s}'"));
    }
    s.starts_with("..")
        .then(|| "must not start with '..'".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_accept_and_reject_like_apimachinery() {
        assert_eq!(dns1123_label("web-1"), None);
        assert!(dns1123_label("Web").is_some());
        assert!(dns1123_label("-web").is_some());
        assert!(dns1123_label("web.1").is_some());
        assert!(dns1123_label(&"a".repeat(64)).is_some());
        assert_eq!(dns1123_label(&"a".repeat(63)), None);
        assert_eq!(dns1123_subdomain("web.example-1.com"), None);
        assert!(dns1123_subdomain("web..com").is_some());
        assert!(dns1123_subdomain("web_api").is_some());
        assert!(dns1123_subdomain("").is_some());
        assert!(dns1123_subdomain(&"a".repeat(254)).is_some());
        assert_eq!(qualified_name("app.kubernetes.io/name"), None);
        assert_eq!(qualified_name("Team_Name.x"), None);
        assert!(qualified_name("Example.com/x").is_some());
        assert!(qualified_name("/x").is_some());
        assert!(qualified_name("x/").is_some());
        assert!(qualified_name("a/b/c").is_some());
        assert!(qualified_name("x y").is_some());
        assert_eq!(label_value(""), None);
        assert_eq!(label_value("1.2.3_rc-1"), None);
        assert!(label_value("v1+build").is_some());
        assert!(label_value(&"a".repeat(64)).is_some());
        assert_eq!(port_name("http-metrics"), None);
        assert!(port_name("http-metrics-port").is_some());
        assert!(port_name("8080").is_some());
        assert!(port_name("HTTP").is_some());
        assert!(port_name("a--b").is_some());
        assert!(port_name("-http").is_some());
        assert_eq!(configmap_key("app.properties"), None);
        assert_eq!(configmap_key(".env"), None);
        assert!(configmap_key("..data").is_some());
        assert!(configmap_key("a/b").is_some());
        assert!(configmap_key("..").is_some());
        assert_eq!(path_segment("system:controller"), None);
        assert!(path_segment("a/b").is_some());
        assert!(path_segment("..").is_some());
    }
}
