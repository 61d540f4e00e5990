//! Command-line interface (clap), one file per command.

pub mod policy;

use clap::Parser;

/// chartgate: a policy and static-analysis linter for Helm charts.
#[derive(Parser, Debug)]
#[command(name = "chartgate", version)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Rego policy tools.
    Policy(policy::PolicyArgs),
}

/// Entry point: parses arguments, runs the command, returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match &cli.command {
        Command::Policy(args) => policy::run(args),
    }
}
