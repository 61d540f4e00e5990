//! The house's layers (README, "Layout"): a top-level module of `src/` may import only the
//! modules listed before it. Fails on any `crate::<module>` path (code, `use`, doc links) that
//! points up, so an import cycle between layers cannot come back unnoticed.

use std::path::Path;

/// Bottom up, as the README lists them.
const LAYERS: &[&str] = &[
    "model", "gocompat", "budget", "yaml", "confine", "config", "render", "discover", "analyze",
    "pipeline", "report", "cli",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap_or_else(|e| panic!("{e}")).path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `crate::NAME` occurrences of `text` whose NAME is a layer.
fn referenced(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: &str = &rest[..rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len())];
        if let Some(l) = LAYERS.iter().find(|l| **l == name) {
            out.push(*l);
        }
    }
    out
}

#[test]
fn no_layer_imports_a_layer_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (rank, layer) in LAYERS.iter().enumerate() {
        let dir = src.join(layer);
        assert!(
            dir.is_dir(),
            "src/{layer}/ is listed as a layer but missing"
        );
        let mut files = Vec::new();
        rust_files(&dir, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{e}"));
            for (n, line) in text.lines().enumerate() {
                for r in referenced(line) {
                    let up = LAYERS.iter().position(|l| *l == r).unwrap_or(0) > rank;
                    if up {
                        violations.push(format!(
                            "{}:{}: {layer} -> {r}",
                            f.strip_prefix(&src).unwrap_or(&f).display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports pointing up:\n{}",
        violations.join("\n")
    );
}

#[test]
fn every_top_level_module_is_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mods: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    let mut sorted_mods = mods.clone();
    sorted_mods.sort_unstable();
    let mut layers = LAYERS.to_vec();
    layers.sort_unstable();
    assert_eq!(sorted_mods, layers);
    assert_eq!(
        referenced("use crate::report::x; crate::yaml::y, crate::other"),
        ["report", "yaml"]
    );
}
