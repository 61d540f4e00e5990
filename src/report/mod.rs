//! Reports: `finding.rs` is the one diagnostic model; every output format is one file
//! implementing [`Reporter`].

/// The largest report, baseline, history or repository list read back (256 MiB): a bound, and
/// only regular files are read (never a device or FIFO a path may name).
pub const INPUT_BYTES: usize = 256 << 20;

pub mod audit;
pub mod baseline;
pub mod clean;
pub mod diff;
/// Moved to [`crate::model::finding`]; re-exported for old paths.
pub use crate::model::finding;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod rules_info;
pub mod sarif;
pub mod text;
mod text_source;

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
    /// The environments each chart was checked in, in order (chart as printed → names), so the
    /// text report can say "dev, test — not prod". Empty for plain manifests.
    pub environments: &'a BTreeMap<String, Vec<String>>,
    /// The Rego policy rules of the run (METADATA title and description), described in SARIF
    /// like the built-in rules.
    pub policy_rules: &'a [rules_info::RuleDescriptor],
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

/// Every output format, as `--format` and `--output FORMAT=PATH` name them.
pub const FORMATS: &[&str] = &["text", "json", "sarif", "junit", "github", "markdown"];

/// Adapts the pure writers (`sarif`, `github`) to [`Reporter`].
struct WriterReporter(fn(&[Finding]) -> String);

impl Reporter for WriterReporter {
    fn report(
        &self,
        findings: &[Finding],
        _ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        // Every control character left in the text shows escaped (the writers escape what they
        // know; this is the last line of defence for a CI log).
        out.write_all(clean::controls(&(self.0)(findings)).as_bytes())
    }
}

/// Built-in rule metadata as the report writers need it (SARIF `tool.driver.rules`): the rules
/// over resources and the rules the engine reports about the run (`rego-error`, `render-error`,
/// the exemption rules).
pub fn builtin_rules_info() -> Vec<rules_info::RuleDescriptor> {
    builtin_rules().to_vec()
}

/// [`builtin_rules_info`], worked out once (the docs are static).
fn builtin_rules() -> &'static [rules_info::RuleDescriptor] {
    static RULES: std::sync::LazyLock<Vec<rules_info::RuleDescriptor>> =
        std::sync::LazyLock::new(|| {
            crate::analyze::registry::all()
                .iter()
                .chain(crate::analyze::engine::ENGINE_RULES)
                .map(|r| rules_info::RuleDescriptor {
                    id: r.id.to_string(),
                    summary: r.summary.to_string(),
                    description: r.section("Why"),
                    help: r.docs_text(),
                    default_severity: r.default_severity,
                })
                .collect()
        });
    &RULES
}

/// Rego policy rules as the report writers need them: METADATA title as the summary, the
/// description as rationale and help, and where the policy is.
pub fn policy_rules_info(
    docs: &[crate::analyze::rego::PolicyRuleDoc],
) -> Vec<rules_info::RuleDescriptor> {
    docs.iter()
        .map(|d| {
            let summary = if d.title.is_empty() { d.id.clone() } else { d.title.clone() };
            let description = if d.description.is_empty() { summary.clone() } else { d.description.clone() };
            rules_info::RuleDescriptor {
                id: d.id.clone(),
                help: format!(
                    "{description}\n\nRego policy rule `{}` ({}:{}); `chartgate explain {}` prints it.",
                    d.id, d.file, d.line, d.id
                ),
                summary,
                description,
                default_severity: d.severity,
            }
        })
        .collect()
}

/// The (chart × environment) suites present in `findings`; one anonymous suite when none.
fn suites_of(findings: &[Finding]) -> Vec<rules_info::SuiteKey> {
    let mut suites: Vec<rules_info::SuiteKey> =
        findings.iter().map(rules_info::SuiteKey::of).collect();
    suites.sort();
    suites.dedup();
    if suites.is_empty() {
        suites.push(rules_info::SuiteKey::default());
    }
    suites
}

/// Every environment some chart was checked in, sorted.
fn checked_environments(ctx: &ReportContext<'_>) -> Vec<String> {
    let mut envs: Vec<String> = ctx.environments.values().flatten().cloned().collect();
    envs.sort();
    envs.dedup();
    envs
}

