//! The one diagnostic model every rule (built-in or Rego) produces and every reporter prints.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// A place in a real file (values file, template, manifest, config), 1-based line and column.
/// `file` is the path as it should be printed (relative to the current directory).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// The Kubernetes resource a finding is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable kebab-case rule id (built-in) or the Rego rule's id.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub resource: Option<ResourceRef>,
    /// Where a person fixes it: the values-file line when a value caused it, else the template
    /// or manifest line.
    pub location: Location,
    /// Other useful places, each with a label ("template", "rendered manifest").
    pub related: Vec<(String, Location)>,
    pub environment: Option<String>,
    /// The chart (directory as printed) the resource was rendered from, if any.
    pub chart: Option<String>,
    /// The field the finding is about (`spec.template.spec.containers[0].image`), if any; part
    /// of the fingerprint, so a finding keeps its identity when lines move.
    pub field: Option<String>,
}

impl Finding {
    /// A stable identity for baselines and SARIF `partialFingerprints`: a hex SHA-256 over rule,
    /// chart (the manifest file when there is no chart), environment, resource (kind/namespace/name) and field path — never line numbers,
    /// so the finding keeps its identity when lines move. Without a field path the message is
    /// used instead.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let r = self.resource.clone().unwrap_or_default();
        for part in [
            self.rule.as_str(),
            // Plain manifests have no chart: their file is part of their identity.
            self.chart.as_deref().unwrap_or(&self.location.file),
            self.environment.as_deref().unwrap_or(""),
            r.api_version
                .split('/')
                .next()
                .filter(|_| r.api_version.contains('/'))
                .unwrap_or(""),
            r.kind.as_str(),
            r.namespace.as_deref().unwrap_or(""),
            r.name.as_str(),
            self.field.as_deref().unwrap_or(&self.message),
        ] {
            h.update(part.as_bytes());
            h.update([0u8]);
        }
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_ignores_lines() {
        let mut f = Finding {
            rule: "image-tag-pinned".into(),
            severity: Severity::Error,
            message: "m".into(),
            resource: Some(ResourceRef {
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                name: "api".into(),
                namespace: None,
            }),
            location: Location {
                file: "values-prod.yaml".into(),
                line: 3,
                column: 1,
            },
            related: Vec::new(),
            environment: Some("prod".into()),
            chart: Some("services/api".into()),
            field: Some("spec.template.spec.containers[0].image".into()),
        };
        let a = f.fingerprint();
        assert_eq!(a.len(), 64);
        f.location.line = 30;
        f.message = "other words".into();
        assert_eq!(f.fingerprint(), a);
        f.environment = Some("dev".into());
        assert_ne!(f.fingerprint(), a);
    }
}
