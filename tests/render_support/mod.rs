//! Shared by the render conformance tests: render every chart × case of a corpus-shaped directory
//! (charts/, cases/, golden/, manifest.json) and compare with Helm's golden output.

use std::path::Path;

use chartgate::render::chart::{RenderOptions, load_chart, render_chart};

/// Result of one case.
pub struct CaseResult {
    pub name: String,
    /// `None` when identical; otherwise a short description of the difference.
    pub failure: Option<String>,
}

fn short_diff(name: &str, want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = w
        .iter()
        .zip(g.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let ctx = |v: &[&str]| {
        v.iter()
            .skip(i)
            .take(3)
            .map(|l| format!("{l:?}"))
            .collect::<Vec<_>>()
            .join(" / ")
    };
    format!("{name} line {}: want {} | got {}", i + 1, ctx(&w), ctx(&g))
}

/// Renders one manifest case and compares it with its golden file.
pub fn run_case(corpus: &Path, case: &serde_json::Value) -> CaseResult {
    let chart = case["chart"].as_str().unwrap_or_default();
    let variant = case["variant"].as_str().unwrap_or_default();
    let name = format!("{chart}/{variant}");
    let golden: serde_json::Value =
        std::fs::read_to_string(corpus.join(case["golden"].as_str().unwrap_or_default()))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
    let skip: Vec<&str> = case["nondeterministic_templates"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    let opts = RenderOptions {
        values_files: vec![corpus.join(case["values"].as_str().unwrap_or_default())],
        ..Default::default()
    };
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        load_chart(&corpus.join("charts").join(chart))
            .map_err(|e| e.to_string())
            .and_then(|lc| render_chart(&lc, &opts).map_err(|e| e.message))
    }))
    .unwrap_or_else(|_| Err("PANIC".to_string()));
    let want_err = golden.get("error").and_then(|e| e.as_str());
    let failure = match (want_err, got) {
        (Some(_), Err(_)) => None,
        (Some(w), Ok(_)) => Some(format!(
            "expected error {:?}, rendered fine",
            w.chars().take(120).collect::<String>()
        )),
        (None, Err(e)) => Some(format!(
            "error: {}",
            e.chars().take(300).collect::<String>()
        )),
        (None, Ok(r)) => {
            let mut diffs = Vec::new();
            let empty = serde_json::Map::new();
            let want = golden.as_object().unwrap_or(&empty);
            for (k, v) in want {
                if skip.contains(&k.as_str()) {
                    continue;
                }
                let w = v.as_str().unwrap_or_default();
                match r.templates.get(k) {
                    None => diffs.push(format!("{k}: missing")),
                    Some(t) if t.text != w => diffs.push(short_diff(k, w, &t.text)),
                    _ => {}
                }
            }
            for k in r.templates.keys() {
                if !want.contains_key(k) {
                    diffs.push(format!("{k}: not rendered by Helm"));
                }
            }
            if diffs.is_empty() {
                None
            } else {
                let n = diffs.len();
                diffs.truncate(3);
                Some(format!("{n} template(s) differ: {}", diffs.join("; ")))
            }
        }
    };
    CaseResult { name, failure }
}

/// Runs every case of a corpus directory.
pub fn run_corpus(corpus: &Path) -> Vec<CaseResult> {
    let text = std::fs::read_to_string(corpus.join("manifest.json")).unwrap_or_default();
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    manifest["cases"]
        .as_array()
        .map(|cases| cases.iter().map(|c| run_case(corpus, c)).collect())
        .unwrap_or_default()
}
