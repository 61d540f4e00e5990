//! SARIF fingerprints: distinct for different problems, equal across working directories.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use support::copy_dir;

/// (rule, message) → fingerprint of every SARIF result of `check PATH` run in `cwd`.
fn fingerprints(cwd: &Path, path: &str) -> BTreeMap<(String, String, String), String> {
    let out = support::cmd()
        .current_dir(cwd)
        .args(["check", path, "--format", "sarif"])
        .run();
    let sarif: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let mut map = BTreeMap::new();
    for run in sarif["runs"].as_array().unwrap() {
        for r in run["results"].as_array().unwrap() {
            let env = r["properties"]["environment"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let key = (
                r["ruleId"].as_str().unwrap().to_string(),
                env,
                r["message"]["text"].as_str().unwrap().to_string(),
            );
            let fp = r["partialFingerprints"]["chartgate/v2"]
                .as_str()
                .unwrap()
                .to_string();
            map.insert(key, fp);
        }
    }
    map
}

#[test]
fn fingerprints_distinct_per_problem_and_independent_of_cwd() {
    let tmp = tempfile::tempdir().unwrap();
    // fixtures/team-repo's config names ../../schemas: keep that layout.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = tmp.path().join("fixtures/repo");
    copy_dir(&root.join("fixtures/team-repo"), &repo);
    copy_dir(&root.join("schemas"), &tmp.path().join("schemas"));
    // The repository is the whole temporary tree (the config names ../../schemas in it).
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    let from_root = fingerprints(&repo, ".");
    assert!(from_root.len() > 10, "{from_root:?}");
    // Different problems never share a fingerprint (GitHub would merge their alerts).
    let distinct: BTreeSet<&String> = from_root.values().collect();
    assert_eq!(distinct.len(), from_root.len(), "{from_root:#?}");
    // The same findings from a subdirectory and from outside the repository: same fingerprints.
    let sub = repo.join("services");
    // (Messages may print paths relative to the current directory; the fingerprints do not.)
    let ids =
        |m: &BTreeMap<(String, String, String), String>| -> BTreeSet<(String, String, String)> {
            m.iter()
                .map(|((rule, env, _), fp)| (rule.clone(), env.clone(), fp.clone()))
                .collect()
        };
    assert_eq!(ids(&fingerprints(&sub, "..")), ids(&from_root));
    assert_eq!(
        ids(&fingerprints(tmp.path(), "fixtures/repo")),
        ids(&from_root)
    );
}
