//! Config mistakes are named: unknown rule ids (with a did-you-mean) and `--output` format names.

mod support;

use std::fs;

const MANIFEST: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: {app.kubernetes.io/name: a, team: t, environment: dev}\n";

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let r = support::run_in(dir, args);
    (r.code(), r.stderr)
}

fn repo(config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("chartgate.yaml"), config).unwrap();
    fs::write(d.path().join("m.yaml"), MANIFEST).unwrap();
    d
}

#[test]
fn unknown_rule_ids_are_config_errors_with_a_hint() {
    let d = repo("rules:\n  singelton-replicas: off\n");
    assert_eq!(
        run(d.path(), &["check", "."]),
        (
            2,
            "chartgate: config error: chartgate.yaml:2:3: unknown rule `singelton-replicas`; did you mean `singleton-replicas`?\n"
                .to_string()
        )
    );
    // Per environment, and in an exemption.
    let d = repo("environments:\n  dev:\n    rules:\n      timezon: warning\n");
    assert_eq!(
        run(d.path(), &["check", "."]).1,
        "chartgate: config error: chartgate.yaml:4:7: unknown rule `timezon`; did you mean `timezone`?\n"
    );
    let d = repo(
        "exemptions:\n  - rule: image-tagpinned\n    resource: Deployment/x\n    reason: legacy\n",
    );
    assert_eq!(
        run(d.path(), &["check", "."]).1,
        "chartgate: config error: chartgate.yaml:2:11: unknown rule `image-tagpinned`; did you mean `image-tag-pinned`?\n"
    );
    // Nothing close: where to look.
    let d = repo("rules:\n  zzzzzzzzzzzz: off\n");
    assert_eq!(
        run(d.path(), &["check", "."]).1,
        "chartgate: config error: chartgate.yaml:2:3: unknown rule `zzzzzzzzzzzz`; `chartgate rules` lists every rule\n"
    );
    // Control characters in the id are escaped.
    let d = repo("exemptions:\n  - rule: \"a\\e[2Jb\"\n    resource: x\n    reason: r\n");
    assert_eq!(
        run(d.path(), &["check", "."]).1,
        "chartgate: config error: chartgate.yaml:2:11: unknown rule `a\\x1b[2Jb`; `chartgate rules` lists every rule\n"
    );
    // The same in audit.
    let d = repo("rules:\n  singelton-replicas: off\n");
    assert_eq!(run(d.path(), &["audit", "."]).0, 2);
}

#[test]
fn known_ids_built_in_engine_and_policy_rules_pass() {
    let d = repo(
        "rules:\n  singleton-replicas: off\n  rego-error: error\n  required-labels: warning\n",
    );
    assert_eq!(run(d.path(), &["check", "."]), (0, String::new()));
}

#[test]
fn audit_output_format_names_are_validated() {
    let d = repo("{}\n");
    let (code, err) = run(d.path(), &["audit", ".", "--output", "sarif=x.sarif"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "chartgate: invalid --output 'sarif=x.sarif': expected FILE or FORMAT=FILE, FORMAT one of text, markdown, json, html\n"
    );
    assert!(!d.path().join("x.sarif").exists());
    // A missing directory is created, as for `check --output` (one writer for every report file).
    let (code, err) = run(d.path(), &["audit", ".", "--output", "json=out/a.json"]);
    assert_eq!(code, 0, "{err}");
    assert!(d.path().join("out/a.json").is_file());
    let (code, err) = run(d.path(), &["audit", ".", "--output", "json=a.json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(d.path().join("a.json")).unwrap()).unwrap();
    assert!(v["score"].is_object());
}
