//! `chart-source`: Argo CD chart sources and Chart.yaml dependencies, with exact findings.

mod support;

fn findings(args: &[&str]) -> (i32, Vec<String>) {
    let r = support::cli(["check", "--format", "json", "--env", "dev"])
        .args(args)
        .env("CHARTGATE_TODAY", "2026-12-05")
        .run();
    let got = r.finding_lines_as("{rule} {severity} {file}:{line}:{column} {message}");
    (r.code(), got)
}

const ECR: &str = "354918371398.dkr.ecr.*.amazonaws.com/*";

#[test]
fn applications_fail() {
    let f = "fixtures/manifests/chart-source/fail.yaml";
    let (code, got) = findings(&[f]);
    assert_eq!(code, 1);
    let want = [
        format!(
            "chart-source error {f}:10:14 spec.source: chart `redis` comes from `https://charts.bitnami.com/bitnami`, which is not an allowed chart registry ({ECR})"
        ),
        format!(
            "chart-source error {f}:12:21 spec.source: chart `redis` targetRevision `^18.0.0` is a range, not an exact version: Argo CD deploys the newest matching chart on every refresh; pin MAJOR.MINOR.PATCH"
        ),
        format!(
            "chart-source error {f}:26:16 spec.sources[0]: chart `memcached` comes from `registry-1.docker.io/bitnamicharts`, which is not an allowed chart registry ({ECR})"
        ),
        format!(
            "chart-source error {f}:30:16 spec.sources[1]: chart `cache` comes from `oci://111111111111.dkr.ecr.eu-west-1.amazonaws.com/charts/`, which is not an allowed chart registry ({ECR})"
        ),
        format!(
            "chart-source error {f}:32:23 spec.sources[1]: chart `cache` targetRevision `*` is a range, not an exact version: Argo CD deploys the newest matching chart on every refresh; pin MAJOR.MINOR.PATCH"
        ),
        format!(
            "chart-source error {f}:36:23 spec.sources[2]: chart `proxy` targetRevision is `HEAD`, which is no chart version; pin MAJOR.MINOR.PATCH"
        ),
        format!(
            "chart-source error {f}:38:14 spec.sources[3]: chart `sidecar` has no targetRevision, so no chart version is pinned; pin MAJOR.MINOR.PATCH"
        ),
        format!(
            "chart-source error {f}:60:18 spec.template.spec.source: chart `ingress-nginx` comes from `oci://354918371398.dkr.ecr.evil.example/x.amazonaws.com`, which is not an allowed chart registry ({ECR})"
        ),
        format!(
            "chart-source error {f}:62:25 spec.template.spec.source: chart `ingress-nginx` targetRevision `1.2` is a range, not an exact version: Argo CD deploys the newest matching chart on every refresh; pin MAJOR.MINOR.PATCH"
        ),
    ];
    assert_eq!(got, want);
}

#[test]
fn applications_pass() {
    let (code, got) = findings(&["fixtures/manifests/chart-source/pass.yaml"]);
    assert_eq!((code, got), (0, Vec::<String>::new()));
}

#[test]
fn chart_dependencies_fail() {
    let f = "fixtures/rule-charts/chart-source/fail/Chart.yaml";
    let (code, got) = findings(&["fixtures/rule-charts/chart-source/fail"]);
    assert_eq!(code, 1);
    let want = [
        format!(
            "chart-source error {f}:7:14 dependency `redis`: version `^18.0.0` is a range, not an exact version, and Chart.lock does not pin it: `helm dependency build` takes the newest matching chart; pin MAJOR.MINOR.PATCH or commit Chart.lock"
        ),
        format!(
            "chart-source error {f}:8:17 dependency `redis`: repository `https://charts.bitnami.com/bitnami` is not an allowed chart registry ({ECR})"
        ),
        format!(
            "chart-source error {f}:12:17 dependency `postgresql`: repository `@bitnami` names the Helm repository `bitnami` of the runner's `helm repo add` list, which nothing here pins to an allowed chart registry ({ECR}); write the registry as oci://HOST/PATH"
        ),
        format!(
            "chart-source error {f}:16:17 dependency `memcached`: repository `oci://registry-1.docker.io/bitnamicharts` is not an allowed chart registry ({ECR})"
        ),
        format!(
            "chart-source error {f}:19:14 dependency `web-base`: version `~2.3.0` is a range, not an exact version, and Chart.lock does not pin it: `helm dependency build` takes the newest matching chart; pin MAJOR.MINOR.PATCH or commit Chart.lock"
        ),
        format!(
            "chart-source error {f}:24:17 dependency `metrics`: repository `354918371398.dkr.ecr.eu-west-1.amazonaws.com/charts` is not a URL Helm can fetch from (oci://, https:// or file://)"
        ),
        format!(
            "chart-source error {f}:28:17 dependency `outside`: repository `file://../../../../../../../../../../tmp/outside` is outside the repository; a local dependency must live in the repository Argo CD checks out"
        ),
    ];
    assert_eq!(got, want);
}

