//! `chartgate audit`: exact text/markdown/JSON summaries on the fixture team repo and on two
//! repositories with their own configs, the baseline round trip with `check --baseline`, exit
//! codes, `--output`, and no progress bar when stderr is not a terminal.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn chartgate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::cli(args)
        .dir(dir)
        .env("NO_COLOR", "1")
        .run()
        .into_parts()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const TEAM_TEXT: &str = r#"chartgate audit of fixtures/team-repo: 11 errors, 0 warnings, 0 info findings in 9 checks

fixtures/team-repo/services/billing-scheduler   dev  test  prod
  singleton-replicas (error)                      .     .     1
  status                                       pass  pass  FAIL

fixtures/team-repo/services/reports   dev  test  prod
  image-registry (error)                1     .     .
  timezone (error)                      .     .     1
  status                             FAIL  pass  FAIL

fixtures/team-repo/services/web   dev  test  prod
  image-tag-pinned (error)          1     .     1
  ingress-host-zone (error)         .     1     .
  min-replicas (error)              .     .     1
  resource-requests (error)         1     1     .
  timezone (error)                  .     1     .
  values-schema (error)             .     1     .
  status                         FAIL  FAIL  FAIL

Rules
  rule                severity  findings  services  checks
  image-tag-pinned    error            2         1       2
  resource-requests   error            2         1       2
  timezone            error            2         2       2
  image-registry      error            1         1       1
  ingress-host-zone   error            1         1       1
  min-replicas        error            1         1       1
  singleton-replicas  error            1         1       1
  values-schema       error            1         1       1

Score: 33% (3 of 9 checks passing)
(a check is one chart × environment or plain manifest; it passes when it has no error finding)
"#;

const TEAM_MARKDOWN: &str = r#"## chartgate audit

**Score: 33% (3 of 9 checks passing)** — 11 errors, 0 warnings, 0 info findings in 9 checks under `fixtures/team-repo`.

A check is one chart × environment (or plain manifest); it passes when it has no error finding.

### fixtures/team-repo/services/billing-scheduler

| Rule | Severity | dev | test | prod |
|---|---|---:|---:|---:|
| `singleton-replicas` | error | 0 | 0 | 1 |
| **status** | | ✅ pass | ✅ pass | ❌ fail |

### fixtures/team-repo/services/reports

| Rule | Severity | dev | test | prod |
|---|---|---:|---:|---:|
| `image-registry` | error | 1 | 0 | 0 |
| `timezone` | error | 0 | 0 | 1 |
| **status** | | ❌ fail | ✅ pass | ❌ fail |

### fixtures/team-repo/services/web

| Rule | Severity | dev | test | prod |
|---|---|---:|---:|---:|
| `image-tag-pinned` | error | 1 | 0 | 1 |
| `ingress-host-zone` | error | 0 | 1 | 0 |
| `min-replicas` | error | 0 | 0 | 1 |
| `resource-requests` | error | 1 | 1 | 0 |
| `timezone` | error | 0 | 1 | 0 |
| `values-schema` | error | 0 | 1 | 0 |
| **status** | | ❌ fail | ❌ fail | ❌ fail |

### Rules

| Rule | Severity | Findings | Services | Checks |
|---|---|---:|---:|---:|
| `image-tag-pinned` | error | 2 | 1 | 2 |
| `resource-requests` | error | 2 | 1 | 2 |
| `timezone` | error | 2 | 2 | 2 |
| `image-registry` | error | 1 | 1 | 1 |
| `ingress-host-zone` | error | 1 | 1 | 1 |
| `min-replicas` | error | 1 | 1 | 1 |
| `singleton-replicas` | error | 1 | 1 | 1 |
| `values-schema` | error | 1 | 1 | 1 |
"#;

#[test]
fn team_repo_text_summary() {
    let (code, out, err) = chartgate(root(), &["audit", "fixtures/team-repo"]);
    // Audits report; they do not gate. Nothing on stderr: no progress bar off a terminal.
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, TEAM_TEXT);
    // The same whatever the thread count.
    let (_, one, _) = chartgate(root(), &["audit", "fixtures/team-repo", "--jobs", "1"]);
    assert_eq!(one, TEAM_TEXT);
}

