//! Finding the shared Helm corpus and the conformance floor, for the corpus tests
//! (tests/render_corpus.rs, tests/render_values_corpus.rs). Nothing here passes silently:
//! a corpus that is present but unreadable, a manifest without cases and an unreadable or
//! unparsable floor file are errors; an absent corpus is said on the terminal, uncaptured, and
//! is an error under `CHARTGATE_CI=1`.
#![allow(dead_code, reason = "each corpus test uses a part")]

use std::io::Write;
use std::path::{Path, PathBuf};

/// `shared/corpus` in `start` or its nearest ancestor that has one: `Ok(None)` when none does;
/// an error when the nearest one is not a readable directory (a file, a dangling link, a
/// directory that cannot be listed).
pub fn locate(start: &Path) -> Result<Option<PathBuf>, String> {
    let Some(corpus) = start
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.symlink_metadata().is_ok())
    else {
        return Ok(None);
    };
    if !corpus.is_dir() {
        return Err(format!(
            "{} is present but not a readable directory",
            corpus.display()
        ));
    }
    std::fs::read_dir(&corpus)
        .map_err(|e| format!("{} is present but unreadable: {e}", corpus.display()))?;
    Ok(Some(corpus))
}

/// The corpus's `manifest.json`: an error when it is unreadable, not JSON or lists no case.
pub fn manifest(corpus: &Path) -> Result<serde_json::Value, String> {
    let path = corpus.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    match v["cases"].as_array() {
        Some(cases) if !cases.is_empty() => Ok(v),
        _ => Err(format!("{}: no cases", path.display())),
    }
}

/// The floor: the first line of `path` that is neither empty nor a `#` comment, a number.
pub fn floor(path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| format!("{}: holds no number", path.display()))?;
    line.parse()
        .map_err(|e| format!("{}: {line:?} is not a number: {e}", path.display()))
}

/// What the tests do when the corpus is absent: fail under `ci`, else the banner to [`say`].
pub fn absent(what: &str, start: &Path, ci: bool) -> Result<String, String> {
    let msg = format!(
        "no shared/corpus found above {}: {what} NOT checked",
        start.display()
    );
    if ci {
        return Err(format!("CHARTGATE_CI is set but {msg}"));
    }
    let bar = "!".repeat(78);
    Ok(format!("\n{bar}\nWARNING: {msg}\n{bar}\n"))
}

/// Says `banner` loudly: written to the process's stderr, which the test harness does not
/// capture (`eprintln!` in a passing test would be).
pub fn say(banner: &str) {
    let _ = writeln!(std::io::stderr(), "{banner}");
}

/// Whether this run is CI (`CHARTGATE_CI` set, as `.ci/run` does).
pub fn ci() -> bool {
    std::env::var_os("CHARTGATE_CI").is_some()
}
