//! `chartgate diff --env A --env B [PATH]`: for each chart, the rendered objects that differ
//! between two environments (structural, per object and field, with the values lines that set
//! each changed field on both sides). Renders come from the run engine, as `check` renders them.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::discover::argocd::repos::RepoMap;
use crate::discover::charts::Service;
use crate::pipeline::renders::{EnvRender, render_env};
use crate::pipeline::session::Session;
use crate::report::diff::{self, DiffReport};

use super::rules::anyhow_like::Result;
use super::values::SourceArgs;

/// Arguments of `chartgate diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Directory to discover charts in (default: the current directory).
    pub path: Option<PathBuf>,
    /// The two environments to compare: `--env A --env B` (or `--env A,B`); changes read A → B.
    #[arg(long, value_delimiter = ',', required = true)]
    pub env: Vec<String>,
    /// Output format (`markdown` for a PR comment).
    #[arg(long, default_value = "text", value_parser = ["text", "markdown", "json"])]
    pub format: String,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// One render job's result: (service as printed, environment, render or error).
pub type Rendered = (
    String,
    Option<String>,
    std::result::Result<EnvRender, String>,
);

/// Renders every service × environment of `envs` (each service's environments as `check`
/// selects them), in parallel on the session's pool; results in (service, environment) order.
pub fn render_all(
    session: &Session,
    services: &[Service],
    envs: &[String],
    repos: &RepoMap,
    cwd: &Path,
) -> Vec<Rendered> {
    let jobs: Vec<(&Service, crate::discover::charts::EnvTarget)> = services
        .iter()
        .flat_map(|s| {
            crate::pipeline::selected_envs(s, envs)
                .into_iter()
                .map(move |e| (s, e))
        })
        .collect();
    let mut out: Vec<Rendered> = session.install(|| {
        jobs.par_iter()
            .map(|(s, e)| {
                (
                    s.display.clone(),
                    e.name.clone(),
                    render_env(s, e, repos, cwd).map_err(|e| e.to_string()),
                )
            })
            .collect()
    });
    // Stable: by service, then environment (the sort keeps discovery's order of duplicates).
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

/// Runs `chartgate diff`; returns the exit code (0 whether or not anything differs; 2 on a
/// usage error or a failed render).
pub fn run(args: &DiffArgs, out: &mut dyn Write) -> Result<i32> {
    if args.env.len() != 2 || args.env[0] == args.env[1] {
        return Ok(super::fail(
            "diff needs two different environments: --env A --env B",
        ));
    }
    let cwd = std::env::current_dir()?;
    let paths = vec![args.path.clone().unwrap_or_else(|| PathBuf::from("."))];
    let (session, d) = match super::values::discover(&args.source, &args.env, &cwd, &paths) {
        Ok(x) => x,
        Err(e) => return Ok(super::fail(&e)),
    };
    let services = &d.discovered.services;
    let mut known: Vec<String> = services
        .iter()
        .flat_map(|s| s.environments.iter().filter_map(|e| e.name.clone()))
        .collect();
    known.sort();
    known.dedup();
    // An environment no render has is an error, also when no render has any (it compared
    // nothing and passed).
    for e in &args.env {
        if !known.contains(e) {
            return Ok(super::fail(&format!(
                "no chart has environment `{}`; environments: {}",
                crate::confine::excerpt(e, 80),
                if known.is_empty() {
                    "(none: the renders found have no environment name)".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
    }
    if services.is_empty() {
        return Ok(super::fail(&format!(
            "no chart found under {}",
            paths[0].display()
        )));
    }
    let rendered = render_all(&session, services, &args.env, &d.argo.repos, &cwd);
    let mut by_chart: std::collections::BTreeMap<&str, [Option<&EnvRender>; 2]> =
        Default::default();
    for (svc, env, r) in &rendered {
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                return Ok(super::fail(&format!(
                    "render of {svc} in {} failed: {e}",
                    env.as_deref().unwrap_or("none")
                )));
            }
        };
        let slot = by_chart.entry(svc).or_default();
        let i = usize::from(env.as_deref() == Some(args.env[1].as_str()));
        // Several renders of one service in one environment: the first is compared.
        if slot[i].is_none() {
            slot[i] = Some(r);
        }
    }
    let report = DiffReport {
        from: args.env[0].clone(),
        to: args.env[1].clone(),
        charts: by_chart
            .iter()
            .map(|(c, [a, b])| diff::compare(c, *a, *b))
            .collect(),
    };
    let text = match args.format.as_str() {
        "json" => diff::json(&report),
        "markdown" => diff::markdown(&report, 2),
        _ => diff::text(&report),
    };
    out.write_all(text.as_bytes())?;
    Ok(super::EXIT_OK)
}
