//! Provenance end to end: a finding about a rendered value points at the values line that
//! produced it (the part it is about, for strings built from several values), through `tpl`,
//! string building and `include`d helpers; a helper's bytes are at the helper's line with the
//! `include` line as a related location. Fixture: fixtures/provenance/prov-chart (each template
//! line exercises one construct; values.yaml puts each input on its own line).

mod support;

const CHART: &str = "fixtures/provenance/prov-chart";

/// `rule file:line:col` then `label=file:line:col` for each related location but `rendered`,
/// for the findings of `rules`.
fn findings(rules: &[&str]) -> Vec<String> {
    let json = support::run(&["check", "--format", "json", "--env", "dev", CHART]).json();
    let short = |f: &str| f.trim_start_matches(&format!("{CHART}/")).to_string();
    let mut got: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| rules.contains(&f["rule"].as_str().unwrap()))
        .map(|f| {
            let mut s = format!(
                "{} {}:{}:{}",
                f["rule"].as_str().unwrap(),
                short(f["file"].as_str().unwrap()),
                f["line"],
                f["column"]
            );
            for r in f["related"].as_array().unwrap() {
                if r["label"] != "rendered" {
                    s.push_str(&format!(
                        " {}={}:{}:{}",
                        r["label"].as_str().unwrap(),
                        short(r["file"].as_str().unwrap()),
                        r["line"],
                        r["column"]
                    ));
                }
            }
            s
        })
        .collect();
    got.sort();
    got
}

#[test]
fn image_registry_points_at_the_registry_value_of_a_built_image() {
    let got = findings(&["image-registry"]);
    assert_eq!(
        got,
        vec![
            // printf of a helper's registry and a value's tag: the registry is the helper's.
            "image-registry templates/_helpers.tpl:10:1 include=templates/deploy.yaml:20:18",
            // A helper's literal image: the helper's line, the `include` line related.
            "image-registry templates/_helpers.tpl:2:1 include=templates/deploy.yaml:18:18",
            // printf "%s/%s:%s" registry repository tag: the registry, not the first value
            // that happens to be fine.
            "image-registry values.yaml:3:13 template=templates/deploy.yaml:14:18",
            // print registry "/" repository ":1.0".
            "image-registry values.yaml:7:13 template=templates/deploy.yaml:16:18",
        ]
    );
}

#[test]
fn host_zone_points_at_the_zone_value_through_tpl_string_functions_and_helpers() {
    let got = findings(&["ingress-host-zone"]);
    let want = [
        // printf "%s.literal.example.org" name: the zone is the template's own text, so the
        // finding is at the template, not at the name's values line.
        "templates/ingress.yaml:22:13",
        // tpl of a plain values string: the string's own line.
        "values.yaml:10:12 template=templates/ingress.yaml:7:13",
        // tpl of a template-literal building name.zone: the zone's value.
        "values.yaml:12:12 template=templates/ingress.yaml:8:13",
        // printf "%s.%s" name zone, and `list name zone | join "."`: the zone.
        "values.yaml:14:9 template=templates/ingress.yaml:11:13",
        "values.yaml:14:9 template=templates/ingress.yaml:9:13",
        // cat name zone | replace " " ".".
        "values.yaml:15:12 template=templates/ingress.yaml:10:13",
        // replace, trimSuffix, lower, upper|lower inside printf, trunc, b64enc.
        "values.yaml:16:13 template=templates/ingress.yaml:12:13",
        "values.yaml:17:12 template=templates/ingress.yaml:13:13",
        "values.yaml:18:10 template=templates/ingress.yaml:14:13",
        "values.yaml:19:14 template=templates/ingress.yaml:15:13",
        "values.yaml:20:9 template=templates/ingress.yaml:16:13",
        "values.yaml:21:12 template=templates/ingress.yaml:17:13",
        // A helper printing a value: the value, the helper's line, the include line.
        "values.yaml:23:9 template=templates/_helpers.tpl:6:1 include=templates/ingress.yaml:18:13",
        // tpl of a values string that builds name.zone: the zone's value.
        "values.yaml:26:9 template=templates/ingress.yaml:19:13",
        // tpl of a values string whose zone is literal text in it: that string's line.
        "values.yaml:27:13 template=templates/ingress.yaml:20:13",
        // Bitnami's `common.tplvalues.render` (include of a helper that `tpl`s the value): the
        // value, the helper's `tpl` line, the include line.
        "values.yaml:29:13 template=templates/_helpers.tpl:16:1 include=templates/ingress.yaml:21:13",
    ];
    let want: Vec<String> = want
        .iter()
        .map(|w| format!("ingress-host-zone {w}"))
        .collect();
    assert_eq!(got, want);
}

