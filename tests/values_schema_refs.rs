//! `values.schema.json` `$ref`s: a URL is a finding of its own at the `$ref`'s line (never
//! fetched), a file of the chart is resolved, a path out of the chart is refused, and the
//! findings are the same text in the same order on every run.

mod support;

use support::{finding_lines, write_tree};

const CHART: &str = "apiVersion: v2\nname: api\nversion: 1.0.0\n";
const TEMPLATE: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  tag: {{ .Values.image.tag | quote }}\n";

/// Writes a chart with `schema` (and `extra` files) into a fresh directory and runs
/// `check --format json --env dev` on it; returns the `values-schema` finding lines.
fn check_schema(schema: &str, dev: &str, extra: &[(&str, &str)]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![
        ("api/Chart.yaml", CHART),
        ("api/values.yaml", "image:\n  tag: v1\nreplicas: 1\n"),
        ("api/values-dev.yaml", dev),
        ("api/templates/cm.yaml", TEMPLATE),
        ("api/values.schema.json", schema),
    ];
    files.extend_from_slice(extra);
    write_tree(dir.path(), &files);
    let r = support::run_in(
        dir.path(),
        &["check", "--format", "json", "--env", "dev", "api"],
    );
    finding_lines(&r.stdout)
        .into_iter()
        .filter(|l| l.starts_with("values-schema "))
        .collect()
}

const URL_SCHEMA: &str = r##"{
  "type": "object",
  "properties": {
    "image": {
      "$ref": "https://schemas.example.com/image.json"
    },
    "replicas": {"type": "integer", "minimum": 1},
    "pod": {"$ref": "https://schemas.example.com/pod.json#/definitions/pod"}
  }
}
"##;

#[test]
fn url_ref_is_its_own_finding_at_its_line_and_the_rest_still_validates() {
    let got = check_schema(URL_SCHEMA, "replicas: 0\n", &[]);
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values-dev.yaml:1 `replicas` breaks values.schema.json of chart `api`: minimum: got 0, want 1",
            "values-schema error dev api/values.schema.json:5 schema refers to https://schemas.example.com/image.json, which chartgate does not fetch",
            "values-schema error dev api/values.schema.json:8 schema refers to https://schemas.example.com/pod.json#/definitions/pod, which chartgate does not fetch",
        ]
    );
}

#[test]
fn relative_ref_under_an_http_id_is_a_url() {
    let schema = "{\n  \"$id\": \"https://schemas.example.com/api/values.json\",\n  \"type\": \"object\",\n  \"properties\": {\"image\": {\"$ref\": \"image.json\"}}\n}\n";
    let got = check_schema(schema, "replicas: 2\n", &[]);
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values.schema.json:4 schema refers to https://schemas.example.com/api/image.json, which chartgate does not fetch",
        ]
    );
}

#[test]
fn fragment_ref_under_an_http_id_is_internal() {
    let schema = "{\n  \"$id\": \"https://schemas.example.com/api/values.json\",\n  \"type\": \"object\",\n  \"properties\": {\n    \"replicas\": {\"$ref\": \"#/$defs/count\"},\n    \"image\": {\"$ref\": \"https://schemas.example.com/api/values.json#/$defs/image\"}\n  },\n  \"$defs\": {\"count\": {\"type\": \"integer\", \"maximum\": 3}, \"image\": {\"required\": [\"digest\"]}}\n}\n";
    let got = check_schema(schema, "replicas: 4\n", &[]);
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values-dev.yaml:1 `image` breaks values.schema.json of chart `api`: missing property 'digest'",
            "values-schema error dev api/values-dev.yaml:1 `replicas` breaks values.schema.json of chart `api`: maximum: got 4, want 3",
        ]
    );
}

#[test]
fn ref_to_a_file_of_the_chart_is_resolved() {
    let schema = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"image\": {\"$ref\": \"schemas/image.json\"},\n    \"replicas\": {\"$ref\": \"schemas/image.json#/$defs/count\"}\n  }\n}\n";
    let image = r#"{"type": "object", "required": ["tag"], "properties": {"tag": {"type": "string", "pattern": "^v[0-9]+$"}}, "$defs": {"count": {"type": "integer", "maximum": 5}}}"#;
    let got = check_schema(
        schema,
        "image:\n  tag: latest\nreplicas: 9\n",
        &[("api/schemas/image.json", image)],
    );
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values-dev.yaml:2 `image.tag` breaks values.schema.json of chart `api`: 'latest' does not match pattern '^v[0-9]+$'",
            "values-schema error dev api/values-dev.yaml:3 `replicas` breaks values.schema.json of chart `api`: maximum: got 9, want 5",
        ]
    );
}

