//! End to end on the fixture team repo (fixtures/team-repo): exact findings per environment with
//! values-line provenance, the grouped text report, `--list`, discovery conventions, provenance
//! through template functions for every rule, and a render error that hides nothing else.

mod support;

use std::path::Path;

use serde_json::Value;

fn chartgate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::run_in(dir, args).into_parts()
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// (rule, environment, file:line:col) of each JSON finding, in report order.
fn findings(json: &str) -> Vec<String> {
    support::finding_lines_as(json, "{rule} {env} {file}:{line}:{column}")
}

const TEAM_REPO_FINDINGS: &[&str] = &[
    "singleton-replicas prod fixtures/team-repo/services/billing-scheduler/values-prod.yaml:1:15",
    "image-registry dev fixtures/team-repo/services/reports/values-dev.yaml:2:15",
    "timezone prod fixtures/team-repo/services/reports/values-prod.yaml:3:11",
    "resource-requests dev fixtures/team-repo/services/web/templates/deployment.yaml:28:13",
    "resource-requests test fixtures/team-repo/services/web/templates/deployment.yaml:28:13",
    "image-tag-pinned dev fixtures/team-repo/services/web/values-dev.yaml:2:8",
    "values-schema test fixtures/team-repo/services/web/values-test.yaml:1:15",
    "ingress-host-zone test fixtures/team-repo/services/web/values-test.yaml:5:7",
    "timezone test fixtures/team-repo/services/web/values-test.yaml:7:7",
    "min-replicas prod fixtures/team-repo/services/web/values.yaml:1:15",
    "image-tag-pinned prod fixtures/team-repo/services/web/values.yaml:4:8",
];

