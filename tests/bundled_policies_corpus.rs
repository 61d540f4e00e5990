//! The bundled Rego policies evaluate on every valid object: each case of the shared corpus
//! (`../shared/corpus`, real charts) is rendered and checked with the bundled policies, and no
//! `rego-error` may result. Absent corpus: says so loudly and checks nothing.

mod support;

use std::path::PathBuf;

#[test]
fn bundled_policies_evaluate_on_every_corpus_render() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let Some(corpus) = root
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.join("manifest.json").is_file())
    else {
        assert!(
            std::env::var_os("CHARTGATE_CI").is_none(),
            "CHARTGATE_CI is set but no shared/corpus was found"
        );
        eprintln!("SKIPPED: ../shared/corpus not found; bundled policies not run on real charts");
        return;
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(corpus.join("manifest.json")).unwrap())
            .expect("corpus manifest.json is JSON");
    let mut checked = 0;
    let mut errors = Vec::new();
    for case in manifest["cases"].as_array().expect("cases") {
        if case["expect"] != "ok" {
            continue;
        }
        let chart = corpus.join("charts").join(case["chart"].as_str().unwrap());
        let values = corpus.join(case["values"].as_str().unwrap());
        let out = support::cmd()
            .arg("check")
            .arg(&chart)
            .arg("-f")
            .arg(&values)
            .args(["--format", "json"])
            .run();
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{}: no JSON report ({e}); stderr: {}",
                values.display(),
                out.stderr.as_str()
            )
        });
        for f in report["findings"].as_array().unwrap() {
            if f["rule"] == "rego-error" {
                errors.push(format!("{}: {}", values.display(), f["message"]));
            }
        }
        checked += 1;
    }
    assert!(checked >= 60, "only {checked} corpus cases checked");
    assert!(
        errors.is_empty(),
        "bundled policies failed to evaluate:\n{}",
        errors.join("\n")
    );
}
