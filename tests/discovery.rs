//! Discovery that never guesses silently (issue 13, section 2): `values:` globs relative to the
//! config that declares them, configured and conventional environment names, non-Kubernetes
//! files skipped with the reason, `manifests:`/`exclude:`, library charts, symbolic links bounded
//! by the repository, an empty run exits 2, and the `--list` / `--list --format json` outputs.

mod support;

use std::path::Path;

use support::{Run, run_in, write_tree};

const CHART: &str = "apiVersion: v2\nname: NAME\nversion: 0.1.0\n";
const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  tag: {{ .Values.tag | quote }}\n";

/// A temp repository (it holds `.git`: the root of confinement).
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join(".git")).unwrap();
    write_tree(d.path(), files);
    d
}

fn chart(name: &str, at: &str) -> Vec<(String, String)> {
    vec![
        (format!("{at}/Chart.yaml"), CHART.replace("NAME", name)),
        (format!("{at}/values.yaml"), "tag: v1\n".into()),
        (format!("{at}/templates/cm.yaml"), CM.into()),
    ]
}

fn with(mut base: Vec<(String, String)>, more: &[(&str, &str)]) -> Vec<(String, String)> {
    base.extend(more.iter().map(|(a, b)| (a.to_string(), b.to_string())));
    base
}

fn repo_of(files: &[(String, String)]) -> tempfile::TempDir {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    repo(&refs)
}

fn list(dir: &Path) -> Run {
    run_in(dir, &["check", "--list", "."])
}

#[test]
fn values_globs_are_relative_to_the_declaring_config() {
    // The issue's example: a root config naming `services/{chart}/values-{env}.yaml`.
    let files = with(
        chart("web", "services/web"),
        &[
            (
                "chartgate.yaml",
                "environments:\n  dev: {values: [\"services/{chart}/values-{env}.yaml\"]}\n  prod: {values: [\"{service}/values-{env}.yaml\", \"overrides/{chart}-{env}.yaml\"]}\n",
            ),
            ("services/web/values-dev.yaml", "tag: v2\n"),
            ("services/web/values-prod.yaml", "tag: v3\n"),
            ("overrides/web-prod.yaml", "tag: v4\n"),
        ],
    );
    let d = repo_of(&files);
    let r = list(d.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "services/web  env dev: services/web/values.yaml, services/web/values-dev.yaml  [from chartgate.yaml:2]\n\
         services/web  env prod: services/web/values.yaml, services/web/values-prod.yaml, overrides/web-prod.yaml  [from chartgate.yaml:3]\n"
    );
}

#[test]
fn one_values_glob_matching_no_file_is_a_config_error_at_its_line() {
    // The other glob of `prod` matches: the misspelt override would be dropped silently.
    let files = with(
        chart("web", "services/web"),
        &[
            (
                "chartgate.yaml",
                "environments:\n  prod:\n    values:\n      - \"{service}/values-prod.yaml\"\n      - \"{service}/values-prdo-overrides.yaml\"\n",
            ),
            ("services/web/values-prod.yaml", "tag: v3\n"),
            ("services/web/values-prod-overrides.yaml", "tag: v4\n"),
        ],
    );
    let d = repo_of(&files);
    let r = run_in(d.path(), &["check", "."]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "chartgate: chartgate.yaml:5:9: config error: environment `prod`: its values glob `{service}/values-prdo-overrides.yaml` matches no file for any chart while the others do (misspelt? paths are relative to this file)\n"
    );
}

#[test]
fn an_environment_matching_no_file_is_a_config_error_at_its_line() {
    let files = with(
        chart("web", "services/web"),
        &[
            (
                "chartgate.yaml",
                "environments:\n  dev: {values: [\"{service}/values-dev.yaml\"]}\n  prod: {values: [\"values-{env}.yaml\"]}\n",
            ),
            ("services/web/values-dev.yaml", "tag: v2\n"),
            ("services/web/values-prod.yaml", "tag: v3\n"),
        ],
    );
    let d = repo_of(&files);
    let r = run_in(d.path(), &["check", "."]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "chartgate: chartgate.yaml:3:3: config error: environment `prod`: its values `values-{env}.yaml` match no file for any chart (paths are relative to this file)\n"
    );
}

