//! Rego policies inside `chartgate check`: one analysis and one report with the built-in rules,
//! policy sources (bundled, config `policies:`, `--policy`), conftest conventions (v0 and v1,
//! exceptions, namespaces, `--combine`), METADATA ids and severities, config overrides and
//! suppression annotations on policy ids, `--data` YAML, `data.chartgate.context`, field paths
//! located to their line, and every error path failing closed.

mod support;

use serde_json::{Value, json};
use support::chartgate;

const C: &str = "fixtures/policies/check";

/// (rule, severity, environment, resource, file:line:col, message) of every finding.
type Row = (String, String, String, String, String, String);

fn check(args: &[&str]) -> (i32, Vec<Row>) {
    let r = support::cli(["check", "--format", "json"]).args(args).run();
    let rows = support::findings_of(&r.json())
        .iter()
        .map(|f| {
            let field = |template| support::format_finding(f, template);
            (
                field("{rule}"),
                field("{severity}"),
                field("{env}"),
                field("{resource}"),
                field("{file}:{line}:{column}"),
                field("{message}"),
            )
        })
        .collect();
    (r.code(), rows)
}

fn row(rule: &str, sev: &str, env: &str, res: &str, at: &str, msg: &str) -> Row {
    (
        rule.into(),
        sev.into(),
        env.into(),
        res.into(),
        at.into(),
        msg.into(),
    )
}

