//! Determinism: the same input gives byte-identical output on every run and whatever the thread
//! count (`--jobs 1`, `--jobs 2`, default), for every report format and for chart renders.

mod support;

use std::path::Path;

/// The raw bytes of a run (compared byte for byte, so not through `support::Run`'s text).
fn output(args: &[&str]) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let out = support::chartgate().args(args).output().unwrap();
    (out.status.code(), out.stdout, out.stderr)
}

#[test]
fn check_reports_are_identical_across_runs_and_thread_counts() {
    for format in ["text", "json", "sarif", "junit", "github", "markdown"] {
        let base = [
            "check",
            "fixtures/manifests",
            "--config",
            "fixtures/chartgate.yaml",
            "--color",
            "never",
            "--format",
            format,
        ];
        let first = output(&base);
        assert_eq!(first.0, Some(1), "{format}");
        assert!(first.1.len() > 100, "{format}: report too short");
        for jobs in [None, Some("1"), Some("2"), Some("8")] {
            let mut args = base.to_vec();
            if let Some(j) = jobs {
                args.extend(["--jobs", j]);
            }
            for _ in 0..2 {
                assert!(
                    output(&args) == first,
                    "{format} with --jobs {jobs:?} differs"
                );
            }
        }
    }
}

/// Templates calling these functions are random or time-dependent by design.
const NONDETERMINISTIC: &[&str] = &[
    "randAlpha",
    "randNumeric",
    "randAscii",
    "randBytes",
    "randInt",
    "uuidv4",
    "now",
    "shuffle",
    "genPrivateKey",
    "genCA",
    "genSelfSigned",
    "genSigned",
    "bcrypt",
    "htpasswd",
];

fn uses_randomness(dir: &Path) -> bool {
    walk(dir).iter().any(|f| {
        std::fs::read_to_string(f).is_ok_and(|t| NONDETERMINISTIC.iter().any(|n| t.contains(n)))
    })
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn chart_renders_are_identical_across_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<Vec<String>> = Vec::new();
    // fixtures/charts: every chart with every values case.
    for chart in ["legacy", "schema", "umbrella"] {
        let mut files: Vec<_> = walk(&root.join("fixtures/charts/cases").join(chart));
        files.sort();
        for f in files {
            let rel = f.strip_prefix(root).unwrap().display().to_string();
            cases.push(vec![
                format!("fixtures/charts/charts/{chart}"),
                "-f".into(),
                rel,
            ]);
        }
    }
    // fixtures/templates: the engine fixture charts.
    let mut engine: Vec<_> = std::fs::read_dir(root.join("fixtures/templates"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Chart.yaml").is_file() && !uses_randomness(p))
        .collect();
    engine.sort();
    assert!(engine.len() >= 20, "engine fixtures missing");
    for p in engine {
        cases.push(vec![p.strip_prefix(root).unwrap().display().to_string()]);
    }
    let mut rendered = 0;
    for case in &cases {
        for output_format in ["yaml", "json"] {
            let mut args = vec!["render"];
            args.extend(case.iter().map(String::as_str));
            args.extend(["--output", output_format]);
            let first = output(&args);
            for _ in 0..2 {
                assert!(output(&args) == first, "{args:?} differs between runs");
            }
            rendered += usize::from(first.0 == Some(0));
        }
    }
    assert!(rendered >= 10, "only {rendered} successful renders");
}
