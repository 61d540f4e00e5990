//! Untrusted pull requests (issue 17): confinement of repository configs, the trust model
//! (platform config vs repository configs), clean output, fail-closed builtins, no backtraces.
//! Fixtures: fixtures/hostile/repos/ (copied into a temporary repository with its own `.git`).

mod support;

use std::path::{Path, PathBuf};
use support::copy_dir;

const R: &str = "fixtures/hostile/repos";

use support::{run_in, write_tree};

const CHART_YAML: &str = "apiVersion: v2\nname: c\nversion: 0.1.0\n";
const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

/// A temporary repository (with `.git`) holding a copy of fixture `name`.
fn repo(name: &str) -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("repo");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(R).join(name),
        &dir,
    );
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    (t, dir)
}

fn platform() -> String {
    format!("{}/{R}/platform/platform.yaml", env!("CARGO_MANIFEST_DIR"))
}

fn config_error(dir: &Path, args: &[&str], msg: &str) {
    let r = run_in(dir, args);
    assert_eq!(
        r.stderr,
        format!("chartgate: config error: {msg}\n"),
        "{args:?}"
    );
    assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""), "{args:?}");
}

/// `svc/chartgate.yaml` holding `cfg` under platform config `platform`: `check` refuses it with
/// the config error `svc/chartgate.yaml:{msg}`.
fn svc_config_refused(dir: &Path, platform: &str, cfg: &str, msg: &str) {
    std::fs::write(dir.join("svc/chartgate.yaml"), cfg).unwrap();
    config_error(
        dir,
        &[
            "check",
            "--platform-config",
            platform,
            "--format",
            "json",
            "svc",
        ],
        &format!("svc/chartgate.yaml:{msg}"),
    );
}

#[test]
fn absolute_path_in_a_repository_config_is_refused() {
    let (_t, dir) = repo("config-absolute");
    config_error(
        &dir,
        &["check", "--format", "json", "."],
        "chartgate.yaml:1:16: `/etc/passwd` is an absolute path: paths in a repository config must stay inside the repository",
    );
}

#[test]
fn dotdot_out_of_the_repository_is_refused() {
    let (_t, dir) = repo("config-dotdot");
    config_error(
        &dir,
        &["check", "--format", "json", "."],
        "chartgate.yaml:2:5: `../../../../etc` leads outside the repository (paths in a repository config must stay inside it)",
    );
}

#[test]
fn symlinked_config_and_values_never_show_the_target() {
    // A chartgate.yaml that is a link to a system file: refused, its content never printed.
    let (_t, dir) = repo("config-dotdot");
    std::fs::remove_file(dir.join("chartgate.yaml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("chartgate.yaml")).unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: config error: chartgate.yaml: cannot read config: the file resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)\n"
    );
    assert_eq!(r.code, Some(2));
    assert!(!r.stderr.contains("root:") && !r.stdout.contains("root:"));

    // A values file named by the config that links to a device, and a FIFO.
    std::fs::remove_file(dir.join("chartgate.yaml")).unwrap();
    write_tree(
        &dir,
        &[
            (
                "svc/chartgate.yaml",
                "chart: ../chart\nenvironments:\n  prod:\n    values: [prod.yaml]\n",
            ),
            ("chart/Chart.yaml", CHART_YAML),
        ],
    );
    std::os::unix::fs::symlink("/dev/zero", dir.join("svc/prod.yaml")).unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: svc/chartgate.yaml:3:3: values file `svc/prod.yaml` resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)\n"
    );
    assert_eq!(r.code, Some(2));
    std::fs::remove_file(dir.join("svc/prod.yaml")).unwrap();
    let fifo = dir.join("svc/prod.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: svc/chartgate.yaml:3:3: values file `svc/prod.yaml` is not a regular file (a device, FIFO or socket is never read)\n"
    );
    // `values-schema:` naming a device through a link inside the repository.
    std::fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink("/dev/stdin", dir.join("svc/schema.json")).unwrap();
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "chart: ../chart\nvalues-schema: schema.json\n",
    )
    .unwrap();
    // (/dev/stdin is a link to /proc/self/fd/0, which does not resolve to a path.)
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: svc/chartgate.yaml:2:16: `schema.json` is a symbolic link that does not resolve\n"
    );
    assert_eq!(r.code, Some(2));
    std::fs::remove_file(dir.join("svc/schema.json")).unwrap();
    std::os::unix::fs::symlink("/dev/null", dir.join("svc/schema.json")).unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: svc/chartgate.yaml:2:16: `schema.json` resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)\n"
    );
}

#[test]
fn a_config_error_quotes_a_short_escaped_excerpt_only() {
    let (_t, dir) = repo("config-dotdot");
    let long = format!("\"{}\x1b[2J{}\"", "a".repeat(50), "b".repeat(5000));
    std::fs::write(dir.join("chartgate.yaml"), format!("registries: {long}\n")).unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(r.code, Some(2));
    assert!(!r.stderr.contains('\x1b'), "{}", r.stderr);
    assert!(r.stderr.len() < 400, "{}", r.stderr);
}

