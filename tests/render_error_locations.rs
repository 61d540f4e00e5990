//! Where a failed render is reported: the `render-error` finding of a chart whose template fails
//! points at the file:line:col the renderer's typed error carries (the template of the root chart
//! or of a subchart, or the values line of a value given to `tpl`), never at the chart as a whole
//! when a position is known. Template columns are Go's (0-based byte columns, as the message
//! prints them); values columns are 1-based.

mod support;

const CHART: &str = "apiVersion: v2\nname: c\nversion: 1.0.0\n";

/// A chart `c` in a fresh repository with `files` (paths relative to the chart), checked with
/// `args` more; returns the `render-error` findings as `file:line:column message`.
fn render_errors(files: &[(&str, &str)], args: &[&str]) -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join(".git")).unwrap();
    let mut all = vec![("chartgate.yaml", "root: true\n"), ("c/Chart.yaml", CHART)];
    let owned: Vec<(String, &str)> = files.iter().map(|(p, t)| (format!("c/{p}"), *t)).collect();
    all.extend(owned.iter().map(|(p, t)| (p.as_str(), *t)));
    support::write_tree(r, &all);
    let out = support::cli(["check", "c", "--format", "json"])
        .args(args)
        .dir(r)
        .run();
    assert_eq!(out.code(), 2, "{}\n{}", out.stdout, out.stderr);
    rows(&out.stdout)
}

fn rows(json: &str) -> Vec<String> {
    support::finding_lines_as(json, "{rule} {file}:{line}:{column} {message}")
        .into_iter()
        .filter_map(|l| l.strip_prefix("render-error ").map(str::to_string))
        .collect()
}

#[test]
fn parse_error_at_its_line() {
    assert_eq!(
        render_errors(
            &[(
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {{ .Values.a \n"
            )],
            &[]
        ),
        [
            "c/templates/cm.yaml:5:1 parse error at (c/templates/cm.yaml:5): unclosed action started at c/templates/cm.yaml:4"
        ]
    );
}

#[test]
fn exec_error_at_its_action() {
    assert_eq!(
        render_errors(
            &[
                ("values.yaml", "list: [1, 2]\n"),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\ndata:\n  a: {{ index .Values.list 5 }}\n"
                )
            ],
            &[]
        ),
        [
            "c/templates/cm.yaml:4:8 template: c/templates/cm.yaml:4:8: executing \"c/templates/cm.yaml\" at <index .Values.list 5>: error calling index: index out of range: 5"
        ]
    );
}

#[test]
fn fail_at_its_call() {
    assert_eq!(
        render_errors(
            &[(
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\n{{- if true }}\n  {{ fail \"boom\" }}\n{{- end }}\n"
            )],
            &[]
        ),
        ["c/templates/cm.yaml:4:5 execution error at (c/templates/cm.yaml:4:5): boom"]
    );
}

#[test]
fn required_at_its_call() {
    assert_eq!(
        render_errors(
            &[(
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name | required \"name is required\" }}\n"
            )],
            &[]
        ),
        [
            "c/templates/cm.yaml:4:26 execution error at (c/templates/cm.yaml:4:26): name is required"
        ]
    );
}

/// An error inside an `include`d helper is reported at the `include` of the template being
/// rendered (the first position of Helm's message); the helper's line follows in the message.
#[test]
fn helper_error_at_the_include() {
    assert_eq!(
        render_errors(
            &[
                (
                    "templates/_helpers.tpl",
                    "{{/* helpers */}}\n{{- define \"c.name\" -}}\n{{ .Values.name | required \"helper needs name\" }}\n{{- end }}\n"
                ),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include \"c.name\" . }}\n"
                )
            ],
            &[]
        ),
        [
            "c/templates/cm.yaml:4:11 execution error at (c/templates/cm.yaml:4:11): helper needs name"
        ]
    );
}

#[test]
fn subchart_error_in_the_subchart_file() {
    assert_eq!(
        render_errors(
            &[
                (
                    "Chart.yaml",
                    "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n  - name: sub\n    version: 0.1.0\n"
                ),
                (
                    "charts/sub/Chart.yaml",
                    "apiVersion: v2\nname: sub\nversion: 0.1.0\n"
                ),
                (
                    "charts/sub/templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\n\n\n{{ fail \"sub fails\" }}\n"
                )
            ],
            &[]
        ),
        [
            "c/charts/sub/templates/cm.yaml:5:3 execution error at (c/charts/sub/templates/cm.yaml:5:3): sub fails"
        ]
    );
}

/// `tpl` of a values string that fails: at the value in the values file that set it.
#[test]
fn tpl_of_a_value_at_the_value() {
    assert_eq!(
        render_errors(
            &[
                ("values.yaml", "a: 1\nextra: '{{ fail \"bad extra\" }}'\n"),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {{ tpl .Values.extra . }}\n"
                )
            ],
            &[]
        ),
        ["c/values.yaml:2:8 execution error at (c/templates/cm.yaml:4:8): bad extra"]
    );
}

/// The same from an environment's values file (a file of the run, not of the chart).
#[test]
fn tpl_of_an_environment_value_at_that_file() {
    assert_eq!(
        render_errors(
            &[
                ("values.yaml", "extra: ''\n"),
                (
                    "values-dev.yaml",
                    "# dev\nextra: >-\n  {{ .Values.nope.deeper }}\n"
                ),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {{ tpl .Values.extra . }}\n"
                )
            ],
            &[]
        ),
        [
            "c/values-dev.yaml:3:3 template: c/templates/cm.yaml:4:8: executing \"c/templates/cm.yaml\" at <tpl .Values.extra .>: error calling tpl: error during tpl function execution for \"{{ .Values.nope.deeper }}\": template: gotpl:1:10: executing \"gotpl\" at <.Values.nope.deeper>: nil pointer evaluating interface {}.deeper"
        ]
    );
}

