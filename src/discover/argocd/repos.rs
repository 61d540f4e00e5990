//! Repository URLs → local checkouts (`--repo URL=PATH`, `repos:` in chartgate.yaml).
//!
//! Argo CD compares repository URLs after `git.NormalizeGitURL` (argoproj/argo-cd
//! `util/git/git.go`): the URL is trimmed and lower-cased, an scp-like SSH URL
//! (`git@host:org/repo`) has its first `:` turned into `/`, a `.git` suffix is dropped and an
//! `ssh://` prefix removed. chartgate applies the same steps and, because a local mapping names a
//! repository's *content* and not the credentials used to fetch it, also drops the scheme and the
//! user (`https://`, `ssh://git@`) and a trailing `/`, so the HTTPS and SSH forms of one
//! repository map to the same checkout. Helm repositories and OCI registries (`oci://` or Argo
//! CD's scheme-less form `registry/path`) are matched the same way.

use std::path::{Path, PathBuf};

/// The comparison key of a repository URL.
pub fn normalize(url: &str) -> String {
    let mut s = url.trim().to_lowercase();
    // scp-like SSH (`user@host:path`, no scheme): the first `:` separates host and path.
    if !s.contains("://")
        && let Some(at) = s.find('@')
        && let Some(colon) = s[at..].find(':')
    {
        let i = at + colon;
        s.replace_range(i..=i, "/");
    }
    let mut rest = match s.find("://") {
        Some(i) => s[i + 3..].to_string(),
        None => s,
    };
    // Drop the user (`git@`, `token@`) before the host.
    if let Some(at) = rest.find('@')
        && !rest[..at].contains('/')
    {
        rest = rest[at + 1..].to_string();
    }
    while rest.ends_with('/') {
        rest.pop();
    }
    if let Some(r) = rest.strip_suffix(".git") {
        rest = r.to_string();
    }
    while rest.ends_with('/') {
        rest.pop();
    }
    rest
}

/// The mapping of repository URLs to local directories, in the order given (the CLI's
/// `--repo` entries first, then the config's `repos:`).
#[derive(Clone, Debug, Default)]
pub struct RepoMap {
    entries: Vec<(String, String, PathBuf)>,
}

impl RepoMap {
    /// Adds `url` → `dir` (an earlier entry for the same repository wins).
    pub fn add(&mut self, url: &str, dir: PathBuf) {
        let key = normalize(url);
        if !self.entries.iter().any(|(k, _, _)| *k == key) {
            self.entries.push((key, url.to_string(), dir));
        }
    }

    /// Parses `URL=PATH` (a `--repo` argument; PATH relative to `cwd`).
    pub fn add_arg(&mut self, arg: &str, cwd: &Path) -> Result<(), String> {
        // The URL may hold `=` in a query; the path is after the last `=`.
        let Some((url, path)) = arg.rsplit_once('=') else {
            return Err(format!("invalid --repo '{arg}': expected URL=PATH"));
        };
        if url.trim().is_empty() || path.trim().is_empty() {
            return Err(format!("invalid --repo '{arg}': expected URL=PATH"));
        }
        let dir = crate::confine::normalise(&cwd.join(path));
        if !dir.is_dir() {
            return Err(format!(
                "--repo {url}={path}: {} is not a directory",
                dir.display()
            ));
        }
        self.add(url, dir);
        Ok(())
    }

    /// The local directory of `url`, if mapped.
    pub fn local(&self, url: &str) -> Option<&Path> {
        let key = normalize(url);
        self.entries
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, _, d)| d.as_path())
    }

    /// Every mapped directory with the URL as written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Path)> {
        self.entries
            .iter()
            .map(|(_, u, d)| (u.as_str(), d.as_path()))
    }

    /// The repository URL of a directory: the mapping whose directory holds `path` (deepest).
    pub fn url_of(&self, path: &Path) -> Option<(&str, &Path)> {
        self.entries
            .iter()
            .filter(|(_, _, d)| path.starts_with(d))
            .max_by_key(|(_, _, d)| d.components().count())
            .map(|(_, u, d)| (u.as_str(), d.as_path()))
    }

    /// Whether nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn forms_of_one_repository_match() {
        let k = "github.com/org/team";
        for u in [
            "https://github.com/org/team",
            "https://github.com/org/team.git",
            "https://github.com/org/team/",
            "https://GitHub.com/Org/Team.git",
            "git@github.com:org/team.git",
            "ssh://git@github.com/org/team.git",
            " https://token@github.com/org/team ",
        ] {
            assert_eq!(normalize(u), k, "{u}");
        }
        assert_eq!(
            normalize("oci://registry.example.com/charts"),
            "registry.example.com/charts"
        );
        assert_eq!(
            normalize("registry.example.com/charts"),
            "registry.example.com/charts"
        );
        assert_ne!(normalize("https://github.com/org/team2"), k);
    }
}
