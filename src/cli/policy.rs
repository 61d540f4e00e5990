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
            // Bounded: size checked before reading; a device or FIFO is never opened.
            crate::config::confine::read_bounded_text(
                &f,
                crate::config::Limits::default().file_bytes,
            )
            .map(|text| PolicySource {
                path: shown.clone(),
                text,
            })
            .map_err(|e| format!("{shown}: {e}"))
        })
        .collect()
}

/// Reads a `--data` file: JSON (`.json`) or YAML (anything else; one document, read with
/// Helm's go-yaml v2 rules like values files). Errors name file:line:col.
pub fn read_data(path: &str) -> Result<serde_json::Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    if path.ends_with(".json") {
        return serde_json::from_str(&text)
            .map_err(|e| format!("{path}:{}:{}: {e}", e.line(), e.column()));
    }
    let docs = crate::yaml::parse_stream(&text, &crate::yaml::Limits::default())
        .map_err(|e| format!("{path}:{}:{}: {}", e.pos.line, e.pos.col, e.message))?;
    let mut docs = docs
        .into_iter()
        .filter(|d| !matches!(d.root.kind, crate::yaml::NodeKind::Null));
    let Some(first) = docs.next() else {
        return Ok(serde_json::json!({}));
    };
    if let Some(second) = docs.next() {
        return Err(format!(
            "{path}:{}:{}: a data file holds one YAML document",
            second.root.pos.line, second.root.pos.col
        ));
    }
    Ok(first.root.to_json())
}

/// The policy options of `chartgate check`.
#[derive(Clone, Debug, Default)]
pub struct CheckPolicies<'a> {
    /// `--policy PATH...`
    pub policy: &'a [std::path::PathBuf],
    /// `--data FILE...`
    pub data: &'a [std::path::PathBuf],
    /// `--namespace NS...`
    pub namespaces: &'a [String],
    /// `--all-namespaces`
    pub all_namespaces: bool,
    /// `--combine`
    pub combine: bool,
}

/// Compiles the policies `chartgate check` evaluates, once per run: the bundled platform
/// policies, `policies:` of the config (already resolved against the file naming them) and
/// `--policy`, with the `--data` documents. `_test.rego` files are not loaded (they are for
/// `chartgate policy test`); a file identical to a bundled one is loaded once. Paths print
/// relative to `cwd`. Errors are `FILE:LINE:COL: message`.
pub fn load_for_check(
    opts: &CheckPolicies<'_>,
    config_policies: &[std::path::PathBuf],
    cwd: &Path,
) -> Result<PolicySet, String> {
    let mut sources = PolicySet::bundled();
    let shown = |p: &Path| {
        let s = crate::discover::manifests::display_path(p, cwd);
        if s.is_empty() { ".".to_string() } else { s }
    };
    for p in config_policies.iter().chain(opts.policy) {
        for src in collect_sources(&shown(p))? {
            let is_test = src.path.ends_with("_test.rego");
            if !is_test && !sources.iter().any(|s| s.text == src.text) {
                sources.push(src);
            }
        }
    }
    let mut data = Vec::new();
    for d in opts.data {
        let name = shown(d);
        data.push((name.clone(), read_data(&name)?));
    }
    let mut rego = RegoOptions {
        all_namespaces: opts.all_namespaces,
        combine: opts.combine,
        ..RegoOptions::default()
    };
    if !opts.namespaces.is_empty() {
        rego.namespaces = opts.namespaces.to_vec();
    }
    PolicySet::load(sources, data, rego).map_err(|e| e.to_string())
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
