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

/// A pull request can commit a symbolic link where the workflow writes its report
/// (`chartgate.sarif -> ~/.bashrc`): the report is refused (exit 2), the target untouched.
#[test]
fn a_report_is_never_written_through_a_committed_symbolic_link() {
    let repo = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    std::fs::write(&victim, "keep\n").unwrap();
    std::fs::copy(FAIL, repo.path().join("deploy.yaml")).unwrap();
    std::os::unix::fs::symlink(&victim, repo.path().join("chartgate.sarif")).unwrap();
    let out = chartgate()
        .current_dir(repo.path())
        .args(["check", "deploy.yaml", "--format", "json"])
        .args(["--output", "sarif=chartgate.sarif"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "chartgate: refusing to write chartgate.sarif: chartgate.sarif is a symbolic link\n"
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep\n");
}

/// A file name holding a line feed then `::error::` would start a workflow command on its own
/// line of a CI log: on stderr and in the text and JUnit reports that line feed is escaped.
#[test]
fn a_file_name_never_starts_a_workflow_command() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    std::fs::write(repo.path().join("b\n::error::injected.yaml"), "a: [\n").unwrap();
    let bad = repo.path().join("c\n::warning::dir");
    std::fs::create_dir(&bad).unwrap();
    std::fs::copy(FAIL, bad.join("deploy.yaml")).unwrap();
    for format in ["text", "junit", "json"] {
        let out = chartgate()
            .current_dir(repo.path())
            .args(["check", ".", "--color", "never", "--format", format])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        for stream in [&out.stdout, &out.stderr] {
            let text = String::from_utf8_lossy(stream);
            assert!(
                !text.lines().any(|l| l.trim_start().starts_with("::")),
                "{format}:\n{text}"
            );
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("b\\n::error::injected.yaml:2:1: "),
            "{format}: {stderr}"
        );
    }
}
