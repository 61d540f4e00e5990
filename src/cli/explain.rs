//! `chartgate explain ID`: print a rule's documentation (built-in rules from their doc
//! comments, Rego policy rules from their METADATA `title`/`description`).

use std::io::Write;
use std::path::PathBuf;

use super::rules::anyhow_like::Result;
use crate::analyze::{engine, registry};

/// Arguments of `chartgate explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id (see `chartgate rules`).
    pub id: String,
    /// Config file whose `policies:` are searched too (default: the nearest chartgate.yaml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// More Rego policy files or directories to search (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
}

/// Prints the docs of the rule, or exit 2 with close ids when it does not exist.
pub fn run(args: &ExplainArgs, out: &mut dyn Write) -> Result<i32> {
    let builtin =
        registry::find(&args.id).or_else(|| engine::ENGINE_RULES.iter().find(|r| r.id == args.id));
    if let Some(rule) = builtin {
        writeln!(out, "# {}\n", rule.id)?;
        writeln!(
            out,
            "Default severity: {}\n",
            rule.default_severity.as_str()
        )?;
        writeln!(out, "{}\n", rule.summary)?;
        write!(out, "{}", rule.docs_text())?;
        return Ok(super::EXIT_OK);
    }
    let policies = match super::rules::policy_rules(args.config.as_deref(), &args.policy) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("chartgate: {}", crate::report::clean::log(&e.to_string()));
            return Ok(super::EXIT_ERROR);
        }
    };
    if let Some(p) = policies.iter().find(|p| p.id == args.id) {
        writeln!(out, "# {}\n", p.id)?;
        writeln!(out, "Default severity: {}\n", p.severity.as_str())?;
        if !p.title.is_empty() {
            writeln!(out, "{}\n", p.title)?;
        }
        if !p.description.is_empty() {
            writeln!(out, "{}\n", p.description.trim_end())?;
        }
        writeln!(out, "Rego policy rule defined at {}:{}.", p.file, p.line)?;
        return Ok(super::EXIT_OK);
    }
    let mut hints = registry::suggest(&args.id)
        .into_iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    hints.extend(
        policies
            .iter()
            .filter(|p| !args.id.is_empty() && (p.id.contains(&args.id) || args.id.contains(&p.id)))
            .map(|p| p.id.clone()),
    );
    if hints.is_empty() {
        eprintln!(
            "chartgate: unknown rule `{}` (run `chartgate rules` for the list)",
            args.id
        );
    } else {
        eprintln!(
            "chartgate: unknown rule `{}`; did you mean: {}?",
            args.id,
            hints.join(", ")
        );
    }
    Ok(super::EXIT_ERROR)
}
