//! Which team owns a service: `teams:` in the config (see [`crate::config::teams`]) first, else
//! the repository's CODEOWNERS file with GitHub's rules.
//!
//! GitHub reads the first of `.github/CODEOWNERS`, `CODEOWNERS`, `docs/CODEOWNERS` at the root
//! of the repository (here: the audited path), ignores a file over 3 MB, and gives a file the
//! owners of the **last** line whose pattern matches it (gitignore-style patterns, matched by the
//! `ignore` crate, one matcher per line so that the last match wins even when an earlier line
//! names the file and a later one a folder above it; as GitHub documents, `docs/*` owns the files
//! directly in `docs` only). Lines GitHub rejects — a `!` negation or a
//! `[ ]` range — are skipped, as GitHub skips them; a matching line without owners leaves the
//! file unowned. A chart's team is the first owner of its `Chart.yaml` (for a values-only
//! service folder, of `Chart.yaml` in that folder); a plain manifest's is its file's.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::config::teams::{TeamPatterns, team_of};

/// Where GitHub looks, in order.
pub const CODEOWNERS_PATHS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"];
/// GitHub ignores a larger file.
const MAX_BYTES: u64 = 3 * 1024 * 1024;

/// A parsed CODEOWNERS file.
pub struct CodeOwners {
    /// Lines in file order: the matcher, whether it matches folders above a file too, and the
    /// first owner (None: explicitly unowned).
    lines: Vec<(Gitignore, bool, Option<String>)>,
}

impl CodeOwners {
    /// Parses CODEOWNERS text (patterns relative to the repository root).
    pub fn parse(text: &str) -> CodeOwners {
        let mut lines = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut words = line.split_whitespace();
            let Some(pattern) = words.next() else {
                continue;
            };
            if pattern.starts_with('!') || pattern.contains('[') {
                continue;
            }
            let owner = words
                .take_while(|w| !w.starts_with('#'))
                .next()
                .map(str::to_string);
            let mut b = GitignoreBuilder::new("");
            if b.add_line(None, pattern).is_err() {
                continue;
            }
            // GitHub: `docs/*` owns the files directly in docs, not those in folders below it
            // (gitignore would match the folders too).
            let parents = !pattern.ends_with("/*");
            if let Ok(m) = b.build() {
                lines.push((m, parents, owner));
            }
        }
        CodeOwners { lines }
    }

    /// The CODEOWNERS file of the repository at `root`, if it has one GitHub would read.
    pub fn find(root: &Path) -> Option<CodeOwners> {
        for p in CODEOWNERS_PATHS {
            let path = root.join(p);
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            if !meta.is_file() {
                continue;
            }
            if meta.len() > MAX_BYTES {
                return None;
            }
            // Repository content: a link out of the repository is not followed.
            return crate::confine::read_repo_text(&path, MAX_BYTES as usize)
                .ok()
                .map(|t| CodeOwners::parse(&t));
        }
        None
    }

    /// The first owner of the last line matching `file` (relative to the repository root).
    pub fn owner(&self, file: &Path) -> Option<&str> {
        self.lines
            .iter()
            .rev()
            .find(|(m, parents, _)| {
                if *parents {
                    m.matched_path_or_any_parents(file, false).is_ignore()
                } else {
                    m.matched(file, false).is_ignore()
                }
            })
            .and_then(|(_, _, o)| o.as_deref())
    }
}

/// The owners of one audited root: its config's `teams:` and its CODEOWNERS.
pub struct Owners {
    root: PathBuf,
    codeowners: Option<CodeOwners>,
}

impl Owners {
    /// `root` as given (relative to `cwd`).
    pub fn of_root(root: &Path, cwd: &Path) -> Owners {
        let root = lexical(&cwd.join(root));
        Owners {
            codeowners: CodeOwners::find(&root),
            root,
        }
    }

    /// The team of `path` (absolute or relative to `cwd`): a service folder (`dir: true`, owned
    /// through its `Chart.yaml`) or a manifest file.
    pub fn team(
        &self,
        teams: &[TeamPatterns],
        path: &Path,
        dir: bool,
        cwd: &Path,
    ) -> Option<String> {
        if let Some(t) = team_of(teams, path, cwd) {
            return Some(t.to_string());
        }
        let co = self.codeowners.as_ref()?;
        let abs = lexical(&cwd.join(path));
        let rel = abs.strip_prefix(&self.root).ok()?;
        let file = if dir {
            rel.join("Chart.yaml")
        } else {
            rel.to_path_buf()
        };
        co.owner(&file).map(str::to_string)
    }
}

fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Records the team of every service and plain manifest one audited root discovered (by the
/// name reports print), from the services' configs (`teams:`) and the root's CODEOWNERS.
pub fn assign(
    root: &Path,
    cwd: &Path,
    config: &crate::config::Config,
    discovered: &crate::discover::charts::Discovered,
    teams: &mut std::collections::BTreeMap<String, String>,
) {
    let owners = Owners::of_root(root, cwd);
    for svc in &discovered.services {
        if let Some(t) = owners.team(&svc.config.teams, &svc.dir, true, cwd) {
            teams.insert(svc.display.clone(), t);
        }
    }
    for m in &discovered.manifests {
        if let Some(p) = &m.path
            && let Some(t) = owners.team(&config.teams, p, false, cwd)
        {
            teams.insert(m.display.clone(), t);
        }
    }
}

/// `--repos FILE`: one path a line; blank lines and lines starting with `#` are skipped, and
/// surrounding spaces trimmed. Paths are as on the command line (relative to the current
/// directory).
pub fn read_repos_file(path: &Path, name: &str) -> Result<Vec<PathBuf>, String> {
    let text = crate::confine::read_bounded_text(path, crate::report::INPUT_BYTES)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let repos: Vec<PathBuf> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .collect();
    if repos.is_empty() {
        return Err(format!("{name}: lists no repository"));
    }
    Ok(repos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_matching_line_wins_with_gitignore_patterns() {
        let co = CodeOwners::parse(
            "# comment\n\
             *                       @acme/everyone\n\
             *.yaml                  @acme/yaml-people @acme/other\n\
             /services/              @acme/services\n\
             apps/                   @acme/apps   # any apps folder\n\
             services/web/*          @acme/web\n\
             services/web/legacy/    \n\
             !services/x/            @acme/never\n\
             docs/**/owners          @acme/docs\n",
        );
        let of = |p: &str| co.owner(Path::new(p));
        // A later folder line beats an earlier line naming the file itself.
        assert_eq!(of("services/api/Chart.yaml"), Some("@acme/services"));
        assert_eq!(of("services/web/Chart.yaml"), Some("@acme/web"));
        // `services/web/*` covers files directly in web only; `/services/` covers the rest.
        assert_eq!(of("services/web/sub/Chart.yaml"), Some("@acme/services"));
        // A matching line without owners leaves the file unowned.
        assert_eq!(of("services/web/legacy/Chart.yaml"), None);
        assert_eq!(of("x/apps/api/Chart.yaml"), Some("@acme/apps"));
        assert_eq!(of("charts/api/values.yaml"), Some("@acme/yaml-people"));
        assert_eq!(of("charts/api/README.md"), Some("@acme/everyone"));
        assert_eq!(of("docs/a/b/owners"), Some("@acme/docs"));
        // A negation line is not CODEOWNERS syntax: skipped.
        assert_eq!(of("services/x/Chart.yaml"), Some("@acme/services"));
        assert_eq!(CodeOwners::parse("").owner(Path::new("a")), None);
    }

    #[test]
    fn github_reads_the_first_file_of_its_three_places() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        assert!(CodeOwners::find(r).is_none());
        std::fs::create_dir_all(r.join("docs")).unwrap();
        std::fs::create_dir_all(r.join(".github")).unwrap();
        std::fs::write(r.join("docs/CODEOWNERS"), "* @docs\n").unwrap();
        let of = |r: &Path| {
            CodeOwners::find(r)
                .unwrap()
                .owner(Path::new("a"))
                .map(str::to_string)
        };
        assert_eq!(of(r).as_deref(), Some("@docs"));
        std::fs::write(r.join("CODEOWNERS"), "* @root\n").unwrap();
        assert_eq!(of(r).as_deref(), Some("@root"));
        std::fs::write(r.join(".github/CODEOWNERS"), "* @github\n").unwrap();
        assert_eq!(of(r).as_deref(), Some("@github"));
    }
}
