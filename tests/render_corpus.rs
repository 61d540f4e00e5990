//! Conformance with Helm on the shared corpus (`../shared/corpus`, searched from the repository
//! root upwards). Prints failing cases with a short diff and the ratio; fails when fewer cases
//! are identical than tests/conformance-floor.txt says. A corpus that is present but unreadable,
//! a `manifest.json` that is unreadable, not JSON or without cases, and a floor file that is
//! unreadable or holds no number fail the test; an absent corpus is said loudly on the terminal
//! (uncaptured) and fails under `CHARTGATE_CI=1` (set by `.ci/run`, which runs beside `../shared`).

#[path = "render_support/mod.rs"]
mod support;

#[path = "render_support/corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};

#[test]
fn shared_corpus_conformance_or_loud_warning_when_absent() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // The floor first: a broken floor file fails even without a corpus.
    let floor =
        corpus::floor(&root.join("tests/conformance-floor.txt")).unwrap_or_else(|e| panic!("{e}"));
    let Some(dir) = corpus::locate(&root).unwrap_or_else(|e| panic!("{e}")) else {
        corpus::say(
            &corpus::absent("Helm render conformance", &root, corpus::ci())
                .unwrap_or_else(|e| panic!("{e}")),
        );
        return;
    };
    corpus::manifest(&dir).unwrap_or_else(|e| panic!("{e}"));
    let results = support::run_corpus(&dir);
    let ok = results.iter().filter(|r| r.failure.is_none()).count();
    for r in &results {
        if let Some(f) = &r.failure {
            println!("FAIL {}: {f}", r.name);
        }
    }
    println!("conformance: {ok}/{} cases identical", results.len());
    assert!(
        ok >= floor,
        "only {ok} of {} corpus cases identical; floor is {floor}",
        results.len()
    );
}

/// A scratch directory `t` with `t/repo` as the start of the search.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    (t, repo)
}

fn shown(r: Result<impl std::fmt::Debug, String>, base: &Path) -> String {
    match r {
        Ok(v) => format!("Ok({v:?})"),
        Err(e) => format!("Err({})", e.replace(&base.display().to_string(), "T")),
    }
}

#[test]
fn an_absent_corpus_is_none_and_fails_under_ci() {
    let (t, repo) = scratch();
    assert_eq!(shown(corpus::locate(&repo), t.path()), "Ok(None)");
    assert_eq!(
        shown(corpus::absent("x", &repo, true), t.path()),
        "Err(CHARTGATE_CI is set but no shared/corpus found above T/repo: x NOT checked)"
    );
    let bar = "!".repeat(78);
    assert_eq!(
        corpus::absent("x", &repo, false).map(|b| b.replace(&t.path().display().to_string(), "T")),
        Ok(format!(
            "\n{bar}\nWARNING: no shared/corpus found above T/repo: x NOT checked\n{bar}\n"
        ))
    );
}

#[test]
fn a_present_but_unreadable_corpus_fails() {
    let (t, repo) = scratch();
    std::fs::create_dir_all(t.path().join("shared")).unwrap();
    // A dangling link: present, not readable.
    std::os::unix::fs::symlink(t.path().join("gone"), t.path().join("shared/corpus")).unwrap();
    assert_eq!(
        shown(corpus::locate(&repo), t.path()),
        "Err(T/shared/corpus is present but not a readable directory)"
    );
    // A file where the directory should be.
    std::fs::remove_file(t.path().join("shared/corpus")).unwrap();
    std::fs::write(t.path().join("shared/corpus"), "").unwrap();
    assert_eq!(
        shown(corpus::locate(&repo), t.path()),
        "Err(T/shared/corpus is present but not a readable directory)"
    );
    // A directory: found, from the repository or any folder below an ancestor.
    std::fs::remove_file(t.path().join("shared/corpus")).unwrap();
    std::fs::create_dir(t.path().join("shared/corpus")).unwrap();
    assert_eq!(
        corpus::locate(&repo),
        Ok(Some(t.path().join("shared/corpus")))
    );
}

#[test]
fn an_unreadable_or_empty_manifest_fails() {
    let (t, _) = scratch();
    let c = t.path();
    assert_eq!(
        shown(corpus::manifest(c), c),
        "Err(T/manifest.json: No such file or directory (os error 2))"
    );
    std::fs::create_dir(c.join("manifest.json")).unwrap();
    assert_eq!(
        shown(corpus::manifest(c), c),
        "Err(T/manifest.json: Is a directory (os error 21))"
    );
    std::fs::remove_dir(c.join("manifest.json")).unwrap();
    std::fs::write(c.join("manifest.json"), "{\"cases\": [").unwrap();
    assert_eq!(
        shown(corpus::manifest(c), c),
        "Err(T/manifest.json: EOF while parsing a list at line 1 column 11)"
    );
    std::fs::write(c.join("manifest.json"), "{\"cases\": []}").unwrap();
    assert_eq!(
        shown(corpus::manifest(c), c),
        "Err(T/manifest.json: no cases)"
    );
    std::fs::write(c.join("manifest.json"), "{\"cases\": [{\"chart\": \"a\"}]}").unwrap();
    assert_eq!(
        shown(corpus::manifest(c), c),
        "Ok(Object {\"cases\": Array [Object {\"chart\": String(\"a\")}]})"
    );
}

#[test]
fn an_unreadable_or_unparsable_floor_fails_instead_of_counting_as_zero() {
    let (t, _) = scratch();
    let f = t.path().join("floor.txt");
    assert_eq!(
        shown(corpus::floor(&f), t.path()),
        "Err(T/floor.txt: No such file or directory (os error 2))"
    );
    std::fs::write(&f, [0xff, 0xfe]).unwrap();
    assert_eq!(
        shown(corpus::floor(&f), t.path()),
        "Err(T/floor.txt: stream did not contain valid UTF-8)"
    );
    std::fs::write(&f, "# only a comment\n\n").unwrap();
    assert_eq!(
        shown(corpus::floor(&f), t.path()),
        "Err(T/floor.txt: holds no number)"
    );
    std::fs::write(&f, "# comment\nsixty\n").unwrap();
    assert_eq!(
        shown(corpus::floor(&f), t.path()),
        "Err(T/floor.txt: \"sixty\" is not a number: invalid digit found in string)"
    );
    std::fs::write(&f, "# comment\n\n 67 \n").unwrap();
    assert_eq!(corpus::floor(&f), Ok(67));
    // The committed floor parses.
    assert!(
        corpus::floor(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-floor.txt"))
            .is_ok_and(|n| n > 0)
    );
}
