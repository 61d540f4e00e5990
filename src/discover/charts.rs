//! Charts and their environments: what `chartgate check` renders.
//!
//! From the paths given, discovery finds
//! - **charts**: a directory holding `Chart.yaml` (its subdirectories are the chart's own:
//!   `templates/`, `charts/` subcharts, `env/`, are not searched further), or a packaged `.tgz`
//!   named explicitly;
//! - **values-only service folders**: a directory whose own `chartgate.yaml` says `chart: PATH`
//!   (the chart is rendered with the folder's values files);
//! - **plain manifests**: every other `*.yaml`/`*.yml`/`*.json` file, checked as before.
//!
//! A service's environments come from `environments:` in its merged config (values-file globs
//! relative to the config file that declares them, `{chart}`, `{env}` and `{service}`
//! placeholders, in the config's order); without any, from the files beside the chart whose name
//! is an environment name (`environment-names:`): `values-<env>.yaml`, `values.<env>.yaml`,
//! `env/<env>/values.yaml`. With neither, the chart is rendered once with its defaults
//! (environment none). A chart that some service folder of the run names with `chart:` is not
//! also checked on its own (its defaults alone are never deployed).
//!
//! Nothing is dropped silently: files that look like values or manifests but are not used are
//! listed in [`Discovered::skipped`] with the reason, and an environment whose globs match no
//! file for any chart is a config error at its line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::classify::FileKind;
use super::manifests::{DEFAULT_INCLUDE, DiscoverError, ManifestInput, display_path};
use crate::config::{Config, FileCache};
use crate::confine::normalise;
use crate::confine::root::{LinkTarget, link_target, repo_root};

/// One environment of a service: its name and values files in the order they apply, and where
/// the render comes from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvTarget {
    /// None when the service has no environments at all (rendered with its defaults).
    pub name: Option<String>,
    /// Values files (absolute), applied in order after the chart's own `values.yaml`.
    pub values: Vec<PathBuf>,
    /// Where this render is declared: `path:line` of the Application (or config) that declares it.
    pub source: Option<String>,
    /// The destination cluster (Argo CD `destination.name`, or the `clusters:` name of its server).
    pub cluster: Option<String>,
    /// The namespace the release is rendered into (default: the environment's, else `default`).
    pub namespace: Option<String>,
    /// The release name (default: the service's name).
    pub release: Option<String>,
    /// Argo CD `helm.values`/`valuesObject`: applied after the values files.
    pub inline_values: Option<serde_json::Value>,
    /// `--set` arguments (`name=value`), applied after every values layer.
    pub set: Vec<String>,
    /// `--set-string` arguments.
    pub set_string: Vec<String>,
    /// `--set-file` arguments (`name=absolute path`).
    pub set_file: Vec<String>,
    /// `--kube-version` of the render.
    pub kube_version: Option<String>,
    /// `--api-versions` of the render.
    pub api_versions: Vec<String>,
    /// The chart's `crds/` files are deployed too (Argo CD runs `helm template --include-crds`
    /// unless `skipCrds`; `helm install` installs them): they are checked as manifests.
    pub include_crds: bool,
}

/// A file discovery looked at and did not check, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// Relative to the current directory.
    pub path: String,
    pub reason: String,
}

/// Something that is deployed but cannot be rendered offline, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Unresolved {
    /// `FILE:LINE` of what names it.
    pub source: String,
    pub reason: String,
}

/// A chart to render, with the directory its values live in and its environments.
#[derive(Clone, Debug)]
pub struct Service {
    /// The chart directory or `.tgz` (absolute).
    pub chart: PathBuf,
    /// The service directory (the chart directory, or the values-only folder naming the chart).
    pub dir: PathBuf,
    /// The service as printed: its directory relative to the current directory.
    pub display: String,
    /// The service's name (`{chart}`; the release name): the service directory's name.
    pub name: String,
    /// The merged config of the service directory.
    pub config: Config,
    /// Environments, in the config's order (alphabetical when found by convention).
    pub environments: Vec<EnvTarget>,
    /// The repository root the chart's symbolic links may not leave ([`repo_root`]).
    pub root: PathBuf,
}

/// Everything discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    /// Services, sorted by display path.
    pub services: Vec<Service>,
    /// Plain manifest files (and stdin), in walk order.
    pub manifests: Vec<ManifestInput>,
    /// Manifest files that could not be read (`FILE: why`): reported, and the rest is checked.
    pub unreadable: Vec<String>,
    /// Files looked at and not checked, with the reason (`--list` shows them).
    pub skipped: Vec<Skipped>,
    /// Deployments that cannot be rendered offline.
    pub unresolved: Vec<Unresolved>,
}

/// Options of discovery.
pub struct DiscoverOptions<'a> {
    /// Globs of manifest files to read inside directories (default `*.yaml`, `*.yml`, `*.json`).
    pub include: &'a [String],
    /// Globs of files to skip inside directories.
    pub exclude: &'a [String],
    /// `--config`: used for every service instead of the nearest files.
    pub config: Option<&'a Config>,
    /// The current directory (paths are printed relative to it).
    pub cwd: &'a Path,
    /// Files that are never manifests (the baseline files of the run), absolute or relative to
    /// `cwd`.
    pub never_manifests: &'a [PathBuf],
}

