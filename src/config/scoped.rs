//! Globs that are relative to the config file declaring them (`manifests:`, `exclude:`).

use std::path::{Path, PathBuf};

/// A glob and the directory of the file that declared it: it matches paths below that
/// directory by their path relative to it (`/` separators, `*` does not cross `/`, `**` does).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScopedGlob {
    /// The declaring file's directory.
    pub base: PathBuf,
    /// The glob as written.
    pub glob: String,
}

impl ScopedGlob {
    /// Whether `path` (absolute, normalised) matches: the path itself or one of its parent
    /// directories below `base` (so `vendor/` or `vendor/**` excludes everything under vendor).
    pub fn matches(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.base) else {
            return false;
        };
        let pattern = self.glob.trim_end_matches('/');
        let Ok(glob) = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        else {
            return false;
        };
        let Ok(m) = crate::model::glob::compile(glob) else {
            return false;
        };
        rel.ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| m.is_match(a))
    }
}

/// Whether any of `globs` matches `path`.
pub fn any_match(globs: &[ScopedGlob], path: &Path) -> bool {
    globs.iter().any(|g| g.matches(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_to_the_declaring_directory() {
        let g = |s: &str| ScopedGlob {
            base: PathBuf::from("/repo/team"),
            glob: s.into(),
        };
        assert!(g("deploy/*.yaml").matches(Path::new("/repo/team/deploy/a.yaml")));
        assert!(!g("deploy/*.yaml").matches(Path::new("/repo/team/deploy/x/a.yaml")));
        assert!(g("deploy/**/*.yaml").matches(Path::new("/repo/team/deploy/x/a.yaml")));
        assert!(g("vendor").matches(Path::new("/repo/team/vendor/a/b.yaml")));
        assert!(g("vendor/").matches(Path::new("/repo/team/vendor/b.yaml")));
        assert!(!g("deploy/*.yaml").matches(Path::new("/repo/deploy/a.yaml")));
    }
}
