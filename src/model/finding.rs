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
    /// of the fingerprint (the one function: `report::baseline::fingerprint`), so a finding
    /// keeps its identity when lines move.
    pub field: Option<String>,
}

/// Sorts findings into report order: file, line, column, rule, then message and environment.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.location, &a.rule, &a.message, &a.environment).cmp(&(
            &b.location,
            &b.rule,
            &b.message,
            &b.environment,
        ))
    });
}
