//! The Kubernetes versions chartgate knows: the configs name them (`kube-version`), the cluster
//! rules (`analyze::kube`) hold data for exactly these.

/// Kubernetes minor versions chartgate bundles data for, oldest first (the schema bundle holds
/// exactly these; a test checks it).
pub const SUPPORTED_VERSIONS: &[&str] = &[
    "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36", "1.37",
];

/// The default `kube-version`: the newest bundled one.
pub fn default_version() -> &'static str {
    SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.len() - 1]
}

/// `1.31`, `v1.31`, `1.31.4` or `v1.31.4-eks-1` → `1.31` when bundled; otherwise an error
/// listing the supported versions.
pub fn normalize_version(text: &str) -> Result<String, String> {
    let t = text.trim();
    let t = t.strip_prefix('v').unwrap_or(t);
    let mut parts = t.splitn(3, '.');
    let major = parts.next().unwrap_or_default();
    let minor = parts
        .next()
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or_default();
    let candidate = format!("{major}.{minor}");
    if major.bytes().all(|b| b.is_ascii_digit())
        && !minor.is_empty()
        && SUPPORTED_VERSIONS.contains(&candidate.as_str())
    {
        return Ok(candidate);
    }
    Err(format!(
        "unknown kube-version `{text}` (supported: {})",
        SUPPORTED_VERSIONS.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_normalise_or_list_the_supported_ones() {
        assert_eq!(normalize_version("1.31").as_deref(), Ok("1.31"));
        assert_eq!(normalize_version("v1.30.2-eks-1").as_deref(), Ok("1.30"));
        assert_eq!(
            normalize_version("1.28"),
            Err("unknown kube-version `1.28` (supported: 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37)".into())
        );
        assert!(normalize_version("1.3").is_err());
        assert!(normalize_version("one").is_err());
        assert_eq!(default_version(), "1.37");
    }
}
