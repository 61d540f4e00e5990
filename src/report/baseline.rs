//! Finding fingerprints and the baseline file of accepted findings.
//!
//! A fingerprint is built from a finding's identity — rule, chart, environment, resource
//! (kind, namespace, name) and field path — never from line numbers, so a finding keeps it when
//! lines move. It is also SARIF's `partialFingerprints["chartgate/v1"]`.
//!
//! Baseline file (JSON):
//! `{"version": 1, "entries": [{"fingerprint", "rule", "resource", "environment", "file", "message"}]}`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::finding::Finding;
use super::rules_info::{resource_label, sorted};

/// The baseline format version this build writes and reads.
pub const BASELINE_VERSION: u32 = 1;

/// The stable identity of a finding: hex SHA-256 (first 32 hex digits) of its identity fields.
///
/// Fields: rule, chart, environment, resource apiVersion-less kind/namespace/name, field path.
/// When the finding has neither a resource nor a field, its message is used instead (so two
/// different config-level findings of one rule stay distinct).
pub fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    let mut put = |label: &str, v: Option<&str>| {
        // Length-prefixed so no two field lists hash the same.
        let v = v.unwrap_or("\u{0}none");
        h.update(format!("{label}:{}:{v}\n", v.len()).as_bytes());
    };
    put("v", Some("1"));
    put("rule", Some(&f.rule));
    put("chart", f.chart.as_deref());
    put("env", f.environment.as_deref());
    let r = f.resource.as_ref();
    put("kind", r.map(|r| r.kind.as_str()));
    put("ns", r.and_then(|r| r.namespace.as_deref()));
    put("name", r.map(|r| r.name.as_str()));
    put("field", f.field.as_deref());
    if f.resource.is_none() && f.field.is_none() {
        put("message", Some(&f.message));
    }
    let digest = h.finalize();
    hex::encode(digest)[..32].to_string()
}

/// One accepted finding. Everything but `fingerprint` is there for people reading the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule: String,
    /// `Kind/name` or `Kind/namespace/name`.
    pub resource: Option<String>,
    pub environment: Option<String>,
    /// `file:line:column` when it was recorded.
    pub file: String,
    pub message: String,
}

/// A parsed baseline file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<BaselineEntry>,
}

/// The baseline entry recording one finding.
pub fn entry(f: &Finding) -> BaselineEntry {
    BaselineEntry {
        fingerprint: fingerprint(f),
        rule: f.rule.clone(),
        resource: f.resource.as_ref().map(resource_label),
        environment: f.environment.clone(),
        file: format!(
            "{}:{}:{}",
            f.location.file, f.location.line, f.location.column
        ),
        message: f.message.clone(),
    }
}

/// The baseline file accepting every given finding (pretty JSON, trailing newline, in report
/// order; one entry per fingerprint).
pub fn write_baseline(findings: &[Finding]) -> String {
    let mut seen = BTreeSet::new();
    let entries = sorted(findings)
        .into_iter()
        .map(entry)
        .filter(|e| seen.insert(e.fingerprint.clone()))
        .collect();
    let b = Baseline {
        version: BASELINE_VERSION,
        entries,
    };
    let mut s = serde_json::to_string_pretty(&b).unwrap_or_default();
    s.push('\n');
    s
}

/// Parses a baseline file; errors name the line and column of bad JSON or the bad version.
pub fn load_baseline(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| {
        format!(
            "invalid baseline at line {} column {}: {e}",
            e.line(),
            e.column()
        )
    })?;
    if b.version != BASELINE_VERSION {
        return Err(format!(
            "unsupported baseline version {} (this chartgate reads version {BASELINE_VERSION})",
            b.version
        ));
    }
    Ok(b)
}

/// Splits findings against a baseline: the findings whose fingerprint is not in the baseline
/// (new, in input order) and the baseline entries no finding matches any more (fixed, in file
/// order).
pub fn apply(baseline: &Baseline, findings: &[Finding]) -> (Vec<Finding>, Vec<BaselineEntry>) {
    let accepted: BTreeSet<&str> = baseline
        .entries
        .iter()
        .map(|e| e.fingerprint.as_str())
        .collect();
    let current: BTreeSet<String> = findings.iter().map(fingerprint).collect();
    let new = findings
        .iter()
        .filter(|f| !accepted.contains(fingerprint(f).as_str()))
        .cloned()
        .collect();
    let fixed = baseline
        .entries
        .iter()
        .filter(|e| !current.contains(&e.fingerprint))
        .cloned()
        .collect();
    (new, fixed)
}
