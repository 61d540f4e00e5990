//! Shapes found while trying chartgate on public GitOps repositories (README "Tried on public
//! repositories"): each fixture under fixtures/realworld/ is a reduced, self-written copy of
//! one shape, and each test asserts chartgate's exact output on it.

mod support;

use std::path::{Path, PathBuf};

use support::{cli, finding_lines_as};

/// Runs chartgate in `dir` with the fixtures' repository URL mapped to `dir` itself.
fn mapped(dir: &Path, args: &[&str]) -> support::Run {
    cli(args
        .iter()
        .chain(&["--repo", "https://git.example.com/org/apps.git=."]))
    .dir(dir)
    .run()
}

/// The origin every fixture's Applications name, as a clone's `.git/config` holds it.
const ORIGIN_CONFIG: &str = "[remote \"origin\"]\n\turl = https://git.example.com/org/apps.git\n";

/// A clone of fixture `name` in a temporary directory: its origin maps the Applications'
/// repoURL to it (`--repo` would also read every Application of the mapped checkout).
fn clone_of(name: &str) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    support::copy_dir(&fixture(name), t.path());
    support::write_tree(t.path(), &[(".git/config", ORIGIN_CONFIG)]);
    t
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/realworld")
        .join(name)
}

#[test]
fn kustomize_patches_are_not_manifests() {
    // A kustomize overlay's patches (`patchesStrategicMerge`, `patches[].path`,
    // `patchesJson6902[].path`) are partial objects merged into the base: checking them as
    // manifests gave false schema-validity errors (no selector, no template) and more. A
    // generator's input files (in a folder below the kustomization) become data: a JSON file of
    // several objects failed the whole run as invalid YAML.
    let dir = fixture("kustomize-patches");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "base/deployment.yaml  manifest\n\
         overlays/prod/extra.yaml  manifest\n\
         base/config/users.json  skipped: kustomize generator input (`configMapGenerator` of base/kustomization.yaml): its content becomes the generated object's data, never applied on its own\n\
         base/kustomization.yaml  skipped: kustomize configuration (`Kustomization`): kustomize reads it, the API server never sees it\n\
         base/secrets/token.yaml  skipped: kustomize generator input (`secretGenerator` of base/kustomization.yaml): its content becomes the generated object's data, never applied on its own\n\
         base/unused.yaml  skipped: not included by base/kustomization.yaml (its `resources` do not name it): kustomize never reads it\n\
         overlays/prod/kustomization.yaml  skipped: kustomize configuration (`Kustomization`): kustomize reads it, the API server never sees it\n\
         overlays/prod/patches/env.yaml  skipped: kustomize patch (`patches` of overlays/prod/kustomization.yaml): merged into the objects it patches, never applied on its own\n\
         overlays/prod/patches/image.json  skipped: kustomize patch (`patchesJson6902` of overlays/prod/kustomization.yaml): merged into the objects it patches, never applied on its own\n\
         overlays/prod/replicas.yaml  skipped: kustomize patch (`patchesStrategicMerge` of overlays/prod/kustomization.yaml): merged into the objects it patches, never applied on its own\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let mut files = finding_lines_as(&r.stdout, "{file}");
    files.dedup();
    assert_eq!(files, ["base/deployment.yaml", "overlays/prod/extra.yaml"]);
}

#[test]
fn values_files_of_another_source_are_not_skipped_manifests() {
    // `$values/...` files outside the chart folder were listed as "skipped: no Kubernetes
    // object" although the render uses them.
    let dir = fixture("multi-source-values");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "my-chart  env none: my-chart/values.yaml, my-values/common-values.yaml, my-values/envs/prod-values.yaml  [from apps/prod.yaml:1]\n\
         apps/prod.yaml  manifest\n\
         my-values/unused-values.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind`\n"
    );
    let r = cli(["check", "--list", "--format", "json", "."])
        .dir(&dir)
        .run();
    let v = r.json();
    assert_eq!(
        v["skipped"],
        serde_json::json!([{"path": "my-values/unused-values.yaml",
            "reason": "no Kubernetes object: no document has a string `apiVersion` and `kind`"}])
    );
}

#[test]
fn an_app_of_apps_root_nothing_deploys_is_rendered_and_its_children_resolved() {
    // argocd-example-apps: `apps/` (created with `argocd app create`) deploys `guestbook` with
    // its values.yaml only. Unmapped: the child is unresolved and guestbook falls back to the
    // conventions (values-production.yaml); mapped: guestbook is checked exactly as deployed.
    let dir = fixture("app-of-apps-chart");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apps  env none: apps/values.yaml  [from apps/Chart.yaml:1]\n\
         guestbook  env production: guestbook/values.yaml, guestbook/values-production.yaml  [from guestbook/values-production.yaml:1]\n\
         apps/templates/applications.yaml:14  unresolved: Application guestbook: repository https://git.example.com/org/apps.git has no local mapping; check it out and pass --repo https://git.example.com/org/apps.git=PATH (or `repos:` in chartgate.yaml)\n"
    );
    let r = mapped(&dir, &["check", "--list", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apps  env none: apps/values.yaml  [from apps/Chart.yaml:1]\n\
         guestbook  env none: guestbook/values.yaml  [from apps/templates/applications.yaml:2]\n"
    );
}

