//! `chartgate policy test [DIR...] [--run REGEX]`: runs `test_*` rules like `opa test`.

use crate::analyze::rego::test_runner;

/// Arguments of `chartgate policy`.
#[derive(clap::Args, Debug, Clone)]
pub struct PolicyArgs {
    /// The policy subcommand.
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// `chartgate policy` subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum PolicyCommand {
    /// Run the `test_*` rules of Rego policies (like `opa test`).
    Test(PolicyTestArgs),
}

/// Arguments of `chartgate policy test`.
#[derive(clap::Args, Debug, Clone)]
pub struct PolicyTestArgs {
    /// Policy files or directories (searched recursively for `.rego`). Default: the bundled policies.
    pub paths: Vec<String>,
    /// Only run tests whose full name (`data.<package>.test_<name>`) matches this regex.
    #[arg(long = "run", value_name = "REGEX")]
    pub run: Option<String>,
    /// Data documents (JSON or YAML) loaded under `data`.
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<String>,
    /// Override a resource limit, `NAME=VALUE` (repeatable; `render-seconds` bounds each
    /// rule evaluation).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// The trusted platform config: its `policies:` are loaded beside the tested ones, which
    /// may not declare or feed their packages (as under `check`).
    #[arg(long = "platform-config", value_name = "FILE")]
    pub platform_config: Option<std::path::PathBuf>,
}

pub use crate::pipeline::policies::{CheckPolicies, collect_sources, load_for_check, read_data};

/// Runs the command; returns the exit code (0 all pass, 1 a test failed, 2 usage/load error).
pub fn run(args: &PolicyArgs) -> i32 {
    match &args.command {
        PolicyCommand::Test(t) => run_test(t),
    }
}

fn run_test(args: &PolicyTestArgs) -> i32 {
    let filter = match args.run.as_deref().map(regex::Regex::new).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!(
                "error: --run: {}",
                crate::report::clean::log(&e.to_string())
            );
            return 2;
        }
    };
    let mut limits = crate::model::Limits::default();
    for l in &args.limits {
        if let Err(e) = limits.set_arg(l) {
            eprintln!("error: {}", crate::report::clean::log(&e.to_string()));
            return 2;
        }
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    if let Err(e) =
        crate::pipeline::session::install_platform(args.platform_config.as_deref(), &cwd)
    {
        eprintln!(
            "error: config error: {}",
            crate::report::clean::log(&e.to_string())
        );
        return 2;
    }
    // The tested policies go through `check`'s preparation as a repository's `policies:`
    // (the trusted-package check included), beside the bundled and the platform's policies.
    let mut tested: Vec<std::path::PathBuf> = (crate::config::trust::platform())
        .map(|p| p.policies.clone())
        .unwrap_or_default();
    tested.extend(args.paths.iter().map(std::path::PathBuf::from));
    let data: Vec<std::path::PathBuf> = args.data.iter().map(std::path::PathBuf::from).collect();
    let opts = CheckPolicies {
        data: &data,
        all_namespaces: true,
        render_seconds: limits.render_seconds,
        tests: true,
        ..CheckPolicies::default()
    };
    let set = match load_for_check(&opts, &tested, &cwd) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {}", crate::report::clean::log(&e.to_string()));
            return 2;
        }
    };
    // Each run of the tests is held to the render budgets, as a check's evaluation is (the
    // bounded builtins measure what is left of it).
    let results =
        crate::budget::render_scope(&limits, || test_runner::run_tests(&set, filter.as_ref()));
    let mut failed = 0;
    for r in &results {
        let status = if r.passed { "PASS" } else { "FAIL" };
        match &r.detail {
            Some(d) => println!("{}:{}: {}: {status} ({d})", r.file, r.line, r.name),
            None => println!("{}:{}: {}: {status}", r.file, r.line, r.name),
        }
        if !r.passed {
            failed += 1;
        }
    }
    println!("{}", "-".repeat(80));
    let passed = results.len() - failed;
    if passed > 0 {
        println!("PASS: {passed}/{}", results.len());
    }
    if failed > 0 {
        println!("FAIL: {failed}/{}", results.len());
        return 1;
    }
    if results.is_empty() {
        println!("no tests found");
    }
    0
}
