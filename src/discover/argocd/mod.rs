//! Argo CD, offline: what the `Application`s of the checked paths and of the mapped
//! repositories deploy, as charts × environments with Argo CD's exact Helm inputs.
//!
//! 1. Every `*.yaml`/`*.yml`/`*.json` file under the checked paths and under the local
//!    directories of `--repo URL=PATH` / `repos:` is read for `argoproj.io` `Application` and
//!    `ApplicationSet` documents (chart directories are not: their templates are rendered).
//! 2. Applications found under the checked paths are resolved first, then the other ones.
//!    Each source ([`application::Source`]) is located in its repository's local directory
//!    ([`repos::RepoMap`]): `path` relative to the repository root, or a Helm-repository/OCI
//!    `chart` at its `targetRevision` in the mapped directory (`NAME/Chart.yaml` or
//!    `NAME-VERSION.tgz`).
//! 3. A chart source becomes one render ([`EnvTarget`]) with Argo CD's Helm inputs
//!    ([`helm::value_files`], `values`/`valuesObject`, `parameters`, `fileParameters`, release
//!    name, namespace, kube version, API versions); its environment comes from the destination
//!    (`clusters:` and `environments:` of the config, see [`Resolver::environment`]).
//! 4. App-of-apps: a source that is a directory of manifests, or a chart whose templates write
//!    Applications, is read or rendered and the Applications in it are resolved as its
//!    children, to depth [`MAX_DEPTH`]; a cycle is an error naming the chain.
//! 5. What cannot be resolved offline is an [`Unresolved`] (rule `unresolved-source`) at the
//!    Application's line with the reason; a malformed Application is an error at its line.
//!    Neither stops the rest.

pub mod application;
pub mod appset;
pub mod deps;
mod env;
pub mod helm;
mod overrides;
pub mod repos;
mod takeover;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::config::{Config, Environment};
use crate::confine::normalise;
use crate::discover::charts::{EnvTarget, Service};
use crate::discover::manifests::display_path;
use application::{Application, Source};
use helm::RefTarget;
use repos::RepoMap;

/// A file the resolver reads (Argo CD manifests, chart metadata): a regular file within the
/// configured `file-bytes` default, never a device; unreadable is `Err`.
fn read_text(path: &Path) -> Result<String, String> {
    crate::confine::read_bounded_text(path, crate::model::Limits::default().file_bytes)
}

/// How deep app-of-apps nesting is followed.
pub const MAX_DEPTH: usize = 10;

/// Something Argo CD would deploy that chartgate cannot resolve offline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// The declaring manifest (printed path), line and column.
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// Why, and what to do (starts with `Application NAME: ` or `ApplicationSet NAME: `).
    pub reason: String,
    /// The Application or ApplicationSet that declares it (a generated Application's own
    /// name), when it has a kind and name.
    pub resource: Option<crate::model::ResourceRef>,
    /// The field that cannot be resolved (`spec.sources[1]`, `spec.generators[0].git`).
    pub field: Option<String>,
}

/// What the Applications resolve to.
#[derive(Clone, Debug, Default)]
pub struct Resolution {
    /// Charts with the renders Applications define (sorted by display path).
    pub services: Vec<Service>,
    /// Sources that cannot be resolved offline.
    pub unresolved: Vec<Unresolved>,
    /// Malformed Applications and app-of-apps cycles: `FILE:LINE:COL: message`.
    pub errors: Vec<String>,
    /// Texts of the files holding Applications, by printed path (for report snippets).
    pub sources: BTreeMap<String, Arc<str>>,
    /// Every file holding an Application or ApplicationSet (absolute).
    pub files: BTreeSet<PathBuf>,
    /// How many Applications were resolved.
    pub applications: usize,
    /// Chart directories an Application deploys through a source chartgate cannot resolve (a
    /// plugin, a missing values file...): not rendered by convention either, since Argo CD
    /// never deploys them that way.
    pub claimed: BTreeSet<PathBuf>,
    /// Files Argo CD reads as inputs but never applies, that no resolved render uses as values:
    /// a git files generator's parameter files, value files of an Application whose source is
    /// unresolved (file → what reads it). Not manifests; `--list` gives this as the skip reason.
    pub inputs: BTreeMap<PathBuf, String>,
    /// Files that look like Argo CD manifests but are not YAML: (file, `FILE:LINE:COL: invalid
    /// YAML: message`). Reported once: by the manifest check when the file is also checked as
    /// a manifest, else as an unreadable input.
    pub yaml_errors: Vec<(PathBuf, String)>,
    /// The files a directory source applies (file → `FILE:LINE` of the first Application
    /// applying it), wherever they lie: under a chart folder, in a mapped repository. Each is
    /// checked as a manifest unless a render reads it as values (see [`apply`]).
    pub deployed: BTreeMap<PathBuf, String>,
    /// `manifest-validity` findings of Applications Argo CD never runs: one two ApplicationSets
    /// generate (same name in the same namespace), at the second set's template, naming the
    /// first, which owns it; a plain Application an ApplicationSet takes over with another
    /// spec, at the plain one; an invalid Application (the API server or Argo CD refuses it),
    /// at the field to fix.
    pub validity: Vec<crate::model::Finding>,
}

/// Inputs of the resolution.
pub struct ResolveOptions<'a> {
    /// The checked paths (absolute).
    pub paths: &'a [PathBuf],
    /// Repository URL → local directory.
    pub repos: &'a RepoMap,
    /// The run's config (`clusters:`, `environments:`).
    pub config: &'a Config,
    /// `--config`: used for every chart instead of its nearest files.
    pub config_override: Option<&'a Config>,
    /// Paths are printed relative to it.
    pub cwd: &'a Path,
    /// Chart directories found under the checked paths: one whose templates write Applications
    /// and that no Application deploys is an app-of-apps root (see [`resolve`]).
    pub charts: &'a [PathBuf],
}

/// An Argo CD document found in a file or produced by a parent.
#[derive(Clone, Debug)]
struct Doc {
    json: Value,
    /// The declaring manifest (absolute) and position.
    file: PathBuf,
    line: u32,
    column: u32,
    /// An Application generated from the ApplicationSet `node` holds: its fields are read
    /// under the set's `spec.template.`.
    generated: bool,
    /// The document's YAML as read from its file, or as an app-of-apps chart rendered it
    /// (positions of its fields); None for documents a parent produced otherwise.
    node: Option<Arc<crate::yaml::Node>>,
    /// For a document an app-of-apps chart rendered: the rendered template `node`'s positions
    /// are in, and the template's name, so a field maps back to its line in `file`.
    rendered: Option<Arc<(crate::render::chart::RenderedTemplate, String)>>,
}

impl Doc {
    /// An Application generated from the ApplicationSet this document holds (read under its
    /// template). Not `..self.clone()`: that would copy the whole set (its generators'
    /// elements) once per generated Application, quadratic in the elements (10,000: 100 s).
    fn generated(&self, json: Value) -> Doc {
        Doc {
            json,
            generated: true,
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            node: self.node.clone(),
            rendered: self.rendered.clone(),
        }
    }

    /// Line and column of `field` (`spec.generators[0].git`) in the document's file: the key
    /// of the deepest part of the path present there (a missing field: the map that lacks it),
    /// else the document's start.
    fn field_at(&self, field: Option<&str>) -> (u32, u32) {
        let (Some(root), Some(field)) = (self.node.as_deref(), field) else {
            return (self.line, self.column);
        };
        let field = if self.generated {
            format!("spec.template.{field}")
        } else {
            field.to_string()
        };
        let (node, key) = root.locate_path(&field);
        let at = key.unwrap_or(node);
        match &self.rendered {
            None => (at.pos.line, at.pos.col),
            // A field a helper of another file wrote: the document's own line.
            Some(r) => match r.0.template_position(at.pos.offset) {
                Some((template, line, col)) if **template == *r.1 => (line, col),
                _ => (self.line, self.column),
            },
        }
    }
}

/// Why a source cannot be rendered, and the field of the source (`path`,
/// `helm.valueFiles[2]`) a person changes; `None` for the source as a whole.
#[derive(Debug)]
struct SourceError {
    field: Option<String>,
    message: String,
}

impl SourceError {
    fn at(field: impl Into<String>, message: String) -> Self {
        SourceError {
            field: Some(field.into()),
            message,
        }
    }
}

impl From<String> for SourceError {
    fn from(message: String) -> Self {
        SourceError {
            field: None,
            message,
        }
    }
}

/// The Argo CD documents of one file.
#[derive(Default)]
struct FileDocs {
    applications: Vec<Doc>,
    application_sets: Vec<Doc>,
    /// Cluster Secrets (`argocd.argoproj.io/secret-type: cluster`): the clusters a `clusters`
    /// generator sees.
    cluster_secrets: Vec<Doc>,
}

/// Reads the Argo CD documents of one file, or an error.
fn read_docs(path: &Path, text: &str) -> Result<FileDocs, (u32, u32, String)> {
    let docs = crate::yaml::parse_stream(text, &crate::yaml::Limits::default())
        .map_err(|e| (e.pos.line, e.pos.col, e.message))?;
    let mut out = FileDocs::default();
    for d in docs {
        let json = d.root.to_json();
        let line = d.root.pos.line;
        let column = d.root.pos.col;
        let node = Arc::new(d.root);
        let doc = |json| Doc {
            json,
            file: path.to_path_buf(),
            line,
            column,
            generated: false,
            node: Some(node.clone()),
            rendered: None,
        };
        if application::is_kind(&json, "Application") {
            out.applications.push(doc(json));
        } else if application::is_kind(&json, "ApplicationSet") {
            out.application_sets.push(doc(json));
        } else if json.get("kind").and_then(Value::as_str) == Some("Secret")
            && json
                .pointer("/metadata/labels")
                .and_then(|l| l.get(appset::SECRET_TYPE_LABEL))
                .and_then(Value::as_str)
                == Some("cluster")
        {
            out.cluster_secrets.push(doc(json));
        }
    }
    Ok(out)
}

