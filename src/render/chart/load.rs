//! Loading a chart from a directory or a `.tgz` archive, as Helm's loader does: the directory is
//! walked once with the chart's `.helmignore` (which therefore also applies to vendored subchart
//! directories), files are sorted into `Chart.yaml`, `values.yaml`, `values.schema.json`,
//! `templates/`, `charts/` (subcharts: directories or archives) and other files (`.Files`).
//!
//! Untrusted input: nothing outside the chart directory is read (symbolic links that leave it are
//! an error), archive entries with `..` or absolute paths are rejected, and sizes and nesting are
//! bounded.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ignore::IgnoreRules;
use super::model::{Chart, ChartFile, Dependency, ImportValue, Metadata};
use crate::model::value::{Map, Origin, Value};

/// Largest single file accepted (Helm's default for archives).
pub const MAX_FILE_BYTES: u64 = 5 << 20;
/// Largest total chart size accepted (Helm's default for archives).
pub const MAX_CHART_BYTES: u64 = 100 << 20;
/// Deepest subchart nesting accepted.
pub const MAX_CHART_DEPTH: usize = 16;

/// One registered source file (a values file or a template).
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Display path: the chart path given by the user joined with the file's path in the chart.
    pub path: String,
    /// The file's text.
    pub text: Arc<str>,
}

/// The files registry: `Origin.file` / `ChartFile::source_id` → path and text. Id 0 is "unknown";
/// registered files are numbered from 1.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Registers a file and returns its id.
    pub fn add(&mut self, path: impl Into<String>, text: impl Into<Arc<str>>) -> u32 {
        self.files.push(SourceFile {
            path: path.into(),
            text: text.into(),
        });
        self.files.len() as u32
    }
    /// The file with this id.
    pub fn get(&self, id: u32) -> Option<&SourceFile> {
        (id as usize).checked_sub(1).and_then(|i| self.files.get(i))
    }
    /// Moves files registered under `from` (a path prefix ending in `/`) to `to`: a chart
    /// directory loaded as a subchart (a `file://` dependency) keeps its real path for findings.
    fn rebase(&mut self, from: &str, to: &str) {
        for f in &mut self.files {
            if let Some(rest) = f.path.strip_prefix(from) {
                f.path = format!("{to}{rest}");
            }
        }
    }
    /// Number of registered files.
    pub fn len(&self) -> usize {
        self.files.len()
    }
    /// Whether no file is registered.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// A chart that could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartError {
    /// What went wrong, in Helm's words where Helm has them.
    pub message: String,
    /// The file concerned, if any (display path).
    pub path: Option<String>,
    /// 1-based line and column in `path`, when known (printed: `PATH:LINE:COL: message`).
    pub line: u32,
    pub col: u32,
    /// Where in `path` the offending value is, when the message does not print it (Helm's
    /// `Chart.yaml` validation messages name no line): 1-based line and column.
    pub value_at: Option<(u32, u32)>,
}

impl ChartError {
    fn new(message: impl Into<String>) -> ChartError {
        ChartError {
            message: message.into(),
            path: None,
            line: 0,
            col: 0,
            value_at: None,
        }
    }
    fn at(path: &str, message: impl Into<String>) -> ChartError {
        ChartError {
            message: message.into(),
            path: Some(path.to_string()),
            line: 0,
            col: 0,
            value_at: None,
        }
    }

    /// The position of the error in `path`: the printed line and column, else the offending
    /// value's (line 0: none known).
    pub fn position(&self) -> (u32, u32) {
        match (self.line, self.value_at) {
            (0, Some(at)) => at,
            (l, _) => (l, self.col),
        }
    }
}

/// A `Chart.yaml` (or `requirements.yaml`) that Helm's validation refuses: Helm's message and
/// where the offending value is ([`Origin::NONE`] when a required key is missing).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    pub message: String,
    pub origin: Origin,
}

impl ValidationError {
    fn new(message: impl Into<String>, origin: Origin) -> Self {
        ValidationError {
            message: message.into(),
            origin,
        }
    }