#[test]
fn an_app_of_apps_chart_writing_an_application_set_has_it_expanded() {
    // eks-blueprints-workloads: the root chart's template writes an ApplicationSet (`kind:
    // "ApplicationSet"`, quoted, with a comment), not Applications. It was not recognised as
    // an app-of-apps root, so the set was never expanded and guestbook was guessed.
    let dir = fixture("app-of-appsets-chart");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "guestbook  env dev: guestbook/values.yaml, guestbook/values-dev.yaml  [from guestbook/values-dev.yaml:1]\n\
         root  env none: root/values.yaml  [from root/Chart.yaml:1]\n\
         root/templates/appset.yaml:18  unresolved: Application dev-guestbook: repository https://git.example.com/org/apps.git has no local mapping; check it out and pass --repo https://git.example.com/org/apps.git=PATH (or `repos:` in chartgate.yaml)\n"
    );
    let r = mapped(&dir, &["check", "--list", "--format", "json", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    assert_eq!(
        v["renders"][0],
        serde_json::json!({
            "chart": "guestbook",
            "release": "dev-guestbook",
            "namespace": "guestbook",
            "cluster": "in-cluster",
            "environment": null,
            "values": ["guestbook/values.yaml", "guestbook/values-dev.yaml"],
            "source": "root/templates/appset.yaml:1"
        })
    );
    assert_eq!(v["renders"][1]["chart"], "root");
    assert_eq!(v["renders"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["unresolved"], serde_json::json!([]));
}

#[test]
fn plugin_and_jsonnet_sources_are_unresolved_and_their_chart_not_guessed() {
    // argocd-example-apps: a chart deployed through a config management plugin was also
    // rendered on its own (release `kustomized-helm`, namespace `default`, which Argo CD never
    // creates), and a directory source of Jsonnet files was silently nothing.
    let dir = fixture("plugin-and-jsonnet");
    let r = mapped(&dir, &["check", "--list", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apps/jsonnet.yaml  manifest\n\
         apps/plugin.yaml  manifest\n\
         apps/jsonnet.yaml:10  unresolved: Application jsonnet-guestbook: path `jsonnet-guestbook` holds Jsonnet (jsonnet-guestbook/guestbook.jsonnet), which Argo CD evaluates and chartgate does not\n\
         apps/plugin.yaml:8  unresolved: Application kustomized-helm: config management plugin sources are not rendered by chartgate (path `kustomized-helm` of https://git.example.com/org/apps.git); the objects it deploys are not checked\n"
    );
}

#[test]
fn generated_applications_and_merge_children_are_unresolved_apart() {
    // gitops-examples, gitops-bridge: each generated Application and each `merge` child is its
    // own finding, at the template's `repoURL` (was line 1) or the child's generator, with its
    // own fingerprint (a baseline recorded one entry for all of them and hid new ones).
    let dir = fixture("appset-generated-unresolved");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let unresolved: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("unresolved"))
        .collect();
    assert_eq!(
        unresolved,
        [
            "appsets.yaml:18  unresolved: Application cluster1-bgd: repository https://charts.example.com has no local mapping; check it out and pass --repo https://charts.example.com=PATH (or `repos:` in chartgate.yaml)",
            "appsets.yaml:18  unresolved: Application cluster2-bgd: repository https://charts.example.com has no local mapping; check it out and pass --repo https://charts.example.com=PATH (or `repos:` in chartgate.yaml)",
            "appsets.yaml:35  unresolved: ApplicationSet addons: spec.generators[0].merge.generators[0].clusters: the cluster list lives in the cluster: no cluster Secret is among the checked files and the `clusters:` inventory is empty",
            "appsets.yaml:38  unresolved: ApplicationSet addons: spec.generators[0].merge.generators[1].clusters: the cluster list lives in the cluster: no cluster Secret is among the checked files and the `clusters:` inventory is empty",
        ]
    );
    let out = tempfile::tempdir().unwrap();
    let base = out.path().join("base.json");
    let r = cli(["check", "--format", "json", "."])
        .arg("--baseline-out")
        .arg(&base)
        .dir(&dir)
        .run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).unwrap()).unwrap();
    let mut entries: Vec<(String, String)> = v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["rule"] == "unresolved-source")
        .map(|e| {
            (
                e["resource"].as_str().unwrap_or("-").to_string(),
                e["fingerprint"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    entries.sort();
    let resources: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    assert_eq!(
        resources,
        [
            "Application/argocd/cluster1-bgd",
            "Application/argocd/cluster2-bgd",
            "ApplicationSet/argocd/addons",
            "ApplicationSet/argocd/addons",
        ]
    );
    let mut prints: Vec<&str> = entries.iter().map(|e| e.1.as_str()).collect();
    prints.sort();
    prints.dedup();
    assert_eq!(prints.len(), 4, "{entries:?}");
    // An exemption names the generated Application.
    let cfg = out.path().join("chartgate.yaml");
    std::fs::write(
        &cfg,
        "root: true\nexemptions:\n  - rule: unresolved-source\n    resource: Application/cluster1-bgd\n    reason: chart mirrored later\n",
    )
    .unwrap();
    let r = cli(["check", "--format", "json", "."])
        .arg("--config")
        .arg(&cfg)
        .dir(&dir)
        .run();
    let names: Vec<String> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unresolved-source")
        .map(|f| f["resource"]["name"].as_str().unwrap_or("-").to_string())
        .collect();
    assert_eq!(names, ["cluster2-bgd", "addons", "addons"], "{}", r.stderr);
}

#[test]
fn a_duplicate_names_the_other_definition_by_its_repository_path() {
    // eks-blueprints-workloads: the chart folder `teams/a/dev` is named `team-a-dev` in its
    // Chart.yaml; "also defined at" named Helm's rendered path `team-a-dev/templates/...`.
    let dir = fixture("duplicate-in-renamed-chart");
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let v = r.json();
    let dup: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "manifest-validity")
        .collect();
    assert_eq!(dup.len(), 1, "{v}");
    assert_eq!(
        dup[0]["message"],
        "duplicate ConfigMap `cfg-` in namespace `default`: also defined at teams/a/dev/templates/clusterA.yaml:4"
    );
    assert_eq!(dup[0]["file"], "teams/a/dev/templates/clusterB.yaml");
    assert_eq!(
        dup[0]["related"][1],
        serde_json::json!({"label": "also defined here", "file": "teams/a/dev/templates/clusterA.yaml", "line": 4, "column": 9})
    );
}

#[test]
fn two_applications_declaring_the_same_render_check_it_once() {
    // gitops-cert-level-2-examples: an exercise and its solution copy; every finding of the
    // chart was printed twice.
    let dir = fixture("identical-applications");
    let r = mapped(&dir, &["check", "--list", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "app  env none: (no values files)  [from exercise/app.yaml:1]\n\
         exercise/app.yaml  manifest\n\
         solutions/exercise/app.yaml  manifest\n"
    );
    let r = mapped(&dir, &["check", "--format", "json", "."]);
    let in_chart = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["file"] == "app/templates/cm.yaml")
        .count();
    assert_eq!(in_chart, 3, "{}", r.stdout);
}

#[test]
fn a_render_without_environment_is_not_named_environment_empty() {
    // The app-of-apps root chart of argocd-example-apps, checked with its defaults: the namespace
    // rules said `which environment "" does not allow`.
    let dir = fixture("app-of-apps-chart");
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let lines: Vec<String> = finding_lines_as(&r.stdout, "{rule} {file}:{line}:{column} {message}")
        .into_iter()
        .filter(|l| !l.starts_with("required-labels "))
        .collect();
    assert_eq!(
        lines,
        [
            // The root is rendered and its Application resolved; its repository is not mapped.
            "unresolved-source apps/templates/applications.yaml:14:5 Application guestbook: repository https://git.example.com/org/apps.git has no local mapping; check it out and pass --repo https://git.example.com/org/apps.git=PATH (or `repos:` in chartgate.yaml)",
            // No namespace findings: the Application lives in Argo CD's namespace, and without
            // an environment or namespaces declared on its cluster nothing says where it may
            // deploy (the release namespace `default` is chartgate's guess). Were: 'uses
            // namespace "argocd", which the render without an environment (release namespace
            // only) does not allow (allowed: default)' and 'deploys to namespace "guestbook"...'.
        ]
    );
}

#[test]
fn appset_errors_name_the_application_set_once() {
    // Two git files give one `env`: Argo CD's "contains applications with duplicate name"
    // (the first Application is kept, as Argo CD applies the valid ones). The message said
    // "ApplicationSet all-envs: ApplicationSet all-envs: ...". It is placed at the template's
    // `metadata.name`, the field to fix.
    let dir = fixture("appset-duplicate-name");
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: appset.yaml:17:7: ApplicationSet all-envs: spec.template.metadata.name: ApplicationSet all-envs contains applications with duplicate name: qa; Argo CD creates none of them\n"
    );
    // `--list` shows the same error and fails the same way (it printed the rest and exited 0).
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert_eq!(
        r.stderr,
        "chartgate: appset.yaml:17:7: ApplicationSet all-envs: spec.template.metadata.name: ApplicationSet all-envs contains applications with duplicate name: qa; Argo CD creates none of them\n"
    );
    assert_eq!(
        r.stdout,
        "apps/qa/cm.yaml  manifest\n\
         appset.yaml  manifest\n\
         env-config/qa/config.json  skipped: parameters of the git files generator of ApplicationSet all-envs (appset.yaml:1)\n\
         env-config/staging/asia/config.json  skipped: parameters of the git files generator of ApplicationSet all-envs (appset.yaml:1)\n"
    );
}

#[test]
fn findings_in_a_file_dependency_point_at_its_own_files() {
    // `repository: file://../guestbook`, not vendored: the dependency is loaded from its own
    // directory, and findings in it were located at wrapper/charts/guestbook/..., a path that
    // does not exist (the rendered manifest keeps Helm's template name).
    let dir = fixture("file-dependency");
    let r = cli(["check", "--format", "json", "wrapper"])
        .dir(&dir)
        .run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        finding_lines_as(
            &r.stdout,
            "{rule} {file}:{line}:{column} [{chart}]{related}"
        ),
        [
            "required-labels guestbook/templates/cm.yaml:4:3 [wrapper] rendered=wrapper/charts/guestbook/templates/cm.yaml:4:3",
            "required-labels guestbook/templates/cm.yaml:4:3 [wrapper] rendered=wrapper/charts/guestbook/templates/cm.yaml:4:3",
            "required-labels guestbook/templates/cm.yaml:4:3 [wrapper] rendered=wrapper/charts/guestbook/templates/cm.yaml:4:3",
            "ingress-load-balancer guestbook/values.yaml:3:9 [wrapper] template=guestbook/templates/svc.yaml:10:9 rendered=wrapper/charts/guestbook/templates/svc.yaml:10:9",
        ]
    );
}

#[test]
fn value_files_of_an_unresolved_source_say_whose_they_are() {
    // A remote chart (unresolved) with its values behind `$values`: the values files were
    // listed as "skipped: no Kubernetes object", as if nothing used them. A glob and a missing
    // file under ignoreMissingValueFiles are read as Argo CD reads them; the unused file keeps
    // its reason.
    let dir = fixture("remote-chart-values");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let whose = "value file of Application nginx-prod (source 1), whose source is unresolved (apps/nginx.yaml:1)";
    assert_eq!(
        r.stdout,
        format!(
            "apps/nginx.yaml  manifest\n\
             values/common.yaml  skipped: {whose}\n\
             values/prod/replicas.yaml  skipped: {whose}\n\
             values/prod/resources.yaml  skipped: {whose}\n\
             values/unused.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind`\n\
             apps/nginx.yaml:9  unresolved: Application nginx-prod (source 1): repository https://kubernetes.github.io/ingress-nginx has no local mapping; check it out and pass --repo https://kubernetes.github.io/ingress-nginx=PATH (or `repos:` in chartgate.yaml)\n"
        )
    );
}

#[test]
fn a_chart_of_an_application_set_that_cannot_expand_is_not_rendered_on_its_own() {
    // small-hack/argocd-apps: charts deployed only by ApplicationSets with a `plugin` generator
    // were rendered as release `<folder>` in `default` with their own values, which Argo CD never
    // creates; one such render failed (`eq` of the chart's boolean default with "true", where
    // Argo CD passes a string) and the run exited 2. As for an unresolved Application, the
    // chart is the ApplicationSet's: only the unresolved-source finding is reported.
    let dir = fixture("appset-unexpanded-chart");
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apps/appset.yaml  manifest\n\
         apps/appset.yaml:9  unresolved: ApplicationSet storage: spec.generators[0].plugin: the plugin generator asks a plugin service for parameters, which needs a live system\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let rules: Vec<String> = (r.json()["findings"].as_array().unwrap().iter())
        .map(|f| {
            format!(
                "{} {}:{}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"]
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            "required-labels apps/appset.yaml:4",
            "required-labels apps/appset.yaml:4",
            "required-labels apps/appset.yaml:4",
            "unresolved-source apps/appset.yaml:9",
            "argocd-no-default-project apps/appset.yaml:19",
        ]
    );
}

#[test]
fn list_fails_on_the_files_check_cannot_read_and_each_error_is_printed_once() {
    // `--list` printed these files as manifests and exited 0 while `check` exited 2 on them (a
    // CI matrix built from `--list` passed, then `check` failed); an Application file that is
    // not YAML was reported twice by `check`, in two formats. A Helm template left outside any
    // chart was an "invalid YAML" error too: it is skipped, saying what it is.
    let dir = fixture("broken-yaml");
    let errors = "chartgate: invalid YAML: broken-app.yaml:7:6: mapping values are not allowed in this context\n\
                  chartgate: invalid YAML: broken-cm.yaml:8:6: mapping values are not allowed in this context\n";
    let r = cli(["check", "--list", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stderr, errors);
    assert_eq!(
        r.stdout,
        "broken-app.yaml  manifest\nbroken-cm.yaml  manifest\nok.yaml  manifest\n\
         x/templates/secret.yaml  skipped: Helm template outside any chart (no Chart.yaml above its `templates/` folder): YAML only once rendered, and no chart renders it\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(2));
    assert_eq!(r.stderr, errors);
    // The readable file is still checked.
    let v = r.json();
    let files: Vec<&str> = (v["findings"].as_array().unwrap().iter())
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, ["ok.yaml", "ok.yaml", "ok.yaml"]);
}

#[test]
fn value_file_problems_point_at_the_entry_to_fix() {
    // A missing value file, a directory given as one (it exists, so `ignoreMissingValueFiles`
    // does not skip it, and Helm fails on it), a file parameter leaving the repository: each at
    // its own list entry (they pointed at `source:`).
    let dir = fixture("value-file-problems");
    let r = mapped(&dir, &["check", "--list", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apps/web-dev.yaml  manifest\n\
         apps/web-prod.yaml  manifest\n\
         apps/web-test.yaml  manifest\n\
         apps/web-dev.yaml:14  unresolved: Application web-dev: file parameter `../../../etc/passwd` resolves outside its repository; Argo CD refuses it\n\
         apps/web-prod.yaml:14  unresolved: Application web-prod: value file `values-extra.yaml` does not exist (Argo CD fails this render; set `ignoreMissingValueFiles: true` if that is intended)\n\
         apps/web-test.yaml:15  unresolved: Application web-test: value file `conf.d` is not a regular file (a directory, pipe or device); Helm fails this render, `ignoreMissingValueFiles` or not\n"
    );
    let r = mapped(&dir, &["check", "--format", "json", "."]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON report");
    let at: Vec<String> = (v["findings"].as_array().unwrap().iter())
        .filter(|f| f["rule"] == "unresolved-source")
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            "apps/web-dev.yaml:14:11",
            "apps/web-prod.yaml:14:11",
            "apps/web-test.yaml:15:11",
        ]
    );
}

#[test]
fn an_app_of_apps_chart_of_an_unexpandable_set_is_not_rendered_as_a_root() {
    // hemant0308/argocd-platform: a chart whose templates write ApplicationSets, deployed only
    // by a `plugin`-generated ApplicationSet, was also rendered with its defaults as an
    // app-of-apps root: ApplicationSets named `application-groups--` that Argo CD never creates.
    let dir = fixture("appset-unexpanded-root");
    let r = mapped(&dir, &["check", "--list", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "apps/partitions.yaml  manifest\n\
         apps/partitions.yaml:9  unresolved: ApplicationSet partitions: spec.generators[0].plugin: the plugin generator asks a plugin service for parameters, which needs a live system\n"
    );
}

#[test]
fn sops_metadata_is_not_an_unknown_field() {
    // microscaler/shared-gitops-k8s-cluster: a SOPS-encrypted Secret's `sops:` block (removed
    // by the decryption before the API server sees the object) was a schema-validity error.
    let dir = fixture("sops-encrypted-secret");
    let r = cli(["check", "--format", "json", "."]).dir(&dir).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    let got: Vec<String> = (r.json()["findings"].as_array().unwrap().iter())
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
            "no-literal-secrets secret.yaml:8 Secret db-credentials has SOPS-encrypted stringData; use an ExternalSecret instead",
            "schema-validity secret.yaml:30 sops: unknown field `sops` (not in the v1 ConfigMap schema of Kubernetes 1.37)",
        ]
    );
}

#[test]
fn a_directory_source_keeps_only_the_files_argo_cd_reads() {
    let t = clone_of("directory-include-exclude");
    let r = cli(["check", "--list", "root.yaml"]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // The one file root's directory source applies is checked as a manifest too.
    assert_eq!(
        r.stdout,
        "charts/web  env none: charts/web/values.yaml  [from apps/web-included.yaml:1]\n\
         root.yaml  manifest\n\
         apps/web-included.yaml  manifest\n"
    );
}

#[test]
fn argo_cd_build_environment_is_substituted_in_helm_sources() {
    let t = clone_of("argocd-envsubst");
    let r = cli(["values", "web", "."]).dir(t.path()).run();
    assert_eq!(
        (r.code, r.stderr.as_str(), r.stdout.as_str()),
        (
            Some(0),
            "",
            "# charts/web environment none (release web, namespace web)\n\
             project: \"team@main\"  # apps/web.yaml:21\n\
             replicas: 2  # charts/web/values-web.yaml:1\n\
             tag: \"pa$word\"  # apps/web.yaml:18\n\
             who: \"ns-web\"  # apps/web.yaml:16\n"
        )
    );
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert!(
        r.stdout.contains("apps/web.yaml:40  unresolved: Application web-sha: `values-$ARGOCD_APP_REVISION_SHORT.yaml` uses $ARGOCD_APP_REVISION_SHORT, the commit Argo CD resolves, which chartgate cannot know\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn argocd_source_override_files_are_merged_into_the_source() {
    let t = clone_of("argocd-source-override");
    let r = cli(["values", "web", "."]).dir(t.path()).run();
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert!(
        r.stdout.contains("tag: \"2.5.0\"")
            && r.stdout.contains("who: \"from-argocd-source\"")
            && r.stdout.contains("replicas: 1  # charts/web/values.yaml:1"),
        "{}",
        r.stdout
    );
}

#[test]
fn renders_without_an_environment_are_named_by_their_release() {
    let t = clone_of("envless-renders");
    let r = cli(["values", "charts/web", "."]).dir(t.path()).run();
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            Some(2),
            "chartgate: service `charts/web` has 2 renders without an environment name; name one by its release (the Application): web-blue, web-green\n"
        )
    );
    let r = cli(["values", "web-green", "."]).dir(t.path()).run();
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert!(
        r.stdout
            .starts_with("# charts/web environment none (release web-green, namespace green)\n"),
        "{}",
        r.stdout
    );
    let r = cli(["diff", "--env", "dev", "--env", "prod", "."])
        .dir(t.path())
        .run();
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            Some(2),
            "",
            "chartgate: no chart has environment `dev`; environments: (none: the renders found have no environment name)\n"
        )
    );
}

