//! Own fixture charts (fixtures/charts, a corpus-shaped directory with goldens made by real Helm):
//! every case must render exactly as Helm did, and error cases must fail with Helm's message.
//! No external files needed.

#[path = "render_support/mod.rs"]
mod support;

use std::path::PathBuf;

#[test]
fn fixture_charts_match_helm() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/charts");
    let results = support::run_corpus_with(&corpus, true);
    assert_eq!(results.len(), 80, "fixture cases");
    let failures: Vec<String> = results
        .iter()
        .filter_map(|r| r.failure.as_ref().map(|f| format!("{}: {f}", r.name)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
