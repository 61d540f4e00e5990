//! Template execution: arbitrary template text run against a fixed values tree (every value
//! type, nested maps and lists, strings that are templates themselves for `tpl`), with a
//! helper file defining `include`-able templates.
use chartgate::model::value::{Map, Value};
use chartgate::render::template::{Limits, TemplateSet};
use std::sync::OnceLock;
use std::time::Duration;

const VALUES: &str = r#"
Values:
  name: web
  replicas: 3
  ratio: 0.5
  enabled: true
  off: false
  empty: ""
  nothing: null
  list: [a, 1, true, null, {k: v}, [x, y]]
  image: {repository: nginx, tag: "1.2.3", pullPolicy: IfNotPresent}
  resources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
  env: {A: "1", B: two}
  tplString: "{{ .Values.name }}-{{ .Release.Name }}"
  nested: {a: {b: {c: {d: deep}}}}
  ports: [{name: http, port: 80}, {name: https, port: 443}]
Release: {Name: rel, Namespace: ns, Service: Helm, IsInstall: true, Revision: 1}
Chart: {Name: chart, Version: 1.0.0, AppVersion: "2.0"}
Capabilities: {KubeVersion: {Version: v1.36.0, Major: "1", Minor: "36"}}
Template: {Name: chart/templates/t.yaml, BasePath: chart/templates}
"#;

const HELPERS: &str = r#"{{- define "name" -}}{{ .Values.name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- define "labels" -}}
app: {{ include "name" . }}
release: {{ .Release.Name }}
{{- end -}}
{{- define "recurse" -}}{{ include "recurse" . }}{{- end -}}"#;

fn dot() -> &'static Value {
    static DOT: OnceLock<Value> = OnceLock::new();
    DOT.get_or_init(|| {
        chartgate::yaml::parse_values(VALUES, 1, &Default::default())
            .unwrap_or_else(|_| Value::map(Map::new()))
    })
}

/// Smaller bounds than the defaults so that a legitimate (bounded) blow-up ends quickly
/// instead of looking like a hang or an OOM to libFuzzer. The time budget is 100 ms: with 2 s,
/// the 1% of inputs that busy-loop until the budget ends them (mutations of the hostile seeds)
/// took 90% of the run's time (181 executions per second, 2026-12-07).
fn limits() -> Limits {
    Limits {
        max_depth: 200,
        max_output_bytes: 1 << 20,
        max_range_iterations: 100_000,
        time_budget: Duration::from_millis(100),
        ..Limits::default()
    }
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = TemplateSet::new(limits());
    if set
        .add_file("chart/templates/_helpers.tpl", HELPERS)
        .is_err()
    {
        return;
    }
    if set.add_file("chart/templates/t.yaml", src).is_err() {
        return;
    }
    // A render's memory budget, as every render of `chartgate check` has (`budget::scoped`;
    // the library's counting allocator is this binary's too): without one, a blow-up the
    // budget stops (`deepCopy` of a map doubled into itself 40 times) ran for the whole time
    // budget and past libFuzzer's RSS limit.
    let _ = chartgate::budget::scoped(RENDER_MEMORY, 2, || {
        set.execute("chart/templates/t.yaml", dot())
    });
}

/// `limits.render-memory` for the fuzz targets that render (the default is 512 MiB).
pub const RENDER_MEMORY: u64 = 256 << 20;
