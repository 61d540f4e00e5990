//! The shared CLI harness of the integration tests: run the `chartgate` binary with a clean
//! environment (only `PATH`, plus what a test sets) from the crate root or a given directory, and
//! get the exit code, stdout and stderr; fails the test on a panic message or when a run does not
//! finish within 60 s. [`finding_lines`]/[`finding_lines_as`] turn a `--format json` report into
//! one line per finding.
#![allow(
    dead_code,
    reason = "the harness of every test crate; each uses a part"
)]

use assert_cmd::Command;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// One finished run.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Run {
    fn from(out: std::process::Output) -> Self {
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Run {
    /// The exit code (panics when the process was killed by a signal).
    pub fn code(&self) -> i32 {
        self.code
            .unwrap_or_else(|| panic!("killed by a signal; stderr: {}", self.stderr))
    }

    /// (exit code, stdout, stderr); panics when the process was killed by a signal.
    pub fn into_parts(self) -> (i32, String, String) {
        (self.code(), self.stdout, self.stderr)
    }

    /// Whether the exit code is 0.
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// stdout as JSON (panics with stdout and stderr when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// [`finding_lines`] of stdout.
    pub fn finding_lines(&self) -> Vec<String> {
        finding_lines(&self.stdout)
    }

    /// [`finding_lines_as`] of stdout.
    pub fn finding_lines_as(&self, template: &str) -> Vec<String> {
        finding_lines_as(&self.stdout, template)
    }
}

/// `chartgate` as a command in the crate root, with a clean environment: only `PATH` is kept
/// (the renderer `--renderer helm` and `--base` look up `helm`/`git` there).
pub fn chartgate() -> Command {
    let mut c = Command::cargo_bin("chartgate").unwrap_or_else(|e| panic!("{e}"));
    c.current_dir(env!("CARGO_MANIFEST_DIR")).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c
}

/// A run being set up: arguments, directory, environment variables, stdin.
pub struct Cli {
    args: Vec<String>,
    dir: PathBuf,
    envs: Vec<(String, String)>,
    removed: Vec<String>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

/// `chartgate ARGS` in the crate root; [`Cli::dir`], [`Cli::env`], [`Cli::stdin`] change it and
/// [`Cli::run`] runs it.
pub fn cli<S: AsRef<OsStr>>(args: impl IntoIterator<Item = S>) -> Cli {
    Cli {
        args: args
            .into_iter()
            .map(|a| a.as_ref().to_string_lossy().into_owned())
            .collect(),
        dir: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        envs: Vec::new(),
        removed: Vec::new(),
        stdin: None,
        timeout: Duration::from_secs(60),
    }
}

/// `chartgate` with no arguments yet, in the crate root (the [`Cli`] methods carry
/// `std::process::Command`'s names: `arg`, `args`, `current_dir`, `env`, `write_stdin`).
pub fn cmd() -> Cli {
    cli(Vec::<String>::new())
}

impl Cli {
    /// Runs in `dir`.
    pub fn current_dir(self, dir: impl AsRef<Path>) -> Self {
        self.dir(dir)
    }

    /// One more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_string_lossy().into_owned());
        self
    }

    /// Feeds `input` on stdin.
    pub fn write_stdin(self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin(input)
    }

    /// Runs in `dir`.
    pub fn dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.dir = dir.as_ref().to_path_buf();
        self
    }

    /// Sets an environment variable (the rest of the environment is empty but for `PATH`).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        let key = key.as_ref().to_string_lossy().into_owned();
        self.envs
            .push((key, value.as_ref().to_string_lossy().into_owned()));
        self
    }

    /// Removes an environment variable (`PATH`, say).
    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Self {
        self.removed
            .push(key.as_ref().to_string_lossy().into_owned());
        self
    }

    /// More arguments.
    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(
            args.into_iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned()),
        );
        self
    }

    /// Fails the test after `limit` (default 60 s).
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = limit;
        self
    }

    /// Feeds `input` on stdin.
    pub fn stdin(mut self, input: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(input.into());
        self
    }

    /// Runs it: fails the test on a panic or a run longer than the timeout (60 s).
    pub fn run(self) -> Run {
        let args = &self.args;
        let mut c = chartgate();
        c.current_dir(&self.dir).args(args);
        for (k, v) in &self.envs {
            c.env(k, v);
        }
        for k in &self.removed {
            c.env_remove(k);
        }
        if let Some(input) = self.stdin {
            c.write_stdin(input);
        }
        let start = Instant::now();
        let out = c
            .timeout(self.timeout)
            .output()
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(start.elapsed() < self.timeout, "{args:?} did not finish");
        let r = Run::from(out);
        assert!(
            !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
            "{args:?} panicked: {}",
            r.stderr
        );
        r
    }
}

