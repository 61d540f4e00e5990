#!/usr/bin/env python3
"""Regenerates src/analyze/kube/data/schemas.lines.gz: the Kubernetes OpenAPI schemas (strict
JSON schema form: additionalProperties false) for every bundled version, from the
`kubernetes-validate` package on PyPI (Apache-2.0; its schemas are generated from the
Kubernetes OpenAPI specs, Apache-2.0).

Shared definitions stay `$ref`s; identical definitions across versions are stored once.
Descriptions and `format` are dropped (they do not affect validation as chartgate runs it).

Usage: scripts/gen_kube_schemas.py [kubernetes_validate-X.whl]   (default: pip download it)
Layout: one line each (compact JSON never holds a raw newline):
    chartgate-schemas 1 SOURCE
    v 1.31 {"defs": {name: pool index}, "kinds": {"apps/v1/Deployment": name}}   (per version)
    d {schema}                                                                    (the pool, in order)
chartgate splits the lines at start and parses only the version and the definitions a check uses
(parsing the whole bundle, or unescaping JSON texts stored inside JSON, was most of a one-file
check).
"""
import glob
import gzip
import json
import os
import subprocess
import sys
import tempfile
import zipfile

MIN = (1, 29)
OUT = "src/analyze/kube/data/schemas.lines.gz"

if len(sys.argv) > 1:
    wheel = sys.argv[1]
else:
    tmp = tempfile.mkdtemp()
    subprocess.check_call([sys.executable, "-m", "pip", "download", "--no-deps",
                           "kubernetes-validate", "-d", tmp])
    wheel = glob.glob(os.path.join(tmp, "kubernetes_validate-*.whl"))[0]

z = zipfile.ZipFile(wheel)
prefix = "kubernetes_validate/kubernetes-json-schema/"
versions = sorted({n[len(prefix):].split("/")[0] for n in z.namelist()
                   if n.startswith(prefix) and n.endswith("-local-strict/_definitions.json")},
                  key=lambda v: tuple(int(x) for x in v[1:].split("-")[0].split(".")[:2]))


def strip(x):
    """Drops annotation keywords of a schema; names inside `properties` are kept."""
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in ("description", "format") or (
                    k.startswith("x-kubernetes") and k != "x-kubernetes-group-version-kind"):
                continue
            if k in ("properties", "patternProperties", "$defs"):
                out[k] = {name: strip(s) for name, s in v.items()}
            else:
                out[k] = strip(v)
        return out
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


pool, index, out_versions = [], {}, {}
for vdir in versions:
    mm = tuple(int(x) for x in vdir[1:].split("-")[0].split(".")[:2])
    if mm < MIN:
        continue
    key = f"{mm[0]}.{mm[1]}"
    defs = json.loads(z.read(prefix + vdir + "/_definitions.json"))["$defs"]
    vdefs, kinds = {}, {}
    for name, body in sorted(defs.items()):
        gvks = body.get("x-kubernetes-group-version-kind") or []
        body = strip(body)
        body.pop("x-kubernetes-group-version-kind", None)
        text = json.dumps(body, sort_keys=True, separators=(",", ":"))
        if text not in index:
            index[text] = len(pool)
            pool.append(text)
        vdefs[name] = index[text]
        for g in gvks:
            api = g["version"] if not g["group"] else f'{g["group"]}/{g["version"]}'
            k = f'{api}/{g["kind"]}'
            # Top-level kinds only: the definition must have apiVersion/kind properties.
            if "kind" in body.get("properties", {}):
                kinds[k] = name
    out_versions[key] = json.dumps({"defs": vdefs, "kinds": kinds}, sort_keys=True,
                                   separators=(",", ":"))

src = os.path.basename(wheel)
lines = [f"chartgate-schemas 1 {src}"]
lines += [f"v {v} {out_versions[v]}" for v in sorted(out_versions, key=lambda s: tuple(map(int, s.split("."))))]
lines += [f"d {t}" for t in pool]
raw = ("\n".join(lines) + "\n").encode()
with gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as f:
    f.write(raw)
print(f"{OUT}: {src}, versions {', '.join(out_versions)}, {len(pool)} unique definitions, "
      f"{len(raw)} bytes, {os.path.getsize(OUT)} bytes gzip")
