//! The platform's GitOps layout (fixtures/gitops): a central config repo with one folder per
//! cluster (`shared` holds dev and test, split by namespace; `prod` its own) whose Applications
//! point at team A's repo, where an app-of-apps chart writes one Application per service and
//! environment (a multi-source one with `$values`, one with valuesObject, parameters and
//! ignoreMissingValueFiles and skipCrds in prod, a remote chart that is unresolved) and a directory of
//! ApplicationSets (a list generator over environments, a git files generator over
//! `config.json`). Asserts the exact render matrix, the exact findings and what `--changed`
//! selects.

mod support;

use support::copy_dir;

use std::path::{Path, PathBuf};

use support::{finding_lines, run_in};

fn config_repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gitops/config-repo")
}

#[test]
fn render_matrix_is_what_argo_cd_deploys() {
    let r = run_in(
        &config_repo(),
        &["check", "--list", "--format", "json", "."],
    );
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let got: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(config_repo().join("../expected/matrix.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(got, want);
    // Spot checks of Argo CD's semantics in that matrix.
    let renders = got["renders"].as_array().unwrap();
    let find = |release: &str| {
        renders
            .iter()
            .find(|r| r["release"] == release)
            .unwrap_or_else(|| panic!("{release}"))
    };
    // `$values/...` of the multi-source Application resolves in the `ref: values` source.
    assert_eq!(
        find("worker-prod")["values"],
        serde_json::json!([
            "../team-a/charts/worker/values.yaml",
            "../team-a/env-values/worker/prod.yaml"
        ])
    );
    // A missing value file with ignoreMissingValueFiles is left out, not an error.
    assert_eq!(
        find("gateway-dev")["values"],
        serde_json::json!(["../team-a/services/gateway/values.yaml"])
    );
    // `releaseName` wins over the Application's name; dev and test share cluster `shared`
    // and are told apart by namespace.
    let web: Vec<(&str, &str, &str)> = renders
        .iter()
        .filter(|r| r["chart"] == "../team-a/services/web")
        .map(|r| {
            (
                r["release"].as_str().unwrap(),
                r["environment"].as_str().unwrap(),
                r["namespace"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        web,
        [
            ("web", "prod", "team-a-prod"),
            ("web", "dev", "team-a-dev"),
            ("web", "test", "team-a-test"),
        ]
    );
    // The git files generator's Go template names the release from config.json.
    assert_eq!(find("reports")["source"], "../team-a/appsets/jobs.yaml:2");
}

#[test]
fn findings_point_at_the_line_to_change() {
    let r = run_in(&config_repo(), &["check", "--format", "json", "."]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        finding_lines(&r.stdout),
        [
            "unresolved-source warning - ../team-a/argocd/templates/cache.yaml:11 Application cache-dev: repository https://charts.bitnami.com/bitnami has no local mapping; check it out and pass --repo https://charts.bitnami.com/bitnami=PATH (or `repos:` in chartgate.yaml)",
            // Charts come only from the shared ECR (rule chart-source).
            "chart-source error shared ../team-a/argocd/templates/cache.yaml:11 spec.source: chart `redis` comes from `https://charts.bitnami.com/bitnami`, which is not an allowed chart registry (354918371398.dkr.ecr.*.amazonaws.com/*)",
            "timezone info prod ../team-a/jobs/reports/values-prod.yaml:1 CronJob has no spec.timeZone: its schedule runs in UTC",
            "min-replicas error prod ../team-a/services/api/values-prod.yaml:1 Deployment runs 1 replica; prod requires at least 2 (min-replicas)",
            // The chart's crds/ are deployed (Argo CD's --include-crds) except where skipCrds.
            "deprecated-api error dev ../team-a/services/gateway/crds/routes.yaml:2 apiextensions.k8s.io/v1beta1 CustomResourceDefinition was removed in Kubernetes 1.22 (this environment runs 1.37); use apiextensions.k8s.io/v1",
            "deprecated-api error test ../team-a/services/gateway/crds/routes.yaml:2 apiextensions.k8s.io/v1beta1 CustomResourceDefinition was removed in Kubernetes 1.22 (this environment runs 1.37); use apiextensions.k8s.io/v1",
            // valuesObject (replicas: 1) is applied after values-prod.yaml (replicas: 2).
            "min-replicas error prod ../team-a/services/gateway/templates/deployment.yaml:9 Deployment runs 1 replica; prod requires at least 2 (min-replicas)",
            "image-tag-pinned error prod ../team-a/services/web/values-prod.yaml:3 container `app`: image `354918371398.dkr.ecr.eu-west-1.amazonaws.com/team-a/web:latest` uses the moving tag `latest`; pin a version",
        ]
    );
}

#[test]
fn changed_application_files_select_their_renders() {
    let lines = |files: &[&str]| -> Vec<String> {
        let mut args = vec!["check", "--changed", "--list"];
        args.extend(files);
        let r = run_in(&config_repo(), &args);
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        r.stdout.lines().map(str::to_string).collect()
    };
    // An ApplicationSet file: the renders it generates.
    assert_eq!(
        lines(&["../team-a/appsets/api.yaml"]),
        [
            "../team-a/services/api  env dev: ../team-a/services/api/values.yaml, ../team-a/services/api/values-dev.yaml  [from ../team-a/appsets/api.yaml:2]",
            "../team-a/services/api  env test: ../team-a/services/api/values.yaml, ../team-a/services/api/values-test.yaml  [from ../team-a/appsets/api.yaml:2]",
            "../team-a/services/api  env prod: ../team-a/services/api/values.yaml, ../team-a/services/api/values-prod.yaml  [from ../team-a/appsets/api.yaml:2]",
            // The Application of the team's `appsets` folder applies it: a manifest too.
            "../team-a/appsets/api.yaml  manifest",
        ]
    );
    // A values file: the one environment using it.
    assert_eq!(
        lines(&["../team-a/services/web/values-prod.yaml"]),
        [
            "../team-a/services/web  env prod: ../team-a/services/web/values.yaml, ../team-a/services/web/values-prod.yaml  [from ../team-a/argocd/templates/web.yaml:1]"
        ]
    );
    // A template of the app-of-apps chart: that chart's renders and the Applications it writes.
    let got = lines(&["../team-a/argocd/templates/gateway.yaml"]);
    assert_eq!(got.len(), 6, "{got:#?}");
    assert!(
        got[..3]
            .iter()
            .all(|l| l.starts_with("../team-a/argocd  env "))
    );
    assert!(
        got[3..]
            .iter()
            .all(|l| l.starts_with("../team-a/services/gateway  env ")
                && l.ends_with("[from ../team-a/argocd/templates/gateway.yaml:2]"))
    );
    // The unresolved remote chart is listed when its file changes.
    assert_eq!(
        lines(&["../team-a/argocd/templates/cache.yaml"]),
        [
            "../team-a/argocd  env prod: ../team-a/argocd/values.yaml, ../team-a/argocd/values-prod.yaml  [from clusters/prod/team-a.yaml:2]",
            "../team-a/argocd  env shared: ../team-a/argocd/values.yaml, ../team-a/argocd/values-dev.yaml  [from clusters/shared/team-a.yaml:2]",
            "../team-a/argocd  env shared: ../team-a/argocd/values.yaml, ../team-a/argocd/values-test.yaml  [from clusters/shared/team-a.yaml:17]",
            "../team-a/argocd/templates/cache.yaml:11  unresolved: Application cache-dev: repository https://charts.bitnami.com/bitnami has no local mapping; check it out and pass --repo https://charts.bitnami.com/bitnami=PATH (or `repos:` in chartgate.yaml)",
        ]
    );
}

/// fixtures/gitops-addons: a platform repo whose Argo CD cluster Secrets (no `clusters:`
/// inventory) feed an ApplicationSet's `clusters` generator with a label selector.
#[test]
fn cluster_secrets_feed_the_clusters_generator() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gitops-addons");
    let r = run_in(&repo, &["check", "--list", "--format", "json", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let got: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // One render per selected cluster (sandbox is left out by the selector), its values file
    // chosen by the Secret's label, its environment found through the Secret's server.
    assert_eq!(
        got["renders"],
        serde_json::json!([
            {
                "chart": "charts/metrics-agent", "release": "metrics-agent",
                "namespace": "monitoring", "cluster": "prod", "environment": "prod",
                "values": ["charts/metrics-agent/values.yaml", "charts/metrics-agent/values-prod.yaml"],
                "source": "addons/metrics-agent.yaml:2"
            },
            {
                "chart": "charts/metrics-agent", "release": "metrics-agent",
                "namespace": "monitoring", "cluster": "shared", "environment": "shared",
                "values": ["charts/metrics-agent/values.yaml", "charts/metrics-agent/values-nonprod.yaml"],
                "source": "addons/metrics-agent.yaml:2"
            }
        ])
    );
    // Values files the Applications use are not "skipped"; nothing is unresolved.
    assert_eq!(got["skipped"], serde_json::json!([]));
    assert_eq!(got["unresolved"], serde_json::json!([]));
    let r = run_in(&repo, &["check", "--format", "json", "."]);
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert_eq!(
        finding_lines(&r.stdout),
        [
            "resource-requests error prod charts/metrics-agent/templates/deployment.yaml:19 container `agent`: no memory limit",
            // Cluster Secrets are deployed objects too: credentials belong in an ExternalSecret.
            "no-literal-secrets error - clusters/prod/cluster.yaml:13 Secret prod-cluster has literal data; use an ExternalSecret instead",
            "no-literal-secrets error - clusters/sandbox/cluster.yaml:12 Secret sandbox-cluster has literal stringData; use an ExternalSecret instead",
            "no-literal-secrets error - clusters/shared/cluster.yaml:12 Secret shared-cluster has literal stringData; use an ExternalSecret instead",
        ]
    );
    // Without the Secrets the generator is unresolved, never silently empty.
    let d = tempfile::tempdir().unwrap();
    for f in ["chartgate.yaml", "addons/metrics-agent.yaml"] {
        let to = d.path().join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(repo.join(f), to).unwrap();
    }
    let r = run_in(d.path(), &["check", "--list", "--format", "json", "."]);
    let got: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        got["unresolved"],
        serde_json::json!([{
            // At the generator that needs the live cluster list.
            "source": "addons/metrics-agent.yaml:9",
            "reason": "ApplicationSet metrics-agent: spec.generators[0].clusters: the cluster list lives in the cluster: no cluster Secret is among the checked files and the `clusters:` inventory is empty"
        }])
    );
}

/// Checking a folder that holds the config repo and the team repo side by side: the config
/// repo's `repos:`, `clusters:` and `environments:` still apply (nested configs add the
/// inventory the run's own config does not have), so the matrix is the one of the config repo.
#[test]
fn a_folder_above_the_config_repo_keeps_its_inventory() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/gitops");
    let d = tempfile::tempdir().unwrap();
    // Two checkouts side by side, each with its own `.git`.
    for repo in ["config-repo", "team-a"] {
        copy_dir(&fixture.join(repo), &d.path().join(repo));
        std::fs::create_dir_all(d.path().join(repo).join(".git")).unwrap();
    }
    // Checked alone, the config repo may not map a checkout beside it (a pull request's config
    // would read anything on the runner): the trusted side maps it.
    let r = run_in(&d.path().join("config-repo"), &["check", "--list", "."]);
    assert_eq!(
        (r.code, r.stderr.as_str()),
        (
            Some(2),
            "chartgate: config error: chartgate.yaml:5:40: repos: `../team-a` leads outside the repository (paths in a repository config must stay inside it); map a checkout outside this repository with --repo URL=PATH or in the platform config (--platform-config)\n"
        )
    );
    // Checked from the folder holding both, the mapping stays inside what the run checks.
    let r = run_in(d.path(), &["check", "--list", "--format", "json", "."]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let got: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture.join("expected/matrix.json")).unwrap(),
    )
    .unwrap();
    // The same renders, with paths seen from the folder above.
    let moved = |p: &str| match p.strip_prefix("../") {
        Some(rest) => rest.to_string(),
        None => format!("config-repo/{p}"),
    };
    let mut expected: Vec<serde_json::Value> = want["renders"].as_array().unwrap().clone();
    for r in &mut expected {
        r["chart"] = moved(r["chart"].as_str().unwrap()).into();
        r["source"] = moved(r["source"].as_str().unwrap()).into();
        let values: Vec<serde_json::Value> = (r["values"].as_array().unwrap().iter())
            .map(|v| moved(v.as_str().unwrap()).into())
            .collect();
        r["values"] = values.into();
    }
    let key = |r: &serde_json::Value| r.to_string();
    let mut got_renders = got["renders"].as_array().unwrap().clone();
    got_renders.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got_renders, expected);
}
