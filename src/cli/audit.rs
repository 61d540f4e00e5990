//! `chartgate audit PATH...`: every chart × environment (and plain manifest) under many
//! repositories or service folders, checked with the same pipeline as `check`, summarised per
//! service × rule × environment with a score (src/report/audit.rs). Audits report; they do not
//! gate: the exit code is 0 unless an input is broken (2), or `--fail-on` is given and a finding
//! reaches it (1).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use super::rules::anyhow_like::Result;
use crate::discover::charts::Discovered;
use crate::discover::manifests::display_path;
use crate::model::{Finding, Severity};
use crate::pipeline::session::{Prepared, Session};
use crate::pipeline::{Progress, selected_envs};
use crate::report::audit::{AuditRun, Check, summarise};

/// Arguments of `chartgate audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Repositories or service folders to audit (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// The options `audit` shares with `check` (config, environments, policies, limits, ...).
    #[command(flatten)]
    pub run: super::run_args::RunArgs,
    /// Summary format.
    #[arg(long, default_value = "text", value_parser = ["text", "markdown", "json", "html"])]
    pub format: String,
    /// Write the summary to this file instead of stdout: `FILE` (in `--format`) or
    /// `FORMAT=FILE` (text, markdown, json or html).
    #[arg(long, value_name = "[FORMAT=]FILE")]
    pub output: Option<PathBuf>,
    /// Record every current finding (by fingerprint) as accepted, in the baseline format that
    /// `chartgate check --baseline FILE` reads.
    #[arg(long, value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity exists (default: never; audits report).
    #[arg(long, value_parser = ["error", "warning", "info"])]
    pub fail_on: Option<String>,
    /// Combine `audit --format json` reports (one per CI job) into the report of one audit
    /// over all their paths, instead of auditing.
    #[arg(long, num_args = 1.., value_name = "JSON",
          conflicts_with_all = ["paths", "config", "platform_config", "env", "jobs", "policy", "data", "repos_file"])]
    pub merge: Vec<PathBuf>,
    /// Append one JSON line for this audit (date, revisions, counts per team × rule ×
    /// severity × environment) to this file; `SOURCE_DATE_EPOCH` sets the date.
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// File listing repositories to audit, one path a line (`#` comments), after PATH...
    #[arg(long = "repos", id = "repos_file", value_name = "FILE")]
    pub repos_file: Option<PathBuf>,
    /// An earlier `audit --format json` report: count the findings new and fixed since then
    /// (matched by fingerprint); the HTML report lists them.
    #[arg(long, value_name = "OLD.json")]
    pub compare: Option<PathBuf>,
}

/// One audited path: its prepared config (policies, exemptions), what discovery found and
/// what its Argo CD Applications added.
struct Root {
    prepared: Prepared,
    discovered: Discovered,
    argo: crate::discover::argocd::ArgoRun,
}

/// Each audited path is its own repository (the root of its confinement).
fn prepare(session: &Session, path: &Path) -> std::result::Result<Root, String> {
    session.enter_root(path);
    let config = session.config_for(path)?;
    let (prepared, d) =
        session.prepare_and_discover(config, &[path.to_path_buf()], &mut std::io::empty())?;
    Ok(Root {
        prepared,
        discovered: d.discovered,
        argo: d.argo,
    })
}

/// The summary formats of `audit`.
const AUDIT_FORMATS: &[&str] = &["text", "markdown", "json", "html"];

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

