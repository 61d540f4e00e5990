//! Argo CD resolution on fixtures/platform: a config repo whose Applications point at a team
//! repo mapped with `repos:` in chartgate.yaml.

mod support;

fn config_repo() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/platform/config-repo")
}

fn run() -> (serde_json::Value, String, i32) {
    let r = support::run_in(
        &config_repo(),
        &["check", "--format", "json", "--fail-on", "error", "."],
    );
    (r.json(), r.stderr.clone(), r.code())
}

#[test]
fn applications_resolve_with_argo_cd_inputs() {
    let (json, stderr, code) = run();
    // A malformed Application, which Argo CD refuses, is a `manifest-validity` error at the
    // field to fix (here the `source:` key whose map lacks `repoURL`); the rest is still checked.
    assert_eq!(stderr, "");
    assert_eq!(code, 1);
    let findings = json["findings"].as_array().unwrap();
    let invalid: Vec<String> = (findings.iter())
        .filter(|f| f["rule"] == "manifest-validity")
        .map(|f| {
            format!(
                "{}:{}:{} {}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        invalid,
        [
            "clusters/shared/web-dev.yaml:26:8 invalid Application bad: `spec.source.repoURL` is required: Argo CD refuses it, so it deploys nothing"
        ]
    );
    let unresolved: Vec<String> = findings
        .iter()
        .filter(|f| f["rule"] == "unresolved-source")
        .map(|f| {
            format!(
                "{}:{} {} {}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["severity"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        unresolved,
        [
            "clusters/shared/web-dev.yaml:20 warning Application redis: repository https://charts.example.com has no local mapping; check it out and pass --repo https://charts.example.com=PATH (or `repos:` in chartgate.yaml)"
        ]
    );
    // The chart is rendered once, as the Application says (environment dev from cluster
    // shared + namespace team-dev), with no convention environments.
    let out = support::run_in(&config_repo(), &["check", "--list", "."]);
    // The team repo lies beside the config repo: printed relative to it.
    let r = "../team/web";
    assert_eq!(
        out.stdout,
        format!(
            "{r}  env dev: {r}/values.yaml, {r}/values-dev.yaml  [from clusters/shared/web-dev.yaml:1]\n\
             clusters/shared/web-dev.yaml  manifest\n\
             clusters/shared/web-dev.yaml:20  unresolved: Application redis: repository https://charts.example.com has no local mapping; check it out and pass --repo https://charts.example.com=PATH (or `repos:` in chartgate.yaml)\n"
        )
    );
}

/// An Application whose `path` is a symbolic link leaving the repository reads nothing there
/// (a directory walk follows its root link): an `unresolved-source` at the `path` line.
#[test]
fn an_application_path_linking_out_of_the_repository_reads_nothing() {
    let repo = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    support::write_tree(
        outside.path(),
        &[(
            "secret.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {password: hunter2}\n",
        )],
    );
    support::write_tree(
        repo.path(),
        &[
            (
                ".git/config",
                "[remote \"origin\"]\n\turl = https://github.com/org/self.git\n",
            ),
            (
                "apps/a.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\nspec:\n  project: p\n  destination: {server: https://kubernetes.default.svc, namespace: x}\n  source:\n    repoURL: https://github.com/org/self.git\n    targetRevision: HEAD\n    path: deploy\n",
            ),
        ],
    );
    std::os::unix::fs::symlink(outside.path(), repo.path().join("deploy")).unwrap();
    let r = support::run_in(repo.path(), &["check", ".", "--format", "json"]);
    let json = r.json();
    let found: Vec<(String, String, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] != "required-labels")
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![(
            "unresolved-source".to_string(),
            "apps/a.yaml".to_string(),
            10,
            "Application a: path `deploy` leaves the repository https://github.com/org/self.git through a symbolic link".to_string()
        )],
        "{}",
        r.stderr
    );
}

/// A repository whose Application `a` deploys the directory `deploy` (recursed), with one
/// manifest of its own.
fn directory_source_repo() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    support::write_tree(
        repo.path(),
        &[
            (
                ".git/config",
                "[remote \"origin\"]\n\turl = https://github.com/org/self.git\n",
            ),
            (
                "apps/a.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\nspec:\n  project: p\n  destination: {server: https://kubernetes.default.svc, namespace: x}\n  source:\n    repoURL: https://github.com/org/self.git\n    targetRevision: HEAD\n    path: deploy\n    directory: {recurse: true}\n",
            ),
            (
                "deploy/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n",
            ),
        ],
    );
    repo
}

/// The `unresolved-source` findings of a run: (line, message).
fn unresolved_of(r: &support::Run) -> Vec<(u64, String)> {
    (r.json()["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "unresolved-source")
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Argo CD fails a directory source holding a file it cannot read (`findManifests`; here one
/// over the size limit, as Argo CD's own limit of 10M for a directory's manifests also fails
/// it): it deploys nothing from it. chartgate skipped the file and checked the rest as
/// deployed. (A folder the walk cannot read: see the unit test of `directory_files`.)
#[test]
fn a_directory_source_holding_a_file_argo_cd_cannot_read_is_unresolved() {
    let repo = directory_source_repo();
    std::fs::File::create(repo.path().join("deploy/big.yaml"))
        .unwrap()
        .set_len(17 << 20)
        .unwrap();
    let r = support::run_in(repo.path(), &["check", ".", "--format", "json"]);
    assert_eq!(
        unresolved_of(&r),
        [(
            10,
            "Application a: `big.yaml` of the directory source cannot be read (file is 17825792 bytes, over the limit of 16777216 bytes (limits.file-bytes)): Argo CD fails and deploys nothing from it".to_string()
        )]
    );
}