fn globset(globs: &[String]) -> Result<GlobSet, DiscoverError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = globset::Glob::new(g).map_err(|e| DiscoverError {
            path: g.clone(),
            message: format!("invalid glob: {e}"),
        })?;
        b.add(glob);
    }
    b.build().map_err(|e| DiscoverError {
        path: globs.join(","),
        message: e.to_string(),
    })
}

fn cfg_err(e: crate::config::ConfigError, cwd: &Path) -> DiscoverError {
    let e = e.at(cwd);
    DiscoverError {
        path: if e.line == 0 {
            e.file
        } else {
            format!("{}:{}:{}", e.file, e.line, e.column)
        },
        message: e.message,
    }
}

/// Whether a file name is a values file of some environment or the defaults (never a manifest).
pub(crate) fn is_values_name(name: &str) -> bool {
    name == "values.yaml"
        || name == "values.yml"
        || (name.starts_with("values-") || name.starts_with("values."))
            && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// Finds charts, service folders and manifests under `paths` (`-` is stdin, read from `stdin`).
pub fn discover(
    paths: &[PathBuf],
    opts: &DiscoverOptions<'_>,
    stdin: &mut dyn std::io::Read,
) -> Result<Discovered, DiscoverError> {
    let cwd = opts.cwd;
    let include: Vec<String> = if opts.include.is_empty() {
        DEFAULT_INCLUDE.iter().map(|s| s.to_string()).collect()
    } else {
        opts.include.to_vec()
    };
    let inc = globset(&include)?;
    let exc = globset(opts.exclude)?;
    let never: BTreeSet<PathBuf> = (opts.never_manifests.iter())
        .map(|p| normalise(&cwd.join(p)))
        .collect();
    let mut cache = FileCache::default();
    // (chart path, service dir) pairs, plus manifest files with their repository roots.
    let mut charts: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut folders: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    let mut manifest_files: Vec<PathBuf> = Vec::new();
    let mut out = Discovered::default();
    let skip = |out: &mut Discovered, path: &Path, reason: String| {
        out.skipped.push(Skipped {
            path: display_path(path, cwd),
            reason,
        })
    };
    for p in paths {
        if p.as_os_str() == "-" {
            let max = opts
                .config
                .map_or(crate::model::Limits::default(), |c| c.limits)
                .file_bytes;
            out.manifests.extend(super::manifests::collect(
                std::slice::from_ref(p),
                &[],
                &[],
                cwd,
                max,
                stdin,
            )?);
            continue;
        }
        let abs = normalise(&if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        });
        let meta = std::fs::metadata(&abs).map_err(|e| DiscoverError {
            path: display_path(p, cwd),
            message: e.to_string(),
        })?;
        let root = repo_root(&abs);
        if meta.is_file() {
            let name = abs.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".tgz") {
                charts.insert(abs, root);
            } else if name == "Chart.yaml" {
                charts.insert(abs.parent().unwrap_or(&abs).to_path_buf(), root);
            } else {
                manifest_files.push(abs);
            }
            continue;
        }
        let mut walker = walkdir::WalkDir::new(&abs)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        // Directories that are (inside) a chart or a service folder: files there are theirs.
        let mut owned: Vec<PathBuf> = Vec::new();
        while let Some(entry) = walker.next() {
            // A folder or file the walk cannot enter (a path past PATH_MAX, no permission) is
            // reported as unreadable (exit 2) and the rest is checked.
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    let at = e.path().unwrap_or(p);
                    let message = match e.io_error() {
                        Some(io) => format!("cannot be read: {io}"),
                        None => e.to_string(),
                    };
                    let path = crate::confine::excerpt(&display_path(at, cwd), 200);
                    out.unreadable
                        .push(DiscoverError { path, message }.to_string());
                    continue;
                }
            };
            // The run's time budget holds during the walk too (a tree of many or deeply
            // nested directories is the pull request's to shape).
            if let Some(e) = crate::budget::run_time_spent() {
                return Err(DiscoverError {
                    path: display_path(entry.path(), cwd),
                    message: format!("walking the repository: {e}"),
                });
            }
            let path = entry.path();
            let name = entry.file_name().to_string_lossy();
            if entry.file_type().is_dir() {
                if entry.depth() > 0
                    && (name.starts_with('.') || name == "node_modules" || name == "target")
                {
                    walker.skip_current_dir();
                    continue;
                }
                let config = dir_config(path, opts, &mut cache)?;
                if entry.depth() > 0 && crate::config::scoped::any_match(&config.exclude, path) {
                    refuse_repository_exclude(&config, path, cwd)?;
                    skip(&mut out, path, excluded_reason(&config, path));
                    walker.skip_current_dir();
                    continue;
                }
                if path.join("Chart.yaml").is_file() {
                    // Helm does not install a library chart: it is rendered through the charts
                    // that depend on it.
                    if is_library(path) {
                        skip(
                            &mut out,
                            path,
                            "library chart (`type: library`): checked through the charts that depend on it".into(),
                        );
                    } else {
                        charts.insert(path.to_path_buf(), root.clone());
                    }
                    walker.skip_current_dir();
                    continue;
                }
                if let Some(f) = crate::config::file_in(path) {
                    let own = cache.file(&f).map_err(|e| cfg_err(e, cwd))?;
                    if let Some(chart) = own.chart {
                        folders.insert(path.to_path_buf(), normalise(&cwd.join(chart)));
                        owned.push(path.to_path_buf());
                    }
                }
                continue;
            }
            let mut target = path.to_path_buf();
            if entry.file_type().is_symlink() {
                match link_target(path, &root) {
                    LinkTarget::Broken(e) => {
                        skip(&mut out, path, format!("broken symbolic link: {e}"));
                        continue;
                    }
                    LinkTarget::Outside(t) => {
                        skip(
                            &mut out,
                            path,
                            format!(
                                "symbolic link to {} leaves the repository ({})",
                                t.display(),
                                root.display()
                            ),
                        );
                        continue;
                    }
                    LinkTarget::Inside(t) if t.is_dir() => {
                        if t.join("Chart.yaml").is_file() {
                            charts.insert(path.to_path_buf(), root.clone());
                        } else {
                            skip(
                                &mut out,
                                path,
                                format!(
                                    "symbolic link to directory {} is not followed (it is checked where it lies)",
                                    display_path(&t, cwd)
                                ),
                            );
                        }
                        continue;
                    }
                    LinkTarget::Inside(t) => target = t,
                }
            }
            if !target.is_file() {
                continue;
            }
            if crate::config::FILE_NAMES.contains(&name.as_ref()) {
                continue;
            }
            // A service folder holds values, not manifests; a values file is never a manifest.
            if owned.iter().any(|d| path.starts_with(d)) || is_values_name(&name) {
                continue;
            }
            let rel = path.strip_prefix(&abs).unwrap_or(path);
            let matches = |set: &GlobSet| set.is_match(rel) || set.is_match(name.as_ref());
            if !matches(&inc) {
                continue;
            }
            if matches(&exc) {
                skip(&mut out, path, "excluded by --exclude".into());
                continue;
            }
            manifest_files.push(path.to_path_buf());
        }
    }
    // A chart named by a service folder is rendered through that folder only.
    let referenced: BTreeSet<&PathBuf> = folders.values().collect();
    let mut services = Vec::new();
    let mut uses = EnvUses::default();
    for (chart, root) in &charts {
        if referenced.contains(chart) {
            continue;
        }
        let dir = if chart.is_dir() {
            chart.clone()
        } else {
            chart.parent().unwrap_or(chart).to_path_buf()
        };
        let mut svc = service(
            chart.clone(),
            dir,
            false,
            opts,
            &mut cache,
            &mut uses,
            &mut out,
        )?;
        svc.root = root.clone();
        services.push(svc);
    }
    for (dir, chart) in &folders {
        if !chart.exists() {
            let f = crate::config::file_in(dir).unwrap_or_else(|| dir.clone());
            return Err(DiscoverError {
                path: display_path(&f, cwd),
                message: format!("`chart: {}` does not exist", display_path(chart, cwd)),
            });
        }
        let mut svc = service(
            chart.clone(),
            dir.clone(),
            true,
            opts,
            &mut cache,
            &mut uses,
            &mut out,
        )?;
        svc.root = repo_root(dir);
        services.push(svc);
    }
    uses.check(cwd)?;
    services.sort_by(|a, b| a.display.cmp(&b.display));
    // A file some environment uses as values is not a manifest.
    let values: BTreeSet<&PathBuf> = services
        .iter()
        .flat_map(|s| s.environments.iter().flat_map(|e| e.values.iter()))
        .collect();
    let [patches, not_included] = kustomize_patches(&manifest_files, cwd);
    for f in manifest_files.iter().filter(|f| !values.contains(f)) {
        if never.contains(f) {
            skip(&mut out, f, "baseline file of this run".into());
            continue;
        }
        let dir = f.parent().unwrap_or(f);
        let config = dir_config(dir, opts, &mut cache)?;
        if crate::config::scoped::any_match(&config.exclude, f) {
            refuse_repository_exclude(&config, f, cwd)?;
            skip(&mut out, f, excluded_reason(&config, f));
            continue;
        }
        let claimed = crate::config::scoped::any_match(&config.manifests, f);
        let max = config.limits.file_bytes;
        match super::manifests::collect(std::slice::from_ref(f), &[], &[], cwd, max, stdin) {
            Ok(m) => {
                for input in m {
                    if !claimed && let Some(reason) = patches.get(f) {
                        skip(&mut out, f, reason.clone());
                        continue;
                    }
                    let kind = super::classify::classify(&input.text);
                    // A Helm template left outside any chart (a `templates/` folder without
                    // its Chart.yaml): YAML only once rendered, and nothing renders it.
                    if !claimed
                        && kind == FileKind::Unparsable
                        && input.text.contains("{{")
                        && f.components().any(|c| c.as_os_str() == "templates")
                    {
                        skip(
                            &mut out,
                            f,
                            "Helm template outside any chart (no Chart.yaml above its `templates/` folder): YAML only once rendered, and no chart renders it".into(),
                        );
                        continue;
                    }
                    if !claimed
                        && kind == FileKind::Objects
                        && let Some(reason) = not_included.get(f)
                    {
                        skip(&mut out, f, reason.clone());
                        continue;
                    }
                    if !claimed && let FileKind::NoObjects(reason) = kind {
                        // A kustomization without `apiVersion`/`kind` (kustomize does not need
                        // them) is one by its name.
                        let by_name = f.file_name().is_some_and(|n| {
                            super::classify::KUSTOMIZATION_NAMES.iter().any(|k| n == *k)
                        });
                        let reason = if by_name && !reason.starts_with("kustomize") {
                            "kustomize configuration (`Kustomization`): kustomize reads it, the API server never sees it".to_string()
                        } else {
                            reason
                        };
                        skip(&mut out, f, reason);
                        continue;
                    }
                    out.manifests.push(input);
                }
            }
            Err(e) => out.unreadable.push(e.to_string()),
        }
    }
    out.services = services;
    out.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    out.skipped.dedup();
    Ok(out)
}

