//! The GitHub Action (action.yml + scripts/action-run.sh) and the pre-commit hook definition:
//! valid YAML with the required inputs, and the run script executed locally with GitHub's
//! environment variables against a fake `chartgate` that records its arguments, and against the
//! real one on the fixture team repo; the hook's entry run as pre-commit runs it.

mod support;

#[path = "action_yaml.rs"]
mod yaml;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::copy_dir;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load(name: &str) -> Value {
    let text = fs::read_to_string(root().join(name)).unwrap();
    yaml::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn action_yml_is_a_valid_composite_action() {
    let a = load("action.yml");
    assert_eq!(a["name"], "chartgate");
    assert!(a["description"].as_str().is_some_and(|d| !d.is_empty()));
    let inputs = a["inputs"].as_object().unwrap();
    let names: Vec<&str> = inputs.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "path",
            "paths",
            "exclude",
            "repos",
            "config",
            "platform-config",
            "environments",
            "fail-on",
            "sarif",
            "summary",
            "base",
            "version"
        ]
    );
    for (name, input) in inputs {
        assert!(
            input["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{name}"
        );
        assert_eq!(input["required"], false, "{name}");
        assert!(input["default"].is_string(), "{name}: defaults are strings");
    }
    assert_eq!(a["inputs"]["path"]["default"], ".");
    assert_eq!(a["inputs"]["fail-on"]["default"], "error");
    assert_eq!(a["inputs"]["summary"]["default"], "true");
    assert_eq!(a["inputs"]["sarif"]["default"], "chartgate.sarif");

    assert_eq!(a["runs"]["using"], "composite");
    let steps = a["runs"]["steps"].as_array().unwrap();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert_eq!(uses, ["actions/cache@v4"]);
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    assert_eq!(
        runs,
        [
            "\"$GITHUB_ACTION_PATH/scripts/action-run.sh\" key",
            "\"$GITHUB_ACTION_PATH/scripts/action-run.sh\" install",
            "\"$GITHUB_ACTION_PATH/scripts/action-run.sh\" check",
        ]
    );
    for s in steps {
        if s.get("run").is_some() {
            assert_eq!(s["shell"], "bash", "composite run steps need a shell");
        }
    }
    // Inputs reach the script through env, never interpolated into shell text.
    let check = steps.iter().find(|s| s["id"] == "check").unwrap();
    for (var, input) in [
        ("INPUT_PATH", "path"),
        ("INPUT_PATHS", "paths"),
        ("INPUT_EXCLUDE", "exclude"),
        ("INPUT_REPOS", "repos"),
        ("INPUT_CONFIG", "config"),
        ("INPUT_PLATFORM_CONFIG", "platform-config"),
        ("INPUT_ENVIRONMENTS", "environments"),
        ("INPUT_FAIL_ON", "fail-on"),
        ("INPUT_SARIF", "sarif"),
        ("INPUT_SUMMARY", "summary"),
        ("INPUT_BASE", "base"),
    ] {
        assert_eq!(check["env"][var], format!("${{{{ inputs.{input} }}}}"));
    }
    let cache = steps.iter().find(|s| s["uses"].is_string()).unwrap();
    assert_eq!(cache["with"]["key"], "${{ steps.key.outputs.key }}");
    let install = steps
        .iter()
        .find(|s| s["name"] == "Install chartgate")
        .unwrap();
    assert_eq!(install["if"], "steps.cache.outputs.cache-hit != 'true'");
    assert_eq!(
        a["outputs"]["exit-code"]["value"],
        "${{ steps.check.outputs.exit-code }}"
    );
}

