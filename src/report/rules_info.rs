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

    /// `chart` (or `(none)` without one) for display.
    pub fn chart_label(&self) -> &str {
        self.chart.as_deref().unwrap_or("(none)")
    }

    /// `environment` (or `(none)` without one) for display.
    pub fn environment_label(&self) -> &str {
        self.environment.as_deref().unwrap_or("(none)")
    }
}

/// A printed path as a repository-relative path for GitHub (annotations, SARIF): backslashes
/// become `/` and leading `./` segments are dropped. Findings' paths are relative to the current
/// directory; the action runs chartgate from the repository root, so the two agree there.
pub fn repo_path(file: &str) -> String {
    let p = file.replace('\\', "/");
    let mut p = p.as_str();
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    p.to_string()
}

/// `Kind/name` or `Kind/namespace/name`.
pub fn resource_label(r: &ResourceRef) -> String {
    match &r.namespace {
        Some(ns) if !ns.is_empty() => format!("{}/{}/{}", r.kind, ns, r.name),
        _ => format!("{}/{}", r.kind, r.name),
    }
}

/// The findings in the one order every writer prints: (file as [`repo_path`], line, column, rule, environment,
/// chart, message). Output is then independent of the order the analyzer produced them in.
pub fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by_cached_key(|f| {
        (
            repo_path(&f.location.file),
            f.location.line,
            f.location.column,
            f.rule.clone(),
            f.environment.clone(),
            f.chart.clone(),
            f.message.clone(),
        )
    });
    v
}
