//! The cluster rules (`deprecated-api`, `pod-security`, `schema-validity`) per Kubernetes
//! version and Pod Security level: fixtures under fixtures/cluster/, exact findings.
//! `pod-security` runs cases ported from k8s.io/pod-security-admission's test tables; the
//! expected controls per environment are in fixtures/cluster/expected/ (reviewed by hand against
//! policy/check_*.go).

mod support;

use serde_json::Value;

fn check(env: &str, path: &str) -> (i32, Vec<Value>) {
    let r = support::run(&["check", "--format", "json", "--env", env, path]);
    (r.code(), support::findings_of(&r.json()))
}

/// `rule severity file:line:col [Kind/name] message` per finding.
fn lines(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            let template = if f["resource"].is_object() {
                "{rule} {severity} {file}:{line}:{column} [{resource}] {message}"
            } else {
                "{rule} {severity} {file}:{line}:{column} {message}"
            };
            support::format_finding(f, template)
        })
        .collect()
}

#[test]
fn deprecated_api_per_version() {
    let file = "fixtures/cluster/deprecated-fail.yaml";
    let (code, f) = check("old", file);
    assert_eq!(code, 1);
    assert_eq!(
        lines(&f),
        vec![
            "deprecated-api error fixtures/cluster/deprecated-fail.yaml:1:13 [PodDisruptionBudget/old-pdb] policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25 (this environment runs 1.29); use policy/v1",
            "deprecated-api warning fixtures/cluster/deprecated-fail.yaml:8:13 [FlowSchema/fs] flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema is deprecated since Kubernetes 1.24 and is removed in 1.32 (this environment runs 1.29); use flowcontrol.apiserver.k8s.io/v1",
            // Beta APIs 1.29 does not serve by default (nor deprecate yet): no schema.
            "schema-validity info fixtures/cluster/deprecated-fail.yaml:14:7 [VolumeAttributesClass/vac] no schema for storage.k8s.io/v1beta1 VolumeAttributesClass",
            "schema-validity info fixtures/cluster/deprecated-fail.yaml:20:7 [DeviceClass/gpu] no schema for resource.k8s.io/v1beta1 DeviceClass",
        ]
    );
    let (_, f) = check("new", file);
    assert_eq!(
        lines(&f),
        vec![
            "deprecated-api error fixtures/cluster/deprecated-fail.yaml:1:13 [PodDisruptionBudget/old-pdb] policy/v1beta1 PodDisruptionBudget was removed in Kubernetes 1.25 (this environment runs 1.37); use policy/v1",
            "deprecated-api error fixtures/cluster/deprecated-fail.yaml:8:13 [FlowSchema/fs] flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema was removed in Kubernetes 1.32 (this environment runs 1.37); use flowcontrol.apiserver.k8s.io/v1",
            "deprecated-api warning fixtures/cluster/deprecated-fail.yaml:13:13 [VolumeAttributesClass/vac] storage.k8s.io/v1beta1 VolumeAttributesClass is deprecated since Kubernetes 1.34 (this environment runs 1.37); use storage.k8s.io/v1",
            "deprecated-api error fixtures/cluster/deprecated-fail.yaml:19:13 [DeviceClass/gpu] resource.k8s.io/v1beta1 DeviceClass was removed in Kubernetes 1.36 (this environment runs 1.37); use resource.k8s.io/v1beta2",
        ]
    );
    for env in ["old", "mid", "new"] {
        let (code, f) = check(env, "fixtures/cluster/deprecated-pass.yaml");
        assert_eq!((code, lines(&f)), (0, Vec::<String>::new()), "{env}");
    }
}

#[test]
fn chart_kube_version_and_values_lines() {
    let (_, f) = check("old", "fixtures/cluster/psa-chart");
    assert_eq!(
        lines(&f),
        vec![
            "pod-security error fixtures/cluster/psa-chart/values.yaml:3:15 [Deployment/psa-chart] privileged: container `api` must not set securityContext.privileged=true (Pod Security `baseline`)",
            "pod-security error fixtures/cluster/psa-chart/values.yaml:5:9 [Deployment/psa-chart] sysctls: forbidden sysctl \"net.ipv4.tcp_rmem\" (Pod Security `baseline`)",
        ]
    );
    let (_, f) = check("new", "fixtures/cluster/psa-chart");
    assert_eq!(
        lines(&f),
        vec![
            "deprecated-api error fixtures/cluster/psa-chart/Chart.yaml:4:1 chart `psa-chart` requires kubeVersion `>=1.29.0-0 <1.34.0-0`, which excludes Kubernetes v1.37.0 of this environment",
            "pod-security error fixtures/cluster/psa-chart/values.yaml:3:15 [Deployment/psa-chart] privileged: container `api` must not set securityContext.privileged=true (Pod Security `baseline`)",
        ]
    );
}

