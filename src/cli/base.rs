//! `chartgate check --base REF`: a markdown section listing, per environment, the rendered
//! objects this PR changes versus the base revision. The base is checked out with
//! `git worktree add --detach` into a temporary directory (removed afterwards), both revisions
//! are discovered and rendered by the run engine, and each chart × environment is compared with
//! the structural diff of `chartgate diff`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::report::diff::{self, ChartStatus, DiffReport};

use super::diff::{Rendered, render_all};
use super::run_args::RunArgs;
use super::values::SourceArgs;

/// Runs git in `dir` (no hooks, no Git LFS downloads); its stdout (trimmed), or a one-line
/// error.
fn git(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.hooksPath=/dev/null"])
        .args(args)
        .env("GIT_LFS_SKIP_SMUDGE", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .map_err(|e| format!("--base needs git on PATH: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The repository top of `cwd` and the commit `rev` names. Errors: git missing, not a
/// repository, unknown revision.
fn resolve(rev: &str, cwd: &Path) -> Result<(PathBuf, String), String> {
    git(cwd, &["--version"])?;
    let top = git(cwd, &["rev-parse", "--show-toplevel"])
        .map_err(|e| format!("--base: {} is not in a git repository: {e}", cwd.display()))?;
    let top = PathBuf::from(top)
        .canonicalize()
        .map_err(|e| format!("--base: {e}"))?;
    let unknown = || {
        format!(
            "--base: unknown revision `{}`",
            crate::confine::excerpt(rev, 80)
        )
    };
    // A revision is never an option.
    if rev.starts_with('-') || rev.is_empty() {
        return Err(unknown());
    }
    let sha = git(
        cwd,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    )
    .map_err(|_| unknown())?;
    Ok((top, sha))
}

/// A checked-out base revision, removed (worktree and directory) when dropped.
struct Worktree {
    repo: PathBuf,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Worktree {
    fn drop(&mut self) {
        let path = self.path.display().to_string();
        let _ = git(&self.repo, &["worktree", "remove", "--force", &path]);
        let _ = git(&self.repo, &["worktree", "prune"]);
    }
}

fn checkout(top: &Path, rev: &str) -> Result<Worktree, String> {
    let dir = tempfile::Builder::new()
        .prefix("chartgate-base-")
        .tempdir()
        .map_err(|e| format!("--base: cannot create a temporary directory: {e}"))?;
    let path = dir.path().join("base");
    let p = path.display().to_string();
    git(top, &["worktree", "add", "--detach", "--quiet", &p, rev])
        .map_err(|e| format!("--base: git worktree add failed: {e}"))?;
    Ok(Worktree {
        repo: top.to_path_buf(),
        path,
        _dir: dir,
    })
}

/// The options both revisions are rendered with: the check's, with files given on the command
/// line made absolute (they are the PR's).
fn source_args(run: &RunArgs, cwd: &Path) -> SourceArgs {
    SourceArgs {
        config: run.config.as_ref().map(|p| cwd.join(p)),
        platform_config: run.platform_config.as_ref().map(|p| cwd.join(p)),
        repos: run.repos.clone(),
        helm_cache: run.helm_cache,
        values: run.values.iter().map(|p| cwd.join(p)).collect(),
        limits: run.limits.clone(),
    }
}

/// A plain manifest file: (path as printed, its documents or why they could not be read).
type Manifest = (
    String,
    Result<Vec<crate::analyze::model::SourceFile>, String>,
);

/// The renders and the plain manifests of one revision.
fn renders(
    source: &SourceArgs,
    envs: &[String],
    cwd: &Path,
    paths: &[PathBuf],
) -> Result<(Vec<Rendered>, Vec<Manifest>), String> {
    let (session, d) = super::values::discover(source, envs, cwd, paths)?;
    let limits = crate::model::Limits::default().yaml();
    let manifests = (d.discovered.manifests.iter())
        .map(|m| {
            let parsed = crate::pipeline::parse_manifest(m, &limits)
                .map(|f| vec![f])
                .map_err(|e| e.to_string());
            (m.display.clone(), parsed)
        })
        .collect();
    let rendered = render_all(&session, &d.discovered.services, envs, &d.argo.repos, cwd);
    Ok((rendered, manifests))
}

/// The markdown section comparing `rev` with the working tree for `paths` (relative to `cwd`).
/// Errors (exit 2): git missing, not a repository, unknown revision, base not renderable as a
/// whole (a failing render of one chart is a line of the section instead).
pub fn section(rev: &str, paths: &[PathBuf], run: &RunArgs, cwd: &Path) -> Result<String, String> {
    let (top, sha) = resolve(rev, cwd)?;
    let here = cwd.canonicalize().map_err(|e| format!("--base: {e}"))?;
    let prefix = here
        .strip_prefix(&top)
        .unwrap_or(Path::new(""))
        .to_path_buf();
    let wt = checkout(&top, &sha)?;
    let base_cwd = wt.path.join(&prefix);
    // The check's paths in the base revision (those that do not exist there hold nothing).
    let base_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| {
            let abs = cwd.join(p).canonicalize().ok()?;
            let rel = abs.strip_prefix(&top).ok()?;
            Some(wt.path.join(rel))
        })
        .filter(|p| p.exists())
        .collect();
    let source = source_args(run, cwd);
    let mut head_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    if head_paths.is_empty() {
        head_paths.push(PathBuf::from("."));
    }
    let mut envs: Vec<String> = run.env.clone();
    let (head, head_manifests) = renders(&source, &envs, cwd, &head_paths)?;
    let heading = format!(
        "## Changes versus `{}`\n\n",
        crate::confine::excerpt(rev, 80).replace('`', "'")
    );
    let (base, base_manifests) = if base_paths.is_empty() || !base_cwd.exists() {
        Default::default()
    } else {
        match renders(&source, &envs, &base_cwd, &base_paths) {
            Ok(x) => x,
            // A base that cannot be read (its config, say) does not fail the PR's check.
            Err(e) => {
                let root = format!("{}/", wt.path.display());
                return Ok(format!(
                    "{heading}The base revision could not be read: {}\n\n",
                    one_line(&e.replace(&root, ""))
                ));
            }
        }
    };
    if envs.is_empty() {
        envs = head
            .iter()
            .chain(&base)
            .filter_map(|r| r.1.clone())
            .collect();
        envs.sort();
        envs.dedup();
    }
    let mut s = heading;
    let env_list: Vec<Option<String>> = if envs.is_empty() {
        vec![None]
    } else {
        envs.into_iter().map(Some).collect()
    };
    for env in &env_list {
        let name = env.as_deref().unwrap_or("(none)");
        s.push_str(&format!("### Environment `{name}`\n\n"));
        let mut charts: Vec<&str> = head
            .iter()
            .chain(&base)
            .filter(|r| &r.1 == env)
            .map(|r| r.0.as_str())
            .collect();
        charts.sort();
        charts.dedup();
        fn find<'r>(
            side: &'r [Rendered],
            c: &str,
            env: &Option<String>,
        ) -> Option<&'r Result<crate::pipeline::renders::EnvRender, String>> {
            side.iter().find(|r| r.0 == c && &r.1 == env).map(|r| &r.2)
        }
        let mut report = DiffReport {
            from: "base".into(),
            to: "PR".into(),
            charts: Vec::new(),
        };
        let mut failures = Vec::new();
        for c in charts {
            let (b, h) = (find(&base, c, env), find(&head, c, env));
            let b = match b {
                Some(Err(e)) => {
                    failures.push(format!("- `{c}`: the base render failed: {}", one_line(e)));
                    continue;
                }
                Some(Ok(r)) => Some(r),
                None => None,
            };
            let h = match h {
                Some(Err(e)) => {
                    failures.push(format!("- `{c}`: the render failed: {}", one_line(e)));
                    continue;
                }
                Some(Ok(r)) => Some(r),
                None => None,
            };
            let d = diff::compare(c, b, h);
            let changed = d.status != ChartStatus::Compared || !d.objects.is_empty();
            if changed {
                report.charts.push(d);
            }
        }
        if report.charts.is_empty() && failures.is_empty() {
            s.push_str("No object changes.\n\n");
            continue;
        }
        s.push_str(&diff::markdown_charts(&report, 4));
        for f in failures {
            s.push_str(&f);
            s.push('\n');
        }
        if !s.ends_with("\n\n") {
            s.push('\n');
        }
    }
    s.push_str(&manifests_section(&base_manifests, &head_manifests));
    drop(wt);
    Ok(s)
}

/// The plain manifest files the PR changes (the same in every environment), or nothing when
/// neither revision has any.
fn manifests_section(base: &[Manifest], head: &[Manifest]) -> String {
    if base.is_empty() && head.is_empty() {
        return String::new();
    }
    let mut names: Vec<&str> = base.iter().chain(head).map(|m| m.0.as_str()).collect();
    names.sort();
    names.dedup();
    let find = |side: &'_ [Manifest], n: &str| side.iter().position(|m| m.0 == n);
    let mut report = DiffReport {
        from: "base".into(),
        to: "PR".into(),
        charts: Vec::new(),
    };
    let mut failures = Vec::new();
    for n in names {
        let mut sides = [None, None];
        for (i, side) in [base, head].into_iter().enumerate() {
            if let Some(at) = find(side, n) {
                match &side[at].1 {
                    Ok(files) => sides[i] = Some(files.as_slice()),
                    Err(e) => failures.push(format!(
                        "- {}: cannot be read in the {}: {}",
                        diff_code(n),
                        if i == 0 { "base" } else { "PR" },
                        one_line(e)
                    )),
                }
            }
        }
        let [b, h] = sides.map(|f| {
            f.map(|files| diff::Side {
                files,
                render: None,
            })
        });
        let d = diff::compare_sides(n, b, h);
        if d.status != ChartStatus::Compared || !d.objects.is_empty() {
            report.charts.push(d);
        }
    }
    let mut s = "### Plain manifests\n\n".to_string();
    if report.charts.is_empty() && failures.is_empty() {
        s.push_str("No object changes.\n\n");
        return s;
    }
    s.push_str(&diff::markdown_charts(&report, 4));
    for f in failures {
        s.push_str(&f);
        s.push('\n');
    }
    if !s.ends_with("\n\n") {
        s.push('\n');
    }
    s
}

fn diff_code(s: &str) -> String {
    format!("`{}`", crate::report::clean::controls(s).replace('`', "'"))
}

fn one_line(e: &str) -> String {
    crate::report::clean::controls(&e.replace('\n', " "))
}

/// Adds the base section to a markdown report (other formats are left as they are).
pub fn with_section(format: &str, mut report: Vec<u8>, section: Option<&str>) -> Vec<u8> {
    if let (true, Some(s)) = (format == "markdown", section) {
        if !report.ends_with(b"\n\n") && !report.is_empty() {
            report.push(b'\n');
        }
        report.extend_from_slice(s.as_bytes());
    }
    report
}

/// `check --base REF`: the section when a markdown report is asked for (`--format markdown` or
/// `--output markdown=PATH`); None without `--base`. The revision is checked either way.
pub fn for_check(
    args: &super::check::CheckArgs,
    paths: &[PathBuf],
    cwd: &Path,
) -> Result<Option<String>, String> {
    let Some(rev) = &args.base else {
        return Ok(None);
    };
    let markdown =
        args.format == "markdown" || args.outputs.iter().any(|o| o.starts_with("markdown="));
    if !markdown {
        resolve(rev, cwd)?;
        return Ok(None);
    }
    section(rev, paths, &args.run, cwd).map(Some)
}
