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

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
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

impl Finding {
    /// A finding of `rule` with `severity` and `message` at `location`, about no resource, with no
    /// related location, environment, chart or field (the `with_*` builders set them).
    pub fn new(
        rule: impl Into<String>,
        severity: Severity,
        message: impl Into<String>,
        location: Location,
    ) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            message: message.into(),
            resource: None,
            location,
            related: Vec::new(),
            environment: None,
            chart: None,
            field: None,
        }
    }

    /// The resource the finding is about.
    pub fn with_resource(mut self, resource: impl Into<Option<ResourceRef>>) -> Self {
        self.resource = resource.into();
        self
    }

    /// Other useful places, each with a label.
    pub fn with_related(mut self, related: Vec<(String, Location)>) -> Self {
        self.related = related;
        self
    }

    /// The environment it occurs in.
    pub fn with_environment(mut self, environment: Option<impl Into<String>>) -> Self {
        self.environment = environment.map(Into::into);
        self
    }

    /// The chart (directory as printed) it was rendered from.
    pub fn with_chart(mut self, chart: Option<impl Into<String>>) -> Self {
        self.chart = chart.map(Into::into);
        self
    }

    /// The field it is about.
    pub fn with_field(mut self, field: Option<impl Into<String>>) -> Self {
        self.field = field.map(Into::into);
        self
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_and_builders() {
        let at = Location {
            file: "v.yaml".into(),
            line: 3,
            column: 7,
        };
        let f = Finding::new("r", Severity::Warning, "m", at.clone())
            .with_environment(Some("dev"))
            .with_chart(Some("svc"))
            .with_field(Some("a.b"))
            .with_related(vec![("template".into(), at.clone())])
            .with_resource(ResourceRef::default());
        assert_eq!(
            f,
            Finding {
                rule: "r".into(),
                severity: Severity::Warning,
                message: "m".into(),
                resource: Some(ResourceRef::default()),
                location: at.clone(),
                related: vec![("template".into(), at)],
                environment: Some("dev".into()),
                chart: Some("svc".into()),
                field: Some("a.b".into()),
            }
        );
        let plain = Finding::new("r", Severity::Info, "m", f.location.clone());
        assert_eq!(
            (plain.resource, plain.environment, plain.chart, plain.field),
            (None, None, None, None)
        );
        assert!(plain.related.is_empty());
    }
}
