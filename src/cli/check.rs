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
}

impl CheckArgs {
    /// `--fail-on` as a severity.
    pub fn fail_on(&self) -> Severity {
        Severity::parse(&self.fail_on).unwrap_or(Severity::Error)
    }
}

/// Loads the config (`--config`, else the nearest `chartgate.yaml` files walking up from the
/// first path, merged) and resolves the settings for `--env`.
fn load_settings(
    args: &CheckArgs,
    env: Option<&str>,
    cwd: &Path,
) -> std::result::Result<Settings, String> {
    let config = match &args.config {
        Some(c) => crate::config::load_file(c),
        None => {
            let start = args
                .paths
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
    })?;
    if let Some(env) = env {
        if !config.environments.is_empty() && !config.environments.contains_key(env) {
            let shown = config
                .path
                .as_deref()
                .map(|p| display_path(p, cwd))
                .unwrap_or_else(|| "config".into());
            return Err(format!(
                "{shown}: environment `{env}` is not defined under `environments:`"
            ));
        }
    }
    Ok(Settings::from_config(&config, env, args.cluster.as_deref()))
}

/// Runs the check; returns the exit code.
pub fn run(args: &CheckArgs, out: &mut dyn Write) -> Result<i32> {
    let cwd = std::env::current_dir()?;
    let paths = if args.paths.is_empty() {
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
    let mut all_settings = Vec::with_capacity(envs.len());
    for env in envs {
        match load_settings(args, env, &cwd) {
            Ok(s) => all_settings.push(s),
            Err(e) => {
                eprintln!("chartgate: config error: {e}");
                return Ok(super::EXIT_ERROR);
            }
        }
    }
    let inputs = match crate::discover::manifests::collect(
        &paths,
        &args.include,
        &args.exclude,
        &cwd,
        &mut std::io::stdin(),
    ) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("chartgate: {e}");
            return Ok(super::EXIT_ERROR);
        }
    };
    let limits = all_settings
        .first()
        .map(|s| s.limits.yaml())
        .unwrap_or_default();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()?;
    let (parsed, findings) = pool.install(|| {
        let parsed: Vec<std::result::Result<SourceFile, String>> = inputs
            .par_iter()
            .map(|i| {
                let res = std::panic::catch_unwind(|| crate::yaml::parse_stream(&i.text, &limits));
                match res {
                    Ok(Ok(documents)) => Ok(SourceFile {
                        file: i.display.clone(),
                        documents,
                    }),
                    Ok(Err(e)) => Err(format!(
                        "{}:{}:{}: {}",
                        i.display, e.pos.line, e.pos.col, e.message
                    )),
                    Err(_) => Err(format!(
                        "{}: internal error while reading YAML; please report it",
                        i.display
                    )),
                }
            })
            .collect();
        let files: Vec<SourceFile> = parsed
            .iter()
            .filter_map(|p| p.as_ref().ok().cloned())
            .collect();
        let mut findings: Vec<_> = all_settings
            .iter()
            .flat_map(|settings| analyze(&files, settings, &ManifestLocator))
            .collect();
        crate::report::sort_findings(&mut findings);
        (parsed, findings)
    });
    // An unreadable input is reported and makes the exit code 2; the other inputs are still
    // checked and reported (nothing is reported when no input could be read).
    let errors: Vec<&String> = parsed.iter().filter_map(|p| p.as_ref().err()).collect();
    for e in &errors {
        eprintln!("chartgate: invalid YAML: {e}");
    }
    if errors.len() == parsed.len() && !parsed.is_empty() {
        return Ok(super::EXIT_ERROR);
    }
    let mut sources = SourceMap::default();
    for i in &inputs {
        sources.insert(i.display.clone(), i.text.as_str());
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
    for (format, path) in &targets {
        let reporter = reporter_for(format).ok_or("unknown format")?;
        if path == "-" {
            let ctx = ReportContext {
                sources: &sources,
                color,
            };
            reporter.report(&findings, &ctx, out)?;
        } else {
            let ctx = ReportContext {
                sources: &sources,
                color: false,
            };
            let mut buf = Vec::new();
            reporter.report(&findings, &ctx, &mut buf)?;
            let path = std::path::Path::new(path);
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            std::fs::write(path, buf)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    if !errors.is_empty() {
        return Ok(super::EXIT_ERROR);
    }
    let fail_on = args.fail_on();
    Ok(if findings.iter().any(|f| f.severity >= fail_on) {
        super::EXIT_FINDINGS
    } else {
        super::EXIT_OK
    })
}
