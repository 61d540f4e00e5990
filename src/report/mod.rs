//! Reports: `finding.rs` is the one diagnostic model; every output format is one file
//! implementing [`Reporter`].
pub mod baseline;
pub mod finding;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod rules_info;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::Arc;

use finding::Finding;

/// Texts of the files findings point into, keyed by the path as printed in findings. Holds real
/// files (manifests, values files, templates) and virtual ones (a rendered manifest), so the text
/// reporter can show a code frame for any location.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: BTreeMap<String, Arc<str>>,
}

impl SourceMap {
    /// Registers (or replaces) the text of `path`.
    pub fn insert(&mut self, path: impl Into<String>, text: impl Into<Arc<str>>) {
        self.files.insert(path.into(), text.into());
    }
    /// The text of `path`, if known.
    pub fn get(&self, path: &str) -> Option<&Arc<str>> {
        self.files.get(path)
    }
}

/// Everything a reporter may need besides the findings.
pub struct ReportContext<'a> {
    /// File texts for code frames.
    pub sources: &'a SourceMap,
    /// Use ANSI colors (only when writing to a terminal and `--color` allows it).
    pub color: bool,
}

/// One output format. Findings arrive sorted (file, line, column, rule).
pub trait Reporter {
    /// Writes the whole report.
    fn report(
        &self,
        findings: &[Finding],
        ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()>;
}

/// Counts of findings per severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Errors.
    pub error: usize,
    /// Warnings.
    pub warning: usize,
    /// Infos.
    pub info: usize,
}

impl Summary {
    /// Counts `findings` by severity.
    pub fn of(findings: &[Finding]) -> Summary {
        let mut s = Summary::default();
        for f in findings {
            match f.severity {
                finding::Severity::Error => s.error += 1,
                finding::Severity::Warning => s.warning += 1,
                finding::Severity::Info => s.info += 1,
            }
        }
        s
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

/// The reporter for a `--format` name.
pub fn reporter_for(format: &str) -> Option<Box<dyn Reporter>> {
    match format {
        "text" => Some(Box::new(text::TextReporter::default())),
        "json" => Some(Box::new(json::JsonReporter)),
        _ => None,
    }
}