/// The files the kustomizations in the directories of `files` keep from being manifests
/// (normalised path → skip reason): the patch files they name (kustomize merges them into the
/// objects they target and never applies the file itself) and the files of their own
/// directory they do not include.
/// Two maps: patches, and object files a kustomization does not include (a file without
/// objects keeps its own reason).
fn kustomize_patches(files: &[PathBuf], cwd: &Path) -> [BTreeMap<PathBuf, String>; 2] {
    // A kustomization names files below its directory too (`patches/x.yaml`,
    // `bootstrap/users.json`): the files' directories and their ancestors.
    let mut dirs: BTreeSet<&Path> = BTreeSet::new();
    for f in files {
        for d in f.ancestors().skip(1) {
            if !dirs.insert(d) {
                break;
            }
        }
    }
    let mut out = BTreeMap::new();
    let mut unused = BTreeMap::new();
    for dir in dirs {
        for name in super::classify::KUSTOMIZATION_NAMES {
            let k = dir.join(name);
            let Ok(text) =
                crate::confine::read_bounded_text(&k, crate::model::Limits::default().file_bytes)
            else {
                continue;
            };
            for (p, field) in super::classify::kustomize_patches(&text) {
                let what = match field {
                    "configMapGenerator" | "secretGenerator" => {
                        "kustomize generator input: its content becomes the generated object's data, never applied on its own"
                    }
                    "helmCharts" => {
                        "values file of a kustomize `helmCharts` chart: Helm values, never applied"
                    }
                    _ => {
                        "kustomize patch: merged into the objects it patches, never applied on its own"
                    }
                };
                out.entry(normalise(&dir.join(&p))).or_insert_with(|| {
                    let (kind, rest) = what.split_once(':').unwrap_or((what, ""));
                    format!("{kind} (`{field}` of {}):{rest}", display_path(&k, cwd))
                });
            }
            // A file of the kustomization's own directory that it does not include is never
            // read by kustomize (nor by Argo CD, which builds the directory with kustomize).
            if let Some(included) = super::classify::kustomize_resources(&text) {
                let included: BTreeSet<PathBuf> =
                    included.iter().map(|p| normalise(&dir.join(p))).collect();
                for f in files.iter().filter(|f| f.parent() == Some(dir)) {
                    let name = f.file_name().unwrap_or_default();
                    if included.contains(f)
                        || super::classify::KUSTOMIZATION_NAMES
                            .iter()
                            .any(|k| name == *k)
                    {
                        continue;
                    }
                    unused.entry(f.clone()).or_insert_with(|| {
                        format!(
                            "not included by {} (its `resources` do not name it): kustomize never reads it",
                            display_path(&k, cwd)
                        )
                    });
                }
            }
        }
    }
    [out, unused]
}

