//! `chartgate check --changed FILE...` (the pre-commit hook): exact file → chart × environment
//! mapping with `--list`, on the fixture team repo and on a temp repo with a shared chart used by
//! two values-only service folders, a subchart, unused values files, manifests and a policy.

mod support;

use std::path::Path;

fn chartgate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::cli(args)
        .dir(dir)
        .env("NO_COLOR", "1")
        .run()
        .into_parts()
}

fn team_repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/team-repo")
}

/// `check --changed FILES --list` in `dir`: the selection, one line per chart × environment.
fn selection(dir: &Path, files: &[&str]) -> Vec<String> {
    let mut args = vec!["check", "--changed", "--list"];
    args.extend(files);
    let (code, out, err) = chartgate(dir, &args);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err, "");
    out.lines().map(str::to_string).collect()
}

const WEB_DEV: &str = "services/web  env dev: services/web/values.yaml, services/web/values-dev.yaml  [from chartgate.yaml:19]";
const WEB_TEST: &str = "services/web  env test: services/web/values.yaml, services/web/values-test.yaml  [from chartgate.yaml:22]";
const WEB_PROD: &str = "services/web  env prod: services/web/values.yaml, services/web/values-prod.yaml  [from chartgate.yaml:25]";

#[test]
fn team_repo_values_file_selects_its_environment() {
    assert_eq!(
        selection(&team_repo(), &["services/web/values-dev.yaml"]),
        [WEB_DEV]
    );
    assert_eq!(
        selection(
            &team_repo(),
            &[
                "services/web/values-prod.yaml",
                "services/web/values-test.yaml"
            ]
        ),
        [WEB_TEST, WEB_PROD]
    );
    // The chart's own values.yaml is in every environment.
    assert_eq!(
        selection(&team_repo(), &["services/web/values.yaml"]),
        [WEB_DEV, WEB_TEST, WEB_PROD]
    );
}

#[test]
fn team_repo_chart_files_select_every_environment() {
    for f in [
        "services/web/templates/_helpers.tpl",
        "services/web/templates/ingress.yaml",
        "services/web/templates/NOTES.txt",
        "services/web/Chart.yaml",
        // Matching is by path: a deleted template still maps to its chart.
        "services/web/templates/deleted.yaml",
    ] {
        assert_eq!(
            selection(&team_repo(), &[f]),
            [WEB_DEV, WEB_TEST, WEB_PROD],
            "{f}"
        );
    }
    // Two charts, absolute path for one.
    let abs = team_repo().join("services/reports/templates/cronjob.yaml");
    let got = selection(
        &team_repo(),
        &[
            "services/billing-scheduler/values-prod.yaml",
            abs.to_str().unwrap(),
        ],
    );
    assert_eq!(
        got,
        [
            "services/billing-scheduler  env prod: services/billing-scheduler/values.yaml, services/billing-scheduler/values-prod.yaml  [from chartgate.yaml:25]",
            "services/reports  env dev: services/reports/values.yaml, services/reports/values-dev.yaml  [from chartgate.yaml:19]",
            "services/reports  env test: services/reports/values.yaml, services/reports/values-test.yaml  [from chartgate.yaml:22]",
            "services/reports  env prod: services/reports/values.yaml, services/reports/values-prod.yaml  [from chartgate.yaml:25]",
        ]
    );
    // The repo's chartgate.yaml: everything (3 services × 3 environments).
    assert_eq!(selection(&team_repo(), &["chartgate.yaml"]).len(), 9);
}

