//! End to end: each rule's failing fixture gives exactly these findings (rule, severity,
//! resource, line, column) with `--env dev`, and every passing fixture gives none.

mod support;

use serde_json::Value;

const RULES: &[&str] = &[
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
];

/// The environment a rule's fixtures are checked in (`min-replicas` needs one that sets it).
fn env_for(id: &str) -> &'static str {
    match id {
        "min-replicas" => "ha",
        "pod-security" => "psa",
        _ => "dev",
    }
}

/// A rule's fixture: a manifest file, or a chart for rules about values.
fn fixture(id: &str, kind: &str) -> String {
    if id == "values-schema" || id == "values-unknown-key" {
        format!("fixtures/rule-charts/{id}/{kind}")
    } else {
        format!("fixtures/manifests/{id}/{kind}.yaml")
    }
}

fn check_json(args: &[&str]) -> (i32, Value) {
    let r = support::cli(["check", "--format", "json"]).args(args).run();
    (r.code(), r.json())
}

fn assert_findings(file: &str, want: &[(&str, &str, &str, u64, u64)]) {
    let (code, json) = check_json(&["--env", "dev", file]);
    let got = support::finding_lines_as(
        &json.to_string(),
        "{rule} {severity} {resource} {file} {env} {line}:{column}",
    );
    let want_lines: Vec<String> = want
        .iter()
        .map(|(r, s, res, l, c)| format!("{r} {s} {res} {file} dev {l}:{c}"))
        .collect();
    assert_eq!(got, want_lines);
    let errors = want.iter().filter(|w| w.1 == "error").count();
    assert_eq!(code, if errors > 0 { 1 } else { 0 });
}

#[test]
fn every_rule_has_fixtures_and_pass_is_clean() {
    let ids: Vec<&str> = chartgate::analyze::registry::all()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, RULES);
    for id in RULES {
        let (code, json) = check_json(&["--env", env_for(id), &fixture(id, "pass")]);
        assert_eq!(json["findings"], serde_json::json!([]), "{id} pass fixture");
        assert_eq!(code, 0);
        let (_, json) = check_json(&["--env", env_for(id), &fixture(id, "fail")]);
        let findings = json["findings"].as_array().unwrap();
        assert!(!findings.is_empty(), "{id} fail fixture has no finding");
        assert!(
            findings.iter().all(|f| f["rule"] == *id),
            "{id} fail fixture triggers other rules: {findings:?}"
        );
    }
}

#[test]
fn api_validation_fail() {
    assert_findings(
        "fixtures/manifests/api-validation/fail.yaml",
        &[
            ("api-validation", "error", "Deployment/api", 13, 15),
            ("api-validation", "error", "Deployment/api", 19, 22),
        ],
    );
}

#[test]
fn ignore_without_reason_fail() {
    assert_findings(
        "fixtures/manifests/ignore-without-reason/fail.yaml",
        &[
            ("ignore-without-reason", "warning", "Pod/vendor-tool", 7, 41),
            ("ignore-without-reason", "warning", "Pod/vendor-tool", 8, 39),
        ],
    );
}

#[test]
fn image_registry_fail() {
    assert_findings(
        "fixtures/manifests/image-registry/fail.yaml",
        &[
            ("image-registry", "error", "Pod/debug", 9, 14),
            ("image-registry", "error", "Pod/debug", 14, 14),
            ("image-registry", "error", "Pod/debug", 19, 14),
        ],
    );
}

#[test]
fn image_tag_pinned_fail() {
    assert_findings(
        "fixtures/manifests/image-tag-pinned/fail.yaml",
        &[
            ("image-tag-pinned", "error", "DaemonSet/log-agent", 15, 18),
            ("image-tag-pinned", "error", "DaemonSet/log-agent", 20, 18),
        ],
    );
}