#[test]
fn a_kustomization_path_reads_like_any_kustomize_source() {
    // One wording whether the source has a `kustomize:` block or only a kustomization file
    // (BinaryMan32/argocd showed both).
    let t = tempfile::tempdir().unwrap();
    support::write_tree(
        t.path(),
        &[
            (".git/config", ORIGIN_CONFIG),
            ("app/Kustomization", "resources: [cm.yaml]\n"),
            (
                "app/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n",
            ),
            (
                "apps.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: k, namespace: argocd}\nspec:\n  project: p\n  source: {repoURL: https://git.example.com/org/apps.git, path: app}\n  destination: {server: https://kubernetes.default.svc, namespace: k}\n",
            ),
        ],
    );
    let r = cli(["check", "--list", "apps.yaml"]).dir(t.path()).run();
    assert_eq!(
        r.stdout,
        "apps.yaml  manifest\n\
         apps.yaml:6  unresolved: Application k: kustomize sources are not rendered by chartgate (path `app` of https://git.example.com/org/apps.git, a kustomization); the objects it deploys are not checked\n"
    );
}

#[test]
fn a_git_directories_doublestar_is_one_star_as_in_go() {
    // Argo CD matches git directories with Go's path.Match, where `charts/**` is `charts/*`:
    // it generated `a/templates` and `b/templates` too (a duplicate name: exit 2) and
    // `team/web`, which the set never deploys.
    let t = clone_of("git-dir-doublestar");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.stderr, "");
    assert_eq!(r.code, Some(0));
    assert_eq!(
        r.stdout,
        "charts/a  env none: (no values files)  [from appset.yaml:1]\n\
         charts/b  env none: (no values files)  [from appset.yaml:1]\n\
         charts/team/web  env none: (no values files)  [from charts/team/web/Chart.yaml:1]\n\
         appset.yaml  manifest\n"
    );
}

