#!/usr/bin/env python3
"""Regenerates src/analyze/kube/data/crds.lines.gz: the CRDs of the platform's operators, read
from each project's own CRD manifests at the commits listed in scripts/crd-sources.tsv
(all Apache-2.0). Descriptions are dropped; every served version's openAPIV3Schema is kept.

Layout: one line each (compact JSON never holds a raw newline): `chartgate-crds 1`, then
`s SOURCE` per source, then `c GROUP/VERSION/Kind,... {crd}` per CRD. chartgate splits the lines
and parses a CRD only when a check meets one of its kinds.

Usage: scripts/gen_crds.py [--mirror-root DIR]
  Without --mirror-root, files are downloaded from raw.githubusercontent.com at the listed
  commits; with it, read with `git show` from DIR/OWNER+NAME/repo (bare mirrors).
"""
import gzip
import json
import os
import subprocess
import sys
import urllib.request

import yaml

OUT = "src/analyze/kube/data/crds.lines.gz"

# PyYAML reads a bare `=` as the YAML 1.1 "value" tag; Kubernetes reads it as the string "=".
yaml.SafeLoader.add_constructor("tag:yaml.org,2002:value",
                                lambda loader, node: loader.construct_scalar(node))
mirror = None
if "--mirror-root" in sys.argv:
    mirror = sys.argv[sys.argv.index("--mirror-root") + 1]


def read(repo, commit, path):
    if mirror:
        d = os.path.join(mirror, repo.replace("/", "+"), "repo")
        return subprocess.check_output(["git", "-C", d, "show", f"{commit}:{path}"]).decode()
    url = f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"
    return urllib.request.urlopen(url).read().decode()


def strip(x):
    if isinstance(x, dict):
        out = {}
        for k, v in x.items():
            if k in ("description", "example", "externalDocs"):
                continue
            if k in ("properties", "patternProperties", "definitions"):
                out[k] = {n: strip(s) for n, s in v.items()}
            else:
                out[k] = strip(v)
        return out
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x


crds, sources = [], []
for line in open("scripts/crd-sources.tsv"):
    if line.startswith("#") or not line.strip():
        continue
    project, license_, repo, commit, tag, path = line.rstrip("\n").split("\t")
    for doc in yaml.safe_load_all(read(repo, commit, path)):
        if not doc or doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc["spec"]
        versions = [{"name": v["name"], "served": v.get("served", True),
                     "schema": strip(v.get("schema", {}))}
                    for v in spec.get("versions", []) if v.get("served", True)]
        crd = {"spec": {"group": spec["group"], "names": {"kind": spec["names"]["kind"]},
                        "versions": versions}}
        # The CRD as JSON text, parsed by chartgate only when a check meets one of its kinds.
        crds.append({"kinds": [f'{spec["group"]}/{v["name"]}/{spec["names"]["kind"]}'
                               for v in versions],
                     "crd": json.dumps(crd, sort_keys=True, separators=(",", ":"))})
        sources.append(f'{project} @ {tag} ({license_}) {repo}@{commit[:12]} {path}: '
                       f'{spec["group"]} {spec["names"]["kind"]} '
                       f'{",".join(v["name"] for v in versions)}')
lines = ["chartgate-crds 1"] + [f"s {s}" for s in sources]
lines += [f'c {",".join(c["kinds"])} {c["crd"]}' for c in crds]
raw = ("\n".join(lines) + "\n").encode()
with gzip.GzipFile(OUT, "wb", compresslevel=9, mtime=0) as f:
    f.write(raw)
print("\n".join(sources))
print(f"{OUT}: {len(crds)} CRDs, {len(raw)} bytes, {os.path.getsize(OUT)} bytes gzip")
