//! `chartgate check`: discover manifests, analyze, report.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::analyze::model::SourceFile;
use crate::analyze::settings::Settings;
use crate::discover::manifests::display_path;
use crate::pipeline::session::{Prepared, Session};
use crate::report::{ReportContext, SourceMap, reporter_for};

use super::rules::anyhow_like::Result;
use crate::model::Severity;

/// When to use colors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colors when stdout is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Arguments of `chartgate check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Files, directories (recursive) or `-` for stdin. Default: the current directory.
    pub paths: Vec<PathBuf>,
    /// The options `check` shares with `audit` (config, environments, policies, limits, ...).
    #[command(flatten)]
    pub run: super::run_args::RunArgs,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json", "sarif", "junit", "github", "markdown"])]
    pub format: String,
    /// Also write a report: `FORMAT=PATH` (PATH `-` is stdout), repeatable, e.g.
    /// `--output sarif=chartgate.sarif --output github=-`.
    #[arg(long = "output", value_name = "FORMAT=PATH")]
    pub outputs: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, default_value = "error", value_parser = ["error", "warning", "info"])]
    pub fail_on: String,
    /// Colors in the text report.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Report only findings not recorded in this baseline file, and list its entries that are
    /// now fixed.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings (by fingerprint) in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline_out: Option<PathBuf>,
    /// Print the charts, environments and values files that would be checked, and exit.
    #[arg(long)]
    pub list: bool,
    /// The PATHs are changed files (what the pre-commit hook passes): check only the charts ×
    /// environments and manifests they affect, from one discovery of the current directory.
    /// Nothing affected: exit 0 quietly.
    #[arg(long)]
    pub changed: bool,
    /// Base revision (a git ref): the markdown report gets a section listing, per environment,
    /// the rendered objects this PR changes versus it.
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
}

impl CheckArgs {
    /// `--fail-on` as a severity.
    pub fn fail_on(&self) -> Severity {
        Severity::parse(&self.fail_on).unwrap_or(Severity::Error)
    }
}

/// The settings for `--env` (None: the global ones) from a loaded config.
fn settings_for(
    session: &Session,
    prepared: &Prepared,
    env: Option<&str>,
) -> std::result::Result<Settings, String> {
    let config = &prepared.config;
    let cwd = session.cwd.as_path();
    if let Some(env) = env
        && !config.environments.is_empty()
        && !config.environments.contains_key(env)
    {
        let shown = config
            .path
            .as_deref()
            .map(|p| display_path(p, cwd))
            .unwrap_or_else(|| "config".into());
        return Err(format!(
            "{shown}: environment `{env}` is not defined under `environments:`"
        ));
    }
    Ok(session.settings(prepared, env))
}

/// An empty run never passes a gate: every path given must hold something to check (`--changed`
/// excepted: it selects part of a repository). Prints why and returns 2, else 0.
fn nothing_to_check(
    d: &crate::discover::charts::Discovered,
    paths: &[PathBuf],
    changed: bool,
    cwd: &std::path::Path,
) -> i32 {
    if changed {
        return super::EXIT_OK;
    }
    let empty = crate::discover::charts::empty_paths(d, paths, cwd);
    for p in &empty {
        eprintln!("chartgate: nothing to check under {}", clean(p));
    }
    if empty.is_empty() {
        super::EXIT_OK
    } else {
        super::EXIT_ERROR
    }
}

fn clean(s: &str) -> String {
    crate::report::clean::log(s)
}

