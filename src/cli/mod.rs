//! Command-line interface (clap), one file per command.
pub mod audit;
pub mod base;
pub mod check;
pub mod check_extras;
pub mod diff;
pub mod explain;
mod panic_hook;
pub mod policy;
pub mod render;
pub mod rules;
pub mod run_args;
mod stopped;
pub mod values;

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
    #[command(after_help = "Examples:
  chartgate check .                                   every chart and environment under .
  chartgate check services/web --env prod             one service, one environment
  chartgate check manifests/ --format json            plain manifest files, JSON report
  chartgate check . --output sarif=chartgate.sarif --output github=-
  chartgate check . --policy team-policies/ --data data.yaml
  chartgate check . --baseline-out baseline.json      record today's findings as accepted
  chartgate check . --baseline baseline.json          report only new findings")]
    Check(check::CheckArgs),
    /// Audit many repositories or service folders: every chart × environment, summarised per
    /// service × rule × environment with a score (exit 0 unless an input is broken or
    /// `--fail-on` is given).
    #[command(after_help = "Examples:
  chartgate audit repos/team-a repos/team-b             text summary and score
  chartgate audit . --format markdown --output audit.md
  chartgate audit . --baseline-out baseline.json        accept today's findings
  chartgate audit services/* --format json --output audit.json
  chartgate audit . --fail-on error                     exit 1 when any error is found")]
    Audit(audit::AuditArgs),
    /// List the built-in rules (id, default severity, summary).
    #[command(after_help = "Examples:
  chartgate rules
  chartgate rules --policy team-policies/")]
    Rules(rules::RulesArgs),
    /// Print a rule's documentation.
    #[command(after_help = "Examples:
  chartgate explain singleton-replicas
  chartgate explain required-labels")]
    Explain(explain::ExplainArgs),
    /// Render a chart like `helm template` (no helm binary needed).
    #[command(after_help = "Examples:
  chartgate render charts/web -f charts/web/values-prod.yaml --namespace team-a
  chartgate render charts/web --set image.tag=1.2.3 --output json
  chartgate render charts/web --renderer helm        use a `helm` on PATH instead")]
    Render(render::RenderArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = "Examples:
  chartgate completions bash > /etc/bash_completion.d/chartgate
  chartgate completions zsh > \"${fpath[1]}/_chartgate\"
  chartgate completions fish > ~/.config/fish/completions/chartgate.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Rego policy tools (`chartgate policy test`).
    #[command(after_help = "Examples:
  chartgate policy test policies/
  chartgate policy test team-policies/ --run 'test_deny_.*'")]
    Policy(policy::PolicyArgs),
    /// Print the effective values of one render (chart defaults, subcharts, the environment's
    /// values files, Argo CD parameters), each with the file:line that set it.
    #[command(after_help = "Examples:
  chartgate values services/web --env prod
  chartgate values web --env prod --format json")]
    Values(values::ValuesArgs),
    /// Show the rendered objects that differ between two environments, per object and field,
    /// with the values lines that set each change.
    #[command(after_help = "Examples:
  chartgate diff --env staging --env prod
  chartgate diff services/ --env dev,prod --format markdown > diff.md")]
    Diff(diff::DiffArgs),
}

/// Exit code: no finding at or above `--fail-on`.
pub const EXIT_OK: i32 = 0;
/// Exit code: findings at or above `--fail-on`.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: usage, config or input error.
pub const EXIT_ERROR: i32 = 2;

/// Prints `chartgate: {message}` on stderr (control characters escaped) and returns
/// [`EXIT_ERROR`].
pub fn fail(message: &str) -> i32 {
    eprintln!("chartgate: {}", crate::report::clean::log(message));
    EXIT_ERROR
}

/// Entry point: parses arguments, runs the command, returns the exit code.
pub fn main() -> i32 {
    panic_hook::install();
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
        Command::Audit(args) => audit::run(&args, &mut out),
        Command::Rules(args) => rules::run(&args, &mut out),
        Command::Explain(args) => explain::run(&args, &mut out),
        Command::Policy(args) => Ok(policy::run(&args)),
        Command::Render(args) => Ok(render::run(&args)),
        Command::Values(args) => values::run(&args, &mut out),
        Command::Diff(args) => diff::run(&args, &mut out),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "chartgate", &mut out);
            Ok(EXIT_OK)
        }
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chartgate: {}", crate::report::clean::log(&e.to_string()));
            EXIT_ERROR
        }
    }
}
