//! `chartgate policy test` and the bundled policies' own tests.

mod support;

use support::chartgate;

#[test]
fn bundled_policy_tests_pass() {
    let out = chartgate().args(["policy", "test"]).output().expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.ends_with("PASS: 29/29\n"), "{stdout}");
    assert!(!stdout.contains("FAIL"), "{stdout}");
}

#[test]
fn bundled_policy_tests_from_directory_pass() {
    let out = chartgate()
        .args(["policy", "test", "policies"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn policy_test_pass_and_fail() {
    chartgate()
        .args(["policy", "test", "fixtures/policies/tests"])
        .assert()
        .code(1)
        .stdout(
            "fixtures/policies/tests/labels_test.rego:5: data.main.test_missing_team: PASS\n\
             fixtures/policies/tests/labels_test.rego:9: data.main.test_present_team: PASS\n\
             fixtures/policies/tests/labels_test.rego:14: data.main.test_wrong_message: FAIL (undefined)\n\
             fixtures/policies/tests/labels_test.rego:18: data.main.test_runtime_error: FAIL (fixtures/policies/tests/labels_test.rego:19:16: could not parse string as number)\n\
             --------------------------------------------------------------------------------\n\
             PASS: 2/4\n\
             FAIL: 2/4\n",
        );
}

#[test]
fn policy_test_run_filter() {
    chartgate()
        .args([
            "policy",
            "test",
            "fixtures/policies/tests",
            "--run",
            "present|missing",
        ])
        .assert()
        .code(0)
        .stdout(
            "fixtures/policies/tests/labels_test.rego:5: data.main.test_missing_team: PASS\n\
             fixtures/policies/tests/labels_test.rego:9: data.main.test_present_team: PASS\n\
             --------------------------------------------------------------------------------\n\
             PASS: 2/2\n",
        );
}

#[test]
fn policy_test_parse_error_exits_2() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("bad.rego");
    std::fs::write(
        &file,
        "package main\nimport rego.v1\ntest_x if {\n  1 +\n}\n",
    )
    .expect("write");
    let out = chartgate()
        .args(["policy", "test"])
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: {}:5:1: expecting expression\n", file.display())
    );
}

#[test]
fn policy_test_bad_regex_and_missing_path() {
    chartgate()
        .args(["policy", "test", "--run", "("])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "error: --run: regex parse error",
        ));
    chartgate()
        .args(["policy", "test", "nope"])
        .assert()
        .code(2)
        .stderr("error: nope: no such file or directory\n");
}

#[test]
fn bundled_list_matches_directory() {
    let mut on_disk: Vec<String> =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
            .expect("policies/")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rego"))
            .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = chartgate::analyze::rego::bundled::FILES
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    embedded.sort();
    assert_eq!(
        embedded, on_disk,
        "update the list in src/analyze/rego/bundled.rs"
    );
    // Every policy has a test file.
    for n in on_disk.iter().filter(|n| !n.ends_with("_test.rego")) {
        let t = n.replace(".rego", "_test.rego");
        assert!(on_disk.contains(&t), "{n} has no {t}");
    }
}

#[test]
fn bundled_rules_documented() {
    use chartgate::analyze::rego::{PolicySet, RegoOptions};
    let set = PolicySet::load(PolicySet::bundled(), vec![], RegoOptions::default()).expect("load");
    let ids: Vec<String> = set
        .rules()
        .into_iter()
        .map(|r| {
            assert!(
                !r.title.is_empty() && !r.description.is_empty(),
                "{} lacks docs",
                r.id
            );
            r.id
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            "allowed-namespace",
            "argocd-allowed-destination",
            "argocd-no-default-project",
            "no-literal-secrets",
            "required-labels"
        ]
    );
}

#[test]
fn rules_and_explain_list_policy_rules() {
    let out = chartgate()
        .args(["rules", "--policy", "fixtures/policies/v1"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    // After the built-in rules and the engine rules (the last: run-stopped).
    let policy_rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("run-stopped"))
        .skip(1)
        .collect();
    assert_eq!(
        policy_rows,
        vec![
            "allowed-namespace           error    Namespace must be allowed in the environment",
            "argocd-allowed-destination  error    ArgoCD destination namespace must be allowed",
            "argocd-no-default-project   error    ArgoCD project must not be default",
            "main.violation_sidecars     warning  Sidecars counted",
            "main.warn                   warning  Image policies",
            "no-literal-secrets          error    No Secret with literal data",
            "required-labels             error    Required labels for cost reporting",
            "team-ecr-only               error    Images must come from the shared ECR",
            "team.extra.deny             error    Rego rule in fixtures/policies/v1/other_namespace.rego",
        ]
    );
    chartgate()
        .args([
            "explain",
            "team-ecr-only",
            "--policy",
            "fixtures/policies/v1",
        ])
        .assert()
        .code(0)
        .stdout(
            "# team-ecr-only\n\nDefault severity: error\n\nImages must come from the shared ECR\n\n\
             Pulling from elsewhere bypasses scanning.\n\n\
             Rego policy rule defined at fixtures/policies/v1/images.rego:15.\n",
        );
    chartgate()
        .args(["explain", "team-ecr", "--policy", "fixtures/policies/v1"])
        .assert()
        .code(2)
        .stderr("chartgate: unknown rule `team-ecr`; did you mean: team-ecr-only?\n");
    // Bundled policies are explained from any directory, without flags.
    chartgate()
        .args(["explain", "no-literal-secrets"])
        .current_dir(std::env::temp_dir())
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with(
            "# no-literal-secrets\n\nDefault severity: error\n\nNo Secret with literal data\n\n",
        ));
    // The exemption rules have their own docs.
    chartgate()
        .args(["explain", "expired-exemption"])
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with(
            "# expired-exemption\n\nDefault severity: warning\n\n",
        ));
}