/// Runs the check; returns the exit code.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<i32> {
    let cwd = std::env::current_dir()?;
    // `--changed`: the paths are changed files; the repository is the current directory.
    let paths = if args.paths.is_empty() || args.changed {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let env_names = &args.run.env;
    // One settings per environment asked for (none: the config's global settings).
    let envs: Vec<Option<&str>> = if env_names.is_empty() {
        vec![None]
    } else {
        env_names.iter().map(|e| Some(e.as_str())).collect()
    };
    if args.changed && args.baseline_out.is_some() {
        eprintln!(
            "chartgate: --baseline-out records a whole repository; it cannot be used with --changed"
        );
        return Ok(super::EXIT_ERROR);
    }
    // `--format` goes to stdout first, then every `--output FORMAT=PATH` in order.
    let mut targets = vec![(args.format.clone(), "-".to_string())];
    for o in &args.outputs {
        match o.split_once('=') {
            Some((f, p)) if crate::report::FORMATS.contains(&f) && !p.is_empty() => {
                targets.push((f.to_string(), p.to_string()))
            }
            _ => {
                eprintln!(
                    "chartgate: invalid --output '{o}': expected FORMAT=PATH, FORMAT one of {}",
                    crate::report::FORMATS.join(", ")
                );
                return Ok(super::EXIT_ERROR);
            }
        }
    }
    let mut options = args.run.options();
    // A baseline file is never a manifest.
    options.never_manifests = (args.baseline.iter())
        .chain(&args.baseline_out)
        .cloned()
        .collect();
    // `--base`: rendered first (its sessions record their own root), into the markdown report.
    let base_section = match super::base::for_check(args, &paths, &cwd) {
        Ok(s) => s,
        Err(e) => return Ok(super::fail(&e)),
    };
    let session = match Session::new(options, cwd.clone(), &paths) {
        Ok(s) => s,
        Err(e) => return Ok(super::fail(&e.to_string())),
    };
    // The run's config: `--config`, else the nearest files walking up from the first path.
    let start = paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = match session.config_for(&start) {
        Ok(c) => c,
        Err(e) => return Ok(super::fail(&e.to_string())),
    };
    // The run's budget (limits.run-seconds, run-memory) starts now.
    crate::budget::start_run(&config.limits);
    if !args.list {
        super::stopped::prepare_check(&targets, &display_path(&start, &cwd));
    }
    // Rego policies and exemptions, prepared once and shared by every analysis of the run;
    // charts (with their environments), service folders and plain manifests, where Argo CD's
    // Applications decide what is deployed where.
    let (prepared, discovery) =
        match session.prepare_and_discover(config, &paths, &mut std::io::stdin()) {
            Ok(p) => p,
            Err(e) => return Ok(super::fail(&e.to_string())),
        };
    let (discovered, argo) = (discovery.discovered, discovery.argo);
    let mut all_settings = Vec::with_capacity(envs.len());
    for env in envs {
        match settings_for(&session, &prepared, env) {
            Ok(s) => all_settings.push(s),
            Err(e) => return Ok(super::fail(&format!("config error: {e}"))),
        }
    }
    let discovered = if args.changed {
        let run_inputs: Vec<PathBuf> = (prepared.config.policies.iter())
            .chain(&args.run.policy)
            .chain(&args.run.data)
            .cloned()
            .collect();
        let sel = crate::discover::changed::select(&discovered, &args.paths, &run_inputs, &cwd);
        let d = crate::discover::changed::apply(discovered, &sel);
        // Nothing affected (in the environments asked for): a quiet success.
        let none = d.manifests.is_empty()
            && (d.services.iter()).all(|s| crate::pipeline::selected_envs(s, env_names).is_empty());
        if sel.is_empty() || none {
            return Ok(super::EXIT_OK);
        }
        d
    } else {
        discovered
    };
    if args.list {
        let mut d = discovered;
        for svc in &mut d.services {
            svc.environments = crate::pipeline::selected_envs(svc, env_names);
        }
        // Dependencies that are not vendored: charts `check` cannot render.
        let unvendored = crate::pipeline::unvendored(&d.services, &argo.repos, &cwd);
        d.unresolved.extend(unvendored);
        if args.format == "json" {
            let m = crate::report::matrix::json(&d, args.run.cluster.as_deref(), &cwd);
            write!(out, "{m}")?;
        } else {
            write!(out, "{}", crate::report::matrix::text(&d, &cwd))?;
        }
        // What `check` would report as unreadable (a malformed Application, an ApplicationSet
        // that cannot expand, a manifest that is not YAML) is an error of the listing too:
        // printed as `check` prints it, exit code 2.
        print_unreadable(&d.unreadable);
        let errors: Vec<String> = (session.parse_manifests(&d.manifests, &prepared).iter())
            .filter_map(|p| p.as_ref().err().map(|e| e.to_string()))
            .collect();
        for e in &errors {
            eprintln!("chartgate: invalid YAML: {}", clean(e));
        }
        if !d.unreadable.is_empty() || !errors.is_empty() {
            return Ok(super::EXIT_ERROR);
        }
        return Ok(nothing_to_check(&d, &paths, args.changed, &cwd));
    }
    if nothing_to_check(&discovered, &paths, args.changed, &cwd) != super::EXIT_OK {
        return Ok(super::EXIT_ERROR);
    }
    let unreadable = discovered.unreadable;
    let inputs = discovered.manifests;
    let mut charts = session.check_charts(&discovered.services, &prepared, &argo.repos, None);
    if !env_names.is_empty() && charts.renders == 0 && inputs.is_empty() {
        eprintln!(
            "chartgate: no chart has environment {}",
            env_names.join(", ")
        );
        return Ok(super::EXIT_ERROR);
    }
    let parsed = session.parse_manifests(&inputs, &prepared);
    let files: Vec<SourceFile> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().cloned())
        .collect();
    let mut findings = session.analyze_manifests(&files, &all_settings);
    // A `--changed` run checks a part of the repository: no exemption is "unused" there.
    findings.extend(
        prepared
            .run_findings()
            .into_iter()
            .filter(|f| !(args.changed && f.rule == crate::analyze::exemptions::UNUSED)),
    );
    crate::model::finding::sort_findings(&mut findings);
    // An unreadable input is reported and makes the exit code 2; the other inputs are still
    // checked and reported (nothing is reported when no input could be read).
    let errors: Vec<String> = (parsed.iter())
        .filter_map(|p| p.as_ref().err().map(|e| e.to_string()))
        .collect();
    print_unreadable(&unreadable);
    for e in &errors {
        eprintln!("chartgate: invalid YAML: {}", clean(e));
    }
    let nothing_read = errors.len() == parsed.len() && charts.renders == 0;
    if nothing_read && (!parsed.is_empty() || !unreadable.is_empty()) {
        return Ok(super::EXIT_ERROR);
    }
    findings.append(&mut charts.findings);
    findings.extend(argo.findings.iter().cloned());
    crate::model::finding::sort_findings(&mut findings);
    // `limits.findings`: the rest are counted; the finding saying so is never baselined.
    let limited =
        crate::analyze::rules::findings_limit::cap(&mut findings, prepared.config.limits.findings);
    let mut sources = SourceMap::default();
    for i in &inputs {
        sources.insert(i.display.clone(), i.text.as_str());
    }
    // `--baseline-out` records every current finding; `--baseline` keeps only new ones.
    let (mut findings, fixed) = match super::check_extras::apply_baseline(args, findings) {
        Ok(x) => x,
        Err(e) => return Ok(super::fail(&e)),
    };
    if let Some(f) = &limited {
        findings.push(f.clone());
        crate::model::finding::sort_findings(&mut findings);
    }
    // A `--changed` run checks part of the repository: what it did not check is not "fixed".
    let fixed = fixed.filter(|_| !args.changed);
    for (path, text) in argo.sources.iter() {
        sources.insert(path.clone(), text.clone());
    }
    for (path, text) in std::mem::take(&mut charts.sources) {
        sources.insert(path, text);
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    };
    let policy_rules = crate::report::policy_rules_info(&prepared.policies.rules());
    for (format, path) in &targets {
        let reporter = reporter_for(format).ok_or("unknown format")?;
        if path == "-" {
            let ctx = ReportContext {
                sources: &sources,
                color,
                environments: &charts.environments,
                policy_rules: &policy_rules,
            };
            let mut buf = Vec::new();
            reporter.report(&findings, &ctx, &mut buf)?;
            let buf = super::base::with_section(format, buf, base_section.as_deref());
            out.write_all(&super::check_extras::with_fixed(
                format,
                buf,
                fixed.as_ref(),
            ))?;
        } else {
            let ctx = ReportContext {
                sources: &sources,
                color: false,
                environments: &charts.environments,
                policy_rules: &policy_rules,
            };
            let mut buf = Vec::new();
            reporter.report(&findings, &ctx, &mut buf)?;
            let buf = super::base::with_section(format, buf, base_section.as_deref());
            let buf = super::check_extras::with_fixed(format, buf, fixed.as_ref());
            crate::confine::output::write_output(std::path::Path::new(path), &buf)?;
        }
    }
    // The run's reports are written: the backstop may no longer replace them.
    crate::budget::watchdog::disarm();
    if let Some(f) = &limited {
        eprintln!("chartgate: {}", f.message);
    }
    if !errors.is_empty() || !unreadable.is_empty() || limited.is_some() {
        return Ok(super::EXIT_ERROR);
    }
    let fail_on = args.fail_on();
    if charts.render_errors > 0 {
        eprintln!(
            "chartgate: {} of {} chart renders failed (see the `{}` findings)",
            charts.render_errors,
            charts.renders,
            crate::pipeline::RENDER_ERROR
        );
        return Ok(super::EXIT_ERROR);
    }
    Ok(if findings.iter().any(|f| f.severity >= fail_on) {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    })
}

/// Inputs that could not be read, one `chartgate: FILE:LINE:COL: message` line each on stderr.
fn print_unreadable(unreadable: &[String]) {
    for e in unreadable {
        eprintln!("chartgate: {}", clean(e));
    }
}
