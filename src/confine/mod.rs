//! The repository boundary: [`root`] finds the repository root (nearest `.git`, else the checked
//! root) and whether a symbolic link leaves it; [`normalise`] is lexical path normalisation.
//!
//! Confinement of repository configs: every path a `chartgate.yaml` (or `--config`) names
//! resolves inside the repository root (see [`crate::confine::root::repo_root`]): no absolute
//! paths, no `..` leading out, no symbolic link pointing out, and files are regular files
//! (never a device, FIFO or socket). Violations are config errors that name the path as
//! written (escaped, shortened) and never the target's content.
//!
//! Files are read with [`read_bounded`]: the size is checked on the open file's metadata before
//! reading, and the read itself stops past the limit (a file growing meanwhile cannot exceed it).

pub mod output;
pub mod root;

use std::io::Read;
use std::path::{Path, PathBuf};

/// What a named path must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A regular file or a directory (policies, charts).
    FileOrDir,
}

/// At most `max` characters of `s`, control characters and non-ASCII escaped (`\x1b`, `\r`,
/// `\u{202e}`), `…` appended when shortened: how input text is quoted in messages.
pub fn excerpt(s: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in s.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        push_escaped(&mut out, c);
    }
    out
}

/// `c`, escaped when it is a control or invisible formatting character.
pub fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if ('\u{80}'..='\u{9f}').contains(&c)
            || ('\u{200b}'..='\u{200f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c) =>
        {
            out.push_str(&format!("\\u{{{:x}}}", c as u32))
        }
        c => out.push(c),
    }
}

/// A path (file name) for messages: escaped like [`excerpt`], at most 200 characters.
pub fn show_path(p: &Path) -> String {
    excerpt(&p.to_string_lossy(), 200)
}

/// Resolves `value`, written in a repository config in directory `dir`, inside `root`.
/// Nonexistent paths pass (their absence is reported where they are used); existing ones must be
/// of `kind` and must not resolve (through symbolic links) outside `root`.
pub fn resolve(root: &Path, dir: &Path, value: &str, kind: Kind) -> Result<PathBuf, String> {
    let shown = excerpt(value, 80);
    let p = Path::new(value);
    if p.is_absolute() {
        return Err(format!(
            "`{shown}` is an absolute path: paths in a repository config must stay inside the repository"
        ));
    }
    let joined = crate::confine::normalise(&dir.join(p));
    let root_n = crate::confine::normalise(root);
    if !joined.starts_with(&root_n) {
        return Err(format!(
            "`{shown}` leads outside the repository (paths in a repository config must stay inside it)"
        ));
    }
    check_existing(&root_n, &joined, kind).map_err(|why| format!("`{shown}` {why}"))?;
    Ok(joined)
}

/// For a path inside `root` lexically: when it exists, it resolves inside `root` and is of `kind`.
/// `Err` is the reason, to follow the path in a message.
pub fn check_existing(root: &Path, path: &Path, kind: Kind) -> Result<(), String> {
    let Ok(lmeta) = std::fs::symlink_metadata(path) else {
        // Missing, or a component is not a directory: reported where it is used. A dangling
        // link inside is reported the same way.
        return Ok(());
    };
    let kind_of = |meta: &std::fs::Metadata| match kind {
        _ if meta.is_file() => Ok(()),
        Kind::FileOrDir if meta.is_dir() => Ok(()),
        Kind::File if meta.is_dir() => Err("is a directory, not a file".to_string()),
        _ => Err("is not a regular file (a device, FIFO or socket is never read)".into()),
    };
    // The common case without `realpath`: a path below `root` with no `..` and no
    // link among its components below `root` resolves inside `root`, whatever `root` itself is.
    let plain = |p: &Path| {
        !p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    };
    if !lmeta.file_type().is_symlink()
        && plain(path)
        && plain(root)
        && let (Ok(abs), Ok(abs_root)) = (std::path::absolute(path), std::path::absolute(root))
        && root::no_link_below(&abs, &abs_root)
    {
        return kind_of(&lmeta);
    }
    let real = match std::fs::canonicalize(path) {
        Ok(r) => r,
        Err(_) if lmeta.file_type().is_symlink() => {
            return Err("is a symbolic link that does not resolve".into());
        }
        Err(e) => return Err(format!("cannot be resolved: {e}")),
    };
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if !real.starts_with(&real_root) {
        return Err(
            "resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)"
                .into(),
        );
    }
    let meta = std::fs::metadata(&real).map_err(|e| format!("cannot be read: {e}"))?;
    kind_of(&meta)
}

/// Reads a regular file of at most `max` bytes: its size is checked before reading, and the
/// read stops past `max` whatever the file does meanwhile. Never opens a device or FIFO
/// (checked on the path's metadata first, so opening cannot block).
pub fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.is_dir() {
        return Err("is a directory, not a file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a device, FIFO or socket is never read)".into());
    }
    let f = std::fs::File::open(path).map_err(|e| e.to_string())?;
    read_open(f, meta.len(), max)
}

/// An open regular file of `len` bytes (as its metadata says): refused over `max` before
/// reading, and read at most `max` + 1 bytes whatever the file does meanwhile.
fn read_open(f: std::fs::File, len: u64, max: usize) -> Result<Vec<u8>, String> {
    let too_big = |len: u64| {
        format!("file is {len} bytes, over the limit of {max} bytes (limits.file-bytes)")
    };
    if len > max as u64 {
        return Err(too_big(len));
    }
    let mut buf = Vec::with_capacity(len as usize + 1);
    f.take(max as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| e.to_string())?;
    if buf.len() > max {
        return Err(too_big(buf.len() as u64));
    }
    Ok(buf)
}

