//! Contract schemas (`values-schema:` in chartgate.yaml) resolve `$ref`s to other files of the
//! repository offline, as a chart's `values.schema.json` does its chart's: a URL `$ref` is a
//! finding of its own at its line, and a `$ref` leaving the repository (absolute, `..`, an
//! encoded `..`, a symbolic link pointing out) or naming a FIFO is a finding at its file:line
//! that never reads the target.

mod support;

use std::path::Path;

use support::{finding_lines, write_tree};

const CONTRACT: &str = r##"{
  "type": "object",
  "properties": {
    "image": {"$ref": "common/image.json"},
    "replicas": {"$ref": "common/image.json#/$defs/count"},
    "team": {"$ref": "https://schemas.example.com/team.json"},
    "pod": {"$ref": "../../outside/secret.json"},
    "etc": {"$ref": "/etc/passwd"},
    "linked": {"$ref": "linked.json"},
    "fifo": {"$ref": "fifo.json"},
    "missing": {"$ref": "nope.json"},
    "encoded": {"$ref": "common%2F..%2F..%2F..%2Foutside%2Fsecret.json"}
  }
}
"##;

const IMAGE: &str = r##"{
  "type": "object",
  "required": ["tag"],
  "properties": {
    "tag": {"type": "string", "pattern": "^v[0-9]+$"},
    "registry": {
      "$ref": "https://schemas.example.com/registry.json"
    }
  },
  "$defs": {"count": {"type": "integer", "maximum": 5}}
}
"##;

fn mkfifo(p: &Path) {
    assert!(
        std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap()
            .success()
    );
}

/// A repository (`repo/`, with `.git`) whose chartgate.yaml names `schemas/contract.json`, next
/// to `outside/` (a secret file and a FIFO) that no `$ref` may reach.
fn repo() -> (tempfile::TempDir, std::path::PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let repo = t.path().join("repo");
    write_tree(
        t.path(),
        &[
            (
                "outside/secret.json",
                r#"{"description": "SECRET-CONTENT"}"#,
            ),
            (
                "repo/chartgate.yaml",
                "root: true\nvalues-schema: [schemas/contract.json]\n",
            ),
            ("repo/schemas/contract.json", CONTRACT),
            ("repo/schemas/common/image.json", IMAGE),
            (
                "repo/api/Chart.yaml",
                "apiVersion: v2\nname: api\nversion: 1.0.0\n",
            ),
            ("repo/api/values.yaml", "image:\n  tag: v1\nreplicas: 1\n"),
            (
                "repo/api/values-dev.yaml",
                "image:\n  tag: latest\nreplicas: 9\n",
            ),
            (
                "repo/api/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\ndata:\n  tag: {{ .Values.image.tag | quote }}\n",
            ),
        ],
    );
    std::fs::create_dir(repo.join(".git")).unwrap();
    mkfifo(&t.path().join("outside/fifo"));
    mkfifo(&repo.join("schemas/fifo.json"));
    std::os::unix::fs::symlink("../../outside/fifo", repo.join("schemas/linked.json")).unwrap();
    (t, repo)
}

#[test]
fn contract_refs_resolve_inside_the_repository_and_the_rest_are_findings_at_their_lines() {
    let (_t, repo) = repo();
    let r = support::run_in(&repo, &["check", "--format", "json", "--env", "dev", "api"]);
    assert!(!r.stdout.contains("SECRET-CONTENT"), "{}", r.stdout);
    let got: Vec<String> = finding_lines(&r.stdout)
        .into_iter()
        .filter(|l| l.starts_with("values-schema "))
        .collect();
    assert_eq!(
        got,
        vec![
            "values-schema error dev api/values-dev.yaml:2 `image.tag` breaks `schemas/contract.json`: 'latest' does not match pattern '^v[0-9]+$'",
            "values-schema error dev api/values-dev.yaml:3 `replicas` breaks `schemas/contract.json`: maximum: got 9, want 5",
            "values-schema error dev schemas/common/image.json:7 schema refers to https://schemas.example.com/registry.json, which chartgate does not fetch",
            "values-schema error dev schemas/contract.json:6 schema refers to https://schemas.example.com/team.json, which chartgate does not fetch",
            "values-schema error dev schemas/contract.json:7 schema refers to ../../outside/secret.json, which is outside the repository",
            "values-schema error dev schemas/contract.json:8 schema refers to /etc/passwd, which is outside the repository",
            "values-schema error dev schemas/contract.json:9 schema refers to linked.json, which resolves through a symbolic link to outside the repository (paths in a repository config must stay inside it)",
            "values-schema error dev schemas/contract.json:10 schema refers to fifo.json, which is not a regular file (a device, FIFO or socket is never read)",
            "values-schema error dev schemas/contract.json:11 schema refers to nope.json, which is not a file of the repository",
            "values-schema error dev schemas/contract.json:12 schema refers to common%2F..%2F..%2F..%2Foutside%2Fsecret.json, which is outside the repository",
        ]
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
}

#[test]
fn contract_findings_are_byte_identical_on_every_run() {
    let (_t, repo) = repo();
    for format in ["json", "text"] {
        let args = ["check", "--format", format, "--env", "dev", "api"];
        let first = support::run_in(&repo, &args).stdout;
        assert!(first.matches("values-schema").count() >= 10, "{first}");
        for _ in 0..3 {
            assert_eq!(support::run_in(&repo, &args).stdout, first, "{format}");
        }
    }
}

#[test]
fn changing_a_file_a_contract_refers_to_rechecks_the_services_using_it() {
    let (_t, repo) = repo();
    std::fs::write(repo.join("schemas/other.json"), "{}").unwrap();
    let list = |file: &str| {
        let r = support::run_in(&repo, &["check", "--changed", "--list", file]);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        r.stdout
    };
    // (A changed `.json` file is also a manifest candidate, skipped as it holds no object.)
    let skipped = |f: &str| {
        format!(
            "{f}  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind`\n"
        )
    };
    assert_eq!(
        list("schemas/common/image.json"),
        format!(
            "api  env dev: api/values.yaml, api/values-dev.yaml  [from api/values-dev.yaml:1]\n{}",
            skipped("schemas/common/image.json")
        )
    );
    assert_eq!(list("schemas/other.json"), "");
}