#[test]
fn repository_configs_cannot_loosen_the_platform_config() {
    let (_t, dir) = repo("loosen");
    let p = platform();
    // root: true stops the walk over repository configs only: the platform policy still runs.
    let r = run_in(
        &dir,
        &["check", "--platform-config", &p, "--format", "json", "svc"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("platform policy: every Deployment is reviewed"),
        "{}",
        r.stdout
    );
    // Without the platform config the repository's own settings apply (no platform policy).
    let r = run_in(&dir, &["check", "--format", "json", "svc"]);
    assert!(!r.stdout.contains("platform policy"), "{}", r.stdout);

    let cases = [
        (
            "root: true\nlimits:\n  render-seconds: 60\n",
            "3:3: limits.render-seconds: 60 is above the platform's limit of 20 (a repository config may only lower limits)",
        ),
        (
            "root: true\nrules:\n  image-registry: off\n",
            "3:3: rules.image-registry: a repository config cannot turn off a rule under the platform config",
        ),
        (
            "root: true\nrules:\n  image-registry: warning\n",
            "3:3: rules.image-registry: a repository config cannot lower the platform's severity of a rule (`warning` is below `error`)",
        ),
        (
            "root: true\nenvironments:\n  prod:\n    rules:\n      pin-digests: false\n",
            "5:7: environments.prod.rules.pin-digests: a repository config cannot turn off a rule under the platform config",
        ),
        (
            "root: true\nregistries: [\"docker.io/*\"]\n",
            "2:14: registries: `docker.io/*` is not within the platform's registries (the platform config does not allow extending them)",
        ),
    ];
    for (cfg, msg) in cases {
        svc_config_refused(&dir, &p, cfg, msg);
    }
    // Narrowing is allowed: a team's own ECR path within the platform's pattern.
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "root: true\nregistries: [\"354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/*\"]\nlimits:\n  render-seconds: 5\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &["check", "--platform-config", &p, "--format", "json", "svc"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    // `extend:` in the platform config lets repositories add registries.
    let ext = dir.join("../platform-ext.yaml");
    std::fs::write(&ext, "extend: [registries]\n").unwrap();
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "registries: [\"docker.io/*\"]\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &[
            "check",
            "--platform-config",
            ext.to_str().unwrap(),
            "--format",
            "json",
            "svc",
        ],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    // The docker.io image is allowed: no image-registry finding, nothing else changes.
    assert_eq!(
        r.finding_lines_as("{rule} {file}:{line}:{column}"),
        [
            "required-labels svc/web.yaml:4:3",
            "required-labels svc/web.yaml:4:3",
            "required-labels svc/web.yaml:4:3",
            "schema-validity svc/web.yaml:6:3",
            "resource-requests svc/web.yaml:10:11",
            "resource-requests svc/web.yaml:10:11",
            "resource-requests svc/web.yaml:10:11",
            "image-tag-pinned svc/web.yaml:11:18",
        ]
    );
}

#[test]
fn without_a_platform_config_only_budgets_above_the_defaults_are_refused() {
    let (_t, dir) = repo("loosen");
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "root: true\nrules:\n  image-registry: off\nregistries: [\"docker.io/*\"]\n",
    )
    .unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "svc"]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    // The docker.io image is allowed: no image-registry finding, nothing else changes.
    assert_eq!(
        r.finding_lines_as("{rule} {file}:{line}:{column}"),
        [
            "required-labels svc/web.yaml:4:3",
            "required-labels svc/web.yaml:4:3",
            "required-labels svc/web.yaml:4:3",
            "schema-validity svc/web.yaml:6:3",
            "resource-requests svc/web.yaml:10:11",
            "resource-requests svc/web.yaml:10:11",
            "resource-requests svc/web.yaml:10:11",
            "image-tag-pinned svc/web.yaml:11:18",
        ]
    );
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "limits:\n  range-iterations: 20000000\n",
    )
    .unwrap();
    config_error(
        &dir,
        &["check", "--format", "json", "svc"],
        "svc/chartgate.yaml:2:3: limits.range-iterations: 20000000 is above the default limit of 10000000 (a repository config may only lower limits)",
    );
}

#[test]
fn control_characters_are_escaped_in_every_format() {
    let (_t, dir) = repo("escapes");
    for format in ["text", "github", "markdown"] {
        let r = run_in(
            &dir,
            &["check", "--color", "never", "--format", format, "."],
        );
        assert_eq!(r.code, Some(1), "{format}: {}", r.stderr);
        for bad in ['\x1b', '\x07', '\r'] {
            assert!(
                !r.stdout.contains(bad),
                "{format}: {bad:?} in {:?}",
                r.stdout
            );
        }
        assert!(
            r.stdout.contains("\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J"),
            "{format}: {}",
            r.stdout
        );
    }
    let r = run_in(
        &dir,
        &["check", "--color", "never", "--format", "text", "."],
    );
    assert!(r.stdout.contains("\\r::add-mask::y"), "{}", r.stdout);
}

#[test]
fn http_send_is_a_load_time_error_at_its_line() {
    let t = tempfile::tempdir().unwrap();
    let pol = t.path().join("net.rego");
    std::fs::write(
        &pol,
        "package main\n\nimport rego.v1\n\ndeny contains msg if {\n\tr := http.send({\"method\": \"get\", \"url\": \"https://x\"})\n\tr.status_code != 200\n\tmsg := \"down\"\n}\n",
    )
    .unwrap();
    let m = format!(
        "{}/fixtures/hostile/manifests/lf.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let r = run_in(
        t.path(),
        &["check", "--policy", "net.rego", "--format", "json", &m],
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: policy error: net.rego:6:7: builtin `http.send` is not available (chartgate runs without network access); a policy depending on it cannot be evaluated\n"
    );
}

#[test]
fn printf_with_a_huge_precision_does_not_panic() {
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[
            ("c/Chart.yaml", CHART_YAML),
            (
                "c/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: p\ndata:\n  f: {{ printf \"%.65536f\" 1.5 | len | quote }}\n  e: {{ printf \"%.70000e\" 1.5 | len | quote }}\n  v: {{ printf \"%.*v\" 99929 -.5 | quote }}\n  g: {{ printf \"%.*g\" 70000 0.1 | len | quote }}\n",
            ),
        ],
    );
    let r = run_in(t.path(), &["render", "c"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // "1." + 65536 digits; "1." + 70000 digits + "e+00"; a precision from an argument past
    // Rust's formatter limit (65,535) panicked; 0.1 has 55 significant digits (as Helm prints).
    assert!(
        r.stdout
            .contains("  f: \"65538\"\n  e: \"70006\"\n  v: \"-0.5\"\n  g: \"57\"\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn repos_of_a_repository_config_stay_inside_the_repository() {
    // `repos:` in a pull request's chartgate.yaml mapped an Application's `$ref` source to any
    // directory of the runner: its JSON files became values, and a chart's
    // `fail (toJson .Values)` printed them.
    let t = tempfile::tempdir().unwrap();
    let outside = t.path().join("outside");
    let dir = t.path().join("repo");
    write_tree(
        t.path(),
        &[
            ("outside/secret.json", "{\"token\": \"s3cr3t\"}\n"),
            ("repo/.git/HEAD", ""),
            ("repo/chart/Chart.yaml", CHART_YAML),
            (
                "repo/chart/templates/leak.yaml",
                "{{ fail (toJson .Values) }}\n",
            ),
        ],
    );
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: leak, namespace: argocd}\nspec:\n  project: team\n  sources:\n    - repoURL: https://git.example.com/repo.git\n      path: chart\n      helm: {valueFiles: [$loot/secret.json]}\n    - repoURL: https://git.example.com/loot.git\n      ref: loot\n  destination: {server: https://kubernetes.default.svc, namespace: team}\n",
    )
    .unwrap();
    for (target, why) in [
        (
            outside.display().to_string(),
            format!(
                "`{}` is an absolute path: paths in a repository config must stay inside the repository",
                outside.display()
            ),
        ),
        (
            "../outside".to_string(),
            "`../outside` leads outside the repository (paths in a repository config must stay inside it)".to_string(),
        ),
    ] {
        std::fs::write(
            dir.join("chartgate.yaml"),
            format!(
                "repos:\n  https://git.example.com/repo.git: .\n  https://git.example.com/loot.git: {target}\n"
            ),
        )
        .unwrap();
        let r = run_in(&dir, &["check", "--format", "json", "."]);
        assert_eq!(
            r.stderr,
            format!(
                "chartgate: config error: chartgate.yaml:3:37: repos: {why}; map a checkout outside this repository with --repo URL=PATH or in the platform config (--platform-config)\n"
            )
        );
        assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""));
    }
    // The trusted side may map it: `--repo` (the workflow's checkouts).
    std::fs::write(
        dir.join("chartgate.yaml"),
        "repos:\n  https://git.example.com/repo.git: .\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &[
            "check",
            "--format",
            "json",
            "--repo",
            &format!("https://git.example.com/loot.git={}", outside.display()),
            ".",
        ],
    );
    assert!(r.stdout.contains("s3cr3t"), "{}", r.stdout);
}

