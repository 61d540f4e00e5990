//! `# chartgate: ignore <rule> reason="..." [expires=...]` comments in an environment's values
//! file (`fixtures/values-unknown-key/web/values-dev.yaml`): trailing or on the line above, with
//! the reason and expiry rules of `exemptions:`; unknown rule ids and bad dates are reported.
//! The fixture is copied into a temporary directory so no parent `chartgate.yaml` takes part.

mod support;

use support::copy_dir;

use std::path::Path;

fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/values-unknown-key"),
        d.path(),
    );
    d
}

/// `check web --env ENV --format json` on `today`: exit code and one line per finding,
/// `rule severity file:line:col message`.
fn check(dir: &Path, env: &str, today: &str) -> (Option<i32>, Vec<String>) {
    let r = support::cli(["check", "web", "--env", env, "--format", "json"])
        .dir(dir)
        .env("CHARTGATE_TODAY", today)
        .run();
    let rows = r.finding_lines_as("{rule} {severity} {file}:{line}:{column} {message}");
    (r.code, rows)
}

const UNKNOWN: &str =
    "is not a value of chart `web` (not in its defaults, values.schema.json or templates)";

#[test]
fn values_comments_suppress_their_line_with_reason_and_expiry() {
    let d = fixture();
    let (code, rows) = check(d.path(), "dev", "2026-06-01");
    // Only warnings remain: the check passes.
    assert_eq!(code, Some(0), "{rows:#?}");
    assert_eq!(
        rows,
        [
            // Line 2 (`replicaCont`, comment on the line above) and line 4 (image-registry,
            // trailing, expires today: still active) are suppressed, and line 16 (a key of a
            // list item). Line 5's comment names another rule: it suppresses nothing, and is
            // reported as an unused exemption is.
            format!("values-unknown-key warning web/values-dev.yaml:5:3 `image.pullPolcy` {UNKNOWN}; did you mean `image.pullPolicy`?"),
            "unused-exemption warning web/values-dev.yaml:5:22 suppression of `image-registry` for web/values-dev.yaml:5 suppresses no finding; remove it".to_string(),
            // No reason: suppresses nothing.
            format!("values-unknown-key warning web/values-dev.yaml:6:1 `resourcs` {UNKNOWN}; did you mean `resources`?"),
            "ignore-without-reason warning web/values-dev.yaml:6:15 suppression for rule `values-unknown-key` needs a reason (reason=\"...\"); it suppresses nothing".to_string(),
            // Expired: suppresses nothing, reported like an expired exemption.
            format!("values-unknown-key warning web/values-dev.yaml:8:3 `config.levle` {UNKNOWN}; did you mean `config.level`?"),
            "expired-exemption warning web/values-dev.yaml:8:16 suppression of `values-unknown-key` for web/values-dev.yaml:8 expired on 2026-01-01; it no longer suppresses findings (reason: old key)".to_string(),
            // A misspelt rule id.
            format!("values-unknown-key warning web/values-dev.yaml:9:3 `config.lvl` {UNKNOWN}"),
            "ignore-without-reason warning web/values-dev.yaml:9:11 unknown rule `values-unknwn-key`; did you mean `values-unknown-key`?".to_string(),
            // An `expires` that is no date.
            format!("values-unknown-key warning web/values-dev.yaml:10:3 `config.leve` {UNKNOWN}; did you mean `config.level`?"),
            "ignore-without-reason warning web/values-dev.yaml:10:12 suppression `expires` must be a date YYYY-MM-DD, got `soon`".to_string(),
            // A comment above a blank line covers the blank line, not the key after it: unused.
            "unused-exemption warning web/values-dev.yaml:11:3 suppression of `values-unknown-key` for web/values-dev.yaml:12 suppresses no finding; remove it".to_string(),
            format!("values-unknown-key warning web/values-dev.yaml:13:3 `config.lev` {UNKNOWN}"),
        ]
    );
}

#[test]
fn suppression_ends_the_day_after_expires() {
    let d = fixture();
    let (_, rows) = check(d.path(), "dev", "2026-06-02");
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains(":4:"))
            .collect::<Vec<_>>(),
        [
            "image-registry error web/values-dev.yaml:4:15 container `web`: image `docker.io/library/nginx:1.0` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)",
            "expired-exemption warning web/values-dev.yaml:4:40 suppression of `image-registry` for web/values-dev.yaml:4 expired on 2026-06-01; it no longer suppresses findings (reason: upstream image in dev only)",
        ]
    );
}

