//! `chartgate audit --merge A.json B.json ...`: reads `audit --format json` reports (one per
//! CI job, say one per repository in a matrix) and rebuilds the run they came from, so every
//! format prints exactly what one `audit` over all those paths prints.
//!
//! A report carries its roots, the revision of each, every check (chart × environment or plain
//! manifest) and every finding with its field path; the summaries in it (`score`, `services`,
//! `rules`) are derived and recomputed. Like one run, a service that an earlier report already
//! checked (the same service in the same environment) is counted once: the later report's
//! checks and findings of that service are dropped. Roots keep their first occurrence.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::Deserialize;
use serde_json::Value;

use super::{AuditRun, Check, JSON_REPORT, JSON_VERSION, key_of};
use crate::model::{Finding, Location, ResourceRef, Severity};

#[derive(Deserialize)]
struct ReportIn {
    roots: Vec<String>,
    revisions: BTreeMap<String, Option<String>>,
    checks: Vec<CheckIn>,
    owners: BTreeMap<String, String>,
    findings: Vec<FindingIn>,
}

#[derive(Deserialize)]
struct CheckIn {
    service: String,
    environment: Option<String>,
}

#[derive(Deserialize)]
struct ResourceIn {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    name: String,
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct RelatedIn {
    label: String,
    file: String,
    line: u32,
    column: u32,
}

#[derive(Deserialize)]
struct FindingIn {
    rule: String,
    severity: String,
    message: String,
    resource: Option<ResourceIn>,
    file: String,
    line: u32,
    column: u32,
    environment: Option<String>,
    chart: Option<String>,
    related: Vec<RelatedIn>,
    field: Option<String>,
    /// Written since `--compare` (absent in older reports: then computed).
    #[serde(default)]
    fingerprint: Option<String>,
}

/// serde_json's message without its ` at line L column C` (given separately as `file:L:C`).
fn message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    s.strip_suffix(&suffix).unwrap_or(&s).to_string()
}

/// One report, read and checked. `name` is the file as printed in errors.
fn read(path: &Path, name: &str) -> Result<ReportIn, String> {
    let text = crate::confine::read_bounded_text(path, crate::report::INPUT_BYTES)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}:{}:{}: not a chartgate audit report: invalid JSON: {}",
            e.line(),
            e.column(),
            message(&e)
        )
    })?;
    if doc.get("report").and_then(Value::as_str) != Some(JSON_REPORT) {
        return Err(format!(
            "{name}: not a chartgate audit report (no \"report\": \"{JSON_REPORT}\"; write one with `chartgate audit --format json`)"
        ));
    }
    match doc.get("version").and_then(Value::as_u64) {
        Some(JSON_VERSION) => {}
        v => {
            return Err(format!(
                "{name}: audit report version {} is not supported (this chartgate reads version {JSON_VERSION})",
                v.map_or_else(|| "(none)".to_string(), |v| v.to_string())
            ));
        }
    }
    let report: ReportIn = serde_json::from_str(&text).map_err(|e| {
        format!(
            "{name}:{}:{}: invalid chartgate audit report: {}",
            e.line(),
            e.column(),
            message(&e)
        )
    })?;
    Ok(report)
}

fn finding(f: FindingIn, name: &str, index: usize) -> Result<Finding, String> {
    let severity = Severity::parse(&f.severity).ok_or_else(|| {
        format!(
            "{name}: invalid chartgate audit report: findings[{index}].severity: unknown severity '{}' (expected error, warning or info)",
            f.severity.escape_debug()
        )
    })?;
    let location = Location {
        file: f.file,
        line: f.line,
        column: f.column,
    };
    let related = (f.related.into_iter())
        .map(|r| {
            let at = Location {
                file: r.file,
                line: r.line,
                column: r.column,
            };
            (r.label, at)
        })
        .collect();
    Ok(Finding::new(f.rule, severity, f.message, location)
        .with_resource(f.resource.map(|r| ResourceRef {
            api_version: r.api_version,
            kind: r.kind,
            name: r.name,
            namespace: r.namespace,
        }))
        .with_related(related)
        .with_environment(f.environment)
        .with_chart(f.chart)
        .with_field(f.field))
}

/// The findings of one report with their fingerprints (as written, else computed), for
/// `--compare`. Errors name the file.
pub(crate) fn read_findings(path: &Path, name: &str) -> Result<Vec<(Finding, String)>, String> {
    let report = read(path, name)?;
    let mut out = Vec::with_capacity(report.findings.len());
    for (i, f) in report.findings.into_iter().enumerate() {
        let written = f.fingerprint.clone();
        let f = finding(f, name, i)?;
        let fp = written.unwrap_or_else(|| crate::report::baseline::fingerprint(&f));
        out.push((f, fp));
    }
    Ok(out)
}

/// Reads the reports (`(path, name as printed)`) and merges them, in the order given, into the
/// run one `audit` over all their roots would have made. Errors name the file.
pub fn merge(files: &[(&Path, String)]) -> Result<AuditRun, String> {
    let mut run = AuditRun::default();
    let mut checked: BTreeSet<Check> = BTreeSet::new();
    for (path, name) in files {
        let report = read(path, name)?;
        for r in report.roots {
            if !run.roots.contains(&r) {
                run.roots.push(r);
            }
        }
        for (root, rev) in report.revisions {
            run.revisions.entry(root).or_insert(rev);
        }
        // Checks an earlier report already made: this report's copies (and findings) go.
        let mut dropped: BTreeSet<Check> = BTreeSet::new();
        let mut mine: BTreeSet<Check> = BTreeSet::new();
        for c in report.checks {
            let c = Check {
                service: c.service,
                environment: c.environment,
            };
            if checked.contains(&c) {
                dropped.insert(c);
            } else if mine.insert(c.clone()) {
                run.checks.push(c);
            }
        }
        checked.extend(mine);
        for (service, team) in report.owners {
            run.teams.entry(service).or_insert(team);
        }
        for (i, f) in report.findings.into_iter().enumerate() {
            let f = finding(f, name, i)?;
            if !dropped.contains(&key_of(&f)) {
                run.findings.push(f);
            }
        }
    }
    crate::model::finding::sort_findings(&mut run.findings);
    Ok(run)
}
