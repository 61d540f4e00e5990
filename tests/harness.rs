//! The shared test harness itself (tests/support): runs see a clean environment, and the
//! finding-line formatter prints exactly the fields it is asked for.

mod support;

/// A repository whose exemption makes chartgate read `CHARTGATE_TODAY`.
fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    support::write_tree(
        d.path(),
        &[
            (
                "chartgate.yaml",
                "root: true\nrules: {required-labels: off}\nexemptions:\n  - {rule: image-registry, resource: \"Pod/a\", reason: \"PLAT-1\", expires: 2030-01-01}\n",
            ),
            (
                "app.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
            ),
        ],
    );
    d
}

#[test]
fn runs_get_a_clean_environment_and_only_what_the_test_sets() {
    // The test process's environment does not reach chartgate (an invalid CHARTGATE_TODAY
    // would be an input error); the only test of this file that touches the environment.
    // SAFETY: no other thread of this test binary reads or writes the environment.
    unsafe { std::env::set_var("CHARTGATE_TODAY", "someday") };
    let d = repo();
    let clean = support::run_in(d.path(), &["check", "--format", "json", "app.yaml"]);
    assert_eq!((clean.code, clean.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        clean.finding_lines(),
        [
            "unused-exemption warning - chartgate.yaml:4 exemption of `image-registry` for `Pod/a` suppresses no finding; remove it"
        ]
    );
    let set = support::cli(["check", "app.yaml"])
        .dir(d.path())
        .env("CHARTGATE_TODAY", "someday")
        .run();
    assert_eq!(
        (set.code, set.stderr.as_str()),
        (
            Some(2),
            "chartgate: CHARTGATE_TODAY must be a date YYYY-MM-DD, got `someday`\n"
        )
    );
}

#[test]
fn finding_lines_print_the_fields_asked_for() {
    let report = r#"{"findings": [
        {"rule": "r", "severity": "error", "message": "m", "file": "f.yaml", "line": 3,
         "column": 7, "environment": null, "chart": "c",
         "resource": {"apiVersion": "v1", "kind": "Pod", "name": "p", "namespace": "ns"},
         "related": [{"label": "template", "file": "t.yaml", "line": 1, "column": 2}]},
        {"rule": "s", "severity": "info", "message": "n", "file": "g.yaml", "line": 1,
         "column": 1, "environment": "dev", "chart": null, "resource": null, "related": []}
    ]}"#;
    assert_eq!(
        support::finding_lines(report),
        ["r error - f.yaml:3 m", "s info dev g.yaml:1 n"]
    );
    assert_eq!(
        support::finding_lines_as(
            report,
            "{rule} {file}:{line}:{column} {resource} {namespace} {chart} [{env}]{related}"
        ),
        [
            "r f.yaml:3:7 Pod/p ns c [-] template=t.yaml:1:2",
            "s g.yaml:1:1 - - - [dev]"
        ]
    );
}

#[test]
#[should_panic(expected = "unknown field {col} in \"{rule} {col}\"")]
fn an_unknown_field_is_a_test_error() {
    support::finding_lines_as(r#"{"findings": [{"rule": "r"}]}"#, "{rule} {col}");
}

#[test]
#[should_panic(expected = "json report (expected value at line 1 column 1): oops")]
fn a_report_that_is_not_json_is_a_test_error() {
    support::finding_lines("oops");
}
