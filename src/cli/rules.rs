//! `chartgate rules`: list every rule — built-in, the exemption rules, and the Rego policy rules
//! (bundled, `policies:` of the config, `--policy`) with their METADATA title.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::analyze::rego::PolicyRuleDoc;
use crate::analyze::{engine, registry};

/// Arguments of `chartgate rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format: `text` (a table) or `json`.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Config file whose `policies:` are listed too (default: the nearest chartgate.yaml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// More Rego policy files or directories to list (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
}

/// One row of the list.
struct Row {
    id: String,
    severity: &'static str,
    summary: String,
    source: String,
}

/// The Rego policy rules `chartgate check` would load from here: bundled, the config's
/// `policies:` and `--policy` (every package, whatever `--namespace` a check selects).
pub fn policy_rules(
    config: Option<&Path>,
    policy: &[PathBuf],
) -> Result<Vec<PolicyRuleDoc>, String> {
    let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
    let config = match config {
        Some(c) => crate::config::load_file(c),
        None => crate::config::find_for(&cwd),
    }
    .map_err(|e| format!("config error: {}", e.at(&cwd)))?;
    let opts = super::policy::CheckPolicies {
        policy,
        all_namespaces: true,
        render_seconds: config.limits.render_seconds,
        list_only: true,
        ..Default::default()
    };
    let set = super::policy::load_for_check(&opts, &config.policies, &cwd)
        .map_err(|e| format!("policy error: {e}"))?;
    Ok(set.rules())
}

/// Prints the rule list.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> anyhow_like::Result<i32> {
    let policies = match policy_rules(args.config.as_deref(), &args.policy) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("chartgate: {}", crate::report::clean::log(&e.to_string()));
            return Ok(super::EXIT_ERROR);
        }
    };
    let mut rows: Vec<Row> = registry::all()
        .iter()
        .chain(engine::ENGINE_RULES)
        .map(|r| Row {
            id: r.id.to_string(),
            severity: r.default_severity.as_str(),
            summary: r.summary.to_string(),
            source: "built-in".into(),
        })
        .collect();
    rows.extend(policies.into_iter().map(|p| Row {
        summary: if p.title.is_empty() {
            format!("Rego rule in {}", p.file)
        } else {
            p.title.clone()
        },
        id: p.id,
        severity: p.severity.as_str(),
        source: format!("{}:{}", p.file, p.line),
    }));
    if args.format == "json" {
        let list: Vec<_> = rows
            .iter()
            .map(|r| {
                serde_json::json!({"id": r.id, "severity": r.severity, "summary": r.summary, "source": r.source})
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &list)?;
        writeln!(out)?;
    } else {
        let width = rows.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in &rows {
            writeln!(out, "{:width$}  {:7}  {}", r.id, r.severity, r.summary)?;
        }
    }
    Ok(super::EXIT_OK)
}

/// Error plumbing shared by the commands: any error becomes a message and exit code 2.
pub mod anyhow_like {
    /// A command's result.
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
