//! What `chartgate check` adds around the analysis: Rego policies compiled once per run,
//! `exemptions:` shared by every analysis (chart × environment) of the run, and baselines
//! (`--baseline`, `--baseline-out`).

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use super::check::CheckArgs;
use super::policy::{CheckPolicies, load_for_check};
use crate::analyze::exemptions::ExemptionSet;
use crate::analyze::rego::PolicySet;
use crate::analyze::settings::Settings;
use crate::config::{Config, Level};
use crate::discover::manifests::display_path;
use crate::report::baseline::{BaselineEntry, apply, load_baseline, write_baseline};
use crate::report::finding::{Finding, Severity};

/// Environment variable that fixes "today" for exemption expiry (`YYYY-MM-DD`), so a CI run
/// can be reproduced later.
pub const TODAY_VAR: &str = "CHARTGATE_TODAY";

/// Policies and exemptions prepared once for the run.
pub struct CheckExtras {
    /// The compiled policies (bundled + config + `--policy`).
    pub policies: Arc<PolicySet>,
    /// The config's exemptions (None when there are none).
    pub exemptions: Option<Arc<ExemptionSet>>,
}

/// Compiles the policies and prepares the exemptions. Errors: `policy error: FILE:LINE:COL: ...`.
pub fn prepare(args: &CheckArgs, config: &Config, cwd: &Path) -> Result<CheckExtras, String> {
    let opts = CheckPolicies {
        policy: &args.policy,
        data: &args.data,
        namespaces: &args.namespace,
        all_namespaces: args.all_namespaces,
        combine: args.combine,
    };
    let policies =
        load_for_check(&opts, &config.policies, cwd).map_err(|e| format!("policy error: {e}"))?;
    unknown_rules(config, &policies, cwd)?;
    let exemptions = if config.exemptions.is_empty() {
        None
    } else {
        let items = config
            .exemptions
            .iter()
            .cloned()
            .map(|mut e| {
                e.location.file = display_path(Path::new(&e.location.file), cwd);
                e
            })
            .collect();
        Some(Arc::new(ExemptionSet::new(items, today()?)))
    };
    Ok(CheckExtras {
        policies: Arc::new(policies),
        exemptions,
    })
}

/// A rule id under `rules:` (top level or an environment's) or in an exemption that no built-in
/// rule, engine rule or policy rule of the run has: a config error at its line, with a
/// did-you-mean. A misspelt id would otherwise silently configure nothing.
pub fn unknown_rules(config: &Config, policies: &PolicySet, cwd: &Path) -> Result<(), String> {
    use crate::analyze::{engine::ENGINE_RULES, registry};
    let known = |id: &str| {
        registry::find(id).is_some()
            || ENGINE_RULES.iter().any(|r| r.id == id)
            || policies.defines_rule(id)
    };
    for (id, at) in &config.rule_refs {
        if known(id) {
            continue;
        }
        let mut candidates: Vec<String> = registry::all()
            .iter()
            .chain(ENGINE_RULES)
            .map(|r| r.id.to_string())
            .chain(policies.defined_ids().iter().cloned())
            .collect();
        candidates.sort_by_key(|c| crate::analyze::registry::distance(id, c));
        let hint = candidates
            .first()
            .filter(|c| crate::analyze::registry::distance(id, c) <= id.len().max(3) / 3 + 1)
            .map(|c| format!("; did you mean `{c}`?"))
            .unwrap_or_else(|| "; `chartgate rules` lists every rule".to_string());
        return Err(format!(
            "config error: {}:{}:{}: unknown rule `{}`{hint}",
            display_path(Path::new(&at.file), cwd),
            at.line,
            at.column,
            excerpt(id)
        ));
    }
    Ok(())
}

/// A short, printable excerpt of untrusted text for an error message: control characters
/// escaped, at most 60 characters.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(60).flat_map(char::escape_debug).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

fn today() -> Result<NaiveDate, String> {
    match std::env::var(TODAY_VAR) {
        Ok(s) => NaiveDate::parse_from_str(&s, "%Y-%m-%d")
            .map_err(|_| format!("{TODAY_VAR} must be a date YYYY-MM-DD, got `{s}`")),
        Err(_) => Ok(chrono::Local::now().date_naive()),
    }
}

impl CheckExtras {
    /// The settings with the run's policies and exemptions.
    pub fn apply(&self, mut settings: Settings) -> Settings {
        settings.policies = Some(self.policies.clone());
        settings.exemptions = self.exemptions.clone();
        settings
    }

    /// Findings about the run as a whole, once every analysis is done: expired and unused
    /// exemptions (severity from the config's global `rules:`).
    pub fn run_findings(&self, config: &Config) -> Vec<Finding> {
        let Some(ex) = &self.exemptions else {
            return Vec::new();
        };
        let level = |id: &str| -> Option<Option<Severity>> {
            config.rule_setting(id, None).level.map(|l| match l {
                Level::Off => None,
                Level::On(s) => Some(s),
            })
        };
        ex.findings(&level)
    }
}

/// `--baseline-out FILE` writes every current finding; `--baseline FILE` keeps the findings
/// the baseline does not hold and returns its entries no finding matches any more (fixed).
pub fn apply_baseline(
    args: &CheckArgs,
    findings: Vec<Finding>,
) -> Result<(Vec<Finding>, Option<Vec<BaselineEntry>>), String> {
    if let Some(out) = &args.baseline_out {
        std::fs::write(out, write_baseline(&findings))
            .map_err(|e| format!("cannot write baseline {}: {e}", out.display()))?;
    }
    let Some(path) = &args.baseline else {
        return Ok((findings, None));
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read baseline {}: {e}", path.display()))?;
    let baseline = load_baseline(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let (new, fixed) = apply(&baseline, &findings);
    Ok((new, Some(fixed)))
}

/// Adds the fixed baseline entries to a rendered report: a `baseline.fixed` list in JSON, a
/// closing section in text. Other formats describe findings only and are left as they are.
pub fn with_fixed(format: &str, report: Vec<u8>, fixed: Option<&Vec<BaselineEntry>>) -> Vec<u8> {
    let Some(fixed) = fixed else {
        return report;
    };
    match format {
        "json" => {
            let Ok(mut doc) = serde_json::from_slice::<serde_json::Value>(&report) else {
                return report;
            };
            if let Some(obj) = doc.as_object_mut() {
                obj.insert("baseline".into(), serde_json::json!({ "fixed": fixed }));
            }
            let mut out = serde_json::to_vec_pretty(&doc).unwrap_or(report);
            out.push(b'\n');
            out
        }
        "text" => {
            let mut out = report;
            if fixed.is_empty() {
                out.extend_from_slice(b"Baseline: no entry fixed\n");
            } else {
                out.extend_from_slice(
                    format!("Baseline: {} fixed since it was recorded:\n", fixed.len()).as_bytes(),
                );
                for e in fixed {
                    let resource = e.resource.as_deref().unwrap_or("-");
                    let env = e
                        .environment
                        .as_deref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default();
                    out.extend_from_slice(
                        format!(
                            "  fixed: {} {resource}{env} at {}: {}\n",
                            e.rule, e.file, e.message
                        )
                        .as_bytes(),
                    );
                }
            }
            out
        }
        _ => report,
    }
}
