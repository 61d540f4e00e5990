//! The repository root: the nearest directory holding `.git` (a directory, or the file of a
//! worktree), else the root of the check (the directory given on the command line).
//!
//! Paths a repository config names are confined to it (see `config::confine`).

use std::path::{Path, PathBuf};
use std::sync::RwLock;

static CHECKED_ROOT: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Records the root of the check (the first path of the command line, or the current
/// directory): the repository root of files that have no `.git` above them.
pub fn set_checked_root(path: &Path) {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = if abs.is_dir() {
        abs
    } else {
        abs.parent().map(Path::to_path_buf).unwrap_or(abs)
    };
    let dir = crate::confine::normalise(&dir);
    if let Ok(mut g) = CHECKED_ROOT.write() {
        *g = Some(dir);
    }
}

/// The root of the check, if set.
pub fn checked_root() -> Option<PathBuf> {
    CHECKED_ROOT.read().ok().and_then(|g| g.clone())
}

/// The repository root of `path` (a file or a directory): the nearest ancestor holding `.git`;
/// else the checked root when `path` is inside it; else `path`'s own directory (`/` when no
/// checked root was set: library use).
pub fn repo_root(path: &Path) -> PathBuf {
    let abs = crate::confine::normalise(
        &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    );
    let start = if abs.is_dir() {
        abs.clone()
    } else {
        abs.parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| abs.clone())
    };
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        if d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    match checked_root() {
        Some(c) if start.starts_with(&c) => c,
        Some(_) => start,
        // Library use without a checked root (the CLI always sets one): nothing to confine to.
        None => PathBuf::from("/"),
    }
}

/// Whether `path` (absolute, lexically normalised, below `root`) resolves outside `root` through
/// a symbolic link. Only the components below `root` are examined (one `lstat` each); the
/// canonical paths are computed only when one of them is a link, so the common case costs no
/// `readlink`.
pub fn leaves_through_link(path: &Path, root: &Path) -> bool {
    if no_link_below(path, root) {
        return false;
    }
    matches!(link_target(path, root), LinkTarget::Outside(_))
}

/// Whether no component of `path` (absolute, lexically normalised) below `root` is a symbolic
/// link: one `lstat` per component, directories already seen plain are remembered per thread (a
/// run reads the same chart folders for every environment). A missing component ends the walk
/// (nothing below it can be a link). False for a path not below `root`.
pub fn no_link_below(path: &Path, root: &Path) -> bool {
    plain_kind(path, root).is_some()
}

/// [`no_link_below`] with what the walk saw of `path` itself: `None` when a component below
/// `root` is a link (or `path` is not below `root`), `Some(None)` when `path` does not exist,
/// else `Some(kind)` of `path` (not a link). Saves the caller a second `stat` of a file it is
/// about to check exists.
pub fn plain_kind(path: &Path, root: &Path) -> Option<Option<std::fs::FileType>> {
    let Ok(rest) = path.strip_prefix(root) else {
        return None;
    };
    thread_local! {
        // Bounded: cleared past 100,000 entries.
        static PLAIN: std::cell::RefCell<std::collections::HashSet<PathBuf>> =
            Default::default();
    }
    let mut at = root.to_path_buf();
    let last = rest.components().count();
    if last == 0 {
        return Some(std::fs::metadata(root).ok().map(|m| m.file_type()));
    }
    let mut kind = None;
    for (i, c) in rest.components().enumerate() {
        at.push(c);
        let is_dir_prefix = i + 1 < last;
        if is_dir_prefix && PLAIN.with(|p| p.borrow().contains(&at)) {
            continue;
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return None,
            Ok(m) => {
                kind = Some(m.file_type());
                if is_dir_prefix {
                    PLAIN.with(|p| {
                        let mut p = p.borrow_mut();
                        if p.len() > 100_000 {
                            p.clear();
                        }
                        p.insert(at.clone());
                    });
                }
            }
            Err(_) => return Some(None),
        }
    }
    Some(kind)
}

