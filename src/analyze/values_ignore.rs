//! Suppression comments in values files, which survive Helm rendering:
//! `# chartgate: ignore <rule-id> reason="..." [expires=YYYY-MM-DD]`, trailing a values line or
//! alone on the line directly above it, suppresses the findings of that rule whose location is
//! that values line.
//!
//! The rules are those of `exemptions:` ([`super::exemptions`]): a reason is required (a
//! suppression without one suppresses nothing and is reported, as the config rejects an
//! exemption without one), an expired suppression no longer suppresses and becomes an
//! `expired-exemption` finding, a rule id that no rule has is reported with a did-you-mean, and
//! an active suppression that suppressed nothing in any render of the run that read its file is
//! an `unused-exemption` finding. One [`Uses`] is shared by the renders of a run, so each
//! comment is reported once, however many environments read its file.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use super::exemptions::{EXPIRED, UNUSED};
use super::rules::expired_exemption::ExpiredExemption;
use super::rules::ignore_without_reason::IgnoreWithoutReason;
use super::rules::unused_exemption::UnusedExemption;
use super::settings::Settings;
use crate::model::{Finding, Location, Severity};

/// The marker that starts a suppression comment.
const MARKER: &str = "chartgate: ignore";

/// One suppression comment.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    /// Where the comment's `#` is.
    pub at: Location,
    /// The values line it covers.
    pub line: u32,
    pub rule: String,
    pub reason: String,
    /// `Err(text)`: an `expires` that is not a date.
    pub expires: Option<Result<NaiveDate, String>>,
}

/// The suppression comments of a values file's text (`file` as printed).
pub fn parse(text: &str, file: &str) -> Vec<Suppression> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let Some(hash) = comment_start(line) else {
            continue;
        };
        let body = line[hash + 1..].trim_start();
        let Some(rest) = body.strip_prefix(MARKER) else {
            continue;
        };
        if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
            continue;
        }
        let rest = rest.trim_start();
        let rule: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
        let mut attrs = &rest[rule.len()..];
        let mut reason = String::new();
        let mut expires = None;
        loop {
            attrs = attrs.trim_start();
            if let Some(r) = attrs.strip_prefix("reason=\"") {
                let end = r.find('"').unwrap_or(r.len());
                reason = r[..end].to_string();
                attrs = r.get(end + 1..).unwrap_or("");
            } else if let Some(r) = attrs.strip_prefix("expires=") {
                let v: String = r.chars().take_while(|c| !c.is_whitespace()).collect();
                expires = Some(NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|_| v.clone()));
                attrs = &r[v.len()..];
            } else {
                break;
            }
        }
        let lineno = i as u32 + 1;
        let own_line = line[..hash].trim().is_empty();
        out.push(Suppression {
            at: Location {
                file: file.to_string(),
                line: lineno,
                column: line[..hash].chars().count() as u32 + 1,
            },
            line: if own_line { lineno + 1 } else { lineno },
            rule,
            reason,
            expires,
        });
    }
    out
}

/// Byte index of the `#` that starts a YAML comment on `line` (at the start or after
/// whitespace, outside quotes).
fn comment_start(line: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && prev.is_whitespace() => return Some(i),
            None if (c == '"' || c == '\'') && (prev.is_whitespace() || prev == ':') => {
                quote = Some(c)
            }
            None => {}
        }
        prev = c;
    }
    None
}

/// What one suppression comment did over the renders of a run that read its file.
#[derive(Debug)]
struct Seen {
    at: Location,
    /// The values line it covers.
    line: u32,
    rule: String,
    /// A finding about the comment itself (rule id, severity per render, message), found the
    /// same in every render; `None` for an active comment.
    problem: Option<(&'static str, String)>,
    /// The highest severity the comment's finding has in any render (`None`: off everywhere).
    severity: Option<Severity>,
    /// Whether it suppressed a finding in some render.
    used: bool,
    environments: BTreeSet<Option<String>>,
    charts: BTreeSet<String>,
}

/// The suppression comments of a run's values files, shared by every render: which ones
/// suppressed something, and how many renders read each file. Once the run is over,
/// [`Uses::findings`] reports each comment's problems once (however many environments read the
/// file), and the active comments that suppressed nothing in any render — as
/// [`ExemptionSet`](super::exemptions::ExemptionSet) does for `exemptions:`.
#[derive(Debug, Default)]
pub struct Uses {
    seen: Mutex<BTreeMap<(String, u32, u32), Seen>>,
    /// Renders that applied the comments of a file (file as printed).
    renders: Mutex<BTreeMap<String, usize>>,
}

impl Uses {
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        file: &str,
        s: &Suppression,
        problem: Option<(&'static str, String)>,
        severity: Option<Severity>,
        used: bool,
        settings: &Settings,
        chart: &str,
    ) {
        let Ok(mut seen) = self.seen.lock() else {
            return;
        };
        let e = seen
            .entry((file.to_string(), s.at.line, s.at.column))
            .or_insert_with(|| Seen {
                at: s.at.clone(),
                line: s.line,
                rule: s.rule.clone(),
                problem,
                severity: None,
                used: false,
                environments: BTreeSet::new(),
                charts: BTreeSet::new(),
            });
        e.severity = e.severity.max(severity);
        e.used |= used;
        e.environments.insert(settings.environment.clone());
        e.charts.insert(chart.to_string());
    }

