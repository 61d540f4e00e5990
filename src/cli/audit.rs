//! `chartgate audit PATH...`: every chart × environment (and plain manifest) under many
//! repositories or service folders, checked with the same pipeline as `check`, summarised per
//! service × rule × environment with a score (src/report/audit.rs). Audits report; they do not
//! gate: the exit code is 0 unless an input is broken (2), or `--fail-on` is given and a finding
//! reaches it (1).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Parser;
use rayon::prelude::*;

use super::check::CheckArgs;
use super::check_extras::CheckExtras;
use super::rules::anyhow_like::Result;
use crate::analyze::engine::{ManifestLocator, analyze};
use crate::analyze::model::SourceFile;
use crate::analyze::settings::Settings;
use crate::config::Config;
use crate::discover::charts::{DiscoverOptions, Discovered, Service, discover};
use crate::discover::manifests::display_path;
use crate::pipeline::{ChartCheckOptions, check_charts, selected_envs};
use crate::report::audit::{AuditRun, Check, json, markdown, summarise, text};
use crate::report::finding::{Finding, Severity};

/// Arguments of `chartgate audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Repositories or service folders to audit (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// Config file used for every path (default: each path's nearest chartgate.yaml files).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Summary format.
    #[arg(long, default_value = "text", value_parser = ["text", "markdown", "json"])]
    pub format: String,
    /// Write the summary to this file instead of stdout: `FILE` (in `--format`) or
    /// `FORMAT=FILE` (text, markdown or json).
    #[arg(long, value_name = "[FORMAT=]FILE")]
    pub output: Option<PathBuf>,
    /// Record every current finding (by fingerprint) as accepted, in the baseline format that
    /// `chartgate check --baseline FILE` reads.
    #[arg(long, value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity exists (default: never; audits report).
    #[arg(long, value_parser = ["error", "warning", "info"])]
    pub fail_on: Option<String>,
    /// Only these environments (repeatable or comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub env: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Rego policy file or directory added to every path's policies (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// JSON or YAML document merged under `data` for the policies (repeatable).
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
}

/// `check`'s arguments for the parts the audit shares with it (policies, data).
#[derive(Parser)]
struct CheckCli {
    #[command(flatten)]
    check: CheckArgs,
}

fn check_args(args: &AuditArgs) -> std::result::Result<CheckArgs, String> {
    let mut argv: Vec<std::ffi::OsString> = vec!["check".into()];
    for p in &args.policy {
        argv.extend(["--policy".into(), p.clone().into_os_string()]);
    }
    for d in &args.data {
        argv.extend(["--data".into(), d.clone().into_os_string()]);
    }
    CheckCli::try_parse_from(argv)
        .map(|c| c.check)
        .map_err(|e| e.to_string())
}

/// One audited path: its config, policies/exemptions and what discovery found.
struct Root {
    config: Config,
    extras: CheckExtras,
    discovered: Discovered,
}

fn config_error(e: crate::config::ConfigError, cwd: &Path) -> String {
    let file = display_path(&e.file, cwd);
    if e.line == 0 {
        format!("config error: {file}: {}", e.message)
    } else {
        format!(
            "config error: {file}:{}:{}: {}",
            e.line, e.column, e.message
        )
    }
}

fn prepare(
    path: &Path,
    args: &AuditArgs,
    check: &CheckArgs,
    cwd: &Path,
) -> std::result::Result<Root, String> {
    let overridden = match &args.config {
        Some(c) => Some(crate::config::load_file(c).map_err(|e| config_error(e, cwd))?),
        None => None,
    };
    let config = match &overridden {
        Some(c) => c.clone(),
        None => crate::config::find_for(&cwd.join(path)).map_err(|e| config_error(e, cwd))?,
    };
    let extras = super::check_extras::prepare(check, &config, cwd)?;
    let discovered = discover(
        &[path.to_path_buf()],
        &DiscoverOptions {
            include: &[],
            exclude: &[],
            config: overridden.as_ref(),
            cwd,
        },
        &mut std::io::empty(),
    )
    .map_err(|e| e.to_string())?;
    for svc in &discovered.services {
        super::check_extras::unknown_rules(&svc.config, &extras.policies, cwd)?;
    }
    Ok(Root {
        config,
        extras,
        discovered,
    })
}

/// The progress bar: drawn on stderr only when stderr is a terminal.
fn progress(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "auditing [{bar:30}] {pos}/{len} chart × environment checks ({elapsed})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Plain manifests of one root: parsed and analysed once per environment asked for (the
/// config's global settings without `--env`). Returns the checks, findings and input errors.
fn check_manifests(root: &Root, envs: &[String]) -> (Vec<Check>, Vec<Finding>, Vec<String>) {
    let limits = root.config.limits.yaml();
    let parsed: Vec<std::result::Result<SourceFile, String>> = root
        .discovered
        .manifests
        .par_iter()
        .map(|i| {
            crate::pipeline::parse_manifest(i, &limits).map_err(|e| format!("invalid YAML: {e}"))
        })
        .collect();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for p in parsed {
        match p {
            Ok(f) => files.push(f),
            Err(e) => errors.push(e),
        }
    }
    let envs: Vec<Option<&str>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.iter().map(|e| Some(e.as_str())).collect()
    };
    let mut checks = Vec::new();
    let mut findings = Vec::new();
    for env in envs {
        let settings = root
            .extras
            .apply(Settings::from_config(&root.config, env, None));
        findings.extend(analyze(&files, &settings, &ManifestLocator));
        checks.extend(files.iter().map(|f| Check {
            service: f.file.clone(),
            environment: env.map(str::to_string),
        }));
    }
    (checks, findings, errors)
}

