//! The run's limits (`limits:` of the config and `--limit`) reach every reader: environment
//! values files and the Rego time limit of `check` (issue 12's named bugs).

mod support;

use support::{run_in, write_tree};

const CHART: &[(&str, &str)] = &[
    (
        "svc/Chart.yaml",
        "apiVersion: v2\nname: svc\nversion: 1.0.0\n",
    ),
    ("svc/values.yaml", "replicas: 1\n"),
    (
        "svc/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
    ),
    (
        "svc/values-prod.yaml",
        "a:\n  b:\n    c:\n      d:\n        e: 1\n",
    ),
];

fn json_findings(stdout: &str) -> Vec<(String, String, u64, u64, String)> {
    let doc: serde_json::Value =
        serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    doc["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings: {stdout}"))
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_string(),
                f["file"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn environment_values_files_use_the_limit_option() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), CHART);
    let r = run_in(
        tmp.path(),
        &[
            "check",
            "svc",
            "--format",
            "json",
            "--limit",
            "yaml-depth=3",
        ],
    );
    assert_eq!(
        json_findings(&r.stdout),
        [(
            "render-error".to_string(),
            "svc/values-prod.yaml".to_string(),
            4,
            7,
            "YAML nesting exceeds the limit of 3 levels (limits.yaml-depth)".to_string()
        )],
        "{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: 1 of 1 chart renders failed (see the `render-error` findings)\n"
    );
    // Without the limit the same chart renders (only policy findings remain).
    let r = run_in(tmp.path(), &["check", "svc", "--format", "json"]);
    let found = json_findings(&r.stdout);
    assert!(found.iter().all(|f| f.0 != "render-error"), "{found:?}");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
}

#[test]
fn environment_values_files_use_the_config_limits() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), CHART);
    write_tree(
        tmp.path(),
        &[("svc/chartgate.yaml", "limits:\n  yaml-depth: 3\n")],
    );
    let r = run_in(tmp.path(), &["check", "svc", "--format", "json"]);
    let found = json_findings(&r.stdout);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str(), found[0].2),
        ("render-error", "svc/values-prod.yaml", 4)
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: 1 of 1 chart renders failed (see the `render-error` findings)\n"
    );
}

#[test]
fn rego_time_limit_follows_render_seconds_in_check() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(
        tmp.path(),
        &[(
            "cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n",
        )],
    );
    let policy = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/hostile/policies/loop.rego"
    );
    let want = "policy evaluation failed: data.main.deny exceeded the time limit of 1 s for one input; the policies were not evaluated further";
    // `--limit render-seconds=1`, and the same from the config's `limits:`.
    let r = run_in(
        tmp.path(),
        &[
            "check",
            "--format",
            "json",
            "--policy",
            policy,
            "--limit",
            "render-seconds=1",
            "cm.yaml",
        ],
    );
    let found = json_findings(&r.stdout);
    assert!(found.iter().any(|f| f.4 == want), "{found:?}\n{}", r.stderr);
    write_tree(
        tmp.path(),
        &[("chartgate.yaml", "limits:\n  render-seconds: 1\n")],
    );
    let r = run_in(
        tmp.path(),
        &["check", "--format", "json", "--policy", policy, "cm.yaml"],
    );
    let found = json_findings(&r.stdout);
    assert!(found.iter().any(|f| f.4 == want), "{found:?}\n{}", r.stderr);
}

/// `limits.file-bytes` and `limits.render-memory` reach environment values files too: a values
/// file over the size limit is refused before it is read, and one whose parse outgrows the
/// render's memory budget (many small maps: about 100 bytes of parsed nodes per byte) is a
/// `render-error` at that file, not gigabytes held by the run.
#[test]
fn environment_values_files_are_held_to_file_bytes_and_render_memory() {
    let tmp = tempfile::tempdir().unwrap();
    write_tree(tmp.path(), CHART);
    let r = run_in(
        tmp.path(),
        &[
            "check",
            "svc",
            "--format",
            "json",
            "--limit",
            "file-bytes=16",
        ],
    );
    let found = json_findings(&r.stdout);
    assert!(
        found.iter().any(|f| f.0 == "render-error"
            && f.1 == "svc/values-prod.yaml"
            && f.4.starts_with("cannot read values file: ")
            && f.4.contains("16")),
        "{found:?}\n{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));

    let mut big = String::with_capacity(2 << 20);
    for i in 0..60_000 {
        big.push_str(&format!("k{i}: {{a: {{b: {{c: 1}}}}}}\n"));
    }
    write_tree(tmp.path(), &[("svc/values-prod.yaml", big.as_str())]);
    let r = run_in(
        tmp.path(),
        &[
            "check",
            "svc",
            "--format",
            "json",
            "--limit",
            "render-memory=33554432",
        ],
    );
    let found = json_findings(&r.stdout);
    assert_eq!(
        found
            .iter()
            .filter(|f| f.0 == "render-error")
            .map(|f| (f.1.as_str(), f.4.starts_with("render memory exceeded: ")))
            .collect::<Vec<_>>(),
        vec![("svc/values-prod.yaml", true)],
        "{found:?}\n{}",
        r.stderr
    );
    assert_eq!(r.code, Some(2));
}