/// Whether the chart directory `dir` is a library chart (`type: library` in its Chart.yaml).
fn is_library(dir: &Path) -> bool {
    let Ok(bytes) = crate::confine::read_bounded(&dir.join("Chart.yaml"), 1 << 20) else {
        return false;
    };
    let text = String::from_utf8_lossy(&bytes);
    crate::yaml::parse_stream(&text, &crate::yaml::Limits::default())
        .ok()
        .and_then(|docs| docs.into_iter().next())
        .and_then(|d| {
            d.root
                .get("type")
                .and_then(|t| t.as_str().map(str::to_string))
        })
        .is_some_and(|t| t == "library")
}

/// The merged config that applies in `dir` (`--config` when given).
fn dir_config(
    dir: &Path,
    opts: &DiscoverOptions<'_>,
    cache: &mut FileCache,
) -> Result<Config, DiscoverError> {
    match opts.config {
        Some(c) => Ok(c.clone()),
        None => crate::config::find_for_cached(dir, cache).map_err(|e| cfg_err(e, opts.cwd)),
    }
}

/// Under a platform config (without `extend: [exclude]`), a repository's `exclude:` glob may
/// drop only what chartgate would not check anyway: excluding a chart, a service folder's config
/// or a file holding a Kubernetes object (an Application included) left it unchecked, and the
/// pull request passed. A config error at the glob's line; the platform's own globs apply.
fn refuse_repository_exclude(
    config: &Config,
    path: &Path,
    cwd: &Path,
) -> Result<(), DiscoverError> {
    let Some(p) = crate::config::trust::platform() else {
        return Ok(());
    };
    if p.extend.iter().any(|e| e == "exclude") || crate::config::scoped::any_match(&p.exclude, path)
    {
        return Ok(());
    }
    let Some(g) = config.exclude.iter().find(|g| g.matches(path)) else {
        return Ok(());
    };
    let Some(found) = checked_inside(path, cwd) else {
        return Ok(());
    };
    let at = config.at.get(&format!("exclude[{}]", g.glob));
    let e = crate::config::ConfigError {
        file: at.map_or_else(
            || config.path.clone().unwrap_or_default(),
            |a| PathBuf::from(&a.file),
        ),
        line: at.map_or(0, |a| a.line),
        column: at.map_or(0, |a| a.column),
        message: format!(
            "exclude: `{}` would leave {} unchecked; under the platform config a repository config may exclude only files holding no chart and no Kubernetes object (the platform config may allow more with `extend: [exclude]`)",
            crate::confine::excerpt(&g.glob, 80),
            crate::confine::excerpt(&found, 120)
        ),
    };
    Err(cfg_err(e, cwd))
}

