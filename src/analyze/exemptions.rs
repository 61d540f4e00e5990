//! `exemptions:` of `chartgate.yaml`, applied in the engine's one severity/suppression sink.
//!
//! An exemption accepts the findings of one rule (built-in or Rego policy id) on the resources
//! its glob matches (`Kind/name`, `Kind/namespace/name` or `name`; no `resource` matches every
//! resource), optionally in one environment only, until `expires` (inclusive).
//!
//! One [`ExemptionSet`] is shared by every analysis of a run (all charts × environments): the
//! sink records which exemptions suppressed something, and once the run is over
//! [`ExemptionSet::findings`] reports, once per exemption, the ones that expired (they no longer
//! suppress: `expired-exemption`) and the active ones that suppressed nothing in any checked
//! environment (`unused-exemption`, as cargo-deny reports unused `skip` entries).

use std::collections::BTreeSet;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;

use crate::config::Exemption;
use crate::model::{Finding, Location, ResourceRef, Severity};

use super::rules::{expired_exemption::ExpiredExemption, unused_exemption::UnusedExemption};

/// Rule id of the finding an expired exemption becomes.
pub const EXPIRED: &str = ExpiredExemption::INFO.id;
/// Rule id of the finding for an exemption that suppressed nothing.
pub const UNUSED: &str = UnusedExemption::INFO.id;

/// The resources an exemption covers.
#[derive(Debug)]
enum Target {
    /// No `resource`: every resource.
    All,
    /// A glob over `Kind/name`, `Kind/namespace/name` or `name`.
    Glob(globset::GlobSet),
    /// A glob that cannot be compiled.
    Nothing,
}

/// The exemptions of one run, with what they matched.
#[derive(Debug)]
pub struct ExemptionSet {
    items: Vec<(Exemption, Target)>,
    today: NaiveDate,
    used: Vec<AtomicBool>,
    environments: Mutex<BTreeSet<Option<String>>>,
}

impl ExemptionSet {
    /// `items` with their `location.file` as it should be printed; `today` decides expiry (an
    /// exemption is active through its `expires` date).
    pub fn new(items: Vec<Exemption>, today: NaiveDate) -> ExemptionSet {
        let used = items.iter().map(|_| AtomicBool::new(false)).collect();
        let items = items
            .into_iter()
            .map(|e| {
                // The config loader validated the glob; should one still not compile, it is taken
                // literally, never as "match everything".
                let m = if e.resource.is_empty() {
                    Target::All
                } else {
                    globset::Glob::new(&e.resource)
                        .or_else(|_| globset::Glob::new(&globset::escape(&e.resource)))
                        .ok()
                        .and_then(|g| crate::model::glob::compile(g).ok())
                        .map_or(Target::Nothing, Target::Glob)
                };
                (e, m)
            })
            .collect();
        ExemptionSet {
            items,
            today,
            used,
            environments: Mutex::new(BTreeSet::new()),
        }
    }

