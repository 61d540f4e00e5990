//! CLI behaviour: exact text report, exit codes, stdin, config levels, `rules` and `explain`.

mod support;

use support::chartgate;

#[test]
fn text_report_is_exact() {
    let out = chartgate()
        .args([
            "check",
            "--env",
            "dev",
            "--color",
            "never",
            "fixtures/manifests/image-tag-pinned/fail.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let want = r#"image-tag-pinned

  × container `agent`: image `354918371398.dkr.ecr.eu-west-1.amazonaws.com/logging/agent:latest`
  │ uses the moving tag `latest`; pin a version [DaemonSet log-agent]
    ╭─[fixtures/manifests/image-tag-pinned/fail.yaml:15:18]
 14 │         - name: agent
 15 │           image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/logging/agent:latest
    ·                  ────────────────────────────────┬────────────────────────────────
    ·                                                  ╰── image-tag-pinned
 16 │           resources:
    ╰────
  help: fixtures/manifests/image-tag-pinned/fail.yaml:15:18 (environment dev)

image-tag-pinned

  × container `shipper`: image `354918371398.dkr.ecr.eu-west-1.amazonaws.com/logging/shipper` has
  │ no tag (it means `latest`); pin a version [DaemonSet log-agent]
    ╭─[fixtures/manifests/image-tag-pinned/fail.yaml:20:18]
 19 │         - name: shipper
 20 │           image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/logging/shipper
    ·                  ──────────────────────────────┬─────────────────────────────
    ·                                                ╰── image-tag-pinned
 21 │           resources:
    ╰────
  help: fixtures/manifests/image-tag-pinned/fail.yaml:20:18 (environment dev)

2 findings: 2 errors, 0 warnings, 0 infos
"#;
    assert_eq!(String::from_utf8_lossy(&out.stdout), want);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn clean_text_report() {
    chartgate()
        .args([
            "check",
            "--env",
            "dev",
            "--color",
            "never",
            "fixtures/manifests/timezone/pass.yaml",
        ])
        .assert()
        .code(0)
        .stdout("No findings: 0 errors, 0 warnings, 0 infos\n");
}

#[test]
fn info_and_fail_on() {
    // A CronJob without timeZone is info in dev, an error in prod (require-cronjob-timezone).
    let yaml = "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: job\nspec:\n  schedule: \"@daily\"\n  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: []}}}}\n";
    let run = |env: &str, fail_on: &str| {
        let out = chartgate()
            .args([
                "check",
                "--config",
                "fixtures/chartgate.yaml",
                "--env",
                env,
                "--fail-on",
                fail_on,
                "--format",
                "json",
                "-",
            ])
            .write_stdin(yaml)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let f = &v["findings"][0];
        assert_eq!(
            (f["rule"].as_str(), f["file"].as_str(), f["line"].as_u64()),
            (Some("timezone"), Some("<stdin>"), Some(6))
        );
        (
            out.status.code().unwrap(),
            f["severity"].as_str().unwrap().to_string(),
        )
    };
    assert_eq!(run("dev", "error"), (0, "info".into()));
    assert_eq!(run("dev", "info"), (1, "info".into()));
    assert_eq!(run("prod", "error"), (1, "error".into()));
}

#[test]
fn config_levels_and_suppression() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("chartgate.yaml"),
        "rules:\n  image-registry: off\n  image-tag-pinned: {severity: warning}\n  required-labels: off\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    chartgate.io/ignore.resource-requests: \"load test only\"\nspec:\n  containers:\n    - name: c\n      image: nginx\n",
    )
    .unwrap();
    let out = chartgate()
        .args(["check", "--format", "json"])
        .arg(dir.path().join("pod.yaml"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<(&str, &str, u64)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules, [("image-tag-pinned", "warning", 10)]);
    assert_eq!(
        v["summary"],
        serde_json::json!({"error": 0, "warning": 1, "info": 0})
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn input_errors_exit_2() {
    chartgate()
        .args(["check", "-"])
        .write_stdin("a: [\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr("chartgate: invalid YAML: <stdin>:2:1: while parsing a node, did not find expected node content\n");
    chartgate()
        .args(["check", "fixtures/no-such-file.yaml"])
        .assert()
        .code(2)
        .stderr(predicates::str::starts_with(
            "chartgate: fixtures/no-such-file.yaml: ",
        ));
    chartgate()
        .args(["check", "--format", "xml", "fixtures"])
        .assert()
        .code(2);
    chartgate()
        .args(["check", "--env", "staging", "fixtures/manifests"])
        .assert()
        .code(2)
        .stderr("chartgate: config error: fixtures/chartgate.yaml: environment `staging` is not defined under `environments:`\n");
}

#[test]
fn invalid_config_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("chartgate.yaml"),
        "rules:\n  timezone: loud\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    chartgate()
        .current_dir(dir.path())
        .args(["check", "a.yaml"])
        .assert()
        .code(2)
        .stdout("")
        .stderr("chartgate: config error: chartgate.yaml:2:13: rules.timezone: unknown severity `loud` (expected error, warning, info or off)\n");
}

#[test]
fn directory_walk_is_deterministic() {
    let a = chartgate()
        .args([
            "check",
            "--env",
            "dev",
            "--format",
            "json",
            "--jobs",
            "1",
            "fixtures/manifests",
        ])
        .output()
        .unwrap();
    let b = chartgate()
        .args([
            "check",
            "--env",
            "dev",
            "--format",
            "json",
            "--jobs",
            "2",
            "fixtures/manifests",
        ])
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.status.code(), Some(1));
    // Only pass fixtures: clean (exclude globs apply to paths inside the directory).
    chartgate()
        .args([
            "check",
            "--env",
            "dev",
            "--exclude",
            "fail.yaml",
            "--format",
            "json",
            "fixtures/manifests",
        ])
        .assert()
        .code(0);
}

#[test]
fn rules_and_explain() {
    let out = chartgate().arg("rules").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The built-in rules, the engine's (rego-error, render-error, 2 exemption rules,
    // findings-limit, unresolved-source, run-stopped), 5 bundled policy rules.
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(
        ids,
        [
            "api-validation",
            "chart-source",
            "deprecated-api",
            "ignore-without-reason",
            "image-registry",
            "image-tag-pinned",
            "ingress-host-zone",
            "ingress-load-balancer",
            "manifest-validity",
            "min-replicas",
            "pod-security",
            "resource-requests",
            "schema-validity",
            "singleton-replicas",
            "timezone",
            "tls-hosts",
            "values-schema",
            "values-unknown-key",
            "rego-error",
            "render-error",
            "expired-exemption",
            "unused-exemption",
            "findings-limit",
            "unresolved-source",
            "run-stopped",
            "allowed-namespace",
            "argocd-allowed-destination",
            "argocd-no-default-project",
            "no-literal-secrets",
            "required-labels",
        ]
    );
    assert!(
        text.starts_with("api-validation              error    "),
        "{text}"
    );
    chartgate()
        .args(["explain", "timezones"])
        .assert()
        .code(2)
        .stderr("chartgate: unknown rule `timezones`; did you mean: timezone?\n");
    chartgate()
        .args(["explain", "image-tag-pinned"])
        .assert()
        .code(0)
        .stdout(predicates::str::starts_with(
            "# image-tag-pinned\n\nDefault severity: error\n\n",
        ));
}

#[test]
fn anchors_merge_keys_and_yaml11_booleans() {
    let yaml = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  annotations:
    chartgate.io/singleton: yes
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: a
          image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/t/a:1
          resources: &res
            requests: {cpu: 100m}
            limits: {memory: 1Gi}
        - name: b
          image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/t/a:1
          resources:
            <<: *res
            requests: {cpu: 100m, memory: 2Gi}
"#;
    let out = chartgate()
        .args([
            "check",
            "--config",
            "fixtures/chartgate.yaml",
            "--format",
            "json",
            "-",
        ])
        .write_stdin(yaml)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(&str, u64, u64, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // YAML 1.1: `yes` is a boolean, and the API takes only strings as annotation values.
            (
                "schema-validity",
                6,
                29,
                "metadata.annotations.chartgate.io/singleton: expected a string, got boolean true"
            ),
            (
                "schema-validity",
                8,
                3,
                "spec.selector: missing required field `selector`"
            ),
            (
                "singleton-replicas",
                8,
                3,
                "singleton Deployment has no `strategy.type: Recreate`; the default RollingUpdate runs two pods during a rollout"
            ),
            (
                "resource-requests",
                14,
                22,
                "container `a`: no memory request (Kubernetes would copy the limit, but the platform wants the request written down)"
            ),
            (
                "resource-requests",
                21,
                43,
                "container `b`: memory request `2Gi` is above the limit `1Gi`"
            ),
        ]
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn an_object_without_a_name_is_shown_by_its_kind() {
    // The text report printed `[ConfigMap ]` (kind, then an empty name).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n",
    )
    .unwrap();
    let out = chartgate()
        .args(["check", "--color", "never", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  × `metadata.name` is missing or not a string [ConfigMap]\n"),
        "{text}"
    );
    assert!(!text.contains("[ConfigMap ]"), "{text}");
}
