//! `audit --compare OLD.json`: the findings new and fixed since an earlier `audit --format json`
//! report, matched by fingerprint (the baseline fingerprint: rule, chart, environment, resource,
//! field path and what is wrong, never line numbers — see `report::baseline`).
//!
//! A finding is **new** when no finding of the old report has its fingerprint; an old finding is
//! **fixed** when no current finding has its fingerprint. The old report's fingerprints are read
//! from it (`findings[].fingerprint`); a report written before that field existed has them
//! computed from its findings.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

use super::AuditRun;
use crate::model::Finding;
use crate::report::baseline::fingerprint;

/// The result of comparing the current run with an old report.
#[derive(Clone, Debug, Default)]
pub struct Comparison {
    /// The old report as named on the command line.
    pub against: String,
    /// Fingerprints of the current findings that are new.
    pub new: BTreeSet<String>,
    /// Number of current findings that are new (a fingerprint may repeat).
    pub new_count: usize,
    /// The old findings that are fixed, with their fingerprints, in the old report's order.
    pub fixed: Vec<(Finding, String)>,
}

/// Compares `run` with the report at `path` (`name`: as printed in errors).
pub fn compare(run: &AuditRun, path: &Path, name: &str) -> Result<Comparison, String> {
    let old = super::merge::read_findings(path, name)?;
    let old_fps: BTreeSet<&str> = old.iter().map(|(_, fp)| fp.as_str()).collect();
    let current: Vec<String> = run.findings.iter().map(fingerprint).collect();
    let current_fps: BTreeSet<&str> = current.iter().map(String::as_str).collect();
    let new_list: Vec<&String> = current
        .iter()
        .filter(|fp| !old_fps.contains(fp.as_str()))
        .collect();
    let new_count = new_list.len();
    let new = new_list.into_iter().cloned().collect();
    let fixed = old
        .iter()
        .filter(|(_, fp)| !current_fps.contains(fp.as_str()))
        .cloned()
        .collect();
    Ok(Comparison {
        against: name.to_string(),
        new,
        new_count,
        fixed,
    })
}

impl Comparison {
    /// One line for text and markdown: `Since OLD.json: 2 new findings, 1 fixed.`
    pub fn line(&self) -> String {
        format!(
            "Since {}: {}, {} fixed.",
            crate::report::clean::controls(&self.against),
            super::plural(self.new_count, "new finding"),
            self.fixed.len()
        )
    }

    /// `compare` of `--format json`.
    pub fn json(&self) -> Value {
        json!({
            "against": self.against,
            "new": self.new_count,
            "fixed": self.fixed.len(),
        })
    }
}

/// Adds the comparison to a finished text, markdown or JSON report.
pub fn annotate(format: &str, report: String, c: &Comparison) -> String {
    match format {
        "json" => {
            let Ok(mut v) = serde_json::from_str::<Value>(&report) else {
                return report;
            };
            if let Value::Object(m) = &mut v {
                m.insert("compare".into(), c.json());
            }
            let mut out = serde_json::to_string_pretty(&v).unwrap_or(report);
            out.push('\n');
            out
        }
        "markdown" => format!(
            "{report}\n**{}**\n",
            super::cell(&c.line()).replace('*', "\\*")
        ),
        "text" => format!("{report}{}\n", c.line()),
        _ => report,
    }
}
