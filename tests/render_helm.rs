//! `chartgate render --renderer helm`: runs `helm template` from PATH. A fake `helm` (a shell
//! script written by the test) records its arguments and prints a known stream; PATH is set for
//! the child process only.

mod support;

use std::path::Path;

const STREAM: &str = "---\n# Source: legacy/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\n\
metadata:\n  name: from-helm\n---\n# Source: legacy/templates/cm.yaml\napiVersion: v1\nkind: Secret\n\
metadata:\n  name: second\n";

fn fake_helm(dir: &Path, stream: &str, exit: i32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(dir.join("stream.txt"), stream).unwrap();
    let script = format!(
        "#!/bin/sh\nPATH=/usr/bin:/bin\nprintf '%s\\n' \"$@\" > '{args}'\nif [ {exit} -ne 0 ]; then echo 'Error: boom from helm' >&2; exit {exit}; fi\ncat '{stream}'\n",
        args = dir.join("args.txt").display(),
        stream = dir.join("stream.txt").display(),
    );
    let p = dir.join("helm");
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn chart() -> String {
    format!(
        "{}/fixtures/charts/charts/legacy",
        env!("CARGO_MANIFEST_DIR")
    )
}

#[test]
fn helm_renderer_runs_helm_template_with_the_same_flags() {
    let dir = tempfile::tempdir().unwrap();
    fake_helm(dir.path(), STREAM, 0);
    let out = support::cmd()
        .env("PATH", dir.path())
        .args([
            "render",
            &chart(),
            "--renderer",
            "helm",
            "--name",
            "rel",
            "-n",
            "team",
        ])
        .args([
            "--set",
            "a=1",
            "--set-string",
            "b=2",
            "--kube-version",
            "v1.30.0",
            "-o",
            "json",
        ])
        .run();
    assert_eq!(out.stderr.as_str(), "");
    assert_eq!(out.code, Some(0));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"legacy/templates/cm.yaml":
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-helm\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: second\n"})
    );
    let args = std::fs::read_to_string(dir.path().join("args.txt")).unwrap();
    assert_eq!(
        args.lines().collect::<Vec<_>>(),
        [
            "template",
            "rel",
            &chart(),
            "--namespace",
            "team",
            "--set",
            "a=1",
            "--set-string",
            "b=2",
            "--kube-version",
            "v1.30.0"
        ]
    );
    // The manifest stream is printed in Helm's install order (Secret before ConfigMap).
    let out = support::cmd()
        .env("PATH", dir.path())
        .args(["render", &chart(), "--renderer", "helm"])
        .run();
    let text = out.stdout.as_str();
    assert!(
        text.find("kind: Secret").unwrap() < text.find("kind: ConfigMap").unwrap(),
        "{text}"
    );
}

#[test]
fn helm_errors_and_a_missing_helm_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    fake_helm(dir.path(), "", 1);
    let out = support::cmd()
        .env("PATH", dir.path())
        .args(["render", &chart(), "--renderer", "helm", "-o", "json"])
        .run();
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stdout.as_str().trim(),
        r#"{"error":"helm renderer: boom from helm"}"#
    );
    let empty = tempfile::tempdir().unwrap();
    let out = support::cmd()
        .env("PATH", empty.path())
        .args(["render", &chart(), "--renderer", "helm"])
        .run();
    assert_eq!(out.code, Some(1));
    assert_eq!(
        out.stderr.as_str(),
        "Error: helm renderer: no `helm` binary on PATH\n"
    );
}
