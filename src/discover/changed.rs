//! `chartgate check --changed FILE...` (the pre-commit hook): which charts × environments and
//! manifests the changed files affect, selected from one discovery of the repository.
//!
//! A changed file maps to
//! - a **values file** some environment uses → those environments of the services using it (a
//!   service folder's `values.yaml` is in every environment's list, so it maps to all of them);
//! - the **chart's own `values.yaml`**, a template, `Chart.yaml`, `_helpers.tpl`, `.helmignore`,
//!   `values.schema.json` or any other file under a chart directory (subcharts under `charts/`
//!   included), or the chart `.tgz` itself → every environment of every service rendering that
//!   chart (a shared chart named by several `chart:` folders re-checks all of them);
//! - a `values-*.yaml` beside a chart or in a service folder that no environment lists → nothing
//!   (it is never rendered);
//! - a **`chartgate.yaml`** → every service whose folder or chart lies under its directory, and
//!   every manifest there;
//! - a `values-schema:` contract of a service → every environment of that service;
//! - a **Rego policy or data file** the run uses (under a `policies:` path of the config, of a
//!   service's config, or `--policy`/`--data`) → everything;
//! - a **plain manifest** → itself;
//! - an Argo CD **Application or ApplicationSet** file → the renders it declares (their
//!   `source`);
//! - a file discovery skipped → its `--list` line with the reason;
//! - anything else (README, CI files, a file outside every chart) → nothing.
//!
//! Matching is by path only, so a deleted file still maps to its chart.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::charts::{Discovered, is_values_name};
use crate::confine::normalise;

/// What a set of changed files selects.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Every chart × environment and manifest (a policy or data file changed).
    pub everything: bool,
    /// (service index, environment index) pairs into [`Discovered::services`].
    pub environments: BTreeSet<(usize, usize)>,
    /// Indices into [`Discovered::manifests`].
    pub manifests: BTreeSet<usize>,
    /// Indices into [`Discovered::skipped`]: changed files discovery does not check.
    pub skipped: BTreeSet<usize>,
    /// Indices into [`Discovered::unresolved`] declared in changed files.
    pub unresolved: BTreeSet<usize>,
}

impl Selection {
    /// Whether nothing is selected.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.environments.is_empty() && self.manifests.is_empty()
    }
}

/// Whether `file` is `root` or lies below it.
fn within(file: &Path, root: &Path) -> bool {
    file == root || file.starts_with(root)
}