#[test]
fn team_and_bundled_policies_in_one_report() {
    // Config `policies: [team/]` (v1 with METADATA, v0 with an exception, a second package),
    // the bundled platform policies, and the built-in rules, in one report.
    let (code, got) = check(&[&format!("{C}/manifests"), "--env", "dev"]);
    let app = format!("{C}/manifests/app.yaml");
    let worker = format!("{C}/manifests/worker.yaml");
    assert_eq!(
        got,
        vec![
            // v0 `violation` with a `path`: the line of spec.replicas.
            row(
                "main.violation",
                "error",
                "dev",
                "Deployment/web",
                &format!("{app}:8:13"),
                "web runs 12 replicas; ask the platform team first"
            ),
            // `main.warn: info` in the config overrides the warning default.
            row(
                "main.warn",
                "info",
                "dev",
                "Service/web",
                &format!("{app}:21:1"),
                "Service web is a NodePort"
            ),
            // web-debug is excepted from deny_debug by the v0 `exception` rule.
            row(
                "main.deny_debug",
                "error",
                "dev",
                "ConfigMap/web-config",
                &format!("{app}:31:1"),
                "ConfigMap web-config turns DEBUG on"
            ),
            // Bundled policies: the release namespace of the environment, the cost labels.
            row(
                "allowed-namespace",
                "error",
                "dev",
                "Deployment/worker",
                &format!("{worker}:5:14"),
                "Deployment worker uses namespace \"jobs\", which environment \"dev\" does not allow (allowed: web)"
            ),
            row(
                "required-labels",
                "error",
                "dev",
                "Deployment/worker",
                &format!("{worker}:6:11"),
                "Deployment worker is missing the label \"environment\" required for cost reporting"
            ),
            // worker's replicas (20) are suppressed by chartgate.io/ignore.main.violation.
            row(
                "image-registry",
                "error",
                "dev",
                "Deployment/worker",
                &format!("{worker}:17:18"),
                "container `worker`: image `docker.io/library/python:3.12` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)"
            ),
            // METADATA custom.id and custom.severity; the path points at the image line.
            row(
                "team-ecr-only",
                "warning",
                "dev",
                "Deployment/worker",
                &format!("{worker}:17:18"),
                "container worker pulls docker.io/library/python:3.12 from outside the shared ECR"
            ),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn namespaces_select_packages() {
    // `team.extra.deny: off` in the config; its warn_size runs with --all-namespaces.
    let (_, got) = check(&[
        &format!("{C}/manifests"),
        "--env",
        "dev",
        "--all-namespaces",
    ]);
    let extra: Vec<&Row> = got
        .iter()
        .filter(|r| r.0.starts_with("team.extra"))
        .collect();
    assert_eq!(
        extra,
        vec![&row(
            "team.extra.warn_size",
            "warning",
            "dev",
            "ConfigMap/web-config",
            &format!("{C}/manifests/app.yaml:31:1"),
            "ConfigMap web-config has 2 keys"
        )]
    );
    // --namespace team.extra: main's rules do not run, the platform packages still do.
    let (_, got) = check(&[
        &format!("{C}/manifests"),
        "--env",
        "dev",
        "--namespace",
        "team.extra",
    ]);
    let rules: Vec<&str> = got.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        rules,
        vec![
            "team.extra.warn_size",
            "allowed-namespace",
            "required-labels",
            // The annotation names a rule no loaded package defines now.
            "ignore-without-reason",
            "image-registry",
        ]
    );
}

#[test]
fn context_and_yaml_data() {
    // `--data` YAML under `data`, `data.chartgate.context` per environment (cluster and
    // namespace from the config), repeatable --env.
    let (code, got) = check(&[
        &format!("{C}/manifests"),
        "--env",
        "dev,prod",
        "--policy",
        &format!("{C}/context"),
        "--namespace",
        "context",
        "--data",
        &format!("{C}/data/limits.yaml"),
    ]);
    let ctx: Vec<&Row> = got.iter().filter(|r| r.0 == "context.deny").collect();
    let app = format!("{C}/manifests/app.yaml");
    let worker = format!("{C}/manifests/worker.yaml");
    assert_eq!(
        ctx,
        vec![
            &row(
                "context.deny",
                "error",
                "prod",
                "Deployment/web",
                &format!("{app}:8:13"),
                "web: 12 replicas > 11 in prod on prod-eu (namespace web, chart none)"
            ),
            &row(
                "context.deny",
                "error",
                "prod",
                "Deployment/worker",
                &format!("{worker}:10:13"),
                "worker: 20 replicas > 11 in prod on prod-eu (namespace web, chart none)"
            ),
            &row(
                "context.deny",
                "error",
                "dev",
                "Deployment/worker",
                &format!("{worker}:10:13"),
                "worker: 20 replicas > 15 in dev on dev-eu (namespace web, chart none)"
            ),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn combine_sees_all_documents() {
    let (code, got) = check(&[
        &format!("{C}/combine"),
        "--config",
        "fixtures/chartgate.yaml",
        "--combine",
        "--policy",
        "fixtures/policies/combine",
    ]);
    let b = format!("{C}/combine/b.yaml");
    assert_eq!(
        got,
        vec![
            // The result names file, kind and name: located at that document of b.yaml.
            row(
                "main.deny",
                "error",
                "-",
                "ConfigMap/shared",
                &format!("{b}:9:1"),
                &format!("ConfigMap shared is defined in {C}/combine/a.yaml and {b}")
            ),
            row(
                "manifest-validity",
                "error",
                "-",
                "ConfigMap/shared",
                &format!("{b}:12:9"),
                &format!("duplicate ConfigMap `shared`: also defined at {C}/combine/a.yaml:4")
            ),
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn parse_error_exits_2_with_location() {
    chartgate()
        .args([
            "check",
            &format!("{C}/manifests"),
            "--policy",
            &format!("{C}/broken/parse.rego"),
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "chartgate: policy error: {C}/broken/parse.rego:6:25: invalid character in string\n"
        ));
}

/// Policies compile while discovery runs (`Session::prepare_and_discover`); a policy error is
/// still the one reported when discovery fails too (here, a path that does not exist), as when
/// the two ran in turn.
#[test]
fn policy_error_comes_before_a_discovery_error() {
    chartgate()
        .args([
            "check",
            &format!("{C}/no-such-dir"),
            "--policy",
            &format!("{C}/broken/parse.rego"),
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "chartgate: policy error: {C}/broken/parse.rego:6:25: invalid character in string\n"
        ));
    // Without the broken policy, the same path is discovery's error.
    chartgate()
        .args(["check", &format!("{C}/no-such-dir")])
        .assert()
        .code(2)
        .stdout("")
        .stderr(format!(
            "chartgate: {C}/no-such-dir: No such file or directory (os error 2)\n"
        ));
}

#[test]
fn runtime_errors_fail_the_check() {
    let expect = |file: &str, at: &str, msg: &str| {
        let (code, got) = check(&[
            &format!("{C}/manifests"),
            "--policy",
            &format!("{C}/broken/{file}"),
        ]);
        let errors: Vec<&Row> = got.iter().filter(|r| r.0 == "rego-error").collect();
        assert_eq!(errors, vec![&row("rego-error", "error", "-", "-", at, msg)]);
        assert_eq!(code, 1);
    };
    // Conflicting values of a complete rule.
    expect(
        "conflict.rego",
        &format!("{C}/broken/conflict.rego:8:1"),
        &format!(
            "policy evaluation failed: evaluating data.main.deny for {C}/manifests/app.yaml: rule conflicts with rule at {C}/broken/conflict.rego:6:1"
        ),
    );
    // No config level silences it.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("off.yaml");
    std::fs::write(&config, "rules:\n  rego-error: off\n").expect("write");
    let (code, got) = check(&[
        &format!("{C}/manifests"),
        "--config",
        &config.display().to_string(),
        "--policy",
        &format!("{C}/broken/conflict.rego"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(got.iter().filter(|r| r.0 == "rego-error").count(), 1);
    // A builtin regorus does not implement: named.
    expect(
        "builtin.rego",
        &format!("{C}/broken/builtin.rego:7:66"),
        &format!(
            "policy evaluation failed: evaluating data.main.deny for {C}/manifests/app.yaml: could not find function crypto.x509.parse_and_verify_certificates_with_options"
        ),
    );
}

#[test]
fn input_errors_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad_yaml = dir.path().join("bad.yaml");
    std::fs::write(&bad_yaml, "limits:\n  dev: [1,\n").expect("write");
    let two = dir.path().join("two.json");
    std::fs::write(&two, "{\"limits\": {\"dev\": 2}}").expect("write");
    let reserved = dir.path().join("ctx.yaml");
    std::fs::write(&reserved, "chartgate:\n  context: {environment: x}\n").expect("write");
    let run = |extra: &[&str]| {
        let out = chartgate()
            .args(["check", &format!("{C}/manifests")])
            .args(extra)
            .output()
            .expect("run");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let shown = |p: &std::path::Path| p.display().to_string();
    assert_eq!(
        run(&["--data", &shown(&bad_yaml)]),
        (
            Some(2),
            format!(
                "chartgate: policy error: {}:3:1: while parsing a node, did not find expected node content\n",
                shown(&bad_yaml)
            )
        )
    );
    assert_eq!(
        run(&[
            "--data",
            &format!("{C}/data/limits.yaml"),
            "--data",
            &shown(&two)
        ]),
        (
            Some(2),
            format!(
                "chartgate: policy error: {}:0:0: conflicting values for data.limits.dev\n",
                shown(&two)
            )
        )
    );
    assert_eq!(
        run(&["--data", &shown(&reserved)]),
        (
            Some(2),
            format!(
                "chartgate: policy error: {}:0:0: data.chartgate.context is reserved for the context chartgate provides\n",
                shown(&reserved)
            )
        )
    );
    assert_eq!(
        run(&["--policy", "fixtures/policies/nope"]),
        (
            Some(2),
            "chartgate: policy error: fixtures/policies/nope: no such file or directory\n"
                .to_string()
        )
    );
}

#[test]
fn analyze_exposes_context_and_values() {
    // The library entry point the chart pipeline uses: Settings carry the PolicySet and the
    // context (chart, release, merged values).
    use chartgate::analyze::engine::{ManifestLocator, analyze};
    use chartgate::analyze::model::SourceFile;
    use chartgate::analyze::rego::{PolicySet, PolicySource, RegoOptions};
    use chartgate::analyze::settings::{PolicyContext, Settings};
    let policy = PolicySource {
        path: "ctx.rego".into(),
        text: "package main\nimport rego.v1\nwarn contains {\"msg\": msg, \"path\": \"data.a\"} if {\n  c := data.chartgate.context\n  c.values.debug == true\n  msg := sprintf(\"%s/%s in %s: debug values\", [c.chart, c.release, c.environment])\n}\n".into(),
    };
    let set = PolicySet::load(vec![policy], vec![], RegoOptions::default()).expect("load");
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels: {app.kubernetes.io/name: a, team: t, environment: dev}\ndata:\n  a: b\n";
    let files = vec![SourceFile {
        file: "shop/templates/cm.yaml".into(),
        documents: chartgate::yaml::parse_stream(text, &chartgate::yaml::Limits::default())
            .expect("yaml"),
    }];
    let mut settings = Settings {
        policies: Some(std::sync::Arc::new(set)),
        environment: Some("dev".into()),
        ..Settings::default()
    };
    settings.context = PolicyContext {
        environment: Some("dev".into()),
        chart: Some("shop".into()),
        release: Some("shop-dev".into()),
        values: json!({"debug": true}),
        ..PolicyContext::default()
    };
    let got: Vec<(String, String, u32, String)> = analyze(&files, &settings, &ManifestLocator)
        .into_iter()
        .map(|f| {
            (
                f.rule,
                f.message,
                f.location.line,
                f.field.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(
            "main.warn".to_string(),
            "shop/shop-dev in dev: debug values".to_string(),
            7,
            "data.a".to_string()
        )]
    );
    settings.context.values = json!({"debug": false});
    assert!(analyze(&files, &settings, &ManifestLocator).is_empty());
}

#[test]
fn looping_policy_hits_the_time_limit() {
    use chartgate::analyze::rego::{PolicySet, PolicySource, RegoInput, RegoOptions};
    // 10^12 iterations: without the execution timer this would run for hours.
    let policy = PolicySource {
        path: "loop.rego".into(),
        text: "package main\nimport rego.v1\ndeny contains \"never\" if {\n  some a in numbers.range(1, 10000)\n  some b in numbers.range(1, 10000)\n  some c in numbers.range(1, 10000)\n  a + b + c < 0\n}\n".into(),
    };
    let opts = RegoOptions {
        time_limit: std::time::Duration::from_millis(300),
        ..RegoOptions::default()
    };
    let set = PolicySet::load(vec![policy], vec![], opts).expect("load");
    let start = std::time::Instant::now();
    let err = set
        .eval(
            &mut set.worker(),
            &[RegoInput {
                path: "m.yaml".into(),
                doc: json!({}),
            }],
            &json!({}),
        )
        .expect_err("time limit");
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    // The timer's error has no source span: it is placed at the rule.
    assert_eq!((err.file.as_str(), err.line), ("loop.rego", 3));
    // Exact but for the elapsed time.
    let re = regex::Regex::new(
        r"^evaluating data\.main\.deny for m\.yaml: execution exceeded time limit \(elapsed=[0-9]+ns, limit=300000000ns\)$",
    )
    .unwrap();
    assert!(re.is_match(&err.message), "{err}");
}

#[test]
fn looping_policy_stops_the_whole_analysis_once() {
    // Through analyze with many resources (evaluated in parallel chunks): one time-out finding,
    // the same whichever input hit the limit first, and no partial policy findings.
    use chartgate::analyze::engine::{ManifestLocator, analyze};
    use chartgate::analyze::model::SourceFile;
    use chartgate::analyze::rego::{PolicySet, PolicySource, RegoOptions};
    use chartgate::analyze::settings::Settings;
    let policy = PolicySource {
        path: "loop.rego".into(),
        text: "package main\nimport rego.v1\ndeny contains \"slow\" if {\n  input.metadata.name == \"c7\"\n  some a in numbers.range(1, 10000)\n  some b in numbers.range(1, 10000)\n  some c in numbers.range(1, 10000)\n  a + b + c < 0\n}\nwarn contains input.metadata.name if true\n".into(),
    };
    let opts = RegoOptions {
        time_limit: std::time::Duration::from_millis(200),
        ..RegoOptions::default()
    };
    let set = PolicySet::load(vec![policy], vec![], opts).expect("load");
    let text: String = (0..100)
        .map(|i| format!("---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  labels: {{app.kubernetes.io/name: a, team: t, environment: dev}}\n"))
        .collect();
    let files = vec![SourceFile {
        file: "many.yaml".into(),
        documents: chartgate::yaml::parse_stream(&text, &chartgate::yaml::Limits::default())
            .expect("yaml"),
    }];
    let settings = Settings {
        policies: Some(std::sync::Arc::new(set)),
        ..Settings::default()
    };
    let start = std::time::Instant::now();
    let got: Vec<(String, String, String, u32)> = analyze(&files, &settings, &ManifestLocator)
        .into_iter()
        .map(|f| (f.rule, f.message, f.location.file, f.location.line))
        .collect();
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(
        got,
        vec![(
            "rego-error".to_string(),
            "policy evaluation failed: data.main.deny exceeded the time limit of 0.2 s for one input; the policies were not evaluated further".to_string(),
            "loop.rego".to_string(),
            3
        )]
    );
}

#[test]
fn parallel_policy_evaluation_is_deterministic() {
    // 200 resources: evaluated in parallel chunks; output identical on 1 and 2 threads.
    let dir = tempfile::tempdir().expect("tempdir");
    let text: String = (0..200)
        .map(|i| {
            format!(
                "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c{i}\n  namespace: ns{}\n  labels: {{team: t}}\n",
                i % 3
            )
        })
        .collect();
    let file = dir.path().join("many.yaml");
    std::fs::write(&file, text).expect("write");
    let run = |jobs: &str| {
        chartgate()
            .args(["check", "--format", "json", "--jobs", jobs])
            .arg(&file)
            .args([
                "--policy",
                &format!("{C}/team"),
                "--data",
                &format!("{C}/data/limits.yaml"),
            ])
            .output()
            .expect("run")
            .stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    let v: Value = serde_json::from_slice(&one).expect("json");
    // Outside the fixtures (no config), the bundled required-labels policy reports the two
    // missing labels of each ConfigMap.
    assert_eq!(v["summary"]["error"], 400);
}

#[test]
fn sarif_describes_policy_rules_with_their_metadata() {
    let out = chartgate()
        .args([
            "check",
            "--format",
            "sarif",
            &format!("{C}/manifests"),
            "--env",
            "dev",
        ])
        .output()
        .expect("run");
    let v: Value = serde_json::from_slice(&out.stdout).expect("SARIF");
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let team = rules
        .iter()
        .find(|r| r["id"] == "team-ecr-only")
        .expect("policy rule described");
    assert_eq!(
        team["shortDescription"]["text"],
        "Images come from the shared ECR"
    );
    assert_eq!(
        team["fullDescription"]["text"],
        "Pulling from elsewhere bypasses the image scanning of the platform."
    );
    assert_eq!(
        team["help"]["text"],
        format!(
            "Pulling from elsewhere bypasses the image scanning of the platform.\n\nRego policy rule `team-ecr-only` ({C}/team/images.rego:13); `chartgate explain team-ecr-only` prints it."
        )
    );
    assert_eq!(team["defaultConfiguration"]["level"], "warning");
    // The bundled platform policies too.
    let labels = rules.iter().find(|r| r["id"] == "required-labels").unwrap();
    assert_eq!(
        labels["shortDescription"]["text"],
        "Required labels for cost reporting"
    );
}