/// The YAML/JSON files under `root` that may hold Argo CD documents (chart directories, hidden
/// directories, `node_modules` and `target` skipped), sorted.
fn candidate_files(root: &Path, recurse: bool) -> Vec<PathBuf> {
    if root.is_file() {
        return vec![root.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .max_depth(if recurse { usize::MAX } else { 1 })
        .sort_by_file_name()
        .into_iter();
    // A folder that cannot be read is passed over (discovery reports it), never the walk's end.
    while let Some(entry) = walker.next() {
        let Ok(e) = entry else {
            continue;
        };
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_dir() {
            if e.depth() > 0
                && (name.starts_with('.')
                    || name == "node_modules"
                    || name == "target"
                    || e.path().join("Chart.yaml").is_file())
            {
                walker.skip_current_dir();
            }
            continue;
        }
        if e.file_type().is_file()
            && (name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json"))
        {
            out.push(e.path().to_path_buf());
        }
    }
    out
}

/// The string at a JSON pointer, empty when absent.
fn text_at(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// The text that makes Argo CD skip a manifest file of a directory source
/// (`skipFileRenderingMarker`, reposerver/repository/repository.go).
const SKIP_FILE_RENDERING_MARKER: &str = "+argocd:skip-file-rendering";

/// `directory.include` / `directory.exclude` as Argo CD matches them
/// (`getPotentiallyValidManifestFile`): gobwas globs without separators (`*` crosses `/`,
/// `{a,b}` alternatives) on the file's path relative to the source's path; a pattern that does
/// not compile matches nothing.
struct DirectoryFilter {
    include: Option<Option<globset::GlobSet>>,
    exclude: Option<Option<globset::GlobSet>>,
}

impl DirectoryFilter {
    fn new(include: Option<&str>, exclude: Option<&str>) -> Self {
        let compile = |p: &str| {
            globset::GlobBuilder::new(p)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .ok()
                .and_then(|g| crate::model::glob::compile(g).ok())
        };
        DirectoryFilter {
            include: include.map(compile),
            exclude: exclude.map(compile),
        }
    }

    fn keeps(&self, dir: &Path, file: &Path) -> bool {
        let rel = file.strip_prefix(dir).unwrap_or(file);
        let matches = |g: &Option<globset::GlobSet>| g.as_ref().is_some_and(|g| g.is_match(rel));
        if self.exclude.as_ref().is_some_and(matches) {
            return false;
        }
        self.include.as_ref().is_none_or(matches)
    }
}

/// A source's `path` under its repository's local root (a leading `/` is the root); None when
/// it leads out of the repository.
fn path_in_repo(root: &Path, rel: &str) -> Option<PathBuf> {
    let dir = normalise(&root.join(rel.trim_start_matches('/')));
    dir.starts_with(root).then_some(dir)
}

/// The files Argo CD reads from a directory source (`getPotentiallyValidManifests`,
/// reposerver/repository/repository.go), in its walk order: every file of `dir` (with
/// `recurse`, of every subdirectory too — hidden ones, `node_modules` and chart folders
/// included; a linked directory is never entered) named `*.yaml`, `*.yml`, `*.json` or
/// `*.jsonnet` (any name with `disableExtensionFilter`), kept by `include`/`exclude`. A link to
/// a file is read where it points; a dangling link or one to something other than a regular
/// file is passed over, and one leading out of the repository (`repo_root`) fails the whole
/// source, as in Argo CD (`illegal filepath in symlink`), even when excluded. Also returns the
/// subdirectories holding a `Chart.yaml` (their files are applied as they are, never rendered).
/// `.git` is not walked: Git names nothing there `*.yaml`.
fn directory_files(
    dir: &Path,
    repo_root: &Path,
    recurse: bool,
    filter: &DirectoryFilter,
    any_extension: bool,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>), String> {
    let real_root = std::fs::canonicalize(repo_root).unwrap_or_else(|_| repo_root.to_path_buf());
    let (mut files, mut charts) = (Vec::new(), Vec::new());
    let mut walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .max_depth(if recurse { usize::MAX } else { 1 })
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        // filepath.Walk hands a directory it cannot read to Argo CD's callback, which fails.
        let e = entry.map_err(|e| {
            let rel = (e.path())
                .map(|p| p.strip_prefix(dir).unwrap_or(p).display().to_string())
                .unwrap_or_default();
            let why = e
                .io_error()
                .map_or_else(|| e.to_string(), std::io::Error::to_string);
            format!(
                "`{rel}` of the directory source cannot be read ({why}): Argo CD fails and deploys nothing from it"
            )
        })?;
        let name = e.file_name().to_string_lossy();
        let kind = e.file_type();
        if kind.is_dir() {
            if e.depth() > 0 && name == ".git" {
                walker.skip_current_dir();
            } else if recurse && e.depth() > 0 && e.path().join("Chart.yaml").is_file() {
                charts.push(e.path().to_path_buf());
            }
            continue;
        }
        if !any_extension
            && ![".yaml", ".yml", ".json", ".jsonnet"]
                .iter()
                .any(|x| name.ends_with(x))
        {
            continue;
        }
        if kind.is_symlink() {
            let Ok(real) = std::fs::canonicalize(e.path()) else {
                continue;
            };
            if !real.starts_with(&real_root) {
                let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
                return Err(format!(
                    "`{}` of the directory source is a symbolic link to outside the repository: Argo CD fails (illegal filepath in symlink) and deploys nothing from it",
                    rel.display()
                ));
            }
            if !real.is_file() {
                continue;
            }
        } else if !kind.is_file() {
            continue;
        }
        if filter.keeps(dir, e.path()) {
            files.push(e.into_path());
        }
    }
    Ok((files, charts))
}

/// The repository an Application file lives in when no mapping names it: `remote.origin.url`
/// of the nearest `.git/config` above `path`.
fn origin_of(path: &Path) -> Option<(String, PathBuf)> {
    let mut dir = if path.is_dir() {
        Some(path)
    } else {
        path.parent()
    };
    while let Some(d) = dir {
        let cfg = d.join(".git").join("config");
        if let Ok(text) = read_text(&cfg) {
            let mut in_origin = false;
            for line in text.lines() {
                let l = line.trim();
                if l.starts_with('[') {
                    in_origin = l == "[remote \"origin\"]";
                } else if in_origin && let Some(u) = l.strip_prefix("url") {
                    let u = u.trim_start().strip_prefix('=')?.trim();
                    return Some((u.to_string(), d.to_path_buf()));
                }
            }
            return None;
        }
        dir = d.parent();
    }
    None
}

struct Resolver<'a> {
    opts: &'a ResolveOptions<'a>,
    repos: RepoMap,
    out: Resolution,
    visited: HashSet<(PathBuf, u32, String)>,
    /// ApplicationSets already expanded (file, line, name).
    visited_sets: HashSet<(PathBuf, u32, String)>,
    /// chart path → (service config, targets).
    targets: BTreeMap<PathBuf, (Config, Vec<EnvTarget>)>,
    /// Whether a chart's templates write Applications (read once per chart).
    writers: HashMap<PathBuf, bool>,
    /// Whether a source directory holds a `Chart.yaml` (read once per directory).
    chart_dirs: HashMap<PathBuf, bool>,
    configs: crate::config::FileCache,
    /// `.argocd-source*.yaml` files parsed (each once per run).
    overrides: HashMap<PathBuf, Result<Value, String>>,
    /// Clusters from the cluster Secrets among the checked files.
    cluster_secrets: Vec<appset::ClusterInfo>,
    /// Generated Applications by (namespace, name): the ApplicationSet that owns each.
    generated: HashMap<(String, String), Owner>,
    /// Plain Applications resolved, by (namespace, name).
    plain: HashSet<(String, String)>,
    /// Plain Applications an ApplicationSet expanded after them takes over (see [`resolve`]).
    late: Vec<((String, String), Owner)>,
}

/// The ApplicationSet that generated an Application first, which owns it.
#[derive(Clone)]
struct Owner {
    /// (namespace, name) of the set.
    set: (String, String),
    /// Where its template's `metadata.name` is (printed path).
    at: crate::model::Location,
    /// The generated Application.
    generated: Value,
    /// The Application that runs: the generated one, or — taking over an existing Application
    /// with `ignoreApplicationDifferences` — a mix of both ([`takeover::effective`]).
    app: Value,
    /// The set's document (a generated Application is read under its template), shared by
    /// every Application the set generates (a copy each was quadratic in its elements).
    doc: Arc<Doc>,
}

/// The namespace an Application lives in, as Argo CD's control plane sees it: none is the
/// namespace it is applied to, Argo CD's own (`argocd`, as `env::instance_name` takes it).
fn app_namespace(ns: &str) -> &str {
    if ns.is_empty() { "argocd" } else { ns }
}

/// Whether an Application `plain` declares and the one an ApplicationSet generates differ in
/// what Argo CD deploys (names and labels aside).
fn differs(plain: &Value, generated: &Value) -> bool {
    match (application::parse(plain), application::parse(generated)) {
        (Ok(mut a), Ok(b)) => {
            a.app_namespace = b.app_namespace.clone();
            a != b
        }
        _ => true,
    }
}

/// Resolves every Application found under the checked paths and mapped repositories.
pub fn resolve(opts: &ResolveOptions<'_>) -> Resolution {
    let mut repos = opts.repos.clone();
    for p in opts.paths {
        if let Some((url, dir)) = origin_of(p) {
            repos.add(&url, dir);
        }
    }
    let mut r = Resolver::new(opts, repos);
    let mut roots: Vec<PathBuf> = opts.paths.to_vec();
    // Applications are read from the checked paths and the explicitly mapped repositories; the
    // checkout's own origin mapping resolves references only (never widens the scan).
    roots.extend(opts.repos.iter().map(|(_, d)| d.to_path_buf()));
    let mut seen_files = HashSet::new();
    let files: Vec<PathBuf> = (roots.iter())
        .flat_map(|root| candidate_files(root, true))
        .filter(|f| seen_files.insert(f.clone()))
        .collect();
    // Reading and parsing is most of resolution's time: done in parallel, the files then taken
    // in their order.
    let read: Vec<_> = {
        use rayon::prelude::*;
        (files.into_par_iter())
            .filter_map(|f| {
                let text = read_text(&f).ok()?;
                if !text.contains("argoproj.io") {
                    return None;
                }
                let docs = read_docs(&f, &text);
                Some((f, text, docs))
            })
            .collect()
    };
    let mut apps = Vec::new();
    let mut sets = Vec::new();
    for (f, text, docs) in read {
        match docs {
            Ok(docs) => {
                if !docs.applications.is_empty()
                    || !docs.application_sets.is_empty()
                    || !docs.cluster_secrets.is_empty()
                {
                    r.keep_source(&f, &text);
                }
                apps.extend(docs.applications);
                sets.extend(docs.application_sets);
                for secret in docs.cluster_secrets {
                    match appset::cluster_from_secret(&secret.json) {
                        Ok(Some(c)) => r.cluster_secrets.push(c),
                        Ok(None) => {}
                        Err(e) => r.error_at(&secret.file, secret.line, secret.column, e),
                    }
                }
            }
            Err((line, col, msg)) => {
                if text.contains("kind: Application") || text.contains("\"Application") {
                    r.keep_source(&f, &text);
                    let at = format!("{}:{line}:{col}", display_path(&f, opts.cwd));
                    r.out
                        .yaml_errors
                        .push((f, format!("{at}: invalid YAML: {msg}")));
                }
            }
        }
    }
    // An ApplicationSet expanded after a plain Application of a name it generates (one an
    // app-of-apps child brings in) takes it over: everything the plain one brought in — its
    // renders, its children and theirs — never exists. Resolution starts again knowing the set
    // owns that name, so the plain Application's spec is never followed; the fields the set's
    // `ignoreApplicationDifferences` names keep the plain one's values (`takeover`), which a
    // pass also learns. Passes stop when one learns nothing (in practice one per app-of-apps
    // level).
    let (base, secrets, repos) = (r.out, r.cluster_secrets, r.repos);
    let mut owners: HashMap<(String, String), Owner> = HashMap::new();
    let mut pass = 0;
    loop {
        let mut r = Resolver::new(opts, repos.clone());
        r.out = base.clone();
        r.cluster_secrets = secrets.clone();
        r.generated = owners.clone();
        r.resolve_all(&apps, &sets);
        let mut changed = false;
        for (key, owner) in std::mem::take(&mut r.late) {
            if owners.get(&key).is_none_or(|o| o.app != owner.app) {
                owners.insert(key, owner);
                changed = true;
            }
        }
        pass += 1;
        if !changed || pass > MAX_DEPTH {
            return r.finish();
        }
    }
}

impl<'a> Resolver<'a> {
    fn new(opts: &'a ResolveOptions<'a>, repos: RepoMap) -> Self {
        Resolver {
            opts,
            repos,
            out: Resolution::default(),
            visited: HashSet::new(),
            visited_sets: HashSet::new(),
            targets: BTreeMap::new(),
            writers: HashMap::new(),
            chart_dirs: HashMap::new(),
            configs: Default::default(),
            overrides: HashMap::new(),
            cluster_secrets: Vec::new(),
            generated: HashMap::new(),
            plain: HashSet::new(),
            late: Vec::new(),
        }
    }

    /// Resolves the ApplicationSets, then the Applications read from the files, then the
    /// app-of-apps roots no Application deploys.
    fn resolve_all(&mut self, apps: &[Doc], sets: &[Doc]) {
        let r = self;
        let opts = r.opts;
        for s in sets {
            r.application_set(s);
        }
        for a in apps {
            r.application(a, &mut Vec::new());
        }
        // App-of-apps roots that no Application in the checked files deploys (created with `argocd
        // app create`, or by a central config repository that is not mapped): a chart of the
        // checked paths whose templates write Applications is rendered with its own values, as
        // Argo CD renders a chart source without Helm inputs, and its Applications are resolved as
        // children. A root that does not render is left to the chart's own check (render-error).
        // A chart an unresolved Application or ApplicationSet deploys is not a root: its values come
        // from that source, and a render with its defaults alone is one Argo CD never makes.
        // Reading every chart's templates is most of discovery's I/O: done in parallel, before the
        // (ordered) resolution of the roots found.
        let writers: HashSet<&PathBuf> = {
            use rayon::prelude::*;
            let claimed = &r.out.claimed;
            (opts.charts.par_iter())
                .filter(|c| {
                    !r.targets.contains_key(*c) && !claimed.contains(*c) && writes_applications(c)
                })
                .collect()
        };
        for chart in opts.charts {
            if r.targets.contains_key(chart) || !writers.contains(chart) {
                continue;
            }
            let name = chart
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let target = EnvTarget {
                release: Some(name.clone()),
                ..Default::default()
            };
            let at = Doc {
                json: Value::Null,
                file: chart.join("Chart.yaml"),
                line: 1,
                column: 1,
                generated: false,
                node: None,
                rendered: None,
            };
            let Ok(children) = r.rendered_children(&at, chart, &target) else {
                continue;
            };
            let mut chain = vec![(name, display_path(&at.file, opts.cwd) + ":1")];
            r.children(children, None, &mut chain);
        }
    }

    /// The resolution, with the renders gathered per chart.
    fn finish(mut self) -> Resolution {
        let r = &mut self;
        let opts = r.opts;
        let targets = std::mem::take(&mut r.targets);
        for (chart, (config, environments)) in targets {
            let dir = if chart.is_dir() {
                chart.clone()
            } else {
                chart.parent().unwrap_or(&chart).to_path_buf()
            };
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "chart".into());
            let root = crate::confine::root::repo_root(&dir);
            r.out.services.push(Service {
                display: display_path(if chart.is_dir() { &dir } else { &chart }, opts.cwd),
                chart,
                dir,
                root,
                name,
                config,
                environments,
            });
        }
        r.out.services.sort_by(|a, b| a.display.cmp(&b.display));
        self.out
    }
}

/// The local-root and cluster lookups an ApplicationSet expansion needs (the `appset`
/// module's `Context` is implemented over this).
pub struct ExpansionContext<'a> {
    pub repos: &'a RepoMap,
    pub config: &'a Config,
    /// Clusters from cluster Secrets among the checked files (before the `clusters:` inventory).
    pub cluster_secrets: &'a [appset::ClusterInfo],
}

