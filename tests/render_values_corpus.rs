//! Loads every chart of the shared corpus (when present) and runs Helm's value pipeline for every
//! case: cases Helm renders must load and validate; a schema-violation case must fail with Helm's
//! exact message. Skips with a warning when `../shared/corpus` is absent (fails under
//! `CHARTGATE_CI=1`).

use std::path::PathBuf;

use chartgate::render::chart::{RenderOptions, Sources, load_chart, prepare_values, user_values};

#[test]
fn corpus_values_pipeline() {
    // `../shared/corpus` from the repository root (or from an ancestor, for worktrees).
    let Some(corpus) = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.is_dir())
    else {
        assert!(
            std::env::var_os("CHARTGATE_CI").is_none(),
            "CHARTGATE_CI is set but no shared/corpus was found"
        );
        eprintln!("SKIPPED: ../shared/corpus not found; values pipeline not run on real charts");
        return;
    };
    let text = std::fs::read_to_string(corpus.join("manifest.json"))
        .unwrap_or_else(|e| panic!("{}/manifest.json: {e}", corpus.display()));
    let manifest: serde_json::Value =
        serde_json::from_str(&text).expect("corpus manifest.json is JSON");
    let mut failures = Vec::new();
    let cases = manifest["cases"].as_array().cloned().unwrap_or_default();
    for case in &cases {
        let chart = case["chart"].as_str().unwrap_or_default();
        let variant = case["variant"].as_str().unwrap_or_default();
        let golden: serde_json::Value =
            std::fs::read_to_string(corpus.join(case["golden"].as_str().unwrap_or_default()))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or_default();
        let result = load_chart(&corpus.join("charts").join(chart))
            .map_err(|e| e.to_string())
            .and_then(|lc| {
                let mut sources: Sources = lc.sources.clone();
                let opts = RenderOptions {
                    values_files: vec![corpus.join(case["values"].as_str().unwrap_or_default())],
                    ..Default::default()
                };
                let user = user_values(&opts, &mut sources)?;
                prepare_values(&lc.chart, &user).map(|_| ())
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