/// The progress bar: drawn on stderr only when stderr is a terminal.
fn progress(total: u64) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "auditing [{bar:25}] {pos}/{len} renders, {msg} ({elapsed})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Plain manifests of one root: parsed and analysed once per environment asked for (the
/// config's global settings without `--env`). Returns the checks, findings and input errors.
fn check_manifests(
    session: &Session,
    root: &Root,
    envs: &[String],
) -> (Vec<Check>, Vec<Finding>, Vec<String>) {
    let parsed = session
        .parse_manifests(&root.discovered.manifests, &root.prepared)
        .into_iter()
        .map(|p| p.map_err(|e| format!("invalid YAML: {e}")));
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
        let settings = session.settings(&root.prepared, env);
        findings.extend(session.analyze_manifests(&files, std::slice::from_ref(&settings)));
        checks.extend(files.iter().map(|f| Check {
            service: f.file.clone(),
            environment: env.map(str::to_string),
        }));
    }
    (checks, findings, errors)
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
        Err(e) => return Ok(super::fail(&e)),
    };
    let format = target
        .as_ref()
        .map_or(args.format.as_str(), |(f, _)| f.as_str());
    if !args.merge.is_empty() {
        let files: Vec<(&Path, String)> = args
            .merge
            .iter()
            .map(|p| (p.as_path(), display_path(p, &cwd)))
            .collect();
        return match crate::report::audit::merge::merge(&files) {
            Ok(run) => finish(args, format, target.as_ref(), run, false, out),
            Err(e) => Ok(super::fail(&e)),
        };
    }
    let mut given = args.paths.clone();
    if let Some(f) = &args.repos_file {
        match crate::report::audit::owners::read_repos_file(f, &display_path(f, &cwd)) {
            Ok(r) => given.extend(r),
            Err(e) => return Ok(super::fail(&e)),
        }
    }
    let mut paths: Vec<PathBuf> = Vec::new();
    for p in if given.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        given
    } {
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
    let mut options = args.run.options();
    options.never_manifests = args.baseline_out.iter().cloned().collect();
    let session = match Session::new(options, cwd.clone(), &paths) {
        Ok(s) => s,
        Err(e) => return Ok(super::fail(&e.to_string())),
    };
    let envs = &args.run.env;
    let mut roots = Vec::with_capacity(paths.len());
    // A service folder inside a repository also given is audited once.
    let mut seen = std::collections::BTreeSet::new();
    let mut teams = std::collections::BTreeMap::new();
    for p in &paths {
        match prepare(&session, p) {
            // An empty audit never passes: each path must hold something to check.
            Ok(r)
                if !crate::discover::charts::empty_paths(
                    &r.discovered,
                    std::slice::from_ref(p),
                    &cwd,
                )
                .is_empty() =>
            {
                return Ok(super::fail(&format!(
                    "nothing to check under {}",
                    display_root(p, &cwd)
                )));
            }
            Ok(mut r) => {
                r.discovered
                    .services
                    .retain(|s| seen.insert(s.display.clone()));
                r.discovered
                    .manifests
                    .retain(|m| seen.insert(m.display.clone()));
                crate::report::audit::owners::assign(
                    p,
                    &cwd,
                    &r.prepared.config,
                    &r.discovered,
                    &mut teams,
                );
                roots.push(r)
            }
            Err(e) => return Ok(super::fail(&e)),
        }
    }
    // Checks root by root (charts, then plain manifests): the order `--merge` rebuilds.
    let mut checks: Vec<(usize, Check)> = Vec::new();
    for (i, r) in roots.iter().enumerate() {
        for svc in &r.discovered.services {
            checks.extend(selected_envs(svc, envs).into_iter().map(|e| {
                (
                    i,
                    Check {
                        service: svc.display.clone(),
                        environment: e.name,
                    },
                )
            }));
        }
    }
    let bar = progress(checks.len() as u64);
    let tick = bar.clone();
    let progress = Progress(std::sync::Arc::new(move |n| tick.inc(n)));
    // Each root's charts in one pipeline call: a chart is loaded once, a values file parsed once.
    // Each repository gets the run budget (limits.run-seconds, run-memory) of its own.
    let mut chart_findings = Vec::new();
    let mut manifests = Vec::new();
    let roots_shown = paths.iter().map(|p| display_root(p, &cwd)).collect();
    let file = target.as_ref().map(|(_, p)| p.as_path());
    super::stopped::prepare_audit(format, file, roots_shown);
    let repos = |done: usize| format!("{done}/{} repos", roots.len());
    bar.set_message(repos(0));
    // And its own `limits.findings`: the rest are counted, and the repository fails.
    let mut limited = Vec::new();
    for (done, r) in roots.iter().enumerate() {
        crate::budget::start_run(&r.prepared.config.limits);
        crate::analyze::rules::findings_limit::reset();
        let c = session.check_charts(
            &r.discovered.services,
            &r.prepared,
            &r.argo.repos,
            Some(progress.clone()),
        );
        let mut found = c.findings;
        found.extend(r.argo.findings.iter().cloned());
        let (checked, mut plain, errors) = check_manifests(&session, r, envs);
        found.append(&mut plain);
        crate::model::finding::sort_findings(&mut found);
        let limit = r.prepared.config.limits.findings;
        if let Some(f) = crate::analyze::rules::findings_limit::cap(&mut found, limit) {
            limited.push(format!(
                "{}: {}",
                display_root(&paths[done], &cwd),
                f.message
            ));
            found.push(f);
        }
        chart_findings.extend(found);
        manifests.push((checked, Vec::new(), errors));
        bar.set_message(repos(done + 1));
    }
    bar.finish_and_clear();
    let mut findings = chart_findings;
    let mut input_errors = Vec::new();
    for (i, (c, f, e)) in manifests.into_iter().enumerate() {
        checks.extend(c.into_iter().map(|c| (i, c)));
        findings.extend(f);
        input_errors.extend(e);
    }
    // Exemption findings once every analysis of a root is done (they record their use).
    for r in &roots {
        findings.extend(r.prepared.run_findings());
    }
    crate::model::finding::sort_findings(&mut findings);
    for e in input_errors.iter().chain(&limited) {
        eprintln!("chartgate: {}", crate::report::clean::log(e));
    }
    checks.sort_by_key(|(i, _)| *i);
    let run = AuditRun {
        roots: paths.iter().map(|p| display_root(p, &cwd)).collect(),
        checks: checks.into_iter().map(|(_, c)| c).collect(),
        findings,
        revisions: paths
            .iter()
            .map(|p| {
                (
                    display_root(p, &cwd),
                    crate::report::audit::revisions::head(&cwd.join(p)),
                )
            })
            .collect(),
        teams,
    };
    finish(
        args,
        format,
        target.as_ref(),
        run,
        !input_errors.is_empty() || !limited.is_empty(),
        out,
    )
}

