//! Benchmark of a whole organisation: generates N services (default 500) × dev/test/prod into a
//! temporary directory — each service a realistic service chart (Deployment, Service, Ingress,
//! HPA, ConfigMap, PodDisruptionBudget, helpers) with two subcharts (a redis StatefulSet enabled by
//! a condition, a metrics library-style subchart with its own templates) and values per
//! environment — then runs the check pipeline as a library (discovery, render × environment,
//! parse, every built-in rule, values schemas) and reports charts×envs per second and the peak
//! memory (VmHWM of /proc/self/status).
//!
//! `cargo bench --bench org` (release). `ORG_SERVICES=N` and `ORG_JOBS=N` (threads, default 2)
//! change the size; the target is 500 services × 3 environments in ≤ 2 s on 2 cores, ≤ 500 MB.
//! `ORG_KEEP=DIR` generates the organisation into DIR and keeps it (scripts/bench_vs_helm.py
//! renders that same organisation with Helm's Go SDK for a side-by-side figure).
use std::path::Path;
use std::time::Instant;

/// The binary's allocator (src/main.rs), so the figure is what `chartgate check` gets.
#[global_allocator]
static ALLOC: chartgate::budget::alloc::Counting<mimalloc::MiMalloc> =
    chartgate::budget::alloc::Counting(mimalloc::MiMalloc);

use chartgate::pipeline::session::{RunOptions, Session};

const PLATFORM: &str = r#"root: true
registries: ["354918371398.dkr.ecr.*.amazonaws.com/*"]
hosts: ["*.{cluster}.idp.jppol.dk", "www.example.dk"]
singletons: ["*-scheduler"]
values-schema: [service-chart.schema.json]
environments:
  dev: {cluster: dev-eks, namespace: team}
  test: {cluster: test-eks, namespace: team}
  prod: {cluster: prod-eks, namespace: team, pin-digests: true, min-replicas: 2}
rules:
  timezone: {require-cronjob-timezone: true}
"#;