/// Runs chartgate with `args` in the crate root.
pub fn run(args: &[&str]) -> Run {
    cli(args).run()
}

/// Runs chartgate with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    cli(args).dir(dir).run()
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
    finding_lines_as(
        json_report,
        "{rule} {severity} {env} {file}:{line} {message}",
    )
}

/// The findings of a `--format json` report, one line each, as `template` says: `{rule}`,
/// `{severity}`, `{env}` (`-` for none), `{file}`, `{line}`, `{column}`, `{resource}` (`Kind/name`, `-` for none), `{namespace}`, `{chart}` (`-` for
/// none), `{message}`, `{related}` (` label=file:line:col` for each related location). Panics on any other `{...}` and on a report that is not JSON.
pub fn finding_lines_as(json_report: &str, template: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(json_report)
        .unwrap_or_else(|e| panic!("json report ({e}): {json_report}"));
    findings_of(&v)
        .iter()
        .map(|f| format_finding(f, template))
        .collect()
}

/// The `findings` array of a JSON report (panics when there is none).
pub fn findings_of(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["findings"]
        .as_array()
        .cloned()
        .unwrap_or_else(|| panic!("no findings array in {report}"))
}

/// One JSON finding as `template` says (see [`finding_lines_as`]).
pub fn format_finding(f: &serde_json::Value, template: &str) -> String {
    let s = |v: &serde_json::Value| {
        v.as_str()
            .map(str::to_string)
            .unwrap_or_else(|| v.to_string())
    };
    let mut out = String::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let end = rest[i..]
            .find('}')
            .unwrap_or_else(|| panic!("unclosed {{ in {template:?}"));
        let key = &rest[i + 1..i + end];
        out.push_str(&match key {
            "rule" | "severity" | "file" | "message" => s(&f[key]),
            "chart" => f["chart"].as_str().unwrap_or("-").to_string(),
            "line" | "column" => f[key].to_string(),
            "env" => f["environment"].as_str().unwrap_or("-").to_string(),
            "resource" => match f["resource"]["kind"].as_str() {
                Some(kind) => format!("{kind}/{}", s(&f["resource"]["name"])),
                None => "-".to_string(),
            },
            "namespace" => f["resource"]["namespace"]
                .as_str()
                .unwrap_or("-")
                .to_string(),
            "related" => f["related"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|r| {
                    format!(
                        " {}={}:{}:{}",
                        s(&r["label"]),
                        s(&r["file"]),
                        r["line"],
                        r["column"]
                    )
                })
                .collect(),
            other => panic!("unknown field {{{other}}} in {template:?}"),
        });
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
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

/// A hostile run ended on its own, within 120 s of `start`, without a panic, a stack overflow or
/// an allocation failure (which abort with no exit code); `what` names the case in failures.
pub fn finish(r: Run, what: &str, start: Instant) -> Run {
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "{what} did not finish"
    );
    // A stack overflow or an allocation failure aborts (no exit code); a panic prints.
    assert!(r.code.is_some(), "{what} was killed: {}", r.stderr);
    assert!(
        !r.stderr.contains("panicked")
            && !r.stderr.contains("overflowed its stack")
            && !r.stderr.contains("memory allocation of"),
        "{what} crashed: {}",
        r.stderr
    );
    r
}