#[test]
fn chart_dependencies_pass() {
    let (code, got) = findings(&["fixtures/rule-charts/chart-source/pass"]);
    assert_eq!((code, got), (0, Vec::<String>::new()));
}

/// A chart whose public dependency is not vendored is not rendered (`unresolved-source`, at the
/// dependency's `repository`: it was at `Chart.yaml:1`), but where its dependency comes from is
/// still judged.
#[test]
fn unvendored_dependency_is_still_judged() {
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("api");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: api\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 18.1.0\n    repository: https://charts.bitnami.com/bitnami\n",
    )
    .unwrap();
    let r = support::cli(["check", "--format", "json", "--env", "dev", "api"])
        .dir(dir.path())
        .run();
    assert_eq!(
        r.finding_lines_as("{rule} {file}:{line}"),
        [
            "chart-source api/Chart.yaml:7",
            "unresolved-source api/Chart.yaml:7"
        ]
    );
    assert_eq!(r.code, Some(1));
    // `--list` names it among what cannot be resolved (its `unresolved` was empty).
    let r = support::cli(["check", "--list", "--format", "json", "api"])
        .dir(dir.path())
        .run();
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let v = r.json();
    let unresolved = v["unresolved"].as_array().unwrap();
    assert_eq!(unresolved.len(), 1, "{unresolved:?}");
    assert_eq!(unresolved[0]["source"], "api/Chart.yaml:7");
    let reason = unresolved[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("dependency redis 18.1.0 from https://charts.bitnami.com/bitnami is not vendored in api/charts/"),
        "{reason}"
    );
}

#[test]
fn allow_version_ranges_checks_registries_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("chartgate.yaml"),
        "rules:\n  chart-source: {allow-version-ranges: true}\nchart-registries: [\"charts.example.com/*\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("apps.yaml"),
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: a, namespace: argocd}\nspec:\n  project: team\n  source: {repoURL: \"oci://charts.example.com/team\", chart: a, targetRevision: \"^1\"}\n  destination: {name: dev, namespace: a}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: b, namespace: argocd}\nspec:\n  project: team\n  source: {repoURL: \"354918371398.dkr.ecr.eu-west-1.amazonaws.com\", chart: b, targetRevision: \"*\"}\n  destination: {name: dev, namespace: b}\n",
    )
    .unwrap();
    let got: Vec<String> = support::cli(["check", "--format", "json", "apps.yaml"])
        .dir(dir.path())
        .run()
        .finding_lines_as("{rule} {line}:{column} {message}")
        .into_iter()
        .filter_map(|l| l.strip_prefix("chart-source ").map(str::to_string))
        .collect();
    assert_eq!(
        got,
        [
            "14:21 spec.source: chart `b` comes from `354918371398.dkr.ecr.eu-west-1.amazonaws.com`, which is not an allowed chart registry (charts.example.com/*)"
        ]
    );
}

/// Helm's repository cache lies outside the repository: a dependency found there was used
/// without a word (by name and version, whatever repository it came from). It is searched only
/// with `--helm-cache`.
#[test]
fn helm_cache_is_read_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    support::write_tree(
        dir.path(),
        &[
            ("repo/.git/HEAD", ""),
            (
                "repo/web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n    repository: https://charts.example.com\n",
            ),
        ],
    );
    // `helm dependency build` leaves NAME-VERSION.tgz in the cache.
    std::fs::create_dir_all(dir.path().join("cache/repository")).unwrap();
    let f = std::fs::File::create(dir.path().join("cache/repository/sub-0.1.0.tgz")).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(f, Default::default()));
    for (name, text) in [
        (
            "sub/Chart.yaml",
            "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
        ),
        (
            "sub/templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-the-helm-cache\n",
        ),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tar.append_data(&mut h, name, text.as_bytes()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--env", "dev"];
        args.extend_from_slice(extra);
        args.push("web");
        support::cli(args)
            .dir(dir.path().join("repo"))
            .env("HELM_CACHE_HOME", dir.path().join("cache"))
            .run()
    };
    let r = run(&[]);
    assert_eq!(
        r.finding_lines_as("{rule} {file}:{line} {message}"),
        [
            "chart-source web/Chart.yaml:7 dependency `sub`: repository `https://charts.example.com` is not an allowed chart registry (354918371398.dkr.ecr.*.amazonaws.com/*)",
            "unresolved-source web/Chart.yaml:7 dependency sub 0.1.0 from https://charts.example.com is not vendored in web/charts/ and was not found in the mapped repository directories: vendor it (`helm dependency build` and commit charts/), or map the repository with --repo https://charts.example.com=PATH"
        ]
    );
    assert!(!r.stdout.contains("from-the-helm-cache"));
    let r = run(&["--helm-cache"]);
    assert!(r.stdout.contains("from-the-helm-cache"), "{}", r.stdout);
    assert!(!r.stdout.contains("unresolved-source"), "{}", r.stdout);
}
