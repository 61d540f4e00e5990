//! `chartgate rules`: list the built-in rules.

use std::io::Write;

use crate::analyze::registry;

/// Arguments of `chartgate rules`.
#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Output format: `text` (a table) or `json`.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

/// Prints the rule list.
pub fn run(args: &RulesArgs, out: &mut dyn Write) -> anyhow_like::Result<i32> {
    if args.format == "json" {
        let list: Vec<_> = registry::all()
            .iter()
            .map(|r| serde_json::json!({"id": r.id, "severity": r.default_severity.as_str(), "summary": r.summary}))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &list)?;
        writeln!(out)?;
    } else {
        let width = registry::all()
            .iter()
            .map(|r| r.id.len())
            .max()
            .unwrap_or(0);
        for r in registry::all() {
            writeln!(
                out,
                "{:width$}  {:7}  {}",
                r.id,
                r.default_severity.as_str(),
                r.summary
            )?;
        }
    }
    Ok(super::EXIT_OK)
}

/// Error plumbing shared by the commands: any error becomes a message and exit code 2.
pub mod anyhow_like {
    /// A command's result.
    pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;
}