#[test]
fn team_repo_findings_per_environment_at_values_lines() {
    let (code, out, err) = chartgate(root(), &["check", "fixtures/team-repo", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(findings(&out), TEAM_REPO_FINDINGS);
    // The template line is a related location of a values-line finding.
    let v: Value = serde_json::from_str(&out).unwrap();
    let latest = &v["findings"][5];
    assert_eq!(latest["rule"], "image-tag-pinned");
    assert_eq!(latest["environment"], "dev");
    // Same result whatever the thread count.
    let (_, one, _) = chartgate(
        root(),
        &[
            "check",
            "fixtures/team-repo",
            "--format",
            "json",
            "--jobs",
            "1",
        ],
    );
    assert_eq!(one, out);
}

#[test]
fn env_narrows() {
    let (code, out, _) = chartgate(
        root(),
        &[
            "check",
            "fixtures/team-repo",
            "--format",
            "json",
            "--env",
            "prod",
        ],
    );
    assert_eq!(code, 1);
    let want: Vec<&str> = TEAM_REPO_FINDINGS
        .iter()
        .copied()
        .filter(|f| f.split(' ').nth(1) == Some("prod"))
        .collect();
    assert_eq!(findings(&out), want);
}

#[test]
fn text_report_groups_environments() {
    let (code, out, _) = chartgate(
        root().join("fixtures/team-repo").as_path(),
        &["check", ".", "--color", "never"],
    );
    assert_eq!(code, 1);
    let want = std::fs::read_to_string(root().join("tests/report_expected/team-repo.txt")).unwrap();
    assert_eq!(out, want);
    assert!(out.contains(
        "help: services/web/templates/deployment.yaml:28:13 (environments dev, test — not prod)"
    ));
}

#[test]
fn list_prints_charts_environments_and_values_files() {
    let (code, out, _) = chartgate(root(), &["check", "--list", "fixtures/team-repo"]);
    assert_eq!(code, 0);
    let p = "fixtures/team-repo/services";
    let mut want = String::new();
    for svc in ["billing-scheduler", "reports", "web"] {
        for env in ["dev", "test", "prod"] {
            want.push_str(&format!(
                "{p}/{svc}  env {env}: {p}/{svc}/values.yaml, {p}/{svc}/values-{env}.yaml  [from fixtures/team-repo/chartgate.yaml:{line}]\n",
                line = match env {
                    "dev" => 19,
                    "test" => 22,
                    _ => 25,
                }
            ));
        }
    }
    assert_eq!(out, want);
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let p = dir.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

const CHART: &str = "apiVersion: v2\nname: NAME\nversion: 0.1.0\n";
const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  tag: {{ .Values.tag | quote }}\n";

fn chart(dir: &Path, at: &str, name: &str) {
    write(
        dir,
        &[
            (&format!("{at}/Chart.yaml"), &CHART.replace("NAME", name)),
            (&format!("{at}/values.yaml"), "tag: v1\n"),
            (&format!("{at}/templates/cm.yaml"), CM),
        ],
    );
}

#[test]
fn discovery_conventions() {
    let d = tempfile::tempdir().unwrap();
    // One repository: paths its configs name stay inside it.
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join(".git")).unwrap();
    // values-<env>.yaml
    chart(r, "a", "a");
    write(
        r,
        &[
            ("a/values-dev.yaml", "tag: v2\n"),
            ("a/values-prod.yaml", "tag: v3\n"),
        ],
    );
    // values.<env>.yaml
    chart(r, "b", "b");
    write(r, &[("b/values.staging.yaml", "tag: v2\n")]);
    // env/<env>/values.yaml
    chart(r, "c", "c");
    write(r, &[("c/env/qa/values.yaml", "tag: v2\n")]);
    // no environments: defaults only
    chart(r, "d", "d");
    // a values-only service folder naming a shared chart; its config nests under a parent that
    // defines environments with {chart} globs
    chart(r, "shared/base", "base");
    write(
        r,
        &[
            (
                "teams/chartgate.yaml",
                "environments:\n  dev: {values: [\"{service}/values-dev.yaml\", \"../overrides/{chart}-dev.yaml\"]}\nrules: {required-labels: off}\n",
            ),
            ("teams/svc/chartgate.yaml", "chart: ../../shared/base\n"),
            ("teams/svc/values.yaml", "tag: v5\n"),
            ("teams/svc/values-dev.yaml", "tag: v6\n"),
            ("overrides/svc-dev.yaml", "tag: v7\n"),
        ],
    );
    // a plain manifest keeps working
    write(
        r,
        &[(
            "manifests/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
        )],
    );
    let (code, out, err) = chartgate(r, &["check", "--list", "."]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "a  env dev: a/values.yaml, a/values-dev.yaml  [from a/values-dev.yaml:1]\n\
         a  env prod: a/values.yaml, a/values-prod.yaml  [from a/values-prod.yaml:1]\n\
         b  env staging: b/values.yaml, b/values.staging.yaml  [from b/values.staging.yaml:1]\n\
         c  env qa: c/values.yaml, c/env/qa/values.yaml  [from c/env/qa/values.yaml:1]\n\
         d  env none: d/values.yaml  [from d/Chart.yaml:1]\n\
         teams/svc (chart shared/base)  env dev: shared/base/values.yaml, teams/svc/values.yaml, teams/svc/values-dev.yaml, overrides/svc-dev.yaml  [from teams/chartgate.yaml:2]\n\
         manifests/cm.yaml  manifest\n"
    );
    // --env narrows; a chart without that environment is left out.
    let (_, out, _) = chartgate(r, &["check", "--list", "--env", "dev", "a", "teams"]);
    assert_eq!(
        out,
        "a  env dev: a/values.yaml, a/values-dev.yaml  [from a/values-dev.yaml:1]\n\
         teams/svc (chart shared/base)  env dev: shared/base/values.yaml, teams/svc/values.yaml, teams/svc/values-dev.yaml, overrides/svc-dev.yaml  [from teams/chartgate.yaml:2]\n"
    );
    // The values apply in order: the override file wins, and its line is where the value is.
    write(r, &[("overrides/svc-dev.yaml", "tag: latest\n")]);
    let (_, out, _) = chartgate(r, &["check", "--format", "json", "teams"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 0, "{out}");
}

/// A render error in one chart is reported for that chart and environment (at the template line
/// the renderer names) and the other charts' findings are all still there; exit code 2.
#[test]
fn render_error_does_not_hide_other_charts() {
    let d = tempfile::tempdir().unwrap();
    // One repository: paths its configs name stay inside it.
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    let r = d.path();
    let src = root().join("fixtures/team-repo");
    let dst = r.join("fixtures/team-repo");
    for e in walkdir::WalkDir::new(&src) {
        let e = e.unwrap();
        let to = dst.join(e.path().strip_prefix(&src).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    write(
        r,
        &[
            (
                "schemas/service-chart.schema.json",
                &std::fs::read_to_string(root().join("schemas/service-chart.schema.json")).unwrap(),
            ),
            (
                "fixtures/team-repo/services/broken/Chart.yaml",
                &CHART.replace("NAME", "broken"),
            ),
            (
                "fixtures/team-repo/services/broken/values.yaml",
                "image: {repository: x}\n",
            ),
            ("fixtures/team-repo/services/broken/values-dev.yaml", "{}\n"),
            (
                "fixtures/team-repo/services/broken/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"name is required\" .Values.name }}\n",
            ),
        ],
    );
    let (code, out, err) = chartgate(r, &["check", "fixtures/team-repo", "--format", "json"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err,
        "chartgate: 3 of 12 chart renders failed (see the `render-error` findings)\n"
    );
    let mut want: Vec<String> = TEAM_REPO_FINDINGS.iter().map(|s| s.to_string()).collect();
    // The platform config's environments apply to every chart: the broken one fails in each.
    for (i, env) in ["dev", "prod", "test"].iter().enumerate() {
        want.insert(
            1 + i,
            format!("render-error {env} fixtures/team-repo/services/broken/templates/cm.yaml:4:11"),
        );
    }
    assert_eq!(findings(&out), want);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["findings"][3]["message"],
        "execution error at (broken/templates/cm.yaml:4:11): name is required"
    );
}

/// Provenance through template functions, for every built-in rule: the finding points at the
/// values line that set the offending value (through default, printf, quote, tpl, toYaml), or
/// at the template line when no value caused it.
#[test]
fn provenance_for_every_rule() {
    let d = tempfile::tempdir().unwrap();
    // One repository: paths its configs name stay inside it.
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join(".git")).unwrap();
    write(
        r,
        &[
            (
                "chartgate.yaml",
                // The bundled cost-label policy is about labels, not provenance.
                "singletons: [\"*-scheduler\"]\nenvironments:\n  prod: {cluster: prod-eks, min-replicas: 2}\nrules: {required-labels: off}\n",
            ),
            ("chart/Chart.yaml", &CHART.replace("NAME", "prov")),
            (
                "chart/values.yaml",
                "replicas: 3\nimage:\n  registry: docker.io\n  repository: team/app\n  tag: latest\ntz: Europe/Kopenhagen\ntzTemplate: \"{{ .Values.tz }}\"\nhost: app.example.com\nname: settings\nresources:\n  requests:\n    cpu: lots\n    memory: 64Mi\n  limits:\n    memory: 64Mi\nschedule: \"61 * * * *\"\nportName: http-metrics-port\n",
            ),
            ("chart/values-prod.yaml", "workers: 1\n"),
            (
                "chart/templates/deploy.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: prov-scheduler\nspec:\n  replicas: {{ .Values.replicas | default 1 }}\n  strategy:\n    type: Recreate\n  template:\n    spec:\n      containers:\n        - name: app\n          image: {{ printf \"%s/%s:%s\" .Values.image.registry .Values.image.repository .Values.image.tag | quote }}\n          env:\n            - name: TZ\n              value: {{ tpl .Values.tzTemplate . | quote }}\n          resources:\n            {{- toYaml .Values.resources | nindent 12 }}\n",
            ),
            (
                "chart/templates/workers.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: workers\nspec:\n  replicas: {{ .Values.workers | default 2 }}\n",
            ),
            (
                "chart/templates/more.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: prov\nspec:\n  rules:\n    - host: {{ .Values.host | quote }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n---\nkind: Secret\nmetadata:\n  name: nameless-api-version\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: prov-job\nspec:\n  schedule: {{ .Values.schedule | quote }}\n  timeZone: UTC\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: Never\n          containers:\n            - name: job\n              image: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/job:1.0\n              resources:\n                requests: {cpu: 10m, memory: 10Mi}\n                limits: {memory: 10Mi}\n              ports: [{name: {{ .Values.portName }}, containerPort: 80}]\n",
            ),
        ],
    );
    let (code, out, err) = chartgate(r, &["check", "chart", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let got: Vec<String> = findings(&out)
        .into_iter()
        .filter(|f| !f.starts_with("image-registry prod chart/templates/more"))
        .collect();
    assert_eq!(
        got,
        [
            // The Deployments have no selector (and workers no pod template): template lines.
            "schema-validity prod chart/templates/deploy.yaml:6:3",
            "ingress-load-balancer prod chart/templates/more.yaml:6:3",
            "manifest-validity prod chart/templates/more.yaml:19:1",
            "schema-validity prod chart/templates/workers.yaml:6:3",
            "schema-validity prod chart/templates/workers.yaml:6:3",
            "min-replicas prod chart/values-prod.yaml:1:10",
            "singleton-replicas prod chart/values.yaml:1:11",
            "image-registry prod chart/values.yaml:3:13",
            "image-tag-pinned prod chart/values.yaml:5:8",
            "timezone prod chart/values.yaml:6:5",
            "ingress-host-zone prod chart/values.yaml:8:7",
            "tls-hosts prod chart/values.yaml:8:7",
            "manifest-validity prod chart/values.yaml:9:7",
            "resource-requests prod chart/values.yaml:12:10",
            "timezone prod chart/values.yaml:16:11",
            "api-validation prod chart/values.yaml:17:11",
        ]
    );
    // The related template location of a values-line finding.
    let v: Value = serde_json::from_str(&out).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "image-tag-pinned")
        .unwrap()
        .clone();
    assert_eq!(
        f["message"],
        "container `app`: image `docker.io/team/app:latest` uses the moving tag `latest`; pin a version"
    );
}

/// A packaged chart named explicitly is a chart (its environments from the files beside it), and
/// `-f` files apply to every chart after the environment's own.
#[test]
fn packaged_chart_and_extra_values_files() {
    let d = tempfile::tempdir().unwrap();
    // One repository: paths its configs name stay inside it.
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join(".git")).unwrap();
    std::fs::create_dir(r.join("charts")).unwrap();
    let f = std::fs::File::create(r.join("charts/web-1.0.0.tgz")).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (name, text) in [
        ("web/Chart.yaml", CHART.replace("NAME", "web")),
        ("web/values.yaml", "tag: v1\n".to_string()),
        (
            "web/templates/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {app.kubernetes.io/name: web, team: team-a, environment: prod}\nspec:\n  containers:\n    - name: web\n      image: \"354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/web:{{ .Values.tag }}\"\n      resources:\n        requests: {cpu: 10m, memory: 10Mi}\n        limits: {memory: 10Mi}\n".to_string(),
        ),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, text.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    write(
        r,
        &[
            ("charts/values-prod.yaml", "tag: v2\n"),
            ("extra.yaml", "# CI override\ntag: latest\n"),
        ],
    );
    let (code, out, err) = chartgate(r, &["check", "--list", "charts/web-1.0.0.tgz"]);
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "charts/web-1.0.0.tgz  env prod: charts/values-prod.yaml  [from charts/values-prod.yaml:1]\n"
        ),
        "{err}"
    );
    let (code, out, err) = chartgate(
        r,
        &[
            "check",
            "--format",
            "json",
            "charts/web-1.0.0.tgz",
            "-f",
            "extra.yaml",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(findings(&out), ["image-tag-pinned prod extra.yaml:2:6"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["findings"][0]["resource"]["name"], "web",
        "the release is named after the package"
    );
}

/// JSON names the chart and the related locations (template line, rendered manifest line) of a
/// finding located at a values line.
#[test]
fn json_has_chart_and_related_locations() {
    let (code, out, _) = chartgate(
        root(),
        &[
            "check",
            "fixtures/team-repo/services/billing-scheduler",
            "--env",
            "prod",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "singleton-replicas");
    assert_eq!(f["chart"], "fixtures/team-repo/services/billing-scheduler");
    assert_eq!(
        f["related"],
        serde_json::json!([
            {"label": "template", "file": "fixtures/team-repo/services/billing-scheduler/templates/deployment.yaml", "line": 10, "column": 13},
            {"label": "rendered", "file": "billing-scheduler/templates/deployment.yaml", "line": 10, "column": 13}
        ])
    );
}