#[test]
fn without_the_comments_the_lines_are_reported() {
    let d = fixture();
    let p = d.path().join("web/values-dev.yaml");
    let text = std::fs::read_to_string(&p).unwrap();
    let stripped: String = text
        .lines()
        .map(|l| l.split("  # chartgate").next().unwrap())
        .map(|l| {
            if l.trim_start().starts_with("# chartgate") {
                ""
            } else {
                l
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&p, stripped).unwrap();
    let (_, rows) = check(d.path(), "dev", "2026-06-01");
    let at = |n: &str| {
        rows.iter()
            .filter(|r| r.contains(&format!("values-dev.yaml:{n}:")))
            .count()
    };
    assert_eq!(
        rows.iter().filter(|r| r.contains("values-dev.yaml:2:") || r.contains("values-dev.yaml:4:")).collect::<Vec<_>>(),
        [
            format!("values-unknown-key warning web/values-dev.yaml:2:1 `replicaCont` {UNKNOWN}; did you mean `replicaCount`?").as_str(),
            "image-registry error web/values-dev.yaml:4:15 container `web`: image `docker.io/library/nginx:1.0` is not from an allowed registry (354918371398.dkr.ecr.*.amazonaws.com/*)",
        ]
    );
    assert_eq!(
        (at("6"), at("8"), at("9"), at("10")),
        (1, 1, 1, 1),
        "{rows:#?}"
    );
    assert!(
        !rows
            .iter()
            .any(|r| r.starts_with("ignore-without-reason") || r.starts_with("expired-exemption")),
        "{rows:#?}"
    );
}

#[test]
fn a_suppressed_rule_turned_off_reports_nothing_about_the_comment() {
    // Findings about the comments follow the levels of their rules.
    let d = fixture();
    let cfg = d.path().join("chartgate.yaml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("rules:\n  ignore-without-reason: off\n  expired-exemption: error\n");
    std::fs::write(&cfg, text).unwrap();
    let (_, rows) = check(d.path(), "dev", "2026-06-01");
    assert!(
        !rows.iter().any(|r| r.starts_with("ignore-without-reason")),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("expired-exemption error web/values-dev.yaml:8:16 ")),
        "{rows:#?}"
    );
}

/// `check web [ARGS]` on 2026-06-01: one line per finding,
/// `rule severity file:line:col [environment] message`.
fn check_args(dir: &Path, args: &[&str]) -> Vec<String> {
    support::cli(["check", "web", "--format", "json"])
        .args(args)
        .dir(dir)
        .env("CHARTGATE_TODAY", "2026-06-01")
        .run()
        .finding_lines_as("{rule} {severity} {file}:{line}:{column} [{env}] {message}")
}

/// dev and prod both read `web/values-common.yaml`, then their own file.
fn shared_file_fixture() -> tempfile::TempDir {
    let d = fixture();
    support::write_tree(
        d.path(),
        &[
            (
                "chartgate.yaml",
                "environments:\n  dev:\n    namespace: team-a\n    values: [\"web/values-common.yaml\", \"web/values-{env}.yaml\"]\n  prod:\n    namespace: team-a\n    values: [\"web/values-common.yaml\", \"web/values-{env}.yaml\"]\n",
            ),
            (
                "web/values-common.yaml",
                "image:\n  repository: docker.io/library/nginx  # chartgate: ignore image-registry reason=\"dev pulls upstream, PLAT-9\"\n  tag: \"1.0\"  # chartgate: ignore values-unknown-key reason=\"stale\"\n",
            ),
            ("web/values-dev.yaml", "replicaCount: 1\n"),
            (
                "web/values-prod.yaml",
                "image:\n  repository: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/web  # chartgate: ignore image-registry reason=\"was upstream\"\n",
            ),
        ],
    );
    d
}

#[test]
fn a_comment_that_suppresses_nothing_in_any_render_is_an_unused_exemption_once() {
    let d = shared_file_fixture();
    // Both environments: the image-registry comment of the shared file suppresses dev's
    // finding (prod overrides the repository), so it is used; the comment on `tag` suppresses
    // nothing in either environment and is reported once, with no environment; prod's own
    // comment suppresses nothing in prod, the only environment that reads its file.
    assert_eq!(
        check_args(d.path(), &[]),
        [
            "unused-exemption warning web/values-common.yaml:3:15 [-] suppression of `values-unknown-key` for web/values-common.yaml:3 suppresses no finding; remove it",
            "unused-exemption warning web/values-prod.yaml:2:65 [prod] suppression of `image-registry` for web/values-prod.yaml:2 suppresses no finding; remove it",
        ]
    );
}

#[test]
fn a_comment_in_a_file_an_unchecked_environment_reads_is_not_judged() {
    let d = shared_file_fixture();
    // `--env prod`: dev, which also reads values-common.yaml, was not rendered, so its
    // comments are not judged (the image-registry one is used there); prod's own file is.
    assert_eq!(
        check_args(d.path(), &["--env", "prod"]),
        [
            "unused-exemption warning web/values-prod.yaml:2:65 [prod] suppression of `image-registry` for web/values-prod.yaml:2 suppresses no finding; remove it",
        ]
    );
    assert_eq!(
        check_args(d.path(), &["--env", "dev"]),
        Vec::<String>::new()
    );
    // Turned off like any rule.
    let cfg = d.path().join("chartgate.yaml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("rules:\n  unused-exemption: off\n");
    std::fs::write(&cfg, text).unwrap();
    assert_eq!(check_args(d.path(), &[]), Vec::<String>::new());
}