/// Maps `changed` files (relative to `cwd` or absolute) to what they affect in `d`.
/// `run_inputs` are the run's policy and data paths (files or directories: `policies:` of the
/// run's config, `--policy`, `--data`); a change under one of them selects everything.
pub fn select(
    d: &Discovered,
    changed: &[PathBuf],
    run_inputs: &[PathBuf],
    cwd: &Path,
) -> Selection {
    let abs = |p: &Path| {
        normalise(&if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        })
    };
    let mut inputs: Vec<PathBuf> = run_inputs.iter().map(|p| abs(p)).collect();
    for svc in &d.services {
        inputs.extend(svc.config.policies.iter().map(|p| abs(p)));
    }
    let mut sel = Selection::default();
    // The files each contract schema `$ref`s, read once.
    let mut contract_files: std::collections::HashMap<PathBuf, Vec<PathBuf>> = Default::default();
    for file in changed {
        let file = abs(file);
        if inputs.iter().any(|root| within(&file, root)) {
            sel.everything = true;
            continue;
        }
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let is_config = crate::config::FILE_NAMES.contains(&name.as_str());
        for (i, svc) in d.services.iter().enumerate() {
            let all = |sel: &mut Selection| {
                sel.environments
                    .extend((0..svc.environments.len()).map(|e| (i, e)));
            };
            if is_config {
                if let Some(dir) = file.parent()
                    && (svc.dir.starts_with(dir) || svc.chart.starts_with(dir))
                {
                    all(&mut sel);
                }
                continue;
            }
            // Values files some environment lists, or the Application declaring it: those
            // environments only.
            let declares = |e: &super::charts::EnvTarget| {
                e.source
                    .as_deref()
                    .and_then(|s| s.rsplit_once(':'))
                    .is_some_and(|(f, line)| {
                        line.chars().all(|c| c.is_ascii_digit()) && abs(Path::new(f)) == file
                    })
            };
            let using: Vec<usize> = (0..svc.environments.len())
                .filter(|&e| {
                    let env = &svc.environments[e];
                    env.values.contains(&file) || declares(env)
                })
                .collect();
            if !using.is_empty() {
                sel.environments.extend(using.into_iter().map(|e| (i, e)));
                continue;
            }
            if svc.config.values_schema.iter().any(|s| abs(s) == file)
                || (name.ends_with(".json")
                    && svc.config.values_schema.iter().any(|s| {
                        contract_files
                            .entry(s.clone())
                            .or_insert_with(|| referred_files(s))
                            .contains(&file)
                    }))
            {
                all(&mut sel);
                continue;
            }
            let parent = file.parent().unwrap_or(&file);
            // An environment's values file nobody lists (beside the chart or in the folder).
            let unused_values = is_values_name(&name)
                && name != "values.yaml"
                && name != "values.yml"
                && (parent == svc.dir || parent == svc.chart);
            if unused_values {
                continue;
            }
            if within(&file, &svc.chart) {
                all(&mut sel);
            }
        }
        let config_dir = file.parent().filter(|_| is_config);
        // Skipped files and unresolved sources: the changed file itself, or under a changed
        // config.
        let hit = |p: &Path| p == file || config_dir.is_some_and(|dir| p.starts_with(dir));
        for (k, skipped) in d.skipped.iter().enumerate() {
            if hit(&abs(Path::new(&skipped.path))) {
                sel.skipped.insert(k);
            }
        }
        for (k, u) in d.unresolved.iter().enumerate() {
            let f = u
                .source
                .rsplit_once(':')
                .map_or(u.source.as_str(), |(f, _)| f);
            if hit(&abs(Path::new(f))) {
                sel.unresolved.insert(k);
            }
        }
        for (m, input) in d.manifests.iter().enumerate() {
            let Some(path) = input.path.as_deref().map(&abs) else {
                continue;
            };
            if path == file || config_dir.is_some_and(|dir| path.starts_with(dir)) {
                sel.manifests.insert(m);
            }
        }
    }
    sel
}

/// `d` reduced to the selection: services keep their selected environments (in their order),
/// services with none are dropped, and only selected manifests stay.
pub fn apply(mut d: Discovered, sel: &Selection) -> Discovered {
    if sel.everything {
        return d;
    }
    let services = std::mem::take(&mut d.services);
    d.services = services
        .into_iter()
        .enumerate()
        .filter_map(|(i, mut svc)| {
            let envs = std::mem::take(&mut svc.environments);
            svc.environments = envs
                .into_iter()
                .enumerate()
                .filter(|(e, _)| sel.environments.contains(&(i, *e)))
                .map(|(_, env)| env)
                .collect();
            (!svc.environments.is_empty()).then_some(svc)
        })
        .collect();
    let manifests = std::mem::take(&mut d.manifests);
    d.manifests = manifests
        .into_iter()
        .enumerate()
        .filter(|(m, _)| sel.manifests.contains(m))
        .map(|(_, m)| m)
        .collect();
    let skipped = std::mem::take(&mut d.skipped);
    d.skipped = skipped
        .into_iter()
        .enumerate()
        .filter(|(k, _)| sel.skipped.contains(k))
        .map(|(_, s)| s)
        .collect();
    let unresolved = std::mem::take(&mut d.unresolved);
    d.unresolved = unresolved
        .into_iter()
        .enumerate()
        .filter(|(k, _)| sel.unresolved.contains(k))
        .map(|(_, u)| u)
        .collect();
    d
}

/// The files the contract schema `contract` `$ref`s (directly or through other files).
fn referred_files(contract: &Path) -> Vec<PathBuf> {
    let root = crate::confine::root::repo_root(contract);
    let max = crate::model::Limits::default().file_bytes;
    crate::render::chart::schema::compile_file(contract, &root, max)
        .map(|c| c.files.iter().map(|f| root.join(f)).collect())
        .unwrap_or_default()
}
