//! `--format json`: exactly one object, the stable shape tools read:
//! `{"findings":[{"rule","severity","message","resource":{"apiVersion","kind","name","namespace"},
//! "file","line","column","environment","chart","related":[{"label","file","line","column"}]}],
//! "summary":{"error","warning","info"}}`. `related` names the template line and the rendered
//! manifest line of a finding located at a values line.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::finding::Finding;
use super::{ReportContext, Reporter, Summary};

/// The JSON reporter.
pub struct JsonReporter;

/// The JSON value of one finding (`resource` is null when the finding is not about a resource).
pub fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "message": f.message,
        "resource": f.resource.as_ref().map(|r| json!({
            "apiVersion": r.api_version,
            "kind": r.kind,
            "name": r.name,
            "namespace": r.namespace,
        })),
        "file": f.location.file,
        "line": f.location.line,
        "column": f.location.column,
        "environment": f.environment,
        "chart": f.chart,
        "related": f.related.iter().map(|(label, l)| json!({
            "label": label,
            "file": l.file,
            "line": l.line,
            "column": l.column,
        })).collect::<Vec<_>>(),
    })
}

impl Reporter for JsonReporter {
    fn report(
        &self,
        findings: &[Finding],
        _ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let s = Summary::of(findings);
        let doc = json!({
            "findings": findings.iter().map(finding_json).collect::<Vec<_>>(),
            "summary": {"error": s.error, "warning": s.warning, "info": s.info},
        });
        let text = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
        writeln!(out, "{}", super::clean::json(text))
    }
}
