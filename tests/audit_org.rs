//! Audits across the organisation: `audit --format json` reports from separate jobs merged with
//! `audit --merge` equal one audit over all the paths (every format, byte for byte); a merge of
//! a broken or foreign file is a clear error naming it.

mod support;

use std::path::Path;

fn chartgate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::cli(args)
        .dir(dir)
        .env("NO_COLOR", "1")
        .run()
        .into_parts()
}

fn write_all(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const DEPLOY: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Chart.Name }}\n  labels: {team: a, environment: x, app.kubernetes.io/name: x}\nspec:\n  selector: {matchLabels: {app: x}}\n  replicas: {{ .Values.replicas }}\n  template:\n    metadata: {labels: {app: x}}\n    spec:\n      containers:\n        - name: app\n          image: {{ .Values.image }}\n          resources:\n            requests: {cpu: 10m, memory: 64Mi}\n            limits: {memory: 64Mi}\n";

/// Two repositories with their own configs: repo-a (a git checkout) has a chart in two
/// environments and a plain manifest; repo-b a chart without environments and a manifest.
fn org() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write_all(
        t.path(),
        &[
            (
                "repo-a/chartgate.yaml",
                "root: true\nregistries: [\"registry.a.example/*\"]\nenvironments:\n  dev: {}\n  prod: {}\n",
            ),
            ("repo-a/.git/HEAD", "ref: refs/heads/main\n"),
            (
                "repo-a/.github/CODEOWNERS",
                "# owners\n*            @acme/api-team\n/manifests/ @acme/config @acme/other\n",
            ),
            (
                "repo-a/.git/refs/heads/main",
                "0123456789abcdef0123456789abcdef01234567\n",
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
                "image: registry.b.example/api:latest\n",
            ),
            ("repo-a/charts/api/values-prod.yaml", "replicas: 2\n"),
            ("repo-a/charts/api/templates/deploy.yaml", DEPLOY),
            (
                "repo-a/manifests/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  labels: {team: a, environment: x, app.kubernetes.io/name: settings}\ndata: {a: b}\n",
            ),
            (
                "repo-b/chartgate.yaml",
                "root: true\nregistries: [\"registry.b.example/*\"]\nteams:\n  jobs: [apps/*]\n",
            ),
            (
                "repo-b/apps/job/Chart.yaml",
                "apiVersion: v2\nname: job\nversion: 0.1.0\n",
            ),
            (
                "repo-b/apps/job/values.yaml",
                "image: registry.b.example/job:latest\nreplicas: 1\n",
            ),
            ("repo-b/apps/job/templates/deploy.yaml", DEPLOY),
            (
                "repo-b/manifests/pod.yaml",
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  labels: {team: b, environment: x, app.kubernetes.io/name: p}\nspec:\n  containers:\n    - name: c\n      image: registry.b.example/p:1.0.0\n",
            ),
        ],
    );
    t
}

