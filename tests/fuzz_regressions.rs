//! Fuzz regressions: every input in `fixtures/fuzz-regressions/<target>/` once made the fuzz
//! target `<target>` (fuzz/src/<target>.rs) crash, hang or run out of memory. Each is replayed
//! here with the very same target code, in the normal test suite (debug build, overflow checks
//! on), so a fixed crash stays fixed. How to add one: fuzz/README.md.

#[path = "../fuzz/src/lib.rs"]
mod harness;

use std::path::Path;
use std::time::{Duration, Instant};

/// A fuzz target's entry point (the body of its `fuzz_target!`).
type Target = fn(&[u8]);

/// Every target's run function, by directory name.
const TARGETS: &[(&str, Target)] = &[
    ("yaml", harness::yaml::run),
    ("template_parse", harness::template_parse::run),
    ("template_exec", harness::template_exec::run),
    ("template_values", harness::template_values::run),
    ("strvals", harness::strvals::run),
    ("values_coalesce", harness::values_coalesce::run),
    ("quantity_image", harness::quantity_image::run),
    ("rego_input", harness::rego_input::run),
    ("analyze", harness::analyze::run),
    ("archive", harness::archive::run),
    ("report", harness::report::run),
];

#[test]
fn saved_crashes_stay_fixed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz-regressions");
    let mut replayed = 0;
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !entry.path().is_dir() {
            continue;
        }
        let Some((_, run)) = TARGETS.iter().find(|(t, _)| *t == name) else {
            panic!("fixtures/fuzz-regressions/{name}: no fuzz target of that name");
        };
        let mut files: Vec<_> = std::fs::read_dir(entry.path())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            let start = Instant::now();
            let result = std::panic::catch_unwind(|| run(&data));
            assert!(result.is_ok(), "{} panics again", f.display());
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{} took {:?}",
                f.display(),
                start.elapsed()
            );
            replayed += 1;
        }
    }
    // Every target has a seed input at least (the smallest interesting one).
    assert!(replayed >= TARGETS.len(), "only {replayed} inputs replayed");
}
