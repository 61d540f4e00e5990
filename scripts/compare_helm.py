#!/usr/bin/env python3
"""Compare chartgate's native rendering with real Helm on a directory of charts.

Needs Python 3 with `helm-python-sdk` (real Helm v4 Go SDK, no helm binary, no network) and PyYAML,
and a built chartgate (`cargo build --release`; default binary target/release/chartgate).

Usage:
    python3 scripts/compare_helm.py DIR [--chartgate BIN] [--only CHART ...] [--gen-cases]
                                        [--refresh] [--diff N] [--table FILE] [--helm-only]
                                        [--render-seconds N]

DIR has the layout of the shared corpus (../shared/corpus/README.md):

    DIR/charts/<chart>/                   chart directory, dependencies vendored in charts/<chart>/charts/
    DIR/cases/<chart>/<variant>.values.yaml   one values file per case (optional)
    DIR/golden/<chart>/<variant>.json     Helm's output, written by this script and reused (cache);
                                          --refresh renders again

A chart without cases gets a `default` case (no overrides). --gen-cases also writes, from the chart's
own values.yaml, two generated cases where they change something:

    features   `enabled: false` switched to true under commonly used feature keys (ingress,
               autoscaling, serviceMonitor, podDisruptionBudget, networkPolicy, ...)
    all-on     every `enabled: false` in values.yaml switched to true
    filled     empty maps/lists under common keys (annotations, resources, tolerations, extraEnv,
               extraVolumes, ...) given sample contents

Every case is rendered like `helm template release CHART -n default -f VALUES` (the same settings as
../shared/corpus/render_golden.py) and with `chartgate render CHART -f VALUES --name release
--namespace default --output json`. Templates are compared as exact text. A template whose Helm output
changes between two renders (randAlphaNum, uuidv4, genCA, now, ...; found as render_golden.py does: two
renders --pause seconds apart, or read from DIR/manifest.json) is compared token by token, letting long
random-looking tokens differ, and masked (counted, printed) when even that differs. A values file that
Helm's own loader cannot parse is an expected failure: identical when chartgate refuses it too. A case where Helm fails counts as identical when chartgate fails with
the same message; when both fail with different messages, both are printed and counted apart.

Output: one line per case (`ok`, or the first differing template and the first differing line), then a
table per chart: cases, identical. --table FILE writes the table as Markdown.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import helm_python as h
import yaml

RELEASE = "release"
NAMESPACE = "default"

FEATURE_KEYS = {
    "ingress", "autoscaling", "hpa", "servicemonitor", "podmonitor", "prometheusrule", "prometheusrules",
    "poddisruptionbudget", "pdb", "networkpolicy", "metrics", "rbac", "serviceaccount", "persistence",
    "vpa", "verticalpodautoscaler", "keda", "route", "httproute", "gateway", "podsecuritypolicy",
    "grafanadashboard", "dashboards", "tls", "certificate", "webhook", "ciliumnetworkpolicy",
}


def helm_render(chart_dir, values):
    try:
        out = h.Chart.load(chart_dir).render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
        return dict(sorted(out.items()))
    except h.HelmError as e:
        return {"error": str(e)}


def helm_values(vtext):
    """(values, None), or (None, message) when Helm's own loader cannot parse the values file."""
    try:
        return (h.values_from_yaml(vtext) or {}), None
    except Exception as e:  # HelmError and whatever the SDK raises for a broken file
        return None, f"values file: {e}"


def nondeterministic(chart_dir, values, first, pause):
    """Templates whose Helm output changes between two renders `pause` seconds apart from a
    freshly loaded chart (randAlphaNum, uuidv4, genCA, now, ...), as render_golden.py finds them."""
    if "error" in first:
        return []
    time.sleep(pause)
    again = helm_render(chart_dir, values)
    return sorted(k for k in set(first) | set(again) if first.get(k) != again.get(k))


def chartgate_render(binary, chart_dir, values_file, seconds):
    cmd = [binary, "render", chart_dir, "--name", RELEASE, "--namespace", NAMESPACE, "--output", "json",
           "--limit", f"render-seconds={seconds}", "--limit", f"run-seconds={seconds}"]
    if values_file:
        cmd += ["-f", values_file]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    try:
        return json.loads(p.stdout)
    except json.JSONDecodeError:
        return {"error": f"chartgate exit {p.returncode}, no JSON: {p.stderr.strip()[:500]}"}


