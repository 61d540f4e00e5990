//! Benchmark of template execution: a typical Deployment template with helpers (include,
//! range over maps and lists, with/if, printf) executed repeatedly. Run with
//! `cargo bench --bench template` (or `cargo test --bench template` for a quick debug figure).
use chartgate::model::value::{Map, Value};
use chartgate::render::template::{Limits, TemplateSet};
use std::time::Instant;

const HELPERS: &str = r#"
{{- define "app.name" -}}{{ .Chart.Name }}{{- end -}}
{{- define "app.fullname" -}}{{ printf "%s-%s" .Release.Name .Chart.Name }}{{- end -}}
{{- define "app.labels" -}}
app.kubernetes.io/name: {{ include "app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
{{ include "app.labels" . | indent4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          {{- with .Values.env }}
          env:
            {{- range $k, $v := . }}
            - name: {{ $k }}
              value: {{ printf "%q" (print $v) }}
            {{- end }}
          {{- end }}
          ports:
            {{- range .Values.ports }}
            - containerPort: {{ .port }}
              name: {{ .name }}
            {{- end }}
          {{- if .Values.resources }}
          resources:
            requests:
              cpu: {{ .Values.resources.cpu }}
              memory: {{ .Values.resources.memory }}
          {{- end }}
"#;

fn s(x: &str) -> Value {
    Value::str(x)
}

fn m(pairs: Vec<(&str, Value)>) -> Value {
    Value::map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map>(),
    )
}

fn main() {
    let mut set = TemplateSet::new(Limits::default());
    set.add_file("app/templates/_helpers.tpl", HELPERS)
        .expect("helpers parse");
    // `indent` is Sprig; keep the benchmark to engine builtins.
    let dep = DEPLOYMENT.replace(" | indent4", "");
    set.add_file("app/templates/deployment.yaml", &dep)
        .expect("deployment parse");
    let env: Vec<(String, Value)> = (0..20)
        .map(|i| (format!("VAR_{i}"), Value::float(i as f64 * 1.5)))
        .collect();
    let ports = (0..5)
        .map(|i| {
            m(vec![
                ("port", Value::float(8080.0 + i as f64)),
                ("name", s(&format!("p{i}"))),
            ])
        })
        .collect();
    let values = m(vec![
        ("replicaCount", Value::float(1.0)),
        (
            "image",
            m(vec![
                (
                    "repository",
                    s("354918371398.dkr.ecr.eu-west-1.amazonaws.com/app"),
                ),
                ("tag", s("1.2.3")),
            ]),
        ),
        ("env", Value::map(env.into_iter().collect())),
        ("ports", Value::list(ports)),
        (
            "resources",
            m(vec![("cpu", s("100m")), ("memory", s("128Mi"))]),
        ),
    ]);
    let dot = m(vec![
        ("Values", values),
        (
            "Release",
            m(vec![
                ("Name", s("release")),
                ("Namespace", s("default")),
                ("Service", s("Helm")),
            ]),
        ),
        (
            "Chart",
            m(vec![("Name", s("app")), ("Version", s("0.1.0"))]),
        ),
        (
            "Template",
            m(vec![
                ("Name", s("app/templates/deployment.yaml")),
                ("BasePath", s("app/templates")),
            ]),
        ),
    ]);
    let first = set
        .execute("app/templates/deployment.yaml", &dot)
        .expect("execute");
    let iters = 2000u32;
    let start = Instant::now();
    let mut bytes = 0usize;
    for _ in 0..iters {
        let r = set
            .execute("app/templates/deployment.yaml", &dot)
            .expect("execute");
        bytes += r.text.len();
    }
    let per = start.elapsed() / iters;
    println!(
        "template/deployment: {:?} per execution ({} bytes output, {} iterations, {} total bytes)",
        per,
        first.text.len(),
        iters,
        bytes
    );
}