/// The first thing under `path` (a file or directory) chartgate checks: a chart (its
/// `Chart.yaml`), a config file, or a file holding a Kubernetes object. Hidden directories are
/// skipped as discovery skips them.
fn checked_inside(path: &Path, cwd: &Path) -> Option<String> {
    let max = crate::model::Limits::default().file_bytes;
    let is_object = |f: &Path| {
        let yaml = f
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json");
        yaml && crate::confine::read_bounded_text(f, max)
            .is_ok_and(|text| matches!(super::classify::classify(&text), FileKind::Objects))
    };
    let walker = walkdir::WalkDir::new(path)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let f = entry.path();
        let name = entry.file_name().to_string_lossy();
        if name == "Chart.yaml" {
            return Some(format!(
                "chart {}",
                display_path(f.parent().unwrap_or(f), cwd)
            ));
        }
        if crate::config::FILE_NAMES.contains(&name.as_ref()) {
            return Some(format!("the service folder of {}", display_path(f, cwd)));
        }
        if is_object(f) {
            return Some(format!(
                "the Kubernetes objects of {}",
                display_path(f, cwd)
            ));
        }
    }
    None
}

fn excluded_reason(config: &Config, path: &Path) -> String {
    let g = config.exclude.iter().find(|g| g.matches(path));
    match (g, &config.path) {
        (Some(g), _) => format!("excluded by `exclude: {}`", g.glob),
        (None, _) => "excluded".into(),
    }
}

/// Which config environments (and which of their `values:` globs) matched a values file for
/// some chart: an environment declared with `values:` that matches nothing for every chart is a
/// config error at its line; so is one glob of it that matches nothing for every chart (a
/// misspelt override file would otherwise be dropped without a word).
#[derive(Default)]
struct EnvUses {
    /// (file, line, column, name) → its globs.
    seen: BTreeMap<UseSite, GlobUses>,
}

/// An environment's values globs, their positions, and whether each matched for some chart.
type GlobUses = (Vec<String>, Vec<(u32, u32)>, Vec<bool>);

/// Where an environment's values glob is written: (file, line, column, environment name).
type UseSite = (PathBuf, u32, u32, String);

impl EnvUses {
    /// `matched[i]`: the environment's i-th glob matched a file for this chart.
    fn record(&mut self, env: &str, e: &crate::config::Environment, matched: &[bool]) {
        let Some(o) = &e.origin else {
            return;
        };
        let entry = self
            .seen
            .entry((o.file.clone(), o.line, o.column, env.to_string()))
            .or_insert_with(|| {
                (
                    e.values.clone(),
                    o.values_at.clone(),
                    vec![false; e.values.len()],
                )
            });
        for (seen, now) in entry.2.iter_mut().zip(matched) {
            *seen |= *now;
        }
    }

    fn check(&self, cwd: &Path) -> Result<(), DiscoverError> {
        for ((file, line, column, name), (globs, positions, matched)) in &self.seen {
            let shown = display_path(file, cwd);
            if !matched.iter().any(|m| *m) {
                let globs: Vec<String> = globs.iter().map(|g| format!("`{g}`")).collect();
                return Err(DiscoverError {
                    path: format!("{shown}:{line}:{column}"),
                    message: format!(
                        "config error: environment `{name}`: its values {} match no file for any chart (paths are relative to this file)",
                        globs.join(", ")
                    ),
                });
            }
            if let Some(i) = matched.iter().position(|m| !*m) {
                let (l, c) = positions.get(i).copied().unwrap_or((*line, *column));
                return Err(DiscoverError {
                    path: format!("{shown}:{l}:{c}"),
                    message: format!(
                        "config error: environment `{name}`: its values glob `{}` matches no file for any chart while the others do (misspelt? paths are relative to this file)",
                        globs[i]
                    ),
                });
            }
        }
        Ok(())
    }
}

