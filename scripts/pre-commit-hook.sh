#!/usr/bin/env bash
# pre-commit hook `chartgate` (language: script): builds chartgate from this checkout of the hook
# repository with `cargo install --locked` — exactly the dependency versions of Cargo.lock, which
# pre-commit's own `language: rust` cannot do (it runs `cargo install --path .` without
# `--locked`, re-resolving every dependency) — once per source revision, into
# ${CHARTGATE_HOOK_CACHE:-${XDG_CACHE_HOME:-~/.cache}/chartgate/pre-commit}/<hash>, then runs
# `chartgate check --changed` on the staged files pre-commit passes.
set -euo pipefail

src="$(cd "$(dirname "$0")/.." && pwd)"
cache="${CHARTGATE_HOOK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chartgate/pre-commit}"

hash=$(cd "$src" && find Cargo.toml Cargo.lock src policies schemas -type f | LC_ALL=C sort \
  | xargs sha256sum | sha256sum | cut -c1-16) || {
  echo "chartgate hook: cannot hash the hook's source under $src" >&2
  exit 2
}
root="$cache/$hash"
bin="$root/bin/chartgate"

if [ ! -x "$bin" ]; then
  command -v cargo >/dev/null 2>&1 || {
    echo "chartgate hook: building chartgate needs cargo (a Rust toolchain): https://rustup.rs" >&2
    exit 2
  }
  mkdir -p "$cache"
  echo "chartgate hook: building chartgate (once per version; a few minutes) into $root" >&2
  # Into a temporary root first, so an interrupted build never leaves a half-installed binary.
  tmp=$(mktemp -d "$cache/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  cargo install --locked --quiet --root "$tmp" --path "$src" >&2
  rm -rf "$root"
  mv "$tmp" "$root"
  trap - EXIT
fi

exec "$bin" check --changed "$@"
