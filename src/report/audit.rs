//! `chartgate audit`: the summary of a run over many repositories or service folders — per
//! service × rule × environment, per rule, and a total score — as text, markdown or JSON.
//!
//! A **check** is one chart × environment that was rendered and analysed (a chart without
//! environments is one check with its defaults; a plain manifest file is one check on its own).
//! A check **passes** when it has no finding of severity `error` (warnings and info do not fail
//! it). The **score** is the share of checks that pass: `100 × passing / checks`, printed rounded
//! down to a whole percent (so 100% means every check passes); JSON also gives the two counts.
//! Findings about the run rather than a check (an expired exemption in `chartgate.yaml`, a chart
//! that failed to load) are listed under their file and count in the totals, not in the score.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::Summary;
use super::finding::{Finding, Severity};

pub mod compare;
pub mod history;
pub mod html;
pub mod merge;
pub mod owners;
pub mod revisions;
pub mod teams;

/// The `report` marker of `--format json` and its version: `--merge` reads only these.
pub const JSON_REPORT: &str = "chartgate-audit";
pub const JSON_VERSION: u64 = 1;

/// One chart × environment (or plain manifest) that the audit checked.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Check {
    /// The service as printed (`services/web`), or the manifest file.
    pub service: String,
    /// The environment (None: the chart's defaults, or a plain manifest).
    pub environment: Option<String>,
}

/// What the audit ran over, in the order given.
#[derive(Clone, Debug, Default)]
pub struct AuditRun {
    /// The paths audited, as given.
    pub roots: Vec<String>,
    /// Every check, services in discovery order and environments in their order.
    pub checks: Vec<Check>,
    /// Every finding (any order).
    pub findings: Vec<Finding>,
    /// The git revision (`HEAD`) of each root that is a repository checkout, by root.
    pub revisions: BTreeMap<String, Option<String>>,
    /// The team of each owned service (from `teams:` or CODEOWNERS), by service.
    pub teams: BTreeMap<String, String>,
}

/// One rule's counts in one service, per environment column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleRow {
    pub rule: String,
    /// The highest severity the rule's findings have in this service.
    pub severity: Severity,
    /// Findings per environment column.
    pub counts: Vec<usize>,
}

/// One service (or manifest, or run-level file) and its environments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceRow {
    pub service: String,
    /// The team owning it, if any.
    pub team: Option<String>,
    /// Environment columns (None: defaults / no environment).
    pub environments: Vec<Option<String>>,
    /// Whether each column is a check (false: findings about the run, not a check).
    pub checked: Vec<bool>,
    /// Rules with findings, by rule id.
    pub rules: Vec<RuleRow>,
    /// Error findings per column.
    pub errors: Vec<usize>,
}

/// One rule over the whole audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleTotal {
    pub rule: String,
    pub severity: Severity,
    pub findings: usize,
    /// Services with at least one finding of the rule.
    pub services: usize,
    /// Checks with at least one finding of the rule.
    pub checks: usize,
}

/// The summarised audit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditSummary {
    pub roots: Vec<String>,
    pub services: Vec<ServiceRow>,
    pub rules: Vec<RuleTotal>,
    /// Findings per severity.
    pub totals: Summary,
    /// Number of checks.
    pub checks: usize,
    /// Checks with no error finding.
    pub passing: usize,
    /// Per team (empty when no service has a team).
    pub teams: Vec<teams::TeamRow>,
}

impl AuditSummary {
    /// The score in whole percent, rounded down (None when nothing was checked).
    pub fn score_percent(&self) -> Option<usize> {
        (self.checks > 0).then(|| self.passing * 100 / self.checks)
    }
}

/// The check (or run-level group) a finding belongs to: its chart and environment, or for a
/// finding outside any chart its file.
pub(crate) fn key_of(f: &Finding) -> Check {
    Check {
        service: f.chart.clone().unwrap_or_else(|| f.location.file.clone()),
        environment: f.environment.clone(),
    }
}