impl ExpansionContext<'_> {
    /// The local directory of a repository URL.
    pub fn local_root(&self, repo_url: &str) -> Option<PathBuf> {
        self.repos.local(repo_url).map(Path::to_path_buf)
    }

    /// The `clusters:` inventory: (name, server, environment).
    pub fn clusters(&self) -> Vec<(String, Option<String>, Option<String>)> {
        self.config
            .clusters
            .iter()
            .map(|(n, c)| (n.clone(), c.server.clone(), c.environment.clone()))
            .collect()
    }
}

/// What an ApplicationSet expands to (the `appset` module's `Expansion`).
pub struct Expanded {
    pub applications: Vec<Value>,
    pub unresolved: Vec<String>,
    pub error: Option<String>,
    pub read_files: Vec<PathBuf>,
}

/// `appset::Context` over the repo mapping, the cluster Secrets among the checked files and the
/// `clusters:` inventory (a Secret wins over an inventory entry of the same name or server). With
/// neither, a `clusters` generator is unresolved, never silently empty.
impl appset::Context for ExpansionContext<'_> {
    fn local_root(&self, repo_url: &str) -> Option<PathBuf> {
        ExpansionContext::local_root(self, repo_url)
    }

    fn clusters(&self) -> Vec<appset::ClusterInfo> {
        let mut out: Vec<appset::ClusterInfo> = self.cluster_secrets.to_vec();
        for (n, c) in &self.config.clusters {
            let server = c.server.clone().unwrap_or_default();
            if out
                .iter()
                .any(|k| k.name == *n || (!server.is_empty() && k.server == server))
            {
                continue;
            }
            out.push(appset::ClusterInfo {
                name: n.clone(),
                server,
                ..Default::default()
            });
        }
        out
    }
}

/// Expands one ApplicationSet with Argo CD's generators and templates (`appset`); the
/// generated Applications go through the normal Application resolution.
fn expand_application_set(doc: &Value, ctx: &ExpansionContext<'_>) -> Expanded {
    let e = appset::expand(doc, ctx);
    Expanded {
        applications: e.applications,
        unresolved: e.unresolved,
        error: e.error,
        read_files: e.read_files,
    }
}

