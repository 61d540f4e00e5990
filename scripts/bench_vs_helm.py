#!/usr/bin/env python3
"""chartgate's full check side by side with Helm's Go SDK rendering alone, on the org benchmark.

Usage:  python3 scripts/bench_vs_helm.py [--services N] [--runs R]

1. `cargo bench --bench org` with ORG_KEEP=DIR generates the organisation (N services, each a
   service chart with two subcharts, × dev/test/prod) into DIR and times chartgate's check
   in-process (discovery, render × environment, parse, every built-in rule, the values-schema
   contract, the bundled Rego policies).
2. The release binary `chartgate check DIR --format json` is timed end to end as a process (best
   of R runs): what a CI job or an audit pays.
3. Helm v4's Go SDK (pip `helm-python-sdk`, the package ../shared/corpus/render_golden.py uses)
   renders the same charts × environments in-process: each chart loaded once, rendered once per
   environment with that environment's values file (best of R runs; load time reported apart).
No network; needs helm-python-sdk (`pip install helm-python-sdk`).
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENVS = ["dev", "test", "prod"]


def helm_render(org, runs):
    import helm_python as h

    services = sorted(os.listdir(os.path.join(org, "services")))
    values = {}
    for s in services:
        for e in ENVS:
            with open(os.path.join(org, "services", s, f"values-{e}.yaml")) as f:
                values[(s, e)] = h.values_from_yaml(f.read())
    best_total = best_render = None
    renders = 0
    for _ in range(runs):
        t0 = time.perf_counter()
        render_secs = 0.0
        renders = 0
        for s in services:
            chart = h.Chart.load(os.path.join(org, "services", s))
            for e in ENVS:
                r0 = time.perf_counter()
                chart.render(values[(s, e)], name=s, namespace="team", is_install=True)
                render_secs += time.perf_counter() - r0
                renders += 1
        total = time.perf_counter() - t0
        best_total = total if best_total is None else min(best_total, total)
        best_render = render_secs if best_render is None else min(best_render, render_secs)
    return renders, best_total, best_render


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--services", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    org = tempfile.mkdtemp(prefix="chartgate-org-")
    env = dict(os.environ, ORG_KEEP=org, ORG_SERVICES=str(args.services))
    bench = subprocess.run(["cargo", "bench", "--locked", "--bench", "org"], cwd=ROOT, env=env,
                           capture_output=True, text=True)
    if bench.returncode != 0:
        sys.exit(f"cargo bench failed:\n{bench.stderr[-2000:]}")
    line = [l for l in bench.stdout.splitlines() if l.startswith("org:")]
    print("chartgate in-process (cargo bench --bench org):", line[-1] if line else bench.stdout[-500:])

    subprocess.run(["cargo", "build", "--locked", "--release", "--quiet"], cwd=ROOT, check=True)
    exe = os.path.join(ROOT, "target", "release", "chartgate")
    best = None
    for _ in range(args.runs):
        t0 = time.perf_counter()
        p = subprocess.run([exe, "check", org, "--format", "json"], cwd=org, capture_output=True)
        secs = time.perf_counter() - t0
        if p.returncode not in (0, 1):
            sys.exit(f"chartgate check failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
        best = secs if best is None else min(best, secs)
    renders, helm_total, helm_render_only = helm_render(org, args.runs)
    print(f"chartgate check (process, end to end, best of {args.runs}): {best:.3f} s for {renders} charts×envs")
    print(f"Helm Go SDK (in-process, best of {args.runs}): render alone {helm_render_only:.3f} s, "
          f"load + render {helm_total:.3f} s for {renders} charts×envs")
    print(f"ratio: Helm render alone / chartgate full check = {helm_render_only / best:.2f}x")


if __name__ == "__main__":
    main()
