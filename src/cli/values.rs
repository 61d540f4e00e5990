//! `chartgate values SERVICE --env ENV [PATH]`: the effective values of one render — Helm's
//! coalesce of the chart's defaults (subcharts included), the environment's values files in
//! order and Argo CD's inline values and parameters — each leaf with the `file:line` that set
//! it (`helm get values --all`, offline, with provenance).
//!
//! The render is found and set up by the run engine (`pipeline::session`: `--config`, Argo CD
//! resolution, config and convention environments), so what is printed is what `check` checks.

use crate::report::diff::{Seg, path_text};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::discover::charts::{Discovered, EnvTarget, Service};
use crate::model::value::{Map, Value};
use crate::pipeline::renders::{EnvRender, render_env};
use crate::pipeline::session::{RunOptions, Session};
use crate::render::chart::strvals::{self, ValueKind};
use crate::yaml::{Node, NodeKind};

use super::rules::anyhow_like::Result;

/// Where the renders come from: the options `values` and `diff` share with `check`.
#[derive(Debug, Clone, clap::Args)]
pub struct SourceArgs {
    /// Config file (default: the nearest chartgate.yaml files walking up from PATH).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The trusted platform config (default: the bundled defaults).
    #[arg(long, value_name = "FILE")]
    pub platform_config: Option<PathBuf>,
    /// A repository's local checkout, `URL=PATH` (repeatable), for Argo CD Applications.
    #[arg(long = "repo", value_name = "URL=PATH")]
    pub repos: Vec<String>,
    /// Also look for chart dependencies missing from `charts/` in Helm's repository cache.
    #[arg(long)]
    pub helm_cache: bool,
    /// Values file applied to every chart after its environment's files (repeatable, in order).
    #[arg(short = 'f', long = "values")]
    pub values: Vec<PathBuf>,
    /// Override a resource limit, `NAME=VALUE` (repeatable; names as in chartgate.yaml `limits:`).
    #[arg(long = "limit", value_name = "NAME=VALUE")]
    pub limits: Vec<String>,
}

impl SourceArgs {
    /// The run options for environments `envs`.
    pub fn options(&self, envs: &[String]) -> RunOptions {
        RunOptions {
            config: self.config.clone(),
            envs: envs.to_vec(),
            limits: self.limits.clone(),
            values: self.values.clone(),
            platform_config: self.platform_config.clone(),
            repos: self.repos.clone(),
            helm_cache: self.helm_cache,
            ..Default::default()
        }
    }
}

/// Arguments of `chartgate values`.
#[derive(Debug, clap::Args)]
pub struct ValuesArgs {
    /// The service, as `chartgate check --list` names it (its directory), or its name.
    pub service: String,
    /// Directory to discover services in (default: the current directory).
    pub path: Option<PathBuf>,
    /// The environment (may be left out for a service without environments).
    #[arg(long)]
    pub env: Option<String>,
    /// Output format.
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    #[command(flatten)]
    pub source: SourceArgs,
}

/// Discovery over `paths` with the run engine, for environments `envs`: the session (its root
/// and platform config recorded) and what it found. Errors are printed by the caller.
pub fn discover(
    source: &SourceArgs,
    envs: &[String],
    cwd: &Path,
    paths: &[PathBuf],
) -> std::result::Result<(Session, crate::pipeline::session::Discovery), String> {
    let session = Session::new(source.options(envs), cwd.to_path_buf(), paths)?;
    let start = paths.first().cloned().unwrap_or_else(|| PathBuf::from("."));
    let config = session.config_for(&start)?;
    crate::budget::start_run(&config.limits);
    let (_, d) = session.prepare_and_discover(config, paths, &mut std::io::empty())?;
    Ok((session, d))
}

/// The services `name` selects: by display path (as `--list` prints it, `./` and a trailing
/// `/` ignored) or by service name.
pub fn find_services<'a>(d: &'a Discovered, name: &str) -> Vec<&'a Service> {
    let want = name.trim_start_matches("./").trim_end_matches('/');
    // The service in the current directory is printed as the empty path.
    let want = if want == "." { "" } else { want };
    let by_path: Vec<&Service> = d.services.iter().filter(|s| s.display == want).collect();
    if !by_path.is_empty() {
        return by_path;
    }
    d.services.iter().filter(|s| s.name == want).collect()
}