/// File bytes as text: invalid UTF-8 is an error naming the byte offset, never the content.
fn utf8(bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "invalid UTF-8 at byte {} (the file is not shown)",
            e.utf8_error().valid_up_to()
        )
    })
}

/// [`read_bounded`] as UTF-8 text (invalid UTF-8 is an error naming the byte offset).
pub fn read_bounded_text(path: &Path, max: usize) -> Result<String, String> {
    utf8(read_bounded(path, max)?)
}

/// A file of the repository read again after discovery (a chart's `Chart.yaml`, a values
/// file a rule re-reads): it must resolve inside its repository (the nearest `.git`, else the
/// checked root) and be a regular file of at most `max` bytes. A link out of the repository, a
/// device or a FIFO is refused, never opened.
pub fn read_repo_text(path: &Path, max: usize) -> Result<String, String> {
    let abs = normalise(&std::path::absolute(path).map_err(|e| e.to_string())?);
    // The root of a directory is looked up once per thread (rules re-read the same values
    // files for every render; bounded: cleared past 10,000 directories).
    thread_local! {
        static ROOTS: std::cell::RefCell<std::collections::HashMap<(Option<PathBuf>, PathBuf), PathBuf>> =
            Default::default();
    }
    let dir = abs.parent().unwrap_or(&abs).to_path_buf();
    let key = (root::checked_root(), dir);
    let root = ROOTS.with(|r| {
        let mut r = r.borrow_mut();
        if let Some(root) = r.get(&key) {
            return root.clone();
        }
        if r.len() >= 10_000 {
            r.clear();
        }
        let root = root::repo_root(&key.1);
        r.insert(key.clone(), root.clone());
        root
    });
    if !abs.starts_with(&root) {
        return Err("is outside the repository".into());
    }
    // The common case, one `lstat`: a regular file with no link from the root down to it
    // (directories remembered per thread), read at most `max` + 1 bytes.
    if let Some(Some(kind)) = root::plain_kind(&abs, &root)
        && kind.is_file()
    {
        let f = std::fs::File::open(&abs).map_err(|e| e.to_string())?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        return utf8(read_open(f, len, max)?);
    }
    check_existing(&root, &abs, Kind::File)?;
    read_bounded_text(&abs, max)
}

/// `a/./b/../c` → `a/c` without touching the file system.
pub fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Prints `path` relative to `cwd` when it is below it, with `/` separators.
pub fn display_path(path: &Path, cwd: &Path) -> String {
    let rel = match path.strip_prefix(cwd) {
        Ok(rel) => rel.to_path_buf(),
        // Beside the current directory (a mapped checkout next to the repository): `../x`;
        // elsewhere (only `/` in common): absolute.
        Err(_) => sibling(path, cwd).unwrap_or_else(|| path.to_path_buf()),
    };
    let rel = rel.strip_prefix(".").unwrap_or(&rel);
    rel.to_string_lossy().replace('\\', "/")
}

/// `path` relative to `cwd` through `..` when both are absolute and share more than the root.
fn sibling(path: &Path, cwd: &Path) -> Option<PathBuf> {
    use std::path::Component;
    if !path.is_absolute() || !cwd.is_absolute() {
        return None;
    }
    let p: Vec<Component> = path.components().collect();
    let c: Vec<Component> = cwd.components().collect();
    if p.iter()
        .chain(&c)
        .any(|x| matches!(x, Component::ParentDir | Component::CurDir))
    {
        return None;
    }
    let common = p.iter().zip(&c).take_while(|(a, b)| a == b).count();
    // The root alone (and `/tmp` vs `/work`) is no shared tree.
    if common < 2 {
        return None;
    }
    Some(root::relative_path(path, cwd))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_shortens() {
        assert_eq!(excerpt("a\x1b[2Jb\r\n", 80), "a\\x1b[2Jb\\r\\n");
        assert_eq!(excerpt("abcdef", 3), "abc…");
        assert_eq!(excerpt("x\u{202e}y", 9), "x\\u{202e}y");
    }

    #[test]
    fn confined_paths() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().join("repo");
        std::fs::create_dir_all(root.join("svc")).unwrap();
        std::fs::write(root.join("svc/v.yaml"), "a: 1\n").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("svc/out.yaml")).unwrap();
        let dir = root.join("svc");
        assert_eq!(
            resolve(&root, &dir, "v.yaml", Kind::File),
            Ok(root.join("svc/v.yaml"))
        );
        assert_eq!(
            resolve(&root, &dir, "/etc/passwd", Kind::File),
            Err("`/etc/passwd` is an absolute path: paths in a repository config must stay inside the repository".into())
        );
        assert_eq!(
            resolve(&root, &dir, "../../x", Kind::File),
            Err("`../../x` leads outside the repository (paths in a repository config must stay inside it)".into())
        );
        assert_eq!(
            resolve(&root, &dir, "out.yaml", Kind::File),
            Err("`out.yaml` resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)".into())
        );
        assert_eq!(
            resolve(&root, &dir, ".", Kind::File),
            Err("`.` is a directory, not a file".into())
        );
        assert_eq!(
            read_bounded(Path::new("/dev/zero"), 10),
            Err("is not a regular file (a device, FIFO or socket is never read)".into())
        );
        assert_eq!(
            read_bounded(&root.join("svc/v.yaml"), 2),
            Err("file is 5 bytes, over the limit of 2 bytes (limits.file-bytes)".into())
        );
    }
}
