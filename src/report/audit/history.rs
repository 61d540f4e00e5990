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
use std::io::Write;
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
    let mut counts: BTreeMap<(Option<&str>, &str, &str, Option<&str>), usize> = BTreeMap::new();
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

/// Appends `line` and a newline to `path` (created if missing).
pub fn append(path: &Path, line: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(format!("{line}\n").as_bytes())
}
