//! Rego policies see the render they check in `data.chartgate.context`: chart name, release,
//! namespace, environment, cluster and the merged values of that environment.

mod support;

use serde_json::Value;

#[test]
fn chart_renders_expose_their_context_to_policies() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ctx.rego"),
        "package main\nimport rego.v1\nwarn contains msg if {\n  input.kind == \"Deployment\"\n  c := data.chartgate.context\n  msg := sprintf(\"chart=%s release=%s namespace=%s env=%s cluster=%s replicaCount=%v\", [c.chart, c.release, c.namespace, c.environment, c.cluster, c.values.replicaCount])\n}\n",
    )
    .unwrap();
    let out = support::cmd()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "check",
            "fixtures/team-repo/services/billing-scheduler",
            "--format",
            "json",
        ])
        .arg("--policy")
        .arg(dir.path())
        .run();
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let got: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "main.warn")
        .map(|f| {
            format!(
                "{} {}",
                f["environment"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "dev chart=billing-scheduler release=billing-scheduler namespace=team-a env=dev cluster=dev-eks replicaCount=1",
            "prod chart=billing-scheduler release=billing-scheduler namespace=team-a env=prod cluster=prod-eks replicaCount=2",
            "test chart=billing-scheduler release=billing-scheduler namespace=team-a env=test cluster=test-eks replicaCount=1",
        ]
    );
}