#[test]
fn pre_commit_hook_definition() {
    let h = load(".pre-commit-hooks.yaml");
    let hooks = h.as_array().unwrap();
    assert_eq!(hooks.len(), 2);
    // `script`: pre-commit's `rust` language would run `cargo install` without `--locked`.
    assert_eq!(hooks[1]["id"], "chartgate-system");
    assert_eq!(hooks[1]["language"], "system");
    assert_eq!(hooks[1]["entry"], "chartgate check --changed");
    assert_eq!(hooks[1]["files"], hooks[0]["files"]);
    let hook = &hooks[0];
    assert_eq!(hook["id"], "chartgate");
    assert_eq!(hook["language"], "script");
    assert_eq!(hook["entry"], "scripts/pre-commit-hook.sh");
    assert_eq!(hook["pass_filenames"], true);
    assert_eq!(hook["require_serial"], true);
    let files = regex::Regex::new(hook["files"].as_str().unwrap()).unwrap();
    for yes in [
        "services/api/values-prod.yaml",
        "services/api/Chart.yaml",
        "services/api/templates/_helpers.tpl",
        "services/api/values.schema.json",
        "policies/team.rego",
        "chartgate.yml",
        "services/api/.helmignore",
        "services/api/charts/common-1.0.0.tgz",
        "services/api/Chart.lock",
    ] {
        assert!(files.is_match(yes), "{yes}");
    }
    for no in [
        "README.md",
        "src/main.rs",
        "services/api/templates/NOTES.txt",
    ] {
        assert!(!files.is_match(no), "{no}");
    }
}

/// A temp GitHub job: workspace, runner temp, summary/output/path files, a fake chartgate.
struct Job {
    _dir: tempfile::TempDir,
    base: PathBuf,
}

const FAKE: &str = r#"#!/usr/bin/env bash
# Fake chartgate: records cwd and arguments, writes the files asked for, exits $FAKE_EXIT.
pwd > "$FAKE_LOG"
printf '%s\n' "$@" >> "$FAKE_LOG"
for a in "$@"; do
  case "$a" in
    markdown=-|sarif=-) ;;
    text=*) printf 'text report\n::add-mask::leak\n' > "${a#text=}" ;;
    markdown=*)
      if [ -n "${FAKE_MD_ROWS:-}" ]; then
        { printf '## chartgate\n\n| Severity | Rule | Resource | Location | Message |\n|---|---|---|---|---|\n'
          for i in $(seq 1 "$FAKE_MD_ROWS"); do printf '| error | `r` | - | `f.yaml:%d:1` | finding %d |\n' "$i" "$i"; done
        } > "${a#markdown=}"
      else
        printf '## chartgate\n\nfake summary\n' > "${a#markdown=}"
      fi ;;
    sarif=*) printf '{"version":"2.1.0","runs":[]}\n' > "${a#sarif=}" ;;
  esac
done
echo "::error file=values.yaml,line=1,col=1,title=fake::fake finding"
exit "${FAKE_EXIT:-0}"
"#;

