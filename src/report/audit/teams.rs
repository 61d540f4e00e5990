//! The per-team view of an audit: each team's services, checks, score, findings per severity
//! and per rule. A service's team comes from `teams:` or CODEOWNERS (see [`super::owners`]);
//! services without one are grouped as unowned (`-`), listed last. The score is the audit's:
//! `100 × passing checks / checks`, rounded down, over the team's checks.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{AuditRun, AuditSummary, key_of};
use crate::model::Severity;
use crate::report::Summary;

/// One team's totals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamRow {
    /// None: services no team owns.
    pub team: Option<String>,
    pub services: Vec<String>,
    pub checks: usize,
    pub passing: usize,
    pub totals: Summary,
    /// rule → (highest severity, findings), by rule id.
    pub rules: BTreeMap<String, (Severity, usize)>,
}

impl TeamRow {
    pub fn score_percent(&self) -> Option<usize> {
        (self.checks > 0).then(|| self.passing * 100 / self.checks)
    }
}

/// Team rows (named teams by name, then the unowned), or none when no service has a team.
pub fn team_rows(run: &AuditRun, s: &AuditSummary) -> Vec<TeamRow> {
    if run.teams.is_empty() {
        return Vec::new();
    }
    let mut rows: BTreeMap<(bool, String), TeamRow> = BTreeMap::new();
    let key = |service: &str| -> (bool, String) {
        match run.teams.get(service) {
            Some(t) => (false, t.clone()),
            None => (true, String::new()),
        }
    };
    for svc in &s.services {
        let k = key(&svc.service);
        let row = rows.entry(k.clone()).or_insert_with(|| TeamRow {
            team: (!k.0).then(|| k.1.clone()),
            services: Vec::new(),
            checks: 0,
            passing: 0,
            totals: Summary::default(),
            rules: BTreeMap::new(),
        });
        row.services.push(svc.service.clone());
        for (checked, errors) in svc.checked.iter().zip(&svc.errors) {
            if *checked {
                row.checks += 1;
                row.passing += usize::from(*errors == 0);
            }
        }
    }
    for f in &run.findings {
        let Some(row) = rows.get_mut(&key(&key_of(f).service)) else {
            continue;
        };
        match f.severity {
            Severity::Error => row.totals.error += 1,
            Severity::Warning => row.totals.warning += 1,
            Severity::Info => row.totals.info += 1,
        }
        let r = row.rules.entry(f.rule.clone()).or_insert((f.severity, 0));
        r.0 = r.0.max(f.severity);
        r.1 += 1;
    }
    rows.into_values().collect()
}

fn label(t: &TeamRow) -> &str {
    t.team.as_deref().unwrap_or("-")
}

fn score(t: &TeamRow) -> String {
    t.score_percent()
        .map_or_else(|| "-".into(), |p| format!("{p}%"))
}

/// The `Teams` table of `--format text` (empty without teams).
pub fn text(rows: &[TeamRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let w = rows
        .iter()
        .map(|t| label(t).len())
        .chain([4])
        .max()
        .unwrap_or(4);
    let mut out = format!(
        "\nTeams\n  {:<w$}  services  checks  passing  score  errors  warnings  info\n",
        "team"
    );
    for t in rows {
        out.push_str(&format!(
            "  {:<w$}  {:>8}  {:>6}  {:>7}  {:>5}  {:>6}  {:>8}  {:>4}\n",
            label(t),
            t.services.len(),
            t.checks,
            t.passing,
            score(t),
            t.totals.error,
            t.totals.warning,
            t.totals.info
        ));
    }
    out
}

/// The `Teams` table of `--format markdown` (empty without teams).
pub fn markdown(rows: &[TeamRow]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        "\n### Teams\n\n| Team | Services | Checks | Passing | Score | Errors | Warnings | Info |\n|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for t in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} |\n",
            super::cell(label(t)),
            t.services.len(),
            t.checks,
            t.passing,
            score(t),
            t.totals.error,
            t.totals.warning,
            t.totals.info
        ));
    }
    out
}

/// `teams` of `--format json`.
pub fn json(rows: &[TeamRow]) -> Value {
    Value::Array(
        rows.iter()
            .map(|t| {
                json!({
                    "team": t.team,
                    "services": t.services,
                    "score": {"checks": t.checks, "passing": t.passing, "percent": t.score_percent()},
                    "summary": {"error": t.totals.error, "warning": t.totals.warning, "info": t.totals.info},
                    "rules": t.rules.iter().map(|(r, (sev, n))| json!({
                        "rule": r, "severity": sev.as_str(), "findings": n,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// The heading of a service in text and markdown: with its team when the audit has teams.
pub fn service_label(run_has_teams: bool, service: &str, team: Option<&str>) -> String {
    match (run_has_teams, team) {
        (true, Some(t)) => format!("{service} (team {t})"),
        (true, None) => format!("{service} (no team)"),
        _ => service.to_string(),
    }
}