/// The findings of a JSON report as `RULE FILE:LINE:COLUMN MESSAGE`, without the labels and
/// project rules every fixture's Applications break.
fn checked(r: &support::Run) -> Vec<String> {
    finding_lines_as(&r.stdout, "{rule} {file}:{line}:{column} {message}")
        .into_iter()
        .filter(|l| {
            !l.starts_with("required-labels ") && !l.starts_with("argocd-no-default-project ")
        })
        .collect()
}

#[test]
fn the_explicit_source_type_decides_as_in_argo_cd() {
    // `helm:` on a folder without Chart.yaml was read as a directory (its Applications as
    // children), `directory:` on the chart as a Helm render: Argo CD obeys the type set.
    let t = clone_of("helm-on-plain-dir");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "chart  env none: chart/values-prod.yaml  [from apps/web.yaml:1]\n\
         apps/web.yaml  manifest\n\
         both.yaml  manifest\n\
         dir-on-chart.yaml  manifest\n\
         root.yaml  manifest\n\
         chart/templates/cm.yaml  manifest\n\
         chart/Chart.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind` (applied by the directory source of dir-on-chart.yaml:1)\n\
         both.yaml:8  unresolved: Application web-both: multiple application sources defined: helm,directory; Argo CD fails to generate its manifests and deploys nothing from it\n\
         root.yaml:12  unresolved: Application root: `helm` makes path `apps` of https://git.example.com/org/apps.git a Helm chart, and it has no Chart.yaml: Argo CD fails (error reading helm chart from apps/Chart.yaml) and deploys nothing from it\n"
    );
    // templates/cm.yaml is checked twice: rendered for `web`, applied as is for `web-raw`.
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    let mut in_chart: Vec<String> = finding_lines_as(&r.stdout, "{rule} {file}:{line} {chart}")
        .into_iter()
        .filter(|l| l.contains("chart/templates/"))
        .collect();
    in_chart.sort();
    assert_eq!(
        in_chart,
        [
            "required-labels chart/templates/cm.yaml:6 -",
            "required-labels chart/templates/cm.yaml:6 -",
            "required-labels chart/templates/cm.yaml:6 chart",
            "required-labels chart/templates/cm.yaml:6 chart",
        ]
    );
}

