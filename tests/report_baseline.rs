//! Fingerprints and the baseline round trip: record, fix one, add one.

#[path = "report_fixture.rs"]
mod fx;

use chartgate::model::Severity;
use chartgate::report::baseline::{apply, fingerprint, load_baseline, write_baseline};

#[test]
fn fingerprint_stable_when_only_location_or_numbers_change() {
    let f = fx::findings().remove(0);
    let mut g = f.clone();
    g.location.line = 99;
    g.location.column = 1;
    // Numbers in the message (a tag, a count, a line) are not what is wrong.
    g.message = f.message.replace(|c: char| c.is_ascii_digit(), "7");
    g.related.clear();
    g.severity = Severity::Warning;
    assert_eq!(fingerprint(&f), fingerprint(&g));
    assert_eq!(fingerprint(&f).len(), 32);
    assert!(fingerprint(&f).bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn fingerprint_changes_with_identity() {
    let f = fx::findings().remove(0);
    let base = fingerprint(&f);
    let mut e = f.clone();
    e.environment = Some("dev".into());
    let mut c = f.clone();
    c.chart = Some("services/other".into());
    let mut r = f.clone();
    r.resource.as_mut().unwrap().name = "api2".into();
    let mut n = f.clone();
    n.resource.as_mut().unwrap().namespace = None;
    let mut fl = f.clone();
    fl.field = Some("spec.template.spec.containers[1].image".into());
    let mut ru = f.clone();
    ru.rule = "image-registry".into();
    let all = [
        base.clone(),
        fingerprint(&e),
        fingerprint(&c),
        fingerprint(&r),
        fingerprint(&n),
        fingerprint(&fl),
        fingerprint(&ru),
    ];
    let unique: std::collections::BTreeSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len());
}

#[test]
fn fingerprint_differs_in_what_is_wrong() {
    // Three required labels missing on one resource: three alerts, not one.
    let f = fx::findings().remove(0);
    let mut a = f.clone();
    a.rule = "required-labels".into();
    a.field = Some("metadata.labels".into());
    a.message = "Deployment api is missing the label \"team\" required for cost reporting".into();
    let mut b = a.clone();
    b.message = b.message.replace("team", "environment");
    assert_ne!(fingerprint(&a), fingerprint(&b));
    // A file:line reference inside the message is masked.
    let mut c = a.clone();
    c.message = format!("{} (also defined at templates/x.yaml:12:3)", a.message);
    let mut d = c.clone();
    d.message = d.message.replace("12:3", "40:1");
    assert_eq!(fingerprint(&c), fingerprint(&d));
}

#[test]
fn version_1_baselines_still_match() {
    let findings = fx::findings();
    let v1 = chartgate::report::baseline::Baseline {
        version: 1,
        entries: findings
            .iter()
            .map(|f| {
                let mut e = chartgate::report::baseline::entry(f);
                e.fingerprint = chartgate::report::baseline::fingerprint_v1(f);
                e
            })
            .collect(),
    };
    let text = serde_json::to_string(&v1).unwrap();
    let b = load_baseline(&text).unwrap();
    let (new, fixed) = apply(&b, &findings);
    assert!(new.is_empty(), "{new:?}");
    assert!(fixed.is_empty());
    // Written again, it is version 2.
    assert!(write_baseline(&findings).contains("\"version\": 2"));
}

#[test]
fn fingerprint_without_resource_or_field_uses_message() {
    let f = fx::findings().remove(5);
    let mut g = f.clone();
    g.message = "document has no apiVersion".into();
    assert_ne!(fingerprint(&f), fingerprint(&g));
}

#[test]
fn baseline_file_format() {
    let text = write_baseline(&fx::findings()[..1]);
    let fp = fingerprint(&fx::findings()[0]);
    assert_eq!(
        text,
        format!(
            r#"{{
  "version": 2,
  "entries": [
    {{
      "fingerprint": "{fp}",
      "rule": "image-tag-pinned",
      "resource": "Deployment/api/api",
      "environment": "prod",
      "file": "services/api/values-prod.yaml:7:10",
      "message": "image nginx:latest uses the tag \"latest\""
    }}
  ]
}}
"#
        )
    );
}

#[test]
fn baseline_round_trip() {
    let recorded = fx::findings();
    let baseline = load_baseline(&write_baseline(&recorded)).expect("loads");
    assert_eq!(baseline.entries.len(), recorded.len());

    // Nothing changed (lines moved): nothing new, nothing fixed.
    let mut moved = recorded.clone();
    for f in &mut moved {
        f.location.line += 3;
    }
    let (new, fixed) = apply(&baseline, &moved);
    assert!(new.is_empty(), "{new:?}");
    assert!(fixed.is_empty(), "{fixed:?}");

    // Fix one (singleton-replicas in dev): it is reported fixed.
    let mut now: Vec<_> = moved
        .into_iter()
        .filter(|f| f.rule != "singleton-replicas")
        .collect();
    let (new, fixed) = apply(&baseline, &now);
    assert!(new.is_empty());
    assert_eq!(fixed.len(), 1);
    assert_eq!(fixed[0].rule, "singleton-replicas");
    assert_eq!(fixed[0].environment.as_deref(), Some("dev"));
    assert_eq!(fixed[0].file, "services/api/values.yaml:3:11");

    // Add one (the same image problem in another environment): only it is new.
    let mut added = fx::findings().remove(0);
    added.environment = Some("test".into());
    now.push(added.clone());
    let (new, fixed) = apply(&baseline, &now);
    assert_eq!(new, vec![added]);
    assert_eq!(fixed.len(), 1);
}

#[test]
fn baseline_errors() {
    let e = load_baseline("{\n  \"version\": 1,\n  \"entries\": [\n    {\"rule\": 3}\n  ]\n}")
        .unwrap_err();
    assert_eq!(
        e,
        "invalid baseline at line 4 column 14: invalid type: integer `3`, expected a string at line 4 column 14"
    );
    assert_eq!(
        load_baseline(r#"{"version": 3, "entries": []}"#).unwrap_err(),
        "unsupported baseline version 3 (this chartgate reads versions 1 and 2)"
    );
    assert_eq!(
        load_baseline("").unwrap_err(),
        "invalid baseline at line 1 column 0: EOF while parsing a value at line 1 column 0"
    );
}