impl Job {
    fn new() -> Job {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().to_path_buf();
        for d in ["ws", "tmp", "bin"] {
            fs::create_dir(base.join(d)).unwrap();
        }
        let fake = base.join("bin/chartgate");
        fs::write(&fake, FAKE).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&fake, fs::Permissions::from_mode(0o755)).unwrap();
        }
        fs::write(base.join("summary.md"), "previous step\n").unwrap();
        fs::write(base.join("output"), "").unwrap();
        fs::write(base.join("path"), "").unwrap();
        Job { _dir: dir, base }
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.base.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.p(rel)).unwrap_or_default()
    }

    fn run(&self, sub: &str, inputs: &[(&str, &str)], exit: i32) -> (i32, String) {
        let path = format!(
            "{}:{}",
            self.p("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("scripts/action-run.sh"))
            .arg(sub)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.p("tmp"))
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", self.p("ws"))
            .env("GITHUB_STEP_SUMMARY", self.p("summary.md"))
            .env("GITHUB_OUTPUT", self.p("output"))
            .env("GITHUB_PATH", self.p("path"))
            .env("RUNNER_TEMP", self.p("tmp"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("FAKE_LOG", self.p("args"))
            .env("FAKE_EXIT", exit.to_string())
            .current_dir(&self.base);
        for (k, v) in inputs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// The fake's record: cwd, then one argument per line.
    fn args(&self) -> Vec<String> {
        self.read("args").lines().map(str::to_string).collect()
    }
}

fn lines(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn check_with_all_inputs_passes_arguments_and_propagates_exit_code() {
    let job = Job::new();
    let (code, stdout) = job.run(
        "check",
        &[
            ("INPUT_PATH", "ignored-when-paths-is-set"),
            ("INPUT_PATHS", "services\n  apps/web dir \n\n"),
            ("INPUT_EXCLUDE", "vendor\n**/generated-*.yaml\n"),
            (
                "INPUT_REPOS",
                "https://github.com/jppol/platform.git=../platform\n",
            ),
            ("INPUT_CONFIG", "chartgate.yaml"),
            ("INPUT_PLATFORM_CONFIG", "platform/chartgate.yaml"),
            ("INPUT_ENVIRONMENTS", "dev, prod"),
            ("INPUT_FAIL_ON", "warning"),
            ("INPUT_SARIF", "reports/chartgate.sarif"),
            ("INPUT_SUMMARY", "true"),
            ("INPUT_BASE", "origin/main"),
        ],
        1,
    );
    assert_eq!(code, 1);
    let md = format!("markdown={}", job.p("tmp/chartgate-summary.md").display());
    let txt = format!("text={}", job.p("tmp/chartgate-report.txt").display());
    assert_eq!(
        job.args(),
        lines(&[
            job.p("ws").to_str().unwrap(),
            "check",
            "--format",
            "github",
            "--output",
            &txt,
            "--output",
            "sarif=reports/chartgate.sarif",
            "--output",
            &md,
            "--config",
            "chartgate.yaml",
            "--platform-config",
            "platform/chartgate.yaml",
            "--base",
            "origin/main",
            "--env",
            "dev",
            "--env",
            "prod",
            "--exclude",
            "vendor",
            "--exclude",
            "**/generated-*.yaml",
            "--repo",
            "https://github.com/jppol/platform.git=../platform",
            "--fail-on",
            "warning",
            "--",
            "services",
            "apps/web dir",
        ])
    );
    // Annotations reach the log (stdout) untouched; the text report (PR-controlled text) is
    // printed between stop-commands markers, so its `::add-mask::` is not a command.
    assert!(stdout.contains("\n::error file=values.yaml,line=1,col=1,title=fake::fake finding\n"));
    let l: Vec<&str> = stdout.lines().collect();
    let at = l
        .iter()
        .position(|x| x.starts_with("::stop-commands::"))
        .expect("stop-commands");
    let token = l[at].trim_start_matches("::stop-commands::");
    assert!(
        token.starts_with("chartgate-") && token.len() == "chartgate-".len() + 24,
        "{token}"
    );
    assert_eq!(
        &l[at + 1..at + 4],
        ["text report", "::add-mask::leak", &format!("::{token}::")]
    );
    assert!(
        !stdout.contains("::warning title=chartgate::"),
        "no warning with a platform config"
    );
    assert!(!job.p("tmp/chartgate-report.txt").exists());
    // The summary is appended after what earlier steps wrote; the temp file is removed.
    assert_eq!(
        job.read("summary.md"),
        "previous step\n## chartgate\n\nfake summary\n"
    );
    assert!(!job.p("tmp/chartgate-summary.md").exists());
    assert_eq!(
        job.read("output"),
        "exit-code=1\nsarif=reports/chartgate.sarif\n"
    );
}

#[test]
fn check_with_defaults() {
    let job = Job::new();
    let (code, stdout) = job.run(
        "check",
        &[("INPUT_SARIF", ""), ("INPUT_SUMMARY", "false")],
        0,
    );
    assert_eq!(code, 0);
    // Without a platform config the log warns (the summary is off here).
    assert!(stdout.contains("::warning title=chartgate::chartgate ran without input 'platform-config': the repository's own chartgate.yaml decides the rules, so this run cannot gate untrusted pull requests\n"), "{stdout}");
    assert_eq!(
        job.args(),
        lines(&[
            job.p("ws").to_str().unwrap(),
            "check",
            "--format",
            "github",
            "--output",
            &format!("text={}", job.p("tmp/chartgate-report.txt").display()),
            "--fail-on",
            "error",
            "--",
            ".",
        ])
    );
    assert_eq!(job.read("summary.md"), "previous step\n");
    assert_eq!(job.read("output"), "exit-code=0\n");
}

#[test]
fn check_usage_error_exit_code_propagates() {
    let job = Job::new();
    let (code, _) = job.run("check", &[("INPUT_SARIF", "")], 2);
    assert_eq!(code, 2);
    assert_eq!(job.read("output"), "exit-code=2\n");
}

#[test]
fn check_rejects_bad_inputs_without_running_chartgate() {
    let job = Job::new();
    let (code, stdout) = job.run("check", &[("INPUT_FAIL_ON", "fatal")], 0);
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "::error title=chartgate action::input 'fail-on' must be error, warning or info, got 'fatal'\n"
    );
    assert!(!job.p("args").exists());
    let (code, _) = job.run("check", &[("INPUT_SUMMARY", "yes")], 0);
    assert_eq!(code, 2);
    assert!(!job.p("args").exists());
    let (code, stdout) = job.run("check", &[("INPUT_REPOS", "https://x.example/r.git\n")], 0);
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "::error title=chartgate action::input 'repos' takes one URL=PATH per line, got 'https://x.example/r.git'\n"
    );
    assert!(!job.p("args").exists());
}

#[test]
fn key_step_is_stable_and_adds_the_install_root_to_path() {
    let job = Job::new();
    assert_eq!(job.run("key", &[], 0).0, 0);
    assert_eq!(job.run("key", &[], 0).0, 0);
    let out = job.read("output");
    let l: Vec<&str> = out.lines().collect();
    assert_eq!(l.len(), 4);
    assert_eq!(l[0], l[2], "same source, same key");
    assert!(l[0].starts_with("key=chartgate-Linux-X64-src-"), "{}", l[0]);
    assert_eq!(l[0].len(), "key=chartgate-Linux-X64-src-".len() + 16);
    let root = job.p("tmp/chartgate-install");
    assert_eq!(l[1], format!("root={}", root.display()));
    assert_eq!(
        job.read("path"),
        format!("{0}/bin\n{0}/bin\n", root.display())
    );

    let job2 = Job::new();
    job2.run("key", &[("INPUT_VERSION", "v1.2.0")], 0);
    assert!(
        job2.read("output")
            .starts_with("key=chartgate-Linux-X64-v1.2.0-")
    );
    let _ = Path::new("");
}

/// Copies `src` (a directory) to `dest`.

#[test]
fn check_step_with_the_real_chartgate_on_a_chart_repo() {
    let job = Job::new();
    // The real binary instead of the fake.
    fs::remove_file(job.p("bin/chartgate")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_chartgate"), job.p("bin/chartgate")).unwrap();
    #[cfg(not(unix))]
    fs::copy(env!("CARGO_BIN_EXE_chartgate"), job.p("bin/chartgate")).unwrap();
    // The workspace: a monorepo holding the team repo (and the schema its config names).
    copy_dir(
        &root().join("fixtures/team-repo"),
        &job.p("ws/fixtures/team-repo"),
    );
    fs::create_dir_all(job.p("ws/schemas")).unwrap();
    // A checkout: the repository root (config paths are confined to it) is the workspace.
    fs::create_dir_all(job.p("ws/.git")).unwrap();
    fs::copy(
        root().join("schemas/service-chart.schema.json"),
        job.p("ws/schemas/service-chart.schema.json"),
    )
    .unwrap();
    let (code, stdout) = job.run(
        "check",
        &[
            ("INPUT_PATH", "fixtures/team-repo"),
            ("INPUT_ENVIRONMENTS", "dev,prod"),
            ("INPUT_SARIF", "reports/chartgate.sarif"),
            ("INPUT_SUMMARY", "true"),
        ],
        0,
    );
    assert_eq!(code, 1, "{stdout}");
    // Annotations with repository-relative paths reach the log: dev and prod, not test.
    let annotations: Vec<String> = stdout
        .lines()
        .filter(|l| l.starts_with("::") && l.contains(" file="))
        .map(str::to_string)
        .collect();
    let expected: Vec<String> = include_str!("report_expected/team-repo.github")
        .lines()
        .filter(|l| !l.contains("environment test]"))
        .map(|l| l.replace("file=services/", "file=fixtures/team-repo/services/"))
        .collect();
    assert_eq!(annotations.len(), 7);
    assert_eq!(annotations, expected);
    // The text report is in the log too.
    assert!(
        stdout.contains("7 findings: 7 errors, 0 warnings, 0 infos"),
        "{stdout}"
    );
    // The step summary: what earlier steps wrote, then chartgate's markdown (6 pairs checked).
    let summary = job.read("summary.md");
    assert!(summary.starts_with("previous step\n## chartgate\n\n**7 errors, 0 warnings, 0 info findings** in 6 service × environment pairs checked.\n"), "{summary}");
    assert!(
        summary.contains("| fixtures/team-repo/services/billing-scheduler | dev | 0 | 0 | 0 |\n")
    );
    // Run without a platform config: the summary warns.
    assert!(
        summary.ends_with("\n> **Warning:** chartgate ran without input 'platform-config': the repository's own chartgate.yaml decides the rules, so this run cannot gate untrusted pull requests.\n"),
        "{summary}"
    );
    // SARIF with repository-relative values-file locations.
    let sarif: Value =
        serde_json::from_str(&job.read("ws/reports/chartgate.sarif")).expect("SARIF written");
    // One run per environment, each its own code-scanning category.
    let runs = sarif["runs"].as_array().unwrap();
    let ids: Vec<&str> = runs
        .iter()
        .map(|r| r["automationDetails"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["chartgate/dev/", "chartgate/prod/"]);
    let prod = &runs[1]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        prod["artifactLocation"]["uri"],
        "fixtures/team-repo/services/billing-scheduler/values-prod.yaml"
    );
    let total: usize = runs
        .iter()
        .map(|r| r["results"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, 7);
    assert_eq!(
        job.read("output"),
        "exit-code=1\nsarif=reports/chartgate.sarif\n"
    );
}

#[test]
fn pre_commit_entry_runs_on_the_staged_files() {
    // pre-commit runs `entry` + the staged files (pass_filenames) from the repository root.
    let h = load(".pre-commit-hooks.yaml");
    let entry: Vec<&str> = h[1]["entry"].as_str().unwrap().split_whitespace().collect();
    assert_eq!(entry[0], "chartgate");
    let run = |files: &[&str]| {
        let out = support::cli(&entry[1..])
            .args(files)
            .dir(root().join("fixtures/team-repo"))
            .env("NO_COLOR", "1")
            .run();
        (out.code(), out.stdout)
    };
    // A clean environment's values: the commit goes through.
    assert_eq!(
        run(&["services/billing-scheduler/values-dev.yaml"]),
        (
            0,
            "No findings: 0 errors, 0 warnings, 0 infos\n".to_string()
        )
    );
    // Its prod values: the singleton finding stops the commit.
    let (code, out) = run(&["services/billing-scheduler/values-prod.yaml", "README.md"]);
    assert_eq!(code, 1);
    assert!(
        out.ends_with("1 finding: 1 error, 0 warnings, 0 infos\n"),
        "{out}"
    );
    // Nothing chartgate checks: silent success.
    assert_eq!(run(&["README.md"]), (0, String::new()));
}

/// A fake `cargo` that records its arguments.
fn fake_cargo(job: &Job) {
    let cargo = job.p("bin/cargo");
    fs::write(
        &cargo,
        "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" > \"$FAKE_LOG\"\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn install_of_a_version_with_the_variables_a_composite_step_gets() {
    // In a composite action's run step GitHub sets GITHUB_ACTION_REPOSITORY to "" (and
    // GITHUB_ACTION_PATH to the checkout of the action); action.yml passes
    // github.action_repository through env as ACTION_REPOSITORY.
    let job = Job::new();
    fake_cargo(&job);
    let (code, _) = job.run(
        "install",
        &[
            ("INPUT_VERSION", "v1.2.0"),
            ("GITHUB_ACTION_REPOSITORY", ""),
            ("GITHUB_ACTION_REF", ""),
            ("ACTION_REPOSITORY", "platform/chartgate"),
            ("GITHUB_SERVER_URL", "https://github.com"),
        ],
        0,
    );
    assert_eq!(code, 0);
    let root = job.p("tmp/chartgate-install");
    assert_eq!(
        job.args(),
        lines(&[
            "install",
            "--locked",
            "--root",
            &root.display().to_string(),
            "--git",
            "https://github.com/platform/chartgate",
            "--rev",
            "v1.2.0",
            "chartgate"
        ])
    );
    // Without ACTION_REPOSITORY: taken from the runner's checkout path of the action.
    let job = Job::new();
    fake_cargo(&job);
    let (code, _) = job.run(
        "install",
        &[
            ("INPUT_VERSION", "v1.2.0"),
            ("GITHUB_ACTION_REPOSITORY", ""),
            (
                "GITHUB_ACTION_PATH",
                "/home/runner/work/_actions/platform/chartgate/v1",
            ),
        ],
        0,
    );
    assert_eq!(code, 0);
    assert!(
        job.args()
            .contains(&"https://github.com/platform/chartgate".to_string()),
        "{:?}",
        job.args()
    );
    // Neither: a clear error, not a broken URL.
    let job = Job::new();
    fake_cargo(&job);
    let (code, stdout) = job.run(
        "install",
        &[
            ("INPUT_VERSION", "v1.2.0"),
            ("GITHUB_ACTION_REPOSITORY", ""),
        ],
        0,
    );
    assert_eq!(code, 2);
    assert_eq!(
        stdout,
        "::error title=chartgate action::input 'version' needs the action's repository (github.action_repository is empty)\n"
    );
    let a = load("action.yml");
    let install = a["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Install chartgate")
        .unwrap()
        .clone();
    assert_eq!(
        install["env"]["ACTION_REPOSITORY"],
        "${{ github.action_repository }}"
    );
}

#[test]
fn a_failing_cache_key_is_an_error() {
    // The action's source is missing: no hash, so no key — the step fails instead of caching a
    // key without the source hash.
    let job = Job::new();
    let (code, stdout) = job.run("key", &[("GITHUB_ACTION_PATH", "/nonexistent/action")], 0);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stdout,
        "::error title=chartgate action::cannot hash the action's source under /nonexistent/action\n"
    );
    assert_eq!(job.read("output"), "");
}

#[test]
fn pre_commit_script_builds_locked_once_and_checks_the_staged_files() {
    // The `chartgate` hook as pre-commit runs it: the script from the hook repository, the
    // staged files as arguments, the user's repository as the current directory. cargo is a fake
    // that records its arguments and "installs" the real binary.
    let job = Job::new();
    let cargo = job.p("bin/cargo");
    fs::write(
        &cargo,
        format!(
            "#!/usr/bin/env bash\nprintf '%s\\n' \"$@\" >> \"$FAKE_LOG\"\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\" && cp {} \"$root/bin/chartgate\"\n",
            env!("CARGO_BIN_EXE_chartgate")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&cargo, fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = |files: &[&str]| {
        let out = Command::new(root().join("scripts/pre-commit-hook.sh"))
            .args(files)
            .current_dir(root().join("fixtures/team-repo"))
            .env("PATH", format!("{}:/usr/bin:/bin", job.p("bin").display()))
            .env("CHARTGATE_HOOK_CACHE", job.p("tmp/hook-cache"))
            .env("FAKE_LOG", job.p("args"))
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = run(&["services/billing-scheduler/values-prod.yaml"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.ends_with("1 finding: 1 error, 0 warnings, 0 infos\n"),
        "{out}"
    );
    let args = job.args();
    assert_eq!(&args[..3], ["install", "--locked", "--quiet"]);
    assert_eq!(args[5], "--path");
    assert_eq!(
        std::path::Path::new(&args[6]),
        root().canonicalize().unwrap()
    );
    // Built once: the second commit runs the cached binary without cargo.
    fs::remove_file(job.p("args")).unwrap();
    assert_eq!(run(&["README.md"]), (0, String::new()));
    assert!(job.args().is_empty());
}

#[test]
fn step_summary_is_cut_to_githubs_limit_with_a_note() {
    let job = Job::new();
    let (code, _) = job.run(
        "check",
        &[("FAKE_MD_ROWS", "100"), ("CHARTGATE_SUMMARY_LIMIT", "2000")],
        1,
    );
    assert_eq!(code, 1);
    let summary = job.read("summary.md");
    assert!(summary.len() <= 2000, "{}", summary.len());
    assert!(summary.starts_with("previous step\n## chartgate\n"));
    let rows = summary
        .lines()
        .filter(|l| l.starts_with("| error |"))
        .count();
    assert!(rows > 10 && rows < 100, "{rows}");
    assert!(summary.ends_with(&format!("\n> **Note:** the summary is cut to fit GitHub's 1 MiB step-summary limit: {rows} of 100 findings are listed here; the SARIF report and the job log have every finding.\n")), "{summary}");
    // Every listed row is whole.
    assert!(
        summary
            .lines()
            .filter(|l| l.starts_with('|'))
            .all(|l| l.ends_with('|'))
    );
    // Under the limit: the whole markdown.
    let job = Job::new();
    job.run("check", &[("FAKE_MD_ROWS", "100")], 1);
    let summary = job.read("summary.md");
    assert_eq!(
        summary
            .lines()
            .filter(|l| l.starts_with("| error |"))
            .count(),
        100
    );
    assert!(!summary.contains("Note:"));
}
