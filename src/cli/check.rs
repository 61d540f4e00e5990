//! `chartgate check`: discover manifests, analyze, report.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::analyze::engine::{ManifestLocator, analyze};
use crate::analyze::model::SourceFile;
use crate::analyze::settings::Settings;
use crate::discover::manifests::display_path;
use crate::report::{ReportContext, SourceMap, reporter_for};

use super::rules::anyhow_like::Result;
use crate::report::finding::Severity;

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
    /// Config file (default: the nearest chartgate.yaml walking up from the first path).
    #[arg(long)]
    pub config: Option<PathBuf>,
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
    /// Environment name (selects `environments.NAME` in the config; `{env}` in host patterns).
    /// Repeatable (or comma-separated): the inputs are checked once per environment.
    #[arg(long, value_delimiter = ',')]
    pub env: Vec<String>,
    /// Cluster name (`{cluster}` in host patterns; overrides the environment's cluster).
    #[arg(long)]
    pub cluster: Option<String>,
    /// Globs of files to read inside directories (default *.yaml, *.yml, *.json).
    #[arg(long)]
    pub include: Vec<String>,
    /// Globs of files to skip inside directories.
    #[arg(long)]
    pub exclude: Vec<String>,
    /// Colors in the text report.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Rego policy file or directory, added to the bundled policies and `policies:` of the
    /// config (repeatable).
    #[arg(long = "policy", value_name = "PATH")]
    pub policy: Vec<PathBuf>,
    /// JSON or YAML document merged under `data` for the policies (repeatable).
    #[arg(long = "data", value_name = "FILE")]
    pub data: Vec<PathBuf>,
    /// Rego package whose deny/violation/warn rules run (repeatable; default `main`; the
    /// bundled `chartgate_platform.*` packages always run).
    #[arg(long = "namespace", value_name = "NS")]
    pub namespace: Vec<String>,
    /// Run the rules of every Rego package.
    #[arg(long)]
    pub all_namespaces: bool,
    /// conftest's --combine: policies see all documents of one input set at once, as
    /// `input = [{"path": FILE, "contents": DOCUMENT}, ...]`.
    #[arg(long)]
    pub combine: bool,
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
    /// Renderer for charts: chartgate's own, or `helm template` from PATH.
    #[arg(long, value_enum, default_value_t = crate::render::Renderer::Native)]
    pub renderer: crate::render::Renderer,
    /// Override a resource limit, `NAME=VALUE` (repeatable; names as in chartgate.yaml `limits:`,
    /// e.g. `render-seconds=30`); applies over every config's `limits:`.
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
    /// The PATHs are changed files (what the pre-commit hook passes): check only the charts ×
    /// environments and manifests they affect, from one discovery of the current directory.
    /// Nothing affected: exit 0 quietly.
    #[arg(long)]
    pub changed: bool,
    /// Values file applied to every chart after its environment's files (repeatable, in order).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<PathBuf>,
    /// A repository's local checkout, `URL=PATH` (repeatable): Argo CD Applications that use the
    /// repository (Git, Helm repository or OCI registry) are resolved there.
    #[arg(long = "repo", value_name = "URL=PATH")]
    pub repos: Vec<String>,
}

impl CheckArgs {
    /// `--fail-on` as a severity.
    pub fn fail_on(&self) -> Severity {
        Severity::parse(&self.fail_on).unwrap_or(Severity::Error)
    }
}

/// Loads the config: `--config`, else the nearest `chartgate.yaml` files walking up from the
/// first path, merged. Errors are `FILE:LINE:COL: message`.
fn load_config(
    args: &CheckArgs,
    paths: &[PathBuf],
    cwd: &Path,
) -> std::result::Result<crate::config::Config, String> {
    match &args.config {
        Some(c) => crate::config::load_file(c),
        None => {
            let start = paths
                .iter()
                .find(|p| p.as_os_str() != "-")
                .map(|p| cwd.join(p))
                .unwrap_or_else(|| cwd.to_path_buf());
            crate::config::find_for(&start)
        }
    }
    .map_err(|e| {
        let file = display_path(&e.file, cwd);
        if e.line == 0 {
            format!("{file}: {}", e.message)
        } else {
            format!("{file}:{}:{}: {}", e.line, e.column, e.message)
        }
    })
}