/// The summary formats of `audit`.
const AUDIT_FORMATS: &[&str] = &["text", "markdown", "json"];

/// `--output`: `FORMAT=FILE` (a lowercase word before `=`, which must be a format `audit`
/// writes) or a plain `FILE` in `--format`.
fn output_target(arg: &Path, format: &str) -> std::result::Result<(String, PathBuf), String> {
    let text = arg.to_string_lossy();
    if let Some((f, p)) = text.split_once('=')
        && !f.is_empty()
        && f.bytes().all(|b| b.is_ascii_lowercase())
    {
        if !AUDIT_FORMATS.contains(&f) || p.is_empty() {
            return Err(format!(
                "invalid --output '{}': expected FILE or FORMAT=FILE, FORMAT one of {}",
                text.escape_debug(),
                AUDIT_FORMATS.join(", ")
            ));
        }
        return Ok((f.to_string(), PathBuf::from(p)));
    }
    Ok((format.to_string(), arg.to_path_buf()))
}

/// Runs the audit; returns the exit code.
pub fn run(args: &AuditArgs, out: &mut dyn Write) -> Result<i32> {
    let cwd = std::env::current_dir()?;
    let target = match args
        .output
        .as_deref()
        .map(|o| output_target(o, &args.format))
        .transpose()
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    let format = target
        .as_ref()
        .map_or(args.format.as_str(), |(f, _)| f.as_str());
    let mut paths: Vec<PathBuf> = Vec::new();
    for p in if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    } {
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
    let check = match check_args(args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    let mut roots = Vec::with_capacity(paths.len());
    // A service folder inside a repository also given is audited once.
    let mut seen = std::collections::BTreeSet::new();
    for p in &paths {
        match prepare(p, args, &check, &cwd) {
            Ok(mut r) => {
                r.discovered
                    .services
                    .retain(|s| seen.insert(s.display.clone()));
                r.discovered
                    .manifests
                    .retain(|m| seen.insert(m.display.clone()));
                roots.push(r)
            }
            Err(e) => {
                eprintln!("chartgate: {e}");
                return Ok(super::EXIT_ERROR);
            }
        }
    }
    // The run's budget (limits.run-seconds, run-memory) starts now.
    crate::budget::start_run(&roots.first().map(|r| r.config.limits).unwrap_or_default());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let opts: Vec<ChartCheckOptions> = roots
        .iter()
        .map(|r| ChartCheckOptions {
            envs: args.env.clone(),
            cluster: None,
            cwd: cwd.clone(),
            policies: Some(r.extras.policies.clone()),
            exemptions: r.extras.exemptions.clone(),
            renderer: crate::render::Renderer::Native,
            repos: Default::default(),
        })
        .collect();
    // Jobs are services (each rendered in all its environments) so the bar moves as they end.
    let jobs: Vec<(usize, &Service)> = roots
        .iter()
        .enumerate()
        .flat_map(|(i, r)| r.discovered.services.iter().map(move |s| (i, s)))
        .collect();
    let mut checks: Vec<Check> = Vec::new();
    for (_, svc) in &jobs {
        checks.extend(selected_envs(svc, &args.env).into_iter().map(|e| Check {
            service: svc.display.clone(),
            environment: e.name,
        }));
    }
    let bar = progress(checks.len() as u64);
    let (chart_findings, manifests) = pool.install(|| {
        let chart_findings: Vec<Finding> = jobs
            .par_iter()
            .flat_map_iter(|(i, svc)| {
                let r = check_charts(std::slice::from_ref(*svc), &opts[*i]);
                bar.inc(r.renders as u64);
                r.findings
            })
            .collect();
        let manifests: Vec<_> = roots
            .iter()
            .map(|r| check_manifests(r, &args.env))
            .collect();
        (chart_findings, manifests)
    });
    bar.finish_and_clear();
    let mut findings = chart_findings;
    let mut input_errors = Vec::new();
    for (c, f, e) in manifests {
        checks.extend(c);
        findings.extend(f);
        input_errors.extend(e);
    }
    // Exemption findings once every analysis of a root is done (they record their use).
    for r in &roots {
        findings.extend(r.extras.run_findings(&r.config));
    }
    crate::report::sort_findings(&mut findings);
    for e in &input_errors {
        eprintln!("chartgate: {e}");
    }
    if let Some(path) = &args.baseline_out {
        let text = crate::report::baseline::write_baseline(&findings);
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("chartgate: cannot write baseline {}: {e}", path.display());
            return Ok(super::EXIT_ERROR);
        }
    }
    let summary = summarise(&AuditRun {
        roots: paths.iter().map(|p| display_root(p, &cwd)).collect(),
        checks,
        findings: findings.clone(),
    });
    let report = match format {
        "markdown" => markdown(&summary),
        "json" => json(&summary, &findings),
        _ => text(&summary),
    };
    match &target {
        Some((_, path)) => {
            if let Err(e) = std::fs::write(path, report) {
                eprintln!("chartgate: cannot write {}: {e}", path.display());
                return Ok(super::EXIT_ERROR);
            }
        }
        None => out.write_all(report.as_bytes())?,
    }
    if !input_errors.is_empty() {
        return Ok(super::EXIT_ERROR);
    }
    let fail_on = args.fail_on.as_deref().and_then(Severity::parse);
    Ok(match fail_on {
        Some(level) if findings.iter().any(|f| f.severity >= level) => super::EXIT_FINDINGS,
        _ => super::EXIT_OK,
    })
}

fn display_root(p: &Path, cwd: &Path) -> String {
    let s = display_path(p, cwd);
    if s.is_empty() { ".".into() } else { s }
}
