//! `exemptions:` in chartgate.yaml through `chartgate check`: active, expired, other
//! environment, unused, on a Rego policy id, and the config errors.

mod support;

use serde_json::Value;

const CONFIG: &str = r#"rules:
  required-labels: error
environments:
  dev: {cluster: dev-eu}
  prod: {cluster: prod-eu}
exemptions:
  - {rule: image-registry, resource: "Deployment/legacy-*", environment: dev, reason: "moving to ECR, PLAT-123", expires: 2026-06-01}
  - {rule: image-tag-pinned, resource: legacy-api, reason: "vendor image", expires: 2026-05-31}
  - {rule: required-labels, resource: "Deployment/legacy-api", environment: prod, reason: "labels come with the chart rewrite"}
  - rule: timezone
    resource: "*"
    reason: "nothing to suppress"
"#;

const APP: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy-api
  labels: {app.kubernetes.io/name: legacy, team: shop}
spec:
  selector: {matchLabels: {app: legacy}}
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers:
        - name: api
          image: nginx:latest
          resources: {requests: {cpu: 100m, memory: 64Mi}, limits: {memory: 64Mi}}
"#;

/// (rule, severity, environment, file:line:col, message)
type Row = (String, String, String, String, String);

fn run(dir: &std::path::Path, config: &str, args: &[&str]) -> (i32, Vec<Row>, String) {
    let r = support::cli(["check", "app.yaml", "--format", "json", "--config", config])
        .args(args)
        .dir(dir)
        .env("CHARTGATE_TODAY", "2026-06-01")
        .run();
    // A config error prints no report: no rows.
    let rows = serde_json::from_str::<Value>(&r.stdout)
        .map(|v| {
            support::findings_of(&v)
                .iter()
                .map(|f| {
                    let field = |template| support::format_finding(f, template);
                    (
                        field("{rule}"),
                        field("{severity}"),
                        field("{env}"),
                        field("{file}:{line}:{column}"),
                        field("{message}"),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (r.code(), rows, r.stderr)
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("chartgate.yaml"), CONFIG).expect("write");
    std::fs::write(dir.path().join("app.yaml"), APP).expect("write");
    dir
}

fn r(rule: &str, sev: &str, env: &str, at: &str, msg: &str) -> Row {
    (rule.into(), sev.into(), env.into(), at.into(), msg.into())
}

const REGISTRY: &str = "container `api`: image `docker.io/library/nginx:latest` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)";
const TAG: &str = "container `api`: image `docker.io/library/nginx:latest` uses the moving tag `latest`; pin a version";
const LABELS: &str =
    "Deployment legacy-api is missing the label \"environment\" required for cost reporting";
const EXPIRED: &str = "exemption of `image-tag-pinned` for `legacy-api` expired on 2026-05-31; it no longer suppresses findings (reason: vendor image)";
const UNUSED: &str = "exemption of `timezone` for `*` suppresses no finding; remove it";

#[test]
fn active_expired_other_environment_and_unused() {
    let dir = setup();
    let (code, got, _) = run(dir.path(), "chartgate.yaml", &["--env", "dev"]);
    assert_eq!(
        got,
        vec![
            // The required-labels exemption is for prod only.
            r("required-labels", "error", "dev", "app.yaml:5:11", LABELS),
            // image-registry is exempted in dev through 2026-06-01 (today): not reported.
            // image-tag-pinned's exemption expired yesterday: reported again...
            r("image-tag-pinned", "error", "dev", "app.yaml:13:18", TAG),
            // ...and the exemption itself, at its line in the config.
            r(
                "expired-exemption",
                "warning",
                "-",
                "chartgate.yaml:8:5",
                EXPIRED
            ),
            // The prod-only exemption is not judged: prod was not checked.
            r(
                "unused-exemption",
                "warning",
                "-",
                "chartgate.yaml:10:5",
                UNUSED
            ),
        ]
    );
    assert_eq!(code, 1);

    let (_, got, _) = run(dir.path(), "chartgate.yaml", &["--env", "prod"]);
    assert_eq!(
        got,
        vec![
            // The dev-only registry exemption does not apply; the Rego policy id is exempted.
            r(
                "image-registry",
                "error",
                "prod",
                "app.yaml:13:18",
                REGISTRY
            ),
            r("image-tag-pinned", "error", "prod", "app.yaml:13:18", TAG),
            r(
                "expired-exemption",
                "warning",
                "-",
                "chartgate.yaml:8:5",
                EXPIRED
            ),
            r(
                "unused-exemption",
                "warning",
                "-",
                "chartgate.yaml:10:5",
                UNUSED
            ),
        ]
    );

    // Both environments in one run: each exemption finding once.
    let (_, got, _) = run(dir.path(), "chartgate.yaml", &["--env", "dev,prod"]);
    let rules: Vec<(&str, &str)> = got.iter().map(|r| (r.0.as_str(), r.2.as_str())).collect();
    assert_eq!(
        rules,
        vec![
            ("required-labels", "dev"),
            ("image-registry", "prod"),
            ("image-tag-pinned", "dev"),
            ("image-tag-pinned", "prod"),
            ("expired-exemption", "-"),
            ("unused-exemption", "-"),
        ]
    );
}

#[test]
fn exemption_findings_take_config_levels() {
    let dir = setup();
    let config = CONFIG.replace(
        "rules:\n",
        "rules:\n  unused-exemption: off\n  expired-exemption: error\n",
    );
    std::fs::write(dir.path().join("levels.yaml"), config).expect("write");
    let (_, got, _) = run(dir.path(), "levels.yaml", &["--env", "dev"]);
    let tail: Vec<&Row> = got.iter().filter(|r| r.0.ends_with("-exemption")).collect();
    assert_eq!(
        tail,
        vec![&r(
            "expired-exemption",
            "error",
            "-",
            "levels.yaml:10:5",
            EXPIRED
        )]
    );
}

#[test]
fn missing_reason_and_bad_today_are_errors() {
    let dir = setup();
    std::fs::write(
        dir.path().join("noreason.yaml"),
        "exemptions:\n  - {rule: timezone, resource: \"*\", reason: \"  \"}\n",
    )
    .expect("write");
    let (code, got, stderr) = run(dir.path(), "noreason.yaml", &[]);
    assert_eq!((code, got.len()), (2, 0));
    assert_eq!(
        stderr,
        "chartgate: config error: noreason.yaml:2:45: exemption for rule `timezone` needs a reason\n"
    );
    let out = support::cmd()
        .current_dir(dir.path())
        .env("CHARTGATE_TODAY", "someday")
        .args(["check", "app.yaml"])
        .run();
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr.as_str(),
        "chartgate: CHARTGATE_TODAY must be a date YYYY-MM-DD, got `someday`\n"
    );
}
