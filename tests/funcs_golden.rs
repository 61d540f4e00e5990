//! Sprig and Helm functions through the template engine, against real Helm: every expression of
//! fixtures/funcs/sprig/cases.json was rendered as `{{ expr }}` by Helm v4 (fixtures/funcs/regen.py)
//! and must render byte for byte the same here.
use chartgate::model::value::{Map, Value};
use chartgate::render::template::{Limits, TemplateSet};

fn json_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Nil,
        serde_json::Value::Bool(b) => Value::bool(*b),
        serde_json::Value::Number(n) => Value::float(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(a) => Value::list(a.iter().map(json_value).collect()),
        serde_json::Value::Object(o) => {
            Value::map(o.iter().map(|(k, v)| (k.clone(), json_value(v))).collect())
        }
    }
}

fn check(dir: &str) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/funcs")
        .join(dir);
    let cases: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("cases.json")).unwrap()).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected.json")).unwrap())
            .unwrap();
    let mut dot = Map::new();
    dot.insert("Values".to_string(), json_value(&cases["values"]));
    let dot = Value::map(dot);
    let mut failures = Vec::new();
    let all = expected.as_array().unwrap();
    for case in all {
        let expr = case["expr"].as_str().unwrap();
        let want = case["out"].as_str().unwrap();
        let mut set = TemplateSet::new(Limits::default());
        let got = match set.add_file("funcs/templates/out.txt", &format!("{{{{ {expr} }}}}")) {
            Err(e) => format!("parse error: {}", e.message),
            Ok(()) => match set.execute("funcs/templates/out.txt", &dot) {
                Ok(r) => r.text,
                Err(e) => format!("error: {}", e.message),
            },
        };
        if got != want {
            failures.push(format!("{expr}\n  want {want:?}\n  got  {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn sprig_functions_match_helm() {
    check("sprig");
}
