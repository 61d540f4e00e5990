//! Fixed chart templates (the functions charts use most, many of them fed from values) rendered
//! through the chart pipeline (values coalescing, `.Release`, `.Capabilities`, `.Files`) with
//! arbitrary YAML as the chart's `values.yaml`.
use chartgate::render::chart::release::parse_values_text;
use chartgate::render::chart::{
    Chart, ChartFile, LoadedChart, Metadata, RenderOptions, Sources, render_chart_with,
};
use chartgate::render::template::{Limits, TemplateSet};
use std::time::Duration;

const TEMPLATES: &[(&str, &str)] = &[
    (
        "templates/_helpers.tpl",
        r#"{{- define "fullname" -}}{{ default .Chart.Name .Values.nameOverride | toString | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "labels" -}}
app.kubernetes.io/name: {{ include "fullname" . | quote }}
{{- with .Values.labels }}
{{ toYaml . }}
{{- end }}
{{- end -}}"#,
    ),
    (
        "templates/deployment.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "fullname" . }}
  labels: {{- include "labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas | default 1 }}
  template:
    spec:
      containers:
        - name: app
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          {{- with .Values.resources }}
          resources: {{- toYaml . | nindent 12 }}
          {{- end }}
          env:
          {{- range $k, $v := .Values.env }}
            - name: {{ $k | upper | quote }}
              value: {{ $v | toString | quote }}
          {{- end }}
          {{- range $i, $p := .Values.ports }}
          - port{{ $i }}: {{ $p }}
          {{- end }}
"#,
    ),
    (
        "templates/funcs.yaml",
        r#"{{- $v := .Values }}
json: {{ toJson $v }}
pretty: {{ toPrettyJson $v | b64enc | b64dec | sha256sum }}
yaml: {{ toYaml $v | fromYaml | toYaml | indent 2 }}
toml: {{ toToml $v | quote }}
tpl: {{ tpl (toString (default "" $v.tpl)) . }}
keys: {{ keys $v | sortAlpha | join "," }}
dig: {{ dig "a" "b" "c" "none" $v }}
merged: {{ merge (deepCopy $v) (dict "x" 1) | toJson }}
has: {{ hasKey $v "replicas" }} {{ empty $v.nothing }} {{ kindOf $v.replicas }} {{ typeOf $v.list }}
regex: {{ regexMatch (toString (default "x" $v.pattern)) (toString (default "" $v.name)) }}
find: {{ regexFindAll (toString (default "a" $v.pattern)) (toString $v.text) -1 | len }}
repeat: {{ repeat (int (default 1 $v.count)) "ab" | len }}
until: {{ until (int (default 1 $v.count)) | len }}
seq: {{ seq 1 (int (default 1 $v.count)) | len }}
print: {{ printf "%v %d %s %q %x %5.2f" $v.name $v.replicas $v.name $v.name $v.name $v.ratio }}
math: {{ add $v.replicas 1 }} {{ mul (int $v.replicas) 2 }} {{ div 10 (max 1 (int $v.replicas)) }} {{ mod 7 (max 1 (int $v.replicas)) }}
float: {{ addf $v.ratio 1 }} {{ round $v.ratio 2 }} {{ ceil $v.ratio }} {{ floor $v.ratio }}
str: {{ $v.name | toString | title | snakecase | camelcase | kebabcase | abbrev 10 | wrap 3 | nospace }}
split: {{ splitList "," (toString $v.csv) | uniq | compact | reverse | toJson }}
semver: {{ semverCompare (toString (default "*" $v.constraint)) (toString (default "1.0.0" $v.version)) }}
list: {{ $v.list | toJson }} {{ if kindIs "slice" $v.list }}{{ first $v.list }} {{ last $v.list }} {{ rest $v.list | len }}{{ end }}
{{- range $k, $x := $v }}
{{ $k }}: {{ $x | toJson }}
{{- end }}
files: {{ .Files.Get (toString (default "none" $v.file)) | len }} {{ range $p, $_ := .Files.Glob (toString (default "*" $v.glob)) }}{{ $p }}{{ end }}
"#,
    ),
];

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut sources = Sources::default();
    let Ok(values) = parse_values_text(src, "chart/values.yaml", &mut sources) else {
        return;
    };
    let chart = Chart {
        metadata: Metadata {
            api_version: "v2".into(),
            name: "chart".into(),
            version: "1.0.0".into(),
            app_version: "2.0".into(),
            ..Default::default()
        },
        values,
        values_source: 1,
        templates: TEMPLATES
            .iter()
            .map(|(n, t)| ChartFile {
                name: n.to_string(),
                data: t.as_bytes().to_vec().into(),
                source_id: 0,
            })
            .collect(),
        files: vec![ChartFile {
            name: "files/a.conf".into(),
            data: b"a=1\n".to_vec().into(),
            source_id: 0,
        }],
        ..Default::default()
    };
    let loaded = LoadedChart {
        chart,
        sources,
        parse_cache: Default::default(),
    };
    let mut set = TemplateSet::new(Limits {
        max_depth: 200,
        max_output_bytes: 1 << 20,
        max_range_iterations: 100_000,
        time_budget: Duration::from_secs(2),
        ..Limits::default()
    });
    // A render's memory budget, as in `chartgate check` (see `template_exec`): `tpl` runs
    // template text from the values.
    let _ = chartgate::budget::scoped(super::template_exec::RENDER_MEMORY, 2, || {
        render_chart_with(&mut set, &loaded, &RenderOptions::default())
    });
}
