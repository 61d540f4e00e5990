//! `chartgate policy test [DIR...] [--run REGEX]`: runs `test_*` rules like `opa test`.

use crate::analyze::rego::{PolicySet, PolicySource, RegoOptions, test_runner};
use std::path::Path;

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
}

/// Collects `.rego` files under `path` (sorted), or the file itself.
pub fn collect_sources(path: &str) -> Result<Vec<PolicySource>, String> {
    let p = Path::new(path);
    let mut files = Vec::new();
    if p.is_dir() {
        for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
            let entry = entry.map_err(|e| format!("{path}: {e}"))?;
            if entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rego")
            {
                files.push(entry.path().to_path_buf());
            }
        }
    } else if p.is_file() {
        files.push(p.to_path_buf());
    } else {
        return Err(format!("{path}: no such file or directory"));
    }
    files
        .into_iter()
        .map(|f| {
            let shown = f.display().to_string();
            std::fs::read_to_string(&f)
                .map(|text| PolicySource {
                    path: shown.clone(),
                    text,
                })
                .map_err(|e| format!("{shown}: {e}"))
        })
        .collect()
}

/// Reads a `--data` file. JSON only for now: YAML data files need the positions-aware loader in
/// `crate::yaml` (being built in parallel); the analyzer should switch this to it.
pub fn read_data(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}:{}:{}: {e}", e.line(), e.column()))
}

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
            eprintln!("error: --run: {e}");
            return 2;
        }
    };
    let mut sources = Vec::new();
    if args.paths.is_empty() {
        sources = PolicySet::bundled_with_tests();
    }
    for p in &args.paths {
        match collect_sources(p) {
            Ok(s) => sources.extend(s),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let mut data = Vec::new();
    for d in &args.data {
        match read_data(d) {
            Ok(v) => data.push((d.clone(), v)),
            Err(e) => {
                eprintln!("error: {e}");
                return 2;
            }
        }
    }
    let mut limits = crate::config::Limits::default();
    for l in &args.limits {
        if let Err(e) = limits.set_arg(l) {
            eprintln!("error: {e}");
            return 2;
        }
    }
    let opts = RegoOptions {
        all_namespaces: true,
        time_limit: std::time::Duration::from_secs(limits.render_seconds),
        ..RegoOptions::default()
    };
    let set = match PolicySet::load(sources, data, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return 2;
        }
    };
    let results = test_runner::run_tests(&set, filter.as_ref());
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
