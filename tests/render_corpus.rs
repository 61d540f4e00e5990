//! Conformance with Helm on the shared corpus (`../shared/corpus`, searched from the repository
//! root upwards). Prints failing cases with a short diff and the ratio; fails when fewer cases
//! are identical than tests/conformance-floor.txt says. A corpus directory without a readable
//! `manifest.json`, or an unreadable floor file, fails the test; an absent corpus is said loudly
//! on stderr, and fails under `CHARTGATE_CI=1` (set by `.ci/run`, which runs beside `../shared`).

#[path = "render_support/mod.rs"]
mod support;

use std::path::PathBuf;

#[test]
fn shared_corpus_conformance() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(corpus) = root
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.is_dir())
    else {
        assert!(
            std::env::var_os("CHARTGATE_CI").is_none(),
            "CHARTGATE_CI is set but no shared/corpus was found above {}",
            root.display()
        );
        eprintln!(
            "WARNING: shared/corpus not found above {}: Helm conformance NOT checked",
            root.display()
        );
        return;
    };
    assert!(
        std::fs::read_to_string(corpus.join("manifest.json")).is_ok(),
        "{}/manifest.json is missing or unreadable",
        corpus.display()
    );
    let results = support::run_corpus(&corpus);
    let ok = results.iter().filter(|r| r.failure.is_none()).count();
    for r in &results {
        if let Some(f) = &r.failure {
            println!("FAIL {}: {f}", r.name);
        }
    }
    println!("conformance: {ok}/{} cases identical", results.len());
    let floor_text = std::fs::read_to_string(root.join("tests/conformance-floor.txt"))
        .unwrap_or_else(|e| panic!("tests/conformance-floor.txt: {e}"));
    let floor: usize = floor_text
        .lines()
        .find(|l| !l.starts_with('#'))
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or_else(|| panic!("tests/conformance-floor.txt holds no number"));
    assert!(
        ok >= floor,
        "only {ok} of {} corpus cases identical; floor is {floor}",
        results.len()
    );
}
