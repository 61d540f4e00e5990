//! `--format json`: exactly one object, the stable shape tools read:
//! `{"findings":[{"rule","severity","message","resource":{"apiVersion","kind","name","namespace"},
//! "file","line","column","environment","chart","related":[{"label","file","line","column"}]}],
//! "summary":{"error","warning","info"}}`. `related` names the template line and the rendered
//! manifest line of a finding located at a values line.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::Value;

use crate::model::ResourceRef;

use super::finding::Finding;
use super::{ReportContext, Reporter, Summary};

/// The JSON reporter.
pub struct JsonReporter;

/// One finding in the stable shape (`resource` is null when the finding is not about a
/// resource); serialized field by field, in this order.
#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    message: &'a str,
    resource: Option<&'a ResourceRef>,
    file: &'a str,
    line: u32,
    column: u32,
    environment: &'a Option<String>,
    chart: &'a Option<String>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    label: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        JsonFinding {
            rule: &f.rule,
            severity: f.severity.as_str(),
            message: &f.message,
            resource: f.resource.as_ref(),
            file: &f.location.file,
            line: f.location.line,
            column: f.location.column,
            environment: &f.environment,
            chart: &f.chart,
            related: (f.related.iter())
                .map(|(label, l)| JsonRelated {
                    label,
                    file: &l.file,
                    line: l.line,
                    column: l.column,
                })
                .collect(),
        }
    }
}

/// The JSON value of one finding.
pub fn finding_json(f: &Finding) -> Value {
    serde_json::to_value(JsonFinding::from(f)).unwrap_or(Value::Null)
}

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonSummary {
    error: usize,
    warning: usize,
    info: usize,
}

impl Reporter for JsonReporter {
    fn report(
        &self,
        findings: &[Finding],
        _ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let s = Summary::of(findings);
        let doc = Document {
            findings: findings.iter().map(JsonFinding::from).collect(),
            summary: JsonSummary {
                error: s.error,
                warning: s.warning,
                info: s.info,
            },
        };
        // Streamed: a run with many findings never holds its whole report in memory.
        let mut w = io::BufWriter::new(out);
        super::clean::write_json_pretty(&mut w, &doc)?;
        writeln!(w)?;
        w.flush()
    }
}