#[test]
fn files_read_again_after_discovery_stay_inside_the_repository() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("repo");
    write_tree(
        t.path(),
        &[
            ("repo/.git/HEAD", ""),
            ("repo/chart/Chart.yaml", CHART_YAML),
            ("repo/chart/templates/cm.yaml", CONFIG_MAP),
            // A CODEOWNERS linking out of the repository: the audit names no team from it.
            ("owners", "* @outside/team\n"),
        ],
    );
    std::fs::create_dir_all(dir.join(".github")).unwrap();
    std::os::unix::fs::symlink(t.path().join("owners"), dir.join(".github/CODEOWNERS")).unwrap();
    let r = run_in(&dir, &["audit", "--format", "json", "."]);
    assert!(!r.stdout.contains("@outside/team"), "{}", r.stdout);
    std::fs::remove_file(dir.join(".github/CODEOWNERS")).unwrap();
    std::fs::write(dir.join(".github/CODEOWNERS"), "* @inside/team\n").unwrap();
    let r = run_in(&dir, &["audit", "--format", "json", "."]);
    assert!(
        r.stdout.contains("\"team\": \"@inside/team\""),
        "{}",
        r.stdout
    );

    // A FIFO where the chart-source rule reads `requirements.yaml` blocked the run forever: a
    // render error now, and the run ends.
    let fifo = dir.join("chart/requirements.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("chart/requirements.yaml: cannot load irregular file"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_policy_file_that_is_a_link_is_followed_inside_the_repository_and_refused_out_of_it() {
    // A `.rego` link was skipped silently: a policy dropped without a word.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("repo");
    write_tree(
        &dir,
        &[
            (".git/HEAD", ""),
            ("m/cm.yaml", CONFIG_MAP),
            ("chartgate.yaml", "policies: [policy]\n"),
            (
                "shared/linked.rego",
                "package main\nimport rego.v1\ndeny contains \"linked policy ran\" if input.kind == \"ConfigMap\"\n",
            ),
        ],
    );
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    std::os::unix::fs::symlink("../shared/linked.rego", dir.join("policy/linked.rego")).unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert!(
        r.stdout.contains("\"message\": \"linked policy ran\""),
        "{}",
        r.stdout
    );

    std::fs::write(t.path().join("outside.rego"), "package main\n").unwrap();
    std::os::unix::fs::symlink(t.path().join("outside.rego"), dir.join("policy/out.rego")).unwrap();
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: policy error: policy/out.rego: policy file resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)\n"
    );
    assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""));
}

#[test]
fn a_file_dependency_outside_the_repository_is_not_rendered() {
    // `repository: file://../../elsewhere` loaded and executed a chart outside the repository.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("repo");
    write_tree(
        t.path(),
        &[
            (
                "elsewhere/Chart.yaml",
                "apiVersion: v2\nname: evil\nversion: 1.0.0\n",
            ),
            (
                "elsewhere/templates/x.yaml",
                "{{ fail \"outside chart read\" }}\n",
            ),
            ("repo/.git/HEAD", ""),
            (
                "repo/chart/Chart.yaml",
                "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n- name: evil\n  version: 1.0.0\n  repository: file://../../elsewhere\n",
            ),
            ("repo/chart/templates/cm.yaml", CONFIG_MAP),
        ],
    );
    let r = run_in(&dir, &["check", "--format", "json", "."]);
    assert!(!r.stdout.contains("outside chart read"), "{}", r.stdout);
    assert!(
        r.stdout.contains("\"message\": \"dependency evil from file://../../elsewhere leaves the repository: chartgate reads nothing outside the repository; vendor it in chart/charts/\""),
        "{}",
        r.stdout
    );
}

