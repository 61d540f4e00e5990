//! Every report format on the fixture team repo, run from the repository root as the GitHub
//! Action runs it: exact GitHub annotations, JUnit (one suite per chart × environment, clean
//! pairs included) and markdown; SARIF valid against schemas/sarif-2.1.0.json with values-file
//! locations whose URIs are repository-relative, and GitHub's required fields.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

fn team_repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/team-repo")
}

/// `chartgate check . --format FORMAT` in the team repo: (exit code, stdout).
fn check(format: &str) -> (i32, String) {
    let r = support::run_in(&team_repo(), &["check", ".", "--format", format]);
    assert_eq!(r.stderr, "");
    (r.code(), r.stdout)
}

#[test]
fn github_annotations_exact() {
    assert_eq!(
        check("github"),
        (
            1,
            include_str!("report_expected/team-repo.github").to_string()
        )
    );
}

#[test]
fn junit_one_suite_per_chart_and_environment() {
    let (code, out) = check("junit");
    assert_eq!(code, 1);
    assert_eq!(out, include_str!("report_expected/team-repo.junit.xml"));
    // 3 services × 3 environments, clean ones as one passing case.
    assert_eq!(out.matches("<testsuite ").count(), 9);
    assert!(out.contains(
        "<testsuite name=\"services/reports [test]\" tests=\"1\" skipped=\"0\" errors=\"0\" failures=\"0\">\n        <testcase name=\"chartgate\" classname=\"services/reports [test]\"/>"
    ));
}

#[test]
fn markdown_summary_exact() {
    assert_eq!(
        check("markdown"),
        (1, include_str!("report_expected/team-repo.md").to_string())
    );
}

fn schema_errors(doc: &Value) -> Vec<String> {
    // The published schema has a stray `]` in its `language` pattern (see report_sarif.rs).
    const BROKEN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    const INTENDED: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;
    let text = include_str!("../schemas/sarif-2.1.0.json");
    let schema: Value = serde_json::from_str(&text.replace(BROKEN, INTENDED)).unwrap();
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_valid_with_repo_relative_values_locations() {
    let (code, out) = check("sarif");
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&out).unwrap();
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "chartgate");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        for key in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "defaultConfiguration",
        ] {
            assert!(!r[key].is_null(), "rule {} lacks {key}", r["id"]);
        }
    }
    // One run per environment (its own code-scanning category), in environment order.
    let ids: Vec<&str> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["chartgate/dev/", "chartgate/prod/", "chartgate/test/"]
    );
    let results: Vec<&Value> = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap())
        .collect();
    // (ruleId, uri:line:col, environment) of every result, by environment then report order;
    // URIs relative to the repository root (this checkout), whatever the current directory.
    let got: Vec<String> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            format!(
                "{} {}:{}:{} {}",
                r["ruleId"].as_str().unwrap(),
                loc["artifactLocation"]["uri"].as_str().unwrap(),
                loc["region"]["startLine"],
                loc["region"]["startColumn"],
                r["properties"]["environment"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "image-registry fixtures/team-repo/services/reports/values-dev.yaml:2:15 dev",
            "resource-requests fixtures/team-repo/services/web/templates/deployment.yaml:28:13 dev",
            "image-tag-pinned fixtures/team-repo/services/web/values-dev.yaml:2:8 dev",
            "singleton-replicas fixtures/team-repo/services/billing-scheduler/values-prod.yaml:1:15 prod",
            "timezone fixtures/team-repo/services/reports/values-prod.yaml:3:11 prod",
            "min-replicas fixtures/team-repo/services/web/values.yaml:1:15 prod",
            "image-tag-pinned fixtures/team-repo/services/web/values.yaml:4:8 prod",
            "resource-requests fixtures/team-repo/services/web/templates/deployment.yaml:28:13 test",
            "values-schema fixtures/team-repo/services/web/values-test.yaml:1:15 test",
            "ingress-host-zone fixtures/team-repo/services/web/values-test.yaml:5:7 test",
            "timezone fixtures/team-repo/services/web/values-test.yaml:7:7 test",
        ]
    );
    let mut fingerprints = std::collections::BTreeSet::new();
    for r in &results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert_eq!(r["level"], "error");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let art = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(art["uriBaseId"], "%SRCROOT%");
        // Every location GitHub links to is a file of the repository (this checkout).
        let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(repo.join(art["uri"].as_str().unwrap()).is_file());
        for rel in r["relatedLocations"].as_array().into_iter().flatten() {
            match rel["physicalLocation"]["artifactLocation"]["uri"].as_str() {
                Some(u) => assert!(repo.join(u).is_file(), "{u}"),
                None => assert!(
                    rel["message"]["text"]
                        .as_str()
                        .unwrap()
                        .starts_with("rendered manifest "),
                    "{rel}"
                ),
            }
        }
        let fp = r["partialFingerprints"]["chartgate/v2"].as_str().unwrap();
        assert_eq!(fp.len(), 32);
        assert!(
            fingerprints.insert(fp.to_string()),
            "duplicate fingerprint {fp}"
        );
    }
    // The values-line finding names its template as a related location: the action that
    // printed the part the finding is about (the tag of `"{{ repository }}:{{ tag }}"`).
    assert_eq!(
        results[2]["relatedLocations"][0],
        json!({"id": 0, "message": {"text": "template"}, "physicalLocation": {
            "artifactLocation": {"uri": "fixtures/team-repo/services/web/templates/deployment.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 19, "startColumn": 50}}})
    );
}