/// The settings for `--env` (None: the global ones) from a loaded config.
fn settings_for(
    config: &crate::config::Config,
    args: &CheckArgs,
    env: Option<&str>,
    cwd: &Path,
) -> std::result::Result<Settings, String> {
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
    Ok(Settings::from_config(config, env, args.cluster.as_deref()))
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
    // One settings per environment asked for (none: the config's global settings).
    let envs: Vec<Option<&str>> = if args.env.is_empty() {
        vec![None]
    } else {
        args.env.iter().map(|e| Some(e.as_str())).collect()
    };
    if args.changed && args.baseline_out.is_some() {
        eprintln!(
            "chartgate: --baseline-out records a whole repository; it cannot be used with --changed"
        );
        return Ok(super::EXIT_ERROR);
    }
    let mut config = match load_config(args, &paths, &cwd) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("chartgate: config error: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    // `--limit NAME=VALUE` over the config's `limits:` (and every chart's config below).
    for a in &args.limits {
        if let Err(e) = config.limits.set_arg(a) {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    }
    // The run's budget (limits.run-seconds, run-memory) starts now.
    crate::budget::start_run(&config.limits);
    // Rego policies and exemptions: prepared once, shared by every analysis of the run.
    let extras = match super::check_extras::prepare(args, &config, &cwd) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    let mut all_settings = Vec::with_capacity(envs.len());
    for env in envs {
        match settings_for(&config, args, env, &cwd) {
            Ok(s) => all_settings.push(extras.apply(s)),
            Err(e) => {
                eprintln!("chartgate: config error: {e}");
                return Ok(super::EXIT_ERROR);
            }
        }
    }
    // Charts (with their environments), service folders and plain manifests.
    let config_override = match &args.config {
        Some(c) => match crate::config::load_file(c) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("chartgate: config error: {e}");
                return Ok(super::EXIT_ERROR);
            }
        },
        None => None,
    };
    let discovered = match crate::discover::charts::discover(
        &paths,
        &crate::discover::charts::DiscoverOptions {
            include: &args.include,
            exclude: &args.exclude,
            config: config_override.as_ref(),
            cwd: &cwd,
        },
        &mut std::io::stdin(),
    ) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    // Argo CD: the Applications of the run decide what is deployed where.
    let mut discovered = discovered;
    let argo = match crate::discover::argocd::apply(
        &mut discovered,
        &paths,
        &args.repos,
        &config,
        config_override.as_ref(),
        &cwd,
    ) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    let discovered = if args.changed {
        let run_inputs: Vec<PathBuf> = (config.policies.iter())
            .chain(&args.policy)
            .chain(&args.data)
            .cloned()
            .collect();
        let sel = crate::discover::changed::select(&discovered, &args.paths, &run_inputs, &cwd);
        let d = crate::discover::changed::apply(discovered, &sel);
        // Nothing affected (in the environments asked for): a quiet success.
        let none = d.manifests.is_empty()
            && (d.services.iter()).all(|s| crate::pipeline::selected_envs(s, &args.env).is_empty());
        if sel.is_empty() || none {
            return Ok(super::EXIT_OK);
        }
        d
    } else {
        discovered
    };
    let mut discovered = discovered;
    // Rule ids in the services' own chartgate.yaml files must exist too.
    for svc in &discovered.services {
        if let Err(e) = super::check_extras::unknown_rules(&svc.config, &extras.policies, &cwd) {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    }
    for svc in &mut discovered.services {
        for a in &args.limits {
            // Already validated on the run's config above.
            let _ = svc.config.limits.set_arg(a);
        }
        for env in &mut svc.environments {
            env.values.extend(args.values.iter().map(|v| cwd.join(v)));
        }
    }
    if args.list {
        let mut d = discovered;
        for svc in &mut d.services {
            svc.environments = crate::pipeline::selected_envs(svc, &args.env);
        }
        write!(out, "{}", crate::discover::charts::list(&d, &cwd))?;
        return Ok(super::EXIT_OK);
    }
    let unreadable = discovered.unreadable;
    let inputs = discovered.manifests;
    let limits = all_settings
        .first()
        .map(|s| s.limits.yaml())
        .unwrap_or_default();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let chart_opts = crate::pipeline::ChartCheckOptions {
        envs: args.env.clone(),
        cluster: args.cluster.clone(),
        cwd: cwd.clone(),
        policies: Some(extras.policies.clone()),
        exemptions: extras.exemptions.clone(),
        renderer: args.renderer,
        repos: argo.repos.clone(),
    };
    let mut charts =
        pool.install(|| crate::pipeline::check_charts(&discovered.services, &chart_opts));
    if !args.env.is_empty() && charts.renders == 0 && inputs.is_empty() {
        eprintln!(
            "chartgate: no chart has environment {}",
            args.env.join(", ")
        );
        return Ok(super::EXIT_ERROR);
    }
    let (parsed, mut findings) = pool.install(|| {
        let parsed: Vec<std::result::Result<SourceFile, String>> = inputs
            .par_iter()
            .map(|i| crate::pipeline::parse_manifest(i, &limits))
            .collect();
        let files: Vec<SourceFile> = parsed
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let mut findings: Vec<_> = all_settings
            .iter()
            .flat_map(|settings| analyze(&files, settings, &ManifestLocator))
            .collect();
        // A `--changed` run checks a part of the repository: no exemption is "unused" there.
        findings.extend(
            extras
                .run_findings(&config)
                .into_iter()
                .filter(|f| !(args.changed && f.rule == crate::analyze::exemptions::UNUSED)),
        );
        crate::report::sort_findings(&mut findings);
        (parsed, findings)
    });
    // An unreadable input is reported and makes the exit code 2; the other inputs are still
    // checked and reported (nothing is reported when no input could be read).
    let errors: Vec<&String> = parsed.iter().filter_map(|p| p.as_ref().err()).collect();
    for e in &unreadable {
        eprintln!("chartgate: {e}");
    }
    for e in &errors {
        eprintln!("chartgate: invalid YAML: {e}");
    }
    let nothing_read = errors.len() == parsed.len() && charts.renders == 0;
    if nothing_read && (!parsed.is_empty() || !unreadable.is_empty()) {
        return Ok(super::EXIT_ERROR);
    }
    findings.append(&mut charts.findings);
    findings.extend(argo.findings.iter().cloned());
    crate::report::sort_findings(&mut findings);
    let mut sources = SourceMap::default();
    for i in &inputs {
        sources.insert(i.display.clone(), i.text.as_str());
    }
    // `--baseline-out` records every current finding; `--baseline` keeps only new ones.
    let (findings, fixed) = match super::check_extras::apply_baseline(args, findings) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
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
    let policy_rules = crate::report::policy_rules_info(&extras.policies.rules());
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
            let buf = super::check_extras::with_fixed(format, buf, fixed.as_ref());
            let path = std::path::Path::new(path);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            std::fs::write(path, buf)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    if !errors.is_empty() || !unreadable.is_empty() {
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