#[test]
fn team_repo_markdown_summary() {
    let (code, out, err) = chartgate(
        root(),
        &["audit", "fixtures/team-repo", "--format", "markdown"],
    );
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, TEAM_MARKDOWN);
}

#[test]
fn team_repo_json_summary() {
    let (code, out, err) = chartgate(root(), &["audit", "fixtures/team-repo", "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["roots"], serde_json::json!(["fixtures/team-repo"]));
    assert_eq!(
        v["score"],
        serde_json::json!({"checks": 9, "passing": 3, "percent": 33})
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"error": 11, "warning": 0, "info": 0})
    );
    // service × environment → (passed, {rule: count}).
    let mut rows = Vec::new();
    for s in v["services"].as_array().unwrap() {
        for e in s["environments"].as_array().unwrap() {
            rows.push(format!(
                "{} {} {} {}",
                s["service"].as_str().unwrap(),
                e["environment"].as_str().unwrap(),
                e["passed"],
                e["rules"]
            ));
        }
    }
    assert_eq!(
        rows,
        [
            r#"fixtures/team-repo/services/billing-scheduler dev true {}"#,
            r#"fixtures/team-repo/services/billing-scheduler test true {}"#,
            r#"fixtures/team-repo/services/billing-scheduler prod false {"singleton-replicas":1}"#,
            r#"fixtures/team-repo/services/reports dev false {"image-registry":1}"#,
            r#"fixtures/team-repo/services/reports test true {}"#,
            r#"fixtures/team-repo/services/reports prod false {"timezone":1}"#,
            r#"fixtures/team-repo/services/web dev false {"image-tag-pinned":1,"resource-requests":1}"#,
            r#"fixtures/team-repo/services/web test false {"ingress-host-zone":1,"resource-requests":1,"timezone":1,"values-schema":1}"#,
            r#"fixtures/team-repo/services/web prod false {"image-tag-pinned":1,"min-replicas":1}"#,
        ]
    );
    let rules: Vec<String> = v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {} {} {}",
                r["rule"].as_str().unwrap(),
                r["findings"],
                r["services"],
                r["checks"]
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            "image-tag-pinned 2 1 2",
            "resource-requests 2 1 2",
            "timezone 2 2 2",
            "image-registry 1 1 1",
            "ingress-host-zone 1 1 1",
            "min-replicas 1 1 1",
            "singleton-replicas 1 1 1",
            "values-schema 1 1 1",
        ]
    );
    // The findings are check's, in check's order, each with its field path (for `--merge`).
    let (_, check, _) = chartgate(root(), &["check", "fixtures/team-repo", "--format", "json"]);
    let check: Value = serde_json::from_str(&check).unwrap();
    let mut findings = v["findings"].clone();
    for f in findings.as_array_mut().unwrap() {
        assert!(f.as_object_mut().unwrap().remove("field").is_some());
        assert!(f.as_object_mut().unwrap().remove("fingerprint").is_some());
    }
    assert_eq!(findings, check["findings"]);
    assert_eq!(
        (&v["findings"][0]["rule"], &v["findings"][0]["field"]),
        (
            &Value::from("singleton-replicas"),
            &Value::from("spec.replicas")
        )
    );
}

