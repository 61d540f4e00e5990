//! `chartgate check --baseline-out FILE` / `--baseline FILE`: record, fix one, the check reports
//! it fixed; add one, the check reports only the new one (text and JSON).

mod support;

use serde_json::Value;

// The Deployments are minimal (no selector): schema-validity is not what this test is about.
const CONFIG: &str =
    "rules:\n  resource-requests: off\n  required-labels: off\n  schema-validity: off\n";

fn app(images: &[&str]) -> String {
    let mut s = String::from(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n",
    );
    for (i, image) in images.iter().enumerate() {
        s.push_str(&format!("        - name: c{i}\n          image: {image}\n"));
    }
    s
}

fn check(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    support::cli(["check", "app.yaml", "--color", "never"])
        .args(args)
        .dir(dir)
        .run()
        .into_parts()
}

fn rules_of(json: &str) -> Vec<(String, u64)> {
    let v: Value = serde_json::from_str(json).expect("json");
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

const ECR: &str = "354918371398.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0";

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("chartgate.yaml"), CONFIG).expect("write");
    std::fs::write(d.join("app.yaml"), app(&["nginx:latest", "redis:7"])).expect("write");

    // Record: the findings are reported as usual and written to the baseline.
    let (code, out, _) = check(d, &["--format", "json", "--baseline-out", "base.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&out),
        vec![
            ("image-registry".to_string(), 10),
            ("image-tag-pinned".to_string(), 10),
            ("image-registry".to_string(), 12),
        ]
    );
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("base.json")).expect("read"))
            .expect("baseline json");
    assert_eq!(base["version"], 2);
    assert_eq!(base["entries"].as_array().map(Vec::len), Some(3));

    // Nothing changed: nothing new, nothing fixed, exit 0.
    let (code, out, _) = check(d, &["--baseline", "base.json"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "No findings: 0 errors, 0 warnings, 0 infos\nBaseline: no entry fixed\n"
    );

    // Fix one (c1 moves to the ECR) and move lines (a comment on top): the remaining accepted
    // findings keep their identity; the fixed one is listed.
    let fixed = format!("# moved down a line\n{}", app(&["nginx:latest", ECR]));
    std::fs::write(d.join("app.yaml"), fixed).expect("write");
    let (code, out, _) = check(d, &["--baseline", "base.json"]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "No findings: 0 errors, 0 warnings, 0 infos\n\
         Baseline: 1 fixed since it was recorded:\n  \
         fixed: image-registry Deployment/web at app.yaml:12:18: container `c1`: image `docker.io/library/redis:7` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)\n"
    );
    let (_, out, _) = check(d, &["--baseline", "base.json", "--format", "json"]);
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["findings"], serde_json::json!([]));
    let fixed = v["baseline"]["fixed"].as_array().expect("fixed");
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0]["rule"], "image-registry");
    assert_eq!(fixed[0]["resource"], "Deployment/web");
    assert_eq!(fixed[0]["fingerprint"], base["entries"][2]["fingerprint"]);

    // Add one (a third container): only the new finding is reported.
    let added = format!(
        "# moved down a line\n{}",
        app(&["nginx:latest", ECR, "busybox"])
    );
    std::fs::write(d.join("app.yaml"), added).expect("write");
    let (code, out, _) = check(d, &["--baseline", "base.json", "--format", "json"]);
    assert_eq!(code, 1);
    assert_eq!(
        rules_of(&out),
        vec![
            ("image-registry".to_string(), 15),
            ("image-tag-pinned".to_string(), 15),
        ]
    );
}

#[test]
fn unreadable_or_invalid_baseline_exits_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("chartgate.yaml"), CONFIG).expect("write");
    std::fs::write(d.join("app.yaml"), app(&[ECR])).expect("write");
    let (code, out, err) = check(d, &["--baseline", "missing.json"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "chartgate: cannot read baseline missing.json: No such file or directory (os error 2)\n"
    );
    std::fs::write(d.join("bad.json"), "{\"version\": 1,\n \"entries\": [}").expect("write");
    let (code, _, err) = check(d, &["--baseline", "bad.json"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: bad.json: invalid baseline at line 2 column 14: expected value at line 2 column 14\n"
    );
}