    /// The findings about the comments, once every render is done: each comment's problem
    /// once, and `unused-exemption` for an active comment that suppressed nothing in any
    /// render. A comment is only judged unused when `judged(file, renders)` says the renders
    /// that read its file are all the renders that should have (none failed, none was left out
    /// by `--env`).
    pub fn findings(&self, judged: &dyn Fn(&str, usize) -> bool) -> Vec<Finding> {
        let seen = match self.seen.lock() {
            Ok(s) => s,
            Err(_) => return Vec::new(),
        };
        let renders = self.renders.lock().map(|r| r.clone()).unwrap_or_default();
        let mut out = Vec::new();
        for ((file, _, _), s) in seen.iter() {
            let (rule, message) = match &s.problem {
                Some((rule, message)) => (*rule, message.clone()),
                None if s.used => continue,
                None => {
                    if !judged(file, renders.get(file).copied().unwrap_or(0)) {
                        continue;
                    }
                    (
                        UNUSED,
                        format!(
                            "suppression of `{}` for {}:{} suppresses no finding; remove it",
                            s.rule, file, s.line
                        ),
                    )
                }
            };
            let Some(severity) = s.severity else {
                continue;
            };
            let one = |set: &BTreeSet<Option<String>>| {
                if set.len() == 1 {
                    set.iter().next().cloned().flatten()
                } else {
                    None
                }
            };
            let chart = if s.charts.len() == 1 {
                s.charts.iter().next().cloned()
            } else {
                None
            };
            out.push(
                Finding::new(rule, severity, message, s.at.clone())
                    .with_environment(one(&s.environments))
                    .with_chart(chart),
            );
        }
        out
    }
}

impl Uses {
    /// [`Uses::findings`] for a run whose renders read the values files `rendered` (one list
    /// per render, in job order) and left out the environments whose files are `left_out`
    /// (`--env` selected others): a comment is judged unused only when every render that
    /// should read its file did (none failed or ran out of time) and no left-out environment
    /// reads it.
    pub fn run_findings<'a>(
        &self,
        rendered: impl Iterator<Item = &'a [PathBuf]>,
        left_out: impl Iterator<Item = &'a [PathBuf]>,
        cwd: &Path,
    ) -> Vec<Finding> {
        let files = |values: &[PathBuf]| -> BTreeSet<String> {
            values
                .iter()
                .map(|p| crate::discover::manifests::display_path(p, cwd))
                .collect()
        };
        let mut expected: BTreeMap<String, usize> = BTreeMap::new();
        for v in rendered {
            for f in files(v) {
                *expected.entry(f).or_default() += 1;
            }
        }
        let skipped: BTreeSet<String> = left_out.flat_map(files).collect();
        self.findings(&|file, n| {
            !skipped.contains(file) && expected.get(file).is_some_and(|e| *e == n)
        })
    }
}