/// Two repositories, each with its own `chartgate.yaml` (different allowed registries): a chart
/// with two environments in one, a chart without environments and a plain manifest in the other.
fn two_repos() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        (
            "repo-a/chartgate.yaml",
            "root: true\nregistries: [\"registry.a.example/*\"]\nenvironments:\n  dev: {}\n  prod: {}\n",
        ),
        (
            "repo-a/charts/api/Chart.yaml",
            "apiVersion: v2\nname: api\nversion: 0.1.0\n",
        ),
        (
            "repo-a/charts/api/values.yaml",
            "image: registry.a.example/api:1.0.0\nreplicas: 1\n",
        ),
        (
            "repo-a/charts/api/values-dev.yaml",
            "image: registry.b.example/api:1.0.0\n",
        ),
        ("repo-a/charts/api/values-prod.yaml", "replicas: 2\n"),
        (
            "repo-a/charts/api/templates/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels: {team: a, environment: x, app.kubernetes.io/name: api}\nspec:\n  selector: {matchLabels: {app: api}}\n  replicas: {{ .Values.replicas }}\n  template:\n    metadata: {labels: {app: api}}\n    spec:\n      containers:\n        - name: api\n          image: {{ .Values.image }}\n          resources:\n            requests: {cpu: 10m, memory: 64Mi}\n            limits: {memory: 64Mi}\n",
        ),
        (
            "repo-b/chartgate.yaml",
            "root: true\nregistries: [\"registry.b.example/*\"]\n",
        ),
        (
            "repo-b/apps/job/Chart.yaml",
            "apiVersion: v2\nname: job\nversion: 0.1.0\n",
        ),
        (
            "repo-b/apps/job/values.yaml",
            "image: registry.b.example/job:latest\n",
        ),
        (
            "repo-b/apps/job/templates/job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: job\n  labels: {team: b, environment: x, app.kubernetes.io/name: job}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: job\n          image: {{ .Values.image }}\n          resources:\n            requests: {cpu: 10m, memory: 64Mi}\n            limits: {memory: 64Mi}\n",
        ),
        (
            "repo-b/manifests/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {team: b, environment: x, app.kubernetes.io/name: settings}\ndata: {a: b}\n",
        ),
    ];
    for (path, text) in files {
        let p = t.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    t
}

const TWO_REPOS_TEXT: &str = "\
chartgate audit of repo-a, repo-b: 2 errors, 0 warnings, 0 info findings in 4 checks

repo-a/charts/api          dev  prod
  image-registry (error)     1     .
  status                  FAIL  pass

repo-b/apps/job                -
  image-tag-pinned (error)     1
  status                    FAIL

repo-b/manifests/cm.yaml     -
  status                  pass

Rules
  rule              severity  findings  services  checks
  image-registry    error            1         1       1
  image-tag-pinned  error            1         1       1

Score: 50% (2 of 4 checks passing)
(a check is one chart × environment or plain manifest; it passes when it has no error finding)
";

#[test]
fn two_repositories_each_with_its_config() {
    let t = two_repos();
    let (code, out, err) = chartgate(t.path(), &["audit", "repo-a", "repo-b"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, TWO_REPOS_TEXT);
    // A folder inside a repository also given is audited once.
    let (_, again, _) = chartgate(
        t.path(),
        &["audit", "repo-a", "repo-a/charts/api", "repo-b"],
    );
    assert_eq!(
        again,
        TWO_REPOS_TEXT.replace("repo-a, repo-b:", "repo-a, repo-a/charts/api, repo-b:")
    );
    // --env: only that environment (the chart without environments is checked once under it).
    let (code, out, _) = chartgate(
        t.path(),
        &["audit", "repo-a", "--env", "prod", "--format", "json"],
    );
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["score"],
        serde_json::json!({"checks": 1, "passing": 1, "percent": 100})
    );
}

#[test]
fn two_repositories_markdown() {
    let t = two_repos();
    let (code, out, _) = chartgate(
        t.path(),
        &["audit", "repo-a", "repo-b", "--format", "markdown"],
    );
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "## chartgate audit

**Score: 50% (2 of 4 checks passing)** — 2 errors, 0 warnings, 0 info findings in 4 checks under `repo-a`, `repo-b`.

A check is one chart × environment (or plain manifest); it passes when it has no error finding.

### repo-a/charts/api

| Rule | Severity | dev | prod |
|---|---|---:|---:|
| `image-registry` | error | 1 | 0 |
| **status** | | ❌ fail | ✅ pass |

### repo-b/apps/job

| Rule | Severity | - |
|---|---|---:|
| `image-tag-pinned` | error | 1 |
| **status** | | ❌ fail |

### repo-b/manifests/cm.yaml

| Rule | Severity | - |
|---|---|---:|
| **status** | | ✅ pass |

### Rules

| Rule | Severity | Findings | Services | Checks |
|---|---|---:|---:|---:|
| `image-registry` | error | 1 | 1 | 1 |
| `image-tag-pinned` | error | 1 | 1 | 1 |
"
    );
}