#[test]
fn nothing_to_check_exits_2() {
    // Only non-Kubernetes files: nothing to check, never a pass.
    let d = repo(&[
        ("kustomization.yaml", "resources: [a.yaml]\n"),
        ("README.md", "# hi\n"),
    ]);
    let r = run_in(d.path(), &["check", "."]);
    assert_eq!((r.code, r.stdout.as_str()), (Some(2), ""));
    assert_eq!(r.stderr, "chartgate: nothing to check under .\n");
    // An empty directory given by name.
    std::fs::create_dir_all(d.path().join("empty")).unwrap();
    let r = run_in(d.path(), &["check", "empty"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stderr, "chartgate: nothing to check under empty\n");
    // `audit` too.
    let r = run_in(d.path(), &["audit", "empty"]);
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stderr, "chartgate: nothing to check under empty\n");
    // `--list` says what it found (nothing) and exits 2 as well.
    let r = run_in(d.path(), &["check", "--list", "."]);
    assert_eq!(r.code, Some(2));
    assert_eq!(
        r.stdout,
        "kustomization.yaml  skipped: kustomize configuration (`Kustomization`): kustomize reads it, the API server never sees it\n"
    );
}

#[test]
fn only_environment_names_are_convention_environments() {
    let files = with(
        chart("web", "web"),
        &[
            ("web/values-prod.yaml", "tag: v2\n"),
            ("web/values-ha.yaml", "tag: v3\n"),
            ("web/values.schema.yaml", "type: object\n"),
        ],
    );
    let d = repo_of(&files);
    let r = list(d.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "web  env prod: web/values.yaml, web/values-prod.yaml  [from web/values-prod.yaml:1]\n\
         web/values-ha.yaml  skipped: `ha` is not an environment name (environment-names: dev, test, staging, qa, preprod, prod, production)\n\
         web/values.schema.yaml  skipped: `schema` is not an environment name (environment-names: dev, test, staging, qa, preprod, prod, production)\n"
    );
    // `environment-names:` replaces the list.
    write_tree(d.path(), &[("chartgate.yaml", "environment-names: [ha]\n")]);
    let r = list(d.path());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "web  env ha: web/values.yaml, web/values-ha.yaml  [from web/values-ha.yaml:1]\n\
         web/values-prod.yaml  skipped: `prod` is not an environment name (environment-names: ha)\n\
         web/values.schema.yaml  skipped: `schema` is not an environment name (environment-names: ha)\n"
    );
    // No environment applies: the chart is checked with its plain values.yaml.
    let d = repo_of(&with(
        chart("api", "api"),
        &[("api/values-ha.yaml", "tag: v3\n")],
    ));
    let r = list(d.path());
    assert_eq!(
        r.stdout,
        "api  env none: api/values.yaml  [from api/Chart.yaml:1]\n\
         api/values-ha.yaml  skipped: `ha` is not an environment name (environment-names: dev, test, staging, qa, preprod, prod, production)\n"
    );
}

#[test]
fn a_repository_of_non_kubernetes_files_gives_no_finding() {
    let files = with(
        chart("web", "web"),
        &[
            ("kustomization.yaml", "resources: [a.yaml]\n"),
            (
                "overlays/kustomization.yaml",
                "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml]\n",
            ),
            (
                "helmfile.yaml",
                "releases:\n  - name: x\n    chart: ./web\n",
            ),
            ("renovate.json", "{\"extends\": [\"config:base\"]}\n"),
            ("ci/pipeline.yml", "on: push\njobs: {}\n"),
            ("docs/list.yaml", "- apiVersion: v1\n  kind: Pod\n"),
            ("empty.yaml", "# nothing\n"),
            ("baseline.json", "{\"version\": 2, \"entries\": []}\n"),
        ],
    );
    let d = repo_of(&files);
    let r = run_in(
        d.path(),
        &[
            "check",
            "--format",
            "json",
            "--baseline",
            "baseline.json",
            ".",
        ],
    );
    assert_eq!(r.stderr, "");
    // Findings only about the chart (its bundled-policy labels): none about the other files.
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> = (v["findings"].as_array().unwrap().iter())
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        ["web/templates/cm.yaml"],
        "{}",
        r.stdout
    );
    let r = run_in(
        d.path(),
        &["check", "--list", "--baseline", "baseline.json", "."],
    );
    let no_object =
        "skipped: no Kubernetes object: no document has a string `apiVersion` and `kind`";
    let kustomize = "skipped: kustomize configuration (`Kustomization`): kustomize reads it, the API server never sees it";
    assert_eq!(
        r.stdout,
        format!(
            "web  env none: web/values.yaml  [from web/Chart.yaml:1]\n\
             baseline.json  skipped: baseline file of this run\n\
             ci/pipeline.yml  {no_object}\n\
             docs/list.yaml  {no_object}\n\
             empty.yaml  skipped: no Kubernetes object: the file holds no document\n\
             helmfile.yaml  {no_object}\n\
             kustomization.yaml  {kustomize}\n\
             overlays/kustomization.yaml  {kustomize}\n\
             renovate.json  {no_object}\n"
        )
    );
}

