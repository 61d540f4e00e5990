//! Rule metadata as the report writers need it (SARIF `tool.driver.rules`), plus the helpers the
//! writers share: the deterministic finding order and the (chart × environment) suite key.

use super::finding::{Finding, ResourceRef, Severity};

/// What a report needs to know about one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// Stable kebab-case id (`singleton-replicas`), SARIF `ruleId`.
    pub id: String,
    /// One line, SARIF `shortDescription`.
    pub summary: String,
    /// The rationale, SARIF `fullDescription`.
    pub description: String,
    /// How to fix it (markdown allowed), SARIF `help`.
    pub help: String,
    /// The severity when the config does not override it, SARIF `defaultConfiguration.level`.
    pub default_severity: Severity,
}

/// One JUnit test suite / one markdown section: a chart (service) in an environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SuiteKey {
    pub chart: Option<String>,
    pub environment: Option<String>,
}

impl SuiteKey {
    /// The suite a finding belongs to.
    pub fn of(f: &Finding) -> SuiteKey {
        SuiteKey {
            chart: f.chart.clone(),
            environment: f.environment.clone(),
        }
    }

    /// `chart` (or `-` without one) for display.
    pub fn chart_label(&self) -> &str {
        self.chart.as_deref().unwrap_or("-")
    }

    /// `environment` (or `-` without one) for display.
    pub fn environment_label(&self) -> &str {
        self.environment.as_deref().unwrap_or("-")
    }
}

/// `Kind/name` or `Kind/namespace/name`.
pub fn resource_label(r: &ResourceRef) -> String {
    match &r.namespace {
        Some(ns) if !ns.is_empty() => format!("{}/{}/{}", r.kind, ns, r.name),
        _ => format!("{}/{}", r.kind, r.name),
    }
}

/// The findings in the one order every writer prints: (file, line, column, rule, environment,
/// chart, message). Output is then independent of the order the analyzer produced them in.
pub fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by(|a, b| {
        (
            &a.location.file,
            a.location.line,
            a.location.column,
            &a.rule,
            &a.environment,
            &a.chart,
            &a.message,
        )
            .cmp(&(
                &b.location.file,
                b.location.line,
                b.location.column,
                &b.rule,
                &b.environment,
                &b.chart,
                &b.message,
            ))
    });
    v
}
