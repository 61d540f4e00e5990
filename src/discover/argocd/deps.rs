//! Chart dependencies that are not vendored (issue 20). Argo CD runs `helm dependency build`
//! before rendering; chartgate has no network. A dependency of `Chart.yaml` missing from
//! `charts/` is looked up, at its exact version (or range), in
//! 1. the chart directory of a `file://` repository (relative to the chart),
//! 2. the local directory the repository mapping (`--repo`, `repos:`) gives for its repository
//!    (Helm repositories and OCI registries alike): `NAME/Chart.yaml` or `NAME-VERSION.tgz`,
//! 3. with `--helm-cache` only, Helm's cache, `$HELM_CACHE_HOME/repository` (default
//!    `$XDG_CACHE_HOME/helm/repository`, `~/.cache/helm/repository`), which holds the `.tgz`
//!    files `helm dependency build` downloads. It lies outside the repository, and a file there
//!    is known by name and version only (not by the repository it came from): off by default.
//!
//! When one is in none of them, the chart is not rendered: one `unresolved-source` finding per
//! environment names the dependency, its repository and version, and what to do.

use std::path::{Path, PathBuf};

use super::repos::RepoMap;
use crate::render::chart::LoadedChart;

/// A dependency found nowhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Missing {
    pub name: String,
    pub version: String,
    pub repository: String,
    /// Why a place it names cannot be used (a `file://` path leaving the repository).
    pub refused: Option<String>,
}

/// Why a chart was not loaded.
#[derive(Debug)]
pub enum LoadError {
    /// Dependencies that are neither vendored nor found locally.
    Missing(Vec<Missing>),
    /// The loader's error.
    Chart(crate::render::chart::ChartError),
}

/// Whether Helm's cache is searched (`--helm-cache`; set once per run).
static HELM_CACHE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Lets (or stops) missing dependencies come from Helm's repository cache.
pub fn use_helm_cache(on: bool) {
    HELM_CACHE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Helm's repository cache directory, when `--helm-cache` asks for it.
pub fn helm_cache() -> Option<PathBuf> {
    if !HELM_CACHE.load(std::sync::atomic::Ordering::Relaxed) {
        return None;
    }
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("HELM_CACHE_HOME")
        .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("helm")))
        .or_else(|| var("HOME").map(|h| h.join(".cache").join("helm")))
        .map(|d| d.join("repository"))
}

/// Where a missing dependency can be found locally; `Err(Some(why))` when the place it names
/// is refused: a `file://` chart must stay inside the repository (`repo_root`), as every path a
/// pull request names.
fn locate(
    chart_dir: &Path,
    d: &crate::render::chart::Dependency,
    repos: &RepoMap,
    repo_root: Option<&Path>,
) -> Result<PathBuf, Option<String>> {
    if let Some(rel) = d.repository.strip_prefix("file://") {
        let dir = crate::confine::normalise(&chart_dir.join(rel));
        if let Some(root) = repo_root {
            let root = crate::confine::normalise(root);
            if !dir.starts_with(&root) {
                return Err(Some("leaves the repository".into()));
            }
            crate::confine::check_existing(&root, &dir, crate::confine::Kind::FileOrDir)
                .map_err(Some)?;
        }
        return match dir.join("Chart.yaml").is_file() {
            true => Ok(dir),
            false => Err(None),
        };
    }
    if let Some(dir) = repos.local(&d.repository)
        && let Some(found) = super::find_chart(dir, &d.name, &d.version)
    {
        return Ok(found);
    }
    let cache = helm_cache().ok_or(None)?;
    super::find_chart(&cache, &d.name, &d.version)
        .filter(|p| p.is_file())
        .ok_or(None)
}

/// Loads a chart, completing dependencies missing from `charts/` from local places.
pub fn load(
    chart: &Path,
    repo_root: Option<&Path>,
    repos: &RepoMap,
    limits: &crate::model::Limits,
) -> Result<LoadedChart, LoadError> {
    let loaded = crate::render::chart::load::load_chart_in(chart, limits, repo_root)
        .map_err(LoadError::Chart)?;
    let absent: Vec<&crate::render::chart::Dependency> =
        (loaded.chart.metadata.dependencies.iter())
            .filter(|d| !loaded.chart.dependencies.iter().any(|c| c.name() == d.name))
            .collect();
    if absent.is_empty() {
        return Ok(loaded);
    }
    let dir = if chart.is_dir() {
        chart
    } else {
        chart.parent().unwrap_or(chart)
    };
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for d in absent {
        match locate(dir, d, repos, repo_root) {
            Ok(p) => found.push(p),
            Err(refused) => missing.push(Missing {
                name: d.name.clone(),
                version: d.version.clone(),
                repository: d.repository.clone(),
                refused,
            }),
        }
    }
    if !missing.is_empty() {
        return Err(LoadError::Missing(missing));
    }
    crate::render::chart::load::load_chart_with_archives(chart, limits, &found, repo_root)
        .map_err(LoadError::Chart)
}

/// The `unresolved-source` message of a missing dependency.
pub fn message(m: &Missing, chart: &str) -> String {
    let repo = if m.repository.is_empty() {
        "(no repository)".to_string()
    } else {
        m.repository.clone()
    };
    if let Some(why) = &m.refused {
        return format!(
            "dependency {} from {repo} {why}: chartgate reads nothing outside the repository; vendor it in {chart}/charts/",
            m.name
        );
    }
    let cache = match helm_cache() {
        Some(p) => format!(" or in {}", p.display()),
        None => String::new(),
    };
    format!(
        "dependency {} {} from {repo} is not vendored in {chart}/charts/ and was not found in the mapped repository directories{cache}: vendor it (`helm dependency build` and commit charts/), or map the repository with --repo {repo}=PATH",
        m.name,
        if m.version.is_empty() {
            "(any version)"
        } else {
            &m.version
        },
    )
}