#[test]
fn manifests_globs_require_objects_and_exclude_skips() {
    let d = repo(&[
        (
            "chartgate.yaml",
            "manifests: [\"deploy/*.yaml\"]\nexclude: [\"deploy/generated-*.yaml\", vendor]\nrules: {required-labels: off, schema-validity: off}\n",
        ),
        (
            "deploy/a.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: a}\n",
        ),
        // The same name in another namespace is another object: no duplicate.
        (
            "deploy/b.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: b}\n",
        ),
        ("deploy/c.yaml", "just: text\n"),
        ("deploy/generated-d.yaml", "just: text\n"),
        (
            "vendor/e.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n",
        ),
    ]);
    let r = run_in(d.path(), &["check", "--format", "json", "."]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<String> = (v["findings"].as_array().unwrap().iter())
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "manifest-validity deploy/c.yaml:1 `apiVersion` is missing or not a string",
            "manifest-validity deploy/c.yaml:1 `kind` is missing or not a string",
            "manifest-validity deploy/c.yaml:1 `metadata.name` is missing or not a string",
        ]
    );
    let r = list(d.path());
    assert_eq!(
        r.stdout,
        "deploy/a.yaml  manifest\n\
         deploy/b.yaml  manifest\n\
         deploy/c.yaml  manifest\n\
         deploy/generated-d.yaml  skipped: excluded by `exclude: deploy/generated-*.yaml`\n\
         vendor  skipped: excluded by `exclude: vendor`\n"
    );
}