impl Resolver<'_> {
    fn keep_source(&mut self, f: &Path, text: &str) {
        self.out.files.insert(f.to_path_buf());
        self.out
            .sources
            .insert(display_path(f, self.opts.cwd), text.into());
    }

    fn error_at(&mut self, f: &Path, line: u32, col: u32, msg: String) {
        self.out.errors.push(format!(
            "{}:{line}:{col}: {msg}",
            display_path(f, self.opts.cwd)
        ));
    }

    /// Records an unresolved source at `field` of `doc` (its start when the field is unknown).
    fn unresolved(&mut self, doc: &Doc, field: Option<&str>, reason: String) {
        let (line, column) = doc.field_at(field);
        let text = |p: &str| doc.json.pointer(p).and_then(Value::as_str);
        let resource = match (text("/kind"), text("/metadata/name")) {
            (Some(kind), Some(name)) => Some(crate::model::ResourceRef {
                api_version: text("/apiVersion").unwrap_or_default().to_string(),
                kind: kind.to_string(),
                name: name.to_string(),
                namespace: text("/metadata/namespace").map(str::to_string),
            }),
            _ => None,
        };
        self.out.unresolved.push(Unresolved {
            file: display_path(&doc.file, self.opts.cwd),
            line,
            column,
            reason,
            resource,
            field: field.map(str::to_string),
        });
    }

    fn application_set(&mut self, doc: &Doc) {
        // Found both in a scanned file and as an app-of-apps child: expanded once.
        let key = (
            doc.file.clone(),
            doc.line,
            doc.json
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        );
        if !self.visited_sets.insert(key) {
            return;
        }
        let ctx = ExpansionContext {
            repos: &self.repos,
            config: self.opts.config,
            cluster_secrets: &self.cluster_secrets,
        };
        let x = expand_application_set(&doc.json, &ctx);
        if !x.unresolved.is_empty() || x.error.is_some() {
            self.claim_template_charts(doc);
        }
        let name = doc
            .json
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        // The expansion's errors already name the ApplicationSet; each is placed at the field
        // it names, when the set was read from a file.
        if let Some(e) = x.error {
            let (line, column) = doc.field_at(appset::field_path(&e));
            self.error_at(&doc.file, line, column, e);
        }
        for u in x.unresolved {
            self.unresolved(
                doc,
                appset::field_path(&u),
                format!("ApplicationSet {name}: {u}"),
            );
        }
        let at = format!("{}:{}", display_path(&doc.file, self.opts.cwd), doc.line);
        for f in x.read_files {
            self.out.inputs.entry(f).or_insert_with(|| {
                format!("parameters of the git files generator of ApplicationSet {name} ({at})")
            });
        }
        let set_ns = text_at(&doc.json, "/metadata/namespace");
        let owner = (set_ns.clone(), name.clone());
        let (line, column) = doc.field_at(Some("spec.template.metadata.name"));
        let shown = display_path(&doc.file, self.opts.cwd);
        let set_doc = Arc::new(doc.clone());
        for mut app in x.applications {
            // Argo CD's createOrUpdateInCluster: an Application another ApplicationSet already
            // controls fails SetControllerReference (already owned); the first set keeps it.
            let app_name = text_at(&app, "/metadata/name");
            let app_ns = text_at(&app, "/metadata/namespace");
            let key = (app_namespace(&app_ns).to_string(), app_name.clone());
            match self.generated.get(&key) {
                Some(first) if first.set != owner => {
                    let also = first.at.clone();
                    let message = format!(
                        "duplicate Application `{app_name}` in namespace `{}`: ApplicationSet {first} already generates and owns it, so ApplicationSet {name} cannot take it over (Argo CD keeps {first}'s): also defined at {}:{}",
                        if app_ns.is_empty() {
                            "default"
                        } else {
                            &app_ns
                        },
                        also.file,
                        also.line,
                        first = first.set.1,
                    );
                    self.out.validity.push(
                        crate::model::Finding::new(
                            "manifest-validity",
                            crate::model::Severity::Error,
                            message,
                            crate::model::Location {
                                file: shown.clone(),
                                line,
                                column,
                            },
                        )
                        .with_resource(crate::model::ResourceRef {
                            api_version: text_at(&doc.json, "/apiVersion"),
                            kind: "ApplicationSet".into(),
                            name: name.clone(),
                            namespace: (!set_ns.is_empty()).then(|| set_ns.clone()),
                        })
                        .with_field(Some("spec.template.metadata.name".to_string()))
                        .with_related(vec![("also defined here".to_string(), also)]),
                    );
                    // Its chart is not deployed through this set: no convention render either.
                    self.claim_source_charts(app.get("spec"));
                    continue;
                }
                // Known from an earlier pass: what runs under that name.
                Some(first) => app = first.app.clone(),
                None => {
                    let first = Owner {
                        set: owner.clone(),
                        at: crate::model::Location {
                            file: shown.clone(),
                            line,
                            column,
                        },
                        generated: app.clone(),
                        app: app.clone(),
                        doc: set_doc.clone(),
                    };
                    // A plain Application of that name resolved before: the set takes it over
                    // (resolution starts again knowing it).
                    if self.plain.contains(&key) {
                        self.late.push((key.clone(), first.clone()));
                    }
                    self.generated.insert(key.clone(), first);
                }
            }
            let child = doc.generated(app);
            self.application(&child, &mut Vec::new());
        }
    }

    /// Records that ApplicationSet `set` (its template's `metadata.name` at `set_at`) takes over
    /// the plain Application `plain` (its `metadata.name` at `at`) with `generated`: a finding
    /// at the plain one when what they deploy differs, as its spec never runs.
    fn adopt(
        &mut self,
        plain: &Value,
        at: crate::model::Location,
        resource: crate::model::ResourceRef,
        owner: &Owner,
    ) {
        if !differs(plain, &owner.app) {
            return;
        }
        let (set, set_at) = (&owner.set.1, &owner.at);
        let how = if owner.app == owner.generated {
            "replaces its spec with the generated one, so this spec never runs (chartgate checks the generated one)"
        } else {
            "replaces its spec with the generated one but for the fields the set's ignoreApplicationDifferences names, so the rest of this spec never runs (chartgate checks the result)"
        };
        let message = format!(
            "Application `{}` is also generated by ApplicationSet {set} ({}:{}): Argo CD's ApplicationSet controller takes the existing Application over and {how}; remove this Application or the set's element",
            resource.name, set_at.file, set_at.line
        );
        self.out.validity.push(
            crate::model::Finding::new(
                "manifest-validity",
                crate::model::Severity::Error,
                message,
                at,
            )
            .with_resource(resource)
            .with_field(Some("metadata.name".to_string()))
            .with_related(vec![("generated here".to_string(), set_at.clone())]),
        );
    }

    /// An Application Argo CD refuses (the API server's schema of the Application CRD, or
    /// Argo CD's own spec validation): it deploys nothing. A `manifest-validity` error at the
    /// field to fix — in a rendered app-of-apps chart, at the template's line — and the run
    /// goes on. A missing `metadata.name` of a document of a file or render is left to the
    /// `manifest-validity` check of that document, which reports it there.
    fn invalid(&mut self, doc: &Doc, name: &str, e: application::FieldError) {
        if e.field == "metadata.name" && !doc.generated && doc.node.is_some() {
            return;
        }
        let (line, column) = doc.field_at(Some(&e.field));
        let what = if name.is_empty() {
            "invalid Application".to_string()
        } else {
            format!("invalid Application {name}")
        };
        let finding = crate::model::Finding::new(
            "manifest-validity",
            crate::model::Severity::Error,
            format!("{what}: {e}: Argo CD refuses it, so it deploys nothing"),
            crate::model::Location {
                file: display_path(&doc.file, self.opts.cwd),
                line,
                column,
            },
        )
        .with_field(Some(e.field.clone()))
        .with_resource((!name.is_empty()).then(|| {
            crate::model::ResourceRef {
                api_version: text_at(&doc.json, "/apiVersion"),
                kind: "Application".into(),
                name: name.to_string(),
                namespace: (doc
                    .json
                    .pointer("/metadata/namespace")
                    .and_then(Value::as_str))
                .map(str::to_string),
            }
        }));
        self.out.validity.push(finding);
    }

    /// Resolves one Application; `chain` holds the app-of-apps parents (name, location).
    fn application(&mut self, doc: &Doc, chain: &mut Vec<(String, String)>) {
        let name = doc
            .json
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let key = (doc.file.clone(), doc.line, name.clone());
        let at = format!("{}:{}", display_path(&doc.file, self.opts.cwd), doc.line);
        if chain.iter().any(|(n, _)| *n == name) {
            let mut names: Vec<String> = chain.iter().map(|(n, l)| format!("{n} ({l})")).collect();
            names.push(format!("{name} ({at})"));
            self.error_at(
                &doc.file,
                doc.line,
                doc.column,
                format!("app-of-apps cycle: {}", names.join(" → ")),
            );
            return;
        }
        if !self.visited.insert(key) {
            return;
        }
        if chain.len() >= MAX_DEPTH {
            self.error_at(
                &doc.file,
                doc.line,
                doc.column,
                format!("app-of-apps nesting deeper than {MAX_DEPTH} at Application {name}"),
            );
            return;
        }
        if let Some((field, text)) = application::unexpanded(&doc.json) {
            // The charts it names by a fixed path are its own: Argo CD deploys nothing from
            // them through this Application, and no convention render stands in for it.
            self.claim_source_charts(doc.json.get("spec"));
            self.unresolved(
                doc,
                Some(&field),
                format!("Application {name}: unexpanded template expression `{field}: {text}`"),
            );
            return;
        }
        let app = match application::parse(&doc.json) {
            Ok(a) => a,
            Err(e) => {
                self.invalid(doc, &name, e);
                return;
            }
        };
        // Argo CD's ApplicationSet controller takes over an existing Application of a name it
        // generates (createOrUpdateInCluster): the generated spec replaces this one.
        let key = (
            app_namespace(&app.app_namespace).to_string(),
            app.name.clone(),
        );
        if !doc.generated {
            let (line, column) = doc.field_at(Some("metadata.name"));
            let at = crate::model::Location {
                file: display_path(&doc.file, self.opts.cwd),
                line,
                column,
            };
            let resource = crate::model::ResourceRef {
                api_version: text_at(&doc.json, "/apiVersion"),
                kind: "Application".into(),
                name: app.name.clone(),
                namespace: (!app.app_namespace.is_empty()).then(|| app.app_namespace.clone()),
            };
            if let Some(owner) = self.generated.get(&key) {
                let mut owner = owner.clone();
                // The first plain Application of the name is the existing one the set patches:
                // the fields its `ignoreApplicationDifferences` names keep their values there.
                if self.plain.insert(key.clone()) {
                    let (pointers, unevaluated) =
                        takeover::ignored_paths(&owner.doc.json, &app.name);
                    for (field, expr) in unevaluated {
                        self.unresolved(
                            &owner.doc,
                            Some(&field),
                            format!(
                                "ApplicationSet {}: jq expression `{expr}` of ignoreApplicationDifferences is not evaluated by chartgate; the fields it names keep the values of the existing Application {} ({}:{})",
                                owner.set.1, app.name, at.file, at.line
                            ),
                        );
                    }
                    let runs = takeover::effective(&doc.json, &owner.generated, &pointers);
                    if runs != owner.app {
                        owner.app = runs;
                        self.late.push((key.clone(), owner.clone()));
                    }
                }
                self.claim_source_charts(doc.json.get("spec"));
                self.adopt(&doc.json, at, resource, &owner);
                // The generated spec runs in its place: resolved here when the set that owns
                // the name is expanded later, or only through this Application (a set that
                // manages its own root).
                let child = owner.doc.generated(owner.app);
                self.application(&child, chain);
                return;
            }
            self.plain.insert(key.clone());
        }
        self.out.applications += 1;
        // Ref sources: `$ref` → local root.
        let mut refs: BTreeMap<String, RefTarget> = BTreeMap::new();
        for s in &app.sources {
            if let Some(r) = &s.reference {
                let t = match self.repos.local(&s.repo_url) {
                    Some(d) => RefTarget::Local(d.to_path_buf()),
                    None => RefTarget::Unmapped(s.repo_url.clone()),
                };
                refs.insert(r.clone(), t);
            }
        }
        let mut children = Vec::new();
        for (i, s) in app.sources.iter().enumerate() {
            // A pure ref source only provides files.
            if s.reference.is_some() && s.path.is_none() && s.chart.is_none() {
                continue;
            }
            let label = if app.multi {
                format!("Application {} (source {})", app.name, i + 1)
            } else {
                format!("Application {}", app.name)
            };
            let field = if app.multi {
                format!("spec.sources[{i}]")
            } else {
                "spec.source".to_string()
            };
            let raw = doc.json.pointer(&format!(
                "/spec/{}",
                field
                    .replace("spec.", "")
                    .replace('[', "/")
                    .replace(']', "")
            ));
            match self.source(doc, &app, s, raw, &field, &refs, &at) {
                Ok(c) => children.extend(c),
                Err(reason) => {
                    if let Some(dir) = self.source_chart_dir(s) {
                        self.out.claimed.insert(dir);
                    }
                    // Its `$ref` value files are still this Application's, not stray files.
                    let by_ref: Vec<String> = (s.helm.iter())
                        .flat_map(|h| h.value_files.iter())
                        .filter(|v| v.starts_with('$'))
                        .cloned()
                        .collect();
                    let root = Path::new("/");
                    for f in helm::value_files(&by_ref, root, root, &refs, true).unwrap_or_default()
                    {
                        self.out.inputs.entry(f).or_insert_with(|| {
                            format!("value file of {label}, whose source is unresolved ({at})")
                        });
                    }
                    // At the field of the source that cannot be resolved.
                    let mut field = field;
                    if let Some(f) = &reason.field {
                        field = format!("{field}.{f}");
                    }
                    self.unresolved(doc, Some(&field), format!("{label}: {}", reason.message));
                }
            }
        }
        if !children.is_empty() {
            chain.push((app.name.clone(), at));
            // The root Application managing itself among its children: nothing new.
            self.children(children, Some(&app.name), chain);
            chain.pop();
        }
    }

    /// Resolves the Applications and ApplicationSets an app-of-apps parent deploys; `chain`
    /// ends with the parent. A child Application named `skip` (the parent itself) is passed over.
    fn children(
        &mut self,
        children: Vec<Doc>,
        skip: Option<&str>,
        chain: &mut Vec<(String, String)>,
    ) {
        for c in children {
            if application::is_kind(&c.json, "ApplicationSet") {
                self.application_set(&c);
            } else if skip.is_none()
                || c.json.pointer("/metadata/name").and_then(Value::as_str) != skip
            {
                self.application(&c, chain);
            }
        }
    }

    /// An ApplicationSet that does not expand (a generator needing a live system, an error)
    /// still deploys the charts its template names by a fixed repository and path: they are
    /// claimed, so that no convention render (release = folder, namespace `default`, the
    /// chart's own values) stands in for the Applications Argo CD would generate. A templated
    /// repository or path names no chart chartgate can know.
    fn claim_template_charts(&mut self, doc: &Doc) {
        self.claim_source_charts(doc.json.pointer("/spec/template/spec"));
    }

    /// Claims the chart directories that the sources of an Application `spec` name by a fixed
    /// repository and path (see [`Self::claim_template_charts`]).
    fn claim_source_charts(&mut self, spec: Option<&Value>) {
        let Some(spec) = spec else {
            return;
        };
        let sources = (spec.get("source").into_iter()).chain(
            spec.get("sources")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
        for s in sources {
            let text = |k: &str| {
                s.get(k)
                    .and_then(Value::as_str)
                    .filter(|v| !v.contains("{{"))
            };
            let (Some(repo), Some(path)) = (text("repoURL"), text("path")) else {
                continue;
            };
            let Some(root) = self.repos.local(repo) else {
                continue;
            };
            if let Some(dir) = path_in_repo(root, path)
                && dir.join("Chart.yaml").is_file()
            {
                self.out.claimed.insert(dir);
            }
        }
    }

    /// Where Argo CD looks for a source's `.argocd-source*.yaml` files, and the repository they
    /// must stay in: the `path` in the mapped repository (its root without `path`), or the
    /// unpacked chart directory of a `chart` source. None when the source is not local, its path
    /// leaves the repository, or its chart is a packaged `.tgz` (nothing beside it is read).
    fn override_dir(&self, s: &Source) -> Option<(PathBuf, PathBuf)> {
        let root = self.repos.local(&s.repo_url)?;
        if let Some(name) = &s.chart {
            let c = find_chart(root, name, s.target_revision.as_deref().unwrap_or(""))?;
            return c.is_dir().then(|| (c.clone(), c));
        }
        let dir = path_in_repo(root, s.path.as_deref().unwrap_or("."))?;
        (!crate::confine::root::leaves_through_link(&dir, root)).then(|| (dir, root.to_path_buf()))
    }

    /// The local chart directory a `path` source names, if it holds a `Chart.yaml`.
    fn source_chart_dir(&self, s: &Source) -> Option<PathBuf> {
        let root = self.repos.local(&s.repo_url)?;
        let dir = path_in_repo(root, s.path.as_deref()?)?;
        dir.join("Chart.yaml").is_file().then_some(dir)
    }

    /// Resolves one source; returns the Applications it deploys (app-of-apps).
    #[allow(clippy::too_many_arguments)]
    fn source(
        &mut self,
        doc: &Doc,
        app: &Application,
        s: &Source,
        raw: Option<&Value>,
        field: &str,
        refs: &BTreeMap<String, RefTarget>,
        at: &str,
    ) -> Result<Vec<Doc>, SourceError> {
        // `.argocd-source.yaml` and `.argocd-source-<app>.yaml` in the source's path (written
        // back by argocd-image-updater) are merged into the source first: only then does Argo
        // CD decide its type (`GetAppSourceType`), so they can add or switch `helm:`,
        // `directory:`, `kustomize:` and their parameters.
        let overridden = match (raw, self.override_dir(s)) {
            (Some(raw), Some((app_path, repo_root))) => overrides::source_overrides(
                raw,
                field,
                &app_path,
                &env::instance_name(app),
                &repo_root,
                self.opts.config.limits.file_bytes,
                &mut self.overrides,
            )
            .map_err(|e| SourceError::at("path", e))?,
            _ => None,
        };
        let s = overridden.as_ref().unwrap_or(s);
        // Argo CD's `ExplicitType`: one of `kustomize`, `helm`, `directory`, `plugin` decides
        // the source's type whatever its path holds; two or more fail the manifest generation.
        if s.explicit.len() > 1 {
            return Err(format!(
                "multiple application sources defined: {}; Argo CD fails to generate its manifests and deploys nothing from it",
                s.explicit.join(",")
            )
            .into());
        }
        let explicit = s.explicit.first().copied();
        if let Some(tool) = s.other_tool {
            let what = match &s.path {
                Some(p) => format!("path `{p}` of {}", s.repo_url),
                None => s.repo_url.clone(),
            };
            return Err(format!(
                "{tool} sources are not rendered by chartgate ({what}); the objects it deploys are not checked"
            )
            .into());
        }
        let Some(root) = self.repos.local(&s.repo_url).map(Path::to_path_buf) else {
            return Err(SourceError::at(
                "repoURL",
                format!(
                    "repository {} has no local mapping; check it out and pass --repo {}=PATH (or `repos:` in chartgate.yaml)",
                    s.repo_url, s.repo_url
                ),
            ));
        };
        let (chart, app_path, repo_root) = if let Some(name) = &s.chart {
            let version = s.target_revision.as_deref().unwrap_or("");
            match find_chart(&root, name, version) {
                Some(c) => {
                    let dir = if c.is_dir() {
                        c.clone()
                    } else {
                        c.parent().unwrap_or(&c).to_path_buf()
                    };
                    (c, dir.clone(), dir)
                }
                None => {
                    return Err(SourceError::at(
                        "chart",
                        format!(
                            "chart {name} {} from {} is not available locally: put `{name}/Chart.yaml` (version {}) or `{name}-{}.tgz` in {}",
                            if version.is_empty() {
                                "(latest)"
                            } else {
                                version
                            },
                            s.repo_url,
                            if version.is_empty() { "any" } else { version },
                            if version.is_empty() {
                                "VERSION"
                            } else {
                                version
                            },
                            display_path(&root, self.opts.cwd)
                        ),
                    ));
                }
            }
        } else {
            let rel = s.path.as_deref().unwrap_or(".");
            let Some(dir) = path_in_repo(&root, rel) else {
                return Err(SourceError::at(
                    "path",
                    format!("path `{rel}` leaves the repository {}", s.repo_url),
                ));
            };
            // A symbolic link on the way out of the repository: nothing there is read (a
            // directory walk follows its root link), and Argo CD refuses it too.
            if crate::confine::root::leaves_through_link(&dir, &root) {
                return Err(SourceError::at(
                    "path",
                    format!(
                        "path `{rel}` leaves the repository {} through a symbolic link",
                        s.repo_url
                    ),
                ));
            }
            // Whether a directory is a chart is read once per run (1,000 Applications of a
            // platform point at a few dozen charts).
            let is_chart = *(self.chart_dirs.entry(dir.clone()))
                .or_insert_with(|| dir.join("Chart.yaml").is_file());
            if !is_chart && !dir.is_dir() {
                return Err(SourceError::at(
                    "path",
                    format!(
                        "path `{rel}` does not exist in {} ({})",
                        s.repo_url,
                        display_path(&dir, self.opts.cwd)
                    ),
                ));
            }
            if !is_chart && explicit == Some("helm") {
                return Err(SourceError::at(
                    "helm",
                    format!(
                        "`helm` makes path `{rel}` of {} a Helm chart, and it has no Chart.yaml: Argo CD fails (error reading helm chart from {rel}/Chart.yaml) and deploys nothing from it",
                        s.repo_url
                    ),
                ));
            }
            // `directory` on a chart: its files are applied as plain manifests, never rendered.
            if is_chart && explicit == Some("directory") {
                self.out.claimed.insert(dir.clone());
            }
            if !is_chart || explicit == Some("directory") {
                if explicit.is_none()
                    && (crate::discover::classify::KUSTOMIZATION_NAMES.iter())
                        .any(|k| dir.join(k).is_file())
                {
                    return Err(SourceError::at(
                        "path",
                        format!(
                            "kustomize sources are not rendered by chartgate (path `{rel}` of {}, a kustomization); the objects it deploys are not checked",
                            s.repo_url
                        ),
                    ));
                }
                // A directory of manifests: each file Argo CD reads is applied (checked as a
                // manifest), and its Applications and ApplicationSets are this app's children.
                let filter = DirectoryFilter::new(s.include.as_deref(), s.exclude.as_deref());
                let (files, charts) =
                    directory_files(&dir, &root, s.recurse, &filter, s.any_extension)
                        .map_err(|e| SourceError::at("path", e))?;
                let mut read = Vec::new();
                for f in files {
                    // A file Argo CD cannot read fails the source (findManifests).
                    let text = read_text(&f).map_err(|e| {
                        let rel = f.strip_prefix(&dir).unwrap_or(&f).display();
                        SourceError::at(
                            "path",
                            format!(
                                "`{rel}` of the directory source cannot be read ({e}): Argo CD fails and deploys nothing from it"
                            ),
                        )
                    })?;
                    // Argo CD skips a file holding its marker.
                    if text.contains(SKIP_FILE_RENDERING_MARKER) {
                        continue;
                    }
                    // Argo CD evaluates every `*.jsonnet` it reads: objects chartgate cannot see.
                    if f.to_string_lossy().ends_with(".jsonnet") {
                        return Err(SourceError::at(
                            "path",
                            format!(
                                "path `{rel}` holds Jsonnet ({}), which Argo CD evaluates and chartgate does not",
                                display_path(&f, self.opts.cwd)
                            ),
                        ));
                    }
                    read.push((f, text));
                }
                // A chart folder below: its files are applied as they are, never rendered.
                self.out.claimed.extend(charts);
                let mut children = Vec::new();
                for (f, text) in read {
                    self.out
                        .deployed
                        .entry(f.clone())
                        .or_insert_with(|| at.to_string());
                    if let Ok(docs) = read_docs(&f, &text) {
                        children.extend(docs.applications);
                        children.extend(docs.application_sets);
                    }
                }
                return Ok(children);
            }
            (dir.clone(), dir, root.clone())
        };
        let mut helm = s.helm.clone().unwrap_or_default();
        // Argo CD's build environment in value file paths (after a `$ref/` prefix),
        // `fileParameters` paths and `parameters` values.
        let env = env::Env::new(app, s);
        for (i, raw) in helm.value_files.iter_mut().enumerate() {
            let (prefix, rest) = match raw.split_once('/') {
                Some((r, rest)) if r.strip_prefix('$').is_some_and(|n| refs.contains_key(n)) => {
                    (format!("{r}/"), rest.to_string())
                }
                _ => (String::new(), raw.clone()),
            };
            let rest = env
                .subst(&rest)
                .map_err(|e| SourceError::at(format!("helm.valueFiles[{i}]"), e))?;
            *raw = format!("{prefix}{rest}");
        }
        for (i, (_, p)) in helm.file_parameters.iter_mut().enumerate() {
            *p = env
                .subst(p)
                .map_err(|e| SourceError::at(format!("helm.fileParameters[{i}].path"), e))?;
        }
        for (i, (_, v, _)) in helm.parameters.iter_mut().enumerate() {
            *v = env
                .subst(v)
                .map_err(|e| SourceError::at(format!("helm.parameters[{i}].value"), e))?;
        }
        let values = helm::value_files(
            &helm.value_files,
            &app_path,
            &repo_root,
            refs,
            helm.ignore_missing_value_files,
        )
        .map_err(|e| SourceError::at(format!("helm.valueFiles[{}]", e.index), e.to_string()))?;
        let mut set_file = Vec::new();
        for (i, (k, p)) in helm.file_parameters.iter().enumerate() {
            let v = helm::value_files(std::slice::from_ref(p), &app_path, &repo_root, refs, false)
                .map_err(|e| {
                    SourceError::at(
                        format!("helm.fileParameters[{i}].path"),
                        e.file_parameter().to_string(),
                    )
                })?;
            let path = v.into_iter().next().unwrap_or_default();
            set_file.push(format!("{k}={}", path.display()));
        }
        let (cluster, env_name, env_settings) = self.environment(app);
        let namespace = helm
            .namespace
            .clone()
            .or_else(|| app.dest_namespace.clone());
        // (A packaged chart's "values.yaml" below its file names nothing and matches nothing.)
        let chart_defaults = chart.join("values.yaml");
        let target = EnvTarget {
            name: env_name.clone(),
            values: values
                .into_iter()
                .filter(|v| *v != chart_defaults)
                .collect(),
            source: Some(at.to_string()),
            cluster: cluster.clone(),
            namespace,
            release: Some(
                helm.release_name
                    .clone()
                    .unwrap_or_else(|| app.name.clone()),
            ),
            inline_values: helm.values.clone(),
            set: (helm.parameters.iter())
                .filter(|p| !p.2)
                .map(|(k, v, _)| format!("{k}={v}"))
                .collect(),
            set_string: (helm.parameters.iter())
                .filter(|p| p.2)
                .map(|(k, v, _)| format!("{k}={v}"))
                .collect(),
            set_file,
            kube_version: helm.kube_version.clone(),
            api_versions: helm.api_versions.clone(),
            include_crds: !helm.skip_crds,
        };
        // App-of-apps chart: render it now for its Applications.
        let writes = *self
            .writers
            .entry(chart.clone())
            .or_insert_with(|| writes_applications(&chart));
        let children = if writes {
            self.rendered_children(doc, &chart, &target)?
        } else {
            Vec::new()
        };
        // The chart's config is read once, with its first Application.
        let config = (!self.targets.contains_key(&chart)).then(|| self.chart_config(&chart));
        let entry = (self.targets.entry(chart.clone()))
            .or_insert_with(|| (config.unwrap_or_default(), Vec::new()));
        if let (Some(n), Some(e)) = (&env_name, env_settings) {
            entry.0.environments.insert(n.clone(), e);
            if !entry.0.environment_order.contains(n) {
                entry.0.environment_order.push(n.clone());
            }
        }
        // Two Applications (an exercise and its copy, two folders of one cluster) declaring
        // exactly the same render: checked once, from the first.
        if !entry.1.iter().any(|t| same_render(t, &target)) {
            entry.1.push(target);
        }
        Ok(children)
    }

    /// The config a chart's renders use: `--config`, else its nearest files over the run's
    /// config (so `clusters:` and `environments:` of the run apply).
    fn chart_config(&mut self, chart: &Path) -> Config {
        if let Some(c) = self.opts.config_override {
            return c.clone();
        }
        let nearest = crate::config::find_for_cached(chart, &mut self.configs)
            .unwrap_or_else(|_| self.opts.config.clone());
        if nearest.path.is_none() || nearest.path == self.opts.config.path {
            return self.opts.config.clone();
        }
        let mut c = crate::config::merge(self.opts.config.clone(), nearest);
        for (k, v) in &self.opts.config.clusters {
            c.clusters.entry(k.clone()).or_insert_with(|| v.clone());
        }
        c
    }

    /// The destination's cluster, environment name and environment settings (cluster settings
    /// overridden by the environment's): the environment whose `cluster` and `namespace` match,
    /// else one with that `cluster` and no namespace, else the cluster's `environment:`, else
    /// the cluster's name when `clusters:` knows it.
    fn environment(
        &self,
        app: &Application,
    ) -> (Option<String>, Option<String>, Option<Environment>) {
        let config = self.opts.config;
        let by_server = app.dest_server.as_ref().and_then(|s| {
            let key = repos::normalize(s);
            config
                .clusters
                .iter()
                .find(|(n, c)| {
                    c.server.as_deref().map(repos::normalize) == Some(key.clone())
                        || repos::normalize(n) == key
                })
                .map(|(n, _)| n.clone())
                .or_else(|| {
                    // Argo CD itself finds a server among its cluster Secrets.
                    self.cluster_secrets
                        .iter()
                        .find(|c| repos::normalize(&c.server) == key)
                        .map(|c| c.name.clone())
                })
        });
        let cluster = app.dest_name.clone().or(by_server).or_else(|| {
            app.dest_server.as_ref().map(|s| {
                if s == "https://kubernetes.default.svc" {
                    "in-cluster".to_string()
                } else {
                    s.clone()
                }
            })
        });
        let Some(cluster) = cluster else {
            return (None, None, None);
        };
        let cl = config.clusters.get(&cluster);
        let env_name = config.environment_for(&cluster, app.dest_namespace.as_deref());
        let Some(env_name) = env_name else {
            return (Some(cluster), None, None);
        };
        let mut e = cl.map(|c| c.settings.clone()).unwrap_or_default();
        if let Some(over) = config.environments.get(&env_name) {
            let set = |f: &str| {
                config
                    .explicit
                    .contains(&format!("environments.{env_name}.{f}"))
            };
            if set("namespace") {
                e.namespace = over.namespace.clone();
            }
            if set("namespaces") {
                e.namespaces = over.namespaces.clone();
            }
            if set("pin-digests") {
                e.pin_digests = over.pin_digests;
            }
            if set("min-replicas") {
                e.min_replicas = over.min_replicas;
            }
            for (id, r) in &over.rules {
                let merged = match e.rules.get(id) {
                    Some(old) => old.overlay(r),
                    None => r.clone(),
                };
                e.rules.insert(id.clone(), merged);
            }
        }
        e.cluster = Some(cluster.clone());
        if e.namespace.is_none() {
            e.namespace = app.dest_namespace.clone();
        }
        (Some(cluster), Some(env_name), Some(e))
    }

    /// Renders an app-of-apps chart with the target's inputs and reads the Applications it
    /// writes, each positioned at the first line of the chart template that writes it.
    fn rendered_children(
        &self,
        doc: &Doc,
        chart: &Path,
        t: &EnvTarget,
    ) -> Result<Vec<Doc>, String> {
        // Messages name the chart as the user sees it, not by its absolute path.
        let shown = display_path(chart, self.opts.cwd);
        let relative = |m: String| m.replace(&chart.display().to_string(), &shown);
        let loaded =
            crate::render::chart::load_chart(chart).map_err(|e| relative(e.to_string()))?;
        let ro = render_options(t, "release", &crate::model::Limits::default())?;
        let rendered = crate::render::chart::render_chart(&loaded, &ro)
            .map_err(|e| relative(format!("app-of-apps chart does not render: {}", e)))?;
        let mut out = Vec::new();
        for (name, t) in &rendered.templates {
            if name.ends_with("NOTES.txt") {
                continue;
            }
            // `CHART/templates/x.yaml` (subcharts: `CHART/charts/SUB/templates/x.yaml`).
            let template = name
                .split_once('/')
                .map(|(_, rest)| chart.join(rest))
                .filter(|p| chart.is_dir() && p.is_file());
            let docs = crate::yaml::parse_manifests(&t.text, &crate::yaml::Limits::default())
                .map_err(|e| format!("{name}: {}", e.message))?;
            let mut shared = None;
            for d in docs {
                let json = d.root.to_json();
                if application::is_kind(&json, "Application")
                    || application::is_kind(&json, "ApplicationSet")
                {
                    let at = match &template {
                        // Positions in the template file: where the document starts, and its
                        // fields through the rendered text's provenance.
                        Some(file) => {
                            let rendered = shared
                                .get_or_insert_with(|| Arc::new((t.clone(), name.clone())))
                                .clone();
                            let (line, column) = match t.template_position(d.root.pos.offset) {
                                Some((tpl, line, col)) if **tpl == *name => (line, col),
                                _ => (1, 1),
                            };
                            Doc {
                                json,
                                file: file.clone(),
                                line,
                                column,
                                generated: false,
                                node: Some(Arc::new(d.root)),
                                rendered: Some(rendered),
                            }
                        }
                        None => Doc {
                            json,
                            generated: false,
                            node: None,
                            rendered: None,
                            ..doc.clone()
                        },
                    };
                    out.push(at);
                }
            }
        }
        Ok(out)
    }
}