#[test]
fn team_repo_unrelated_file_is_a_quiet_success() {
    let (code, out, err) = chartgate(
        &team_repo(),
        &["check", "--changed", "README.md", "../../Cargo.toml"],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    // No file at all (pre-commit never runs the hook so, but a script might).
    let (code, out, err) = chartgate(&team_repo(), &["check", "--changed"]);
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
}

#[test]
fn team_repo_changed_checks_only_the_selection() {
    let (code, out, err) = chartgate(
        &team_repo(),
        &[
            "check",
            "--changed",
            "services/web/values-dev.yaml",
            "--format",
            "github",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(
        out,
        "::error file=services/web/templates/deployment.yaml,line=28,col=13,title=resource-requests::container `web`: no memory limit [Deployment/web, environment dev]\n\
         ::error file=services/web/values-dev.yaml,line=2,col=8,title=image-tag-pinned::container `web`: image `354918371398.dkr.ecr.eu-west-1.amazonaws.com/team-a/web:latest` uses the moving tag `latest`; pin a version [Deployment/web, environment dev]\n"
    );
    // prod of web has findings too, but values-dev.yaml does not affect it; billing-scheduler's
    // dev values are clean.
    let (code, out, err) = chartgate(
        &team_repo(),
        &[
            "check",
            "--changed",
            "services/billing-scheduler/values-dev.yaml",
            "--format",
            "github",
        ],
    );
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
}

/// A repo with a shared chart (and its subchart) used by two service folders, a chart with an
/// unused `values-staging.yaml`, plain manifests, a Rego policy and a README.
fn temp_repo() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let files: &[(&str, &str)] = &[
        (
            "chartgate.yaml",
            "root: true\nenvironments:\n  dev: {values: [\"{service}/values-{env}.yaml\"]}\n  prod: {values: [\"{service}/values-{env}.yaml\"]}\npolicies: [policies]\n",
        ),
        (
            "charts/common/Chart.yaml",
            "apiVersion: v2\nname: common\nversion: 0.1.0\n",
        ),
        ("charts/common/values.yaml", "replicas: 1\n"),
        (
            "charts/common/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
        ),
        (
            "charts/common/templates/_helpers.tpl",
            "{{- define \"x\" }}x{{ end }}\n",
        ),
        (
            "charts/common/charts/sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        (
            "charts/common/charts/sub/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sub\n",
        ),
        (
            "services/api/chartgate.yaml",
            "chart: ../../charts/common\n",
        ),
        ("services/api/values.yaml", "a: 1\n"),
        ("services/api/values-dev.yaml", "a: 2\n"),
        ("services/api/values-prod.yaml", "a: 3\n"),
        (
            "services/worker/chartgate.yaml",
            "chart: ../../charts/common\n",
        ),
        ("services/worker/values-dev.yaml", "a: 2\n"),
        ("services/worker/values-staging.yaml", "a: 2\n"),
        (
            "apps/web/Chart.yaml",
            "apiVersion: v2\nname: web\nversion: 0.1.0\n",
        ),
        (
            "apps/web/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n",
        ),
        ("apps/web/values.yaml", "x: 1\n"),
        ("apps/web/values-dev.yaml", "x: 1\n"),
        ("apps/web/values-prod.yaml", "x: 1\n"),
        ("apps/web/values-staging.yaml", "x: 1\n"),
        ("apps/web/.helmignore", "*.bak\n"),
        (
            "manifests/ns.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n",
        ),
        (
            "manifests/ns2.yaml",
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n",
        ),
        (
            "policies/team.rego",
            "package main\n\ndeny contains msg if {\n  input.kind == \"ConfigMap\"\n  input.metadata.name == \"sub\"\n  msg := \"no sub\"\n}\n",
        ),
        ("extra.rego", "package other\n"),
        ("README.md", "hi\n"),
    ];
    for (path, text) in files {
        let p = t.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    t
}

const WEB: [&str; 2] = [
    "apps/web  env dev: apps/web/values.yaml, apps/web/values-dev.yaml  [from chartgate.yaml:3]",
    "apps/web  env prod: apps/web/values.yaml, apps/web/values-prod.yaml  [from chartgate.yaml:4]",
];
const API_DEV: &str = "services/api (chart charts/common)  env dev: charts/common/values.yaml, services/api/values.yaml, services/api/values-dev.yaml  [from chartgate.yaml:3]";
const API_PROD: &str = "services/api (chart charts/common)  env prod: charts/common/values.yaml, services/api/values.yaml, services/api/values-prod.yaml  [from chartgate.yaml:4]";
const WORKER_DEV: &str = "services/worker (chart charts/common)  env dev: charts/common/values.yaml, services/worker/values-dev.yaml  [from chartgate.yaml:3]";

#[test]
fn service_folder_values_select_their_environments() {
    let t = temp_repo();
    assert_eq!(
        selection(t.path(), &["services/api/values-dev.yaml"]),
        [API_DEV]
    );
    // The folder's values.yaml applies in each of its environments.
    assert_eq!(
        selection(t.path(), &["services/api/values.yaml"]),
        [API_DEV, API_PROD]
    );
    // A folder's config (its `chart:`) re-checks that folder only.
    assert_eq!(
        selection(t.path(), &["services/worker/chartgate.yaml"]),
        [
            WORKER_DEV,
            "services/worker/values-staging.yaml  skipped: not a values file of any environment of services/worker/chartgate.yaml"
        ]
    );
    // Values files no environment lists are never rendered.
    assert!(selection(t.path(), &["services/worker/values-staging.yaml"]).is_empty());
    assert!(selection(t.path(), &["apps/web/values-staging.yaml"]).is_empty());
}

#[test]
fn shared_chart_change_rechecks_every_service_using_it() {
    let t = temp_repo();
    for f in [
        "charts/common/values.yaml",
        "charts/common/Chart.yaml",
        "charts/common/templates/_helpers.tpl",
        "charts/common/charts/sub/templates/cm.yaml",
        "charts/common/charts/sub/Chart.yaml",
    ] {
        assert_eq!(
            selection(t.path(), &[f]),
            [API_DEV, API_PROD, WORKER_DEV],
            "{f}"
        );
    }
    assert_eq!(selection(t.path(), &["apps/web/.helmignore"]), WEB);
}

#[test]
fn manifests_policies_configs_and_other_files() {
    let t = temp_repo();
    assert_eq!(
        selection(t.path(), &["manifests/ns2.yaml"]),
        ["manifests/ns2.yaml  manifest"]
    );
    let all = [
        WEB[0],
        WEB[1],
        API_DEV,
        API_PROD,
        WORKER_DEV,
        "manifests/ns.yaml  manifest",
        "manifests/ns2.yaml  manifest",
        "apps/web/values-staging.yaml  skipped: not a values file of any environment of chartgate.yaml",
        "services/worker/values-staging.yaml  skipped: not a values file of any environment of services/worker/chartgate.yaml",
    ];
    // A policy of the config, and the repository's config: everything.
    assert_eq!(selection(t.path(), &["policies/team.rego"]), all);
    assert_eq!(selection(t.path(), &["chartgate.yaml"]), all);
    // A Rego file that is no policy of the run, and a README: nothing.
    assert!(selection(t.path(), &["extra.rego", "README.md"]).is_empty());
    // ... unless `--policy` names it.
    let (code, out, err) = chartgate(
        t.path(),
        &[
            "check",
            "--changed",
            "--list",
            "--policy",
            "extra.rego",
            "extra.rego",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), all.len());
    // Several files: the union, in discovery order.
    assert_eq!(
        selection(
            t.path(),
            &[
                "manifests/ns.yaml",
                "apps/web/values-prod.yaml",
                "services/api/values-dev.yaml"
            ]
        ),
        [WEB[1], API_DEV, "manifests/ns.yaml  manifest"]
    );
}

#[test]
fn changed_subchart_template_is_checked_for_each_service() {
    let t = temp_repo();
    let (code, out, err) = chartgate(
        t.path(),
        &[
            "check",
            "--changed",
            "charts/common/charts/sub/templates/cm.yaml",
            "--format",
            "github",
        ],
    );
    assert_eq!(code, 1, "{err}");
    // api (dev, prod) and worker (dev) render the subchart; apps/web is not checked.
    let deny: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("title=main.deny::"))
        .collect();
    assert_eq!(
        deny,
        [
            "::error file=charts/common/charts/sub/templates/cm.yaml,line=1,col=1,title=main.deny::no sub [ConfigMap/sub, environment dev]",
            "::error file=charts/common/charts/sub/templates/cm.yaml,line=1,col=1,title=main.deny::no sub [ConfigMap/sub, environment dev]",
            "::error file=charts/common/charts/sub/templates/cm.yaml,line=1,col=1,title=main.deny::no sub [ConfigMap/sub, environment prod]",
        ],
        "{out}"
    );
    assert!(!out.contains("apps/web"), "{out}");
}

#[test]
fn changed_with_env_and_baseline() {
    // The hook with `args: [--env, prod]`: a dev values file affects nothing checked.
    let (code, out, err) = chartgate(
        &team_repo(),
        &[
            "check",
            "--changed",
            "--env",
            "prod",
            "services/web/values-dev.yaml",
        ],
    );
    assert_eq!((code, out.as_str(), err.as_str()), (0, "", ""));
    let (code, out, _) = chartgate(
        &team_repo(),
        &[
            "check",
            "--changed",
            "--env",
            "prod",
            "--list",
            "services/web/templates/ingress.yaml",
        ],
    );
    assert_eq!((code, out.as_str()), (0, format!("{WEB_PROD}\n").as_str()));
    // A baseline of the whole repo: the partial run reports no new finding and lists nothing as
    // fixed (the charts it did not check are not fixed).
    let t = tempfile::tempdir().unwrap();
    let baseline = t.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    let (code, _, err) = chartgate(&team_repo(), &["check", ".", "--baseline-out", b]);
    assert_eq!(code, 1, "{err}");
    let (code, out, err) = chartgate(
        &team_repo(),
        &[
            "check",
            "--changed",
            "--baseline",
            b,
            "services/web/values-dev.yaml",
        ],
    );
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "No findings: 0 errors, 0 warnings, 0 infos\n", "")
    );
    // Recording a baseline needs the whole repository.
    let (code, out, err) = chartgate(
        &team_repo(),
        &[
            "check",
            "--changed",
            "--baseline-out",
            b,
            "services/web/values-dev.yaml",
        ],
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "chartgate: --baseline-out records a whole repository; it cannot be used with --changed\n"
    );
}