#[test]
fn a_directory_source_inside_a_chart_folder_is_checked_as_manifests() {
    let t = clone_of("manifests-inside-chart");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "charts/web  env none: (no values files)  [from apps.yaml:1]\n\
         apps.yaml  manifest\n\
         charts/web/manifests/secret.yaml  manifest\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(
        checked(&r),
        [
            "no-literal-secrets charts/web/manifests/secret.yaml:11:3 Secret web-extra has literal stringData; use an ExternalSecret instead"
        ]
    );
}

#[test]
fn a_directory_source_in_a_mapped_repository_is_checked_as_manifests() {
    let t = clone_of("mapped-directory-source");
    let team = ["--repo", "https://git.example.com/org/team.git=team"];
    let r = cli(["check", "--list", "config"].iter().chain(&team))
        .dir(t.path())
        .run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "config/app.yaml  manifest\n\
         team/deploy/secret.yaml  manifest\n"
    );
    let r = cli(["check", "--format", "json", "config"].iter().chain(&team))
        .dir(t.path())
        .run();
    assert_eq!(
        checked(&r),
        [
            "no-literal-secrets team/deploy/secret.yaml:11:3 Secret web-extra has literal stringData; use an ExternalSecret instead"
        ]
    );
}

#[test]
fn an_unexpanded_application_is_located_at_its_field_and_its_chart_not_rendered_alone() {
    let t = clone_of("unexpanded-app-convention");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "appset.yaml  manifest\n\
         appset.yaml:13  unresolved: ApplicationSet web: spec.template: {{environment}} has no value among the generator's parameters; Argo CD leaves it unexpanded\n\
         appset.yaml:24  unresolved: Application web-prod: unexpanded template expression `spec.source.helm.valueFiles[0]: values-{{environment}}.yaml`\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(
        checked(&r),
        [
            "unresolved-source appset.yaml:13:3 ApplicationSet web: spec.template: {{environment}} has no value among the generator's parameters; Argo CD leaves it unexpanded",
            "unresolved-source appset.yaml:24:15 Application web-prod: unexpanded template expression `spec.source.helm.valueFiles[0]: values-{{environment}}.yaml`",
        ]
    );
}

