//! Globs of the config, compiled once per distinct list per process (compiling them for every
//! render was 6–8% of the org benchmark's CPU time, perf): [`RegistryGlobs`] and [`name_set`].
//!
//! Registry allow-lists: `registries:` (images) and `chart-registries:` (charts) are globs of
//! `HOST-GLOB/PATH-GLOB` (or just `HOST-GLOB`, any path). The host part is matched against the
//! host alone, case-insensitively and without crossing `/`, so `*` cannot cross into the path
//! (`354918371398.dkr.ecr.evil.com/x.amazonaws.com/y` does not match
//! `354918371398.dkr.ecr.*.amazonaws.com/*`); in the path part `*` spans `/`. An invalid glob
//! matches nothing (the config loader reports it).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

/// A compiled allow-list.
pub struct RegistryGlobs {
    patterns: Vec<(globset::GlobSet, globset::GlobSet)>,
}

/// Compiled lists by their globs; cleared when it grows past [`CACHE_MAX`] entries.
type Cache<T> = LazyLock<Mutex<HashMap<Vec<String>, Arc<T>>>>;
const CACHE_MAX: usize = 256;

fn cached<T>(cache: &Cache<T>, globs: &[String], build: impl FnOnce() -> T) -> Arc<T> {
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(c) = cache.get(globs) {
        return c.clone();
    }
    if cache.len() >= CACHE_MAX {
        cache.clear();
    }
    let c = Arc::new(build());
    cache.insert(globs.to_vec(), c.clone());
    c
}

/// One set matching any of `globs` (a glob that does not compile matches nothing), e.g. the
/// `singletons:` workload names.
pub fn name_set(globs: &[String]) -> Arc<GlobSet> {
    static SETS: Cache<GlobSet> = LazyLock::new(Default::default);
    cached(&SETS, globs, || {
        let mut b = GlobSetBuilder::new();
        for g in globs {
            if let Ok(glob) = Glob::new(g) {
                b.add(glob);
            }
        }
        b.build().unwrap_or_else(|_| GlobSet::empty())
    })
}

impl RegistryGlobs {
    /// The compiled form of `globs` (from the cache when this list was compiled before).
    pub fn compiled(globs: &[String]) -> Arc<RegistryGlobs> {
        static LISTS: Cache<RegistryGlobs> = LazyLock::new(Default::default);
        cached(&LISTS, globs, || Self::compile(globs))
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
                let set = |g| crate::model::glob::compile(g).ok();
                Some((set(host)?, set(path)?))
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

    #[test]
    fn name_sets_skip_invalid_globs_and_are_cached() {
        let list = vec!["*-scheduler".to_string(), "[".to_string()];
        let s = name_set(&list);
        assert!(s.is_match("billing-scheduler"));
        assert!(!s.is_match("billing"));
        assert!(Arc::ptr_eq(&s, &name_set(&list)));
    }
}
