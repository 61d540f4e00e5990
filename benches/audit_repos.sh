#!/usr/bin/env bash
# Benchmark: `chartgate audit --repos FILE` over N generated team repositories (default 300, each
# 2-3 charts × dev/prod; benches/audit_repos.py), release build, timed with /usr/bin/time -v
# (wall time, peak RSS). Usage: benches/audit_repos.sh [N] [extra audit args...]
# BENCH_DIR=DIR keeps the generated repositories there (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-300}"
shift || true
cargo build --release --locked --quiet
bin="$PWD/target/release/chartgate"
dir="${BENCH_DIR:-$(mktemp -d)}"
rm -rf "$dir/repo-"* "$dir/repos.txt"
python3 benches/audit_repos.py "$dir" "$n"
cd "$dir"
# One warm-up run (page cache), then the measured one.
"$bin" audit --repos repos.txt --format json --output /dev/null "$@" 2>/dev/null
/usr/bin/time -v "$bin" audit --repos repos.txt --format html --output report.html "$@" 2> time.txt
grep -E "Elapsed \(wall clock\)|Maximum resident set size|User time|System time|Percent of CPU" time.txt
"$bin" audit --repos repos.txt "$@" | tail -2 | head -1
echo "report: $dir/report.html ($(wc -c < report.html) bytes)"