/// Summarises an audit run.
pub fn summarise(run: &AuditRun) -> AuditSummary {
    // Services in check order; each with its environment columns.
    let mut order: Vec<String> = Vec::new();
    let mut columns: BTreeMap<String, Vec<(Option<String>, bool)>> = BTreeMap::new();
    let checked: BTreeSet<&Check> = run.checks.iter().collect();
    for c in &run.checks {
        let cols = columns.entry(c.service.clone()).or_insert_with(|| {
            order.push(c.service.clone());
            Vec::new()
        });
        if !cols.iter().any(|(e, _)| e == &c.environment) {
            cols.push((c.environment.clone(), true));
        }
    }
    // Findings outside every check: their own rows, after the checked services, by name.
    let mut extra: BTreeSet<String> = BTreeSet::new();
    for f in &run.findings {
        let k = key_of(f);
        if checked.contains(&k) {
            continue;
        }
        let cols = columns.entry(k.service.clone()).or_insert_with(|| {
            extra.insert(k.service.clone());
            Vec::new()
        });
        if !cols.iter().any(|(e, _)| e == &k.environment) {
            cols.push((k.environment.clone(), false));
        }
    }
    order.extend(extra);

    let mut services = Vec::with_capacity(order.len());
    let mut failing: BTreeSet<Check> = BTreeSet::new();
    // rule → (severity, findings, services, checks)
    let mut totals: BTreeMap<String, (Severity, usize, BTreeSet<String>, BTreeSet<Check>)> =
        BTreeMap::new();
    for service in &order {
        let cols = &columns[service];
        let col_of = |env: &Option<String>| cols.iter().position(|(e, _)| e == env);
        let mut rules: BTreeMap<String, RuleRow> = BTreeMap::new();
        let mut errors = vec![0; cols.len()];
        for f in run.findings.iter() {
            let k = key_of(f);
            if &k.service != service {
                continue;
            }
            let Some(col) = col_of(&k.environment) else {
                continue;
            };
            let row = rules.entry(f.rule.clone()).or_insert_with(|| RuleRow {
                rule: f.rule.clone(),
                severity: f.severity,
                counts: vec![0; cols.len()],
            });
            row.severity = row.severity.max(f.severity);
            row.counts[col] += 1;
            if f.severity == Severity::Error {
                errors[col] += 1;
                if cols[col].1 {
                    failing.insert(k.clone());
                }
            }
            let t = totals
                .entry(f.rule.clone())
                .or_insert_with(|| (f.severity, 0, BTreeSet::new(), BTreeSet::new()));
            t.0 = t.0.max(f.severity);
            t.1 += 1;
            t.2.insert(service.clone());
            if cols[col].1 {
                t.3.insert(k);
            }
        }
        services.push(ServiceRow {
            service: service.clone(),
            team: run.teams.get(service).cloned(),
            environments: cols.iter().map(|(e, _)| e.clone()).collect(),
            checked: cols.iter().map(|(_, c)| *c).collect(),
            rules: rules.into_values().collect(),
            errors,
        });
    }
    let mut rules: Vec<RuleTotal> = totals
        .into_iter()
        .map(|(rule, (severity, findings, svcs, checks))| RuleTotal {
            rule,
            severity,
            findings,
            services: svcs.len(),
            checks: checks.len(),
        })
        .collect();
    // Most widespread first: checks affected, then findings, then id.
    rules.sort_by(|a, b| (b.checks, b.findings, &a.rule).cmp(&(a.checks, a.findings, &b.rule)));
    let checks = checked.len();
    let mut summary = AuditSummary {
        roots: run.roots.clone(),
        services,
        rules,
        totals: Summary::of(&run.findings),
        checks,
        passing: checks - failing.len(),
        teams: Vec::new(),
    };
    summary.teams = teams::team_rows(run, &summary);
    summary
}

