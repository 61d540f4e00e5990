//! `helm.valueFiles` resolved the way Argo CD's repo server does (argoproj/argo-cd
//! `reposerver/repository/repository.go` `getResolvedValueFiles`, `util/io/path`):
//!
//! - a relative path is relative to the chart (the source's `path`), a leading `/` is the
//!   repository root, `$ref/...` is the root of the source whose `ref` is `ref`;
//! - a path that leaves its repository is rejected;
//! - a glob (`*`, `?`, `[`; `**` crosses directories) expands to its matches in lexical order;
//!   a file that is also listed explicitly keeps its explicit position; duplicates are dropped;
//! - a missing file or a glob matching nothing is skipped with `ignoreMissingValueFiles`, and
//!   otherwise fails the render (chartgate: an `unresolved-source` finding);
//! - the `values`/`valuesObject` text comes after every file, then `--set`, `--set-string` and
//!   `--set-file` (Helm applies them in that order whatever their position on the command line).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::confine::normalise;

/// What `$name` in a value file refers to.
#[derive(Clone, Debug)]
pub enum RefTarget {
    /// The local checkout of the ref source.
    Local(PathBuf),
    /// The ref source's repository URL, which has no local mapping.
    Unmapped(String),
}

/// Why a value file (or a file parameter) of an Application cannot be resolved: which entry
/// (`raw`, as written) and the problem. `Display` is the `unresolved-source` reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueFileError {
    /// What the entry is: `value file` (`helm.valueFiles`) or `file parameter`
    /// (`helm.fileParameters`).
    pub what: &'static str,
    /// The entry as written.
    pub raw: String,
    /// Its index in the list it came from.
    pub index: usize,
    pub problem: ValueFileProblem,
}

/// What is wrong with a value file entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueFileProblem {
    /// It resolves outside its repository.
    Outside,
    /// It reaches outside its repository through a symbolic link.
    LinksOutside,
    /// `$name/...` names a ref source whose repository has no local checkout.
    UnmappedRef { name: String, url: String },
    /// `$name/...` names no ref source of the Application.
    UnknownRef { name: String },
    /// A URL (`https://...`).
    Remote,
    /// The glob (resolved to `pattern`) does not compile.
    Glob { pattern: String, kind: String },
    /// The glob matches no file.
    NoMatch,
    /// The glob matches a file reached through a symbolic link leaving the repository.
    GlobOutside,
    /// The file does not exist.
    Missing,
    /// Exists but is a directory, FIFO, device or socket: Argo CD passes it to Helm, which fails.
    NotRegular,
}

impl ValueFileError {
    fn new(raw: &str, problem: ValueFileProblem) -> Self {
        ValueFileError {
            what: "value file",
            raw: raw.to_string(),
            index: 0,
            problem,
        }
    }

    /// The same error about a `helm.fileParameters` entry.
    pub fn file_parameter(self) -> Self {
        ValueFileError {
            what: "file parameter",
            ..self
        }
    }
}

impl std::fmt::Display for ValueFileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (what, raw) = (self.what, &self.raw);
        match &self.problem {
            ValueFileProblem::Outside => write!(
                f,
                "{what} `{raw}` resolves outside its repository; Argo CD refuses it"
            ),
            ValueFileProblem::LinksOutside => write!(
                f,
                "{what} `{raw}` links outside its repository; Argo CD refuses it"
            ),
            ValueFileProblem::UnmappedRef { name, url } => write!(
                f,
                "{what} `{raw}`: the source with `ref: {name}` ({url}) has no local checkout; map it with --repo {url}=PATH or `repos:` in chartgate.yaml"
            ),
            ValueFileProblem::UnknownRef { name } => write!(
                f,
                "{what} `{raw}`: unknown `${name}`: no source of this Application has `ref: {name}`"
            ),
            ValueFileProblem::Remote => {
                write!(f, "{what} `{raw}` is a remote URL; chartgate works offline")
            }
            ValueFileProblem::Glob { pattern, kind } => {
                write!(f, "invalid {what} glob `{pattern}`: {kind}")
            }
            ValueFileProblem::NoMatch => write!(
                f,
                "{what} glob `{raw}` matches no file (set `ignoreMissingValueFiles: true` if that is intended)"
            ),
            // The matched file is not named: its name is the runner's, not the repository's.
            ValueFileProblem::GlobOutside => write!(
                f,
                "{what} glob `{raw}` matches a file through a symbolic link leaving its repository; Argo CD refuses it"
            ),
            ValueFileProblem::Missing => write!(
                f,
                "{what} `{raw}` does not exist (Argo CD fails this render; set `ignoreMissingValueFiles: true` if that is intended)"
            ),
            ValueFileProblem::NotRegular => write!(
                f,
                "{what} `{raw}` is not a regular file (a directory, pipe or device); Helm fails this render, `ignoreMissingValueFiles` or not"
            ),
        }
    }
}

impl std::error::Error for ValueFileError {}

fn is_glob(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

/// What a resolved value file path is on disk.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Regular,
    Missing,
    /// A directory, FIFO, device or socket: never opened.
    Other,
}