/// The render options of a target (values files read by the renderer).
pub fn render_options(
    t: &EnvTarget,
    default_release: &str,
    limits: &crate::model::Limits,
) -> Result<crate::render::chart::RenderOptions, String> {
    let mut ro = crate::render::chart::RenderOptions {
        values_files: t.values.clone(),
        release_name: t
            .release
            .clone()
            .unwrap_or_else(|| default_release.to_string()),
        namespace: t.namespace.clone().unwrap_or_else(|| "default".into()),
        skip_schema_validation: true,
        limits: *limits,
        ..Default::default()
    };
    apply_helm_inputs(t, &mut ro);
    Ok(ro)
}

/// Adds a target's inline values (as the last values layer), `--set*` arguments, kube version
/// and API versions to render options.
pub fn apply_helm_inputs(t: &EnvTarget, ro: &mut crate::render::chart::RenderOptions) {
    if let Some(v) = &t.inline_values
        && let Some(m) = crate::render::chart::strvals::from_json(v).into_map()
    {
        ro.values.push(m);
    }
    ro.set.extend(t.set.iter().cloned());
    ro.set_string.extend(t.set_string.iter().cloned());
    ro.set_file.extend(t.set_file.iter().cloned());
    if t.kube_version.is_some() {
        ro.kube_version = t.kube_version.clone();
    }
    ro.api_versions.extend(t.api_versions.iter().cloned());
}