fn env_label(e: &Option<String>) -> &str {
    e.as_deref().unwrap_or("-")
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn score_line(s: &AuditSummary) -> String {
    match s.score_percent() {
        Some(p) => format!(
            "Score: {p}% ({} of {} passing)",
            s.passing,
            plural(s.checks, "check")
        ),
        None => "Score: - (nothing checked)".to_string(),
    }
}

fn totals_line(s: &AuditSummary) -> String {
    format!(
        "{}, {}, {}",
        plural(s.totals.error, "error"),
        plural(s.totals.warning, "warning"),
        plural(s.totals.info, "info finding")
    )
}

/// `--format text`: per service a table of rules × environments (finding counts, `.` for
/// none) and a status line, then the rules over the whole audit, then the score.
pub fn text(s: &AuditSummary) -> String {
    let mut out = format!(
        "chartgate audit of {}: {} in {}\n",
        s.roots.join(", "),
        totals_line(s),
        plural(s.checks, "check")
    );
    for svc in &s.services {
        let heading = teams::service_label(!s.teams.is_empty(), &svc.service, svc.team.as_deref());
        let rule_w = svc
            .rules
            .iter()
            .map(|r| r.rule.len() + 3 + r.severity.as_str().len())
            .chain([6, heading.chars().count().saturating_sub(2)])
            .max()
            .unwrap_or(6);
        let col_w: Vec<usize> = svc
            .environments
            .iter()
            .map(|e| env_label(e).len().max(4))
            .collect();
        out.push('\n');
        out.push_str(&format!("{:<w$}", heading, w = rule_w + 2));
        for (e, w) in svc.environments.iter().zip(&col_w) {
            out.push_str(&format!("  {:>w$}", env_label(e)));
        }
        out.push('\n');
        for r in &svc.rules {
            let label = format!("{} ({})", r.rule, r.severity.as_str());
            out.push_str(&format!("  {label:<rule_w$}"));
            for (c, w) in r.counts.iter().zip(&col_w) {
                let cell = if *c == 0 {
                    ".".to_string()
                } else {
                    c.to_string()
                };
                out.push_str(&format!("  {cell:>w$}"));
            }
            out.push('\n');
        }
        out.push_str(&format!("  {:<rule_w$}", "status"));
        for ((e, checked), w) in svc.errors.iter().zip(&svc.checked).zip(&col_w) {
            let cell = match (checked, *e) {
                (false, _) => "-",
                (true, 0) => "pass",
                (true, _) => "FAIL",
            };
            out.push_str(&format!("  {cell:>w$}"));
        }
        out.push('\n');
    }
    out.push_str(&teams::text(&s.teams));
    if !s.rules.is_empty() {
        let w = s
            .rules
            .iter()
            .map(|r| r.rule.len())
            .chain([4])
            .max()
            .unwrap_or(4);
        out.push_str(&format!(
            "\nRules\n  {:<w$}  severity  findings  services  checks\n",
            "rule"
        ));
        for r in &s.rules {
            out.push_str(&format!(
                "  {:<w$}  {:<8}  {:>8}  {:>8}  {:>6}\n",
                r.rule,
                r.severity.as_str(),
                r.findings,
                r.services,
                r.checks
            ));
        }
    }
    out.push('\n');
    out.push_str(&score_line(s));
    out.push_str(
        "\n(a check is one chart × environment or plain manifest; it passes when it has no error finding)\n",
    );
    out
}

/// Text safe inside a markdown table cell.
pub(crate) fn cell(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace(['\r', '\n'], " ")
}

/// `--format markdown`: the same tables for `$GITHUB_STEP_SUMMARY`, an issue or a wiki page.
pub fn markdown(s: &AuditSummary) -> String {
    let mut out = String::from("## chartgate audit\n\n");
    out.push_str(&format!(
        "**{}** — {} in {} under {}.\n\n",
        score_line(s),
        totals_line(s),
        plural(s.checks, "check"),
        s.roots
            .iter()
            .map(|r| format!("`{}`", r.replace('`', "")))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.push_str(
        "A check is one chart × environment (or plain manifest); it passes when it has no error finding.\n",
    );
    for svc in &s.services {
        out.push_str(&format!(
            "\n### {}\n\n| Rule | Severity |",
            cell(&teams::service_label(
                !s.teams.is_empty(),
                &svc.service,
                svc.team.as_deref()
            ))
        ));
        for e in &svc.environments {
            out.push_str(&format!(" {} |", cell(env_label(e))));
        }
        out.push_str("\n|---|---|");
        out.push_str(&"---:|".repeat(svc.environments.len()));
        out.push('\n');
        for r in &svc.rules {
            out.push_str(&format!(
                "| `{}` | {} |",
                r.rule.replace('`', ""),
                r.severity.as_str()
            ));
            for c in &r.counts {
                out.push_str(&format!(" {c} |"));
            }
            out.push('\n');
        }
        out.push_str("| **status** | |");
        for (e, checked) in svc.errors.iter().zip(&svc.checked) {
            let cell = match (checked, *e) {
                (false, _) => "-",
                (true, 0) => "✅ pass",
                (true, _) => "❌ fail",
            };
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push_str(&teams::markdown(&s.teams));
    if !s.rules.is_empty() {
        out.push_str("\n### Rules\n\n| Rule | Severity | Findings | Services | Checks |\n");
        out.push_str("|---|---|---:|---:|---:|\n");
        for r in &s.rules {
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                r.rule.replace('`', ""),
                r.severity.as_str(),
                r.findings,
                r.services,
                r.checks
            ));
        }
    }
    out
}

/// The report in `format` (text, markdown, json or html), with the findings new and fixed since
/// the `--compare` report and, in HTML, the trend of the `--history` file (already appended).
pub fn report(
    format: &str,
    run: &AuditRun,
    s: &AuditSummary,
    compare: Option<&std::path::Path>,
    history: Option<&std::path::Path>,
) -> Result<String, String> {
    let compared = compare
        .map(|p| compare::compare(run, p, &p.display().to_string()))
        .transpose()?;
    Ok(match format {
        "html" => {
            let points = history
                .map(|p| history::read(p, &p.display().to_string()))
                .transpose()?
                .unwrap_or_default();
            let name = history.map(|p| p.display().to_string());
            return Ok(html::html(
                run,
                s,
                compared.as_ref(),
                &points,
                name.as_deref(),
            ));
        }
        "markdown" => markdown(s),
        "json" => json(run, s),
        _ => text(s),
    })
    .map(|r| match &compared {
        Some(c) => compare::annotate(format, r, c),
        None => r,
    })
}

/// `--format json`: one object with the score, per service × environment results with rule
/// counts, rule totals and every finding (as `check --format json` prints them, plus `field`
/// and the baseline `fingerprint`, which `--compare` matches).
/// It also carries what `--merge` needs to summarise several reports as one run: the `report`
/// marker and `version`, the `revisions` of the roots and every check (`checks`).
pub fn json(run: &AuditRun, s: &AuditSummary) -> String {
    let findings = &run.findings;
    let services: Vec<Value> = s
        .services
        .iter()
        .map(|svc| {
            let envs: Vec<Value> = svc
                .environments
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let rules: serde_json::Map<String, Value> = svc
                        .rules
                        .iter()
                        .filter(|r| r.counts[i] > 0)
                        .map(|r| (r.rule.clone(), json!(r.counts[i])))
                        .collect();
                    json!({
                        "environment": e,
                        "checked": svc.checked[i],
                        "passed": svc.checked[i] && svc.errors[i] == 0,
                        "errors": svc.errors[i],
                        "rules": rules,
                    })
                })
                .collect();
            let checks = svc.checked.iter().filter(|c| **c).count();
            let passing = svc
                .checked
                .iter()
                .zip(&svc.errors)
                .filter(|(c, e)| **c && **e == 0)
                .count();
            json!({
                "service": svc.service,
                "team": svc.team,
                "score": {
                    "checks": checks,
                    "passing": passing,
                    "percent": (checks > 0).then(|| passing * 100 / checks),
                },
                "environments": envs,
            })
        })
        .collect();
    let rules: Vec<Value> = s
        .rules
        .iter()
        .map(|r| {
            json!({
                "rule": r.rule,
                "severity": r.severity.as_str(),
                "findings": r.findings,
                "services": r.services,
                "checks": r.checks,
            })
        })
        .collect();
    let doc = json!({
        "report": JSON_REPORT,
        "version": JSON_VERSION,
        "roots": s.roots,
        "revisions": run.revisions,
        "score": {
            "checks": s.checks,
            "passing": s.passing,
            "percent": s.score_percent(),
        },
        "summary": {"error": s.totals.error, "warning": s.totals.warning, "info": s.totals.info},
        "teams": teams::json(&s.teams),
        "services": services,
        "rules": rules,
        "checks": run.checks.iter().map(|c| json!({
            "service": c.service,
            "environment": c.environment,
        })).collect::<Vec<_>>(),
        "owners": run.teams,
        "findings": findings.iter().map(|f| {
            let mut v = super::json::finding_json(f);
            if let Value::Object(m) = &mut v {
                m.insert("field".into(), json!(f.field));
                m.insert("fingerprint".into(), json!(super::baseline::fingerprint(f)));
            }
            v
        }).collect::<Vec<_>>(),
    });
    let mut out = super::clean::json(serde_json::to_string_pretty(&doc).unwrap_or_default());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn finding(
        rule: &str,
        sev: Severity,
        chart: Option<&str>,
        env: Option<&str>,
        file: &str,
    ) -> Finding {
        Finding::new(
            rule,
            sev,
            "m",
            Location {
                file: file.into(),
                line: 1,
                column: 1,
            },
        )
        .with_environment(env)
        .with_chart(chart)
    }

    fn check(s: &str, e: Option<&str>) -> Check {
        Check {
            service: s.into(),
            environment: e.map(str::to_string),
        }
    }

    #[test]
    fn score_counts_checks_without_errors() {
        let run = AuditRun {
            roots: vec!["repo".into()],
            checks: vec![
                check("a", Some("dev")),
                check("a", Some("prod")),
                check("b", None),
                check("m.yaml", None),
            ],
            findings: vec![
                finding(
                    "r1",
                    Severity::Error,
                    Some("a"),
                    Some("prod"),
                    "a/values-prod.yaml",
                ),
                finding(
                    "r1",
                    Severity::Error,
                    Some("a"),
                    Some("prod"),
                    "a/values.yaml",
                ),
                finding(
                    "r2",
                    Severity::Warning,
                    Some("a"),
                    Some("dev"),
                    "a/values.yaml",
                ),
                finding("r3", Severity::Error, None, None, "m.yaml"),
                finding(
                    "expired-exemption",
                    Severity::Error,
                    None,
                    None,
                    "chartgate.yaml",
                ),
            ],
            ..Default::default()
        };
        let s = summarise(&run);
        // a/prod and m.yaml fail; a/dev (a warning only) and b pass.
        assert_eq!((s.checks, s.passing, s.score_percent()), (4, 2, Some(50)));
        assert_eq!(
            s.services
                .iter()
                .map(|r| r.service.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "m.yaml", "chartgate.yaml"]
        );
        assert_eq!(s.services[0].rules[0].counts, [0, 2]);
        assert_eq!(s.services[0].rules[1].counts, [1, 0]);
        assert_eq!(s.services[3].checked, [false]);
        assert_eq!(
            s.rules
                .iter()
                .map(|r| (r.rule.as_str(), r.findings, r.services, r.checks))
                .collect::<Vec<_>>(),
            [
                ("r1", 2, 1, 1),
                ("r2", 1, 1, 1),
                ("r3", 1, 1, 1),
                ("expired-exemption", 1, 1, 0)
            ]
        );
        assert_eq!(
            summarise(&AuditRun::default()).score_percent(),
            None,
            "nothing checked has no score"
        );
    }
}
