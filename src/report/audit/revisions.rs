//! The git revision a repository checkout is at, read from its `.git` without running git: the
//! commit `HEAD` names (directly when detached, else through the branch's loose ref or
//! `packed-refs`). A `.git` file (`gitdir: ...`, a worktree or submodule) is followed, and a
//! worktree's branch refs are looked up in its common directory. Only `ROOT/.git` is read —
//! a folder inside a repository has no revision of its own here, so the result does not depend
//! on where the audited tree happens to be checked out.

use std::path::{Path, PathBuf};

/// A full hex object id (SHA-1 or SHA-256).
fn is_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The git directory of the checkout at `root`, if `root/.git` is one (or points to one).
fn git_dir(root: &Path) -> Option<PathBuf> {
    let dot_git = root.join(".git");
    let meta = std::fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    let text = std::fs::read_to_string(&dot_git).ok()?;
    let target = text.trim().strip_prefix("gitdir:")?.trim();
    Some(root.join(target))
}

/// The commit `HEAD` of the checkout at `root` points to (None: not a checkout, an unborn
/// branch, or a layout this reader does not know).
pub fn head(root: &Path) -> Option<String> {
    let dir = git_dir(root)?;
    let head = std::fs::read_to_string(dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(name) = head.strip_prefix("ref:") else {
        return is_object_id(head).then(|| head.to_ascii_lowercase());
    };
    let name = name.trim();
    // Ref names never climb out of the git directory.
    if name
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return None;
    }
    let common = match std::fs::read_to_string(dir.join("commondir")) {
        Ok(c) => dir.join(c.trim()),
        Err(_) => dir.clone(),
    };
    for d in [&dir, &common] {
        if let Ok(id) = std::fs::read_to_string(d.join(name)) {
            let id = id.trim();
            return is_object_id(id).then(|| id.to_ascii_lowercase());
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|l| {
        let (id, r) = l.split_once(' ')?;
        (r.trim() == name && is_object_id(id)).then(|| id.to_ascii_lowercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789abcdef0123456789abcdef01234567";
    const B: &str = "89abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn loose_packed_detached_and_worktree_heads() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        assert_eq!(head(r), None, "not a checkout");
        let git = r.join(".git");
        std::fs::create_dir_all(git.join("refs/heads")).unwrap();
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(head(r), None, "unborn branch");
        std::fs::write(
            git.join("packed-refs"),
            format!("# pack-refs\n{B} refs/heads/main\n"),
        )
        .unwrap();
        assert_eq!(head(r).as_deref(), Some(B));
        std::fs::write(git.join("refs/heads/main"), format!("{A}\n")).unwrap();
        assert_eq!(
            head(r).as_deref(),
            Some(A),
            "a loose ref wins over packed-refs"
        );
        // A worktree: `.git` is a file; its branch lives in the common directory.
        let wt = r.join("wt");
        let wt_git = git.join("worktrees/wt");
        std::fs::create_dir_all(&wt_git).unwrap();
        std::fs::create_dir_all(&wt).unwrap();
        std::fs::write(wt.join(".git"), "gitdir: ../.git/worktrees/wt\n").unwrap();
        std::fs::write(wt_git.join("commondir"), "../..\n").unwrap();
        std::fs::write(wt_git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
        assert_eq!(head(&wt).as_deref(), Some(A));
        std::fs::write(wt_git.join("HEAD"), format!("{}\n", B.to_uppercase())).unwrap();
        assert_eq!(head(&wt).as_deref(), Some(B), "detached");
        std::fs::write(wt_git.join("HEAD"), "ref: ../../../etc/passwd\n").unwrap();
        assert_eq!(head(&wt), None);
    }
}