/// Whether a chart's templates write Applications (an app-of-apps chart).
fn writes_applications(chart: &Path) -> bool {
    if !chart.is_dir() {
        return false;
    }
    walkdir::WalkDir::new(chart)
        .max_depth(8)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .any(|e| {
            let in_templates = e
                .path()
                .strip_prefix(chart)
                .is_ok_and(|p| p.components().any(|c| c.as_os_str() == "templates"));
            // argo-helm's `argocd-apps` chart as a packaged dependency writes Applications
            // from values.
            let argocd_apps = e
                .path()
                .parent()
                .is_some_and(|p| p.file_name().is_some_and(|n| n == "charts"))
                && e.file_name().to_string_lossy().starts_with("argocd-apps-");
            argocd_apps
                || (in_templates
                    && read_text(e.path()).is_ok_and(|t| {
                        t.contains("argoproj.io/") && t.lines().any(names_application_kind)
                    }))
        })
}

/// Whether two targets render the same (everything but where they are declared); the release
/// is compared first, which tells most targets of one chart apart.
fn same_render(a: &EnvTarget, b: &EnvTarget) -> bool {
    let EnvTarget {
        name,
        values,
        source: _,
        cluster,
        namespace,
        release,
        inline_values,
        set,
        set_string,
        set_file,
        kube_version,
        api_versions,
        include_crds,
    } = a;
    *release == b.release
        && *namespace == b.namespace
        && *cluster == b.cluster
        && *name == b.name
        && *values == b.values
        && *set == b.set
        && *set_string == b.set_string
        && *set_file == b.set_file
        && *kube_version == b.kube_version
        && *api_versions == b.api_versions
        && *include_crds == b.include_crds
        && *inline_values == b.inline_values
}