const HELPERS: &str = r#"{{- define "svc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "svc.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- define "svc.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "svc.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}
{{- define "svc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "svc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
"#;

const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "svc.fullname" . }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "svc.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      annotations:
        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}
      labels:
        {{- include "svc.selectorLabels" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
          env:
            {{- range $k, $v := .Values.env }}
            - name: {{ $k }}
              value: {{ $v | quote }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "svc.fullname" . }}
          livenessProbe:
            httpGet: {path: /healthz, port: http}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"#;

const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: {{ include "svc.fullname" . }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
spec:
  type: {{ .Values.service.type }}
  ports:
    - port: 80
      targetPort: http
  selector:
    {{- include "svc.selectorLabels" . | nindent 4 }}
"#;

const INGRESS: &str = r#"{{- if .Values.ingress.enabled -}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "svc.fullname" . }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
spec:
  tls:
    - hosts:
        {{- range .Values.ingress.hosts }}
        - {{ . | quote }}
        {{- end }}
      secretName: {{ include "svc.fullname" . }}-tls
  rules:
    {{- range .Values.ingress.hosts }}
    - host: {{ . | quote }}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {{ include "svc.fullname" $ }}
                port: {number: 80}
    {{- end }}
{{- end }}
"#;

const HPA: &str = r#"{{- if .Values.autoscaling.enabled }}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "svc.fullname" . }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "svc.fullname" . }}
  minReplicas: {{ .Values.autoscaling.minReplicas }}
  maxReplicas: {{ .Values.autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {type: Utilization, averageUtilization: 80}
{{- end }}
"#;

const CONFIGMAP: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "svc.fullname" . }}
data:
  {{- range $k, $v := .Values.config }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
"#;

const PDB: &str = r#"apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "svc.fullname" . }}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      {{- include "svc.selectorLabels" . | nindent 6 }}
"#;

const REDIS: &str = r#"apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-redis
spec:
  replicas: {{ .Values.replicas }}
  serviceName: {{ .Release.Name }}-redis
  selector:
    matchLabels: {app: redis}
  template:
    metadata:
      labels: {app: redis}
    spec:
      containers:
        - name: redis
          image: {{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-redis
spec:
  ports: [{port: 6379}]
  selector: {app: redis}
"#;

const METRICS: &str = r#"apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-metrics
  labels:
    {{- range $k, $v := .Values.labels }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
data:
  scrape-interval: {{ .Values.interval | default "30s" | quote }}
  global-env: {{ .Values.global.environment | quote }}
"#;

fn write(dir: &Path, name: &str, text: &str) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write");
}

/// Writes one service chart with its values; a few services carry deliberate violations.
fn service(root: &Path, i: usize) {
    let name = format!("svc-{i:04}");
    let d = root.join("services").join(&name);
    write(
        &d,
        "Chart.yaml",
        &format!(
            "apiVersion: v2\nname: {name}\nversion: 1.{i}.0\nappVersion: \"2.{i}.0\"\ndependencies:\n  - name: redis\n    version: 1.0.0\n    condition: redis.enabled\n  - name: metrics\n    version: 0.1.0\n"
        ),
    );
    write(&d, "templates/_helpers.tpl", HELPERS);
    write(&d, "templates/deployment.yaml", DEPLOYMENT);
    write(&d, "templates/service.yaml", SERVICE);
    write(&d, "templates/ingress.yaml", INGRESS);
    write(&d, "templates/hpa.yaml", HPA);
    write(&d, "templates/configmap.yaml", CONFIGMAP);
    write(&d, "templates/pdb.yaml", PDB);
    write(&d, "templates/NOTES.txt", "Service {{ .Release.Name }}\n");
    write(
        &d,
        "charts/redis/Chart.yaml",
        "apiVersion: v2\nname: redis\nversion: 1.0.0\n",
    );
    write(
        &d,
        "charts/redis/values.yaml",
        "replicas: 1\nimage:\n  repository: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/mirror/redis\n  tag: \"7.2\"\nresources:\n  requests: {cpu: 50m, memory: 64Mi}\n  limits: {memory: 64Mi}\n",
    );
    write(&d, "charts/redis/templates/redis.yaml", REDIS);
    write(
        &d,
        "charts/metrics/Chart.yaml",
        "apiVersion: v2\nname: metrics\nversion: 0.1.0\n",
    );
    write(
        &d,
        "charts/metrics/values.yaml",
        "labels:\n  team: platform\n  tier: backend\ninterval: 15s\n",
    );
    write(&d, "charts/metrics/templates/metrics.yaml", METRICS);
    let host = |c: &str| format!("{name}.{c}.idp.jppol.dk");
    write(
        &d,
        "values.yaml",
        &format!(
            "replicaCount: 2\nimage:\n  repository: 354918371398.dkr.ecr.eu-west-1.amazonaws.com/team/{name}\n  tag: \"2.{i}.0\"\n  pullPolicy: IfNotPresent\nservice:\n  type: ClusterIP\n  port: 8080\ningress:\n  enabled: true\n  hosts: [{}]\nautoscaling:\n  enabled: false\n  minReplicas: 2\n  maxReplicas: 5\nresources:\n  requests: {{cpu: 100m, memory: 128Mi}}\n  limits: {{memory: 128Mi}}\nenv:\n  TZ: Europe/Copenhagen\n  LOG_LEVEL: info\nconfig:\n  FEATURE_X: \"on\"\n  UPSTREAM: http://api\nredis:\n  enabled: true\nglobal:\n  environment: default\n",
            host("dev-eks")
        ),
    );
    let bad_tag = if i.is_multiple_of(50) {
        "latest"
    } else {
        "2.0.1"
    };
    write(
        &d,
        "values-dev.yaml",
        &format!(
            "image:\n  tag: \"{bad_tag}\"\ningress:\n  hosts: [{}]\nglobal:\n  environment: dev\n",
            host("dev-eks")
        ),
    );
    write(
        &d,
        "values-test.yaml",
        &format!(
            "ingress:\n  hosts: [{}]\nenv:\n  TZ: {}\nglobal:\n  environment: test\n",
            host("test-eks"),
            if i.is_multiple_of(70) {
                "Europe/Kopenhagen"
            } else {
                "UTC"
            }
        ),
    );
    write(
        &d,
        "values-prod.yaml",
        &format!(
            "replicaCount: {}\nimage:\n  tag: \"2.{i}.0@sha256:{:064x}\"\ningress:\n  hosts: [{}, www.example.dk]\nautoscaling:\n  enabled: true\nredis:\n  enabled: {}\nglobal:\n  environment: prod\n",
            if i.is_multiple_of(40) { 1 } else { 3 },
            i,
            host("prod-eks"),
            i.is_multiple_of(2)
        ),
    );
}

fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// CPU seconds (user + system) this process used so far.
fn cpu_secs() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')'): utime is the 12th, stime the 13th.
    let rest = s.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn main() {
    chartgate::budget::alloc::no_huge_pages();
    let n: usize = std::env::var("ORG_SERVICES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let jobs: usize = std::env::var("ORG_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let dir = tempfile::tempdir().expect("tempdir");
    let keep = std::env::var_os("ORG_KEEP").map(std::path::PathBuf::from);
    if let Some(k) = &keep {
        let _ = std::fs::remove_dir_all(k);
        std::fs::create_dir_all(k).expect("ORG_KEEP directory");
    }
    let root = keep.as_deref().unwrap_or(dir.path());
    std::fs::create_dir(root.join(".git")).expect("git marker");
    // `ORG_NO_CLUSTER_RULES=1`: without schema-validity, deprecated-api and pod-security (to
    // measure what they add).
    // `ORG_RULES_OFF=a,b`: those rules off too (to measure what any rule adds).
    let mut platform = if std::env::var_os("ORG_NO_CLUSTER_RULES").is_some() {
        format!("{PLATFORM}  schema-validity: off\n  deprecated-api: off\n  pod-security: off\n")
    } else {
        PLATFORM.to_string()
    };
    for id in std::env::var("ORG_RULES_OFF")
        .unwrap_or_default()
        .split(',')
    {
        if !id.trim().is_empty() {
            platform.push_str(&format!("  {}: off\n", id.trim()));
        }
    }
    write(root, "chartgate.yaml", &platform);
    write(
        root,
        "service-chart.schema.json",
        include_str!("../schemas/service-chart.schema.json"),
    );
    for i in 0..n {
        service(root, i);
    }
    let before = vm_hwm_kb().unwrap_or(0);
    let cpu0 = cpu_secs();
    let start = Instant::now();
    // The run as `check` does it: one session, the config prepared once (built-in rules plus
    // the bundled Rego policies compiled once), discovery, every chart × environment.
    let session = Session::new(
        RunOptions {
            jobs: Some(jobs),
            ..Default::default()
        },
        root.to_path_buf(),
        &[root.to_path_buf()],
    )
    .expect("session");
    let config = session.config_for(root).expect("config");
    let (prepared, d) = session
        .prepare_and_discover(config, &[root.to_path_buf()], &mut std::io::empty())
        .expect("bundled policies, discovery");
    let (renders, findings, errors) = {
        let r = session.check_charts(&d.discovered.services, &prepared, &d.argo.repos, None);
        let mut by_rule = std::collections::BTreeMap::new();
        for f in &r.findings {
            *by_rule.entry(f.rule.clone()).or_insert(0usize) += 1;
        }
        (r.renders, by_rule, r.render_errors)
    };
    let secs = start.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu0;
    let hwm = vm_hwm_kb().unwrap_or(0);
    println!(
        "org: {n} services, {renders} charts×envs on {jobs} threads in {secs:.3} s = {:.0} charts×envs/s; findings {findings:?}, {errors} render errors; {cpu:.2} CPU-s ({:.0} charts×envs per CPU-second); peak memory (VmHWM) {:.1} MB (before the check {:.1} MB)",
        renders as f64 / secs,
        renders as f64 / cpu.max(0.001),
        hwm as f64 / 1024.0,
        before as f64 / 1024.0
    );
    assert_eq!(
        errors, 0,
        "the generated organisation renders without errors"
    );
}
