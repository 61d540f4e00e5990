//! Command-line interface (clap), one file per command.
pub mod check;
pub mod check_extras;
pub mod explain;
pub mod policy;
pub mod render;
pub mod rules;

use clap::{Parser, Subcommand};

/// chartgate: policy and static-analysis linter for Helm charts and Kubernetes manifests.
#[derive(Debug, Parser)]
#[command(name = "chartgate", version, about)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// chartgate's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check manifests (files, directories, `-` for stdin) against the rules.
    Check(check::CheckArgs),
    /// List the built-in rules (id, default severity, summary).
    Rules(rules::RulesArgs),
    /// Print a rule's documentation.
    Explain(explain::ExplainArgs),
    /// Render a chart like `helm template` (no helm binary needed).
    Render(render::RenderArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Rego policy tools (`chartgate policy test`).
    Policy(policy::PolicyArgs),
}

/// Exit code: no finding at or above `--fail-on`.
pub const EXIT_OK: i32 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage, config or input error.
pub const EXIT_ERROR: i32 = 2;

/// Entry point: parses arguments, runs the command, returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    run(cli)
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> i32 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Check(args) => check::run(&args, &mut out),
        Command::Rules(args) => rules::run(&args, &mut out),
        Command::Explain(args) => explain::run(&args, &mut out),
        Command::Policy(args) => Ok(policy::run(&args)),
        Command::Render(args) => Ok(render::run(&args)),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "chartgate", &mut out);
            Ok(EXIT_OK)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chartgate: {e}");
            EXIT_ERROR
        }
    }
}
