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

/// Random parts of a nondeterministic template's output (passwords, tokens, uuids, timestamps,
/// checksums, PEM blocks) replaced by placeholders, so that the rest is compared exactly.
fn normalise_random(text: &str) -> String {
    static RES: std::sync::LazyLock<[(regex::Regex, &str); 4]> = std::sync::LazyLock::new(|| {
        [
            (
                regex::Regex::new(r"(?s)-----BEGIN ([A-Z ]+)-----.*?-----END [A-Z ]+-----")
                    .unwrap(),
                "<PEM $1>",
            ),
            (
                regex::Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                    .unwrap(),
                "<UUID>",
            ),
            (
                regex::Regex::new(r"[A-Za-z0-9+/]{16,}={0,2}|[A-Za-z0-9+/]{10,}={1,2}").unwrap(),
                "<RANDOM>",
            ),
            (regex::Regex::new(r"[0-9]{9,}").unwrap(), "<NUMBER>"),
        ]
    });
    let mut t = text.to_string();
    for (re, rep) in RES.iter() {
        t = re.replace_all(&t, *rep).into_owned();
    }
    t
}

/// PEM blocks in `text`, as written or base64-encoded (as Secrets' `data` holds them).
fn pem_blocks(text: &str) -> Vec<String> {
    use base64::Engine;
    let re = regex::Regex::new(r"(?s)-----BEGIN ([A-Z ]+)-----.*?-----END [A-Z ]+-----").unwrap();
    let b64 = regex::Regex::new(r"[A-Za-z0-9+/]{16,}={0,2}").unwrap();
    let mut out: Vec<String> = re.find_iter(text).map(|m| m.as_str().to_string()).collect();
    for m in b64.find_iter(text) {
        if let Ok(d) = base64::engine::general_purpose::STANDARD.decode(m.as_str()) {
            let d = String::from_utf8_lossy(&d);
            out.extend(re.find_iter(&d).map(|m| m.as_str().to_string()));
        }
    }
    out
}

/// Checks that a PEM block is what its label says (a certificate or private key that parses).
fn check_pem(pem: &str) -> Result<String, String> {
    use p256::pkcs8::DecodePrivateKey;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use x509_cert::der::DecodePem;
    let label = pem
        .trim_start_matches("-----BEGIN ")
        .split("-----")
        .next()
        .unwrap_or_default()
        .to_string();
    let ok = match label.as_str() {
        "CERTIFICATE" => x509_cert::Certificate::from_pem(pem.as_bytes()).is_ok(),
        "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_pem(pem).is_ok(),
        "EC PRIVATE KEY" => p256::SecretKey::from_sec1_pem(pem).is_ok(),
        "PRIVATE KEY" => {
            ed25519_dalek::SigningKey::from_pkcs8_pem(pem).is_ok()
                || p256::SecretKey::from_pkcs8_pem(pem).is_ok()
                || rsa::PrivateKey::from_pkcs8_pem(pem).is_ok()
        }
        _ => true,
    };
    if ok {
        Ok(label)
    } else {
        Err(format!("PEM block {label:?} does not parse"))
    }
}

/// Compares a nondeterministic template structurally: identical once random parts are
/// replaced by placeholders, the same PEM block kinds in the same order, and every PEM block we
/// produced parses.
fn compare_random(name: &str, want: &str, got: &str) -> Option<String> {
    let (w, g) = (normalise_random(want), normalise_random(got));
    if w != g {
        return Some(format!("(structural) {}", short_diff(name, &w, &g)));
    }
    let labels = |t: &str| -> Result<Vec<String>, String> {
        pem_blocks(t).iter().map(|p| check_pem(p)).collect()
    };
    match (labels(want), labels(got)) {
        (_, Err(e)) => Some(format!("{name}: {e}")),
        (Ok(a), Ok(b)) if a != b => Some(format!("{name}: PEM blocks {b:?}, Helm has {a:?}")),
        _ => None,
    }
}

/// Renders one manifest case and compares it with its golden file. With `exact_errors`, a
/// failing case must also fail with Helm's message, word for word.
pub fn run_case(corpus: &Path, case: &serde_json::Value, exact_errors: bool) -> CaseResult {
    let chart = case["chart"].as_str().unwrap_or_default();
    let variant = case["variant"].as_str().unwrap_or_default();
    let name = format!("{chart}/{variant}");
    let golden: serde_json::Value =
        std::fs::read_to_string(corpus.join(case["golden"].as_str().unwrap_or_default()))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
    let random: Vec<&str> = case["nondeterministic_templates"]
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
            .and_then(|lc| render_chart(&lc, &opts).map_err(|e| e.to_string()))
    }))
    .unwrap_or_else(|_| Err("PANIC".to_string()));
    let want_err = golden.get("error").and_then(|e| e.as_str());
    let failure = match (want_err, got) {
        (Some(w), Err(e)) if exact_errors && w != e => Some(format!(
            "error differs:\n  helm:      {w:?}\n  chartgate: {e:?}"
        )),
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
                let w = v.as_str().unwrap_or_default();
                match r.templates.get(k) {
                    None => diffs.push(format!("{k}: missing")),
                    Some(t) if random.contains(&k.as_str()) => {
                        diffs.extend(compare_random(k, w, &t.text));
                    }
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

/// Runs every case of a corpus directory (a failing case passes when chartgate fails too).
#[allow(dead_code)]
pub fn run_corpus(corpus: &Path) -> Vec<CaseResult> {
    run_corpus_with(corpus, false)
}

/// Runs every case of a corpus directory; with `exact_errors`, error messages must be Helm's.
pub fn run_corpus_with(corpus: &Path, exact_errors: bool) -> Vec<CaseResult> {
    // Never an empty result for an unreadable corpus: that would pass as "no failures".
    let path = corpus.join("manifest.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    manifest["cases"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no cases", path.display()))
        .iter()
        .map(|c| run_case(corpus, c, exact_errors))
        .collect()
}
