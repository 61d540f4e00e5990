//! Rule `values-unknown-key` through `chartgate check` on `fixtures/values-unknown-key` (a chart
//! whose `values-prod.yaml` has typos), on charts using `.Values` whole and on subcharts, and
//! over the shared corpus (each chart's own values and every case's values file as an
//! environment's values: no finding).

mod support;

use support::copy_dir;

use std::path::{Path, PathBuf};

use chartgate::analyze::rules::values_unknown_key::findings;
use support::write_tree;

fn fixture() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/values-unknown-key"),
        d.path(),
    );
    d
}

/// `check CHART --env ENV --format json` in `dir`: one line per finding,
/// `rule severity file:line:col message`.
fn check(dir: &Path, chart: &str, env: &str) -> Vec<String> {
    support::cli(["check", chart, "--env", env, "--format", "json"])
        .dir(dir)
        .env("CHARTGATE_TODAY", "2026-06-01")
        .run()
        .finding_lines_as("{rule} {severity} {file}:{line}:{column} {message}")
}

const UNKNOWN: &str =
    "is not a value of chart `web` (not in its defaults, values.schema.json or templates)";

#[test]
fn typos_in_an_environment_values_file_are_reported_at_their_line() {
    let d = fixture();
    let rows = check(d.path(), "web", "prod");
    assert_eq!(
        rows,
        [
            format!(
                "values-unknown-key warning web/values-prod.yaml:1:1 `replicaCont` {UNKNOWN}; did you mean `replicaCount`?"
            ),
            format!(
                "values-unknown-key warning web/values-prod.yaml:4:3 `image.pullPolcy` {UNKNOWN}; did you mean `image.pullPolicy`?"
            ),
            format!(
                "values-unknown-key warning web/values-prod.yaml:5:1 `resourcs` {UNKNOWN}; did you mean `resources`?"
            ),
            // `podAnnotations: {}` (free-form default), `nodeSelector` (`with` + `toYaml .`),
            // `config.level` (`$cfg := .Values.config`), `extra.flag` (`index`),
            // `metrics.enabled` / `labels.*` / `features.x-*` (schema), `global` are known.
            format!(
                "values-unknown-key warning web/values-prod.yaml:14:3 `config.levle` {UNKNOWN}; did you mean `config.level`?"
            ),
            format!(
                "values-unknown-key warning web/values-prod.yaml:23:3 `features.beta` {UNKNOWN}"
            ),
            // List items. `ingress.hosts`: keys of the default's elements and of the range
            // bodies (`port` is read only by the template), nested lists too.
            format!(
                "values-unknown-key warning web/values-prod.yaml:31:7 `ingress.hosts[0].pathss` {UNKNOWN}; did you mean `ingress.hosts[0].paths`?"
            ),
            format!(
                "values-unknown-key warning web/values-prod.yaml:36:11 `ingress.hosts[1].paths[0].pathTyp` {UNKNOWN}; did you mean `ingress.hosts[1].paths[0].pathType`?"
            ),
            // `extraContainers: []`: the keys a `range $i, $c :=` body reads on `$c`; `env`
            // is handed to `toYaml`, so anything goes beneath it.
            format!(
                "values-unknown-key warning web/values-prod.yaml:40:5 `extraContainers[0].imagee` {UNKNOWN}; did you mean `extraContainers[0].image`?"
            ),
            // Free-form lists: `tolerations` (`toYaml` of the list), `extraVolumes` (empty
            // default, no template reads it), `initContainers` (`toYaml` of each element).
            // `ports`: the schema's `items`.
            format!(
                "values-unknown-key warning web/values-prod.yaml:54:5 `ports[0].prot` {UNKNOWN}; did you mean `ports[0].port`?"
            ),
        ]
    );
}

#[test]
fn free_form_lists_are_checked_once_a_template_reads_their_elements_keys() {
    // The fixture's `tolerations` (handed to `toYaml`) and `extraVolumes` (no template reads
    // it) accept anything; ranged over with the keys read, their items are checked.
    let d = fixture();
    let routes = d.path().join("web/templates/routes.yaml");
    let text = std::fs::read_to_string(&routes).unwrap().replace(
        "  tolerations: {{ toYaml .Values.tolerations | quote }}\n",
        "  tolerations: |\n    {{- range .Values.tolerations }}\n    {{ .key }} {{ .operator }} {{ .value }}\n    {{- end }}\n  volumes: {{ range .Values.extraVolumes }}{{ .name }}{{ with .emptyDir }}{{ .medium }}{{ end }} {{ end }}\n",
    );
    assert!(text.contains("range .Values.tolerations"));
    std::fs::write(&routes, text).unwrap();
    let rows: Vec<String> = check(d.path(), "web", "prod")
        .into_iter()
        .filter(|r| r.contains(":45:") || r.contains(":48:"))
        .collect();
    assert_eq!(
        rows,
        [
            format!(
                "values-unknown-key warning web/values-prod.yaml:45:5 `tolerations[0].operatorr` {UNKNOWN}; did you mean `tolerations[0].operator`?"
            ),
            format!(
                "values-unknown-key warning web/values-prod.yaml:48:5 `extraVolumes[0].emptyDirr` {UNKNOWN}; did you mean `extraVolumes[0].emptyDir`?"
            ),
        ]
    );
}