    /// True when there is no exemption.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn expired(&self, e: &Exemption) -> bool {
        e.expires.is_some_and(|d| d < self.today)
    }

    /// Records that an analysis ran in `environment` (unused exemptions are only reported for
    /// environments that were checked).
    pub fn note_environment(&self, environment: Option<&str>) {
        if let Ok(mut envs) = self.environments.lock() {
            envs.insert(environment.map(str::to_string));
        }
    }

    fn applies(
        e: &Exemption,
        m: &Target,
        rule: &str,
        resource: Option<&ResourceRef>,
        environment: Option<&str>,
    ) -> bool {
        if e.rule != rule {
            return false;
        }
        if let Some(env) = &e.environment
            && Some(env.as_str()) != environment
        {
            return false;
        }
        match (m, resource) {
            (Target::All, _) => true,
            (Target::Nothing, _) | (Target::Glob(_), None) => false,
            (Target::Glob(m), Some(r)) => {
                let mut names = vec![format!("{}/{}", r.kind, r.name), r.name.clone()];
                if let Some(ns) = &r.namespace {
                    names.push(format!("{}/{}/{}", r.kind, ns, r.name));
                }
                names.iter().any(|n| m.is_match(n))
            }
        }
    }

    /// True when an active (not expired) exemption covers this finding; marks it used. An
    /// expired exemption never suppresses.
    pub fn suppresses(
        &self,
        rule: &str,
        resource: Option<&ResourceRef>,
        environment: Option<&str>,
    ) -> bool {
        let mut hit = false;
        for (i, (e, m)) in self.items.iter().enumerate() {
            if !self.expired(e) && Self::applies(e, m, rule, resource, environment) {
                if let Some(u) = self.used.get(i) {
                    u.store(true, Ordering::Relaxed);
                }
                hit = true;
            }
        }
        hit
    }

    /// The findings about the exemptions themselves, once the run is over: expired ones and
    /// active ones that suppressed nothing in any checked environment. `level` gives the
    /// configured level of a rule id (`Some(None)`: off).
    pub fn findings(&self, level: &dyn Fn(&str) -> Option<Option<Severity>>) -> Vec<Finding> {
        let envs = self
            .environments
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default();
        let mut out = Vec::new();
        for (i, (e, _)) in self.items.iter().enumerate() {
            let scope = match (&e.resource, &e.environment) {
                (r, Some(env)) if !r.is_empty() => format!("`{r}` in {env}"),
                (r, None) if !r.is_empty() => format!("`{r}`"),
                (_, Some(env)) => format!("every resource in {env}"),
                (_, None) => "every resource".to_string(),
            };
            let (rule, message) = if self.expired(e) {
                let date = e.expires.map(|d| d.to_string()).unwrap_or_default();
                (
                    EXPIRED,
                    format!(
                        "exemption of `{}` for {scope} expired on {date}; it no longer suppresses findings (reason: {})",
                        e.rule, e.reason
                    ),
                )
            } else {
                let checked = match &e.environment {
                    Some(env) => envs.contains(&Some(env.clone())),
                    None => !envs.is_empty(),
                };
                let used = self.used.get(i).is_some_and(|u| u.load(Ordering::Relaxed));
                if used || !checked {
                    continue;
                }
                (
                    UNUSED,
                    format!(
                        "exemption of `{}` for {scope} suppresses no finding; remove it",
                        e.rule
                    ),
                )
            };
            let default = if rule == EXPIRED {
                ExpiredExemption::INFO.default_severity
            } else {
                UnusedExemption::INFO.default_severity
            };
            let severity = match level(rule) {
                Some(None) => continue,
                Some(Some(s)) => s,
                None => default,
            };
            let at = Location {
                file: e.location.file.clone(),
                line: e.location.line,
                column: e.location.column,
            };
            out.push(Finding::new(rule, severity, message, at));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(rule: &str, resource: &str, env: Option<&str>, expires: Option<&str>) -> Exemption {
        Exemption {
            rule: rule.into(),
            resource: resource.into(),
            environment: env.map(str::to_string),
            reason: "why".into(),
            expires: expires.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").unwrap()),
            location: Location {
                file: "chartgate.yaml".into(),
                line: 3,
                column: 5,
            },
        }
    }

    fn res(kind: &str, name: &str) -> ResourceRef {
        ResourceRef {
            api_version: "v1".into(),
            kind: kind.into(),
            name: name.into(),
            namespace: Some("web".into()),
        }
    }

    #[test]
    fn matching_expiry_and_unused() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let set = ExemptionSet::new(
            vec![
                ex(
                    "image-registry",
                    "Deployment/legacy-*",
                    Some("dev"),
                    Some("2026-06-01"),
                ),
                ex("image-registry", "old", None, Some("2026-05-31")),
                ex("required-labels", "", Some("prod"), None),
                ex("timezone", "Deployment/web/api", None, None),
            ],
            today,
        );
        set.note_environment(Some("dev"));
        let legacy = res("Deployment", "legacy-api");
        assert!(set.suppresses("image-registry", Some(&legacy), Some("dev")));
        assert!(!set.suppresses("image-registry", Some(&legacy), Some("prod")));
        assert!(!set.suppresses("image-tag-pinned", Some(&legacy), Some("dev")));
        // Expired the day before today: no longer suppresses.
        assert!(!set.suppresses("image-registry", Some(&res("Pod", "old")), Some("dev")));
        assert!(set.suppresses("timezone", Some(&res("Deployment", "api")), Some("dev")));
        let got: Vec<(String, String)> = set
            .findings(&|_| None)
            .into_iter()
            .map(|f| (f.rule, f.message))
            .collect();
        // The prod-only exemption is not reported unused: prod was not checked.
        assert_eq!(
            got,
            vec![(
                "expired-exemption".to_string(),
                "exemption of `image-registry` for `old` expired on 2026-05-31; it no longer suppresses findings (reason: why)".to_string()
            )]
        );
        set.note_environment(Some("prod"));
        let got: Vec<String> = set
            .findings(&|_| None)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            got[1],
            "exemption of `required-labels` for every resource in prod suppresses no finding; remove it"
        );
        assert!(set.findings(&|r| (r == UNUSED).then_some(None)).len() == 1);
    }
}
