//! Writing report files (`--output`, `--baseline-out`, `--history`) into a checkout the pull
//! request controls: a committed symbolic link at the report's path (`chartgate.sarif ->
//! /home/runner/.bashrc`) or at a directory on the way (`reports -> /etc`) would make the report
//! overwrite a file outside the checkout. Below the current directory no component of the path
//! may be a symbolic link, and an existing file must be a regular file; the file is then opened
//! without following a link (`O_NOFOLLOW`), so a link created in between is refused too. Above
//! the current directory (an absolute `--output /tmp/x.sarif` the workflow chose) the path is
//! the trusted side's and is taken as given.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path};

/// Refuses `path` when a component of it below the current directory is a symbolic link, or
/// (`file`) when it exists and is not a regular file.
fn check_components(path: &Path, file: bool) -> Result<(), String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let full = super::normalise(&cwd.join(path));
    let Ok(below) = full.strip_prefix(&cwd) else {
        return Ok(());
    };
    let mut at = cwd.clone();
    let mut shown = std::path::PathBuf::new();
    let parts: Vec<Component> = below.components().collect();
    for (i, c) in parts.iter().enumerate() {
        at.push(c);
        shown.push(c);
        let Ok(meta) = std::fs::symlink_metadata(&at) else {
            return Ok(());
        };
        if meta.file_type().is_symlink() {
            return Err(format!(
                "refusing to write {}: {} is a symbolic link",
                super::show_path(path),
                super::show_path(&shown)
            ));
        }
        if file && i + 1 == parts.len() && !meta.is_file() {
            return Err(format!(
                "refusing to write {}: it exists and is not a regular file",
                super::show_path(path)
            ));
        }
    }
    Ok(())
}

/// Refuses `path` as [`write_output`] does, after creating its parent directories.
fn check(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        check_components(dir, false)?;
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", super::show_path(dir)))?;
    }
    check_components(path, true)
}

fn open(path: &Path, append: bool) -> Result<std::fs::File, String> {
    check(path)?;
    let mut o = std::fs::OpenOptions::new();
    o.create(true).custom_flags(libc::O_NOFOLLOW);
    if append {
        o.append(true);
    } else {
        o.write(true).truncate(true);
    }
    o.open(path)
        .map_err(|e| format!("cannot write {}: {e}", super::show_path(path)))
}

/// Writes `bytes` to `path` (created, or replaced when it is a regular file); parent
/// directories are created. Errors name the path, escaped.
pub fn write_output(path: &Path, bytes: &[u8]) -> Result<(), String> {
    open(path, false)?
        .write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", super::show_path(path)))
}

/// Appends `line` and a line feed to `path` (created if missing).
pub fn append_line(path: &Path, line: &str) -> Result<(), String> {
    open(path, true)?
        .write_all(format!("{line}\n").as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", super::show_path(path)))
}

/// Checks `path` as [`write_output`] does and creates its directories, for a report written
/// later by code that may not allocate (the watchdog, which opens it with `O_NOFOLLOW`): the
/// absolute path, NUL-terminated.
pub fn prepare(path: &Path) -> Result<std::ffi::CString, String> {
    use std::os::unix::ffi::OsStrExt;
    check(path)?;
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    std::ffi::CString::new(cwd.join(path).as_os_str().as_bytes()).map_err(|_| {
        format!(
            "cannot write {}: a NUL byte in the path",
            super::show_path(path)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_links_below_the_current_directory_and_writes_regular_files() {
        // Relative to the current directory (the crate root under `cargo test`).
        let dir = tempfile::Builder::new()
            .prefix("output-test")
            .tempdir_in(".")
            .unwrap();
        let rel = dir
            .path()
            .strip_prefix(std::env::current_dir().unwrap())
            .unwrap_or(dir.path());
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("r.sarif")).unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).unwrap();

        let e = write_output(&rel.join("r.sarif"), b"x").unwrap_err();
        assert!(e.contains("r.sarif is a symbolic link"), "{e}");
        let e = write_output(&rel.join("out/new.sarif"), b"x").unwrap_err();
        assert!(e.contains("out is a symbolic link"), "{e}");
        let e = append_line(&rel.join("r.sarif"), "x").unwrap_err();
        assert!(e.contains("is a symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(!outside.path().join("new.sarif").exists());

        let e = write_output(rel, b"x").unwrap_err();
        assert!(e.contains("is not a regular file"), "{e}");

        write_output(&rel.join("sub/ok.json"), b"one").unwrap();
        write_output(&rel.join("sub/ok.json"), b"two").unwrap();
        append_line(&rel.join("sub/ok.json"), "three").unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("sub/ok.json")).unwrap(),
            "twothree\n"
        );
    }
}
