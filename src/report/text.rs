//! `--format text`: miette's graphical handler, one diagnostic per finding with a code frame of
//! the offending line, then a summary line. A finding that occurs identically (rule, resource,
//! message, location) in several environments of a chart is one entry naming them
//! ("environments dev, test — not prod"); the summary still counts one finding per environment. Deterministic: fixed width, no links, and colors
//! only when the caller says so (a terminal and `--color` not `never`).

use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::finding::{Finding, Severity};
use super::{ReportContext, Reporter, Summary};

/// The text reporter.
#[derive(Default)]
pub struct TextReporter;

#[derive(Debug)]
struct FindingDiagnostic<'a> {
    finding: &'a Finding,
    /// "environment prod", "environments dev, test — not prod" (empty without environment).
    envs: String,
    title: String,
    source: Option<NamedSource<super::text_source::IndexedSource>>,
    span: Option<SourceSpan>,
    label: String,
}

impl std::fmt::Display for FindingDiagnostic<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.title)
    }
}

impl std::error::Error for FindingDiagnostic<'_> {}

impl Diagnostic for FindingDiagnostic<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(&self.finding.rule))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(self.label.clone()), span),
        )))
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        let mut help = format!(
            "{}:{}:{}",
            self.finding.location.file, self.finding.location.line, self.finding.location.column
        );
        if !self.envs.is_empty() {
            help.push_str(&format!(" ({})", self.envs));
        }
        for (label, loc) in &self.finding.related {
            help.push_str(&format!(
                "\n{label}: {}:{}:{}",
                loc.file, loc.line, loc.column
            ));
        }
        Some(Box::new(help))
    }
}

/// Findings that differ only in environment (and the rendered-manifest location), grouped: the
/// first finding of each group with its environments in report order.
pub fn group_by_environment(findings: &[Finding]) -> Vec<(&Finding, Vec<&str>)> {
    type Key<'a> = (
        &'a str,
        Severity,
        &'a str,
        Option<&'a super::finding::ResourceRef>,
        &'a super::finding::Location,
        Option<&'a str>,
    );
    let mut index: std::collections::HashMap<Key<'_>, usize> = std::collections::HashMap::new();
    // (group, environment) pairs already listed: linear in the number of findings.
    let mut seen: std::collections::HashSet<(usize, &str)> = std::collections::HashSet::new();
    let mut out: Vec<(&Finding, Vec<&str>)> = Vec::new();
    for f in findings {
        let k: Key<'_> = (
            f.rule.as_str(),
            f.severity,
            f.message.as_str(),
            f.resource.as_ref(),
            &f.location,
            f.chart.as_deref(),
        );
        match (f.environment.as_deref(), index.get(&k)) {
            (Some(env), Some(&i)) => {
                if seen.insert((i, env)) {
                    out[i].1.push(env);
                }
            }
            (env, _) => {
                if let Some(e) = env {
                    index.insert(k, out.len());
                    seen.insert((out.len(), e));
                }
                out.push((f, env.into_iter().collect()));
            }
        }
    }
    out
}

/// "environment prod", "environments dev, test — not prod", "environments dev, test, prod"
/// (`all`: the chart's environments in order, if known).
pub fn describe_envs(envs: &[&str], all: Option<&Vec<String>>) -> String {
    let mut envs: Vec<&str> = envs.to_vec();
    let mut missing: Vec<&str> = Vec::new();
    if let Some(all) = all {
        // Positions and membership through hash maps: linear in the environments.
        let pos: std::collections::HashMap<&str, usize> = all
            .iter()
            .enumerate()
            .rev()
            .map(|(i, a)| (a.as_str(), i))
            .collect();
        envs.sort_by_key(|e| pos.get(e).copied().unwrap_or(usize::MAX));
        let have: std::collections::HashSet<&str> = envs.iter().copied().collect();
        missing = all
            .iter()
            .map(String::as_str)
            .filter(|a| !have.contains(a))
            .collect();
    }
    if envs.is_empty() {
        return String::new();
    }
    let mut s = format!(
        "environment{} {}",
        if envs.len() == 1 { "" } else { "s" },
        envs.join(", ")
    );
    if !missing.is_empty() {
        s.push_str(&format!(" — not {}", missing.join(", ")));
    }
    s
}

/// Byte span of the token at 1-based `line`/`column` (column counted in characters): from the
/// column to the end of the YAML scalar-ish token (or the end of the line).
pub fn span_at(text: &str, line: u32, column: u32) -> Option<SourceSpan> {
    let mut offset = 0usize;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line as usize {
            let body = l.trim_end_matches(['\n', '\r']);
            let col_byte = body
                .char_indices()
                .nth(column.saturating_sub(1) as usize)
                .map_or(body.len(), |(b, _)| b);
            let rest = &body[col_byte..];
            let len = rest.trim_end().len().max(usize::from(!rest.is_empty()));
            return Some(SourceSpan::new((offset + col_byte).into(), len));
        }
        offset += l.len();
    }
    None
}

impl Reporter for TextReporter {
    fn report(
        &self,
        findings: &[Finding],
        ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let theme = if ctx.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_links(false)
            .with_width(100)
            .with_context_lines(1);
        let mut index: std::collections::HashMap<&str, super::text_source::IndexedSource> =
            std::collections::HashMap::new();
        for (f, envs) in group_by_environment(findings) {
            let envs = describe_envs(
                &envs,
                f.chart.as_ref().and_then(|c| ctx.environments.get(c)),
            );
            let resource = f
                .resource
                .as_ref()
                // An object without a name shows its kind alone (was `[Cluster ]`).
                .map(|r| match r.name.is_empty() {
                    true => format!(" [{}]", r.kind),
                    false => format!(" [{} {}]", r.kind, r.name),
                })
                .unwrap_or_default();
            // Each file is indexed once; each frame reads only its lines (linear in total).
            let indexed = ctx.sources.get(&f.location.file).map(|text| {
                index
                    .entry(f.location.file.as_str())
                    .or_insert_with(|| super::text_source::IndexedSource::new(text.clone()))
                    .clone()
            });
            let (source, span) = match indexed {
                Some(src) => {
                    let span = src.span_at(f.location.line, f.location.column);
                    (Some(NamedSource::new(f.location.file.clone(), src)), span)
                }
                None => (None, None),
            };
            let diag = FindingDiagnostic {
                finding: f,
                envs,
                title: format!("{}{resource}", f.message),
                source,
                span,
                label: f.rule.clone(),
            };
            let mut s = String::new();
            handler
                .render_report(&mut s, &diag)
                .map_err(io::Error::other)?;
            // Input text (messages, file names, source lines) is shown with visible escapes.
            writeln!(
                out,
                "{}",
                super::clean::commands(super::clean::report(s.trim_end(), ctx.color), "\\n")
            )?;
            writeln!(out)?;
        }
        let s = Summary::of(findings);
        let plural = |n: usize, w: &str| {
            if n == 1 {
                format!("{n} {w}")
            } else {
                format!("{n} {w}s")
            }
        };
        writeln!(
            out,
            "{}: {}, {}, {}",
            if findings.is_empty() {
                "No findings".to_string()
            } else {
                plural(findings.len(), "finding")
            },
            plural(s.error, "error"),
            plural(s.warning, "warning"),
            plural(s.info, "info")
        )
    }
}
