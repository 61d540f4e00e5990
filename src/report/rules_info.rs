//! Rule metadata as the report writers need it (SARIF `tool.driver.rules`), plus the helpers the
//! writers share: the deterministic finding order and the (chart × environment) suite key.

use super::finding::{Finding, ResourceRef, Severity};

/// What a report needs to know about one rule, built-in or Rego: SARIF's `reportingDescriptor`
/// (a built-in rule declares itself as a [`crate::model::RuleInfo`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDescriptor {
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

/// A printed path (relative to the current directory, or absolute) relative to its repository
/// root: the nearest ancestor holding `.git`. Unchanged when there is none or the path is not
/// a file system path (`<stdin>`).
pub fn repo_relative(printed: &str) -> String {
    use std::collections::HashMap;
    use std::path::{Component, Path, PathBuf};
    use std::sync::Mutex;
    static CACHE: Mutex<Option<HashMap<String, String>>> = Mutex::new(None);
    if let Some(hit) = CACHE
        .lock()
        .ok()
        .and_then(|c| c.as_ref().and_then(|m| m.get(printed).cloned()))
    {
        return hit;
    }
    let compute = || -> Option<String> {
        let cwd = std::env::current_dir().ok()?;
        // Lexical normalisation: `..` and `.` without touching the file system.
        let mut abs = PathBuf::new();
        for c in cwd.join(printed).components() {
            match c {
                Component::ParentDir => {
                    abs.pop();
                }
                Component::CurDir => {}
                other => abs.push(other),
            }
        }
        let root = abs.ancestors().skip(1).find(|a| a.join(".git").exists())?;
        let rel: Vec<String> = abs
            .strip_prefix(root)
            .ok()?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(rel.join("/")).filter(|_| !Path::new(printed).as_os_str().is_empty())
    };
    let out = compute().unwrap_or_else(|| printed.trim_start_matches("./").to_string());
    if let Ok(mut c) = CACHE.lock() {
        c.get_or_insert_with(HashMap::new)
            .insert(printed.to_string(), out.clone());
    }
    out
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
