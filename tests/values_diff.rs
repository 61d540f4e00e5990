//! `chartgate values`, `chartgate diff` and `check --base` on `fixtures/values-diff` (a chart
//! with a vendored subchart and `values-dev.yaml` / `values-prod.yaml`), copied into a temporary
//! directory so no parent `chartgate.yaml` takes part.

mod support;

use support::copy_dir;

use std::path::Path;
use std::process::Command;

use support::run_in;

fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/values-diff"),
        d.path(),
    );
    d
}

#[test]
fn values_text_lists_each_leaf_with_its_line() {
    let d = fixture();
    let r = run_in(d.path(), &["values", "web", "--env", "prod"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "# web environment prod (release web, namespace team-a)
cache.global: {}  # -
cache.policy: \"lru\"  # web/charts/cache/values.yaml:2
cache.size: \"64Mi\"  # web/values.yaml:9
env.LOG_LEVEL: \"info\"  # web/values.yaml:7
extraConfig: true  # web/values-prod.yaml:4
image.repository: \"registry.example/web\"  # web/values.yaml:3
image.tag: \"1.2\"  # web/values-prod.yaml:3
podAnnotations: {}  # web/values.yaml:5
replicaCount: 3  # web/values-prod.yaml:1
"
    );
    // The same render named by its directory, in dev.
    let r = run_in(d.path(), &["values", "./web/", "--env", "dev"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("env.LOG_LEVEL: \"debug\"  # web/values-dev.yaml:2\n"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("replicaCount: 1  # web/values.yaml:1\n"));
    // From inside the chart: the service is `.`, paths relative to it.
    let r = run_in(
        &d.path().join("web"),
        &["values", ".", "--env", "prod", "--format", "json"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((&j["service"], &j["chart"]), (&".".into(), &".".into()));
    assert_eq!(j["sources"]["replicaCount"], "values-prod.yaml:1");
}

#[test]
fn values_json_is_one_object() {
    let d = fixture();
    let r = run_in(
        d.path(),
        &["values", "web", "--env", "prod", "--format", "json"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        r#"{
  "service": "web",
  "chart": "web",
  "environment": "prod",
  "release": "web",
  "namespace": "team-a",
  "values": {
    "cache": {
      "global": {},
      "policy": "lru",
      "size": "64Mi"
    },
    "env": {
      "LOG_LEVEL": "info"
    },
    "extraConfig": true,
    "image": {
      "repository": "registry.example/web",
      "tag": "1.2"
    },
    "podAnnotations": {},
    "replicaCount": 3
  },
  "sources": {
    "cache.global": null,
    "cache.policy": "web/charts/cache/values.yaml:2",
    "cache.size": "web/values.yaml:9",
    "env.LOG_LEVEL": "web/values.yaml:7",
    "extraConfig": "web/values-prod.yaml:4",
    "image.repository": "web/values.yaml:3",
    "image.tag": "web/values-prod.yaml:3",
    "podAnnotations": "web/values.yaml:5",
    "replicaCount": "web/values-prod.yaml:1"
  }
}
"#
    );
}

#[test]
fn values_of_an_unknown_service_or_environment_lists_the_choices() {
    let d = fixture();
    let r = run_in(d.path(), &["values", "api", "--env", "prod"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "chartgate: unknown service `api`; services: web\n"
    );
    let r = run_in(d.path(), &["values", "web", "--env", "qa"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: service `web` has no environment `qa`; environments: dev, prod\n"
    );
    let r = run_in(d.path(), &["values", "web"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: service `web` has several environments; pass --env (one of: dev, prod)\n"
    );
}

const DIFF_TEXT: &str = "diff dev -> prod
web
  + ConfigMap web-extra (only in prod)
  ~ Deployment web
      ~ spec.replicas: 1 -> 3
          dev: web/values.yaml:1
          prod: web/values-prod.yaml:1
      ~ spec.template.spec.containers[0].image: \"registry.example/web:1.0\" -> \"registry.example/web:1.2\"
          dev: web/values.yaml:4
          prod: web/values-prod.yaml:3
      ~ spec.template.spec.containers[0].env[0].value: \"debug\" -> \"info\"
          dev: web/values-dev.yaml:2
          prod: web/values.yaml:7
";

#[test]
fn diff_text_between_two_environments() {
    let d = fixture();
    let r = run_in(d.path(), &["diff", "--env", "dev", "--env", "prod"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stdout, DIFF_TEXT);
    // The other way round: the ConfigMap is removed and old and new swap.
    let r = run_in(d.path(), &["diff", "--env", "prod,dev"]);
    assert!(
        r.stdout
            .starts_with("diff prod -> dev\nweb\n  - ConfigMap web-extra (only in prod)\n")
    );
    assert!(r.stdout.contains("      ~ spec.replicas: 3 -> 1\n          prod: web/values-prod.yaml:1\n          dev: web/values.yaml:1\n"));
}

#[test]
fn diff_markdown_for_a_pr_comment() {
    let d = fixture();
    let r = run_in(
        d.path(),
        &[
            "diff", ".", "--env", "dev", "--env", "prod", "--format", "markdown",
        ],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "## chartgate diff: `dev` → `prod`

### `web`

| Object | Field | `dev` | `prod` | Set by |
|---|---|---|---|---|
| ConfigMap web-extra | *object added* | | | |
| Deployment web | `spec.replicas` | `1` | `3` | dev: `web/values.yaml:1`<br>prod: `web/values-prod.yaml:1` |
| Deployment web | `spec.template.spec.containers[0].image` | `\"registry.example/web:1.0\"` | `\"registry.example/web:1.2\"` | dev: `web/values.yaml:4`<br>prod: `web/values-prod.yaml:3` |
| Deployment web | `spec.template.spec.containers[0].env[0].value` | `\"debug\"` | `\"info\"` | dev: `web/values-dev.yaml:2`<br>prod: `web/values.yaml:7` |

"
    );
}

#[test]
fn diff_json_and_errors() {
    let d = fixture();
    let r = run_in(d.path(), &["diff", "--env", "dev,prod", "--format", "json"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let j: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(j["from"], "dev");
    assert_eq!(j["to"], "prod");
    let objects = &j["charts"][0]["objects"];
    assert_eq!(objects[0]["kind"], "ConfigMap");
    assert_eq!(objects[0]["change"], "added");
    assert_eq!(
        objects[1]["fields"][0],
        serde_json::json!({
            "path": "spec.replicas", "change": "changed", "old": 1, "new": 3,
            "old_source": "web/values.yaml:1", "new_source": "web/values-prod.yaml:1"
        })
    );
    let r = run_in(d.path(), &["diff", "--env", "dev", "--env", "qa"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: no chart has environment `qa`; environments: dev, prod\n"
    );
    let r = run_in(d.path(), &["diff", "--env", "dev"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: diff needs two different environments: --env A --env B\n"
    );
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.email=ci@example.com", "-c", "user.name=ci"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_base_adds_the_objects_a_pr_changes_to_the_markdown_summary() {
    let d = fixture();
    let root = d.path();
    git(root, &["init", "-q"]);
    let manifest = |level: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: team-a\ndata:\n  level: \"{level}\"\n"
        )
    };
    std::fs::create_dir_all(root.join("manifests")).unwrap();
    std::fs::write(root.join("manifests/shared.yaml"), manifest("1")).unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "base"]);
    // The PR: prod gets 5 replicas, dev a new label value and a new ConfigMap template.
    std::fs::write(
        root.join("web/values-prod.yaml"),
        "replicaCount: 5\nimage:\n  tag: \"1.2\"\nextraConfig: true\n",
    )
    .unwrap();
    std::fs::write(
        root.join("web/templates/extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-added\ndata:\n  level: {{ .Values.env.LOG_LEVEL | quote }}\n",
    )
    .unwrap();
    // A plain manifest changes too.
    std::fs::write(root.join("manifests/shared.yaml"), manifest("2")).unwrap();
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "pr"]);
    let r = run_in(
        root,
        &["check", ".", "--format", "markdown", "--base", "HEAD~1"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let (_, section) = r.stdout.split_once("## Changes versus").unwrap();
    assert_eq!(
        section,
        " `HEAD~1`

### Environment `dev`

#### `web`

| Object | Field | `base` | `PR` | Set by |
|---|---|---|---|---|
| ConfigMap web-added | *object added* | | | |

### Environment `prod`

#### `web`

| Object | Field | `base` | `PR` | Set by |
|---|---|---|---|---|
| ConfigMap web-added | *object added* | | | |
| Deployment web | `spec.replicas` | `3` | `5` | base: `web/values-prod.yaml:1`<br>PR: `web/values-prod.yaml:1` |

### Plain manifests

#### `manifests/shared.yaml`

| Object | Field | `base` | `PR` | Set by |
|---|---|---|---|---|
| ConfigMap team-a/shared | `data.level` | `\"1\"` | `\"2\"` |  |

"
    );
    // The temporary worktree is gone.
    let list = Command::new("git")
        .current_dir(root)
        .args(["worktree", "list", "--porcelain"])
        .output()
        .unwrap();
    let list = String::from_utf8_lossy(&list.stdout);
    assert_eq!(list.matches("worktree ").count(), 1, "{list}");
    // Other formats are unchanged by --base; the revision is still checked.
    // A base whose config is broken: a line of the section, the check goes on.
    std::fs::write(root.join("chartgate.yaml"), "environments: [\n").unwrap();
    git(root, &["commit", "-q", "-am", "broken config"]);
    std::fs::write(
        root.join("chartgate.yaml"),
        "environments:\n  dev:\n    namespace: team-a\n  prod:\n    namespace: team-a\n",
    )
    .unwrap();
    let r = run_in(
        root,
        &["check", ".", "--format", "markdown", "--base", "HEAD"],
    );
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let (_, section) = r.stdout.split_once("## Changes versus").unwrap();
    assert!(
        section.starts_with(
            " `HEAD`\n\nThe base revision could not be read: config error: chartgate.yaml:"
        ),
        "{section}"
    );
    let r = run_in(root, &["check", ".", "--base=--output=x"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: --base: unknown revision `--output=x`\n"
    );
    let r = run_in(root, &["check", ".", "--base", "no-such-ref"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        "chartgate: --base: unknown revision `no-such-ref`\n"
    );
    let r = run_in(
        root,
        &[
            "check",
            ".",
            "--format",
            "markdown",
            "--base",
            "no-such-ref",
        ],
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "chartgate: --base: unknown revision `no-such-ref`\n"
    );
}

#[test]
fn check_base_without_git_is_an_error() {
    let d = fixture();
    let out = support::chartgate()
        .current_dir(d.path())
        .env("PATH", "")
        .args(["check", ".", "--format", "markdown", "--base", "main"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "chartgate: --base needs git on PATH: No such file or directory (os error 2)\n"
    );
}

#[test]
fn check_base_outside_a_git_repository_is_an_error() {
    let d = fixture();
    let r = run_in(
        d.path(),
        &["check", ".", "--format", "markdown", "--base", "main"],
    );
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stderr,
        format!(
            "chartgate: --base: {} is not in a git repository: fatal: not a git repository (or any of the parent directories): .git\n",
            d.path().display()
        )
    );
}

fn gitops_config_repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gitops/config-repo")
}

/// Renders Argo CD resolves (fixtures/gitops): `valuesObject` and `parameters` of the
/// Application are applied after the values files and attributed to their lines in the
/// Application (here a template of an app-of-apps chart).
#[test]
fn values_of_an_argo_cd_render_name_the_application_for_parameters() {
    let r = run_in(
        &gitops_config_repo(),
        &["values", "../team-a/services/gateway", "--env", "prod"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "# ../team-a/services/gateway environment prod (release gateway-prod, namespace team-a-prod)
host: \"gateway-prod.prod.idp.jppol.dk\"  # ../team-a/argocd/templates/gateway.yaml:21
image.repository: \"354918371398.dkr.ecr.eu-west-1.amazonaws.com/team-a/gateway\"  # ../team-a/services/gateway/values.yaml:3
image.tag: \"2.4.1\"  # ../team-a/argocd/templates/gateway.yaml:23
replicas: 1  # ../team-a/argocd/templates/gateway.yaml:20
"
    );
}

/// Releases named per environment (`worker-dev`, `worker-prod`): objects are matched by their
/// name with the release left out, and the values lines come from the environments' files.
#[test]
fn diff_matches_objects_of_releases_named_per_environment() {
    let r = run_in(
        &gitops_config_repo(),
        &["diff", "--env", "dev", "--env", "prod"],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "../team-a/charts/worker
  ~ Deployment worker-dev -> worker-prod
      ~ metadata.name: \"worker-dev\" -> \"worker-prod\"
      ~ metadata.labels[\"app.kubernetes.io/instance\"]: \"worker-dev\" -> \"worker-prod\"
      ~ spec.replicas: 1 -> 3
          dev: ../team-a/env-values/worker/dev.yaml:1
          prod: ../team-a/env-values/worker/prod.yaml:1
"
        ),
        "{}",
        r.stdout
    );
}

const APPLICATION: &str = "apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: web-prod
  namespace: argocd
spec:
  project: team-a
  source:
    repoURL: https://git.example/team-a.git
    targetRevision: main
    path: web
    helm:
      valueFiles: [values-prod.yaml]
      values: |
        env:
          LOG_LEVEL: warn
      valuesObject:
        cache:
          size: 128Mi
      parameters:
        - name: image.tag
          value: \"2.0\"
  destination: {name: prod, namespace: team-a}
";

/// An Application in the repository: its `parameters` and `valuesObject` (which replaces
/// `values`, as in Argo CD) are applied last, each key at its own line of the Application.
#[test]
fn values_set_by_an_application_point_at_its_lines() {
    let d = fixture();
    let root = d.path();
    std::fs::write(
        root.join("chartgate.yaml"),
        "repos:\n  https://git.example/team-a.git: .\n",
    )
    .unwrap();
    support::write_tree(root, &[("apps/web-prod.yaml", APPLICATION)]);
    let r = run_in(root, &["values", "web", "--env", "prod"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "# web environment prod (release web-prod, namespace team-a)
cache.global: {}  # -
cache.policy: \"lru\"  # web/charts/cache/values.yaml:2
cache.size: \"128Mi\"  # apps/web-prod.yaml:19
env.LOG_LEVEL: \"info\"  # web/values.yaml:7
extraConfig: true  # web/values-prod.yaml:4
image.repository: \"registry.example/web\"  # web/values.yaml:3
image.tag: \"2.0\"  # apps/web-prod.yaml:21
podAnnotations: {}  # web/values.yaml:5
replicaCount: 3  # web/values-prod.yaml:1
"
    );
    // Without valuesObject, `values` applies: its keys point into the block.
    let app = APPLICATION.replace(
        "      valuesObject:\n        cache:\n          size: 128Mi\n",
        "",
    );
    support::write_tree(root, &[("apps/web-prod.yaml", &app)]);
    let r = run_in(root, &["values", "web", "--env", "prod"]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("env.LOG_LEVEL: \"warn\"  # apps/web-prod.yaml:16\n")
            && r.stdout
                .contains("image.tag: \"2.0\"  # apps/web-prod.yaml:18\n")
            && r.stdout
                .contains("cache.size: \"64Mi\"  # web/values.yaml:9\n"),
        "{}",
        r.stdout
    );
}