impl FileKind {
    fn of(kind: Option<std::fs::FileType>) -> Self {
        match kind {
            Some(k) if k.is_file() => FileKind::Regular,
            Some(_) => FileKind::Other,
            None => FileKind::Missing,
        }
    }
}

/// Resolves `file` against `app_path` (relative) or `root` (leading `/`), refusing escapes;
/// with what it is on disk (the link check's `lstat` answers that for a plain path).
fn resolve_in(
    app_path: &Path,
    root: &Path,
    file: &str,
    raw: &str,
) -> Result<(PathBuf, FileKind), ValueFileError> {
    use crate::confine::root::{LinkTarget, link_target, plain_kind};
    let p = match file.strip_prefix('/') {
        Some(rest) => root.join(rest),
        None => app_path.join(file),
    };
    let p = normalise(&p);
    if !p.starts_with(root) {
        return Err(ValueFileError::new(raw, ValueFileProblem::Outside));
    }
    let kind = match plain_kind(&p, root) {
        Some(kind) => FileKind::of(kind),
        // A symbolic link must stay inside the repository too.
        None if matches!(link_target(&p, root), LinkTarget::Outside(_)) => {
            return Err(ValueFileError::new(raw, ValueFileProblem::LinksOutside));
        }
        None => FileKind::of(std::fs::metadata(&p).ok().map(|m| m.file_type())),
    };
    Ok((p, kind))
}

/// One value file entry resolved inside the repository root it must stay in.
struct Resolved {
    path: PathBuf,
    root: PathBuf,
    kind: FileKind,
}

fn resolve_one(
    raw: &str,
    app_path: &Path,
    repo_root: &Path,
    refs: &BTreeMap<String, RefTarget>,
) -> Result<Resolved, ValueFileError> {
    if let Some(rest) = raw.strip_prefix('$') {
        let (name, path) = rest.split_once('/').unwrap_or((rest, ""));
        return match refs.get(name) {
            Some(RefTarget::Local(root)) => {
                let (path, kind) = resolve_in(root, root, &format!("/{path}"), raw)?;
                Ok(Resolved {
                    path,
                    root: root.clone(),
                    kind,
                })
            }
            Some(RefTarget::Unmapped(url)) => Err(ValueFileError::new(
                raw,
                ValueFileProblem::UnmappedRef {
                    name: name.to_string(),
                    url: url.clone(),
                },
            )),
            None => Err(ValueFileError::new(
                raw,
                ValueFileProblem::UnknownRef {
                    name: name.to_string(),
                },
            )),
        };
    }
    if let Some((scheme, _)) = raw.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+')
    {
        return Err(ValueFileError::new(raw, ValueFileProblem::Remote));
    }
    let (path, kind) = resolve_in(app_path, repo_root, raw, raw)?;
    Ok(Resolved {
        path,
        root: repo_root.to_path_buf(),
        kind,
    })
}

fn glob_matches(pattern: &Path, raw: &str) -> Result<Vec<PathBuf>, ValueFileError> {
    let mut root = PathBuf::new();
    let mut rest = Vec::new();
    for c in pattern.components() {
        let s = c.as_os_str().to_string_lossy();
        if rest.is_empty() && !is_glob(&s) {
            root.push(c);
        } else {
            rest.push(s.into_owned());
        }
    }
    let glob = globset::GlobBuilder::new(&rest.join("/"))
        .literal_separator(true)
        .build()
        .and_then(crate::model::glob::compile)
        .map_err(|e| {
            let problem = ValueFileProblem::Glob {
                pattern: pattern.display().to_string(),
                kind: e.kind().to_string(),
            };
            ValueFileError::new(raw, problem)
        })?;
    let deep = rest.iter().any(|r| r.contains("**"));
    let mut out = Vec::new();
    if root.is_dir() {
        let walker = walkdir::WalkDir::new(&root)
            .max_depth(if deep { 32 } else { rest.len() })
            .sort_by_file_name();
        for e in walker.into_iter().filter_map(Result::ok) {
            if e.file_type().is_file()
                && let Ok(rel) = e.path().strip_prefix(&root)
                && glob.is_match(rel)
            {
                out.push(e.path().to_path_buf());
            }
        }
    }
    // Lexical order of the full paths, as doublestar returns them.
    out.sort_by(|a, b| a.to_string_lossy().cmp(&b.to_string_lossy()));
    Ok(out)
}

/// The value files of one source in Helm's merge order, or why they cannot be resolved.
pub fn value_files(
    raw_files: &[String],
    app_path: &Path,
    repo_root: &Path,
    refs: &BTreeMap<String, RefTarget>,
    ignore_missing: bool,
) -> Result<Vec<PathBuf>, ValueFileError> {
    // Explicit entries keep their place ahead of a glob's matches (only needed with a glob).
    let any_glob = raw_files.iter().any(|r| is_glob(r));
    let explicit: HashSet<PathBuf> = raw_files
        .iter()
        .filter(|r| any_glob && !is_glob(r))
        .filter_map(|r| resolve_one(r, app_path, repo_root, refs).ok())
        .map(|r| r.path)
        .collect();
    let mut out = Files::default();
    for (index, raw) in raw_files.iter().enumerate() {
        value_file(
            raw,
            app_path,
            repo_root,
            refs,
            ignore_missing,
            &explicit,
            &mut out,
        )
        .map_err(|e| ValueFileError { index, ..e })?;
    }
    Ok(out.list)
}

