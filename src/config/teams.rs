//! `teams:` in `chartgate.yaml`: which team owns which repositories or service folders, for
//! `chartgate audit`'s per-team summary.
//!
//! ```yaml
//! teams:
//!   payments: [repos/payments-*, repos/shared/charts/billing]
//!   search: [repos/search]
//! ```
//!
//! Each pattern is a glob (globset syntax; `*` stays within one path segment, `**` crosses
//! them) over paths relative to the directory of the file that names it. A pattern matches a
//! service (or plain manifest) when it matches its path or any folder above it, so naming a
//! repository owns every service in it. `teams:` decides before CODEOWNERS; among several
//! matching teams the platform config's come first, then the nearest file's, then file order.

use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;

use super::ConfigError;
use crate::yaml::{Node, Pos};

/// One team's patterns from one file.
#[derive(Clone, Debug)]
pub struct TeamPatterns {
    pub team: String,
    /// The patterns as written.
    pub patterns: Vec<String>,
    /// The directory of the file that named them (patterns are relative to it).
    pub dir: PathBuf,
    matchers: Vec<globset::GlobSet>,
}

impl PartialEq for TeamPatterns {
    fn eq(&self, other: &Self) -> bool {
        (&self.team, &self.patterns, &self.dir) == (&other.team, &other.patterns, &other.dir)
    }
}

/// A pattern as matched: without `./` and trailing `/`; `.` (or empty) is the whole directory.
fn normalise(p: &str) -> &str {
    let p = p.trim_end_matches('/');
    let p = p.strip_prefix("./").unwrap_or(p);
    if p == "." { "" } else { p }
}

fn matcher(p: &str) -> Result<globset::GlobSet, globset::Error> {
    let p = normalise(p);
    let p = if p.is_empty() { "**" } else { p };
    let g = GlobBuilder::new(p).literal_separator(true).build()?;
    crate::model::glob::compile(g)
}

/// `teams:` of one file (`dir`: the file's directory).
pub fn parse(
    n: &Node,
    dir: &Path,
    err_at: &dyn Fn(Pos, String) -> ConfigError,
) -> Result<Vec<TeamPatterns>, ConfigError> {
    let mut out = Vec::new();
    for (k, v) in n.as_map().unwrap_or(&[]) {
        let items: Vec<&Node> = match v.as_seq() {
            Some(s) => s.iter().collect(),
            None => vec![v],
        };
        let mut patterns = Vec::new();
        let mut matchers = Vec::new();
        for item in items {
            let Some(s) = item.as_str() else { continue };
            let m = matcher(s).map_err(|e| {
                err_at(
                    item.pos,
                    format!("teams.{}: invalid glob `{s}`: {}", k.key_string(), e.kind()),
                )
            })?;
            patterns.push(s.to_string());
            matchers.push(m);
        }
        out.push(TeamPatterns {
            team: k.key_string(),
            patterns,
            dir: dir.to_path_buf(),
            matchers,
        });
    }
    Ok(out)
}

/// `path` without `.` components and with `..` applied (no file system access).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// The first team whose patterns match `path` (absolute, or relative to `cwd`) or a folder
/// above it, within the directory of the file that named it.
pub fn team_of<'a>(teams: &'a [TeamPatterns], path: &Path, cwd: &Path) -> Option<&'a str> {
    let path = lexical(&cwd.join(path));
    teams.iter().find_map(|t| {
        let dir = lexical(&cwd.join(&t.dir));
        let rel = path.strip_prefix(&dir).ok()?;
        let hit = rel
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| t.matchers.iter().any(|m| m.is_match(a)));
        hit.then_some(t.team.as_str())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teams(spec: &[(&str, &[&str])], dir: &str) -> Vec<TeamPatterns> {
        spec.iter()
            .map(|(t, ps)| TeamPatterns {
                team: t.to_string(),
                patterns: ps.iter().map(|s| s.to_string()).collect(),
                dir: PathBuf::from(dir),
                matchers: ps.iter().map(|p| matcher(p).unwrap()).collect(),
            })
            .collect()
    }

    #[test]
    fn globs_match_the_path_or_a_folder_above_it() {
        let t = teams(
            &[
                (
                    "payments",
                    &["repos/payments-*", "./repos/shared/charts/billing/"],
                ),
                ("platform", &["repos/**/infra"]),
                ("everyone", &["."]),
            ],
            "/org",
        );
        let cwd = Path::new("/org");
        let of = |p: &str| team_of(&t, Path::new(p), cwd);
        assert_eq!(of("repos/payments-api/charts/api"), Some("payments"));
        assert_eq!(of("/org/repos/payments-api"), Some("payments"));
        assert_eq!(of("repos/shared/charts/billing"), Some("payments"));
        assert_eq!(of("repos/shared/charts/billing-v2"), Some("everyone"));
        assert_eq!(of("repos/a/b/infra/charts/x"), Some("platform"));
        assert_eq!(of("repos/./a/../payments-x"), Some("payments"));
        // `*` stays within a segment: repos/payments-*/x is not repos/payments-* itself.
        assert_eq!(
            team_of(
                &teams(&[("p", &["repos/*"])], "/org"),
                Path::new("/org/repos"),
                cwd
            ),
            None
        );
        assert_eq!(of("/elsewhere/repos/payments-api"), None);
    }
}
