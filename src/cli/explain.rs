//! `chartgate explain ID`: print a rule's documentation.

use std::io::Write;

use super::rules::anyhow_like::Result;
use crate::analyze::registry;

/// Arguments of `chartgate explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The rule id (see `chartgate rules`).
    pub id: String,
}

/// Prints the docs of the rule, or exit 2 with close ids when it does not exist.
pub fn run(args: &ExplainArgs, out: &mut dyn Write) -> Result<i32> {
    let Some(rule) = registry::find(&args.id) else {
        let hints = registry::suggest(&args.id);
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
        return Ok(super::EXIT_ERROR);
    };
    writeln!(out, "# {}\n", rule.id)?;
    writeln!(
        out,
        "Default severity: {}\n",
        rule.default_severity.as_str()
    )?;
    writeln!(out, "{}\n", rule.summary)?;
    write!(out, "{}", rule.docs_text())?;
    Ok(super::EXIT_OK)
}