/// The SARIF log of a run (one SARIF run per checked environment) and the notes on what
/// GitHub's upload limits left out of it.
pub fn sarif_log(findings: &[Finding], ctx: &ReportContext<'_>) -> (String, Vec<String>) {
    sarif_run(findings, ctx, true)
}

/// [`sarif_log`]; without `text` the log may be left unwritten (empty) when the notes do not
/// need it (see [`sarif::sarif_notes`]).
fn sarif_run(findings: &[Finding], ctx: &ReportContext<'_>, text: bool) -> (String, Vec<String>) {
    let with_policies: Vec<rules_info::RuleDescriptor>;
    let rules = if ctx.policy_rules.is_empty() {
        builtin_rules()
    } else {
        with_policies = builtin_rules()
            .iter()
            .chain(ctx.policy_rules)
            .cloned()
            .collect();
        &with_policies
    };
    let (environments, version, limits) = (
        &checked_environments(ctx),
        env!("CARGO_PKG_VERSION"),
        sarif::SarifLimits::default(),
    );
    if text {
        sarif::sarif_capped(findings, environments, rules, version, limits)
    } else {
        (
            String::new(),
            sarif::sarif_notes(findings, environments, rules, version, limits),
        )
    }
}

struct SarifReporter;

impl Reporter for SarifReporter {
    fn report(
        &self,
        findings: &[Finding],
        ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let (log, notes) = sarif_log(findings, ctx);
        for n in notes {
            eprintln!("chartgate: {}", clean::log(&n));
        }
        out.write_all(log.as_bytes())
    }
}

/// Adapts the writers that list every checked chart × environment (`junit`, `markdown`) to
/// [`Reporter`]: clean pairs show as passing suites / zero rows.
struct SuiteReporter(fn(&[Finding], &[rules_info::SuiteKey]) -> String);

impl Reporter for SuiteReporter {
    fn report(
        &self,
        findings: &[Finding],
        ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        out.write_all((self.0)(findings, &checked_suites(findings, ctx.environments)).as_bytes())
    }
}

/// The markdown summary, with a note when GitHub's SARIF limits leave findings out of the
/// SARIF report of the same run (the summary itself lists every finding).
struct MarkdownReporter;

impl Reporter for MarkdownReporter {
    fn report(
        &self,
        findings: &[Finding],
        ctx: &ReportContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let mut text = markdown::markdown(findings, &checked_suites(findings, ctx.environments));
        let (_, notes) = sarif_run(findings, ctx, false);
        for n in notes {
            text.push_str(&format!("\n> **Note:** {}\n", markdown::escape_line(&n)));
        }
        out.write_all(clean::commands(clean::controls(&text), "\\n").as_bytes())
    }
}

/// Every checked (chart × environment) pair, and the pairs findings name.
fn checked_suites(
    findings: &[Finding],
    environments: &BTreeMap<String, Vec<String>>,
) -> Vec<rules_info::SuiteKey> {
    let mut suites: Vec<rules_info::SuiteKey> = environments
        .iter()
        .flat_map(|(chart, envs)| {
            envs.iter().map(|e| rules_info::SuiteKey {
                chart: Some(chart.clone()),
                environment: Some(e.clone()),
            })
        })
        .collect();
    if suites.is_empty() {
        return suites_of(findings);
    }
    suites.extend(findings.iter().map(rules_info::SuiteKey::of));
    suites.sort();
    suites.dedup();
    suites
}

/// The reporter for a `--format` name.
pub fn reporter_for(format: &str) -> Option<Box<dyn Reporter>> {
    match format {
        "text" => Some(Box::new(text::TextReporter)),
        "json" => Some(Box::new(json::JsonReporter)),
        "sarif" => Some(Box::new(SarifReporter)),
        "junit" => Some(Box::new(SuiteReporter(junit::junit))),
        "github" => Some(Box::new(WriterReporter(github::github))),
        "markdown" => Some(Box::new(MarkdownReporter)),
        _ => None,
    }
}