#[test]
fn exit_codes_output_file_and_fail_on() {
    let t = two_repos();
    // --fail-on gates like check.
    let (code, _, _) = chartgate(
        t.path(),
        &["audit", "repo-a", "repo-b", "--fail-on", "error"],
    );
    assert_eq!(code, 1);
    let (code, _, _) = chartgate(
        t.path(),
        &["audit", "repo-b/manifests", "--fail-on", "info"],
    );
    assert_eq!(code, 0);
    // --output: the summary goes to the file, nothing to stdout.
    let (code, out, err) = chartgate(
        t.path(),
        &["audit", "repo-a", "repo-b", "--output", "audit.txt"],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(
        std::fs::read_to_string(t.path().join("audit.txt")).unwrap(),
        TWO_REPOS_TEXT
    );
    // A broken manifest is an input error (2), named with file:line:col; the rest is reported.
    std::fs::write(t.path().join("repo-b/manifests/bad.yaml"), "a: [1, 2\n").unwrap();
    let (code, out, err) = chartgate(t.path(), &["audit", "repo-a", "repo-b"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: invalid YAML: repo-b/manifests/bad.yaml:2:1: while parsing a flow sequence, expected ',' or ']'\n"
    );
    assert_eq!(out, TWO_REPOS_TEXT);
    // A broken config stops the audit with exit code 2.
    std::fs::write(t.path().join("repo-a/chartgate.yaml"), "registries: 3\n").unwrap();
    let (code, out, err) = chartgate(t.path(), &["audit", "repo-a"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "chartgate: config error: repo-a/chartgate.yaml:1:13: registries: 3 is not of type \"array\"\n"
    );
    // A path that does not exist.
    let (code, _, err) = chartgate(t.path(), &["audit", "nope"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: nope: No such file or directory (os error 2)\n"
    );
}

/// The team repo in a temp dir (with the schema its config names, at the same relative place).
fn team_repo_copy() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    // One repository (its root holds .git): the config's ../../schemas stays inside it.
    std::fs::create_dir(t.path().join(".git")).unwrap();
    let src = root().join("fixtures/team-repo");
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let dest: PathBuf = t
            .path()
            .join("fixtures/team-repo")
            .join(e.path().strip_prefix(&src).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
    std::fs::create_dir_all(t.path().join("schemas")).unwrap();
    std::fs::copy(
        root().join("schemas/service-chart.schema.json"),
        t.path().join("schemas/service-chart.schema.json"),
    )
    .unwrap();
    t
}

#[test]
fn baseline_out_round_trip_with_check_baseline() {
    let t = team_repo_copy();
    let (code, out, err) = chartgate(
        t.path(),
        &[
            "audit",
            "fixtures/team-repo",
            "--baseline-out",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let audit: Value = serde_json::from_str(&out).unwrap();
    // The same baseline as check records.
    let (_, _, _) = chartgate(
        t.path(),
        &[
            "check",
            "fixtures/team-repo",
            "--baseline-out",
            "check-baseline.json",
        ],
    );
    let from_audit = std::fs::read_to_string(t.path().join("baseline.json")).unwrap();
    assert_eq!(
        from_audit,
        std::fs::read_to_string(t.path().join("check-baseline.json")).unwrap()
    );
    let b: Value = serde_json::from_str(&from_audit).unwrap();
    assert_eq!(b["entries"].as_array().unwrap().len(), 11);
    assert_eq!(audit["summary"]["error"], 11);
    // Nothing new, nothing fixed.
    let (code, out, err) = chartgate(
        t.path(),
        &["check", "fixtures/team-repo", "--baseline", "baseline.json"],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "No findings: 0 errors, 0 warnings, 0 infos\nBaseline: no entry fixed\n"
    );
    // Fix one (web dev's `latest`), add one (billing-scheduler dev's TZ), move lines (web).
    let svc = t.path().join("fixtures/team-repo/services");
    std::fs::write(
        svc.join("web/values-dev.yaml"),
        "image:\n  tag: \"1.4.2\"\nenvironment: dev\n",
    )
    .unwrap();
    std::fs::write(
        svc.join("billing-scheduler/values-dev.yaml"),
        "env:\n  TZ: Mars/Olympus\nenvironment: dev\n",
    )
    .unwrap();
    let web = std::fs::read_to_string(svc.join("web/values.yaml")).unwrap();
    std::fs::write(svc.join("web/values.yaml"), format!("# moved\n\n{web}")).unwrap();
    let (code, out, err) = chartgate(
        t.path(),
        &[
            "check",
            "fixtures/team-repo",
            "--baseline",
            "baseline.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let new: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}",
                f["rule"].as_str().unwrap(),
                f["environment"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    assert_eq!(
        new,
        ["timezone dev fixtures/team-repo/services/billing-scheduler/values-dev.yaml:2"]
    );
    let fixed: Vec<String> = v["baseline"]["fixed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["rule"].as_str().unwrap(),
                e["environment"].as_str().unwrap(),
                e["file"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        fixed,
        ["image-tag-pinned dev fixtures/team-repo/services/web/values-dev.yaml:2:8"]
    );
}

/// On a terminal the progress bar is drawn on stderr (and cleared at the end); the report is the
/// same. `script` (util-linux) gives the command a pseudo-terminal.
#[cfg(target_os = "linux")]
#[test]
fn progress_bar_on_a_terminal() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("`script` (util-linux) not installed: no pseudo-terminal to test with");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    let report = t.path().join("audit.txt");
    let cmd = format!(
        "'{}' audit fixtures/team-repo --output '{}'",
        env!("CARGO_BIN_EXE_chartgate"),
        report.display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(root())
        .output()
        .unwrap();
    let out = support::Run::from(out);
    assert_eq!(out.code, Some(0));
    let tty = out.stdout.as_str();
    assert!(tty.contains("auditing ["), "{tty:?}");
    // Renders (chart × environment) and repositories done / total.
    assert!(tty.contains("] 0/9 renders, 0/1 repos ("), "{tty:?}");
    assert!(tty.contains("] 9/9 renders, 1/1 repos ("), "{tty:?}");
    assert!(
        tty.ends_with("\r\u{1b}[2K"),
        "the bar is cleared at the end: {tty:?}"
    );
    assert_eq!(std::fs::read_to_string(report).unwrap(), TEAM_TEXT);
}

#[test]
fn chart_that_fails_to_render_is_a_failing_check() {
    let t = two_repos();
    let bad = t.path().join("repo-c/charts/bad");
    std::fs::create_dir_all(bad.join("templates")).unwrap();
    std::fs::write(
        bad.join("Chart.yaml"),
        "apiVersion: v2\nname: bad\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(bad.join("templates/a.yaml"), "kind: x\n{{ if }}\n").unwrap();
    let (code, out, err) = chartgate(t.path(), &["audit", "repo-c", "repo-a", "--format", "json"]);
    assert_eq!((code, err.as_str()), (0, ""));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["score"],
        serde_json::json!({"checks": 3, "passing": 1, "percent": 33})
    );
    assert_eq!(v["services"][0]["service"], "repo-c/charts/bad");
    assert_eq!(
        v["services"][0]["environments"][0]["rules"],
        serde_json::json!({"render-error": 1})
    );
    let render: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "render-error")
        .map(|f| format!("{}:{}", f["file"].as_str().unwrap(), f["line"]))
        .collect();
    assert_eq!(render, ["repo-c/charts/bad/templates/a.yaml:2"]);
}