#[test]
fn merged_reports_equal_one_audit_in_every_format() {
    let t = org();
    let d = t.path();
    for (repo, file) in [("repo-a", "a.json"), ("repo-b", "b.json")] {
        let (code, out, err) = chartgate(d, &["audit", repo, "--format", "json", "--output", file]);
        assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    }
    for format in ["json", "text", "markdown"] {
        let (code, one, err) = chartgate(d, &["audit", "repo-a", "repo-b", "--format", format]);
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        let (code, merged, err) = chartgate(
            d,
            &["audit", "--merge", "a.json", "b.json", "--format", format],
        );
        assert_eq!((code, err.as_str()), (0, ""), "{format}");
        assert_eq!(merged, one, "{format}");
    }
    // The merged baseline is the one audit's, and --fail-on gates on the merged findings.
    chartgate(
        d,
        &[
            "audit",
            "repo-a",
            "repo-b",
            "--baseline-out",
            "one.baseline",
        ],
    );
    let (code, _, _) = chartgate(
        d,
        &[
            "audit",
            "--merge",
            "a.json",
            "b.json",
            "--baseline-out",
            "merged.baseline",
            "--fail-on",
            "error",
        ],
    );
    assert_eq!(code, 1);
    assert_eq!(
        std::fs::read_to_string(d.join("merged.baseline")).unwrap(),
        std::fs::read_to_string(d.join("one.baseline")).unwrap()
    );
    // The whole merged text, exactly: repo by repo, charts then manifests.
    let (_, text, _) = chartgate(d, &["audit", "--merge", "a.json", "b.json"]);
    assert_eq!(text, MERGED_TEXT);
    // The report carries the revisions (repo-b is not a git checkout).
    let (_, json, _) = chartgate(
        d,
        &["audit", "--merge", "a.json", "b.json", "--format", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["revisions"],
        serde_json::json!({"repo-a": "0123456789abcdef0123456789abcdef01234567", "repo-b": null})
    );
    assert_eq!(
        (&v["report"], &v["version"]),
        (&serde_json::json!("chartgate-audit"), &serde_json::json!(1))
    );
    // A report given twice, or a folder inside a repository also given, counts once (as in one run).
    let (_, twice, _) = chartgate(d, &["audit", "--merge", "a.json", "b.json", "a.json"]);
    assert_eq!(twice, MERGED_TEXT);
    chartgate(
        d,
        &[
            "audit",
            "repo-a/charts/api",
            "--format",
            "json",
            "--output",
            "api.json",
        ],
    );
    let (_, one, _) = chartgate(d, &["audit", "repo-a", "repo-a/charts/api", "repo-b"]);
    let (_, merged, _) = chartgate(d, &["audit", "--merge", "a.json", "api.json", "b.json"]);
    assert_eq!(merged, one);
}

const MERGED_TEXT: &str = "\
chartgate audit of repo-a, repo-b: 6 errors, 0 warnings, 0 info findings in 5 checks

repo-a/charts/api (team @acme/api-team)   dev  prod
  image-registry (error)                    1     .
  image-tag-pinned (error)                  1     .
  status                                 FAIL  pass

repo-a/manifests/cm.yaml (team @acme/config)     -
  status                                      pass

repo-b/apps/job (team jobs)     -
  image-tag-pinned (error)      1
  status                     FAIL

repo-b/manifests/pod.yaml (no team)     -
  resource-requests (error)             3
  status                             FAIL

Teams
  team            services  checks  passing  score  errors  warnings  info
  @acme/api-team         1       2        1    50%       2         0     0
  @acme/config           1       1        1   100%       0         0     0
  jobs                   1       1        0     0%       1         0     0
  -                      1       1        0     0%       3         0     0

Rules
  rule               severity  findings  services  checks
  image-tag-pinned   error            2         2       2
  resource-requests  error            3         1       1
  image-registry     error            1         1       1

Score: 40% (2 of 5 checks passing)
(a check is one chart × environment or plain manifest; it passes when it has no error finding)
";

/// Teams from CODEOWNERS (repo-a: last matching line wins, first owner) and `teams:` (repo-b's
/// config: `apps/*`); `--repos FILE` lists the repositories; markdown and JSON per team.
#[test]
fn teams_from_codeowners_and_config_with_a_repos_file() {
    let t = org();
    let d = t.path();
    std::fs::write(d.join("repos.txt"), "# the estate\nrepo-a\n\n  repo-b  \n").unwrap();
    let (code, out, err) = chartgate(d, &["audit", "--repos", "repos.txt"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, MERGED_TEXT);
    let (_, md, _) = chartgate(
        d,
        &["audit", "--repos", "repos.txt", "--format", "markdown"],
    );
    let teams = &md[md.find("### Teams").unwrap()..md.find("### Rules").unwrap()];
    assert_eq!(
        teams,
        "### Teams

| Team | Services | Checks | Passing | Score | Errors | Warnings | Info |
|---|---:|---:|---:|---:|---:|---:|---:|
| @acme/api-team | 1 | 2 | 1 | 50% | 2 | 0 | 0 |
| @acme/config | 1 | 1 | 1 | 100% | 0 | 0 | 0 |
| jobs | 1 | 1 | 0 | 0% | 1 | 0 | 0 |
| - | 1 | 1 | 0 | 0% | 3 | 0 | 0 |

"
    );
    assert!(
        md.contains("\n### repo-a/charts/api (team @acme/api-team)\n"),
        "{md}"
    );
    let (_, json, _) = chartgate(d, &["audit", "--repos", "repos.txt", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["teams"][0],
        serde_json::json!({
            "team": "@acme/api-team",
            "services": ["repo-a/charts/api"],
            "score": {"checks": 2, "passing": 1, "percent": 50},
            "summary": {"error": 2, "warning": 0, "info": 0},
            "rules": [
                {"rule": "image-registry", "severity": "error", "findings": 1},
                {"rule": "image-tag-pinned", "severity": "error", "findings": 1},
            ],
        })
    );
    assert_eq!(v["teams"][3]["team"], serde_json::Value::Null);
    assert_eq!(
        (&v["services"][2]["team"], &v["services"][2]["score"]),
        (
            &serde_json::json!("jobs"),
            &serde_json::json!({"checks": 1, "passing": 0, "percent": 0})
        )
    );
    assert_eq!(
        v["owners"],
        serde_json::json!({
            "repo-a/charts/api": "@acme/api-team",
            "repo-a/manifests/cm.yaml": "@acme/config",
            "repo-b/apps/job": "jobs",
        })
    );
    // `teams:` decides before CODEOWNERS.
    std::fs::write(
        d.join("repo-a/chartgate.yaml"),
        "root: true\nregistries: [\"registry.a.example/*\"]\nenvironments:\n  dev: {}\n  prod: {}\nteams:\n  platform: [charts]\n",
    )
    .unwrap();
    let (_, json, _) = chartgate(d, &["audit", "repo-a", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["owners"],
        serde_json::json!({"repo-a/charts/api": "platform", "repo-a/manifests/cm.yaml": "@acme/config"})
    );
    // The platform config's teams decide before a repository's own.
    std::fs::write(
        d.join("platform.yaml"),
        "extend: [registries]\nteams:\n  platform-owned: [repo-b/apps]\n",
    )
    .unwrap();
    let (code, json, err) = chartgate(
        d,
        &[
            "audit",
            "repo-b",
            "--platform-config",
            "platform.yaml",
            "--format",
            "json",
        ],
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["owners"],
        serde_json::json!({"repo-b/apps/job": "platform-owned"})
    );
    // A repos file that is missing or lists nothing is an input error.
    std::fs::write(d.join("empty.txt"), "# nothing yet\n\n").unwrap();
    let (code, _, err) = chartgate(d, &["audit", "--repos", "empty.txt"]);
    assert_eq!(
        (code, err.as_str()),
        (2, "chartgate: empty.txt: lists no repository\n")
    );
    let (code, _, err) = chartgate(d, &["audit", "--repos", "none.txt"]);
    assert_eq!(
        (code, err.as_str()),
        (
            2,
            "chartgate: cannot read none.txt: No such file or directory (os error 2)\n"
        )
    );
    // An invalid glob under teams: is a config error at its line.
    std::fs::write(
        d.join("repo-b/chartgate.yaml"),
        "root: true\nteams:\n  jobs: [\"apps/[\"]\n",
    )
    .unwrap();
    let (code, _, err) = chartgate(d, &["audit", "repo-b"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: config error: repo-b/chartgate.yaml:3:10: teams.jobs: invalid glob `apps/[`: unclosed character class; missing ']'\n"
    );
}

#[test]
fn merging_a_broken_or_foreign_file_is_an_error_naming_it() {
    let t = org();
    let d = t.path();
    chartgate(
        d,
        &["audit", "repo-a", "--format", "json", "--output", "a.json"],
    );
    chartgate(d, &["check", "repo-a", "--output", "json=check.json"]);
    std::fs::write(d.join("garbage.json"), "<html>not json</html>\n").unwrap();
    std::fs::write(
        d.join("cut.json"),
        "{\"report\": \"chartgate-audit\", \"version\": 1, \"roots\": [",
    )
    .unwrap();
    let a = std::fs::read_to_string(d.join("a.json")).unwrap();
    std::fs::write(
        d.join("v2.json"),
        a.replace("\"version\": 1,", "\"version\": 2,"),
    )
    .unwrap();
    std::fs::write(
        d.join("nochecks.json"),
        a.replace("\"checks\": [", "\"checkz\": ["),
    )
    .unwrap();
    std::fs::write(
        d.join("badsev.json"),
        a.replacen(
            "\"severity\": \"error\",\n      \"message\"",
            "\"severity\": \"fatal\",\n      \"message\"",
            1,
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("badline.json"),
        a.replacen("\"line\": ", "\"line\": -", 1),
    )
    .unwrap();
    let cases: &[(&str, &str)] = &[
        (
            "garbage.json",
            "chartgate: garbage.json:1:1: not a chartgate audit report: invalid JSON: expected value\n",
        ),
        (
            "cut.json",
            "chartgate: cut.json:1:54: not a chartgate audit report: invalid JSON: EOF while parsing a list\n",
        ),
        (
            "check.json",
            "chartgate: check.json: not a chartgate audit report (no \"report\": \"chartgate-audit\"; write one with `chartgate audit --format json`)\n",
        ),
        (
            "v2.json",
            "chartgate: v2.json: audit report version 2 is not supported (this chartgate reads version 1)\n",
        ),
        (
            "missing.json",
            "chartgate: cannot read missing.json: No such file or directory (os error 2)\n",
        ),
    ];
    for (file, expected) in cases {
        let (code, out, err) = chartgate(d, &["audit", "--merge", "a.json", file]);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (2, "", *expected),
            "{file}"
        );
    }
    let (code, out, err) = chartgate(d, &["audit", "--merge", "a.json", "nochecks.json"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "chartgate: nochecks.json:215:1: invalid chartgate audit report: missing field `checks`\n"
    );
    let (code, _, err) = chartgate(d, &["audit", "--merge", "badsev.json"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: badsev.json: invalid chartgate audit report: findings[0].severity: unknown severity 'fatal' (expected error, warning or info)\n"
    );
    let (code, _, err) = chartgate(d, &["audit", "--merge", "badline.json"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: badline.json:161:16: invalid chartgate audit report: invalid value: integer `-1`, expected u32\n"
    );
    // --merge does not audit: paths and audit-only options are refused.
    let (code, _, err) = chartgate(d, &["audit", "repo-a", "--merge", "a.json"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: the argument '[PATHS]...' cannot be used with '--merge <JSON>...'\n\nUsage: chartgate audit <PATHS>...\n\nFor more information, try '--help'.\n"
    );
}

/// `--history FILE` appends one exact JSON line per audit (the date from SOURCE_DATE_EPOCH),
/// from a merge as from an audit.
#[test]
fn history_appends_one_line_per_audit() {
    let t = org();
    let d = t.path();
    let run = |args: &[&str], epoch: &str| {
        support::cmd()
            .current_dir(d)
            .env("SOURCE_DATE_EPOCH", epoch)
            .args(args)
            .run()
    };
    let out = run(
        &["audit", "repo-a", "repo-b", "--history", "history.jsonl"],
        "1764936000",
    );
    assert_eq!(out.code, Some(0));
    run(
        &["audit", "repo-a", "--format", "json", "--output", "a.json"],
        "0",
    );
    run(
        &["audit", "repo-b", "--format", "json", "--output", "b.json"],
        "0",
    );
    let out = run(
        &[
            "audit",
            "--merge",
            "a.json",
            "b.json",
            "--history",
            "history.jsonl",
            "--output",
            "merged.txt",
        ],
        "1765022400",
    );
    assert_eq!(out.code, Some(0));
    let history = std::fs::read_to_string(d.join("history.jsonl")).unwrap();
    let line = |date: &str| {
        format!(
            concat!(
                r#"{{"date":"{}","roots":["repo-a","repo-b"],"#,
                r#""revisions":{{"repo-a":"0123456789abcdef0123456789abcdef01234567","repo-b":null}},"#,
                r#""score":{{"checks":5,"passing":2,"percent":40}},"#,
                r#""teams":[{{"team":"@acme/api-team","checks":2,"passing":1}},{{"team":"@acme/config","checks":1,"passing":1}},{{"team":"jobs","checks":1,"passing":0}},{{"team":null,"checks":1,"passing":0}}],"#,
                r#""counts":["#,
                r#"{{"team":null,"rule":"resource-requests","severity":"error","environment":null,"findings":3}},"#,
                r#"{{"team":"@acme/api-team","rule":"image-registry","severity":"error","environment":"dev","findings":1}},"#,
                r#"{{"team":"@acme/api-team","rule":"image-tag-pinned","severity":"error","environment":"dev","findings":1}},"#,
                r#"{{"team":"jobs","rule":"image-tag-pinned","severity":"error","environment":null,"findings":1}}]}}"#,
                "\n"
            ),
            date
        )
    };
    assert_eq!(
        history,
        line("2025-12-05T12:00:00Z") + &line("2025-12-06T12:00:00Z")
    );
    // A malformed SOURCE_DATE_EPOCH is an error, and nothing is appended.
    let out = run(
        &["audit", "repo-b", "--history", "history.jsonl"],
        "yesterday",
    );
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr.as_str(),
        "chartgate: SOURCE_DATE_EPOCH: expected seconds since 1970-01-01, got 'yesterday'\n"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("history.jsonl")).unwrap(),
        history
    );
}