#[cfg(unix)]
#[test]
fn symbolic_links_stay_inside_the_repository() {
    let lib = "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n";
    let cm =
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"common.name\" . }}\n";
    let d = repo_of(&with(
        chart("web", "charts/web"),
        &[
            ("lib/common/Chart.yaml", lib),
            (
                "lib/common/templates/_n.tpl",
                "{{- define \"common.name\" -}}shared-{{ .Chart.Name }}{{- end }}\n",
            ),
            ("charts/web/templates/cm2.yaml", cm),
        ],
    ));
    let r = d.path();
    std::fs::create_dir_all(r.join("charts/web/charts")).unwrap();
    // A library chart shared by a link inside the repository: followed as Helm follows it.
    std::os::unix::fs::symlink("../../../lib/common", r.join("charts/web/charts/common")).unwrap();
    let out = run_in(r, &["render", "charts/web"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.stdout.contains("  name: shared-web\n"),
        "{}",
        out.stdout
    );
    let out = list(r);
    assert_eq!(
        out.stdout,
        "charts/web  env none: charts/web/values.yaml  [from charts/web/Chart.yaml:1]\n\
         lib/common  skipped: library chart (`type: library`): checked through the charts that depend on it\n"
    );
    let out = run_in(r, &["check", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        !(v["findings"].as_array().unwrap().iter()).any(|f| f["rule"] == "render-error"),
        "{}",
        out.stdout
    );
    // A link leaving the repository is refused, with the reason, for that chart only.
    let outside = tempfile::tempdir().unwrap();
    write_tree(
        outside.path(),
        &[
            ("evil/Chart.yaml", &CHART.replace("NAME", "evil")),
            (
                "evil/templates/s.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n",
            ),
        ],
    );
    std::os::unix::fs::symlink(
        outside.path().join("evil"),
        r.join("charts/web/charts/evil"),
    )
    .unwrap();
    let out = run_in(r, &["check", "--format", "json", "."]);
    assert_eq!(out.code, Some(2));
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "render-error");
    assert_eq!(f["file"], "charts/web/Chart.yaml");
    let canonical_out = std::fs::canonicalize(outside.path().join("evil")).unwrap();
    let canonical_root = std::fs::canonicalize(r).unwrap();
    assert_eq!(
        f["message"].as_str().unwrap(),
        format!(
            "charts/web/charts/evil: symbolic link to {} leaves the repository ({})",
            canonical_out.display(),
            canonical_root.display()
        )
    );
}

#[test]
fn list_json_is_the_render_matrix() {
    let files = with(
        chart("web", "services/web"),
        &[
            (
                "chartgate.yaml",
                "environments:\n  dev: {cluster: shared, namespace: team-dev, values: [\"{service}/values-dev.yaml\"]}\n",
            ),
            ("services/web/values-dev.yaml", "tag: v2\n"),
            ("services/web/values-qa.yaml", "tag: v2\n"),
            (
                "manifests/ns.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: team-dev}\n",
            ),
        ],
    );
    let d = repo_of(&files);
    let r = run_in(d.path(), &["check", "--list", "--format", "json", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({
            "renders": [{
                "chart": "services/web",
                "release": "web",
                "namespace": "team-dev",
                "cluster": "shared",
                "environment": "dev",
                "values": ["services/web/values.yaml", "services/web/values-dev.yaml"],
                "source": "chartgate.yaml:2"
            }],
            "manifests": ["manifests/ns.yaml"],
            "skipped": [{
                "path": "services/web/values-qa.yaml",
                "reason": "not a values file of any environment of chartgate.yaml"
            }],
            "unresolved": []
        })
    );
}

/// The README's config reference loads: every key it shows exists and validates.
#[test]
fn readme_config_example_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = &readme[readme.find("## Configuration: `chartgate.yaml`").unwrap()..];
    let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
    let text = &section[start..start + section[start..].find("```").unwrap()];
    let c = chartgate::config::load_str(text, Path::new("/repo/chartgate.yaml"))
        .unwrap_or_else(|e| panic!("{}:{}: {}", e.line, e.column, e.message));
    assert_eq!(c.environments.len(), 3);
    assert_eq!(c.environment_names, ["dev", "test", "prod"]);
    assert_eq!(c.clusters.len(), 2);
    assert_eq!(c.repos.len(), 1);
}

#[test]
fn a_folder_the_walk_cannot_enter_is_reported_and_the_rest_is_checked() {
    // A path past PATH_MAX (24 folders of 200 characters): the walk cannot enter its end. It
    // stopped the whole run with an empty location; now it is reported (exit 2) and every other
    // file is checked.
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    std::fs::create_dir_all(d.join(".git")).unwrap();
    std::fs::write(
        d.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata: {a: b}\n",
    )
    .unwrap();
    let name = "d".repeat(200);
    // No system call takes a path that long: a chain made where paths are short is moved under
    // a folder whose own path still fits.
    let deep = (0..18).fold(d.to_path_buf(), |p, _| p.join(&name));
    std::fs::create_dir_all(&deep).unwrap();
    let chain = (0..5).fold(d.join("chain"), |p, _| p.join(&name));
    std::fs::create_dir_all(&chain).unwrap();
    std::fs::write(chain.join("x.yaml"), "kind: ConfigMap\n").unwrap();
    std::fs::rename(d.join("chain"), deep.join("chain")).unwrap();
    let r = support::run_in(d, &["check", "--format", "json", "--color", "never", "."]);
    assert_eq!(r.code(), 2);
    let files: Vec<String> = support::findings_of(&r.json())
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    assert!(
        !files.is_empty() && files.iter().all(|f| f == "cm.yaml"),
        "{files:?}"
    );
    let err = r.stderr.trim_end();
    assert!(
        err.starts_with(&format!(
            "chartgate: {name}…: cannot be read: File name too long"
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
