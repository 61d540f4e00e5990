//! `--format markdown`: a summary for `$GITHUB_STEP_SUMMARY` or a PR comment — a table of counts
//! per service (chart) × environment, then the findings of each pair.

use std::collections::BTreeMap;

use super::finding::{Finding, Severity};
use super::rules_info::{SuiteKey, resource_label, sorted};

/// Makes text safe inside a table cell: `|` escaped, line breaks as `<br>`, `<`/`>`/`&` as
/// entities (GitHub renders raw HTML).
fn cell(s: &str) -> String {
    // A CR (alone) is shown as `\r`, never passed raw.
    let s = super::clean::controls(&s.replace("\r\n", "\n"));
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', "<br>")
}

/// One line of text for a block quote: HTML-escaped, line breaks as spaces.
pub fn escape_line(s: &str) -> String {
    let s = super::clean::controls(&s.replace(['\r', '\n'], " "));
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

/// Text for a code span inside a table cell: backticks dropped, `|` escaped (GFM unescapes
/// `\|` inside code spans in tables), line breaks as spaces.
fn code(s: &str) -> String {
    s.replace('`', "")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

fn count(fs: &[&Finding], s: Severity) -> usize {
    fs.iter().filter(|f| f.severity == s).count()
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The markdown summary. `suites` lists every checked chart × environment (so clean pairs show
/// with zero counts); pairs only present in findings are added. Sections are in key order,
/// findings in report order.
pub fn markdown(findings: &[Finding], suites: &[SuiteKey]) -> String {
    let mut groups: BTreeMap<SuiteKey, Vec<&Finding>> =
        suites.iter().map(|k| (k.clone(), Vec::new())).collect();
    for f in sorted(findings) {
        groups.entry(SuiteKey::of(f)).or_default().push(f);
    }
    let all: Vec<&Finding> = findings.iter().collect();
    let mut out = String::from("## chartgate\n\n");
    out.push_str(&format!(
        "**{}, {}, {}** in {} checked.\n\n",
        plural(count(&all, Severity::Error), "error"),
        plural(count(&all, Severity::Warning), "warning"),
        plural(count(&all, Severity::Info), "info finding"),
        plural(groups.len(), "service × environment pair"),
    ));
    if groups.is_empty() {
        return out;
    }
    out.push_str("| Service | Environment | Errors | Warnings | Info |\n");
    out.push_str("|---|---|---:|---:|---:|\n");
    for (k, fs) in &groups {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(k.chart_label()),
            cell(k.environment_label()),
            count(fs, Severity::Error),
            count(fs, Severity::Warning),
            count(fs, Severity::Info),
        ));
    }
    for (k, fs) in &groups {
        if fs.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n### {} · {}\n\n",
            cell(k.chart_label()),
            cell(k.environment_label())
        ));
        out.push_str("| Severity | Rule | Resource | Location | Message |\n");
        out.push_str("|---|---|---|---|---|\n");
        for f in fs {
            out.push_str(&format!(
                "| {} | `{}` | {} | `{}:{}:{}` | {} |\n",
                f.severity.as_str(),
                code(&f.rule),
                f.resource
                    .as_ref()
                    .map(|r| cell(&resource_label(r)))
                    .unwrap_or_else(|| "-".to_string()),
                code(&f.location.file),
                f.location.line,
                f.location.column,
                cell(&f.message),
            ));
        }
    }
    out
}