/// Value files in order, each once (a glob over a large repository can match many).
#[derive(Default)]
struct Files {
    list: Vec<PathBuf>,
    seen: HashSet<PathBuf>,
}

impl Files {
    fn push(&mut self, p: PathBuf) {
        if self.seen.insert(p.clone()) {
            self.list.push(p);
        }
    }
}

/// Adds one `valueFiles` entry's files to `out` (duplicates dropped).
fn value_file(
    raw: &str,
    app_path: &Path,
    repo_root: &Path,
    refs: &BTreeMap<String, RefTarget>,
    ignore_missing: bool,
    explicit: &HashSet<PathBuf>,
    out: &mut Files,
) -> Result<(), ValueFileError> {
    let Resolved { path, root, kind } = resolve_one(raw, app_path, repo_root, refs)?;
    if is_glob(raw) {
        let matches = glob_matches(&path, raw)?;
        if matches.is_empty() && !ignore_missing {
            return Err(ValueFileError::new(raw, ValueFileProblem::NoMatch));
        }
        for m in matches {
            if crate::confine::root::leaves_through_link(&normalise(&m), &root) {
                return Err(ValueFileError::new(raw, ValueFileProblem::GlobOutside));
            }
            if !explicit.contains(&m) {
                out.push(m);
            }
        }
        return Ok(());
    }
    match kind {
        FileKind::Regular => out.push(path),
        FileKind::Missing if ignore_missing => {}
        FileKind::Missing => return Err(ValueFileError::new(raw, ValueFileProblem::Missing)),
        FileKind::Other => return Err(ValueFileError::new(raw, ValueFileProblem::NotRegular)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_explicit_entries_refs_and_escapes() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("repo");
        let vals = d.path().join("vals");
        for f in [
            "repo/web/a.yaml",
            "repo/web/b.yaml",
            "repo/web/c.yaml",
            "repo/common.yaml",
            "vals/web/prod.yaml",
        ] {
            let p = d.path().join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x: 1\n").unwrap();
        }
        let app = root.join("web");
        let mut refs = BTreeMap::new();
        refs.insert("values".to_string(), RefTarget::Local(vals.clone()));
        let raw = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            value_files(
                &raw(&["/common.yaml", "*.yaml", "a.yaml", "$values/web/prod.yaml"]),
                &app,
                &root,
                &refs,
                false
            )
            .unwrap(),
            vec![
                root.join("common.yaml"),
                app.join("b.yaml"),
                app.join("c.yaml"),
                app.join("a.yaml"),
                vals.join("web/prod.yaml")
            ]
        );
        assert!(
            value_files(&raw(&["../../x.yaml"]), &app, &root, &refs, false)
                .unwrap_err()
                .to_string()
                .contains("outside its repository")
        );
        assert!(
            value_files(&raw(&["$nope/x.yaml"]), &app, &root, &refs, false)
                .unwrap_err()
                .to_string()
                .contains("unknown `$nope`")
        );
        assert!(
            value_files(&raw(&["missing.yaml"]), &app, &root, &refs, false)
                .unwrap_err()
                .to_string()
                .contains("does not exist")
        );
        assert_eq!(
            value_files(&raw(&["missing.yaml", "z*.yaml"]), &app, &root, &refs, true).unwrap(),
            Vec::<PathBuf>::new()
        );
    }

    #[test]
    fn a_glob_through_a_link_out_names_no_file_of_the_runner() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret-name.yaml"), "a: 1\n").unwrap();
        let root = d.path().to_path_buf();
        std::fs::create_dir_all(root.join("web")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("web/out")).unwrap();
        let raw = vec!["out/*".to_string()];
        let err = value_files(&raw, &root.join("web"), &root, &BTreeMap::new(), false)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "value file glob `out/*` matches a file through a symbolic link leaving its repository; Argo CD refuses it"
        );
    }

    #[test]
    fn a_directory_or_pipe_is_not_a_value_file_even_when_missing_ones_are_ignored() {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().to_path_buf();
        std::fs::create_dir_all(root.join("web/dir.yaml")).unwrap();
        let refs = BTreeMap::new();
        let raw = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let err = value_files(&raw(&["dir.yaml"]), &root.join("web"), &root, &refs, true)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "value file `dir.yaml` is not a regular file (a directory, pipe or device); Helm fails this render, `ignoreMissingValueFiles` or not"
        );
        #[cfg(target_os = "linux")]
        {
            // Never opened: a pipe would block the run.
            let fifo = root.join("web/fifo.yaml");
            let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            let err = value_files(&raw(&["fifo.yaml"]), &root.join("web"), &root, &refs, false)
                .unwrap_err()
                .to_string();
            assert!(
                err.starts_with("value file `fifo.yaml` is not a regular file"),
                "{err}"
            );
        }
    }
}