def flip(node, pred, path=()):
    """Copy of values with `enabled: false` switched on where pred(path) holds; returns (copy, changed)."""
    changed = False
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "enabled" and v is False and pred(path):
                out[k] = True
                changed = True
            else:
                out[k], c = flip(v, pred, path + (str(k),))
                changed = changed or c
        return out, changed
    return node, False


def overrides(node, full, path=()):
    """Only the switched keys, as a sparse override tree."""
    if isinstance(node, dict) and isinstance(full, dict):
        out = {}
        for k, v in full.items():
            if k not in node:
                continue
            if isinstance(v, dict):
                sub = overrides(node[k], v, path + (k,))
                if sub:
                    out[k] = sub
            elif v is True and node[k] is False and k == "enabled":
                out[k] = True
        return out
    return {}


# Sample contents for empty maps/lists under common keys (the "filled" case).
FILL_MAP = {
    "annotations": {"example.com/team": "platform", "example.com/note": "a: b"},
    "podannotations": {"example.com/scrape": "true"},
    "labels": {"team": "platform"},
    "podlabels": {"tier": "backend"},
    "commonlabels": {"owner": "team-a"},
    "commonannotations": {"example.com/owner": "team-a"},
    "nodeselector": {"kubernetes.io/os": "linux"},
    "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}, "requests": {"cpu": "100m", "memory": "128Mi"}},
    "podsecuritycontext": {"runAsNonRoot": True, "runAsUser": 1000, "fsGroup": 2000},
    "securitycontext": {"readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False},
    "containersecuritycontext": {"readOnlyRootFilesystem": True},
    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                                             "labelSelector": {"matchLabels": {"app": "x"}}}}]}},
    "extraargs": {"log-level": "debug"},
}
FILL_LIST = {
    "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "infra", "effect": "NoSchedule"}],
    "extraenv": [{"name": "EXTRA_ONE", "value": "1"}],
    "extraenvvars": [{"name": "EXTRA_ONE", "value": "1"}],
    "env": [{"name": "EXTRA_ONE", "value": "1"}],
    "extravolumes": [{"name": "extra", "emptyDir": {}}],
    "extravolumemounts": [{"name": "extra", "mountPath": "/extra"}],
    "volumes": [{"name": "extra", "emptyDir": {}}],
    "volumemounts": [{"name": "extra", "mountPath": "/extra"}],
    "extraargs": ["--extra-flag=1"],
    "args": ["--extra-flag=1"],
    "topologyspreadconstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                   "whenUnsatisfiable": "ScheduleAnyway"}],
    "imagepullsecrets": [{"name": "regcred"}],
    "initcontainers": [{"name": "init", "image": "busybox:1.36", "command": ["true"]}],
    "extracontainers": [{"name": "sidecar", "image": "busybox:1.36"}],
    "sidecars": [{"name": "sidecar", "image": "busybox:1.36"}],
    "hostaliases": [{"ip": "10.0.0.1", "hostnames": ["db.local"]}],
}


def fill(node):
    """Sparse overrides giving empty maps/lists under common keys sample contents."""
    out = {}
    if not isinstance(node, dict):
        return out
    for k, v in node.items():
        key = str(k).lower().replace("-", "").replace("_", "")
        if isinstance(v, dict) and not v and key in FILL_MAP:
            out[k] = FILL_MAP[key]
        elif isinstance(v, list) and not v and key in FILL_LIST:
            out[k] = FILL_LIST[key]
        elif isinstance(v, dict):
            sub = fill(v)
            if sub:
                out[k] = sub
    return out


