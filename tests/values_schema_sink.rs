//! `values-schema` findings (built at values-file lines, outside the resource model) pass
//! through the engine's one sink like every other finding: a config exemption accepts them (an
//! exemption without `resource`; a resource glob names resources and values have none), the
//! configured severity applies, a suppression comment on the values line and a baseline entry
//! accept them. Exact text outputs.

mod support;

use std::path::Path;

use support::{run_in, write_tree};

const SCHEMA: &str = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"replicas\": {\"type\": \"integer\", \"minimum\": 1}\n  }\n}\n";

/// A chart `api` whose schema wants `replicas` ≥ 1; dev sets 0, prod -1 (a finding in each).
fn chart(config: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[
            ("chartgate.yaml", config),
            (
                "api/Chart.yaml",
                "apiVersion: v2\nname: api\nversion: 1.0.0\n",
            ),
            ("api/values.yaml", "replicas: 1\n"),
            ("api/values-dev.yaml", "replicas: 0\n"),
            ("api/values-prod.yaml", "replicas: -1\n"),
            (
                "api/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  replicas: {{ .Values.replicas | quote }}\n",
            ),
            ("api/values.schema.json", SCHEMA),
        ],
    );
    d
}

fn check(dir: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut args = vec!["check", "api", "--color", "never"];
    args.extend_from_slice(extra);
    let r = run_in(dir, &args);
    assert_eq!(r.stderr, "", "{args:?}");
    (r.code, r.stdout)
}

const NO_LABELS: &str = "rules:\n  required-labels: off\n";

const DEV: &str = "values-schema

  × `replicas` breaks values.schema.json of chart `api`: minimum: got 0, want 1
   ╭─[api/values-dev.yaml:1:11]
 1 │ replicas: 0
   ·           ┬
   ·           ╰── values-schema
   ╰────
  help: api/values-dev.yaml:1:11 (environment dev — not prod)
";

const PROD: &str = "values-schema

  × `replicas` breaks values.schema.json of chart `api`: minimum: got -1, want 1
   ╭─[api/values-prod.yaml:1:11]
 1 │ replicas: -1
   ·           ─┬
   ·            ╰── values-schema
   ╰────
  help: api/values-prod.yaml:1:11 (environment prod — not dev)
";

#[test]
fn without_exemption_both_environments_fail() {
    let d = chart(NO_LABELS);
    let (code, out) = check(d.path(), &[]);
    assert_eq!(
        out,
        format!("{DEV}\n{PROD}\n2 findings: 2 errors, 0 warnings, 0 infos\n")
    );
    assert_eq!(code, Some(1));
}

#[test]
fn config_exemption_accepts_a_values_schema_finding() {
    let d = chart(&format!(
        "{NO_LABELS}exemptions:
  - rule: values-schema
    environment: dev
    reason: \"dev runs scaled to zero, PLAT-9\"
  - rule: values-schema
    resource: \"ConfigMap/api\"
    reason: \"a glob names resources; values have none\"
"
    ));
    let (code, out) = check(d.path(), &[]);
    // dev is accepted (and its exemption used); prod is not; the resource glob matched nothing.
    assert_eq!(
        out,
        format!(
            "{PROD}
unused-exemption

  ⚠ exemption of `values-schema` for `ConfigMap/api` suppresses no finding; remove it
  help: chartgate.yaml:7:5

2 findings: 1 error, 1 warning, 0 infos
"
        )
    );
    assert_eq!(code, Some(1));
}

#[test]
fn values_comment_suppresses_a_values_schema_finding() {
    let d = chart(NO_LABELS);
    std::fs::write(
        d.path().join("api/values-dev.yaml"),
        "replicas: 0  # chartgate: ignore values-schema reason=\"dev scales to zero\"\n",
    )
    .unwrap();
    let (code, out) = check(d.path(), &[]);
    assert_eq!(
        out,
        format!("{PROD}\n1 finding: 1 error, 0 warnings, 0 infos\n")
    );
    assert_eq!(code, Some(1));
}

#[test]
fn configured_severity_applies_to_values_schema_findings() {
    let d = chart(&format!("{NO_LABELS}  values-schema: warning\n"));
    let (code, out) = check(d.path(), &["--env", "prod"]);
    assert_eq!(
        out,
        "values-schema

  ⚠ `replicas` breaks values.schema.json of chart `api`: minimum: got -1, want 1
   ╭─[api/values-prod.yaml:1:11]
 1 │ replicas: -1
   ·           ─┬
   ·            ╰── values-schema
   ╰────
  help: api/values-prod.yaml:1:11 (environment prod)

1 finding: 0 errors, 1 warning, 0 infos
"
    );
    assert_eq!(code, Some(0));
}

#[test]
fn baseline_entry_accepts_a_values_schema_finding() {
    let d = chart(NO_LABELS);
    let (code, out) = check(d.path(), &["--baseline-out", "base.json"]);
    assert_eq!(
        out,
        format!("{DEV}\n{PROD}\n2 findings: 2 errors, 0 warnings, 0 infos\n")
    );
    assert_eq!(code, Some(1));
    let base: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("base.json")).unwrap())
            .unwrap();
    let entries: Vec<String> = base["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {}", e["rule"], e["environment"], e["file"]))
        .collect();
    assert_eq!(
        entries,
        [
            r#""values-schema" "dev" "api/values-dev.yaml:1:11""#,
            r#""values-schema" "prod" "api/values-prod.yaml:1:11""#,
        ]
    );

    // Both accepted.
    let (code, out) = check(d.path(), &["--baseline", "base.json"]);
    assert_eq!(
        out,
        "No findings: 0 errors, 0 warnings, 0 infos\nBaseline: no entry fixed\n"
    );
    assert_eq!(code, Some(0));

    // A different violation in prod is new; the entry it replaces is reported fixed.
    std::fs::write(d.path().join("api/values-prod.yaml"), "replicas: \"two\"\n").unwrap();
    let (code, out) = check(d.path(), &["--baseline", "base.json"]);
    assert_eq!(
        out,
        "values-schema

  × `replicas` breaks values.schema.json of chart `api`: got string, want integer
   ╭─[api/values-prod.yaml:1:11]
 1 │ replicas: \"two\"
   ·           ──┬──
   ·             ╰── values-schema
   ╰────
  help: api/values-prod.yaml:1:11 (environment prod — not dev)

1 finding: 1 error, 0 warnings, 0 infos
Baseline: 1 fixed since it was recorded:
  fixed: values-schema - (prod) at api/values-prod.yaml:1:11: `replicas` breaks values.schema.json of chart `api`: minimum: got -1, want 1
"
    );
    assert_eq!(code, Some(1));
}