#[test]
fn two_application_sets_generating_one_application_are_reported_and_it_is_rendered_once() {
    let t = clone_of("appset-cross-duplicate");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "one  env none: (no values files)  [from appset-one.yaml:1]\n\
         appset-one.yaml  manifest\n\
         appset-two.yaml  manifest\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        checked(&r),
        [
            "manifest-validity appset-two.yaml:13:7 duplicate Application `web` in namespace `argocd`: ApplicationSet set-one already generates and owns it, so ApplicationSet set-two cannot take it over (Argo CD keeps set-one's): also defined at appset-one.yaml:13"
        ]
    );
    let v = r.json();
    let dup = (v["findings"].as_array().unwrap().iter())
        .find(|f| f["rule"] == "manifest-validity")
        .unwrap();
    assert_eq!(
        dup["related"][0],
        serde_json::json!({"label": "also defined here", "file": "appset-one.yaml", "line": 13, "column": 7})
    );
}

#[test]
fn argocd_source_overrides_apply_before_the_source_type_is_decided() {
    // `directory:` of `apps/.argocd-source-root.yaml` makes root recurse (and skip `old/`);
    // the overrides of `web-prod` (an entry of `spec.sources`) and `web-dev` (generated) apply.
    let t = clone_of("argocd-source-before-type");
    let r = cli(["check", "--list", "root.yaml"]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "charts/web  env none: charts/web/values.yaml  [from apps/team/set.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml, env/prod.yaml  [from apps/web.yaml:1]\n\
         root.yaml  manifest\n\
         apps/team/set.yaml  manifest\n\
         apps/web.yaml  manifest\n\
         apps/.argocd-source-root.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind` (applied by the directory source of root.yaml:1)\n"
    );
    for (release, expected) in [
        (
            "web-dev",
            "# charts/web environment none (release web-dev, namespace web-dev)\n\
             replicas: 1  # charts/web/values.yaml:1\n\
             tag: \"1.0.0\"  # charts/web/values.yaml:2\n\
             who: \"from-argocd-source\"  # apps/team/set.yaml:1 (parameters)\n",
        ),
        (
            "web-prod",
            "# charts/web environment none (release web-prod, namespace web-prod)\n\
             replicas: 3  # env/prod.yaml:1\n\
             tag: \"2.5.0\"  # apps/web.yaml:1 (parameters)\n\
             who: \"default\"  # charts/web/values.yaml:3\n",
        ),
    ] {
        let r = cli(["values", release, "root.yaml"]).dir(t.path()).run();
        assert_eq!(
            (r.code, r.stderr.as_str(), r.stdout.as_str()),
            (Some(0), "", expected)
        );
    }
}