/// Writes the baseline, the history line and the report of a run (audited or merged);
/// returns the exit code.
fn finish(
    args: &AuditArgs,
    format: &str,
    target: Option<&(String, PathBuf)>,
    run: AuditRun,
    input_errors: bool,
    out: &mut dyn Write,
) -> Result<i32> {
    let findings = &run.findings;
    if let Some(path) = &args.baseline_out {
        let text = crate::report::baseline::write_baseline(findings);
        if let Err(e) = crate::confine::output::write_output(path, text.as_bytes()) {
            eprintln!("chartgate: baseline: {}", crate::report::clean::log(&e));
            return Ok(super::EXIT_ERROR);
        }
    }
    let summary = summarise(&run);
    if let Some(path) = &args.history {
        use crate::report::audit::history;
        let written = history::date().and_then(|d| {
            crate::confine::output::append_line(path, &history::line(&run, &summary, &d))
        });
        if let Err(e) = written {
            return Ok(super::fail(&e));
        }
    }
    let report = match crate::report::audit::report(
        format,
        &run,
        &summary,
        args.compare.as_deref(),
        args.history.as_deref(),
    ) {
        Ok(r) => r,
        Err(e) => return Ok(super::fail(&e)),
    };
    match target {
        Some((_, path)) => {
            if let Err(e) = crate::confine::output::write_output(path, report.as_bytes()) {
                eprintln!("chartgate: {}", crate::report::clean::log(&e));
                return Ok(super::EXIT_ERROR);
            }
        }
        None => out.write_all(report.as_bytes())?,
    }
    // The run's report is written: the backstop may no longer replace it.
    crate::budget::watchdog::disarm();
    if input_errors {
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
