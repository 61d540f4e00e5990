#!/usr/bin/env python3
"""Generates N team repositories (default 300) for the `chartgate audit --repos FILE` benchmark.

Each repository is a small team repo: `chartgate.yaml` (root, registries, environments dev and
prod), `.github/CODEOWNERS` (one of 20 teams), and 2 or 3 charts under `charts/` (Deployment,
Service, ConfigMap, helpers) with `values.yaml`, `values-dev.yaml` and `values-prod.yaml`.
About a third of the charts have a finding in some environment (an image from Docker Hub, an
unpinned tag, a missing memory limit, one replica in prod), so the report is not empty.
Writes `repos.txt` (one repository a line) into the output directory.

Usage: benches/audit_repos.py OUT_DIR [N]
"""
import os
import sys

CONFIG = """root: true
registries: ["123456789012.dkr.ecr.*.amazonaws.com/*"]
environments:
  dev: {cluster: dev-eks, namespace: team}
  prod: {cluster: prod-eks, namespace: team, min-replicas: 2}
"""

HELPERS = """{{- define "svc.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- define "svc.labels" -}}
app.kubernetes.io/name: {{ include "svc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
team: {{ .Values.team }}
environment: {{ .Values.environment }}
{{- end -}}
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "svc.name" . }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicaCount }}
  selector:
    matchLabels:
      app.kubernetes.io/name: {{ include "svc.name" . }}
  template:
    metadata:
      labels:
        {{- include "svc.labels" . | nindent 8 }}
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
          ports:
            - containerPort: {{ .Values.port }}
          envFrom:
            - configMapRef:
                name: {{ include "svc.name" . }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {{ include "svc.name" . }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
spec:
  selector:
    app.kubernetes.io/name: {{ include "svc.name" . }}
  ports:
    - port: 80
      targetPort: {{ .Values.port }}
"""

CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "svc.name" . }}
  labels:
    {{- include "svc.labels" . | nindent 4 }}
data:
  {{- range $k, $v := .Values.settings }}
  {{ $k }}: {{ $v | quote }}
  {{- end }}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def chart(root, repo, i, c):
    name = f"svc{c}"
    d = os.path.join(root, "charts", name)
    write(os.path.join(d, "Chart.yaml"),
          f"apiVersion: v2\nname: {name}\nversion: 1.{c}.0\nappVersion: \"{i}.{c}\"\n")
    write(os.path.join(d, "templates", "_helpers.tpl"), HELPERS)
    write(os.path.join(d, "templates", "deployment.yaml"), DEPLOYMENT)
    write(os.path.join(d, "templates", "service.yaml"), SERVICE)
    write(os.path.join(d, "templates", "configmap.yaml"), CONFIGMAP)
    kind = (i * 3 + c) % 9
    limits = "" if kind == 4 else "  limits:\n    memory: 256Mi\n"
    write(os.path.join(d, "values.yaml"),
          "image:\n"
          f"  repository: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/{repo}/{name}\n"
          f"  tag: \"{i}.{c}.0\"\n"
          "replicaCount: 2\nport: 8080\n"
          f"team: team-{i % 20}\nenvironment: default\n"
          "resources:\n  requests:\n    cpu: 100m\n    memory: 128Mi\n" + limits +
          "settings:\n  LOG_LEVEL: info\n  FEATURE_X: \"true\"\n")
    dev = "environment: dev\nsettings:\n  LOG_LEVEL: debug\n"
    if kind == 1:
        dev += "image:\n  repository: docker.io/library/nginx\n"
    if kind == 2:
        dev += "image:\n  tag: latest\n"
    write(os.path.join(d, "values-dev.yaml"), dev)
    prod = "environment: prod\n"
    if kind == 7:
        prod += "replicaCount: 1\n"
    write(os.path.join(d, "values-prod.yaml"), prod)


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    repos = []
    for i in range(n):
        repo = f"repo-{i:03d}"
        root = os.path.join(out, repo)
        write(os.path.join(root, "chartgate.yaml"), CONFIG)
        write(os.path.join(root, ".github", "CODEOWNERS"), f"* @acme/team-{i % 20}\n")
        for c in range(2 + i % 2):
            chart(root, repo, i, c)
        repos.append(repo)
    write(os.path.join(out, "repos.txt"), "".join(r + "\n" for r in repos))
    print(f"{n} repositories, {sum(2 + i % 2 for i in range(n))} charts in {out}")


if __name__ == "__main__":
    main()