#[test]
fn ingress_host_zone_fail() {
    assert_findings(
        "fixtures/manifests/ingress-host-zone/fail.yaml",
        &[
            ("ingress-host-zone", "error", "Ingress/shop", 8, 48),
            ("ingress-host-zone", "warning", "Ingress/shop", 15, 11),
            ("ingress-host-zone", "error", "Ingress/shop", 25, 13),
            ("ingress-host-zone", "error", "HTTPRoute/shop", 40, 7),
            ("ingress-host-zone", "error", "HTTPRoute/shop", 41, 7),
            ("ingress-host-zone", "error", "Certificate/shop", 55, 7),
        ],
    );
}

#[test]
fn tls_hosts_fail() {
    let (code, json) = check_json(&["--env", "dev", "fixtures/manifests/tls-hosts/fail.yaml"]);
    assert_eq!(code, 1);
    let got: Vec<String> = support::finding_lines_as(
        &json.to_string(),
        "{line}:{column} {rule} {resource} {message}",
    );
    assert_eq!(
        got,
        [
            "17:13 tls-hosts Ingress/shop host `shop.jppol.dk` has no certificate: no spec.tls[].hosts entry covers it and there is no alb.ingress.kubernetes.io/certificate-arn annotation",
            "47:7 tls-hosts HTTPRoute/shop hostname `shop.jppol.dk` has no certificate: no HTTPS or TLS listener of Gateway store/public accepts it",
            "61:7 tls-hosts HTTPRoute/shop-plain hostname `cart.dev-eu.idp.jppol.dk` has no certificate: no HTTPS or TLS listener of Gateway store/public accepts it",
        ]
    );
}

#[test]
fn ingress_load_balancer_fail() {
    let (code, json) = check_json(&[
        "--env",
        "dev",
        "fixtures/manifests/ingress-load-balancer/fail.yaml",
    ]);
    assert_eq!(code, 1);
    let got: Vec<String> = support::finding_lines_as(
        &json.to_string(),
        "{line}:{column} {severity} {rule} {resource} {message}",
    );
    let lbs = "class=alb group=internal scheme=internal; class=alb group=external scheme=internet-facing; class=alb group=ip-limited scheme=internet-facing";
    assert_eq!(
        got,
        [
            "9:3 error ingress-load-balancer Ingress/no-class Ingress has no ingress class (spec.ingressClassName): it is served by the cluster's default class, or by none".to_string(),
            format!("18:34 error ingress-load-balancer Ingress/wrong-class Ingress uses class=nginx group=<none> scheme=internal (the controller's default), which is none of the shared load balancers ({lbs})"),
            format!("30:5 error ingress-load-balancer Ingress/own-alb Ingress uses class=alb group=<none> scheme=internet-facing, which is none of the shared load balancers ({lbs})"),
            format!("44:39 error ingress-load-balancer Ingress/internal-made-public Ingress uses class=alb group=internal scheme=internet-facing, which is none of the shared load balancers ({lbs})"),
            format!("57:5 error ingress-load-balancer Ingress/external-by-default-internal Ingress uses class=alb group=external scheme=internal (the controller's default), which is none of the shared load balancers ({lbs})"),
            "70:9 error ingress-load-balancer Service/shop-nlb Service of type LoadBalancer provisions its own load balancer instead of a shared ALB; route it through an Ingress, or suppress with chartgate.io/ignore.ingress-load-balancer: \"<reason>\"".to_string(),
        ]
    );
}

#[test]
fn manifest_validity_fail() {
    assert_findings(
        "fixtures/manifests/manifest-validity/fail.yaml",
        &[
            ("manifest-validity", "error", "ConfigMap/api-config", 15, 13),
            ("manifest-validity", "error", "Secret/", 19, 5),
            ("manifest-validity", "error", "Secret/", 20, 15),
        ],
    );
}

