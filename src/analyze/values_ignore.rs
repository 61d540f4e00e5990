//! Suppression comments in values files, which survive Helm rendering:
//! `# chartgate: ignore <rule-id> reason="..." [expires=YYYY-MM-DD]`, trailing a values line or
//! alone on the line directly above it, suppresses the findings of that rule whose location is
//! that values line.
//!
//! The rules are those of `exemptions:` ([`super::exemptions`]): a reason is required (a
//! suppression without one suppresses nothing and is reported, as the config rejects an
//! exemption without one), an expired suppression no longer suppresses and becomes an
//! `expired-exemption` finding, and a rule id that no rule has is reported with a did-you-mean.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::exemptions::EXPIRED;
use super::rules::expired_exemption::ExpiredExemption;
use super::rules::ignore_without_reason::IgnoreWithoutReason;
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

/// Applies the suppression comments of `values_files` (an environment's) to `findings`, and
/// adds the findings about the comments themselves (unknown rule, no reason, bad or past
/// expiry date).
pub fn apply(
    findings: &mut Vec<Finding>,
    values_files: &[PathBuf],
    settings: &Settings,
    today: NaiveDate,
    cwd: &Path,
) {
    let mut extra = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for p in values_files {
        let file = crate::discover::manifests::display_path(p, cwd);
        if !seen.insert(file.clone()) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(p) else {
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
                    IgnoreWithoutReason::INFO.default_severity,
                    format!("unknown rule `{}`{}", s.rule, hint(&s.rule)),
                ))
            } else if s.reason.trim().is_empty() {
                active = false;
                Some((
                    IgnoreWithoutReason::INFO.id,
                    IgnoreWithoutReason::INFO.default_severity,
                    format!(
                        "suppression for rule `{}` needs a reason (reason=\"...\"); it suppresses nothing",
                        s.rule
                    ),
                ))
            } else {
                match &s.expires {
                    Some(Err(text)) => {
                        active = false;
                        Some((
                            IgnoreWithoutReason::INFO.id,
                            IgnoreWithoutReason::INFO.default_severity,
                            format!(
                                "suppression `expires` must be a date YYYY-MM-DD, got `{text}`"
                            ),
                        ))
                    }
                    Some(Ok(d)) if *d < today => {
                        active = false;
                        Some((
                            EXPIRED,
                            ExpiredExemption::INFO.default_severity,
                            format!(
                                "suppression of `{}` for {}:{} expired on {d}; it no longer suppresses findings (reason: {})",
                                s.rule, file, s.line, s.reason
                            ),
                        ))
                    }
                    _ => None,
                }
            };
            if active {
                findings.retain(|f| {
                    !(f.rule == s.rule && f.location.file == file && f.location.line == s.line)
                });
            }
            if let Some((rule, default, message)) = problem {
                let severity: Severity = match settings.level(rule) {
                    Some(None) => continue,
                    Some(Some(s)) => s,
                    None => default,
                };
                extra.push(Finding {
                    rule: rule.to_string(),
                    severity,
                    message,
                    resource: None,
                    location: s.at.clone(),
                    related: Vec::new(),
                    environment: settings.environment.clone(),
                    chart: None,
                    field: None,
                });
            }
        }
    }
    findings.extend(extra);
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
