//! Finding fingerprints and the baseline file of accepted findings.
//!
//! A fingerprint is built from a finding's identity — rule, chart relative to the repository,
//! environment, resource (group, kind, namespace, name), field path and what is wrong (the
//! message with numbers and file references masked) — never from line numbers, so a finding
//! keeps it when lines move or chartgate runs from another directory. It is also SARIF's
//! `partialFingerprints["chartgate/v2"]`.
//!
//! Baseline file (JSON):
//! `{"version": 2, "entries": [{"fingerprint", "rule", "resource", "environment", "file", "message"}]}`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::finding::Finding;
use super::rules_info::{resource_label, sorted};

/// The baseline format version this build writes. Version 1 files (fingerprints of
/// [`fingerprint_v1`]) are still read and matched.
pub const BASELINE_VERSION: u32 = 2;

/// The stable identity of a finding: hex SHA-256 (first 32 hex digits) of what is wrong and where.
///
/// Fields: rule; the chart (or, for a plain manifest, the file) relative to the repository root
/// (the nearest directory holding `.git`, else as printed) so the identity does not depend on the
/// current directory; environment; resource API group, kind, namespace and name; field path; and
/// the message with its numbers and `file:line` references masked, which says what is wrong (which
/// label is missing, which container's image) while a changed value or moved line keeps the
/// identity. Never line numbers.
pub fn fingerprint(f: &Finding) -> String {
    let mut h = Sha256::new();
    let mut put = |label: &str, v: Option<&str>| {
        // Length-prefixed so no two field lists hash the same.
        let v = v.unwrap_or("\u{0}none");
        h.update(format!("{label}:{}:{v}\n", v.len()).as_bytes());
    };
    put("v", Some("2"));
    put("rule", Some(&f.rule));
    let place = f.chart.as_deref().unwrap_or(&f.location.file);
    put("place", Some(&super::rules_info::repo_relative(place)));
    put("env", f.environment.as_deref());
    let r = f.resource.as_ref();
    put(
        "group",
        r.map(|r| r.api_version.rsplit_once('/').map_or("", |(g, _)| g)),
    );
    put("kind", r.map(|r| r.kind.as_str()));
    put("ns", r.and_then(|r| r.namespace.as_deref()));
    put("name", r.map(|r| r.name.as_str()));
    put("field", f.field.as_deref());
    put("what", Some(&what_is_wrong(&f.message)));
    let digest = h.finalize();
    hex::encode(digest)[..32].to_string()
}

/// The message as identity: file references (`path.yaml`, `path.yaml:line:col`, printed
/// relative to the current directory) become `<file>` and every run of digits `0`, so moved
/// lines, another working directory and changed numbers keep the identity.
fn what_is_wrong(message: &str) -> String {
    use std::sync::LazyLock;
    static FILE_REF: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"[^\s`'\x22()]+\.(?:ya?ml|json|tpl|txt|rego|tgz)\b(?::\d+)*").unwrap()
    });
    static DIGITS: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"\d+").unwrap());
    let masked = FILE_REF.replace_all(message, "<file>");
    DIGITS.replace_all(&masked, "0").into_owned()
}

/// The fingerprint of baseline version 1 (rule, chart as printed, environment, resource,
/// field; the message only without resource and field). Kept to read version-1 baselines.
pub fn fingerprint_v1(f: &Finding) -> String {
    let mut h = Sha256::new();
    let mut put = |label: &str, v: Option<&str>| {
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
    let mut s = super::clean::json(serde_json::to_string_pretty(&b).unwrap_or_default());
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
    if b.version != 1 && b.version != BASELINE_VERSION {
        return Err(format!(
            "unsupported baseline version {} (this chartgate reads versions 1 and {BASELINE_VERSION})",
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
    // A version-1 baseline is matched with the fingerprints it was written with; writing it
    // again (`--baseline-out`) migrates it to the current version.
    let id: fn(&Finding) -> String = if baseline.version == 1 {
        fingerprint_v1
    } else {
        fingerprint
    };
    let current: BTreeSet<String> = findings.iter().map(id).collect();
    let new = findings
        .iter()
        .filter(|f| !accepted.contains(id(f).as_str()))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Location, ResourceRef, Severity};

    /// Moved from model/finding.rs, whose second fingerprint function nothing used.
    #[test]
    fn fingerprint_ignores_lines() {
        let mut f = Finding::new(
            "image-tag-pinned",
            Severity::Error,
            "image at values-prod.yaml:3 has no tag",
            Location {
                file: "values-prod.yaml".into(),
                line: 3,
                column: 1,
            },
        )
        .with_resource(ResourceRef {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: "api".into(),
            namespace: None,
        })
        .with_environment(Some("prod"))
        .with_chart(Some("services/api"))
        .with_field(Some("spec.template.spec.containers[0].image"));
        let a = fingerprint(&f);
        assert_eq!(a.len(), 32);
        f.location.line = 30;
        f.message = "image at values-prod.yaml:30 has no tag".into();
        assert_eq!(fingerprint(&f), a);
        f.environment = Some("dev".into());
        assert_ne!(fingerprint(&f), a);
    }
}
