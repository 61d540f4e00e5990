#!/usr/bin/env bash
# The logic of chartgate's composite GitHub Action (action.yml), kept here so it can be run and
# tested locally (tests/action_run.rs). Inputs come from INPUT_* environment variables, never
# from text interpolated into the shell.
#
#   action-run.sh key      cache key + install root -> $GITHUB_OUTPUT, install root/bin -> $GITHUB_PATH
#   action-run.sh install  cargo install chartgate into the install root
#   action-run.sh check    run one `chartgate check`; exit with its exit code
set -euo pipefail

action_path="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
install_root="${CHARTGATE_INSTALL_ROOT:-${RUNNER_TEMP:-/tmp}/chartgate-install}"

# Fail with a GitHub error annotation.
die() {
  echo "::error title=chartgate action::$*"
  exit 2
}

# Hash of the source the action would build: changes whenever the action's code changes, even
# when a moving tag (v1) is reused.
source_hash() {
  (cd "$action_path" && find Cargo.toml Cargo.lock src policies schemas -type f 2>/dev/null \
    | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
}

cmd_key() {
  local v="${INPUT_VERSION:-}" hash
  # Not `local key=$(...)`: that would mask a failing hash with local's own exit status.
  hash=$(source_hash) || die "cannot hash the action's source under $action_path"
  [ ${#hash} -eq 16 ] || die "cannot hash the action's source under $action_path"
  local key="chartgate-${RUNNER_OS:-local}-${RUNNER_ARCH:-local}-${v:-src}-$hash"
  {
    echo "key=$key"
    echo "root=$install_root"
  } >>"${GITHUB_OUTPUT:-/dev/null}"
  echo "$install_root/bin" >>"${GITHUB_PATH:-/dev/null}"
  echo "chartgate cache key: $key"
}

# The action's own repository (owner/name). In a composite action's `run` steps
# GITHUB_ACTION_REPOSITORY is empty (actions/runner#2473), so action.yml passes
# `github.action_repository` through `env:` as ACTION_REPOSITORY, where it is set; the runner's
# checkout path `.../_actions/OWNER/NAME/REF` is the last resort.
action_repository() {
  local repo="${ACTION_REPOSITORY:-${GITHUB_ACTION_REPOSITORY:-}}"
  if [ -z "$repo" ] && [[ "$action_path" =~ /_actions/([^/]+)/([^/]+)/[^/]+ ]]; then
    repo="${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  fi
  printf '%s' "$repo"
}

cmd_install() {
  local v="${INPUT_VERSION:-}"
  if [ -z "$v" ]; then
    cargo install --locked --root "$install_root" --path "$action_path"
  else
    local repo
    repo=$(action_repository)
    [ -n "$repo" ] || die "input 'version' needs the action's repository (github.action_repository is empty)"
    cargo install --locked --root "$install_root" \
      --git "${GITHUB_SERVER_URL:-https://github.com}/$repo" --rev "$v" chartgate
  fi
}

# GitHub drops a step summary above 1 MiB (with an error) — then the PR would show no finding at
# all. The markdown lists every finding; when it does not fit, it is cut at a line boundary
# below the limit (what the step summary already holds counts too) and a note says so.
SUMMARY_LIMIT=${CHARTGATE_SUMMARY_LIMIT:-1048576}
summary_append() {
  local md=$1 have size room
  have=$(wc -c <"$GITHUB_STEP_SUMMARY" 2>/dev/null || echo 0)
  size=$(wc -c <"$md")
  room=$((SUMMARY_LIMIT - have - 400))
  if [ "$size" -le "$room" ]; then
    cat "$md" >>"$GITHUB_STEP_SUMMARY"
    return
  fi
  [ "$room" -gt 0 ] || room=0
  local total shown
  total=$(grep -c '^| \(error\|warning\|info\) |' "$md" || true)
  head -c "$room" "$md" | sed '$d' >"$md.cut"
  shown=$(grep -c '^| \(error\|warning\|info\) |' "$md.cut" || true)
  {
    cat "$md.cut"
    printf '\n> **Note:** the summary is cut to fit GitHub'"'"'s 1 MiB step-summary limit: %s of %s findings are listed here; the SARIF report and the job log have every finding.\n' "$shown" "$total"
  } >>"$GITHUB_STEP_SUMMARY"
  rm -f "$md.cut"
}

cmd_check() {
  local path="${INPUT_PATH:-.}"
  local paths_input="${INPUT_PATHS:-}"
  local exclude="${INPUT_EXCLUDE:-}"
  local repos="${INPUT_REPOS:-}"
  local config="${INPUT_CONFIG:-}"
  local platform="${INPUT_PLATFORM_CONFIG:-}"
  local envs="${INPUT_ENVIRONMENTS:-}"
  local fail_on="${INPUT_FAIL_ON:-error}"
  local sarif="${INPUT_SARIF:-}"
  local summary="${INPUT_SUMMARY:-true}"
  local base="${INPUT_BASE:-}"

  case "$fail_on" in error | warning | info) ;; *) die "input 'fail-on' must be error, warning or info, got '$fail_on'" ;; esac
  case "$summary" in true | false) ;; *) die "input 'summary' must be true or false, got '$summary'" ;; esac

  # Paths in annotations and SARIF are relative to the repository root.
  cd "${GITHUB_WORKSPACE:-.}"

  # Annotations go to stdout; the text report and stderr (which quote PR-controlled text) are
  # printed afterwards between ::stop-commands:: markers, so nothing in them runs as a workflow
  # command.
  local tmp="${RUNNER_TEMP:-/tmp}"
  local txt="$tmp/chartgate-report.txt" err="$tmp/chartgate-stderr.txt"
  rm -f "$txt" "$err"
  local args=(check --format github --output "text=$txt")
  if [ -n "$sarif" ]; then
    mkdir -p "$(dirname "$sarif")"
    args+=(--output "sarif=$sarif")
  fi
  local md=""
  if [ "$summary" = true ]; then
    md="${RUNNER_TEMP:-/tmp}/chartgate-summary.md"
    rm -f "$md"
    args+=(--output "markdown=$md")
  fi
  if [ -n "$config" ]; then
    args+=(--config "$config")
  fi
  if [ -n "$platform" ]; then
    args+=(--platform-config "$platform")
  fi
  # The objects the PR changes go to the step summary.
  if [ -n "$base" ] && [ "$summary" = true ]; then
    args+=(--base "$base")
  fi
  local env_list=() e
  IFS=$', \t\n' read -r -a env_list <<<"$envs" || true
  for e in "${env_list[@]}"; do
    if [ -n "$e" ]; then
      args+=(--env "$e")
    fi
  done
  # Multi-line inputs: one item per line, blank lines and surrounding spaces ignored.
  local line
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -n "$line" ]; then args+=(--exclude "$line"); fi
  done <<<"$exclude"
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -z "$line" ]; then continue; fi
    case "$line" in
      *=?*) args+=(--repo "$line") ;;
      *) die "input 'repos' takes one URL=PATH per line, got '$line'" ;;
    esac
  done <<<"$repos"
  local targets=()
  while IFS= read -r line; do
    line="${line#"${line%%[![:space:]]*}"}"
    line="${line%"${line##*[![:space:]]}"}"
    if [ -n "$line" ]; then targets+=("$line"); fi
  done <<<"$paths_input"
  if [ "${#targets[@]}" -eq 0 ]; then targets=("$path"); fi
  args+=(--fail-on "$fail_on" -- "${targets[@]}")

  echo "chartgate ${args[*]}"
  local code=0
  chartgate "${args[@]}" 2>"$err" || code=$?
  local token
  token="chartgate-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  echo "::stop-commands::$token"
  if [ -f "$txt" ]; then cat "$txt"; fi
  if [ -f "$err" ]; then cat "$err" >&2; fi
  echo "::$token::"
  rm -f "$txt" "$err"
  if [ -z "$platform" ]; then
    local warn="chartgate ran without input 'platform-config': the repository's own chartgate.yaml decides the rules, so this run cannot gate untrusted pull requests"
    echo "::warning title=chartgate::$warn"
    if [ -n "$md" ] && [ -f "$md" ]; then
      printf '\n> **Warning:** %s.\n' "$warn" >>"$md"
    fi
  fi

  if [ -n "$md" ] && [ -f "$md" ]; then
    if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
      summary_append "$md"
    fi
    rm -f "$md"
  fi
  {
    echo "exit-code=$code"
    if [ -n "$sarif" ] && [ -f "$sarif" ]; then
      echo "sarif=$sarif"
    fi
  } >>"${GITHUB_OUTPUT:-/dev/null}"
  exit "$code"
}

case "${1:-}" in
  key) cmd_key ;;
  install) cmd_install ;;
  check) cmd_check ;;
  *)
    echo "usage: $0 key|install|check" >&2
    exit 2
    ;;
esac
