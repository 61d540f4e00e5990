//! `chartgate check --renderer helm`: charts are rendered by a `helm` on PATH (a fake one written
//! by the test prints a known stream); without helm each render is a `render-error`, exit 2.

mod support;

use serde_json::Value;
use std::path::Path;

const STREAM: &str = "---\n# Source: billing-scheduler/templates/deployment.yaml\napiVersion: apps/v1\n\
kind: Deployment\nmetadata:\n  name: billing-scheduler\n  labels:\n    app.kubernetes.io/name: x\n    \
team: team-a\n    environment: dev\nspec:\n  replicas: 3\n  strategy: {type: Recreate}\n  selector: {matchLabels: {app: x}}\n  template:\n    \
metadata: {labels: {app: x}}\n    spec:\n      containers:\n        - name: scheduler\n          \
image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team-a/billing-scheduler:2.0.7\n          \
resources:\n            requests: {cpu: 50m, memory: 64Mi}\n            limits: {memory: 64Mi}\n";

fn fake_helm(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(dir.join("stream.txt"), STREAM).unwrap();
    let script = format!(
        "#!/bin/sh\nPATH=/usr/bin:/bin\nprintf '%s\\n' \"$@\" > '{args}'\ncat '{stream}'\n",
        args = dir.join("args.txt").display(),
        stream = dir.join("stream.txt").display(),
    );
    let p = dir.join("helm");
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn check(path_var: &Path) -> (i32, Value) {
    let out = support::cmd()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", path_var)
        .args([
            "check",
            "fixtures/team-repo/services/billing-scheduler",
            "--env",
            "dev",
            "--renderer",
            "helm",
            "--format",
            "json",
        ])
        .run();
    (out.code(), serde_json::from_str(&out.stdout).unwrap())
}

fn rows(v: &Value) -> Vec<String> {
    support::finding_lines_as(&v.to_string(), "{rule} {file}:{line}:{column} {message}")
}

#[test]
fn check_renders_with_helm_from_path() {
    let dir = tempfile::tempdir().unwrap();
    fake_helm(dir.path());
    let (code, v) = check(dir.path());
    assert_eq!(code, 1);
    // helm gives no provenance: the finding is at the rendered manifest's line.
    assert_eq!(
        rows(&v),
        [
            "singleton-replicas billing-scheduler/templates/deployment.yaml:10:13 singleton Deployment has 3 replicas; it must run at most 1"
        ]
    );
    let args = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(
        &args[..5],
        [
            "template",
            "billing-scheduler",
            &format!(
                "{}/fixtures/team-repo/services/billing-scheduler",
                env!("CARGO_MANIFEST_DIR")
            ),
            "--namespace",
            "team-a"
        ]
    );
}

#[test]
fn check_without_helm_reports_a_render_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, v) = check(dir.path());
    assert_eq!(code, 2);
    assert_eq!(
        rows(&v),
        [
            "render-error fixtures/team-repo/services/billing-scheduler/Chart.yaml:1:1 helm renderer: no `helm` binary on PATH"
        ]
    );
}

#[test]
fn sarif_describes_render_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = support::cmd()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PATH", dir.path())
        .args([
            "check",
            "fixtures/team-repo/services/billing-scheduler",
            "--env",
            "dev",
            "--renderer",
            "helm",
            "--format",
            "sarif",
        ])
        .run();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let i = rules
        .iter()
        .position(|r| r["id"] == "render-error")
        .expect("render-error described");
    assert_eq!(
        rules[i]["shortDescription"]["text"],
        "A chart failed to load or render in an environment (exit code 2)."
    );
    assert_eq!(run["results"][0]["ruleId"], "render-error");
    assert_eq!(run["results"][0]["ruleIndex"], i);
}