#[test]
fn list_output_escapes_control_characters_of_file_names() {
    // `check --list` printed file names raw: a newline started a `::error::` workflow command
    // in a CI log, an escape sequence reached the terminal.
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("repo");
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(
        dir.join("evil\n::error::x\x1b[31m.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    )
    .unwrap();
    std::fs::write(dir.join("skip\r\n::warning::y.yaml"), "a: 1\n").unwrap();
    let r = run_in(&dir, &["check", "--list", "."]);
    assert_eq!(
        r.stdout,
        "evil\\n::error::x\\x1b[31m.yaml  manifest\n\
         skip\\r\\n::warning::y.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind`\n"
    );
}

#[test]
fn an_application_name_never_leads_its_override_file_out_of_the_repository() {
    // `.argocd-source-<app>.yaml` was joined from the Application's name: a name with `../`
    // merged any `.yaml` of the runner into the source (its values printed by `values`).
    let t = tempfile::tempdir().unwrap();
    write_tree(
        t.path(),
        &[
            (
                "secret.yaml",
                "helm:\n  valuesObject:\n    who: LEAKED-FROM-OUTSIDE\n",
            ),
            (
                "repo/.git/config",
                "[remote \"origin\"]\n\turl = https://git.example.com/org/apps.git\n",
            ),
            ("repo/charts/web/Chart.yaml", CHART_YAML),
            ("repo/charts/web/values.yaml", "who: default\n"),
            ("repo/charts/web/.argocd-source-x/.keep", ""),
            (
                "repo/apps/web.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: x/../../../../secret\n  namespace: argocd\nspec:\n  project: p\n  source: {repoURL: https://git.example.com/org/apps.git, path: charts/web}\n  destination: {server: https://kubernetes.default.svc, namespace: web}\n",
            ),
        ],
    );
    let dir = t.path().join("repo");
    let r = run_in(&dir, &["values", "x/../../../../secret", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("who: \"default\""), "{}", r.stdout);
    assert!(!r.stdout.contains("LEAKED"), "{}", r.stdout);
}

#[test]
fn a_glob_too_large_for_the_regex_engine_matches_nothing_and_crashes_nothing() {
    // globset's `compile_matcher` panicked on a brace of 200,000 alternatives in an Argo CD
    // `directory.include`: the whole run ended with exit 101 and no report.
    let t = tempfile::tempdir().unwrap();
    let brace: Vec<String> = (0..200_000).map(|i| format!("a{i}")).collect();
    let root = format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: root, namespace: argocd}}\nspec:\n  project: p\n  source:\n    repoURL: https://git.example.com/org/apps.git\n    path: apps\n    directory: {{include: \"{{{}}}\"}}\n  destination: {{server: https://kubernetes.default.svc, namespace: argocd}}\n",
        brace.join(",")
    );
    write_tree(
        t.path(),
        &[
            (
                ".git/config",
                "[remote \"origin\"]\n\turl = https://git.example.com/org/apps.git\n",
            ),
            ("root.yaml", &root),
            ("apps/cm.yaml", CONFIG_MAP),
        ],
    );
    let r = run_in(t.path(), &["check", "--list", "root.yaml"]);
    assert_eq!(
        (r.code, r.stderr.as_str(), r.stdout.as_str()),
        (Some(0), "", "root.yaml  manifest\n")
    );
}

#[test]
fn names_in_values_errors_are_escaped() {
    // Release names listed on stderr carried a raw newline: `::error::` started a line.
    let t = tempfile::tempdir().unwrap();
    let app = |n: u32| {
        format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: \"web\\e[2J\\n::error::x{n}\"\n  namespace: argocd\nspec:\n  project: p\n  source: {{repoURL: https://git.example.com/org/apps.git, path: charts/web}}\n  destination: {{server: https://kubernetes.default.svc, namespace: web}}\n"
        )
    };
    let (a1, a2) = (app(1), app(2));
    write_tree(
        t.path(),
        &[
            (
                ".git/config",
                "[remote \"origin\"]\n\turl = https://git.example.com/org/apps.git\n",
            ),
            ("charts/web/Chart.yaml", CHART_YAML),
            ("charts/web/templates/cm.yaml", CONFIG_MAP),
            ("a1.yaml", &a1),
            ("a2.yaml", &a2),
        ],
    );
    let r = run_in(t.path(), &["values", "charts/web", "."]);
    assert_eq!(
        r.stderr,
        "chartgate: service `charts/web` has 2 renders without an environment name; name one by its release (the Application): web\\x1b[2J\\n::error::x1, web\\x1b[2J\\n::error::x2\n"
    );
}

/// A repository with a Deployment and `policies/x.rego` holding `policy` (named by its config).
fn repo_with_policy(policy: &str) -> (tempfile::TempDir, PathBuf) {
    let (t, dir) = repo("loosen");
    write_tree(
        &dir,
        &[
            ("svc/chartgate.yaml", ""),
            ("chartgate.yaml", "policies: [policies/]\n"),
            ("policies/x.rego", policy),
        ],
    );
    (t, dir)
}

#[test]
fn repository_policies_cannot_declare_or_feed_trusted_packages() {
    // `exception contains ["deny"] if { true }` in the platform policy's package silenced it;
    // in a bundled package it silenced that one; `package chartgate` replaced the data the
    // bundled policies read. Each is a policy load error at the package line (exit 2).
    let p = platform();
    let why = "a repository policy may not declare it (its rules, `exception` included, would change what trusted policies decide)";
    let cases = [
        (
            "package main\nimport rego.v1\nexception contains [\"deny\"] if { true }\n",
            format!(
                "policies/x.rego:1:1: package `main` overlaps package `main` of trusted policy {}/{R}/platform/platform.rego; {why}",
                env!("CARGO_MANIFEST_DIR")
            ),
        ),
        (
            "# a comment first\npackage chartgate_platform.required_labels\nimport rego.v1\nexception contains [\"deny\"] if { true }\n",
            format!(
                "policies/x.rego:2:1: package `chartgate_platform.required_labels` is reserved (packages starting with `chartgate` belong to chartgate's bundled policies and their data); {why}"
            ),
        ),
        (
            "package chartgate\nimport rego.v1\nrequired_labels := []\n",
            format!(
                "policies/x.rego:1:1: package `chartgate` is reserved (packages starting with `chartgate` belong to chartgate's bundled policies and their data); {why}"
            ),
        ),
        (
            // A sub-package of the trusted one adds `data.main.x` to what the trusted reads.
            "package main.sub\nimport rego.v1\nx := 1\n",
            format!(
                "policies/x.rego:1:1: package `main.sub` overlaps package `main` of trusted policy {}/{R}/platform/platform.rego; {why}",
                env!("CARGO_MANIFEST_DIR")
            ),
        ),
    ];
    for (policy, msg) in &cases {
        let (_t, dir) = repo_with_policy(policy);
        let r = run_in(
            &dir,
            &["check", "--platform-config", &p, "--format", "json", "svc"],
        );
        assert_eq!(
            (r.code, r.stdout.as_str(), r.stderr.as_str()),
            (
                Some(2),
                "",
                format!("chartgate: policy error: {msg}\n").as_str()
            ),
            "{policy}"
        );
    }
    // The bundled packages and their data are chartgate's without a platform config too.
    let (_t, dir) = repo_with_policy(cases[2].0);
    let r = run_in(&dir, &["check", "--format", "json", "svc"]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            Some(2),
            format!("chartgate: policy error: {}\n", cases[2].1).as_str()
        )
    );

    // A package a trusted policy reads (`--policy` under a platform config is trusted: the
    // workflow's command line), or one a `--data` document sets.
    let (t, dir) = repo_with_policy("package lib.limits\nimport rego.v1\nmax := 100\n");
    std::fs::write(
        t.path().join("trusted.rego"),
        "package org\nimport rego.v1\nimport data.lib\ndeny contains \"too many\" if input.spec.replicas > data.lib.limits.max\n",
    )
    .unwrap();
    std::fs::write(t.path().join("data.json"), "{\"team\": {\"max\": 1}}\n").unwrap();
    let trusted = "../trusted.rego";
    let r = run_in(
        &dir,
        &[
            "check",
            "--platform-config",
            &p,
            "--policy",
            trusted,
            "--format",
            "json",
            "svc",
        ],
    );
    assert_eq!(
        r.stderr,
        format!(
            "chartgate: policy error: policies/x.rego:1:1: package `lib.limits` overlaps data.lib.limits.max, which trusted policy {trusted}:4 reads; {why}\n"
        )
    );
    assert_eq!(r.code, Some(2));
    std::fs::write(
        dir.join("policies/x.rego"),
        "package team\nimport rego.v1\nmax := 100\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &["check", "--data", "../data.json", "--format", "json", "svc"],
    );
    assert_eq!(
        r.stderr,
        format!(
            "chartgate: policy error: policies/x.rego:1:1: package `team` overlaps data.team, which data document ../data.json sets; {why}\n"
        )
    );
    // A package of its own, which no trusted policy reads, is the repository's to write: its
    // rules run, and the platform policy still does.
    std::fs::write(
        dir.join("policies/x.rego"),
        "package main_team\nimport rego.v1\nexception contains [\"deny\"] if { true }\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &[
            "check",
            "--platform-config",
            &p,
            "--namespace",
            "main",
            "--namespace",
            "main_team",
            "--format",
            "json",
            "svc",
        ],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    assert!(
        r.stdout
            .contains("platform policy: every Deployment is reviewed"),
        "{}",
        r.stdout
    );
}

