//! `chartgate check --format/--output`: every format comes from one analysis.

mod support;

use support::chartgate;

const FAIL: &str = "fixtures/manifests/image-tag-pinned/fail.yaml";

#[test]
fn outputs_render_the_same_findings_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("nested/out.sarif");
    let json = chartgate()
        .args([
            "check",
            FAIL,
            "--config",
            "fixtures/chartgate.yaml",
            "--format",
            "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let n = json["findings"].as_array().unwrap().len();
    assert!(n > 0);

    let out = chartgate()
        .args([
            "check",
            FAIL,
            "--config",
            "fixtures/chartgate.yaml",
            "--format",
            "github",
        ])
        .arg("--output")
        .arg(format!("sarif={}", sarif.display()))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(out.lines().filter(|l| l.starts_with("::")).count(), n);

    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), n);
    let first = &json["findings"][0];
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], first["rule"]);
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], first["line"]);
}

#[test]
fn malformed_output_flag_is_a_usage_error() {
    chartgate()
        .args(["check", FAIL, "--output", "pdf=x.pdf"])
        .assert()
        .code(2)
        .stderr(
            "chartgate: invalid --output 'pdf=x.pdf': expected FORMAT=PATH, FORMAT one of text, json, sarif, junit, github, markdown\n",
        );
}

#[test]
fn completions_name_every_command() {
    let out = chartgate()
        .args(["completions", "bash"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for cmd in [
        "check",
        "audit",
        "render",
        "rules",
        "explain",
        "policy",
        "completions",
    ] {
        assert!(out.contains(&format!("chartgate,{cmd})")), "{cmd} missing");
    }
}

/// `--env` is repeatable (and comma-separated): each environment's settings apply to the same
/// inputs, and each finding names its environment.
#[test]
fn several_environments_in_one_run() {
    let out = chartgate()
        .args(["check", "fixtures/manifests/timezone/pass.yaml"])
        .args(["--config", "fixtures/chartgate.yaml", "--format", "json"])
        .args(["--env", "dev", "--env", "prod"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let got: Vec<(String, String, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["environment"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![("image-tag-pinned".to_string(), "prod".to_string(), 16)]
    );
    chartgate()
        .args(["check", "fixtures/manifests/timezone/pass.yaml"])
        .args(["--config", "fixtures/chartgate.yaml", "--env", "dev,nope"])
        .assert()
        .code(2)
        .stderr("chartgate: config error: fixtures/chartgate.yaml: environment `nope` is not defined under `environments:`\n");
}