fn service(
    chart: PathBuf,
    dir: PathBuf,
    folder: bool,
    opts: &DiscoverOptions<'_>,
    cache: &mut FileCache,
    uses: &mut EnvUses,
    out: &mut Discovered,
) -> Result<Service, DiscoverError> {
    let config = dir_config(&dir, opts, cache)?;
    let package = !folder && !chart.is_dir();
    let name = if package {
        package_name(&chart)
    } else {
        dir.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "chart".into())
    };
    let display = display_path(if package { &chart } else { &dir }, opts.cwd);
    // The chart's own values.yaml is its defaults; a service folder's values.yaml applies first.
    let base: Vec<PathBuf> = if folder {
        ["values.yaml", "values.yml"]
            .iter()
            .map(|n| dir.join(n))
            .filter(|p| p.is_file())
            .take(1)
            .collect()
    } else {
        Vec::new()
    };
    let chart_defaults = chart.is_dir().then(|| chart.join("values.yaml"));
    let svc = ServiceRef {
        dir: &dir,
        chart: &chart,
        name: &name,
        folder,
    };
    let environments = environments_of(
        &svc,
        &config,
        &base,
        chart_defaults.as_deref(),
        opts,
        uses,
        out,
    )?;
    if environments.is_empty() {
        let declared = config
            .path
            .as_deref()
            .map(|p| display_path(p, opts.cwd))
            .unwrap_or_else(|| "the config".into());
        out.skipped.push(Skipped {
            path: display.clone(),
            reason: format!(
                "no environment of {declared} deploys it: no values file of theirs matches for this chart"
            ),
        });
    }
    Ok(Service {
        chart,
        dir,
        display,
        name,
        config,
        environments,
        root: PathBuf::new(),
    })
}

/// What environment discovery needs to know about a service.
struct ServiceRef<'a> {
    dir: &'a Path,
    chart: &'a Path,
    name: &'a str,
    folder: bool,
}

/// The name of a packaged chart from its file name: `web-1.2.0.tgz` → `web`.
fn package_name(chart: &Path) -> String {
    let stem = chart
        .file_stem()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "chart".into());
    // Helm names packages NAME-VERSION.tgz; the version starts with a digit.
    match stem
        .char_indices()
        .find(|&(i, c)| c == '-' && stem[i + 1..].starts_with(|d: char| d.is_ascii_digit()))
    {
        Some((i, _)) if i > 0 => stem[..i].to_string(),
        _ => stem,
    }
}

/// `to` relative to the directory `from` (both absolute and normalised), `.` when equal.
fn relative(from: &Path, to: &Path) -> String {
    let rel = crate::confine::root::relative_path(to, from);
    if rel.as_os_str().is_empty() {
        ".".into()
    } else {
        rel.to_string_lossy().replace('\\', "/")
    }
}

/// Files matching `pattern` (relative to `dir`, placeholders substituted), sorted.
fn expand(
    dir: &Path,
    pattern: &str,
    chart: &str,
    env: &str,
    service: &str,
) -> Result<Vec<PathBuf>, String> {
    let found = expand_unconfined(dir, pattern, chart, env, service)?;
    // Values files a repository config names stay inside the repository and are regular files.
    let root = crate::confine::root::repo_root(dir);
    for f in &found {
        crate::confine::check_existing(&root, f, crate::confine::Kind::File).map_err(|why| {
            format!(
                "values file `{}` {why}",
                crate::confine::show_path(f.strip_prefix(&root).unwrap_or(f))
            )
        })?;
    }
    Ok(found)
}

fn expand_unconfined(
    dir: &Path,
    pattern: &str,
    chart: &str,
    env: &str,
    service: &str,
) -> Result<Vec<PathBuf>, String> {
    // A repository config may name thousands of globs, each walking the tree, for every
    // service: the run's budgets bound them (a clock read per glob, a ticker over the walk).
    let spent = |e: crate::budget::Exceeded| {
        format!(
            "values glob `{}` not expanded: {e}",
            crate::confine::excerpt(pattern, 80)
        )
    };
    crate::budget::check_time().map_err(spent)?;
    let pattern = pattern
        .replace("{chart}", chart)
        .replace("{env}", env)
        .replace("{service}", service);
    let has_glob = pattern.contains(['*', '?', '[', '{']);
    let full = normalise(&dir.join(&pattern));
    if !has_glob {
        // Anything but a directory is returned, so that a link out of the repository or a
        // device is refused by the confinement check, not silently skipped.
        return Ok(
            if std::fs::symlink_metadata(&full).is_ok_and(|m| !m.is_dir()) {
                vec![full]
            } else {
                Vec::new()
            },
        );
    }
    // Walk from the deepest directory without glob characters.
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    let mut in_glob = false;
    for c in full.components() {
        let s = c.as_os_str().to_string_lossy();
        if !in_glob && !s.contains(['*', '?', '[', '{']) {
            root.push(c);
        } else {
            in_glob = true;
            rest.push(s.into_owned());
        }
    }
    let glob = GlobBuilder::new(&rest.join("/"))
        .literal_separator(true)
        .build()
        .and_then(crate::model::glob::compile)
        .map_err(|e| format!("invalid values glob `{pattern}`: {}", e.kind()))?;
    let mut out = Vec::new();
    let mut ticker = crate::budget::Ticker::default();
    if root.is_dir() {
        for e in walkdir::WalkDir::new(&root)
            .max_depth(rest.len().max(1) + 8)
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
        {
            ticker.tick().map_err(spent)?;
            if e.file_type().is_file()
                && let Ok(rel) = e.path().strip_prefix(&root)
                && glob.is_match(rel)
            {
                out.push(e.path().to_path_buf());
            }
        }
    }
    Ok(out)
}

