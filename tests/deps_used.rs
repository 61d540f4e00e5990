//! Every dependency in Cargo.toml is used: `cargo machete` in a test, without installing it (it
//! takes minutes to build in CI). A crate counts as used when src/, tests/, benches/ or build.rs
//! names it as `name::`, `use name`, `extern crate name` or `name!(` (`-` read as `_`), outside
//! `//` comments. Crates used only through a feature or an attribute go in [`ALLOWED`], with why.

use std::path::Path;

/// Dependencies no source names as a path, and why they are still needed.
const ALLOWED: &[(&str, &str)] = &[
    // None today: mimalloc is the global allocator (`mimalloc::MiMalloc`), serde is used through
    // `serde::Serialize`/`serde::Deserialize` derives, both named as paths.
];

/// Dependencies of a Cargo.toml, each with whether it is a dev-dependency: every
/// `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` and
/// `[target.'cfg(..)'.*dependencies]` table (the key, i.e. the package name unless renamed).
fn dependencies(cargo_toml: &str) -> Result<Vec<(String, bool)>, String> {
    let doc: toml::Table = toml::from_str(cargo_toml).map_err(|e| format!("Cargo.toml: {e}"))?;
    let mut tables: Vec<(&toml::Table, bool)> = Vec::new();
    let kinds = [
        ("dependencies", false),
        ("dev-dependencies", true),
        ("build-dependencies", false),
    ];
    let targets = doc
        .get("target")
        .and_then(|v| v.as_table())
        .into_iter()
        .flat_map(|t| t.values().filter_map(|v| v.as_table()));
    for table in std::iter::once(&doc).chain(targets) {
        for (k, dev) in kinds {
            if let Some(t) = table.get(k).and_then(|v| v.as_table()) {
                tables.push((t, dev));
            }
        }
    }
    let mut deps: Vec<(String, bool)> = tables
        .iter()
        .flat_map(|(t, dev)| t.keys().map(|k| (k.clone(), *dev)))
        .collect();
    deps.sort();
    deps.dedup();
    Ok(deps)
}

/// Whether `source` (Rust text) names crate `ident` outside `//` comments.
fn mentions(source: &str, ident: &str) -> bool {
    let patterns = [
        format!("{ident}::"),
        format!("use {ident}"),
        format!("extern crate {ident}"),
        format!("{ident}!("),
    ];
    source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .any(|code| {
            patterns.iter().any(|p| {
                code.match_indices(p.as_str()).any(|(i, _)| {
                    // A whole identifier: not the tail of a longer one (`my_hex::`).
                    let before = code[..i].chars().next_back();
                    let after = code[i + p.len()..].chars().next();
                    let starts = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    // `use name` must end there (`use name;`, `use name::`, `use name as`).
                    let whole_word = p.starts_with("use ") || p.starts_with("extern ");
                    let ends =
                        !whole_word || !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
                    starts && ends
                })
            })
        })
}

/// The dependencies of `cargo_toml` that nothing uses and [`ALLOWED`] does not list: a
/// dev-dependency no source of `lib` or `tests` names, or a dependency no source of `lib` (src/,
/// build.rs) names (one only tests use belongs in `[dev-dependencies]`).
fn unused(cargo_toml: &str, lib: &[String], tests: &[String]) -> Result<Vec<String>, String> {
    let named = |ident: &str, sources: &[String]| sources.iter().any(|s| mentions(s, ident));
    let mut out: Vec<String> = dependencies(cargo_toml)?
        .into_iter()
        .filter(|(name, _)| !ALLOWED.iter().any(|(a, _)| a == name))
        .filter(|(name, dev)| {
            let ident = name.replace('-', "_");
            !(named(&ident, lib) || (*dev && named(&ident, tests)))
        })
        .map(|(name, dev)| {
            if dev {
                name
            } else {
                format!("{name} (not in src/)")
            }
        })
        .collect();
    out.dedup();
    Ok(out)
}

/// Every `.rs` file under `dir` (recursively), except this test (it names every crate).
fn rust_sources(dir: &Path, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let path = e
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            rust_sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") && !path.ends_with("deps_used.rs") {
            out.push(
                std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            );
        }
    }
}

#[test]
fn every_dependency_is_used() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let toml_text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let (mut lib, mut tests) = (Vec::new(), Vec::new());
    rust_sources(&root.join("src"), &mut lib);
    if let Ok(b) = std::fs::read_to_string(root.join("build.rs")) {
        lib.push(b);
    }
    for d in ["tests", "benches"] {
        rust_sources(&root.join(d), &mut tests);
    }
    assert!(
        lib.len() > 50 && tests.len() > 20,
        "{} + {} sources",
        lib.len(),
        tests.len()
    );
    let deps = dependencies(&toml_text).unwrap();
    assert!(deps.len() > 20, "only {} dependencies parsed", deps.len());
    assert_eq!(
        unused(&toml_text, &lib, &tests),
        Ok(Vec::<String>::new()),
        "dependencies nothing uses: remove them from Cargo.toml (or list them in ALLOWED, with why)"
    );
}

#[test]
fn an_unused_crate_is_reported() {
    let cargo = r#"
[package]
name = "x"

[dependencies]
serde_json = "1"
md-5 = "0.10"
hex = "0.4"
fake-hex = "1"
only-in-tests = "1"

[target.'cfg(unix)'.dependencies]
libc = "0.2"

[dev-dependencies]
insta = "1"
ryu = "1"
"#;
    let lib = vec![
        "use serde_json::Value;\nfn f() { let _ = hex::encode(b\"\"); }".to_string(),
        // In a comment only, and as the tail of another identifier: not a use.
        "// md_5::Md5 is gone\nfn g() { my_ryu::x(); fake_hexa::y(); }".to_string(),
        "extern crate libc;".to_string(),
    ];
    let tests =
        vec!["#[test] fn t() { insta::assert_snapshot!(\"a\"); only_in_tests::f(); }".to_string()];
    assert_eq!(
        unused(cargo, &lib, &tests),
        Ok(vec![
            "fake-hex (not in src/)".to_string(),
            "md-5 (not in src/)".to_string(),
            "only-in-tests (not in src/)".to_string(),
            "ryu".to_string(),
        ])
    );
}

#[test]
fn a_broken_cargo_toml_is_an_error() {
    assert_eq!(
        unused("[dependencies\nx = 1", &[], &[]).map_err(|e| e.lines().next().map(str::to_string)),
        Err(Some(
            "Cargo.toml: TOML parse error at line 1, column 14".to_string()
        ))
    );
}

#[test]
fn use_statements_match_whole_names_only() {
    assert!(mentions("use rayon::prelude::*;", "rayon"));
    assert!(mentions("    use regex;", "regex"));
    assert!(!mentions("use regex_lite::Regex;", "regex"));
    assert!(!mentions("let a = tar_gz::x();", "tar"));
    assert!(mentions("let a = (tar::Builder::new(w));", "tar"));
}