fn strict_platform() -> String {
    format!("{}/{R}/platform/strict.yaml", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_key_of_a_repository_config_loosens_the_platform_config() {
    // Each was accepted (hostile7 trust-*): the check ran with the looser setting.
    let (_t, dir) = repo("loosen");
    let p = strict_platform();
    let cases = [
        // Rules the platform does not name: their default severity is the floor.
        (
            "rules:\n  image-tag-pinned: info\n",
            "2:3: rules.image-tag-pinned: a repository config cannot lower a rule below its default severity, which applies as the platform config does not set it (`info` is below `error`)",
        ),
        // Per environment: the platform's top-level setting applies there too.
        (
            "environments:\n  prod:\n    rules: {image-registry: info}\n",
            "3:13: environments.prod.rules.image-registry: a repository config cannot lower the platform's severity of a rule (`info` is below `error`)",
        ),
        (
            "environments:\n  dev:\n    rules: {schema-validity: warning}\n",
            "3:13: environments.dev.rules.schema-validity: a repository config cannot lower a rule below its default severity, which applies as the platform config does not set it (`warning` is below `error`)",
        ),
        (
            "rules:\n  chart-source: {allow-version-ranges: true}\n",
            "2:3: rules.chart-source.allow-version-ranges: `true` would relax the rule the platform config checks (only the platform config may set it)",
        ),
        (
            "pod-security: baseline\n",
            "1:1: pod-security: `baseline` is less strict than the platform's pod-security `restricted` (a repository config may only make it stricter)",
        ),
        (
            "environments:\n  qa: {pod-security: baseline}\n",
            "2:8: environments.qa.pod-security: `baseline` is less strict than the platform's pod-security `restricted` (a repository config may only make it stricter)",
        ),
        (
            "kube-version: \"1.29\"\n",
            "1:1: kube-version: the platform config checks against Kubernetes 1.33; a repository config cannot change it (to 1.29)",
        ),
        (
            "environments:\n  prod: {kube-version: \"1.32\"}\n",
            "2:10: environments.prod.kube-version: the platform config checks against Kubernetes 1.33; a repository config cannot change it (to 1.32)",
        ),
        (
            "chart-registries: [\"**\"]\n",
            "1:20: chart-registries: `**` is not within the platform's chart-registries (the platform config does not allow extending them)",
        ),
        (
            "singletons: [\"*\"]\n",
            "1:14: singletons: `*` is not within the platform's singletons (the platform config does not allow extending them)",
        ),
        (
            "load-balancers:\n  - {}\n",
            "1:1: load-balancers: `class=* group=* scheme=*` is not within the platform's load-balancers (class=alb group=internal scheme=internal); a repository config may only narrow them",
        ),
        (
            "environments:\n  prod: {load-balancers: []}\n",
            "2:10: environments.prod.load-balancers: an empty list would allow any load balancer; the platform config allows class=alb group=internal scheme=internal",
        ),
        (
            "environment-names: [dev]\n",
            "1:1: environment-names: leaves out `test`, which the platform config names (a repository config may add names, not drop them)",
        ),
        (
            "environments:\n  prod: {cluster: dev}\n",
            "2:10: environments.prod.cluster: the platform config sets it to `prod`; a repository config cannot change it",
        ),
        (
            "environments:\n  prod: {namespace: kube-system}\n",
            "2:10: environments.prod.namespace: the platform config sets it to `team-a`; a repository config cannot change it",
        ),
        (
            "environments:\n  prod: {namespaces: [team-a, kube-system]}\n",
            "2:10: environments.prod.namespaces: `kube-system` is not among the platform's namespaces of the environment (a repository config may only narrow them)",
        ),
        (
            "environments:\n  prod: {pin-digests: false}\n",
            "2:10: environments.prod.pin-digests: the platform config requires pinned digests in this environment",
        ),
        (
            "environments:\n  prod: {min-replicas: 0}\n",
            "2:10: environments.prod.min-replicas: below the platform's minimum of 2 replicas",
        ),
        (
            "clusters:\n  prod: {environment: dev}\n",
            "1:1: clusters: under a platform config, clusters (which environment an Argo CD destination is) are the platform's to map",
        ),
        (
            "extend: [registries]\n",
            "1:1: extend: only the platform config says which lists repository configs may extend",
        ),
        (
            "lock-exemptions: false\n",
            "1:1: lock-exemptions: only the platform config says which rules exemptions may cover",
        ),
        // Exemptions of a rule the platform sets, or of its policies' rules (known once the
        // policies are loaded).
        (
            "exemptions:\n  - {rule: image-registry, reason: x}\n",
            "2:5: exemption for rule `image-registry`: the platform config locks this rule (`lock-exemptions`, by default the rules it sets and its policies' rules); only the platform config may exempt from it",
        ),
        (
            "exemptions:\n  - {rule: main.deny, reason: x}\n",
            "2:5: exemption for rule `main.deny`: the platform config locks this rule (`lock-exemptions`, by default the rules it sets and its policies' rules); only the platform config may exempt from it",
        ),
    ];
    for (cfg, msg) in cases {
        // (`root: true` is the first line: positions are one line further down.)
        let (line, rest) = msg.split_once(':').unwrap();
        let line: u32 = line.parse().unwrap();
        let cfg = format!("root: true\n{cfg}");
        svc_config_refused(&dir, &p, &cfg, &format!("{}:{rest}", line + 1));
    }
    // Tightening is accepted: stricter, narrower, more.
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "root: true\npod-security: restricted\nkube-version: \"1.33\"\nload-balancers: [{class: alb, group: internal, scheme: internal}]\nenvironment-names: [dev, test, staging, qa, preprod, prod, production, uat]\nrules:\n  image-tag-pinned: error\n  timezone: {require-cronjob-timezone: true}\nenvironments:\n  prod: {cluster: prod, namespace: team-a, namespaces: [team-a], pin-digests: true, min-replicas: 3, rules: {image-registry: error}}\n  qa: {pod-security: restricted}\nexemptions:\n  - {rule: resource-requests, reason: measured}\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &["check", "--platform-config", &p, "--format", "json", "svc"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    assert_eq!(
        r.finding_lines_as("{rule} {file}:{line}:{column}"),
        [
            "main.deny svc/web.yaml:1:1",
            "required-labels svc/web.yaml:4:3",
            "required-labels svc/web.yaml:4:3",
            "required-labels svc/web.yaml:4:3",
            "schema-validity svc/web.yaml:6:3",
            "pod-security svc/web.yaml:10:11",
            "pod-security svc/web.yaml:10:11",
            "pod-security svc/web.yaml:10:11",
            "pod-security svc/web.yaml:10:11",
            "image-registry svc/web.yaml:11:18",
            "image-tag-pinned svc/web.yaml:11:18",
        ]
    );
}

#[test]
fn the_platform_config_says_which_rules_repositories_may_exempt() {
    let (t, dir) = repo("loosen");
    let web = std::fs::read_to_string(dir.join("svc/web.yaml")).unwrap();
    // A repository's suppression annotation on a locked rule (a platform policy's, one the
    // platform sets) is ignored, and the finding says so; an unlocked rule's is honoured.
    std::fs::write(
        dir.join("svc/web.yaml"),
        web.replace(
            "  name: web\n",
            "  name: web\n  annotations:\n    chartgate.io/ignore.main.deny: \"reviewed elsewhere\"\n    chartgate.io/ignore.image-registry: \"mirror\"\n    chartgate.io/ignore.image-tag-pinned: \"nightly\"\n",
        ),
    )
    .unwrap();
    let p = platform();
    let r = run_in(
        &dir,
        &["check", "--platform-config", &p, "--format", "json", "svc"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
    assert_eq!(
        r.finding_lines_as("{rule}: {message}")
            .into_iter()
            .filter(|l| l.contains("annotation"))
            .collect::<Vec<_>>(),
        [
            "main.deny: platform policy: every Deployment is reviewed (annotation chartgate.io/ignore.main.deny ignored: the platform config locks this rule)",
            "image-registry: container `web`: image `docker.io/library/nginx:latest` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*) (annotation chartgate.io/ignore.image-registry ignored: the platform config locks this rule)",
        ]
    );
    assert!(!r.stdout.contains("\"image-tag-pinned\""), "{}", r.stdout);

    // `lock-exemptions: false` lets them all through; a list locks exactly those rules.
    let open = t.path().join("open.yaml");
    std::fs::write(
        &open,
        format!(
            "policies: [{}/{R}/platform/platform.rego]\nrules:\n  image-registry: error\nlock-exemptions: false\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let r = run_in(
        &dir,
        &[
            "check",
            "--platform-config",
            open.to_str().unwrap(),
            "--format",
            "json",
            "svc",
        ],
    );
    assert!(!r.stdout.contains("annotation"), "{}", r.stdout);
    assert!(!r.stdout.contains("platform policy"), "{}", r.stdout);
    std::fs::write(&open, "lock-exemptions: [image-tag-pinned]\n").unwrap();
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "exemptions:\n  - {rule: image-tag-pinned, reason: nightly}\n",
    )
    .unwrap();
    config_error(
        &dir,
        &[
            "check",
            "--platform-config",
            open.to_str().unwrap(),
            "--format",
            "json",
            "svc",
        ],
        "svc/chartgate.yaml:2:5: exemption for rule `image-tag-pinned`: the platform config locks this rule (`lock-exemptions`, by default the rules it sets and its policies' rules); only the platform config may exempt from it",
    );
}

#[test]
fn a_repository_exclude_cannot_drop_a_chart_or_a_manifest() {
    // `exclude: ["svc"]` left the chart unchecked and the pull request passed (exit 0).
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("repo");
    write_tree(
        &dir,
        &[
            (".git/HEAD", ""),
            ("svc/web/Chart.yaml", CHART_YAML),
            ("svc/web/templates/cm.yaml", CONFIG_MAP),
            ("deploy/cm.yaml", CONFIG_MAP),
            ("docs/notes.yaml", "title: not a Kubernetes object\n"),
            ("docs/README.md", "# docs\n"),
        ],
    );
    let p = platform();
    for (glob, what) in [
        ("svc", "chart svc/web"),
        ("svc/**", "chart svc/web"),
        ("deploy/cm.yaml", "the Kubernetes objects of deploy/cm.yaml"),
    ] {
        std::fs::write(
            dir.join("chartgate.yaml"),
            format!("exclude: [\"{glob}\"]\n"),
        )
        .unwrap();
        let r = run_in(
            &dir,
            &["check", "--platform-config", &p, "--format", "json", "."],
        );
        assert_eq!(
            r.stderr,
            format!(
                "chartgate: chartgate.yaml:1:11: exclude: `{glob}` would leave {what} unchecked; under the platform config a repository config may exclude only files holding no chart and no Kubernetes object (the platform config may allow more with `extend: [exclude]`)\n"
            )
        );
        assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""));
    }
    // What holds no chart and no object may be excluded; without a platform config anything.
    std::fs::write(dir.join("chartgate.yaml"), "exclude: [docs]\n").unwrap();
    let r = run_in(&dir, &["check", "--platform-config", &p, "--list", "."]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert!(
        r.stdout
            .contains("docs  skipped: excluded by `exclude: docs`"),
        "{}",
        r.stdout
    );
    std::fs::write(dir.join("chartgate.yaml"), "exclude: [svc]\n").unwrap();
    let r = run_in(&dir, &["check", "--list", "."]);
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    // The platform config may allow it.
    let ext = t.path().join("ext.yaml");
    std::fs::write(&ext, "extend: [exclude]\n").unwrap();
    let r = run_in(
        &dir,
        &[
            "check",
            "--platform-config",
            ext.to_str().unwrap(),
            "--list",
            ".",
        ],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert!(
        r.stdout
            .contains("svc  skipped: excluded by `exclude: svc`"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_repository_crd_never_replaces_a_trusted_one() {
    // A chart's `crds/` copy of the bundled cert-manager Certificate CRD with
    // `x-kubernetes-preserve-unknown-fields: true` silenced the bundled schema's findings; a
    // repository config's `crds:` did the same to a CRD of the platform config's `crds:`.
    let (_t, dir) = repo("crd-override");
    let schema = |args: &[&str]| {
        let r = run_in(&dir, args);
        assert_eq!(r.stderr, "", "{args:?}");
        r.finding_lines_as("{rule} {file}:{line}:{column} {message}")
            .into_iter()
            .filter(|l| l.starts_with("schema-validity"))
            .collect::<Vec<_>>()
    };
    // The bundled schema decides Certificate (and a v2 only the chart serves is an error),
    // Kubernetes decides Deployment; the repository's Widget CRD, of a kind nothing trusted defines, is the repository's to give.
    let bundled = [
        "schema-validity chart/templates/certificate.yaml:6:3 spec.issuerRef: missing required field `issuerRef`",
        "schema-validity chart/templates/certificate.yaml:6:3 spec.secretName: missing required field `secretName`",
        "schema-validity chart/templates/certificate.yaml:7:3 spec.issuer: unknown field `issuer` (not in the cert-manager.io/v1 Certificate bundled CRD schema)",
        "schema-validity chart/templates/certificate.yaml:9:13 cert-manager.io/v2 Certificate: the bundled CustomResourceDefinition of Certificate serves v1 only; a CustomResourceDefinition of the repository does not replace the cluster's",
        // Kubernetes' own kinds are Kubernetes' to define: a repository CRD of `apps/v2
        // Deployment` (schemaless) validated a Deployment of any shape.
        "schema-validity deploy/deployment.yaml:1:13 apps/v2 Deployment: Kubernetes 1.37 serves v1 only; a CustomResourceDefinition of the repository does not replace the cluster's",
    ];
    assert_eq!(schema(&["check", "--format", "json", "."]), bundled);
    // Under a platform config whose `crds:` define Widget, its schema decides Widget.
    let p = format!(
        "{}/{R}/platform/platform-crds.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut with_platform = bundled.to_vec();
    with_platform.extend([
        "schema-validity deploy/widget.yaml:6:3 spec.colour: unknown field `colour` (not in the example.com/v1 Widget platform CRD schema)",
        "schema-validity deploy/widget.yaml:6:3 spec.size: missing required field `size`",
    ]);
    assert_eq!(
        schema(&["check", "--platform-config", &p, "--format", "json", "."]),
        with_platform
    );
}

#[test]
fn policy_test_holds_repository_policies_to_the_trusted_packages() {
    // `chartgate policy test` loaded a repository's policies alone: one declaring `package
    // chartgate` or the platform policy's package passed its tests, and only `check` refused it.
    let why = "a repository policy may not declare it (its rules, `exception` included, would change what trusted policies decide)";
    let test = "package main\nimport rego.v1\ntest_quiet if { count(exception) == 1 }\n";
    let (_t, dir) = repo_with_policy("package chartgate\nimport rego.v1\nrequired_labels := []\n");
    let r = run_in(&dir, &["policy", "test", "policies"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(2),
            "",
            format!("error: policies/x.rego:1:1: package `chartgate` is reserved (packages starting with `chartgate` belong to chartgate's bundled policies and their data); {why}\n").as_str()
        )
    );
    // The platform policy's package, with the platform config as `check` has it.
    std::fs::write(
        dir.join("policies/x.rego"),
        "package main\nimport rego.v1\nexception contains [\"deny\"] if { true }\n",
    )
    .unwrap();
    std::fs::write(dir.join("policies/x_test.rego"), test).unwrap();
    let p = platform();
    let r = run_in(
        &dir,
        &["policy", "test", "--platform-config", &p, "policies"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(2),
            "",
            format!(
                "error: policies/x.rego:1:1: package `main` overlaps package `main` of trusted policy {}/{R}/platform/platform.rego; {why}\n",
                env!("CARGO_MANIFEST_DIR")
            )
            .as_str()
        )
    );
    // Without the platform config the package is the repository's own: its tests run.
    let r = run_in(&dir, &["policy", "test", "policies"]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "policies/x_test.rego:3: data.main.test_quiet: PASS\n--------------------------------------------------------------------------------\nPASS: 1/1\n",
            ""
        )
    );
}

#[test]
fn a_repository_environment_cannot_take_the_platforms_destinations() {
    // `sneaky: {cluster: prod, namespace: team-a-jobs}` gave the Applications deploying there
    // the repository's environment (no pinned digests, no replica floor) instead of `prod`.
    let (_t, dir) = repo("loosen");
    let p = format!("{}/{R}/platform/clusters.yaml", env!("CARGO_MANIFEST_DIR"));
    let cases = [
        (
            "environments:\n  sneaky: {cluster: prod, namespace: team-a-jobs}\n",
            "3:27: environments.sneaky.namespace: Applications deploying to namespace `team-a-jobs` of cluster `prod` belong to the platform's environment `prod`; a repository config cannot map them to environment `sneaky` (only the platform config may)",
        ),
        (
            "environments:\n  sneaky: {cluster: prod}\n",
            "3:12: environments.sneaky.cluster: Applications deploying to cluster `prod` belong to the platform's environment `prod`; a repository config cannot map them to environment `sneaky` (only the platform config may)",
        ),
        (
            "environments:\n  sneaky: {cluster: shared, namespace: team-a-dev}\n",
            "3:29: environments.sneaky.namespace: Applications deploying to namespace `team-a-dev` of cluster `shared` belong to the platform's environment `dev`; a repository config cannot map them to environment `sneaky` (only the platform config may)",
        ),
        (
            "environments:\n  sneaky: {cluster: shared, namespace: kube-system}\n",
            "3:29: environments.sneaky.namespace: `kube-system` is not among the platform's namespaces on cluster `shared` (team-a-dev); a repository config cannot add Argo CD destinations on a platform cluster",
        ),
        // An environment the platform maps a cluster to keeps the cluster's settings.
        (
            "environments:\n  stage: {pin-digests: false}\n",
            "3:11: environments.stage.pin-digests: the platform config requires pinned digests in this environment",
        ),
        (
            "environments:\n  sneaky: {cluster: shared, namespaces: [kube-system]}\n",
            "3:29: environments.sneaky.namespaces: `kube-system` is not among the platform's namespaces on cluster `shared` (team-a-dev); a repository config cannot add Argo CD destinations on a platform cluster",
        ),
    ];
    for (cfg, msg) in cases {
        svc_config_refused(&dir, &p, &format!("root: true\n{cfg}"), msg);
    }
    // A new environment on a cluster the platform does not know, or without a cluster, and the
    // platform's own environments narrowed, are the repository's.
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "root: true\nenvironments:\n  lab: {cluster: lab, namespace: team-a-lab}\n  qa: {pod-security: restricted}\n  prod: {namespaces: [team-a]}\n  dev: {cluster: shared, namespace: team-a-dev}\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &["check", "--platform-config", &p, "--format", "json", "svc"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
}

#[test]
fn a_platform_clusters_rules_are_a_floor_for_its_environment() {
    // `clusters.stage.rules: {values-unknown-key: error}` was no floor: a repository's
    // `environments.stage.rules: {values-unknown-key: warning}` (above the rule's default) was
    // accepted, and the Applications on cluster stage ran with `warning`; an exemption of it too.
    let (_t, dir) = repo("loosen");
    let p = format!(
        "{}/{R}/platform/cluster-rules.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let cases = [
        (
            "environments:\n  stage:\n    rules: {values-unknown-key: warning}\n",
            "4:13: environments.stage.rules.values-unknown-key: a repository config cannot lower the platform's severity of a rule (`warning` is below `error`)",
        ),
        (
            "environments:\n  stage:\n    rules: {values-unknown-key: off}\n",
            "4:13: environments.stage.rules.values-unknown-key: a repository config cannot turn off a rule under the platform config",
        ),
        // The platform allows version ranges at its top level, not on cluster stage.
        (
            "environments:\n  stage:\n    rules: {chart-source: {allow-version-ranges: true}}\n",
            "4:13: environments.stage.rules.chart-source.allow-version-ranges: `true` would relax the rule the platform config checks (only the platform config may set it)",
        ),
        // Environment dev is on cluster shared (the platform's `environments.dev.cluster`).
        (
            "environments:\n  dev:\n    rules: {ignore-without-reason: warning}\n",
            "4:13: environments.dev.rules.ignore-without-reason: a repository config cannot lower the platform's severity of a rule (`warning` is below `error`)",
        ),
        (
            "exemptions:\n  - {rule: values-unknown-key, reason: x}\n",
            "3:5: exemption for rule `values-unknown-key`: the platform config locks this rule (`lock-exemptions`, by default the rules it sets and its policies' rules); only the platform config may exempt from it",
        ),
    ];
    for (cfg, msg) in cases {
        svc_config_refused(&dir, &p, &format!("root: true\n{cfg}"), msg);
    }
    // As strict or stricter, and what the platform allows elsewhere, is accepted.
    std::fs::write(
        dir.join("svc/chartgate.yaml"),
        "root: true\nrules:\n  chart-source: {allow-version-ranges: true}\nenvironments:\n  stage:\n    rules: {values-unknown-key: error}\n  dev:\n    rules: {ignore-without-reason: error, values-unknown-key: warning}\n",
    )
    .unwrap();
    let r = run_in(
        &dir,
        &["check", "--platform-config", &p, "--format", "json", "svc"],
    );
    assert_eq!((r.code, r.stderr.as_str()), (Some(1), ""));
}

#[test]
fn policy_test_runs_the_repositorys_tests_beside_the_platforms_policies() {
    // With `--platform-config`, `policy test` ran the platform's own `_test.rego` files too
    // (and a failing one failed the repository's run); README says the tested policies are
    // loaded beside the platform's policies, which are not under test.
    let (_t, dir) = repo("loosen");
    write_tree(
        &dir,
        &[
            (
                "policies/team.rego",
                "package team.owner\n\nimport rego.v1\n\ndeny contains \"no owner\" if not input.metadata.annotations.owner\n",
            ),
            (
                "policies/team_test.rego",
                "package team.owner_test\n\nimport rego.v1\n\ntest_owner if {\n\tcount(data.team.owner.deny) == 1 with input as {\"metadata\": {}}\n}\n\ntest_platform_beside if {\n\tcount(data.platform.labels.deny) == 1 with input as {\"metadata\": {\"name\": \"x\"}}\n}\n",
            ),
        ],
    );
    let p = format!("{}/{R}/platform/tested.yaml", env!("CARGO_MANIFEST_DIR"));
    let r = run_in(
        &dir,
        &["policy", "test", "--platform-config", &p, "policies"],
    );
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(0),
            "policies/team_test.rego:5: data.team.owner_test.test_owner: PASS\npolicies/team_test.rego:9: data.team.owner_test.test_platform_beside: PASS\n--------------------------------------------------------------------------------\nPASS: 2/2\n",
            ""
        )
    );
}
