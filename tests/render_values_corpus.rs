//! Loads every chart of the shared corpus (when present) and runs Helm's value pipeline for every
//! case: cases Helm renders must load and validate; a schema-violation case must fail with Helm's
//! exact message. An absent `../shared/corpus` is said loudly on the terminal (fails under
//! `CHARTGATE_CI=1`); a present but unreadable one, or a manifest without cases, fails.

#[path = "render_support/corpus.rs"]
mod corpus;

use std::path::PathBuf;

use chartgate::render::chart::{RenderOptions, Sources, load_chart, prepare_values, user_values};

#[test]
fn corpus_values_pipeline_or_loud_warning_when_absent() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(dir) = corpus::locate(&root).unwrap_or_else(|e| panic!("{e}")) else {
        corpus::say(
            &corpus::absent("the values pipeline on real charts", &root, corpus::ci())
                .unwrap_or_else(|e| panic!("{e}")),
        );
        return;
    };
    let manifest = corpus::manifest(&dir).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let cases = manifest["cases"].as_array().cloned().unwrap_or_default();
    for case in &cases {
        let chart = case["chart"].as_str().unwrap_or_default();
        let variant = case["variant"].as_str().unwrap_or_default();
        let golden: serde_json::Value =
            std::fs::read_to_string(dir.join(case["golden"].as_str().unwrap_or_default()))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
        let result = load_chart(&dir.join("charts").join(chart))
            .map_err(|e| e.to_string())
            .and_then(|lc| {
                let mut sources: Sources = lc.sources.clone();
                let opts = RenderOptions {
                    values_files: vec![dir.join(case["values"].as_str().unwrap_or_default())],
                    ..Default::default()
                };
                let user = user_values(&opts, &mut sources).map_err(|e| e.to_string())?;
                prepare_values(&lc.chart, &user)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            });
        let schema_error = case["error_type"].as_str() == Some("HelmValuesError");
        match (&result, schema_error) {
            (Ok(()), false) => {}
            (Err(e), true) if golden["error"].as_str() == Some(e.as_str()) => {}
            _ => failures.push(format!(
                "{chart}/{variant}: {result:?} (golden error: {})",
                golden["error"]
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