/// Whether a template line is `kind: Application` or `kind: ApplicationSet` (quoted or not,
/// with or without a comment).
fn names_application_kind(line: &str) -> bool {
    let Some(v) = line.trim().strip_prefix("kind:") else {
        return false;
    };
    let v = v.split(" #").next().unwrap_or(v).trim();
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    v == "Application" || v == "ApplicationSet"
}

/// A Helm-repository/OCI chart `name` at `version` (exact, or a semver range) in a mapped
/// directory: `name/Chart.yaml`, `name-VERSION.tgz` or `name/name-VERSION.tgz`.
pub fn find_chart(dir: &Path, name: &str, version: &str) -> Option<PathBuf> {
    let want = version.trim_start_matches('v');
    let matches = |v: &str| {
        let v = v.trim_start_matches('v');
        want.is_empty()
            || want == "*"
            || v == want
            || crate::gocompat::semver::is_compatible_range(version, v)
    };
    let chart_dir = dir.join(name);
    if let Ok(text) = read_text(&chart_dir.join("Chart.yaml"))
        && let Ok(docs) = crate::yaml::parse_stream(&text, &crate::yaml::Limits::default())
        && let Some(v) = docs
            .first()
            .and_then(|d| d.root.get("version"))
            .map(|v| v.to_json())
    {
        let v = match v {
            Value::String(s) => s,
            other => other.to_string(),
        };
        if matches(&v) {
            return Some(chart_dir);
        }
    }
    let mut best: Option<(crate::gocompat::semver::Version, PathBuf)> = None;
    for d in [dir.to_path_buf(), chart_dir] {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let f = e.file_name().to_string_lossy().into_owned();
            let Some(v) = f
                .strip_prefix(&format!("{name}-"))
                .and_then(|r| r.strip_suffix(".tgz"))
            else {
                continue;
            };
            if !v.starts_with(|c: char| c.is_ascii_digit() || c == 'v') || !matches(v) {
                continue;
            }
            let sv = crate::gocompat::semver::Version::parse(v)
                .or_else(|_| crate::gocompat::semver::Version::parse("0.0.0"))
                .expect("a version");
            if best
                .as_ref()
                .is_none_or(|(b, _)| sv.compare(b) == std::cmp::Ordering::Greater)
            {
                best = Some((sv, e.path()));
            }
        }
    }
    best.map(|(_, p)| p)
}

/// The rule id of what cannot be resolved offline (declared by
/// `analyze::rules::unresolved_source`, which turns [`Unresolved`] records into findings).
pub const UNRESOLVED: &str = "unresolved-source";

/// The repository mapping of a run: `--repo URL=PATH` arguments (relative to `cwd`) first, then
/// `repos:` of the config.
pub fn repo_map(args: &[String], config: &Config, cwd: &Path) -> Result<RepoMap, String> {
    let mut m = RepoMap::default();
    for a in args {
        m.add_arg(a, cwd)?;
    }
    for (url, dir) in &config.repos {
        m.add(url, normalise(dir));
    }
    Ok(m)
}

/// The platform inventory of the config files inside the checked `paths`: a config repo
/// checked from a folder above it keeps its `repos:` mapping and its `clusters:` and
/// `environments:` (what destinations mean). The run's own config and `--repo` come first; a
/// nested config only adds what they do not name.
fn nested_inventory(
    m: &mut RepoMap,
    config: &mut Config,
    paths: &[PathBuf],
    cwd: &Path,
) -> Result<(), String> {
    let known: HashSet<String> = m.iter().map(|(u, _)| repos::normalize(u)).collect();
    for p in paths.iter().filter(|p| p.is_dir()) {
        let mut walker = walkdir::WalkDir::new(p)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter();
        while let Some(Ok(e)) = walker.next() {
            if !e.file_type().is_dir() {
                continue;
            }
            let name = e.file_name().to_string_lossy();
            if e.depth() > 0
                && (name.starts_with('.') || name == "node_modules" || name == "target")
            {
                walker.skip_current_dir();
                continue;
            }
            let Some(file) = crate::config::file_in(e.path()) else {
                continue;
            };
            let c = crate::config::load_file(&file)
                .map_err(|e| format!("config error: {}", e.at(cwd)))?;
            for (url, dir) in &c.repos {
                if !known.contains(&repos::normalize(url)) {
                    m.add(url, normalise(dir));
                }
            }
            for (name, cluster) in c.clusters {
                config.clusters.entry(name).or_insert(cluster);
            }
            for name in &c.environment_order {
                if config.environments.contains_key(name) {
                    continue;
                }
                let Some(env) = c.environments.get(name) else {
                    continue;
                };
                config.environments.insert(name.clone(), env.clone());
                config.environment_order.push(name.clone());
                // The keys under the prefix, found in the ordered set (a filter over every key,
                // per environment, was quadratic in the environments).
                let prefix = format!("environments.{name}.");
                config.explicit.extend(
                    (c.explicit.range(prefix.clone()..))
                        .take_while(|k| k.starts_with(&prefix))
                        .cloned(),
                );
            }
        }
    }
    Ok(())
}

/// What Argo CD resolution adds to a run.
#[derive(Debug, Default)]
pub struct ArgoRun {
    /// What cannot be resolved offline, at the declaring manifest line.
    pub unresolved: Vec<Unresolved>,
    /// `unresolved-source` findings of [`Self::unresolved`] (the session fills them in with the
    /// config's severity; none when the rule is off).
    pub findings: Vec<crate::model::Finding>,
    /// Texts of the Application files (for report snippets).
    pub sources: BTreeMap<String, Arc<str>>,
    /// The repository mapping (dependencies are looked up in it).
    pub repos: RepoMap,
    /// Files holding Applications or ApplicationSets.
    pub files: BTreeSet<PathBuf>,
    /// `manifest-validity` findings of Applications Argo CD never runs (see
    /// [`Resolution::validity`]); the session passes them through the sink with
    /// [`Self::findings`].
    pub validity: Vec<crate::model::Finding>,
}