#[test]
fn resource_requests_fail() {
    assert_findings(
        "fixtures/manifests/resource-requests/fail.yaml",
        &[
            ("resource-requests", "error", "Deployment/api", 15, 11),
            ("resource-requests", "error", "Deployment/api", 15, 11),
            ("resource-requests", "error", "Deployment/api", 15, 11),
            ("resource-requests", "error", "Deployment/api", 22, 20),
            ("resource-requests", "error", "Deployment/api", 23, 23),
            ("resource-requests", "error", "Deployment/api", 31, 20),
            ("resource-requests", "error", "Deployment/api", 34, 23),
        ],
    );
}

#[test]
fn singleton_replicas_fail() {
    assert_findings(
        "fixtures/manifests/singleton-replicas/fail.yaml",
        &[
            (
                "singleton-replicas",
                "error",
                "Deployment/billing-scheduler",
                9,
                3,
            ),
            (
                "singleton-replicas",
                "error",
                "Deployment/billing-scheduler",
                9,
                13,
            ),
            (
                "singleton-replicas",
                "error",
                "HorizontalPodAutoscaler/billing-scheduler",
                35,
                16,
            ),
            ("singleton-replicas", "error", "Deployment/ledger", 48, 11),
            ("singleton-replicas", "error", "ScaledObject/ledger", 70, 5),
        ],
    );
}

#[test]
fn timezone_fail() {
    assert_findings(
        "fixtures/manifests/timezone/fail.yaml",
        &[
            ("timezone", "info", "CronJob/nightly-report", 7, 13),
            ("timezone", "error", "CronJob/nightly-report", 7, 13),
            ("timezone", "error", "CronJob/nightly-report", 18, 26),
            ("timezone", "error", "CronJob/nightly-report", 28, 23),
            ("timezone", "error", "CronJob/cleanup", 36, 13),
            ("timezone", "error", "CronJob/cleanup", 37, 13),
            ("timezone", "error", "CronWorkflow/backup", 60, 7),
            ("timezone", "error", "CronWorkflow/backup", 61, 13),
            ("timezone", "error", "CronWorkflow/sync", 74, 7),
            ("timezone", "info", "EventSource/timers", 87, 17),
            ("timezone", "error", "EventSource/timers", 87, 17),
            ("timezone", "error", "EventSource/timers", 89, 17),
            ("timezone", "error", "EventSource/timers", 92, 17),
            ("timezone", "info", "EventSource/timers", 94, 17),
        ],
    );
}

#[test]
fn min_replicas_fail() {
    let (code, json) = check_json(&["--env", "ha", "fixtures/manifests/min-replicas/fail.yaml"]);
    assert_eq!(code, 1);
    let got: Vec<String> =
        support::finding_lines_as(&json.to_string(), "{line}:{column} {resource} {message}");
    assert_eq!(
        got,
        [
            "7:13 Deployment/api Deployment runs 1 replica; ha requires at least 2 (min-replicas)",
            "27:3 StatefulSet/cache StatefulSet runs 1 replica; ha requires at least 2 (min-replicas)",
            "66:16 HorizontalPodAutoscaler/web HorizontalPodAutoscaler `web` lets Deployment `web` scale down to 1 replicas; ha requires at least 2 (min-replicas)",
        ]
    );
}

#[test]
fn values_schema_fail() {
    let (code, json) = check_json(&["--env", "dev", "fixtures/rule-charts/values-schema/fail"]);
    assert_eq!(code, 1);
    let got: Vec<String> =
        support::finding_lines_as(&json.to_string(), "{file}:{line}:{column} {message}");
    assert_eq!(
        got,
        [
            "fixtures/rule-charts/values-schema/fail/values-dev.yaml:1:15 `replicaCount` breaks values.schema.json of chart `api`: minimum: got 0, want 1",
            "fixtures/rule-charts/values-schema/fail/values-dev.yaml:3:8 `image.tag` breaks values.schema.json of chart `api`: got number, want string",
        ]
    );
}

