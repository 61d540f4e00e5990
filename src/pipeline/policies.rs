//! Rego policies of a run: the bundled platform policies, `policies:` of the config and
//! `--policy`, with `--data` documents, compiled once (used by `check`, `audit`, `rules`,
//! `policy test` and the benchmarks).

use crate::analyze::rego::{PolicySet, PolicySource, RegoError, RegoOptions};
use crate::model::InputError;
use std::path::Path;

/// Why the policies of a run cannot be loaded: a file (`FILE: message`, `FILE:LINE:COL:
/// message`) or the Rego compiler's error.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Rego(#[from] RegoError),
}

/// Collects `.rego` files under `path` (sorted), or the file itself.
pub fn collect_sources(path: &str) -> Result<Vec<PolicySource>, InputError> {
    let p = Path::new(path);
    let mut files = Vec::new();
    if p.is_dir() {
        for entry in walkdir::WalkDir::new(p).sort_by_file_name() {
            let entry = entry.map_err(|e| InputError::file(path, e.to_string()))?;
            if entry.file_type().is_dir() || entry.path().extension().is_none_or(|e| e != "rego") {
                continue;
            }
            // A `.rego` that is a link or not a regular file is never skipped silently (a policy
            // dropped is a gate opened): a link staying inside the repository is followed, as
            // Helm follows one in a chart; one leaving it, a FIFO or a device is an error.
            if !entry.file_type().is_file() {
                let root = crate::confine::root::repo_root(entry.path());
                crate::confine::check_existing(&root, entry.path(), crate::confine::Kind::File)
                    .map_err(|why| {
                        InputError::file(
                            entry.path().display().to_string(),
                            format!("policy file {why}"),
                        )
                    })?;
            }
            files.push(entry.path().to_path_buf());
        }
    } else if p.is_file() {
        files.push(p.to_path_buf());
    } else {
        return Err(InputError::file(path, "no such file or directory"));
    }
    files
        .into_iter()
        .map(|f| {
            let shown = f.display().to_string();
            // Bounded: size checked before reading; a device or FIFO is never opened.
            crate::confine::read_bounded_text(&f, crate::model::Limits::default().file_bytes)
                .map(|text| PolicySource {
                    path: shown.clone(),
                    text,
                })
                .map_err(|e| InputError::file(&shown, e))
        })
        .collect()
}

/// Reads a `--data` file: JSON (`.json`) or YAML (anything else; one document, read with
/// Helm's go-yaml v2 rules like values files). Errors name file:line:col.
pub fn read_data(path: &str) -> Result<serde_json::Value, InputError> {
    let text = crate::confine::read_bounded_text(
        Path::new(path),
        crate::model::Limits::default().file_bytes,
    )
    .map_err(|e| InputError::file(path, e))?;
    if path.ends_with(".json") {
        return serde_json::from_str(&text)
            .map_err(|e| InputError::new(path, e.line() as u32, e.column() as u32, e.to_string()));
    }
    let docs = crate::yaml::parse_stream(&text, &crate::yaml::Limits::default())
        .map_err(|e| InputError::new(path, e.pos.line, e.pos.col, e.message))?;
    let mut docs = docs
        .into_iter()
        .filter(|d| !matches!(d.root.kind, crate::yaml::NodeKind::Null));
    let Some(first) = docs.next() else {
        return Ok(serde_json::json!({}));
    };
    if let Some(second) = docs.next() {
        return Err(InputError::new(
            path,
            second.root.pos.line,
            second.root.pos.col,
            "a data file holds one YAML document",
        ));
    }
    Ok(first.root.to_json())
}

/// The most bytes of Rego a repository's policies hold together (regorus bounds each file to
/// 1 MiB and 20,000 lines): compiling is linear but heavy, 35 MiB of generated rules took 36 s
/// and 2.4 GB before the first render. The platform's and the bundled policies do not count.
pub const REPOSITORY_POLICY_BYTES: usize = 4 << 20;

/// The policy options of `chartgate check`.
#[derive(Clone, Debug)]
pub struct CheckPolicies<'a> {
    /// `--policy PATH...`
    pub policy: &'a [std::path::PathBuf],
    /// `--data FILE...`
    pub data: &'a [std::path::PathBuf],
    /// `--namespace NS...`
    pub namespaces: &'a [String],
    /// `--all-namespaces`
    pub all_namespaces: bool,
    /// `--combine`
    pub combine: bool,
    /// `limits.render-seconds` of the run (config and `--limit`): the time limit of one rule
    /// evaluation.
    pub render_seconds: u64,
    /// Only list the rules (`chartgate rules`): see [`RegoOptions::list_only`].
    pub list_only: bool,
    /// `chartgate policy test`: `_test.rego` files are loaded too (and, when no policy is
    /// named, the bundled policies' tests), except the platform config's.
    pub tests: bool,
}