#[test]
fn a_recursed_directory_source_reads_hidden_and_chart_folders() {
    let t = clone_of("directory-recurse-all");
    let r = cli(["check", "--list", "root.yaml"]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "charts/web  env none: charts/web/values.yaml  [from apps/.team/cache.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml  [from apps/platform/templates/ingress.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml  [from apps/web.yaml:1]\n\
         root.yaml  manifest\n\
         apps/.team/cache.yaml  manifest\n\
         apps/platform/templates/ingress.yaml  manifest\n\
         apps/web.yaml  manifest\n\
         apps/platform/Chart.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind` (applied by the directory source of root.yaml:1)\n\
         apps/platform/values.yaml  skipped: no Kubernetes object: no document has a string `apiVersion` and `kind` (applied by the directory source of root.yaml:1)\n"
    );
}

#[test]
fn an_application_set_takes_over_a_plain_application_of_its_name() {
    let t = clone_of("appset-adopts-application");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "charts/web  env none: charts/web/values.yaml, charts/web/values-dev.yaml  [from appset.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml, charts/web/values-prod.yaml  [from appset.yaml:1]\n\
         apps/web-dev.yaml  manifest\n\
         apps/web-prod.yaml  manifest\n\
         appset.yaml  manifest\n\
         charts/web/values-prod-old.yaml  skipped: not a values file of any Argo CD Application deploying this chart\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(
        checked(&r),
        [
            "manifest-validity apps/web-prod.yaml:4:3 Application `web-prod` is also generated by ApplicationSet web (appset.yaml:14): Argo CD's ApplicationSet controller takes the existing Application over and replaces its spec with the generated one, so this spec never runs (chartgate checks the generated one); remove this Application or the set's element"
        ]
    );
}