/// Applies the suppression comments of `values_files` (an environment's, rendering `chart`)
/// to `findings`, and records in `uses` what each comment did and the findings about the
/// comments themselves (unknown rule, no reason, bad or past expiry date).
pub fn apply(
    findings: &mut Vec<Finding>,
    values_files: &[PathBuf],
    settings: &Settings,
    today: NaiveDate,
    cwd: &Path,
    uses: &Uses,
    chart: &str,
) {
    let mut seen = BTreeSet::new();
    for p in values_files {
        let file = crate::discover::manifests::display_path(p, cwd);
        if !seen.insert(file.clone()) {
            continue;
        }
        if let Ok(mut r) = uses.renders.lock() {
            *r.entry(file.clone()).or_default() += 1;
        }
        let Ok(text) =
            crate::confine::read_repo_text(p, crate::model::Limits::default().file_bytes)
        else {
            continue;
        };
        if !text.contains(MARKER) {
            continue;
        }
        for s in parse(&text, &file) {
            let mut active = true;
            let problem = if !is_rule(&s.rule, settings) {
                active = false;
                Some((
                    IgnoreWithoutReason::INFO.id,
                    format!("unknown rule `{}`{}", s.rule, hint(&s.rule)),
                ))
            } else if s.reason.trim().is_empty() {
                active = false;
                Some((
                    IgnoreWithoutReason::INFO.id,
                    format!(
                        "suppression for rule `{}` needs a reason (reason=\"...\"); it suppresses nothing",
                        s.rule
                    ),
                ))
            } else if crate::config::trust::locked(&s.rule) {
                active = false;
                Some((
                    IgnoreWithoutReason::INFO.id,
                    format!(
                        "suppression for rule `{}`: the platform config locks this rule (lock-exemptions); it suppresses nothing",
                        s.rule
                    ),
                ))
            } else {
                match &s.expires {
                    Some(Err(text)) => {
                        active = false;
                        Some((
                            IgnoreWithoutReason::INFO.id,
                            format!(
                                "suppression `expires` must be a date YYYY-MM-DD, got `{text}`"
                            ),
                        ))
                    }
                    Some(Ok(d)) if *d < today => {
                        active = false;
                        Some((
                            EXPIRED,
                            format!(
                                "suppression of `{}` for {}:{} expired on {d}; it no longer suppresses findings (reason: {})",
                                s.rule, file, s.line, s.reason
                            ),
                        ))
                    }
                    _ => None,
                }
            };
            let mut used = false;
            if active {
                let before = findings.len();
                findings.retain(|f| {
                    !(f.rule == s.rule && f.location.file == file && f.location.line == s.line)
                });
                used = findings.len() < before;
            }
            let rule = problem.as_ref().map_or(UNUSED, |p| p.0);
            let default = match rule {
                EXPIRED => ExpiredExemption::INFO.default_severity,
                UNUSED => UnusedExemption::INFO.default_severity,
                _ => IgnoreWithoutReason::INFO.default_severity,
            };
            let severity = match settings.level(rule) {
                Some(None) => None,
                Some(Some(s)) => Some(s),
                None => Some(default),
            };
            uses.record(&file, &s, problem, severity, used, settings, chart);
        }
    }
}

fn is_rule(id: &str, settings: &Settings) -> bool {
    use super::{engine::ENGINE_RULES, registry};
    registry::find(id).is_some()
        || ENGINE_RULES.iter().any(|r| r.id == id)
        || settings.policies.as_ref().is_some_and(|p| p.has_rule(id))
}

/// The did-you-mean of an unknown rule id, worded as the config's.
fn hint(id: &str) -> String {
    use super::{engine::ENGINE_RULES, registry};
    let mut candidates: Vec<&str> = registry::all()
        .iter()
        .chain(ENGINE_RULES)
        .map(|r| r.id)
        .collect();
    candidates.sort_by_key(|c| registry::distance(id, c));
    candidates
        .first()
        .filter(|c| registry::distance(id, c) <= id.len().max(3) / 3 + 1)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_else(|| "; `chartgate rules` lists every rule".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_and_above() {
        let text = "a: 1 # chartgate: ignore timezone reason=\"batch, PLAT-9\" expires=2027-01-31\n# chartgate: ignore values-unknown-key\nb: 2\nc: \"# chartgate: ignore x\"\n";
        let got = parse(text, "v.yaml");
        assert_eq!(got.len(), 2);
        assert_eq!(
            (
                got[0].line,
                got[0].at.column,
                got[0].rule.as_str(),
                got[0].reason.as_str()
            ),
            (1, 6, "timezone", "batch, PLAT-9")
        );
        assert_eq!(
            got[0].expires,
            Some(Ok(NaiveDate::from_ymd_opt(2027, 1, 31).unwrap()))
        );
        assert_eq!(
            (got[1].line, got[1].at.line, got[1].reason.as_str()),
            (3, 2, "")
        );
    }
}
