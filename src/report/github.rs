//! `--format github`: GitHub Actions workflow commands, one annotation per finding.
//!
//! `::error file=F,line=L,col=C,title=RULE::MESSAGE` (`::warning` for warnings, `::notice` for
//! info), escaped exactly as `@actions/core` does (`escapeProperty` / `escapeData`).

use super::finding::{Finding, Severity};
use super::rules_info::{repo_path, resource_label, sorted};

/// Escapes a workflow-command message (`escapeData` in `@actions/core`).
pub fn escape_data(s: &str) -> String {
    // `@actions/core`'s escaping first (so CR/LF stay GitHub's %0D/%0A); the other control
    // characters (terminal escapes) are then shown as `\x1b` & co in the log.
    super::clean::controls(
        &s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A"),
    )
}

/// Escapes a workflow-command property value (`escapeProperty` in `@actions/core`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The annotation text: the message, then the resource and environment in brackets.
fn message(f: &Finding) -> String {
    let mut ctx = Vec::new();
    if let Some(r) = &f.resource {
        ctx.push(resource_label(r));
    }
    if let Some(e) = &f.environment {
        ctx.push(format!("environment {e}"));
    }
    if ctx.is_empty() {
        f.message.clone()
    } else {
        format!("{} [{}]", f.message, ctx.join(", "))
    }
}

/// One workflow command per finding, in report order, each ending in a newline.
pub fn github(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in sorted(findings) {
        let cmd = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{cmd} file={},line={},col={},title={}::{}\n",
            escape_property(&repo_path(&f.location.file)),
            f.location.line.max(1),
            f.location.column.max(1),
            escape_property(&f.rule),
            escape_data(&message(f)),
        ));
    }
    out
}
