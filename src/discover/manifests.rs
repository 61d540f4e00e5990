//! Manifest inputs for `chartgate check`: files, directories (recursive, include/exclude globs)
//! and `-` (stdin).

use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

/// Default include globs for directories.
pub const DEFAULT_INCLUDE: &[&str] = &["*.yaml", "*.yml", "*.json"];

/// One manifest input and its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestInput {
    /// The path as printed in findings: relative to the current directory when below it,
    /// `<stdin>` for standard input.
    pub display: String,
    /// The file's path (None for stdin).
    pub path: Option<PathBuf>,
    /// The file's text.
    pub text: String,
}

/// An input problem: unreadable file, bad glob (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct DiscoverError {
    /// The path (or glob) concerned.
    pub path: String,
    /// What went wrong.
    pub message: String,
}

fn globset(globs: &[String]) -> Result<GlobSet, DiscoverError> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = Glob::new(g).map_err(|e| DiscoverError {
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

pub use crate::confine::display_path;

/// Collects manifest inputs from `paths` (`-` is stdin, read from `stdin`). Directories are walked
/// recursively in sorted order; a file inside matches when its name or its path relative to the
/// directory matches an `include` glob (default [`DEFAULT_INCLUDE`]) and no `exclude` glob. Files
/// named explicitly are always read. Each input is at most `max_bytes` (`limits.file-bytes`),
/// checked before reading, and only regular files are read.
pub fn collect(
    paths: &[PathBuf],
    include: &[String],
    exclude: &[String],
    cwd: &Path,
    max_bytes: usize,
    stdin: &mut dyn Read,
) -> Result<Vec<ManifestInput>, DiscoverError> {
    let include: Vec<String> = if include.is_empty() {
        DEFAULT_INCLUDE.iter().map(|s| s.to_string()).collect()
    } else {
        include.to_vec()
    };
    let inc = globset(&include)?;
    let exc = globset(exclude)?;
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            let mut text = String::new();
            stdin
                .take(max_bytes as u64 + 1)
                .read_to_string(&mut text)
                .map_err(|e| DiscoverError {
                    path: "<stdin>".into(),
                    message: e.to_string(),
                })?;
            if text.len() > max_bytes {
                return Err(DiscoverError {
                    path: "<stdin>".into(),
                    message: format!(
                        "input is over the limit of {max_bytes} bytes (limits.file-bytes)"
                    ),
                });
            }
            out.push(ManifestInput {
                display: "<stdin>".into(),
                path: None,
                text,
            });
            continue;
        }
        let abs = if p.is_absolute() {
            p.clone()
        } else {
            cwd.join(p)
        };
        let meta = std::fs::metadata(&abs).map_err(|e| DiscoverError {
            path: display_path(p, cwd),
            message: e.to_string(),
        })?;
        if meta.is_dir() {
            let walker = walkdir::WalkDir::new(&abs)
                .follow_links(false)
                .sort_by_file_name();
            for entry in walker {
                let entry = entry.map_err(|e| DiscoverError {
                    path: display_path(p, cwd),
                    message: e.to_string(),
                })?;
                if !entry.file_type().is_file() {
                    continue;
                }
                let rel = entry.path().strip_prefix(&abs).unwrap_or(entry.path());
                let name = entry.file_name();
                let matches = |set: &GlobSet| set.is_match(rel) || set.is_match(name);
                if !matches(&inc) || matches(&exc) {
                    continue;
                }
                out.push(read(entry.path(), cwd, max_bytes)?);
            }
        } else {
            out.push(read(&abs, cwd, max_bytes)?);
        }
    }
    Ok(out)
}

fn read(path: &Path, cwd: &Path, max_bytes: usize) -> Result<ManifestInput, DiscoverError> {
    let display = display_path(path, cwd);
    let bytes = crate::confine::read_bounded(path, max_bytes).map_err(|message| DiscoverError {
        path: display.clone(),
        message,
    })?;
    let text = crate::yaml::decode_utf8(bytes).map_err(|e| DiscoverError {
        path: format!("{display}:{}:{}", e.pos.line, e.pos.col),
        message: e.message,
    })?;
    Ok(ManifestInput {
        display,
        path: Some(path.to_path_buf()),
        text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn walks_with_globs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("m/sub")).unwrap();
        for f in [
            "m/a.yaml",
            "m/b.yml",
            "m/c.txt",
            "m/sub/d.json",
            "m/sub/skip.yaml",
        ] {
            std::fs::write(root.join(f), f).unwrap();
        }
        let got = collect(
            &[PathBuf::from("m")],
            &[],
            &["sub/skip.yaml".into()],
            root,
            1 << 20,
            &mut std::io::empty(),
        )
        .unwrap();
        let names: Vec<&str> = got.iter().map(|i| i.display.as_str()).collect();
        assert_eq!(names, ["m/a.yaml", "m/b.yml", "m/sub/d.json"]);
        let got = collect(
            &[PathBuf::from("-")],
            &[],
            &[],
            root,
            1 << 20,
            &mut "kind: X".as_bytes(),
        )
        .unwrap();
        assert_eq!(got[0].display, "<stdin>");
        assert_eq!(got[0].text, "kind: X");
        let err = collect(
            &[PathBuf::from("missing.yaml")],
            &[],
            &[],
            root,
            1 << 20,
            &mut std::io::empty(),
        )
        .unwrap_err();
        assert!(err.to_string().starts_with("missing.yaml: "), "{err}");
        // Over the size limit: refused before reading, from a file and from stdin.
        let err = collect(
            &[PathBuf::from("m/a.yaml")],
            &[],
            &[],
            root,
            4,
            &mut std::io::empty(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "m/a.yaml: file is 8 bytes, over the limit of 4 bytes (limits.file-bytes)"
        );
        let err = collect(
            &[PathBuf::from("-")],
            &[],
            &[],
            root,
            4,
            &mut "kind: X".as_bytes(),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "<stdin>: input is over the limit of 4 bytes (limits.file-bytes)"
        );
    }
}
