//! Benchmark of chart rendering: every chart × values case of the shared corpus
//! (`../shared/corpus` when present, else the fixture corpus in `fixtures/charts`), rendered
//! like `helm template` (values files read, coalesced, every template executed). Reports
//! renders per second and mean milliseconds per render, with and without loading the chart
//! (loading: reading and parsing the chart's files, done once per chart in a multi-environment
//! run). Run with `cargo bench --bench render`.
use chartgate::render::chart::{RenderOptions, load_chart, render_chart};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn corpus_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    root.ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.join("manifest.json").is_file())
        .unwrap_or_else(|| root.join("fixtures/charts"))
}

struct Case {
    name: String,
    chart: PathBuf,
    values: PathBuf,
}

fn cases(corpus: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(corpus.join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest json");
    m["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            let chart = c["chart"].as_str().unwrap_or_default();
            Case {
                name: format!("{chart}/{}", c["variant"].as_str().unwrap_or_default()),
                chart: corpus.join("charts").join(chart),
                values: corpus.join(c["values"].as_str().unwrap_or_default()),
            }
        })
        .collect()
}

fn main() {
    let corpus = corpus_dir();
    let cases = cases(&corpus);
    let rounds = 5u32;
    let opts = |c: &Case| RenderOptions {
        values_files: vec![c.values.clone()],
        ..Default::default()
    };
    // Warm-up, and the charts loaded once for the render-only figure.
    let loaded: Vec<_> = cases
        .iter()
        .map(|c| {
            let lc = load_chart(&c.chart).expect("chart loads");
            let _ = render_chart(&lc, &opts(c));
            lc
        })
        .collect();

    let mut per_case = vec![Duration::ZERO; cases.len()];
    let start = Instant::now();
    for _ in 0..rounds {
        for (i, (c, lc)) in cases.iter().zip(&loaded).enumerate() {
            let t = Instant::now();
            let _ = std::hint::black_box(render_chart(lc, &opts(c)));
            per_case[i] += t.elapsed();
        }
    }
    let render_only = start.elapsed();

    let start = Instant::now();
    for _ in 0..rounds {
        for c in &cases {
            let lc = load_chart(&c.chart).expect("chart loads");
            let _ = std::hint::black_box(render_chart(&lc, &opts(c)));
        }
    }
    let with_load = start.elapsed();

    let n = cases.len() as u32 * rounds;
    let report = |what: &str, d: Duration| {
        println!(
            "render/{what}: {:.0} renders/s, {:.3} ms mean per render ({} cases × {} rounds from {})",
            f64::from(n) / d.as_secs_f64(),
            d.as_secs_f64() * 1000.0 / f64::from(n),
            cases.len(),
            rounds,
            corpus.display()
        );
    };
    report("render-only", render_only);
    report("load+render", with_load);
    let mut slow: Vec<(Duration, &str)> = per_case
        .iter()
        .zip(&cases)
        .map(|(d, c)| (*d / rounds, c.name.as_str()))
        .collect();
    slow.sort();
    // Sprig generates RSA keys for certificates (2048 bits, slow by nature): the figure for
    // the cases whose charts call no key generator.
    let keygen = |lc: &chartgate::render::chart::LoadedChart| {
        fn any(c: &chartgate::render::chart::Chart) -> bool {
            c.templates.iter().any(|t| {
                let s = String::from_utf8_lossy(&t.data);
                [
                    "genCA",
                    "genSelfSignedCert",
                    "genSignedCert",
                    "genPrivateKey",
                ]
                .iter()
                .any(|f| s.contains(f))
            }) || c.dependencies.iter().any(any)
        }
        any(&lc.chart)
    };
    let plain: Vec<Duration> = per_case
        .iter()
        .zip(&loaded)
        .filter(|(_, lc)| !keygen(lc))
        .map(|(d, _)| *d)
        .collect();
    let total: Duration = plain.iter().sum();
    let renders = plain.len() as f64 * f64::from(rounds);
    println!(
        "render/render-only without key generation: {:.0} renders/s, {:.3} ms mean per render ({} cases)",
        renders / total.as_secs_f64(),
        total.as_secs_f64() * 1000.0 / renders,
        plain.len()
    );
    let median = slow[slow.len() / 2].0;
    println!(
        "render/median case: {:.3} ms",
        median.as_secs_f64() * 1000.0
    );
    for (d, name) in slow.iter().rev().take(5) {
        println!("render/slowest: {name} {:.3} ms", d.as_secs_f64() * 1000.0);
    }
}