/// `name: control line:col` for every pod-security finding, in report order.
fn psa(env: &str, file: &str) -> String {
    let (_, f) = check(env, file);
    let mut out = String::new();
    for x in f.iter().filter(|x| x["rule"] != "schema-validity") {
        assert_eq!(x["rule"], "pod-security", "{x}");
        let control = x["message"].as_str().unwrap().split(':').next().unwrap();
        out.push_str(&format!(
            "{}: {control} {}:{}\n",
            x["resource"]["name"].as_str().unwrap(),
            x["line"],
            x["column"]
        ));
    }
    out
}

#[test]
fn pod_security_admission_cases_per_level_and_version() {
    for env in ["old", "mid", "new", "locked", "strict"] {
        let got = psa(env, "fixtures/cluster/pod-security/psa-cases.yaml");
        let path = format!(
            "{}/fixtures/cluster/expected/psa-cases.{env}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        if std::env::var_os("CHARTGATE_BLESS").is_some() {
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap();
        assert_eq!(got, want, "environment {env}");
    }
}

#[test]
fn pod_security_pass_fixture() {
    for env in ["old", "new", "locked", "strict"] {
        let (code, f) = check(env, "fixtures/cluster/pod-security/pass.yaml");
        assert_eq!((code, lines(&f)), (0, Vec::<String>::new()), "{env}");
    }
}

#[test]
fn schema_validity_per_version_and_crds() {
    let file = "fixtures/cluster/schema/fail.yaml";
    let common = [
        "schema-validity error fixtures/cluster/schema/fail.yaml:6:13 [Deployment/api] spec.replicas: expected an integer, got string \"2\"",
        "schema-validity error fixtures/cluster/schema/fail.yaml:12:23 [Deployment/api] spec.strategy.rollingUpdate.maxUnavailable: expected an integer or a string, got boolean true",
    ];
    let (code, f) = check("old", file);
    assert_eq!(code, 1);
    let mut want: Vec<String> = common.iter().map(|s| s.to_string()).collect();
    want.extend([
        "schema-validity error fixtures/cluster/schema/fail.yaml:20:11 [Deployment/api] spec.template.spec.containers[0].resourcs: unknown field `resourcs` (not in the apps/v1 Deployment schema of Kubernetes 1.29)".to_string(),
        "schema-validity error fixtures/cluster/schema/fail.yaml:22:11 [Deployment/api] spec.template.spec.containers[1].name: missing required field `name`".to_string(),
        // trafficDistribution exists from 1.30 on.
        "schema-validity error fixtures/cluster/schema/fail.yaml:29:3 [Service/api] spec.trafficDistribution: unknown field `trafficDistribution` (not in the v1 Service schema of Kubernetes 1.29)".to_string(),
        "schema-validity info fixtures/cluster/schema/fail.yaml:35:7 [Widget/w] no schema for example.com/v1 Widget".to_string(),
    ]);
    assert_eq!(lines(&f), want);
    let (_, f) = check("mid", file);
    assert!(!lines(&f).iter().any(|l| l.contains("trafficDistribution")));
    assert_eq!(lines(&f).len(), 5);
    for env in ["old", "mid", "new"] {
        let (code, f) = check(env, "fixtures/cluster/schema/pass.yaml");
        assert_eq!((code, lines(&f)), (0, Vec::<String>::new()), "{env}");
    }
    // A CRD among the checked manifests.
    let (_, f) = check("new", "fixtures/cluster/schema/crd.yaml");
    assert_eq!(
        lines(&f),
        vec![
            "schema-validity error fixtures/cluster/schema/crd.yaml:38:3 [Widget/bad] spec.colour: unknown field `colour` (not in the example.com/v1 Widget CRD schema)",
            "schema-validity error fixtures/cluster/schema/crd.yaml:38:3 [Widget/bad] spec.size: missing required field `size`",
            "schema-validity error fixtures/cluster/schema/crd.yaml:39:10 [Widget/bad] spec.color: string \"green\" is not one of red, blue",
        ]
    );
    // A CRD from the chart's crds/ folder; the finding is at the values line.
    let (_, f) = check("mid", "fixtures/cluster/crd-chart");
    assert_eq!(
        lines(&f),
        vec![
            "schema-validity error fixtures/cluster/crd-chart/values.yaml:2:8 [Widget/w] spec.color: string \"green\" is not one of red, blue",
        ]
    );
}

#[test]
fn unknown_kube_version_is_a_config_error_listing_the_supported_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("chartgate.yaml"),
        "root: true\nenvironments:\n  dev:\n    kube-version: \"1.28\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("m.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
    )
    .unwrap();
    let out = support::cmd()
        .current_dir(dir.path())
        .args(["check", "--env", "dev", "m.yaml"])
        .run();
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "chartgate: config error: chartgate.yaml:4:19: unknown kube-version `1.28` (supported: 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37)\n"
    );
    std::fs::write(
        dir.path().join("chartgate.yaml"),
        "root: true\nkube-version: 1.30\n",
    )
    .unwrap();
    let out = support::cmd()
        .current_dir(dir.path())
        .args(["check", "m.yaml"])
        .run();
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "chartgate: config error: chartgate.yaml:2:15: kube-version must be a quoted string such as \"1.31\" (unquoted 1.30 reads as 1.3)\n"
    );
    std::fs::write(
        dir.path().join("chartgate.yaml"),
        "root: true\npod-security: strict\n",
    )
    .unwrap();
    let out = support::cmd()
        .current_dir(dir.path())
        .args(["check", "m.yaml"])
        .run();
    assert_eq!(out.code, Some(2));
    assert_eq!(
        out.stderr,
        "chartgate: config error: chartgate.yaml:2:15: pod-security: `strict` is not one of baseline, restricted\n"
    );
}