/// Runs `chartgate values`; returns the exit code.
pub fn run(args: &ValuesArgs, out: &mut dyn Write) -> Result<i32> {
    let cwd = std::env::current_dir()?;
    let paths = vec![args.path.clone().unwrap_or_else(|| PathBuf::from("."))];
    let envs: Vec<String> = args.env.iter().cloned().collect();
    let (session, d) = match discover(&args.source, &envs, &cwd, &paths) {
        Ok(x) => x,
        Err(e) => return Ok(super::fail(&e)),
    };
    let (svc, env) = match select(&d.discovered, &args.service, args.env.as_deref()) {
        Ok(x) => x,
        Err(e) => return Ok(super::fail(&e)),
    };
    let r = match session.install(|| render_env(svc, &env, &d.argo.repos, &cwd)) {
        Ok(r) => r,
        Err(e) => return Ok(super::fail(&format!("render failed: {e}"))),
    };
    let leaves = leaves(&r);
    if args.format == "json" {
        let sources: serde_json::Map<String, serde_json::Value> = leaves
            .iter()
            .map(|l| (l.path.clone(), l.source.clone().into()))
            .collect();
        let doc = serde_json::json!({
            "service": r.service,
            "chart": r.chart,
            "environment": r.environment,
            "release": r.release,
            "namespace": r.namespace,
            "values": crate::render::chart::release::to_json(&Value::map(r.rendered.values.clone())),
            "sources": sources,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
    } else {
        let clean = crate::report::clean::controls;
        writeln!(
            out,
            "# {} environment {} (release {}, namespace {})",
            clean(&r.service),
            clean(r.environment.as_deref().unwrap_or("none")),
            clean(&r.release),
            clean(&r.namespace)
        )?;
        for l in &leaves {
            let src = clean(l.source.as_deref().unwrap_or("-"));
            writeln!(out, "{}: {}  # {src}", l.path, l.value)?;
        }
    }
    Ok(super::EXIT_OK)
}

/// The one render `service` × `env` names, or an error listing the choices.
fn select<'a>(
    d: &'a Discovered,
    service: &str,
    env: Option<&str>,
) -> std::result::Result<(&'a Service, EnvTarget), String> {
    let found = find_services(d, service);
    if found.is_empty() {
        // An Application's name (the release it renders) names a render too.
        let mut by_release: Vec<(&Service, EnvTarget)> = d
            .services
            .iter()
            .flat_map(|s| s.environments.iter().map(move |e| (s, e.clone())))
            .filter(|(_, e)| e.release.as_deref() == Some(service))
            .filter(|(_, e)| env.is_none_or(|n| e.name.as_deref() == Some(n)))
            .collect();
        if by_release.len() == 1 {
            return Ok(by_release.remove(0));
        }
        let names: Vec<String> = (d.services.iter())
            .map(|s| crate::confine::excerpt(&s.display, 200))
            .collect();
        return Err(format!(
            "unknown service `{}`; services: {}",
            crate::confine::excerpt(service, 80),
            if names.is_empty() {
                "(none found)".to_string()
            } else {
                names.join(", ")
            }
        ));
    }
    let envs: Vec<String> = env.iter().map(|e| e.to_string()).collect();
    let mut matches: Vec<(&Service, EnvTarget)> = found
        .iter()
        .flat_map(|s| {
            crate::pipeline::selected_envs(s, &envs)
                .into_iter()
                .map(move |e| (*s, e))
        })
        .collect();
    let known: Vec<String> = {
        let mut k: Vec<String> = found
            .iter()
            .flat_map(|s| s.environments.iter().filter_map(|e| e.name.clone()))
            .collect();
        k.dedup();
        k
    };
    // Names come from the pull request's files: control characters are shown escaped.
    let esc = |s: &str| crate::confine::excerpt(s, 200);
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => Err(format!(
            "service `{}` has no environment `{}`; environments: {}",
            esc(&found[0].display),
            crate::confine::excerpt(env.unwrap_or("none"), 80),
            if known.is_empty() {
                "(none)".to_string()
            } else {
                known.iter().map(|k| esc(k)).collect::<Vec<_>>().join(", ")
            }
        )),
        _ if env.is_none() && known.is_empty() => {
            let releases: Vec<String> = matches
                .iter()
                .filter_map(|(_, e)| e.release.as_deref())
                .map(|r| crate::confine::excerpt(r, 80))
                .collect();
            Err(format!(
                "service `{}` has {} renders without an environment name; name one by its release (the Application): {}",
                esc(&found[0].display),
                matches.len(),
                releases.join(", ")
            ))
        }
        _ if env.is_none() => Err(format!(
            "service `{}` has several environments; pass --env (one of: {})",
            esc(&found[0].display),
            known.iter().map(|k| esc(k)).collect::<Vec<_>>().join(", ")
        )),
        _ => Err(format!(
            "`{}` in environment `{}` names {} renders ({}); name the service by its directory",
            crate::confine::excerpt(service, 80),
            esc(env.unwrap_or("none")),
            matches.len(),
            matches
                .iter()
                .map(|(s, e)| match &e.source {
                    Some(src) => format!("{} from {}", esc(&s.display), esc(src)),
                    None => esc(&s.display),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// One leaf of the effective values.
#[derive(Debug, Clone, PartialEq)]
pub struct Leaf {
    /// `a.b[0]["c.d"]`.
    pub path: String,
    /// The value as JSON (`"text"`, `3`, `true`, `null`, `{}`, `[]`).
    pub value: String,
    /// `FILE:LINE`, `FILE:LINE (parameters)` for Argo CD parameters, or None (computed).
    pub source: Option<String>,
}

/// Every leaf of the render's coalesced values (scalars, nulls, empty maps and lists), in key
/// order, with where it was set: the scalar's own origin (the values line Helm's coalesce took
/// it from, subcharts' defaults included), else the Argo CD parameters that set the key, else the
/// last values file (in merge order) that has the key.
pub fn leaves(r: &EnvRender) -> Vec<Leaf> {
    let layers: Vec<(String, Option<Node>)> = r
        .layers
        .iter()
        .map(|(name, text)| {
            let doc = crate::yaml::parse_stream(text, &Default::default())
                .ok()
                .and_then(|d| d.into_iter().next())
                .map(|d| d.root);
            (name.clone(), doc)
        })
        .collect();
    let app = Application::read(r);
    let mut out = Vec::new();
    let mut segs = Vec::new();
    walk(
        &Value::map(r.rendered.values.clone()),
        &mut segs,
        &mut |segs, v| {
            let o = v.origin();
            let source = if let Some(loc) = r.origin(o) {
                Some(format!("{}:{}", loc.file, loc.line))
            } else if has_path(&r.parameters, segs) {
                Some(
                    match (&r.source, app.as_ref().and_then(|a| a.line_of(segs))) {
                        (_, Some((file, line))) => format!("{file}:{line}"),
                        (Some(s), None) => format!("{s} (parameters)"),
                        (None, None) => "(parameters)".to_string(),
                    },
                )
            } else {
                layers.iter().rev().find_map(|(name, root)| {
                    let line = node_at(root.as_ref()?, segs)?;
                    Some(format!("{name}:{line}"))
                })
            };
            out.push(Leaf {
                path: path_text(segs),
                value: crate::render::chart::release::to_json(v).to_string(),
                source,
            });
        },
    );
    out
}

/// The `helm:` block of the Argo CD Application a render comes from, when its file is a
/// plain Application (not a template or an ApplicationSet): where its `parameters`,
/// `valuesObject` and `values` set each key.
struct Application {
    file: String,
    text: String,
    helm: Vec<Node>,
}

impl Application {
    fn read(r: &EnvRender) -> Option<Application> {
        let (file, line) = r.source.as_deref()?.rsplit_once(':')?;
        let line: u32 = line.parse().ok()?;
        let max = crate::model::Limits::default().file_bytes;
        let text = crate::confine::read_bounded_text(&r.cwd.join(file), max).ok()?;
        let docs = crate::yaml::parse_stream(&text, &Default::default()).ok()?;
        let doc = docs.iter().rev().find(|d| d.start.line <= line)?;
        let root = &doc.root;
        if root.get("kind").and_then(Node::as_str) != Some("Application") {
            return None;
        }
        let spec = root.get("spec")?;
        let mut helm: Vec<Node> = Vec::new();
        if let Some(h) = spec.get_path(&["source", "helm"]) {
            helm.push(h.clone());
        }
        for s in spec
            .get("sources")
            .and_then(Node::as_seq)
            .unwrap_or_default()
        {
            if let Some(h) = s.get("helm") {
                helm.push(h.clone());
            }
        }
        Some(Application {
            file: file.to_string(),
            text,
            helm,
        })
    }

    /// The line that sets the key `segs`, in Argo CD's order of precedence: `parameters` over
    /// `valuesObject`, which replaces `values` when both are given.
    fn line_of(&self, segs: &[Seg]) -> Option<(String, u32)> {
        for h in &self.helm {
            let params = h
                .get("parameters")
                .and_then(Node::as_seq)
                .unwrap_or_default();
            let param = params.iter().rev().find(|p| {
                let Some(name) = p.get("name").and_then(Node::as_str) else {
                    return false;
                };
                let mut m = Map::new();
                strvals::parse_into(&format!("{name}=x"), &mut m, &ValueKind::String).is_ok()
                    && has_leaf(&m, segs)
            });
            if let Some(p) = param {
                return Some((self.file.clone(), p.pos.line));
            }
            if let Some(object) = h.get("valuesObject").filter(|v| !v.is_null()) {
                if let Some(line) = node_at(object, segs) {
                    return Some((self.file.clone(), line));
                }
            } else if let Some(v) = h.get("values")
                && let Some(text) = v.as_str()
                && let Ok(docs) = crate::yaml::parse_stream(text, &Default::default())
                && let Some(line) = docs.first().and_then(|d| node_at(&d.root, segs))
            {
                // A block scalar's text starts on the line after its `|`/`>` indicator.
                let at_indicator =
                    (self.text.get(v.pos.offset..)).is_some_and(|t| t.starts_with(['|', '>']));
                let first = v.pos.line + u32::from(at_indicator);
                return Some((self.file.clone(), first + line - 1));
            }
        }
        None
    }
}

/// Whether `segs` names exactly a leaf of `m` (a single `--set` path).
fn has_leaf(m: &Map, segs: &[Seg]) -> bool {
    let mut found = false;
    let mut path = Vec::new();
    walk(&Value::map(m.clone()), &mut path, &mut |p, _| {
        found |= p == segs;
    });
    found
}

fn walk(v: &Value, segs: &mut Vec<Seg>, f: &mut dyn FnMut(&[Seg], &Value)) {
    if segs.len() > crate::model::value::MAX_VALUE_DEPTH {
        return;
    }
    match v {
        Value::Map(m) if !m.is_empty() => {
            for (k, v) in m.read().iter() {
                segs.push(Seg::Key(k.clone()));
                walk(v, segs, f);
                segs.pop();
            }
        }
        Value::List(l) if !l.is_empty() => {
            for (i, v) in l.iter().enumerate() {
                segs.push(Seg::Index(i));
                walk(v, segs, f);
                segs.pop();
            }
        }
        _ => f(segs, v),
    }
}

fn has_path(m: &Map, segs: &[Seg]) -> bool {
    let mut cur = Value::map(m.clone());
    for s in segs {
        let next = match s {
            Seg::Key(k) => cur.get(k),
            Seg::Index(i) => cur.as_list().and_then(|l| l.get(*i).cloned()),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    true
}

/// The line of the key (or list item) `segs` names in a values file's tree.
fn node_at(root: &Node, segs: &[Seg]) -> Option<u32> {
    let mut cur = root;
    let mut line = None;
    for s in segs {
        cur = match (s, &cur.kind) {
            (Seg::Key(k), NodeKind::Map(pairs)) => {
                let (key, v) = pairs.iter().rev().find(|(key, _)| key.key_string() == *k)?;
                line = Some(key.pos.line);
                v
            }
            (Seg::Index(i), NodeKind::Seq(items)) => {
                let v = items.get(*i)?;
                line = Some(v.pos.line);
                v
            }
            _ => return None,
        };
    }
    line
}
