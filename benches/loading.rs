//! Hostile chart loading stays linear (issue 17): a chart archive with N and 2N entries, and a
//! chart directory with N and 2N files under a `.helmignore` of 200 rules. Prints the time of
//! each size and the ratio; a ratio above 3 (quadratic would give ~4) fails the bench.
//! Run: `cargo bench --bench loading` (`LOAD_N=N` changes the base size, default 20,000).

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use chartgate::render::chart::load::load_chart;

fn archive(path: &Path, entries: usize) {
    let file = std::fs::File::create(path).unwrap();
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_path(name).unwrap();
        h.set_cksum();
        b.append(&h, data).unwrap();
    };
    add("c/Chart.yaml", b"apiVersion: v2\nname: c\nversion: 1.0.0\n");
    for i in 0..entries {
        add(&format!("c/files/f{i}.txt"), b"x");
    }
    b.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

fn directory(root: &Path, files: usize) {
    std::fs::create_dir_all(root.join("files")).unwrap();
    std::fs::write(
        root.join("Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 1.0.0\n",
    )
    .unwrap();
    let rules: String = (0..200).map(|i| format!("*.skip{i}\n")).collect();
    std::fs::write(root.join(".helmignore"), rules).unwrap();
    for i in 0..files {
        std::fs::write(root.join(format!("files/f{i}.txt")), "x").unwrap();
    }
}

fn time(path: &Path) -> Duration {
    let start = Instant::now();
    let loaded = load_chart(path).unwrap();
    let t = start.elapsed();
    assert!(!loaded.chart.files.is_empty());
    t
}

fn main() {
    let n: usize = std::env::var("LOAD_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let dir = tempfile::tempdir().unwrap();
    let mut worst: f64 = 0.0;
    for (what, make) in [
        ("archive entries", archive as fn(&Path, usize)),
        ("files under .helmignore (200 rules)", directory),
    ] {
        let mut times = Vec::new();
        for size in [n, 2 * n] {
            let path = dir.path().join(format!("{}-{size}", times.len()));
            let path = if what.starts_with("archive") {
                path.with_extension("tgz")
            } else {
                path
            };
            make(&path, size);
            // Best of three: the first run warms the page cache.
            let t = (0..3).map(|_| time(&path)).min().unwrap();
            println!("{what}: {size:>7} → {:>8.1} ms", t.as_secs_f64() * 1e3);
            times.push(t.as_secs_f64());
        }
        let ratio = times[1] / times[0];
        println!("{what}: ratio 2N/N = {ratio:.2}");
        worst = worst.max(ratio);
    }
    if worst > 3.0 {
        eprintln!("super-linear loading: ratio {worst:.2} > 3");
        std::process::exit(1);
    }
}