/// Runs `check --format json ARGS` in `dir`: (exit code, finding lines, stderr).
fn check_in(dir: &std::path::Path, args: &[&str]) -> (i32, Vec<String>, String) {
    let r = support::cli(["check", "--format", "json"])
        .args(args)
        .dir(dir)
        .run();
    // A config error prints no report: no lines.
    let findings = serde_json::from_str::<Value>(&r.stdout)
        .ok()
        .and_then(|j| j["findings"].as_array().cloned())
        .unwrap_or_default();
    (r.code(), lines(&findings), r.stderr)
}

/// A root config without the label policy (not what these tests are about).
const ROOT: &str = "root: true\nrules: {required-labels: off}\n";

#[test]
fn crds_key_supplies_schemas_and_malformed_crds_are_errors_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join(".git")).unwrap();
    std::fs::create_dir_all(d.join("platform-crds")).unwrap();
    let crd = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cluster/schema/crd.yaml"),
    )
    .unwrap();
    // The CRD alone (the first document of the fixture), installed by the platform.
    let crd_only = crd.split("\n---").next().unwrap().to_string();
    std::fs::write(d.join("platform-crds/widget.yaml"), &crd_only).unwrap();
    std::fs::write(
        d.join("app.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  size: 1\n  colour: red\n",
    )
    .unwrap();
    // Without `crds:` the kind has no schema: info only.
    std::fs::write(d.join("chartgate.yaml"), ROOT).unwrap();
    let (code, got, err) = check_in(d, &["app.yaml"]);
    assert_eq!(
        (code, got),
        (
            0,
            vec![
                "schema-validity info app.yaml:2:7 [Widget/w] no schema for example.com/v1 Widget"
                    .to_string()
            ]
        ),
        "{err}"
    );
    // `crds:` (a directory) gives the schema.
    std::fs::write(
        d.join("chartgate.yaml"),
        format!("{ROOT}crds: platform-crds\n"),
    )
    .unwrap();
    let (code, got, err) = check_in(d, &["app.yaml"]);
    assert_eq!(
        (code, got),
        (
            1,
            vec!["schema-validity error app.yaml:6:3 [Widget/w] spec.colour: unknown field `colour` (not in the example.com/v1 Widget CRD schema)".to_string()]
        ),
        "{err}"
    );
    // A `crds:` file holding something else, or a CRD whose schema is unusable: config errors
    // at the document's line, exit 2.
    std::fs::write(
        d.join("platform-crds/widget.yaml"),
        format!("{crd_only}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{name: x}}\n"),
    )
    .unwrap();
    let n = crd_only.lines().count() + 2;
    let (code, _, err) = check_in(d, &["app.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        format!(
            "chartgate: config error: platform-crds/widget.yaml:{n}:1: crds: files listed under `crds:` hold CustomResourceDefinitions only; this is a ConfigMap\n"
        )
    );
    std::fs::write(
        d.join("platform-crds/widget.yaml"),
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: gadgets.example.com}\nspec:\n  group: example.com\n  names: {kind: Gadget}\n  versions:\n    - name: v1\n      served: true\n      schema: {openAPIV3Schema: [not, a, map]}\n",
    )
    .unwrap();
    let (code, _, err) = check_in(d, &["app.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: config error: platform-crds/widget.yaml:1:1: crds: CustomResourceDefinition gadgets.example.com: spec.versions[0].schema.openAPIV3Schema is not a map\n"
    );
    // The same CRD among the checked manifests: an error finding at the CRD, the run goes on.
    std::fs::write(d.join("chartgate.yaml"), ROOT).unwrap();
    std::fs::rename(
        d.join("platform-crds/widget.yaml"),
        d.join("gadget-crd.yaml"),
    )
    .unwrap();
    let (code, got, err) = check_in(d, &["gadget-crd.yaml"]);
    assert_eq!(
        (code, got),
        (
            1,
            vec![
                "schema-validity error gadget-crd.yaml:5:3 [CustomResourceDefinition/gadgets.example.com] CustomResourceDefinition gives no usable schema: spec.versions[0].schema.openAPIV3Schema is not a map".to_string(),
                // The CustomResourceDefinition schema of Kubernetes itself says the rest.
                "schema-validity error gadget-crd.yaml:5:3 [CustomResourceDefinition/gadgets.example.com] spec.scope: missing required field `scope`".to_string(),
                "schema-validity error gadget-crd.yaml:6:10 [CustomResourceDefinition/gadgets.example.com] spec.names.plural: missing required field `plural`".to_string(),
                "schema-validity error gadget-crd.yaml:8:7 [CustomResourceDefinition/gadgets.example.com] spec.versions[0].storage: missing required field `storage`".to_string(),
                "schema-validity error gadget-crd.yaml:10:33 [CustomResourceDefinition/gadgets.example.com] spec.versions[0].schema.openAPIV3Schema: expected a map, got a list".to_string(),
            ]
        ),
        "{err}"
    );
    // A `crds:` path leaving the repository is refused like every config path.
    std::fs::write(d.join("chartgate.yaml"), format!("{ROOT}crds: /etc\n")).unwrap();
    let (code, _, err) = check_in(d, &["app.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: config error: chartgate.yaml:3:7: `/etc` is an absolute path: paths in a repository config must stay inside the repository\n"
    );
}

#[test]
fn a_crd_one_of_names_what_failed_and_its_branches_admit_the_declared_fields() {
    // A `oneOf` branch naming one field (Gateway API's address) does not forbid the others the
    // schema declares; a map no branch accepts is said so (it was "expected an integer or a
    // string, got a map", the message of an int-or-string).
    let dir = tempfile::tempdir().unwrap();
    let crd = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: knobs.example.com}\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {kind: Knob, plural: knobs}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              kind: {type: string}\n              value: {type: string}\n            oneOf:\n            - properties: {kind: {enum: [Fixed]}}\n              required: [value]\n            - properties: {kind: {not: {enum: [Fixed]}}}\n";
    let objects = "apiVersion: example.com/v1\nkind: Knob\nmetadata: {name: named}\nspec: {kind: Named, value: x}\n---\napiVersion: example.com/v1\nkind: Knob\nmetadata: {name: fixed}\nspec: {kind: Fixed}\n";
    support::write_tree(
        dir.path(),
        &[
            ("chartgate.yaml", "root: true\n"),
            ("knobs.yaml", &format!("{crd}---\n{objects}")),
        ],
    );
    let r = support::run_in(dir.path(), &["check", "--format", "json", "knobs.yaml"]);
    let got: Vec<String> = lines(&support::findings_of(&r.json()))
        .into_iter()
        .filter(|l| l.starts_with("schema-validity"))
        .collect();
    assert_eq!(
        got,
        [
            "schema-validity error knobs.yaml:34:7 [Knob/fixed] spec: a map matches none of the schema's `oneOf` alternatives"
        ]
    );
}