impl Default for CheckPolicies<'_> {
    fn default() -> Self {
        CheckPolicies {
            policy: &[],
            data: &[],
            namespaces: &[],
            all_namespaces: false,
            combine: false,
            render_seconds: crate::model::Limits::default().render_seconds,
            list_only: false,
            tests: false,
        }
    }
}

/// Compiles the policies `chartgate check` evaluates, once per run: the bundled platform
/// policies, `policies:` of the config (already resolved against the file naming them) and
/// `--policy`, with the `--data` documents. `_test.rego` files are loaded for `chartgate policy
/// test` only ([`CheckPolicies::tests`], whose paths come as `config_policies`: a repository's
/// policies under test are held to the same trusted-package check); a file identical to a
/// bundled one (a bundled test too) is loaded once, as the bundled one. Paths print relative to
/// `cwd`. Errors are `FILE:LINE:COL: message`.
pub fn load_for_check(
    opts: &CheckPolicies<'_>,
    config_policies: &[std::path::PathBuf],
    cwd: &Path,
) -> Result<PolicySet, PolicyError> {
    let mut sources = if opts.tests && config_policies.is_empty() && opts.policy.is_empty() {
        PolicySet::bundled_with_tests()
    } else {
        PolicySet::bundled()
    };
    // A copy of a bundled test file (`policy test policies/` in chartgate's own tree) is
    // chartgate's, not the repository's.
    let bundled_tests = if opts.tests {
        PolicySet::bundled_with_tests()
    } else {
        Vec::new()
    };
    let shown = |p: &Path| {
        let s = crate::discover::manifests::display_path(p, cwd);
        if s.is_empty() { ".".to_string() } else { s }
    };
    // `policies:` of the repository configs are the repository's (untrusted); those of the
    // platform config and `--policy` are trusted (see `analyze::rego::shadow`); without a
    // platform config, `--policy` is not protected (a repository config may turn off any rule).
    let platform = crate::config::trust::platform();
    let trusted = |p: &std::path::PathBuf| {
        let p = crate::confine::normalise(&cwd.join(p));
        platform.as_ref().is_some_and(|c| c.policies.contains(&p))
    };
    let (mut untrusted, mut unreserved) = (Vec::new(), Vec::new());
    let mut untrusted_bytes = 0;
    // Trusted sources first: a repository file identical to a trusted one is the one dropped.
    let mut named: Vec<(&std::path::PathBuf, bool)> = (config_policies.iter())
        .map(|p| (p, trusted(p)))
        .chain(opts.policy.iter().map(|p| (p, true)))
        .collect();
    named.sort_by_key(|(_, t)| !*t);
    for (p, is_trusted) in named {
        // `policy test` runs the tests of the policies under test, never the platform config's
        // own (its policies are loaded beside them, as `check` has them).
        let tests = opts.tests && !(is_trusted && config_policies.contains(p));
        for src in collect_sources(&shown(p))? {
            let is_test = src.path.ends_with("_test.rego");
            if (is_test && !tests) || sources.iter().any(|s| s.text == src.text) {
                continue;
            }
            let bundled = bundled_tests.iter().any(|s| s.text == src.text);
            if !is_trusted && !bundled {
                untrusted_bytes += src.text.len();
                if untrusted_bytes > REPOSITORY_POLICY_BYTES {
                    return Err(InputError::file(
                        &src.path,
                        format!(
                            "the repository's policies hold more than {REPOSITORY_POLICY_BYTES} bytes of Rego together (the bound on a pull request's policies)"
                        ),
                    )
                    .into());
                }
                untrusted.push(src.path.clone());
            } else if platform.is_none() && !config_policies.contains(p) {
                // `--policy` without a platform config: nothing is locked then.
                unreserved.push(src.path.clone());
            }
            sources.push(src);
        }
    }
    let mut data = Vec::new();
    for d in opts.data {
        let name = shown(d);
        data.push((name.clone(), read_data(&name)?));
    }
    let mut rego = RegoOptions {
        all_namespaces: opts.all_namespaces,
        combine: opts.combine,
        time_limit: std::time::Duration::from_secs(opts.render_seconds),
        list_only: opts.list_only,
        untrusted,
        unreserved,
        ..RegoOptions::default()
    };
    if !opts.namespaces.is_empty() {
        rego.namespaces = opts.namespaces.to_vec();
    }
    Ok(PolicySet::load(sources, data, rego)?)
}

/// The ids of the rules of the platform config's `policies:` in `set` (locked from repository
/// exemptions by default, see `config::trust::locked`).
pub fn platform_rule_ids(set: &PolicySet, cwd: &Path) -> std::collections::BTreeSet<String> {
    let Some(p) = crate::config::trust::platform() else {
        return Default::default();
    };
    let roots: Vec<String> = (p.policies.iter())
        .map(|f| crate::discover::manifests::display_path(f, cwd))
        .collect();
    (set.rules().into_iter())
        .filter(|r| {
            roots
                .iter()
                .any(|root| r.file == *root || r.file.starts_with(&format!("{root}/")))
        })
        .map(|r| r.id)
        .collect()
}
