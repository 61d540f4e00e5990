//! The shared CLI harness of the integration tests: run the `chartgate` binary from the crate
//! root (or a given directory) and get the exit code, stdout and stderr; fails the test on a
//! panic message or when a run does not finish within 60 s.
#![allow(
    dead_code,
    reason = "the harness of every test crate; each uses a part"
)]

use assert_cmd::Command;
use std::path::Path;
use std::time::{Duration, Instant};

/// One finished run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// `chartgate` as a command, in the crate root.
pub fn chartgate() -> Command {
    let mut c = Command::cargo_bin("chartgate").unwrap_or_else(|e| panic!("{e}"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs chartgate with `args` in the crate root.
pub fn run(args: &[&str]) -> Run {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Runs chartgate with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let start = Instant::now();
    let out = chartgate()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{args:?} did not finish"
    );
    let r = Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "{args:?} panicked: {}",
        r.stderr
    );
    r
}

/// Writes `files` (relative path, content) under `root`, creating directories.
pub fn write_tree(root: &Path, files: &[(&str, &str)]) {
    for (p, text) in files {
        let path = root.join(p);
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// The findings of a `--format json` report, one line each:
/// `rule severity environment file:line message` (`-` for no environment).
pub fn finding_lines(json_report: &str) -> Vec<String> {
    let v: serde_json::Value =
        serde_json::from_str(json_report).unwrap_or_else(|e| panic!("json report: {e}"));
    let findings = v["findings"].as_array().cloned().unwrap_or_default();
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {}:{} {}",
                f["rule"].as_str().unwrap_or("?"),
                f["severity"].as_str().unwrap_or("?"),
                f["environment"].as_str().unwrap_or("-"),
                f["file"].as_str().unwrap_or("?"),
                f["line"],
                f["message"].as_str().unwrap_or("?")
            )
        })
        .collect()
}

/// Copies the directory tree `from` to `to` (created), for tests that change a fixture.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}