#[test]
fn values_unknown_key_fail() {
    let (code, json) = check_json(&[
        "--env",
        "dev",
        "fixtures/rule-charts/values-unknown-key/fail",
    ]);
    // Warnings only: the check passes.
    assert_eq!(code, 0);
    let got: Vec<String> = support::finding_lines_as(
        &json.to_string(),
        "{severity} {file}:{line}:{column} {message}",
    );
    let at = |l: u32, c: u32| {
        format!("warning fixtures/rule-charts/values-unknown-key/fail/values-dev.yaml:{l}:{c}")
    };
    let unknown =
        "is not a value of chart `api` (not in its defaults, values.schema.json or templates)";
    assert_eq!(
        got,
        [
            format!(
                "{} `replicaCont` {unknown}; did you mean `replicaCount`?",
                at(1, 1)
            ),
            format!(
                "{} `image.tga` {unknown}; did you mean `image.tag`?",
                at(3, 3)
            ),
            format!(
                "{} `resourcs` {unknown}; did you mean `resources`?",
                at(6, 1)
            ),
            format!(
                "{} `loglevel` {unknown}; did you mean `logLevel`?",
                at(8, 1)
            ),
        ]
    );
}

/// An object the API server names (`generateName`, a Helm hook Job) is shown by its prefix,
/// never as `Job/`.
#[test]
fn generate_name_objects_are_shown_by_their_prefix() {
    let dir = tempfile::tempdir().unwrap();
    support::write_tree(
        dir.path(),
        &[(
            "job.yaml",
            "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: db-migrate-\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/migrate:1.2.3\n",
        )],
    );
    let r = support::cli(["check", "--format", "json", "job.yaml"])
        .current_dir(dir.path())
        .run();
    assert_eq!(
        r.finding_lines_as("{rule} {resource} {line}:{column} {message}"),
        [
            "required-labels Job/db-migrate- 4:3 Job db-migrate- is missing the label \"app.kubernetes.io/name\" required for cost reporting",
            "required-labels Job/db-migrate- 4:3 Job db-migrate- is missing the label \"environment\" required for cost reporting",
            "required-labels Job/db-migrate- 4:3 Job db-migrate- is missing the label \"team\" required for cost reporting",
            "resource-requests Job/db-migrate- 10:11 container `migrate`: no cpu request",
            "resource-requests Job/db-migrate- 10:11 container `migrate`: no memory limit",
            "resource-requests Job/db-migrate- 10:11 container `migrate`: no memory request",
        ]
    );
}

#[test]
fn api_validation_points_at_the_values_line_that_made_the_value() {
    let t = tempfile::tempdir().unwrap();
    support::write_tree(
        t.path(),
        &[
            (".git/HEAD", "ref: refs/heads/main\n"),
            ("chartgate.yaml", "root: true\nenvironments:\n  dev: {}\n"),
            (
                "chart/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            ),
            (
                "chart/values.yaml",
                "name: web\nmetricsPort: http-metrics-port\n",
            ),
            ("chart/values-dev.yaml", "name: Web_App\n"),
            (
                "chart/templates/svc.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Values.name }}\n  labels: {app.kubernetes.io/name: web, team: a, environment: dev}\nspec:\n  selector: {app: web}\n  ports:\n    - {name: metrics, port: 9090, targetPort: {{ .Values.metricsPort }}}\n",
            ),
        ],
    );
    let r = support::run_in(t.path(), &["check", "--format", "json", "chart"]);
    assert_eq!(
        support::finding_lines_as(
            &r.json().to_string(),
            "{rule} {file}:{line}:{column} {env} {message}"
        ),
        [
            "api-validation chart/values-dev.yaml:1:7 dev metadata.name: `Web_App`: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
            "api-validation chart/values.yaml:2:14 dev spec.ports[0].targetPort: `http-metrics-port`: must be no more than 15 characters",
        ]
    );
    assert_eq!(r.code(), 1);
}