#[test]
fn ref_leaving_the_chart_is_refused_at_its_line() {
    let dir_schema = "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"image\": {\"$ref\": \"../secret.json\"},\n    \"replicas\": {\"$ref\": \"file:///etc/passwd\"}\n  }\n}\n";
    let got = check_schema(
        dir_schema,
        "replicas: 2\n",
        &[("secret.json", r#"{"type": "string"}"#)],
    );
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values.schema.json:4 schema refers to ../secret.json, which is outside the chart",
            "values-schema error dev api/values.schema.json:5 schema refers to file:///etc/passwd, which is outside the chart",
        ]
    );
}

#[test]
fn ref_to_a_missing_chart_file_is_one_clear_finding() {
    let schema =
        "{\"type\": \"object\", \"properties\": {\"image\": {\"$ref\": \"schemas/nope.json\"}}}\n";
    let got = check_schema(schema, "replicas: 2\n", &[]);
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values.schema.json:1 schema refers to schemas/nope.json, which is not a file of the chart",
        ]
    );
}

/// values.schema.json → definitions.json → schemas/tag.json: each file's URL, escaping and
/// missing `$ref`s are findings at their own line in their own file; what the files say
/// otherwise still validates the values.
const DEFINITIONS: &str = r##"{
  "$defs": {
    "image": {
      "type": "object", "additionalProperties": false,
      "properties": {
        "tag": {"$ref": "schemas/tag.json"},
        "digest": {
          "$ref": "https://schemas.example.com/digest.json"
        }
      }
    },
    "count": {"type": "integer", "maximum": 3},
    "pod": {"$ref": "schemas/../../secret.json"},
    "sidecar": {"$ref": "schemas/none.json"}
  }
}
"##;
const TAG: &str = r##"{
  "type": "string",
  "pattern": "^v[0-9]+$",
  "not": {"$ref": "http://schemas.example.com/banned-tags.json#/latest"}
}
"##;

fn ref_chain_schema() -> String {
    "{\n  \"type\": \"object\",\n  \"properties\": {\n    \"image\": {\"$ref\": \"definitions.json#/$defs/image\"},\n    \"replicas\": {\"$ref\": \"definitions.json#/$defs/count\"},\n    \"pod\": {\"$ref\": \"definitions.json#/$defs/pod\"},\n    \"sidecar\": {\"$ref\": \"definitions.json#/$defs/sidecar\"}\n  }\n}\n".to_string()
}

#[test]
fn url_ref_inside_a_referred_file_is_its_own_finding_at_its_line_in_that_file() {
    let got = check_schema(
        &ref_chain_schema(),
        "image:\n  tag: latest\nreplicas: 9\n",
        &[
            ("api/definitions.json", DEFINITIONS),
            ("api/schemas/tag.json", TAG),
            ("secret.json", r#"{"type": "string"}"#),
        ],
    );
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/definitions.json:8 schema refers to https://schemas.example.com/digest.json, which chartgate does not fetch",
            "values-schema error dev api/definitions.json:13 schema refers to schemas/../../secret.json, which is outside the chart",
            "values-schema error dev api/definitions.json:14 schema refers to schemas/none.json, which is not a file of the chart",
            "values-schema error dev api/schemas/tag.json:4 schema refers to http://schemas.example.com/banned-tags.json#/latest, which chartgate does not fetch",
            "values-schema error dev api/values-dev.yaml:2 `image.tag` breaks values.schema.json of chart `api`: 'latest' does not match pattern '^v[0-9]+$'",
            "values-schema error dev api/values-dev.yaml:3 `replicas` breaks values.schema.json of chart `api`: maximum: got 9, want 3",
        ]
    );
}

/// The whole report (text or JSON) of one `check` of `files` in a fresh directory.
fn report(files: &[(&str, &str)], format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), files);
    support::run_in(
        dir.path(),
        &["check", "--format", format, "--env", "dev", "api"],
    )
    .stdout
}