#[test]
fn argocd_source_files_decode_as_go_json_does() {
    let t = clone_of("argocd-source-go-json");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "charts/web  env none: charts/web/values.yaml, charts/web/values-new.yaml  [from apps/web.yaml:1]\n\
         apps/web.yaml  manifest\n\
         charts/web/values-old.yaml  skipped: not a values file of any Argo CD Application deploying this chart\n"
    );
    let r = cli(["values", "web", "."]).dir(t.path()).run();
    assert_eq!((r.code, r.stderr.as_str()), (Some(0), ""));
    assert_eq!(
        r.stdout,
        "# charts/web environment none (release web, namespace web)\n\
         flag: \"true\"  # apps/web.yaml:16\n\
         replicas: 3  # charts/web/values-new.yaml:1\n"
    );
}

#[test]
fn an_invalid_child_of_an_app_of_apps_root_is_a_finding_and_the_rest_is_checked() {
    // ams0/argocd-apps: the root chart rendered with its own (empty) values writes an
    // Application without `repoURL`, which the API server refuses. It stopped the run (exit 2);
    // it is a `manifest-validity` error at the template's line, and the root's other child is
    // resolved as usual.
    let t = clone_of("app-of-apps-empty-values");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "bootstrap  env none: bootstrap/values.yaml  [from bootstrap/Chart.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml, charts/web/values-prod.yaml  [from bootstrap/templates/apps.yaml:17]\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert_eq!(
        checked(&r),
        [
            "manifest-validity bootstrap/templates/apps.yaml:10:5 invalid Application root: `spec.source.repoURL` is required: Argo CD refuses it, so it deploys nothing"
        ]
    );
}

#[test]
fn an_application_set_takeover_keeps_the_fields_it_ignores() {
    let t = clone_of("appset-ignore-differences");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "charts/web  env none: charts/web/values.yaml, charts/web/values-dev.yaml  [from appset.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml, charts/web/values-prod-old.yaml  [from appset.yaml:1]\n\
         apps/web-prod.yaml  manifest\n\
         appset.yaml  manifest\n\
         appset.yaml:12  unresolved: ApplicationSet web: jq expression `.spec.source.helm.parameters[] | select(.name == \"image.tag\")` of ignoreApplicationDifferences is not evaluated by chartgate; the fields it names keep the values of the existing Application web-prod (apps/web-prod.yaml:4)\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(
        checked(&r),
        [
            "unresolved-source appset.yaml:12:11 ApplicationSet web: jq expression `.spec.source.helm.parameters[] | select(.name == \"image.tag\")` of ignoreApplicationDifferences is not evaluated by chartgate; the fields it names keep the values of the existing Application web-prod (apps/web-prod.yaml:4)"
        ]
    );
}

#[test]
fn an_application_set_takeover_withdraws_what_the_plain_app_of_apps_brought_in() {
    let t = clone_of("appset-adopts-app-of-apps");
    let r = cli(["check", "--list", "."]).dir(t.path()).run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "bootstrap  env none: (no values files)  [from bootstrap/Chart.yaml:1]\n\
         charts/web  env none: charts/web/values.yaml, charts/web/values-new.yaml  [from platform-new/templates/web.yaml:1]\n\
         platform-new  env none: (no values files)  [from bootstrap/templates/platform.yaml:1]\n\
         apps/platform.yaml  manifest\n\
         charts/web/values-old.yaml  skipped: not a values file of any Argo CD Application deploying this chart\n"
    );
    let r = cli(["check", "--format", "json", "."]).dir(t.path()).run();
    assert_eq!(
        checked(&r),
        [
            "manifest-validity apps/platform.yaml:4:3 Application `platform` is also generated by ApplicationSet platform (bootstrap/templates/platform.yaml:13): Argo CD's ApplicationSet controller takes the existing Application over and replaces its spec with the generated one, so this spec never runs (chartgate checks the generated one); remove this Application or the set's element"
        ]
    );
}