def gen_cases(chart_dir, case_dir):
    try:
        vals = yaml.safe_load(open(os.path.join(chart_dir, "values.yaml"), encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return
    os.makedirs(case_dir, exist_ok=True)
    feat = lambda p: bool(p) and p[-1].lower().replace("-", "").replace("_", "") in FEATURE_KEYS
    for name, pred in (("features", feat), ("all-on", lambda p: True)):
        full, changed = flip(vals, pred)
        path = os.path.join(case_dir, name + ".values.yaml")
        if changed and not os.path.exists(path):
            with open(path, "w", encoding="utf-8") as f:
                yaml.safe_dump(overrides(vals, full), f, sort_keys=False)
    filled = fill(vals)
    path = os.path.join(case_dir, "filled.values.yaml")
    if filled and not os.path.exists(path):
        with open(path, "w", encoding="utf-8") as f:
            yaml.safe_dump(filled, f, sort_keys=False)


TOKEN = re.compile(r"[A-Za-z0-9+/=_\-]+|[^A-Za-z0-9+/=_\-]+")


def same_modulo_random(a, b):
    ta, tb = TOKEN.findall(a), TOKEN.findall(b)
    if len(ta) != len(tb):
        return False
    for x, y in zip(ta, tb):
        if x != y and not (len(x) >= 8 and len(y) >= 8 and x[0].isalnum() == y[0].isalnum()):
            return False
    return True


def first_diff(a, b):
    la, lb = a.splitlines(), b.splitlines()
    for i, (x, y) in enumerate(zip(la, lb)):
        if x != y:
            return f"line {i + 1}: helm {x[:200]!r} | chartgate {y[:200]!r}"
    return f"line {min(len(la), len(lb)) + 1}: helm has {len(la)} lines, chartgate {len(lb)}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir")
    ap.add_argument("--chartgate", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "chartgate"))
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--gen-cases", action="store_true")
    ap.add_argument("--refresh", action="store_true", help="render with Helm again instead of reading golden/")
    ap.add_argument("--diff", type=int, default=0, help="print a unified diff of up to N lines per failing template")
    ap.add_argument("--table", help="write the per-chart table as Markdown to this file")
    ap.add_argument("--helm-only", action="store_true", help="only write the Helm goldens (no chartgate)")
    ap.add_argument("--render-seconds", type=int, default=120,
                    help="chartgate's render time budget (fidelity, not speed: a debug build on a busy machine is slow)")
    ap.add_argument("--pause", type=float, default=1.1,
                    help="seconds between the two Helm renders that find nondeterministic templates")
    args = ap.parse_args(argv)

    root = os.path.abspath(args.dir)
    charts = sorted(c for c in os.listdir(os.path.join(root, "charts"))
                    if os.path.isfile(os.path.join(root, "charts", c, "Chart.yaml")))
    if args.only:
        charts = [c for c in charts if c in set(args.only)]
    # Nondeterministic templates per case: from the corpus manifest (render_golden.py) when there
    # is one, else probed when the golden is written and kept in golden/<chart>/<variant>.nondet.json.
    manifest_nondet = {}
    mpath = os.path.join(root, "manifest.json")
    if os.path.exists(mpath):
        for e in json.load(open(mpath, encoding="utf-8")).get("cases", []):
            manifest_nondet[(e["chart"], e["variant"])] = e.get("nondeterministic_templates", [])
    table = []
    masked_total = 0
    for chart in charts:
        chart_dir = os.path.join(root, "charts", chart)
        case_dir = os.path.join(root, "cases", chart)
        if args.gen_cases:
            gen_cases(chart_dir, case_dir)
        variants = ["default"]
        if os.path.isdir(case_dir):
            variants = sorted(set(variants) | {f[: -len(".values.yaml")] for f in os.listdir(case_dir)
                                               if f.endswith(".values.yaml")})
        same = 0
        both_err = 0
        firsts = []
        for variant in variants:
            vfile = os.path.join(case_dir, variant + ".values.yaml")
            vtext = open(vfile, encoding="utf-8", errors="surrogateescape").read() if os.path.exists(vfile) else ""
            values, verr = helm_values(vtext)
            gfile = os.path.join(root, "golden", chart, variant + ".json")
            nfile = os.path.join(root, "golden", chart, variant + ".nondet.json")
            if os.path.exists(gfile) and not args.refresh:
                helm = json.load(open(gfile, encoding="utf-8"))
                nondet = manifest_nondet.get((chart, variant))
                if nondet is None:
                    nondet = json.load(open(nfile, encoding="utf-8")) if os.path.exists(nfile) else []
            else:
                if verr is not None:
                    # Helm cannot even load this values file: an expected failure, not a crash.
                    helm, nondet = {"error": verr}, []
                else:
                    helm = helm_render(chart_dir, values)
                    nondet = nondeterministic(chart_dir, values, helm, args.pause)
                os.makedirs(os.path.dirname(gfile), exist_ok=True)
                with open(gfile, "w", encoding="utf-8") as f:
                    json.dump(helm, f, indent=1, sort_keys=True, ensure_ascii=False)
                with open(nfile, "w", encoding="utf-8") as f:
                    json.dump(nondet, f)
            if args.helm_only:
                print(f"helm  {chart}/{variant}: {'error' if 'error' in helm else len(helm)}")
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8",
                                             errors="surrogateescape") as tf:
                tf.write(vtext)
            try:
                ours = chartgate_render(args.chartgate, chart_dir, tf.name, args.render_seconds)
            finally:
                os.unlink(tf.name)
            name = f"{chart}/{variant}"
            if "error" in helm and helm["error"].startswith("values file: ") and "error" in ours:
                # Both refuse a values file Helm's loader cannot parse; the wording is not Helm's.
                same += 1
                print(f"ok    {name} (values file refused by both)")
                continue
            if "error" in helm or "error" in ours:
                if "error" in helm and "error" in ours and helm["error"] == ours["error"]:
                    same += 1
                    print(f"ok    {name} (same error)")
                elif "error" in helm and "error" in ours:
                    # Both fail: comparable, counted apart from identical.
                    both_err += 1
                    print(f"ERR   {name} (both fail, messages differ)\n      helm:      {helm['error'][:300]}\n"
                          f"      chartgate: {ours['error'][:300]}")
                    firsts.append(f"{variant}: both fail, messages differ")
                else:
                    msg = (f"helm error: {helm['error'][:300]}" if "error" in helm
                           else f"chartgate error: {ours['error'][:300]}")
                    print(f"FAIL  {name}: {msg}")
                    firsts.append(f"{variant}: {msg[:160]}")
                continue
            bad = [k for k in sorted(set(helm) | set(ours)) if helm.get(k) != ours.get(k)]
            # Helm's own output of a nondeterministic template changes from run to run: compare it
            # token by token (random-looking tokens may differ), and skip it when even that
            # differs (counted and printed as masked), as render_golden.py advises.
            masked = [k for k in bad if k in nondet and k in helm and k in ours]
            bad = [k for k in bad if k not in masked]
            skipped = [k for k in masked if not same_modulo_random(helm[k], ours[k])]
            masked_total += len(skipped)
            if not bad:
                same += 1
                note = f" ({len(skipped)} nondeterministic templates masked)" if skipped else ""
                print(f"ok    {name}{note}")
                continue
            k = bad[0]
            if k not in ours:
                d = "missing in chartgate"
            elif k not in helm:
                d = "not rendered by helm"
            else:
                d = first_diff(helm[k], ours[k])
            print(f"FAIL  {name}: {len(bad)} templates differ; first {k}: {d}")
            firsts.append(f"{variant}: {k.split('/', 1)[-1]}: {d[:160]}")
            if args.diff and k in helm and k in ours:
                lines = list(difflib.unified_diff(helm[k].splitlines(), ours[k].splitlines(),
                                                  "helm", "chartgate", lineterm=""))
                print("\n".join(lines[: args.diff]))
        table.append((chart, len(variants), same, both_err, firsts))
    total = sum(t[1] for t in table)
    ident = sum(t[2] for t in table)
    errs = sum(t[3] for t in table)
    print(f"\n{len(table)} charts, {total} cases, {ident} identical, {errs} failing in both with other messages,"
          f" {masked_total} nondeterministic templates masked")
    rows = ["| chart | cases | identical | first difference |", "|---|---|---|---|"]
    for chart, n, s, _, firsts in table:
        rows.append(f"| {chart} | {n} | {s} | {'; '.join(f.replace('|', '/') for f in firsts)[:300]} |")
    rows.append(f"| **total ({len(table)} charts)** | {total} | {ident} | {errs} fail in both with other messages |")
    if args.table:
        with open(args.table, "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")
    return 0 if ident == total else 1


if __name__ == "__main__":
    sys.exit(main())
