//! SARIF output: valid against the official SARIF 2.1.0 schema (schemas/sarif-2.1.0.json, no
//! network) and carrying what GitHub code scanning requires.

#[path = "report_fixture.rs"]
mod fx;

use chartgate::report::baseline::fingerprint;
use chartgate::report::sarif::sarif;
use serde_json::{Value, json};

fn schema_errors(doc: &Value) -> Vec<String> {
    // The published schema's `language` pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$` has a
    // stray `]`, which jsonschema's meta-schema `regex` format check rejects, so the schema would
    // not compile. The file in schemas/ is kept byte for byte as published; the pattern is
    // replaced in memory with the intended one (we never emit `language`).
    const BROKEN: &str = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    const INTENDED: &str = r#""^[a-zA-Z]{2}(-[a-zA-Z]{2})?$""#;
    let text = include_str!("../schemas/sarif-2.1.0.json");
    assert_eq!(text.matches(BROKEN).count(), 2, "known schema defect moved");
    let schema: Value =
        serde_json::from_str(&text.replace(BROKEN, INTENDED)).expect("schema is JSON");
    // Formats are checked (so `uri` values must be valid URI references).
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn validate(doc: &Value) {
    let errors = schema_errors(doc);
    assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
}

#[test]
fn schema_rejects_invalid_sarif() {
    let mut d = doc();
    d["runs"][0]["results"][0]["level"] = json!("fatal");
    d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        json!(0);
    let errors = schema_errors(&d);
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

/// The results of every run (one run per environment), in report order.
fn all_results(d: &Value) -> Vec<Value> {
    let mut v: Vec<Value> = d["runs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["results"].as_array().unwrap().clone())
        .collect();
    v.sort_by_key(|r| {
        let loc = &r["locations"][0]["physicalLocation"];
        (
            loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
            loc["region"]["startLine"].as_u64().unwrap(),
            r["ruleId"].as_str().unwrap().to_string(),
        )
    });
    v
}

fn doc() -> Value {
    serde_json::from_str(&sarif(&fx::findings(), &fx::rules(), "0.1.0")).expect("valid JSON")
}

#[test]
fn sarif_is_valid_against_the_schema() {
    validate(&doc());
}

#[test]
fn sarif_empty_run_is_valid() {
    let d: Value = serde_json::from_str(&sarif(&[], &fx::rules(), "0.1.0")).unwrap();
    validate(&d);
    assert_eq!(d["runs"][0]["results"], json!([]));
}

#[test]
fn sarif_has_githubs_required_fields() {
    let d = doc();
    assert_eq!(d["version"], "2.1.0");
    let run = &d["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "chartgate");
    assert_eq!(driver["version"], "0.1.0");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "singleton-replicas",
            "resource-requests",
            "timezone",
            "image-tag-pinned",
            "manifest-validity",
            "image-registry",
            // Not in the rule list (e.g. a Rego policy): a minimal descriptor is added.
            "ingress-host-zone",
        ]
    );
    assert_eq!(
        rules[2],
        json!({
            "id": "timezone",
            "name": "timezone",
            "shortDescription": {"text": "Time zones are valid and explicit"},
            "fullDescription": {"text": "Time zones are valid and explicit. Why: the platform requires it."},
            "help": {"text": "See `chartgate explain timezone`.", "markdown": "See `chartgate explain timezone`."},
            "defaultConfiguration": {"level": "warning"},
            "properties": {"tags": ["chartgate", "kubernetes", "helm"]},
        })
    );
    assert_eq!(rules[5]["defaultConfiguration"]["level"], "note");

    let results = all_results(&d);
    assert_eq!(results.len(), 6);
    let findings = fx::findings();
    for r in &results {
        let id = r["ruleId"].as_str().unwrap();
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], id, "ruleIndex points at the rule");
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.starts_with("./"), "{uri}");
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        let fp = r["partialFingerprints"]["chartgate/v2"].as_str().unwrap();
        assert!(
            findings
                .iter()
                .any(|f| fingerprint(f) == fp && f.rule == id)
        );
    }
    // Report order; levels mapped (info → note); `./` dropped; spaces percent-encoded.
    let summary: Vec<(String, String, String, u64)> = results
        .iter()
        .map(|r| {
            let loc = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
                loc["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                loc["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str, d: u64| (a.to_string(), b.to_string(), c.to_string(), d);
    assert_eq!(
        summary,
        vec![
            s(
                "manifest-validity",
                "warning",
                "manifests/extra%20file.yaml",
                1
            ),
            s(
                "image-tag-pinned",
                "error",
                "services/api/values-prod.yaml",
                7
            ),
            s(
                "ingress-host-zone",
                "error",
                "services/api/values-prod.yaml",
                15
            ),
            s("singleton-replicas", "error", "services/api/values.yaml", 3),
            s(
                "timezone",
                "note",
                "services/worker/templates/cronjob.yaml",
                9
            ),
            s(
                "resource-requests",
                "warning",
                "services/worker/values.yaml",
                12
            ),
        ]
    );
    let image = &results[1];
    assert_eq!(
        image["message"]["text"],
        "image nginx:latest uses the tag \"latest\" (environment: prod)"
    );
    assert_eq!(
        image["relatedLocations"][0],
        json!({"id": 0, "physicalLocation": {
            "artifactLocation": {"uri": "services/api/templates/deployment.yaml", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 21, "startColumn": 18}},
            "message": {"text": "template"}})
    );
    assert_eq!(
        image["properties"],
        json!({"chart": "services/api", "environment": "prod", "resource": "Deployment/api/api",
               "field": "spec.template.spec.containers[0].image"})
    );
}

#[test]
fn sarif_fingerprints_do_not_depend_on_lines() {
    let mut moved = fx::findings();
    for f in &mut moved {
        f.location.line += 10;
        f.location.column += 1;
    }
    let fps = |d: &Value| -> Vec<Value> {
        all_results(d)
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    let moved: Value = serde_json::from_str(&sarif(&moved, &fx::rules(), "0.1.0")).unwrap();
    assert_eq!(fps(&doc()), fps(&moved));
}

#[test]
fn one_run_per_environment_with_its_category() {
    use chartgate::report::sarif::{SarifLimits, sarif_capped};
    let findings = fx::findings();
    // "qa" was checked and is clean: its run is there, empty, so GitHub closes fixed alerts.
    let (text, notes) = sarif_capped(
        &findings,
        &["qa".to_string()],
        &[],
        "0.0.0",
        SarifLimits::default(),
    );
    assert!(notes.is_empty(), "{notes:?}");
    let d: Value = serde_json::from_str(&text).unwrap();
    assert!(schema_errors(&d).is_empty(), "{:?}", schema_errors(&d));
    let mut expected: Vec<Option<String>> =
        findings.iter().map(|f| f.environment.clone()).collect();
    expected.push(Some("qa".into()));
    expected.sort();
    expected.dedup();
    let ids: Vec<String> = d["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = expected
        .iter()
        .map(|e| match e {
            Some(e) => format!("chartgate/{e}/"),
            None => "chartgate/".to_string(),
        })
        .collect();
    assert_eq!(ids, want);
    for run in d["runs"].as_array().unwrap() {
        let id = run["automationDetails"]["id"].as_str().unwrap();
        for r in run["results"].as_array().unwrap() {
            let env = r["properties"]["environment"].as_str();
            assert_eq!(
                id,
                env.map_or("chartgate/".to_string(), |e| format!("chartgate/{e}/"))
            );
        }
    }
    let qa = d["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["automationDetails"]["id"] == "chartgate/qa/")
        .unwrap();
    assert_eq!(qa["results"], json!([]));
}

#[test]
fn capped_to_github_limits_with_a_note() {
    use chartgate::report::sarif::{SarifLimits, sarif_capped};
    let mut findings = Vec::new();
    for i in 0..30 {
        let mut f = fx::findings().remove(0);
        f.environment = Some(format!("env{i:02}"));
        findings.push(f);
    }
    for i in 0..5 {
        let mut f = fx::findings().remove(0);
        f.environment = Some("env00".into());
        f.message = format!("problem {i}");
        findings.push(f);
    }
    let limits = SarifLimits {
        results_per_run: 4,
        runs_per_file: 20,
        gzip_bytes: 10 * 1024 * 1024,
    };
    let (text, notes) = sarif_capped(&findings, &[], &[], "0.0.0", limits);
    let d: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(d["runs"].as_array().unwrap().len(), 20);
    assert_eq!(d["runs"][0]["results"].as_array().unwrap().len(), 4);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[0].starts_with("SARIF capped: GitHub takes at most 20 runs per file; the runs of 10 environment(s) were left out: env20, env21"), "{}", notes[0]);
    assert_eq!(
        notes[1],
        "SARIF capped to GitHub's limits (4 results per run, 10 MB gzipped): env00: 4 of 6 results; every finding is in the other reports"
    );
    // The gzip bound: a tiny bound halves the results per run until the log fits.
    let tiny = SarifLimits {
        results_per_run: 25_000,
        runs_per_file: 20,
        gzip_bytes: 1,
    };
    let (text, notes) = sarif_capped(&findings, &[], &[], "0.0.0", tiny);
    let d: Value = serde_json::from_str(&text).unwrap();
    assert!(
        d["runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["results"].as_array().unwrap().is_empty())
    );
    assert!(
        notes.iter().any(|n| n.contains("env00: 0 of 6 results")),
        "{notes:?}"
    );
}
