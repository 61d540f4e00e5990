//! Registry allow-lists: `registries:` (images) and `chart-registries:` (charts) are globs of
//! `HOST-GLOB/PATH-GLOB` (or just `HOST-GLOB`, any path). The host part is matched against the
//! host alone, case-insensitively and without crossing `/`, so `*` cannot cross into the path
//! (`354918371398.dkr.ecr.evil.com/x.amazonaws.com/y` does not match
//! `354918371398.dkr.ecr.*.amazonaws.com/*`); in the path part `*` spans `/`. An invalid glob
//! matches nothing (the config loader reports it).
//!
//! Each distinct list is compiled once per process: compiling the globs for every render was
//! 6% of the org benchmark's CPU time (perf).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use globset::{Glob, GlobBuilder, GlobMatcher};

/// A compiled allow-list.
pub struct RegistryGlobs {
    patterns: Vec<(GlobMatcher, GlobMatcher)>,
}

/// Distinct lists seen in this process; cleared when it grows past [`CACHE_MAX`] entries.
static CACHE: LazyLock<Mutex<HashMap<Vec<String>, Arc<RegistryGlobs>>>> =
    LazyLock::new(Default::default);
const CACHE_MAX: usize = 256;

impl RegistryGlobs {
    /// The compiled form of `globs` (from the cache when this list was compiled before).
    pub fn compiled(globs: &[String]) -> Arc<RegistryGlobs> {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = cache.get(globs) {
            return c.clone();
        }
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
        let c = Arc::new(Self::compile(globs));
        cache.insert(globs.to_vec(), c.clone());
        c
    }

    fn compile(globs: &[String]) -> RegistryGlobs {
        let patterns = globs
            .iter()
            .filter_map(|p| {
                let (host, path) = p.split_once('/').unwrap_or((p.as_str(), "**"));
                let host = GlobBuilder::new(host)
                    .case_insensitive(true)
                    .literal_separator(true)
                    .build()
                    .ok()?;
                let path = Glob::new(path).ok()?;
                Some((host.compile_matcher(), path.compile_matcher()))
            })
            .collect();
        RegistryGlobs { patterns }
    }

    /// Whether `host` + `path` (a registry and repository, or a chart repository's host and
    /// path) is allowed.
    pub fn allows(&self, host: &str, path: &str) -> bool {
        self.patterns
            .iter()
            .any(|(h, p)| h.is_match(host) && p.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_glob_does_not_cross_into_the_path_and_lists_are_cached() {
        let list = vec!["354918371398.dkr.ecr.*.amazonaws.com/*".to_string()];
        let g = RegistryGlobs::compiled(&list);
        assert!(g.allows("354918371398.dkr.ecr.eu-west-1.amazonaws.com", "team/app"));
        assert!(g.allows("354918371398.DKR.ecr.eu-west-1.amazonaws.com", "a/b/c"));
        assert!(!g.allows("354918371398.dkr.ecr.evil.com/x.amazonaws.com", "y"));
        assert!(Arc::ptr_eq(&g, &RegistryGlobs::compiled(&list)));
        let any_path = RegistryGlobs::compiled(&["ghcr.io".to_string()]);
        assert!(any_path.allows("ghcr.io", "org/x/y"));
        assert!(!RegistryGlobs::compiled(&["[".to_string()]).allows("[", ""));
    }
}