/// `check --format json --env dev` of fixtures/provenance/labels-chart with the `known-team`
/// policy: `rule file:line:col label=file:line:col…` (all related locations), for `rules`.
fn labels_chart_findings(rules: &[&str]) -> Vec<String> {
    const LABELS: &str = "fixtures/provenance/labels-chart";
    support::run(&[
        "check",
        "--format",
        "json",
        "--env",
        "dev",
        "--policy",
        "fixtures/provenance/policies/known_team.rego",
        LABELS,
    ])
    .finding_lines_as("{rule} {file}:{line}:{column}{related}")
    .into_iter()
    .filter(|l| rules.iter().any(|r| l.starts_with(&format!("{r} "))))
    .collect()
}

#[test]
fn label_from_an_included_helper_points_at_the_values_line_then_helper_then_include() {
    // templates/ingress.yaml:6 `{{- include "x.labels" . | nindent 4 }}`; the helper's line 4
    // `team: {{ .Values.team }}`; values-dev.yaml:2 `team: nobody` overrides values.yaml.
    assert_eq!(
        labels_chart_findings(&["known-team"]),
        vec![
            "known-team fixtures/provenance/labels-chart/values-dev.yaml:2:7 \
             template=fixtures/provenance/labels-chart/templates/_helpers.tpl:4:7 \
             include=fixtures/provenance/labels-chart/templates/ingress.yaml:6:5 \
             rendered=labels-chart/templates/ingress.yaml:7:11"
        ]
    );
}

#[test]
fn host_built_from_name_and_zone_points_at_the_wrong_zone_only() {
    // `printf "%s.%s" .Values.name .Values.zone`: the name (values.yaml:2) is fine, the zone
    // (values-dev.yaml:3) is not in `*.dev-eu.idp.example.com`.
    assert_eq!(
        labels_chart_findings(&["ingress-host-zone"]),
        vec![
            "ingress-host-zone fixtures/provenance/labels-chart/values-dev.yaml:3:7 \
             template=fixtures/provenance/labels-chart/templates/ingress.yaml:9:13 \
             rendered=labels-chart/templates/ingress.yaml:10:13"
        ]
    );
}

#[test]
fn tpl_of_a_subchart_values_string_points_at_the_value_it_names_wherever_it_is_set() {
    // charts/web/templates/ingress.yaml renders `tpl .Values.host .` (and apiHost, adminHost):
    // strings in the subchart's values.yaml naming `{{ .Values.zone }}`-like values, which are
    // set by the subchart itself, by the umbrella's values.yaml, and by its values-dev.yaml.
    const UMBRELLA: &str = "fixtures/provenance/umbrella-chart";
    let json = support::run(&["check", "--format", "json", "--env", "dev", UMBRELLA]).json();
    let got: Vec<String> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "ingress-host-zone")
        .map(|f| {
            let t = f["related"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["label"] == "template")
                .unwrap();
            format!(
                "{}:{}:{} template={}:{}:{}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                t["file"].as_str().unwrap(),
                t["line"],
                t["column"]
            )
        })
        .collect();
    let tpl = format!("{UMBRELLA}/charts/web/templates/ingress.yaml");
    assert_eq!(
        got,
        vec![
            format!("{UMBRELLA}/charts/web/values.yaml:3:7 template={tpl}:7:13"),
            format!("{UMBRELLA}/values-dev.yaml:3:14 template={tpl}:9:13"),
            format!("{UMBRELLA}/values.yaml:3:12 template={tpl}:8:13"),
        ]
    );
}
