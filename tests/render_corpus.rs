//! Conformance with Helm on the shared corpus (`../shared/corpus`, searched from the repository
//! root upwards; the test passes silently when it is absent). Prints failing cases with a short
//! diff and the ratio; fails when fewer cases are identical than tests/conformance-floor.txt says.

#[path = "render_support/mod.rs"]
mod support;

use std::path::PathBuf;

#[test]
fn shared_corpus_conformance() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(corpus) = root
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.join("manifest.json").is_file())
    else {
        return;
    };
    let results = support::run_corpus(&corpus);
    let ok = results.iter().filter(|r| r.failure.is_none()).count();
    for r in &results {
        if let Some(f) = &r.failure {
            println!("FAIL {}: {f}", r.name);
        }
    }
    println!("conformance: {ok}/{} cases identical", results.len());
    let floor: usize = std::fs::read_to_string(root.join("tests/conformance-floor.txt"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| !l.starts_with('#'))
                .and_then(|l| l.trim().parse().ok())
        })
        .unwrap_or(0);
    assert!(
        ok >= floor,
        "only {ok} of {} corpus cases identical; floor is {floor}",
        results.len()
    );
}
