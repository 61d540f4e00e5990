//! `audit --history FILE`: appends one JSON line per audit (JSON Lines), for trends:
//!
//! `{"date","roots","revisions","score":{checks,passing,percent},"teams":[{team,checks,passing}],
//! "counts":[{team,rule,severity,environment,findings}]}`
//!
//! `date` is the time of the audit in UTC (RFC 3339, whole seconds), or `SOURCE_DATE_EPOCH`
//! (seconds since 1970, the reproducible-builds convention) when set, so a line can be
//! reproduced exactly. `counts` has one entry per team × rule × severity × environment with
//! findings (`team` null: unowned; `environment` null: defaults or a plain manifest), sorted by
//! those keys, unowned and environment-less first.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::{AuditRun, AuditSummary, key_of};

/// The audit's date: `SOURCE_DATE_EPOCH` when set, else now.
pub fn date() -> Result<String, String> {
    let secs = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse::<i64>().map_err(|_| {
            format!(
                "SOURCE_DATE_EPOCH: expected seconds since 1970-01-01, got '{}'",
                v.escape_debug()
            )
        })?,
        Err(_) => chrono::Utc::now().timestamp(),
    };
    chrono::DateTime::from_timestamp(secs, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .ok_or_else(|| format!("SOURCE_DATE_EPOCH: {secs} is out of range"))
}

/// The history line of one audit (without the newline).
pub fn line(run: &AuditRun, s: &AuditSummary, date: &str) -> String {
    // (team, service, rule, environment) → findings.
    type Key<'a> = (Option<&'a str>, &'a str, &'a str, Option<&'a str>);
    let mut counts: BTreeMap<Key<'_>, usize> = BTreeMap::new();
    for f in &run.findings {
        let service = key_of(f).service;
        let team = run.teams.get(&service).map(String::as_str);
        *counts
            .entry((
                team,
                f.rule.as_str(),
                f.severity.as_str(),
                f.environment.as_deref(),
            ))
            .or_default() += 1;
    }
    let doc = json!({
        "date": date,
        "roots": run.roots,
        "revisions": run.revisions,
        "score": {"checks": s.checks, "passing": s.passing, "percent": s.score_percent()},
        "teams": s.teams.iter().map(|t| json!({
            "team": t.team, "checks": t.checks, "passing": t.passing,
        })).collect::<Vec<_>>(),
        "counts": counts.into_iter().map(|((team, rule, severity, env), n)| json!({
            "team": team, "rule": rule, "severity": severity, "environment": env, "findings": n,
        })).collect::<Vec<_>>(),
    });
    doc.to_string()
}

/// One audit of a history file, as the HTML trend shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Point {
    pub date: String,
    /// Score in whole percent (None: nothing checked).
    pub percent: Option<u64>,
    pub checks: u64,
    pub passing: u64,
    /// Findings per severity: error, warning, info.
    pub errors: u64,
    pub warnings: u64,
    pub infos: u64,
}

/// Reads a history file (`name`: as printed in errors): one [`Point`] per line, in file order;
/// blank lines are skipped. A line that is not a history line is an error `name:LINE: ...`.
pub fn read(path: &Path, name: &str) -> Result<Vec<Point>, String> {
    let text = crate::confine::read_bounded_text(path, crate::report::INPUT_BYTES)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut points = Vec::new();
    for (i, l) in text.lines().enumerate() {
        if l.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| format!("{name}:{}: not an audit history line: {what}", i + 1);
        let v: serde_json::Value =
            serde_json::from_str(l).map_err(|e| bad(&format!("invalid JSON: {e}")))?;
        let date = v["date"]
            .as_str()
            .ok_or_else(|| bad("no \"date\" string"))?
            .to_string();
        let score = &v["score"];
        let num = |v: &serde_json::Value, key: &str| {
            v[key]
                .as_u64()
                .ok_or_else(|| bad(&format!("no \"{key}\" count")))
        };
        let (checks, passing) = (num(score, "checks")?, num(score, "passing")?);
        let counts = v["counts"]
            .as_array()
            .ok_or_else(|| bad("no \"counts\" list"))?;
        let (mut errors, mut warnings, mut infos) = (0, 0, 0);
        for c in counts {
            let n = num(c, "findings")?;
            match c["severity"].as_str() {
                Some("error") => errors += n,
                Some("warning") => warnings += n,
                Some("info") => infos += n,
                _ => return Err(bad("a count without a known \"severity\"")),
            }
        }
        points.push(Point {
            date,
            percent: score["percent"].as_u64(),
            checks,
            passing,
            errors,
            warnings,
            infos,
        });
    }
    Ok(points)
}
