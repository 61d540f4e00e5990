#!/usr/bin/env python3
"""Peer check of `schema-validity` against the `kubernetes-validate` package (strict mode).

For every rendered golden case of a corpus (default /work/shared/corpus) and for the plain
manifests given, each object is validated by kubernetes-validate (`strict=True`) and by
`chartgate check` (schema-validity errors); disagreements are listed.

Usage: scripts/compare_kubernetes_validate.py [--version 1.31] [--corpus DIR] [MANIFEST...]
Needs: pip install kubernetes-validate; target/debug/chartgate built.
"""
import json
import re
import os
import subprocess
import sys
import tempfile

import kubernetes_validate
import yaml

args = sys.argv[1:]
version = "1.31"
corpus = "/work/shared/corpus"
if "--version" in args:
    i = args.index("--version"); version = args[i + 1]; del args[i:i + 2]
if "--corpus" in args:
    i = args.index("--corpus"); corpus = args[i + 1]; del args[i:i + 2]
binary = os.path.abspath("target/debug/chartgate")


def inputs():
    gdir = os.path.join(corpus, "golden")
    for chart in sorted(os.listdir(gdir)):
        for case in sorted(os.listdir(os.path.join(gdir, chart))):
            d = json.load(open(os.path.join(gdir, chart, case)))
            if "error" in d:
                continue
            # Split documents as Helm does (`---# comment` starts a document too).
            docs = [doc for k, v in d.items() if not k.endswith("NOTES.txt")
                    for doc in re.split(r"(?:^|\s*\n)---\s*", v)]
            text = "\n---\n".join(doc for doc in docs if doc.strip())
            yield f"{chart}/{case}", text
    for m in args:
        yield m, open(m).read()


tmp = tempfile.mkdtemp()
with open(os.path.join(tmp, "chartgate.yaml"), "w") as f:
    f.write(f'root: true\nkube-version: "{version}"\n')
total = agree = both_reject = 0
disagreements = []
for name, text in inputs():
    path = os.path.join(tmp, "m.yaml")
    open(path, "w").write(text)
    out = subprocess.run([binary, "check", "--format", "json", "--config",
                          os.path.join(tmp, "chartgate.yaml"), path],
                         capture_output=True, text=True)
    try:
        findings = json.loads(out.stdout)["findings"]
    except Exception:
        disagreements.append((name, "-", "chartgate failed: " + out.stderr.strip()[:200]))
        continue
    cg = {}
    for f in findings:
        if f["rule"] != "schema-validity" or not f.get("resource"):
            continue
        r = f["resource"]
        key = (r["kind"], r["name"])
        cg.setdefault(key, []).append((f["severity"], f["message"]))
    for doc in yaml.safe_load_all(text):
        if not isinstance(doc, dict) or "kind" not in doc:
            continue
        key = (doc["kind"], (doc.get("metadata") or {}).get("name", ""))
        try:
            kubernetes_validate.validate(doc, f"{version}.0", strict=True)
            kv = "accept"
        except kubernetes_validate.SchemaNotFoundError:
            kv = "no-schema"
        except kubernetes_validate.ValidationError as e:
            kv = "reject: " + e.message[:160]
        except Exception as e:  # noqa: BLE001
            kv = "reject: " + str(e)[:160]
        mine = cg.get(key, [])
        errors = [m for s, m in mine if s == "error"]
        infos = [m for s, m in mine if s == "info"]
        c = "reject: " + errors[0] if errors else ("no-schema" if infos else "accept")
        total += 1
        same = (c.split(":")[0] == kv.split(":")[0])
        if same:
            agree += 1
            both_reject += kv.startswith("reject")
        else:
            disagreements.append((name, f"{key[0]}/{key[1]}", f"kubernetes-validate {kv} | chartgate {c}"))
print(f"kube {version}: {total} objects, {agree} agree ({both_reject} rejected by both), "
      f"{len(disagreements)} disagree")
for d in disagreements:
    print("  " + " ".join(d))