/// `tpl` of text the template wrote itself: at the `tpl` call.
#[test]
fn tpl_of_template_text_at_the_call() {
    assert_eq!(
        render_errors(
            &[(
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {{ tpl \"{{ fail \\\"inline\\\" }}\" . }}\n"
            )],
            &[]
        ),
        ["c/templates/cm.yaml:4:8 execution error at (c/templates/cm.yaml:4:8): inline"]
    );
}

#[test]
fn range_limit_at_the_range() {
    assert_eq!(
        render_errors(
            &[
                ("values.yaml", "items: [1, 2, 3, 4, 5, 6]\n"),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\ndata:\n{{- range $i, $e := .Values.items }}\n  k{{ $i }}: {{ $e | quote }}\n{{- end }}\n"
                )
            ],
            &["--limit", "range-iterations=3"]
        ),
        [
            "c/templates/cm.yaml:4:4 c/templates/cm.yaml:4:4\n  executing \"c/templates/cm.yaml\" at <$i, $e := .Values.items>:\n    range iterations exceed the limit of 3 (limits.range-iterations)"
        ]
    );
}

/// A chart whose files are `files` (paths relative to the repository), checked; the
/// `render-error` findings.
fn load_errors(files: &[(&str, &str)]) -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join(".git")).unwrap();
    let mut all = vec![("chartgate.yaml", "root: true\n")];
    all.extend_from_slice(files);
    support::write_tree(r, &all);
    let out = support::cli(["check", "c", "--format", "json"])
        .dir(r)
        .run();
    assert_eq!(out.code(), 2, "{}\n{}", out.stdout, out.stderr);
    rows(&out.stdout)
}

/// `Chart.yaml` validation: at the offending key's value (was line 1:1); a missing key stays at
/// 1:1. The message is Helm's, unchanged.
#[test]
fn chart_yaml_validation_at_the_key() {
    assert_eq!(
        load_errors(&[(
            "c/Chart.yaml",
            "apiVersion: v2\ndescription: x\nname: a/b\nversion: 1.0.0\n"
        )]),
        ["c/Chart.yaml:3:7 c/Chart.yaml: validation: chart.metadata.name \"a/b\" is invalid"]
    );
    assert_eq!(
        load_errors(&[(
            "c/Chart.yaml",
            "apiVersion: v2\nname: c\nversion: 1.0.0\n\ntype:   plugin\n"
        )]),
        [
            "c/Chart.yaml:5:9 c/Chart.yaml: validation: chart.metadata.type must be application or library"
        ]
    );
    assert_eq!(
        load_errors(&[("c/Chart.yaml", "apiVersion: v2\nname: c\nversion: ''\n")]),
        ["c/Chart.yaml:3:10 c/Chart.yaml: validation: chart.metadata.version is required"]
    );
    assert_eq!(
        load_errors(&[("c/Chart.yaml", "apiVersion: v2\nname: c\n")]),
        ["c/Chart.yaml:1:1 c/Chart.yaml: validation: chart.metadata.version is required"]
    );
    assert_eq!(
        load_errors(&[(
            "c/Chart.yaml",
            "apiVersion: v2\nname: c\nversion: 1.0.0\ndependencies:\n  - repository: file://../x\n    version: 1.0.0\n"
        )]),
        ["c/Chart.yaml:5:17 c/Chart.yaml: validation: dependencies must have a name"]
    );
}

/// A subchart's invalid `Chart.yaml` and a chart's broken `values.yaml`: in that file.
#[test]
fn chart_files_at_their_line() {
    assert_eq!(
        load_errors(&[
            ("c/Chart.yaml", CHART),
            (
                "c/charts/sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 1.0.0\ntype: app\n"
            )
        ]),
        [
            "c/charts/sub/Chart.yaml:4:7 c/charts/sub/Chart.yaml: validation: chart.metadata.type must be application or library"
        ]
    );
    assert_eq!(
        load_errors(&[("c/Chart.yaml", CHART), ("c/values.yaml", "a: 1\nb: [\n")]),
        [
            "c/values.yaml:3:1 c/values.yaml:3:1: while parsing a node, did not find expected node content"
        ]
    );
}