    /// The [`ChartError`] of this error in the file `path`.
    fn in_file(self, path: &str) -> ChartError {
        let mut e = ChartError::at(path, self.message);
        if !self.origin.is_none() && self.origin.line > 0 {
            e.value_at = Some((self.origin.line, self.origin.col.max(1)));
        }
        e
    }
}

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.path, self.line) {
            (Some(p), 0) => write!(f, "{p}: {}", self.message),
            (Some(p), l) => write!(f, "{p}:{l}:{}: {}", self.col, self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ChartError {}

/// A YAML parse error from the values parser: message, line, column.
pub type ParseError = (String, u32, u32);

/// The YAML → [`Value`] function used for `Chart.yaml`, `values.yaml` and `requirements.yaml`
/// (Helm's values semantics), given the text and its source id.
pub type YamlParser<'a> = &'a dyn Fn(&str, u32) -> Result<Value, ParseError>;

/// A chart with the sources table of all its files.
#[derive(Clone, Debug)]
pub struct LoadedChart {
    pub chart: Chart,
    pub sources: Sources,
    /// Template files parsed by earlier renders of this chart.
    pub parse_cache: crate::render::template::ParseCache,
}

/// A file read from a directory or archive, path relative to the chart root.
struct RawFile {
    name: String,
    data: Vec<u8>,
}

/// Loads a chart directory or `.tgz` archive with the given YAML parser.
pub fn load_chart_with(path: &Path, parse: YamlParser) -> Result<LoadedChart, ChartError> {
    load_chart_bounded(path, parse, None)
}

/// [`load_chart_with`]; symbolic links may not leave `bound` (default: the chart directory).
fn load_chart_bounded(
    path: &Path,
    parse: YamlParser,
    bound: Option<&Path>,
) -> Result<LoadedChart, ChartError> {
    let display = path.display().to_string();
    let mut left = MAX_CHART_BYTES;
    let meta = std::fs::metadata(path)
        .map_err(|e| ChartError::at(&display, format!("cannot read chart: {e}")))?;
    let files = if meta.is_dir() {
        read_dir(path, bound)?
    } else {
        let data = read_limited(path, MAX_CHART_BYTES).map_err(|e| ChartError::at(&display, e))?;
        read_archive(&data, &mut left).map_err(|e| ChartError::at(&display, e))?
    };
    let mut sources = Sources::default();
    let chart = build(files, &display, &mut sources, parse, 0, &mut left)?;
    Ok(LoadedChart {
        chart,
        sources,
        parse_cache: Default::default(),
    })
}

/// [`load_chart_limited`] with dependencies found outside the chart (`.tgz` files as
/// `helm dependency build` downloads them, or chart directories) added under `charts/`.
pub fn load_chart_with_archives(
    path: &Path,
    limits: &crate::model::Limits,
    archives: &[PathBuf],
    bound: Option<&Path>,
) -> Result<LoadedChart, ChartError> {
    let yaml = limits.yaml();
    let parse = |src: &str, id: u32| {
        crate::yaml::parse_values(src, id, &yaml).map_err(|e| (e.message, e.pos.line, e.pos.col))
    };
    let display = path.display().to_string();
    let mut left = MAX_CHART_BYTES;
    let mut files = if path.is_dir() {
        read_dir(path, bound)?
    } else {
        let data = read_limited(path, MAX_CHART_BYTES).map_err(|e| ChartError::at(&display, e))?;
        read_archive(&data, &mut left).map_err(|e| ChartError::at(&display, e))?
    };
    // Chart directories added as subcharts: their files are found at their own path.
    let mut real_dirs = Vec::new();
    for a in archives {
        let name = a
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if a.is_dir() {
            real_dirs.push((
                format!("{display}/charts/{name}/"),
                format!("{}/", a.display()),
            ));
            for f in read_dir(a, bound)? {
                files.push(RawFile {
                    name: format!("charts/{name}/{}", f.name),
                    data: f.data,
                });
            }
            continue;
        }
        let data = read_limited(a, MAX_CHART_BYTES)
            .map_err(|e| ChartError::at(&a.display().to_string(), e))?;
        files.push(RawFile {
            name: format!("charts/{name}"),
            data,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let mut sources = Sources::default();
    let chart = build(files, &display, &mut sources, &parse, 0, &mut left)?;
    for (from, to) in &real_dirs {
        sources.rebase(from, to);
    }
    Ok(LoadedChart {
        chart,
        sources,
        parse_cache: Default::default(),
    })
}

/// Loads a chart from the bytes of a `.tgz` archive (as a file's content would be read), with
/// Helm's YAML semantics and default limits; `name` is the archive as messages show it.
pub fn load_archive_bytes(data: &[u8], name: &str) -> Result<LoadedChart, ChartError> {
    if data.len() as u64 > MAX_CHART_BYTES {
        return Err(ChartError::at(
            name,
            "chart archive is larger than the maximum size",
        ));
    }
    let limits = crate::model::Limits::default().yaml();
    let parse = |src: &str, id: u32| {
        crate::yaml::parse_values(src, id, &limits).map_err(|e| (e.message, e.pos.line, e.pos.col))
    };
    let mut left = MAX_CHART_BYTES;
    let files = read_archive(data, &mut left).map_err(|e| ChartError::at(name, e))?;
    let mut sources = Sources::default();
    let chart = build(files, name, &mut sources, &parse, 0, &mut left)?;
    Ok(LoadedChart {
        chart,
        sources,
        parse_cache: Default::default(),
    })
}

/// Loads a chart directory or `.tgz` archive (Helm's YAML semantics for `Chart.yaml` and
/// `values.yaml`; every values scalar carries its origin in the returned [`Sources`]).
pub fn load_chart(path: &Path) -> Result<LoadedChart, ChartError> {
    load_chart_limited(path, &crate::model::Limits::default())
}

/// [`load_chart`] with the YAML limits of `limits` for `Chart.yaml` and `values.yaml` (chart
/// files themselves are bounded by Helm's sizes, [`MAX_FILE_BYTES`] and [`MAX_CHART_BYTES`]).
pub fn load_chart_limited(
    path: &Path,
    limits: &crate::model::Limits,
) -> Result<LoadedChart, ChartError> {
    load_chart_in(path, limits, None)
}

/// [`load_chart_limited`] for a chart directory whose symbolic links may lead anywhere inside
/// `repo` (the repository root, [`crate::confine::root::repo_root`]): followed as Helm follows
/// them; a link leaving `repo` is refused. Charts that share a library chart by symlink load
/// this way. Without `repo`, links may not leave the chart directory.
pub fn load_chart_in(
    path: &Path,
    limits: &crate::model::Limits,
    repo: Option<&Path>,
) -> Result<LoadedChart, ChartError> {
    let limits = limits.yaml();
    let parse = |src: &str, id: u32| {
        crate::yaml::parse_values(src, id, &limits).map_err(|e| (e.message, e.pos.line, e.pos.col))
    };
    let repo = repo.filter(|r| !r.as_os_str().is_empty() && path.is_dir());
    load_chart_bounded(path, &parse, repo)
}

fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut data = Vec::new();
    f.take(max + 1)
        .read_to_end(&mut data)
        .map_err(|e| e.to_string())?;
    if data.len() as u64 > max {
        return Err(format!("file is larger than the maximum of {max} bytes"));
    }
    Ok(data)
}

/// Walks a chart directory applying its `.helmignore`; symbolic links are followed while they
/// stay inside `bound` (default: the chart directory).
fn read_dir(root: &Path, bound: Option<&Path>) -> Result<Vec<RawFile>, ChartError> {
    let display = root.display().to_string();
    let canon_root = std::fs::canonicalize(bound.unwrap_or(root))
        .map_err(|e| ChartError::at(&display, format!("cannot read chart: {e}")))?;
    // `.helmignore` is read bounded like every chart file (a link to a device cannot block).
    let ignore_path = root.join(".helmignore");
    let rules = match std::fs::metadata(&ignore_path) {
        Ok(m) if m.is_file() => {
            let inside =
                std::fs::canonicalize(&ignore_path).is_ok_and(|t| t.starts_with(&canon_root));
            if !inside {
                return Err(ChartError::at(
                    &format!("{display}/.helmignore"),
                    "symbolic link points outside the chart directory",
                ));
            }
            let data = read_limited(&ignore_path, MAX_FILE_BYTES)
                .map_err(|e| ChartError::at(&format!("{display}/.helmignore"), e))?;
            IgnoreRules::parse(&String::from_utf8_lossy(&data))
                .map_err(|e| ChartError::at(&format!("{display}/.helmignore"), e))?
        }
        _ => IgnoreRules::with_defaults(),
    };
    let mut out = Vec::new();
    let mut total = 0u64;
    let mut stack: Vec<(PathBuf, String, usize)> = vec![(root.to_path_buf(), String::new(), 0)];
    while let Some((dir, rel, depth)) = stack.pop() {
        if depth > 64 {
            return Err(ChartError::at(&display, "directory nesting too deep"));
        }
        let mut entries: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| ChartError::at(&dir.display().to_string(), e.to_string()))?
            .filter_map(|e| e.ok())
            .collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel_path = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let full = e.path();
            let ft = e
                .file_type()
                .map_err(|err| ChartError::at(&rel_path, err.to_string()))?;
            let (is_dir, is_file) = if ft.is_symlink() {
                // Follow links only when they stay inside the chart (or the repository).
                let target = std::fs::canonicalize(&full).map_err(|err| {
                    ChartError::at(
                        &full.display().to_string(),
                        format!("broken symbolic link: {err}"),
                    )
                })?;
                if !target.starts_with(&canon_root) {
                    return Err(ChartError::at(
                        &full.display().to_string(),
                        if bound.is_some() {
                            format!(
                                "symbolic link to {} leaves the repository ({})",
                                target.display(),
                                canon_root.display()
                            )
                        } else {
                            "symbolic link points outside the chart directory".to_string()
                        },
                    ));
                }
                let m = std::fs::metadata(&target)
                    .map_err(|err| ChartError::at(&rel_path, err.to_string()))?;
                (m.is_dir(), m.is_file())
            } else {
                (ft.is_dir(), ft.is_file())
            };
            // Matching costs rules × files (as in Helm): held to the render and run clocks.
            crate::budget::check_time()
                .map_err(|e| ChartError::at(&format!("{display}/.helmignore"), e.to_string()))?;
            if rules.ignore(&rel_path, is_dir) {
                continue;
            }
            if is_dir {
                stack.push((full, rel_path, depth + 1));
            } else if is_file {
                let data = read_limited(&full, MAX_FILE_BYTES)
                    .map_err(|err| ChartError::at(&full.display().to_string(), err))?;
                total += data.len() as u64;
                if total > MAX_CHART_BYTES {
                    return Err(ChartError::at(
                        &display,
                        "chart is larger than the maximum size",
                    ));
                }
                out.push(RawFile {
                    name: rel_path,
                    data,
                });
            } else {
                return Err(ChartError::at(
                    &full.display().to_string(),
                    format!(
                        "cannot load irregular file {} as it has file mode type bits set",
                        full.display()
                    ),
                ));
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Reads a chart archive: the first path component (the chart's directory) is dropped.
/// `left` is what one chart load may still decompress: the chart's own archive and every
/// subchart archive nested in it share [`MAX_CHART_BYTES`] (a small archive of archives
/// cannot multiply it). Linear in the number of entries (a later entry with the same name
/// replaces an earlier one through an index, not a search).
fn read_archive(data: &[u8], left: &mut u64) -> Result<Vec<RawFile>, String> {
    let gz = flate2::read::GzDecoder::new(data);
    let mut ar = tar::Archive::new(gz.take(MAX_CHART_BYTES + 1));
    let mut out: Vec<RawFile> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let entries = ar
        .entries()
        .map_err(|e| format!("error reading chart archive: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("error reading chart archive: {e}"))?;
        let ty = entry.header().entry_type();
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        if ty.is_dir()
            || ty.is_pax_global_extensions()
            || ty.is_pax_local_extensions()
            || raw == "pax_global_header"
        {
            continue;
        }
        if ty.is_symlink() || ty.is_hard_link() {
            return Err(format!(
                "chart archive contains a link, which is not allowed: {raw:?}"
            ));
        }
        if !ty.is_file() {
            continue;
        }
        let norm = raw.replace('\\', "/");
        if norm.starts_with('/') || norm.get(1..2) == Some(":") {
            return Err(format!("chart illegally contains absolute paths: {raw:?}"));
        }
        let parts: Vec<&str> = norm
            .split('/')
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        if parts.contains(&"..") {
            return Err(format!(
                "chart illegally contains content outside the base directory: {raw:?}"
            ));
        }
        if parts.len() < 2 {
            continue;
        }
        let name = parts[1..].join("/");
        let mut buf = Vec::new();
        (&mut entry)
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| format!("error reading chart archive: {e}"))?;
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(format!(
                "decompressed chart file {name:?} is larger than the maximum file size {MAX_FILE_BYTES}"
            ));
        }
        match left.checked_sub(buf.len() as u64) {
            Some(l) => *left = l,
            None => {
                return Err(format!(
                    "decompressed chart is larger than the maximum size ({} MiB for a chart and the subchart archives inside it together)",
                    MAX_CHART_BYTES >> 20
                ));
            }
        }
        crate::budget::check().map_err(|e| e.to_string())?;
        // Later entries with the same name replace earlier ones.
        match index.get(&name) {
            Some(&i) => out[i].data = buf,
            None => {
                index.insert(name.clone(), out.len());
                out.push(RawFile { name, data: buf });
            }
        }
    }
    if out.is_empty() {
        return Err("no files in chart archive".into());
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn text_of(f: &RawFile, display: &str) -> Result<String, ChartError> {
    crate::yaml::decode_utf8(f.data.clone()).map_err(|e| ChartError {
        message: e.message,
        path: Some(display.to_string()),
        line: e.pos.line,
        col: e.pos.col,
        value_at: None,
    })
}

fn yaml_err(path: &str, e: ParseError) -> ChartError {
    ChartError {
        message: e.0,
        path: Some(path.to_string()),
        line: e.1,
        col: e.2,
        value_at: None,
    }
}

/// Builds a chart from its files (paths relative to its root); `base` is the display prefix.
fn build(
    files: Vec<RawFile>,
    base: &str,
    sources: &mut Sources,
    parse: YamlParser,
    depth: usize,
    left: &mut u64,
) -> Result<Chart, ChartError> {
    if depth > MAX_CHART_DEPTH {
        return Err(ChartError::at(base, "subcharts are nested too deeply"));
    }
    let mut chart = Chart::default();
    let mut chart_yaml: Option<Map> = None;
    let mut requirements: Option<Map> = None;
    let mut sub_files: Vec<(String, Vec<RawFile>)> = Vec::new();
    for f in files {
        let display = format!("{base}/{}", f.name);
        match f.name.as_str() {
            "Chart.yaml" => {
                let t = text_of(&f, &display)?;
                let id = sources.add(display.clone(), t.as_str());
                let v = parse(&t, id).map_err(|e| yaml_err(&display, e))?;
                chart_yaml = Some(v.as_map().map(|m| m.as_ref().clone()).unwrap_or_default());
            }
            "values.yaml" => {
                let t = text_of(&f, &display)?;
                let id = sources.add(display.clone(), t.as_str());
                let v = parse(&crate::yaml::load_values_text(&t), id)
                    .map_err(|e| yaml_err(&display, e))?;
                chart.values = v.as_map().map(|m| m.as_ref().clone()).unwrap_or_default();
                chart.values_source = id;
            }
            "values.schema.json" => {
                let t = text_of(&f, &display)?;
                chart.schema_source = sources.add(display.clone(), t.as_str());
                chart.schema = Some(t);
            }
            "requirements.yaml" => {
                let t = text_of(&f, &display)?;
                let id = sources.add(display.clone(), t.as_str());
                let v = parse(&t, id).map_err(|e| yaml_err(&display, e))?;
                requirements = Some(v.as_map().map(|m| m.as_ref().clone()).unwrap_or_default());
                chart.files.push(ChartFile {
                    name: f.name,
                    data: f.data.into(),
                    source_id: id,
                });
            }
            n if n.starts_with("templates/") => {
                let id = match std::str::from_utf8(&f.data) {
                    Ok(t) => sources.add(display, t),
                    Err(_) => 0,
                };
                chart.templates.push(ChartFile {
                    name: f.name,
                    data: f.data.into(),
                    source_id: id,
                });
            }
            n if n.starts_with("charts/") => {
                if n.ends_with(".prov") {
                    chart.files.push(ChartFile {
                        name: f.name,
                        data: f.data.into(),
                        source_id: 0,
                    });
                    continue;
                }
                let rest = &n["charts/".len()..];
                let (cname, inner) = match rest.split_once('/') {
                    Some((c, i)) => (c.to_string(), i.to_string()),
                    None => (rest.to_string(), rest.to_string()),
                };
                let raw = RawFile {
                    name: inner,
                    data: f.data,
                };
                match sub_files.iter_mut().find(|(c, _)| *c == cname) {
                    Some((_, v)) => v.push(raw),
                    None => sub_files.push((cname, vec![raw])),
                }
            }
            _ => {
                if f.name.starts_with("crds/") {
                    chart.crds.push(ChartFile {
                        name: f.name.clone(),
                        data: f.data.as_slice().into(),
                        source_id: 0,
                    });
                }
                // A JSON file may be a schema `$ref`d by `values.schema.json`: findings point
                // into it.
                let source_id = match std::str::from_utf8(&f.data) {
                    Ok(t) if f.name.ends_with(".json") => sources.add(display, t),
                    _ => 0,
                };
                chart.files.push(ChartFile {
                    name: f.name,
                    data: f.data.into(),
                    source_id,
                });
            }
        }
    }
    let Some(cy) = chart_yaml else {
        return Err(ChartError::at(base, "Chart.yaml file is missing"));
    };
    chart.metadata = parse_metadata(&cy).map_err(|e| e.in_file(&format!("{base}/Chart.yaml")))?;
    if chart.metadata.api_version == "v1"
        && let Some(req) = requirements
        && let Some(Value::List(deps)) = req.get("dependencies")
    {
        chart.metadata.dependencies = parse_dependencies(deps)
            .map_err(|e| e.in_file(&format!("{base}/requirements.yaml")))?;
    }
    for (cname, files) in sub_files {
        if cname.starts_with(['_', '.']) {
            continue;
        }
        let sub_base = format!("{base}/charts/{cname}");
        let sub = if cname.ends_with(".tgz") || cname.ends_with(".tar.gz") {
            let Some(f) = files.into_iter().find(|f| f.name == cname) else {
                continue;
            };
            let inner = read_archive(&f.data, left).map_err(|e| {
                ChartError::at(
                    &sub_base,
                    format!("error unpacking subchart {cname} in {}: {e}", chart.name()),
                )
            })?;
            build(inner, &sub_base, sources, parse, depth + 1, left)?
        } else {
            let files: Vec<RawFile> = files.into_iter().filter(|f| f.name != cname).collect();
            build(files, &sub_base, sources, parse, depth + 1, left)?
        };
        chart.dependencies.push(sub);
    }
    Ok(chart)
}

fn str_field(m: &Map, k: &str) -> String {
    match m.get(k) {
        Some(Value::Str(t)) => t.as_str().to_string(),
        Some(Value::Float(f, _)) => crate::render::chart::values::format_number(*f),
        Some(Value::Int(i, _, _)) => i.to_string(),
        Some(Value::Bool(b, _)) => b.to_string(),
        _ => String::new(),
    }
}

/// `Chart.yaml` → [`Metadata`], validated as Helm's loader does.
pub fn parse_metadata(m: &Map) -> Result<Metadata, ValidationError> {
    let mut md = Metadata {
        api_version: str_field(m, "apiVersion"),
        name: str_field(m, "name"),
        version: str_field(m, "version"),
        app_version: str_field(m, "appVersion"),
        description: str_field(m, "description"),
        chart_type: str_field(m, "type"),
        dependencies: Vec::new(),
        raw: m.clone(),
    };
    if md.api_version.is_empty() {
        md.api_version = "v1".into();
    }
    // Where a key's value is (a key present with an empty value has one).
    let at = |k: &str| m.get(k).map_or(Origin::NONE, |v| v.origin());
    if md.name.is_empty() {
        return Err(ValidationError::new(
            "validation: chart.metadata.name is required",
            at("name"),
        ));
    }
    if md.name.contains('/') || md.name.contains('\\') || md.name == "." || md.name == ".." {
        return Err(ValidationError::new(
            format!("validation: chart.metadata.name {:?} is invalid", md.name),
            at("name"),
        ));
    }
    if md.version.is_empty() {
        return Err(ValidationError::new(
            "validation: chart.metadata.version is required",
            at("version"),
        ));
    }
    if !md.chart_type.is_empty() && md.chart_type != "application" && md.chart_type != "library" {
        return Err(ValidationError::new(
            "validation: chart.metadata.type must be application or library",
            at("type"),
        ));
    }
    if let Some(Value::List(deps)) = m.get("dependencies") {
        md.dependencies = parse_dependencies(deps)?;
    }
    Ok(md)
}

fn parse_dependencies(deps: &[Value]) -> Result<Vec<Dependency>, ValidationError> {
    let mut out = Vec::new();
    for d in deps {
        let Some(dm) = d.as_map() else {
            return Err(ValidationError::new(
                "validation: dependencies must be maps",
                d.origin(),
            ));
        };
        let tags = match dm.get("tags") {
            Some(Value::List(l)) => l
                .iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        let mut import_values = Vec::new();
        if let Some(Value::List(l)) = dm.get("import-values") {
            for iv in l.iter() {
                match iv {
                    Value::Str(t) => {
                        import_values.push(ImportValue::Exports(t.as_str().to_string()))
                    }
                    Value::Map(im) => import_values.push(ImportValue::Map {
                        child: str_field(&im.read(), "child"),
                        parent: str_field(&im.read(), "parent"),
                    }),
                    _ => {}
                }
            }
        }
        let dep = Dependency {
            name: str_field(&dm, "name"),
            version: str_field(&dm, "version"),
            repository: str_field(&dm, "repository"),
            condition: str_field(&dm, "condition"),
            tags,
            alias: str_field(&dm, "alias"),
            import_values,
            enabled: true,
        };
        if dep.name.is_empty() {
            // At the dependency's name when it is empty, else at its first value.
            let origin = (dm.get("name").map(|v| v.origin()))
                .filter(|o| !o.is_none())
                .or_else(|| dm.values().map(|v| v.origin()).find(|o| !o.is_none()))
                .unwrap_or(Origin::NONE);
            return Err(ValidationError::new(
                "validation: dependencies must have a name",
                origin,
            ));
        }
        out.push(dep);
    }
    Ok(out)
}

/// Helm's `CheckDependencies`: every dependency in `Chart.yaml` must be present in `charts/`.
pub fn check_dependencies(chart: &Chart) -> Result<(), ChartError> {
    let missing: Vec<&str> = chart
        .metadata
        .dependencies
        .iter()
        .filter(|d| !chart.dependencies.iter().any(|c| c.name() == d.name))
        .map(|d| d.name.as_str())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ChartError::new(format!(
        "An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: {}",
        missing.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::chart::strvals::from_json;

    /// Test parser: JSON is YAML; enough for loader tests without the YAML module.
    fn json(src: &str, _id: u32) -> Result<Value, ParseError> {
        if src.trim().is_empty() {
            return Ok(Value::empty_map());
        }
        serde_json::from_str::<serde_json::Value>(src)
            .map(|v| from_json(&v))
            .map_err(|e| (e.to_string(), e.line() as u32, e.column() as u32))
    }

    fn write(dir: &Path, name: &str, text: &str) {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(p, text);
    }

    fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
        let files: Vec<(&str, &[u8])> = files.iter().map(|(n, t)| (*n, t.as_bytes())).collect();
        tgz_bytes(&files)
    }

    fn tgz_bytes(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        for (n, t) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(t.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            // set_path refuses `..`; write the raw name to test our own check.
            let name = h.as_old_mut().name.as_mut();
            name[..n.len()].copy_from_slice(n.as_bytes());
            h.set_cksum();
            let _ = b.append(&h, *t);
        }
        b.into_inner().and_then(|g| g.finish()).unwrap_or_default()
    }

    #[test]
    fn loads_directory_with_subcharts_and_helmignore() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = tmp.path();
        write(
            d,
            "Chart.yaml",
            r#"{"apiVersion":"v2","name":"top","version":"1.0.0","dependencies":[{"name":"sub","version":"0.1.0","alias":"s","condition":"s.on","tags":["a"],"import-values":["x",{"child":"c","parent":"p"}]}]}"#,
        );
        write(d, "values.yaml", r#"{"a":1}"#);
        write(d, ".helmignore", "*.md\n");
        write(d, "README.md", "x");
        write(d, "templates/a.yaml", "a: {{ .Values.a }}");
        write(d, "templates/_h.tpl", "");
        write(d, "files/x.conf", "conf");
        write(d, "crds/c.yaml", "kind: CRD");
        write(
            d,
            "charts/sub/Chart.yaml",
            r#"{"name":"sub","version":"0.1.0"}"#,
        );
        write(
            d,
            "charts/sub/NOTES.md",
            "ignored by the parent's .helmignore",
        );
        write(d, "charts/sub/templates/b.yaml", "b");
        std::fs::write(
            d.join("charts/packed-1.0.0.tgz"),
            tgz(&[
                (
                    "packed/Chart.yaml",
                    r#"{"name":"packed","version":"1.0.0"}"#,
                ),
                ("packed/values.yaml", r#"{"k":"v"}"#),
            ]),
        )
        .unwrap_or_default();
        let lc = load_chart_with(d, &json).unwrap_or_else(|e| panic!("{e}"));
        let c = &lc.chart;
        assert_eq!(c.metadata.name, "top");
        assert_eq!(c.metadata.api_version, "v2");
        let dep = &c.metadata.dependencies[0];
        assert_eq!(
            (dep.alias.as_str(), dep.condition.as_str(), dep.tags.clone()),
            ("s", "s.on", vec!["a".to_string()])
        );
        assert_eq!(
            dep.import_values,
            vec![
                ImportValue::Exports("x".into()),
                ImportValue::Map {
                    child: "c".into(),
                    parent: "p".into()
                }
            ]
        );
        assert_eq!(
            c.templates
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            vec!["templates/_h.tpl", "templates/a.yaml"]
        );
        assert_eq!(
            c.files.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
            vec![".helmignore", "crds/c.yaml", "files/x.conf"]
        );
        assert_eq!(c.crds.len(), 1);
        let mut names: Vec<&str> = c.dependencies.iter().map(|d| d.name()).collect();
        names.sort();
        assert_eq!(names, vec!["packed", "sub"]);
        let sub = c
            .dependencies
            .iter()
            .find(|d| d.name() == "sub")
            .unwrap_or_else(|| panic!("sub"));
        assert!(sub.files.is_empty());
        assert_eq!(sub.templates[0].name, "templates/b.yaml");
        let packed = c
            .dependencies
            .iter()
            .find(|d| d.name() == "packed")
            .unwrap_or_else(|| panic!("packed"));
        assert_eq!(packed.values.get("k").and_then(|v| v.as_str()), Some("v"));
        let vid = c.values_source;
        assert_eq!(
            lc.sources.get(vid).map(|s| s.path.clone()),
            Some(format!("{}/values.yaml", d.display()))
        );
        assert_eq!(check_dependencies(c), Ok(()));
    }

    #[test]
    fn nested_archives_share_one_size_bound() {
        // Each subchart archive holds 40 MiB (ten files of 4 MiB: under the per-file and the
        // per-archive bound); three of them inside one small chart archive exceed 100 MiB.
        let chunk = vec![b'a'; 4 << 20];
        let mut sub_files: Vec<(String, &[u8])> = vec![(
            "sub/Chart.yaml".into(),
            br#"{"name":"sub","version":"1.0.0","apiVersion":"v2"}"#,
        )];
        for i in 0..10 {
            sub_files.push((format!("sub/files/f{i}"), &chunk));
        }
        let sub_refs: Vec<(&str, &[u8])> =
            sub_files.iter().map(|(n, d)| (n.as_str(), *d)).collect();
        let sub = tgz_bytes(&sub_refs);
        assert!(sub.len() < 1 << 20, "a 40 MiB subchart compresses small");
        let top = tgz_bytes(&[
            (
                "top/Chart.yaml",
                br#"{"name":"top","version":"1.0.0","apiVersion":"v2"}"#,
            ),
            ("top/charts/a.tgz", &sub),
            ("top/charts/b.tgz", &sub),
            ("top/charts/c.tgz", &sub),
        ]);
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = tmp.path().join("top-1.0.0.tgz");
        std::fs::write(&path, &top).unwrap_or_else(|e| panic!("{e}"));
        let err = load_chart_with(&path, &json).map(|_| ()).map_err(|e| {
            (
                e.path
                    .map(|p| p.replace(&path.display().to_string(), "TOP")),
                e.message,
            )
        });
        assert_eq!(
            err,
            Err((
                Some("TOP/charts/c.tgz".to_string()),
                "error unpacking subchart c.tgz in top: decompressed chart is larger than the maximum size (100 MiB for a chart and the subchart archives inside it together)".to_string()
            ))
        );
        // Two of them fit.
        let two = tgz_bytes(&[
            (
                "top/Chart.yaml",
                br#"{"name":"top","version":"1.0.0","apiVersion":"v2"}"#,
            ),
            ("top/charts/a.tgz", &sub),
            ("top/charts/b.tgz", &sub),
        ]);
        std::fs::write(&path, &two).unwrap_or_else(|e| panic!("{e}"));
        let lc = load_chart_with(&path, &json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lc.chart.dependencies.len(), 2);
    }

    #[test]
    fn archive_with_repeated_names_keeps_the_last_entry() {
        let ar = tgz(&[
            ("x/Chart.yaml", "{}"),
            ("x/a.txt", "first"),
            ("x/b.txt", "b"),
            ("x/a.txt", "second"),
        ]);
        let files = read_archive(&ar, &mut { MAX_CHART_BYTES }).unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<(String, String)> = files
            .iter()
            .map(|f| {
                (
                    f.name.clone(),
                    String::from_utf8_lossy(&f.data).into_owned(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Chart.yaml".to_string(), "{}".to_string()),
                ("a.txt".to_string(), "second".to_string()),
                ("b.txt".to_string(), "b".to_string()),
            ]
        );
    }

    #[test]
    fn missing_dependency_and_bad_archives() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = tmp.path();
        write(
            d,
            "Chart.yaml",
            r#"{"name":"top","version":"1.0.0","apiVersion":"v2","dependencies":[{"name":"gone","version":"1"}]}"#,
        );
        let lc = load_chart_with(d, &json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            check_dependencies(&lc.chart).map_err(|e| e.message),
            Err("An error occurred while checking for chart dependencies. You may need to run `helm dependency build` to fetch missing dependencies: found in Chart.yaml, but missing in charts/ directory: gone".to_string())
        );
        let evil = tgz(&[("x/Chart.yaml", "{}"), ("x/../../etc/passwd", "x")]);
        assert_eq!(
            read_archive(&evil, &mut { MAX_CHART_BYTES }).map(|_| ()),
            Err("chart illegally contains content outside the base directory: \"x/../../etc/passwd\"".to_string())
        );
        let abs = tgz(&[("/etc/passwd", "x")]);
        assert_eq!(
            read_archive(&abs, &mut { MAX_CHART_BYTES }).map(|_| ()),
            Err("chart illegally contains absolute paths: \"/etc/passwd\"".to_string())
        );
        let tmp2 = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let e = load_chart_with(tmp2.path(), &json)
            .map(|_| ())
            .map_err(|e| e.message);
        assert_eq!(e, Err("Chart.yaml file is missing".to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_outside_chart_is_rejected() {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        write(outside.path(), "secret", "s");
        let d = tmp.path();
        write(d, "Chart.yaml", r#"{"name":"top","version":"1.0.0"}"#);
        let _ = std::os::unix::fs::symlink(outside.path().join("secret"), d.join("leak"));
        let e = load_chart_with(d, &json).map(|_| ()).map_err(|e| e.message);
        assert_eq!(
            e,
            Err("symbolic link points outside the chart directory".to_string())
        );
    }
}