/// Convention files of environment `env` in `dir`.
fn convention_files(dir: &Path, env: &str) -> Vec<PathBuf> {
    let mut root = None;
    [
        format!("values-{env}.yaml"),
        format!("values-{env}.yml"),
        format!("values.{env}.yaml"),
        format!("values.{env}.yml"),
        format!("env/{env}/values.yaml"),
        format!("env/{env}/values.yml"),
    ]
    .iter()
    .map(|f| dir.join(f))
    // A convention file that is a link out of the repository (or a device) is never read.
    .filter(|p| {
        p.is_file()
            && crate::confine::check_existing(
                root.get_or_insert_with(|| crate::confine::root::repo_root(dir)),
                p,
                crate::confine::Kind::File,
            )
            .is_ok()
    })
    .collect()
}

/// Files in `dir` shaped like environment values files, by the environment name they suggest:
/// `values-<x>.yaml`, `values.<x>.yaml` (x without dots), `env/<x>/values.yaml`.
fn convention_candidates(dir: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut envs: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let stem = name
                .strip_suffix(".yaml")
                .or_else(|| name.strip_suffix(".yml"));
            if let Some(env) = stem
                .and_then(|s| {
                    s.strip_prefix("values-")
                        .or_else(|| s.strip_prefix("values."))
                })
                .filter(|e| !e.is_empty())
            {
                envs.entry(env.to_string()).or_default().push(e.path());
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(dir.join("env")) {
        for e in rd.flatten() {
            let p = e.path();
            for f in ["values.yaml", "values.yml"] {
                if p.join(f).is_file() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    envs.entry(name).or_default().push(p.join(f));
                }
            }
        }
    }
    for files in envs.values_mut() {
        files.sort();
    }
    envs
}

fn environments_of(
    svc: &ServiceRef<'_>,
    config: &Config,
    base: &[PathBuf],
    chart_defaults: Option<&Path>,
    opts: &DiscoverOptions<'_>,
    uses: &mut EnvUses,
    out: &mut Discovered,
) -> Result<Vec<EnvTarget>, DiscoverError> {
    let cwd = opts.cwd;
    let dir = svc.dir;
    let with_base = |files: Vec<PathBuf>| -> Vec<PathBuf> {
        let mut v = base.to_vec();
        for f in files {
            // The chart's values.yaml is already its defaults.
            if Some(f.as_path()) == chart_defaults || v.contains(&f) {
                continue;
            }
            v.push(f);
        }
        v
    };
    let candidates = convention_candidates(dir);
    let mut targets = Vec::new();
    let config_shown = config
        .path
        .as_deref()
        .map(|p| display_path(p, cwd))
        .unwrap_or_else(|| "the config".into());
    if !config.environments.is_empty() {
        let mut names: Vec<&String> = config.environment_order.iter().collect();
        let ordered: BTreeSet<&String> = names.iter().copied().collect();
        names.extend(config.environments.keys().filter(|n| !ordered.contains(n)));
        for name in names {
            let Some(env) = config.environments.get(name) else {
                continue;
            };
            let source = env
                .origin
                .as_ref()
                .map(|o| format!("{}:{}", display_path(&o.file, cwd), o.line));
            let target = |values: Vec<PathBuf>| EnvTarget {
                name: Some(name.clone()),
                values: with_base(values),
                source: source.clone(),
                cluster: env.cluster.clone(),
                namespace: env.namespace.clone(),
                release: Some(svc.name.to_string()),
                ..Default::default()
            };
            if env.values.is_empty() {
                targets.push(target(convention_files(dir, name)));
                continue;
            }
            // Globs are relative to the file that declares them.
            let origin_dir = env
                .origin
                .as_ref()
                .and_then(|o| o.file.parent())
                .map(|d| normalise(&cwd.join(d)))
                .unwrap_or_else(|| dir.to_path_buf());
            let service = relative(&origin_dir, dir);
            let mut files = Vec::new();
            let mut matched = Vec::with_capacity(env.values.len());
            for pattern in &env.values {
                let found =
                    expand(&origin_dir, pattern, svc.name, name, &service).map_err(|message| {
                        DiscoverError {
                            path: env
                                .origin
                                .as_ref()
                                .map(|o| {
                                    format!(
                                        "{}:{}:{}",
                                        display_path(&o.file, cwd),
                                        o.line,
                                        o.column
                                    )
                                })
                                .unwrap_or_else(|| config_shown.clone()),
                            message,
                        }
                    })?;
                matched.push(!found.is_empty());
                files.extend(found);
            }
            uses.record(name, env, &matched);
            // An environment whose values files match nothing here does not deploy this service.
            if files.is_empty() {
                continue;
            }
            targets.push(target(files));
        }
        let used: BTreeSet<&PathBuf> = targets.iter().flat_map(|t| t.values.iter()).collect();
        for files in candidates.values() {
            for f in files.iter().filter(|f| !used.contains(f)) {
                out.skipped.push(Skipped {
                    path: display_path(f, cwd),
                    reason: format!("not a values file of any environment of {config_shown}"),
                });
            }
        }
        return Ok(targets);
    }
    for (env, files) in &candidates {
        if config.environment_names.iter().any(|n| n == env) {
            let values = convention_files(dir, env);
            let source = values
                .first()
                .map(|f| format!("{}:1", display_path(f, cwd)));
            targets.push(EnvTarget {
                name: Some(env.clone()),
                values: with_base(values),
                source,
                cluster: None,
                namespace: None,
                release: Some(svc.name.to_string()),
                ..Default::default()
            });
        } else {
            for f in files {
                out.skipped.push(Skipped {
                    path: display_path(f, cwd),
                    reason: format!(
                        "`{env}` is not an environment name (environment-names: {})",
                        config.environment_names.join(", ")
                    ),
                });
            }
        }
    }
    if targets.is_empty() {
        // No environment applies: the chart is checked with its plain values.
        let origin = if svc.folder {
            base.first()
                .cloned()
                .or_else(|| crate::config::file_in(dir))
                .unwrap_or_else(|| dir.to_path_buf())
        } else if svc.chart.is_dir() {
            svc.chart.join("Chart.yaml")
        } else {
            svc.chart.to_path_buf()
        };
        let source = if origin.is_file() && !origin.to_string_lossy().ends_with(".tgz") {
            format!("{}:1", display_path(&origin, cwd))
        } else {
            display_path(&origin, cwd)
        };
        targets.push(EnvTarget {
            name: None,
            values: base.to_vec(),
            source: Some(source),
            cluster: None,
            namespace: None,
            release: Some(svc.name.to_string()),
            ..Default::default()
        });
    }
    Ok(targets)
}