#[test]
fn schema_findings_across_referred_files_are_byte_identical_on_every_run() {
    let schema = ref_chain_schema();
    let files = [
        ("api/Chart.yaml", CHART),
        ("api/values.yaml", "image:\n  tag: v1\nreplicas: 1\n"),
        (
            "api/values-dev.yaml",
            "image:\n  tag: latest\n  extra: 1\nreplicas: 9\npod: 3\n",
        ),
        ("api/templates/cm.yaml", TEMPLATE),
        ("api/values.schema.json", schema.as_str()),
        ("api/definitions.json", DEFINITIONS),
        ("api/schemas/tag.json", TAG),
    ];
    for format in ["json", "text"] {
        let first = report(&files, format);
        assert!(
            first.matches("values-schema").count() >= 7,
            "{format}: {first}"
        );
        for _ in 0..3 {
            assert_eq!(report(&files, format), first, "{format}");
        }
    }
    let lines: Vec<String> = finding_lines(&report(&files, "json"))
        .into_iter()
        .filter(|l| l.starts_with("values-schema "))
        .collect();
    assert_eq!(
        lines,
        vec![
            "values-schema error dev api/definitions.json:8 schema refers to https://schemas.example.com/digest.json, which chartgate does not fetch",
            "values-schema error dev api/definitions.json:13 schema refers to schemas/../../secret.json, which is outside the chart",
            "values-schema error dev api/definitions.json:14 schema refers to schemas/none.json, which is not a file of the chart",
            "values-schema error dev api/schemas/tag.json:4 schema refers to http://schemas.example.com/banned-tags.json#/latest, which chartgate does not fetch",
            "values-schema error dev api/values-dev.yaml:1 `image` breaks values.schema.json of chart `api`: additional properties 'extra' not allowed",
            "values-schema error dev api/values-dev.yaml:2 `image.tag` breaks values.schema.json of chart `api`: 'latest' does not match pattern '^v[0-9]+$'",
            "values-schema error dev api/values-dev.yaml:4 `replicas` breaks values.schema.json of chart `api`: maximum: got 9, want 3",
        ]
    );
}

#[test]
fn a_part_taken_out_never_rejects_through_one_of_or_not_elsewhere() {
    // `port` is oneOf [named (a URL), integer]: with `named` accepting anything, 80 would match
    // both and be rejected; `tag` is `not` banned (a URL, in another file): `not` of anything
    // would reject every tag. Both keywords go; `replicas` is still checked.
    let schema = r##"{
  "type": "object",
  "properties": {
    "port": {"oneOf": [{"$ref": "#/$defs/named"}, {"type": "integer", "maximum": 65535}]},
    "image": {"properties": {"tag": {"not": {"$ref": "defs.json#/$defs/banned"}}}},
    "replicas": {"type": "integer", "maximum": 3}
  },
  "$defs": {"named": {"$ref": "https://schemas.example.com/named-port.json"}}
}
"##;
    let defs = "{\n  \"$defs\": {\n    \"banned\": {\"$ref\": \"https://schemas.example.com/banned.json\"}\n  }\n}\n";
    let got = check_schema(
        schema,
        "port: 80\nreplicas: 9\n",
        &[("api/defs.json", defs)],
    );
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/defs.json:3 schema refers to https://schemas.example.com/banned.json, which chartgate does not fetch",
            "values-schema error dev api/values-dev.yaml:2 `replicas` breaks values.schema.json of chart `api`: maximum: got 9, want 3",
            "values-schema error dev api/values.schema.json:8 schema refers to https://schemas.example.com/named-port.json, which chartgate does not fetch",
        ]
    );
}

#[test]
fn schema_that_does_not_compile_is_reported_at_the_schema() {
    let got = check_schema("{\"type\": 12}\n", "replicas: 2\n", &[]);
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values.schema.json:1 values.schema.json of chart `api` does not compile: 12 is not valid under any of the schemas listed in the 'anyOf' keyword",
        ]
    );
}

#[test]
fn schema_findings_are_the_same_on_every_run() {
    let schema = r#"{"type": "object", "additionalProperties": false, "properties": {"image": {"type": "object", "additionalProperties": false}, "replicas": {"type": "integer"}}, "required": ["zone", "app"]}"#;
    let dev = "image:\n  tag: v1\n  b: 1\n  a: 2\nextra: 1\nreplicas: x\n";
    let first = check_schema(schema, dev, &[]);
    assert_eq!(
        first,
        vec![
            "values-schema error dev api/values-dev.yaml:1 `image` breaks values.schema.json of chart `api`: additional properties 'a', 'b', 'tag' not allowed",
            "values-schema error dev api/values-dev.yaml:1 values breaks values.schema.json of chart `api`: additional properties 'extra' not allowed",
            "values-schema error dev api/values-dev.yaml:1 values breaks values.schema.json of chart `api`: missing properties 'zone', 'app'",
            "values-schema error dev api/values-dev.yaml:6 `replicas` breaks values.schema.json of chart `api`: got string, want integer",
        ]
    );
    for _ in 0..4 {
        assert_eq!(check_schema(schema, dev, &[]), first);
    }
}