/// Resolves the Applications of the run and merges them into `d`: a chart that Applications
/// deploy is checked with exactly their renders (no convention environments), malformed
/// Applications join `d.unreadable` (reported, exit code 2, the rest checked).
pub fn apply(
    d: &mut crate::discover::charts::Discovered,
    paths: &[PathBuf],
    repo_args: &[String],
    config: &Config,
    config_override: Option<&Config>,
    cwd: &Path,
) -> Result<ArgoRun, String> {
    let mut repos = repo_map(repo_args, config, cwd)?;
    let abs: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .map(|p| normalise(&cwd.join(p)))
        .collect();
    let mut inventory = config.clone();
    nested_inventory(&mut repos, &mut inventory, &abs, cwd)?;
    let config = &inventory;
    let charts: Vec<PathBuf> = (d.services.iter())
        .filter(|s| s.chart.is_dir())
        .map(|s| s.chart.clone())
        .collect();
    let res = resolve(&ResolveOptions {
        paths: &abs,
        repos: &repos,
        config,
        config_override,
        cwd,
        charts: &charts,
    });
    let deployed: BTreeSet<&PathBuf> = res.services.iter().map(|s| &s.chart).collect();
    d.services
        .retain(|s| !deployed.contains(&s.chart) && !res.claimed.contains(&s.chart));
    // Values files of a chart Argo CD deploys are judged by its Applications, not by the
    // config's environments.
    let used: BTreeSet<String> = res
        .services
        .iter()
        .flat_map(|s| s.environments.iter().flat_map(|t| t.values.iter()))
        .map(|v| display_path(v, cwd))
        .collect();
    let argo_dirs: Vec<String> = res
        .services
        .iter()
        .map(|s| format!("{}/", display_path(&s.dir, cwd)))
        .collect();
    // A values file an Application uses is neither skipped nor a manifest, wherever it lies
    // (`$values/...` of another source, `/...` from the repository root).
    d.manifests.retain(|m| !used.contains(&m.display));
    let inputs: BTreeMap<String, &String> = (res.inputs.iter())
        .map(|(f, why)| (display_path(f, cwd), why))
        .filter(|(f, _)| !used.contains(f))
        .collect();
    d.manifests.retain(|m| {
        let Some(why) = inputs.get(&m.display) else {
            return true;
        };
        d.skipped.push(crate::discover::charts::Skipped {
            path: m.display.clone(),
            reason: why.to_string(),
        });
        false
    });
    d.skipped.retain_mut(|k| {
        if used.contains(&k.path) {
            return false;
        }
        if let Some(why) = inputs.get(&k.path) {
            k.reason = why.to_string();
            return true;
        }
        if !argo_dirs.iter().any(|dir| k.path.starts_with(dir.as_str())) {
            return true;
        }
        k.reason = "not a values file of any Argo CD Application deploying this chart".into();
        true
    });
    deployed_manifests(d, &res, &used, &inputs, config.limits.file_bytes, cwd);
    d.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    d.services.extend(res.services.iter().cloned());
    d.services.sort_by(|a, b| a.display.cmp(&b.display));
    d.unreadable.extend(res.errors.iter().cloned());
    let manifests: BTreeSet<&str> = d.manifests.iter().map(|m| m.display.as_str()).collect();
    d.unreadable.extend(
        (res.yaml_errors.iter())
            .filter(|(f, _)| !manifests.contains(display_path(f, cwd).as_str()))
            .map(|(_, e)| e.clone()),
    );
    d.unresolved.extend(
        res.unresolved
            .iter()
            .map(|u| crate::discover::charts::Unresolved {
                source: format!("{}:{}", u.file, u.line),
                reason: u.reason.clone(),
            }),
    );
    Ok(ArgoRun {
        unresolved: res.unresolved,
        findings: Vec::new(),
        sources: res.sources,
        repos,
        files: res.files,
        validity: res.validity,
    })
}

/// The files directory sources apply that discovery did not take as manifests (inside a chart
/// folder, in a mapped repository): each is a manifest as Argo CD reads it. A file with no
/// Kubernetes object is skipped with the reason (Argo CD ignores a document without `kind`),
/// one that does not parse is checked (and reported) when it looks like a manifest, as Argo CD
/// then fails, else skipped. Values files of a render and generator inputs are left alone, as
/// are the files discovery already listed or skipped.
fn deployed_manifests(
    d: &mut crate::discover::charts::Discovered,
    res: &Resolution,
    used: &BTreeSet<String>,
    inputs: &BTreeMap<String, &String>,
    max_bytes: usize,
    cwd: &Path,
) {
    use crate::discover::classify::{FileKind, classify};
    let known: BTreeSet<String> = (d.manifests.iter().map(|m| m.display.clone()))
        .chain(d.skipped.iter().map(|k| k.path.clone()))
        .collect();
    for (f, by) in &res.deployed {
        let shown = display_path(f, cwd);
        if known.contains(&shown) || used.contains(&shown) || inputs.contains_key(&shown) {
            continue;
        }
        let read = crate::discover::manifests::collect(
            std::slice::from_ref(f),
            &[],
            &[],
            cwd,
            max_bytes,
            &mut std::io::empty(),
        );
        let input = match read {
            Ok(mut m) if m.len() == 1 => m.remove(0),
            Ok(_) => continue,
            Err(e) => {
                d.unreadable.push(e.to_string());
                continue;
            }
        };
        let skip = match classify(&input.text) {
            FileKind::Objects => None,
            FileKind::NoObjects(reason) => Some(reason),
            FileKind::Unparsable => {
                let t = &input.text;
                (!(t.contains("apiVersion:") && t.contains("kind:") && t.contains("metadata:")))
                    .then(|| "not YAML, and not shaped like a manifest: Argo CD ignores it".into())
            }
        };
        match skip {
            Some(reason) => d.skipped.push(crate::discover::charts::Skipped {
                path: shown,
                reason: format!("{reason} (applied by the directory source of {by})"),
            }),
            None => d.manifests.push(input),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn application_kinds_are_recognised_on_template_lines() {
        for yes in [
            "kind: Application",
            "  kind: ApplicationSet",
            "kind: \"Application\"",
            "kind: 'ApplicationSet'  # generated",
        ] {
            assert!(names_application_kind(yes), "{yes}");
        }
        for no in [
            "kind: ApplicationSetList",
            "# kind: Application",
            "kind: AppProject",
        ] {
            assert!(!names_application_kind(no), "{no}");
        }
    }

    /// filepath.Walk hands a folder it cannot read to `getPotentiallyValidManifests`, which
    /// fails the source; the walk skipped it. (A folder deeper than PATH_MAX stands in for one
    /// without permission, which the tests' root user reads anyway; discovery's own walk stops
    /// at it, so this is checked here.)
    #[test]
    fn a_folder_the_walk_cannot_read_fails_the_directory_source() {
        let repo = tempfile::tempdir().unwrap();
        let apps = repo.path().join("apps");
        let deep = std::iter::repeat_n("d".repeat(250), 18)
            .collect::<Vec<_>>()
            .join("/");
        let made = std::process::Command::new("mkdir")
            .args(["-p", &format!("apps/{deep}")])
            .current_dir(repo.path())
            .status()
            .unwrap();
        assert!(made.success());
        let all = DirectoryFilter::new(None, None);
        let e = directory_files(&apps, repo.path(), true, &all, false).unwrap_err();
        // The folder named is the first whose path is too long, which depends on the
        // temporary directory's.
        let rel = (e.strip_prefix('`').and_then(|m| m.split_once('`'))).map_or("", |(r, _)| r);
        assert!(!rel.is_empty() && deep.starts_with(rel), "{e}");
        assert_eq!(
            e,
            format!(
                "`{rel}` of the directory source cannot be read (File name too long (os error 36)): Argo CD fails and deploys nothing from it"
            )
        );
        // Not recursed, the folder is never entered.
        assert!(directory_files(&apps, repo.path(), false, &all, false).is_ok());
    }

    /// The scan for Argo CD files ended at the first folder it could not read: every file after
    /// it was never looked at. (A folder deeper than PATH_MAX stands in for one without
    /// permission.)
    #[test]
    fn the_scan_for_argo_cd_files_passes_over_a_folder_it_cannot_read() {
        let repo = tempfile::tempdir().unwrap();
        let deep = std::iter::repeat_n("d".repeat(250), 18)
            .collect::<Vec<_>>()
            .join("/");
        let made = std::process::Command::new("mkdir")
            .args(["-p", &format!("a/{deep}")])
            .current_dir(repo.path())
            .status()
            .unwrap();
        assert!(made.success());
        std::fs::write(repo.path().join("b.yaml"), "kind: Application\n").unwrap();
        assert_eq!(
            candidate_files(repo.path(), true),
            [repo.path().join("b.yaml")]
        );
    }

    #[test]
    fn a_directory_source_reads_the_files_argo_cd_reads() {
        let repo = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let root = repo.path();
        let apps = root.join("apps");
        for (f, text) in [
            ("apps/a.yaml", "a"),
            ("apps/b.txt", "b"),
            ("apps/c.JSON", "c"),
            ("apps/.hidden/d.yml", "d"),
            ("apps/chart/Chart.yaml", "name: x"),
            ("apps/chart/templates/e.yaml", "e"),
            ("apps/node_modules/f.json", "f"),
            ("apps/target/g.jsonnet", "g"),
            ("apps/old/h.yaml", "h"),
            ("apps/.git/i.yaml", "i"),
            ("shared/j.yaml", "j"),
            ("shared/dir.yaml/k.yaml", "k"),
        ] {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        std::fs::write(outside.path().join("x.yaml"), "x").unwrap();
        let link = |to: &Path, at: &str| std::os::unix::fs::symlink(to, apps.join(at)).unwrap();
        link(&root.join("shared/j.yaml"), "link.yaml");
        link(&root.join("shared/dir.yaml"), "dir.yaml");
        link(&root.join("shared/missing.yaml"), "dangling.yaml");
        link(&root.join("shared"), "linked");
        let rel = |(files, charts): (Vec<PathBuf>, Vec<PathBuf>)| {
            let r = |v: Vec<PathBuf>| -> Vec<String> {
                v.iter()
                    .map(|p| p.strip_prefix(&apps).unwrap().display().to_string())
                    .collect()
            };
            (r(files), r(charts))
        };
        let all = DirectoryFilter::new(None, None);
        // Recursing: every subdirectory (hidden, chart, node_modules, target) but `.git` and a
        // linked one; a link to a file is read, one to a directory or nothing passed over.
        assert_eq!(
            rel(directory_files(&apps, root, true, &all, false).unwrap()),
            (
                vec![
                    ".hidden/d.yml",
                    "a.yaml",
                    "chart/Chart.yaml",
                    "chart/templates/e.yaml",
                    "link.yaml",
                    "node_modules/f.json",
                    "old/h.yaml",
                    "target/g.jsonnet",
                ]
                .into_iter()
                .map(String::from)
                .collect(),
                vec!["chart".to_string()]
            )
        );
        // Without: the top folder only, and no chart below is read.
        let flat = directory_files(&apps, root, false, &all, false).unwrap();
        assert_eq!(
            rel(flat),
            (vec!["a.yaml".to_string(), "link.yaml".to_string()], vec![])
        );
        let any = directory_files(&apps, root, false, &all, true).unwrap();
        assert_eq!(rel(any).0, ["a.yaml", "b.txt", "c.JSON", "link.yaml"]);
        let some = DirectoryFilter::new(Some("*.{yaml,yml}"), Some("{old/*,chart/*}"));
        assert_eq!(
            rel(directory_files(&apps, root, true, &some, false).unwrap()).0,
            [".hidden/d.yml", "a.yaml", "link.yaml"]
        );
        // A link out of the repository fails the source, even when excluded.
        link(&outside.path().join("x.yaml"), "out.yaml");
        let none = DirectoryFilter::new(None, Some("out.yaml"));
        assert_eq!(
            directory_files(&apps, root, false, &none, false),
            Err("`out.yaml` of the directory source is a symbolic link to outside the repository: Argo CD fails (illegal filepath in symlink) and deploys nothing from it".to_string())
        );
    }

    #[test]
    fn a_packaged_argocd_apps_dependency_writes_applications() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("charts")).unwrap();
        assert!(!writes_applications(dir.path()));
        std::fs::write(dir.path().join("charts/argocd-apps-2.0.2.tgz"), b"").unwrap();
        assert!(writes_applications(dir.path()));
    }
}