/// The paths (as given) under which `d` holds nothing to check: no chart render, no manifest
/// and no unreadable file. `-` (stdin) always holds something.
pub fn empty_paths(d: &Discovered, paths: &[PathBuf], cwd: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            continue;
        }
        let abs = normalise(&cwd.join(p));
        let renders = d.services.iter().any(|s| {
            !s.environments.is_empty() && (s.dir.starts_with(&abs) || s.chart.starts_with(&abs))
        });
        let manifests =
            (d.manifests.iter()).any(|m| m.path.as_deref().is_some_and(|f| f.starts_with(&abs)));
        // A file that could not be read is reported as an error: not an empty run.
        let unreadable = (d.unreadable.iter())
            .filter_map(|u| u.split(':').next())
            .any(|f| normalise(&cwd.join(f)).starts_with(&abs));
        if !renders && !manifests && !unreadable {
            let shown = display_path(p, cwd);
            out.push(if shown.is_empty() { ".".into() } else { shown });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_and_paths() {
        assert_eq!(package_name(Path::new("c/web-1.2.0.tgz")), "web");
        assert_eq!(package_name(Path::new("c/my-app-0.1.0-rc.1.tgz")), "my-app");
        assert_eq!(package_name(Path::new("c/plain.tgz")), "plain");
        assert_eq!(normalise(Path::new("/a/./b/../c")), PathBuf::from("/a/c"));
        assert!(is_values_name("values-prod.yaml") && is_values_name("values.dev.yml"));
        assert!(!is_values_name("deployment.yaml"));
    }

    #[test]
    fn globs_expand_in_order_with_placeholders() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        for f in [
            "svc/values-a.yaml",
            "svc/values-b.yaml",
            "vals/web/prod/x.yaml",
            "vals/web/prod/y.yaml",
        ] {
            std::fs::create_dir_all(r.join(f).parent().unwrap()).unwrap();
            std::fs::write(r.join(f), "a: 1\n").unwrap();
        }
        let svc = r.join("svc");
        let got = expand(&svc, "values-*.yaml", "web", "prod", ".").unwrap();
        assert_eq!(got, [svc.join("values-a.yaml"), svc.join("values-b.yaml")]);
        let got = expand(r, "vals/{chart}/{env}/*.yaml", "web", "prod", "svc").unwrap();
        assert_eq!(
            got,
            [
                r.join("vals/web/prod/x.yaml"),
                r.join("vals/web/prod/y.yaml")
            ]
        );
        assert!(
            expand(&svc, "missing.yaml", "web", "prod", ".")
                .unwrap()
                .is_empty()
        );
        assert!(expand(&svc, "[", "web", "prod", ".").is_err());
        let got = expand(r, "{service}/values-{env}.yaml", "svc", "a", "svc").unwrap();
        assert_eq!(got, [svc.join("values-a.yaml")]);
        assert_eq!(relative(Path::new("/r"), Path::new("/r/a/b")), "a/b");
        assert_eq!(relative(Path::new("/r/x"), Path::new("/r/a")), "../a");
        assert_eq!(relative(Path::new("/r"), Path::new("/r")), ".");
    }
}
