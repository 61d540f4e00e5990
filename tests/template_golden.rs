//! Golden tests of the template engine: every chart under fixtures/templates/ was rendered by
//! real Helm (fixtures/templates/regen.py); we parse every template file into one set, execute
//! each non-partial template and compare the output (or the first error) byte for byte.
use chartgate::model::value::{Map, Value};
use chartgate::render::template::{Limits, TemplateSet, helm_parse_order};
use std::path::Path;

fn json_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::bool(*b),
        // Helm holds every YAML number as float64.
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(json_value).collect()),
        serde_json::Value::Object(o) => {
            Value::map(o.iter().map(|(k, v)| (k.clone(), json_value(v))).collect())
        }
    }
}

fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map>(),
    )
}

/// Renders one fixture chart like `helm template release CHART --namespace default`.
fn render_chart(dir: &Path) -> serde_json::Value {
    let chart = dir.file_name().unwrap().to_string_lossy().to_string();
    let values: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("values.json")).unwrap()).unwrap();
    let mut files = Vec::new();
    for e in std::fs::read_dir(dir.join("templates")).unwrap() {
        let e = e.unwrap();
        let name = format!("{chart}/templates/{}", e.file_name().to_string_lossy());
        files.push((name, std::fs::read_to_string(e.path()).unwrap()));
    }
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let order = helm_parse_order(&names);
    let mut set = TemplateSet::new(Limits::default());
    for name in &order {
        let src = &files.iter().find(|(n, _)| n == name).unwrap().1;
        if let Err(e) = set.add_file(name, src) {
            return serde_json::json!({ "error": e.message });
        }
    }
    let mut out = serde_json::Map::new();
    for name in &order {
        if name.rsplit('/').next().unwrap().starts_with('_') {
            continue;
        }
        let dot = map(vec![
            ("Values", json_value(&values)),
            (
                "Release",
                map(vec![
                    ("Name", Value::str("release")),
                    ("Namespace", Value::str("default")),
                    ("IsInstall", Value::bool(true)),
                    ("IsUpgrade", Value::bool(false)),
                    ("Revision", Value::int(1)),
                    ("Service", Value::str("Helm")),
                ]),
            ),
            (
                "Chart",
                map(vec![
                    ("Name", Value::str(chart.as_str())),
                    ("Version", Value::str("0.1.0")),
                ]),
            ),
            (
                "Template",
                map(vec![
                    ("Name", Value::str(name.as_str())),
                    ("BasePath", Value::str(format!("{chart}/templates"))),
                ]),
            ),
        ]);
        match set.execute(name, &dot) {
            Ok(r) => {
                out.insert(name.clone(), serde_json::Value::String(r.text));
            }
            Err(e) => return serde_json::json!({ "error": e.message }),
        }
    }
    serde_json::Value::Object(out)
}

#[test]
fn fixtures_match_helm() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/templates");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("Chart.yaml").exists())
        .collect();
    dirs.sort();
    assert!(dirs.len() > 10);
    let mut failures = Vec::new();
    for dir in &dirs {
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap())
                .unwrap();
        let got = render_chart(dir);
        if got != expected {
            failures.push(format!(
                "{}:\n  expected: {}\n  got:      {}",
                dir.display(),
                expected,
                got
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures differ:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}