/// Where a symbolic link leads, relative to the repository `root` (canonical).
#[derive(Debug, PartialEq, Eq)]
pub enum LinkTarget {
    /// The canonical target, inside the repository.
    Inside(PathBuf),
    /// The canonical target, outside the repository.
    Outside(PathBuf),
    /// The link (or a link in its chain) points at nothing.
    Broken(String),
}

/// Resolves the link at `link` (every link of the chain) and says whether it stays in `root`.
pub fn link_target(link: &Path, root: &Path) -> LinkTarget {
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    match std::fs::canonicalize(link) {
        Ok(t) if t.starts_with(&root) => LinkTarget::Inside(t),
        Ok(t) => LinkTarget::Outside(t),
        Err(e) => LinkTarget::Broken(e.to_string()),
    }
}

/// `to` seen from the directory `from`, component by component: the shared leading components
/// dropped, one `..` per remaining component of `from` (empty when they are equal). Both paths
/// must be normalised alike (both absolute, or both relative to the same directory).
pub fn relative_path(to: &Path, from: &Path) -> PathBuf {
    let t: Vec<_> = to.components().collect();
    let f: Vec<_> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..f.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_git_wins() {
        let t = tempfile::tempdir().unwrap();
        let repo = t.path().join("r");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("a/b")).unwrap();
        assert_eq!(repo_root(&repo.join("a/b")), repo);
        assert_eq!(repo_root(&repo.join("a/b/chartgate.yaml")), repo);
    }

    #[cfg(unix)]
    #[test]
    fn leaving_through_a_link_below_the_root() {
        let d = tempfile::tempdir().unwrap();
        let r = std::fs::canonicalize(d.path()).unwrap();
        std::fs::create_dir_all(r.join("repo/a")).unwrap();
        std::fs::create_dir_all(r.join("elsewhere")).unwrap();
        std::fs::write(r.join("repo/a/v.yaml"), "x: 1\n").unwrap();
        std::fs::write(r.join("elsewhere/v.yaml"), "x: 1\n").unwrap();
        std::os::unix::fs::symlink("../elsewhere", r.join("repo/out")).unwrap();
        std::os::unix::fs::symlink("a", r.join("repo/in")).unwrap();
        let root = r.join("repo");
        assert!(!leaves_through_link(&root.join("a/v.yaml"), &root));
        assert!(!leaves_through_link(&root.join("in/v.yaml"), &root));
        assert!(leaves_through_link(&root.join("out/v.yaml"), &root));
        assert!(!leaves_through_link(&root.join("missing/v.yaml"), &root));
        // What the walk saw of the path itself.
        let kind = |p: &str| plain_kind(&root.join(p), &root).map(|k| k.map(|k| k.is_file()));
        assert_eq!(kind("a/v.yaml"), Some(Some(true)));
        assert_eq!(kind("a"), Some(Some(false)));
        assert_eq!(kind("a/missing.yaml"), Some(None));
        assert_eq!(kind("missing/v.yaml"), Some(None));
        assert_eq!(kind("in/v.yaml"), None);
        assert_eq!(kind("out"), None);
        assert_eq!(plain_kind(&r.join("elsewhere/v.yaml"), &root), None);
        assert_eq!(kind("").map(|k| k.is_some()), Some(true));
    }

    #[cfg(unix)]
    #[test]
    fn links_inside_outside_and_broken() {
        let d = tempfile::tempdir().unwrap();
        let r = std::fs::canonicalize(d.path()).unwrap();
        std::fs::create_dir_all(r.join("repo/lib")).unwrap();
        std::fs::create_dir_all(r.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink("lib", r.join("repo/in")).unwrap();
        std::os::unix::fs::symlink("../elsewhere", r.join("repo/out")).unwrap();
        std::os::unix::fs::symlink("nothing", r.join("repo/broken")).unwrap();
        let root = r.join("repo");
        assert_eq!(
            link_target(&root.join("in"), &root),
            LinkTarget::Inside(root.join("lib"))
        );
        assert_eq!(
            link_target(&root.join("out"), &root),
            LinkTarget::Outside(r.join("elsewhere"))
        );
        assert!(matches!(
            link_target(&root.join("broken"), &root),
            LinkTarget::Broken(_)
        ));
    }
}
