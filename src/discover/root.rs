//! The repository a path belongs to: the boundary symbolic links may not leave.

use std::path::{Path, PathBuf};

/// The repository root of `path`: the nearest directory at or above it that holds `.git` (a
/// directory, or the file of a git worktree), else `checked_root` (the path the run was given).
/// Both are made absolute against the current directory; the result is canonical when it
/// exists (symbolic links resolved), so link targets can be compared with it.
pub fn repo_root(path: &Path, checked_root: &Path) -> PathBuf {
    let abs = |p: &Path| -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map(|c| c.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        }
    };
    let start = abs(path);
    let found = start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf);
    let root = found.unwrap_or_else(|| {
        let c = abs(checked_root);
        // A file given as the checked root: its directory bounds it.
        if c.is_file() {
            c.parent().map(Path::to_path_buf).unwrap_or(c)
        } else {
            c
        }
    });
    std::fs::canonicalize(&root).unwrap_or(root)
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
    match std::fs::canonicalize(link) {
        Ok(t) if t.starts_with(root) => LinkTarget::Inside(t),
        Ok(t) => LinkTarget::Outside(t),
        Err(e) => LinkTarget::Broken(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_git_else_checked_root() {
        let d = tempfile::tempdir().unwrap();
        let r = std::fs::canonicalize(d.path()).unwrap();
        std::fs::create_dir_all(r.join("repo/.git")).unwrap();
        std::fs::create_dir_all(r.join("repo/a/b")).unwrap();
        std::fs::create_dir_all(r.join("plain/x")).unwrap();
        assert_eq!(
            repo_root(&r.join("repo/a/b"), &r.join("repo/a")),
            r.join("repo")
        );
        assert_eq!(
            repo_root(&r.join("plain/x"), &r.join("plain")),
            r.join("plain")
        );
        // A worktree's `.git` is a file.
        std::fs::create_dir_all(r.join("wt/s")).unwrap();
        std::fs::write(r.join("wt/.git"), "gitdir: ../repo/.git\n").unwrap();
        assert_eq!(repo_root(&r.join("wt/s"), &r.join("wt/s")), r.join("wt"));
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