#[test]
fn the_rule_can_be_turned_off() {
    let d = fixture();
    let cfg = d.path().join("chartgate.yaml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str("rules:\n  values-unknown-key: off\n");
    std::fs::write(&cfg, text).unwrap();
    let rows = check(d.path(), "web", "prod");
    assert!(
        !rows.iter().any(|r| r.starts_with("values-unknown-key")),
        "{rows:#?}"
    );
}

#[test]
fn a_chart_reading_values_whole_accepts_every_key() {
    let d = fixture();
    write_tree(
        d.path(),
        &[(
            "web/templates/all.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: all\n  labels: {team: shop, environment: x}\ndata:\n  values: {{ toYaml .Values | quote }}\n",
        )],
    );
    let rows = check(d.path(), "web", "prod");
    assert!(
        !rows.iter().any(|r| r.starts_with("values-unknown-key")),
        "{rows:#?}"
    );
    // `include` with a dict carrying `.Values` and a dynamic key opens everything too.
    std::fs::write(
        d.path().join("web/templates/all.yaml"),
        "{{- define \"get\" }}{{ index .v .k }}{{ end }}\n{{- $k := \"replicaCount\" }}\n# {{ include \"get\" (dict \"v\" .Values \"k\" $k) }}\n",
    )
    .unwrap();
    let rows = check(d.path(), "web", "prod");
    assert!(
        !rows.iter().any(|r| r.starts_with("values-unknown-key")),
        "{rows:#?}"
    );
}

#[test]
fn subchart_values_live_under_the_subchart_key() {
    let d = tempfile::tempdir().unwrap();
    write_tree(
        d.path(),
        &[
            (
                "chartgate.yaml",
                "environments:\n  prod: {namespace: team-a}\n",
            ),
            (
                "app/Chart.yaml",
                "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - {name: cache, version: 0.1.0, repository: \"file://charts/cache\", condition: cache.enabled}\n",
            ),
            ("app/values.yaml", "name: app\n"),
            (
                "app/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n  labels: {team: shop, environment: prod}\n",
            ),
            (
                "app/charts/cache/Chart.yaml",
                "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
            ),
            ("app/charts/cache/values.yaml", "policy: lru\nsize: 64Mi\n"),
            (
                "app/charts/cache/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\n  labels: {team: shop, environment: prod}\ndata:\n  policy: {{ .Values.policy }}\n  size: {{ .Values.size }}\n  region: {{ .Values.global.region | default \"eu\" }}\n",
            ),
            (
                "app/values-prod.yaml",
                "nmae: web\ncache:\n  enabled: true\n  polcy: lfu\n  size: 128Mi\nglobal:\n  region: us\n",
            ),
        ],
    );
    let rows: Vec<String> = check(d.path(), "app", "prod")
        .into_iter()
        .filter(|r| r.starts_with("values-unknown-key"))
        .collect();
    assert_eq!(
        rows,
        [
            "values-unknown-key warning app/values-prod.yaml:1:1 `nmae` is not a value of chart `app` (not in its defaults, values.schema.json or templates); did you mean `name`?",
            "values-unknown-key warning app/values-prod.yaml:4:3 `cache.polcy` is not a value of chart `app` (not in its defaults, values.schema.json or templates); did you mean `cache.policy`?",
        ]
    );
}

/// `../shared/corpus` from the repository root (or an ancestor, for worktrees).
fn corpus() -> Option<PathBuf> {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|a| a.join("shared/corpus"))
        .find(|p| p.is_dir())
}

#[test]
fn corpus_charts_know_their_own_values_and_their_cases_values() {
    let Some(corpus) = corpus() else {
        assert!(
            std::env::var_os("CHARTGATE_CI").is_none(),
            "CHARTGATE_CI is set but no shared/corpus was found"
        );
        eprintln!("SKIPPED: ../shared/corpus not found");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let limits = chartgate::yaml::Limits::default();
    let mut charts = 0;
    let mut files = 0;
    let mut found = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let lc = chartgate::render::chart::load::load_chart(&dir)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // The chart's own values.yaml as an environment's file, then every corpus case's.
        let own = tmp.path().join(format!("{name}-values.yaml"));
        std::fs::copy(dir.join("values.yaml"), &own).unwrap();
        let mut values = vec![own];
        if let Ok(rd) = std::fs::read_dir(corpus.join("cases").join(&name)) {
            let mut cases: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
            cases.sort();
            values.extend(
                cases
                    .into_iter()
                    .filter(|p| p.extension().is_some_and(|e| e == "yaml")),
            );
        }
        charts += 1;
        files += values.len();
        for f in findings(
            &lc.chart,
            &dir,
            &values,
            None,
            chartgate::model::Severity::Warning,
            &corpus,
            &limits,
        ) {
            found.push(format!(
                "{name}: {}:{} {}",
                f.location.file, f.location.line, f.message
            ));
        }
    }
    eprintln!("values-unknown-key over {charts} corpus charts, {files} values files");
    assert!(charts >= 20, "{charts}");
    // The charts' own values: nothing. The corpus cases: two keys the charts really ignore
    // (this loki-distributed sets the storage class per claim, `persistence.claims[]`;
    // promtail has no PodDisruptionBudget template).
    assert_eq!(
        found,
        [
            "loki-distributed: cases/loki-distributed/s3-ha.values.yaml:30 `ingester.persistence.storageClass` is not a value of chart `loki-distributed` (not in its defaults, values.schema.json or templates)",
            "promtail: cases/promtail/deployment-syslog.values.yaml:10 `podDisruptionBudget` is not a value of chart `promtail` (not in its defaults, values.schema.json or templates)",
        ]
    );
}
