#!/usr/bin/env bash
# Makes STAMP the one that serves traffic: in Pulumi.global.yaml, sets the priority of its
# Front Door origin (`aks-dr:origins.STAMP.priority`) to 1 and every other stamp's to 2. It
# only edits the file (no Pulumi login needed), like
#   pulumi config set --path 'aks-dr:origins.STAMP.priority' 1 -s global
# would; the failover workflow commits it and then runs `pulumi up -s global`.
#
# Usage: scripts/set-front-door-priority.sh STAMP     (from any directory; e.g. secondary)
#   GLOBAL_STACK_FILE overrides the file (default: Pulumi.global.yaml beside this repository's
#   Pulumi.yaml).
#
# It edits the existing `priority:` line of each origin in place (keeping indentation, quoting
# and any trailing comment), and fails without writing anything when STAMP is not an origin or
# an origin does not have exactly one such line, rather than guess the YAML's shape.
set -euo pipefail

usage() { echo "usage: $0 STAMP" >&2; exit 2; }
(($# == 1)) || usage
readonly target=$1
[[ ${target} =~ ^[A-Za-z0-9_.-]+$ ]] || usage

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
readonly file=${GLOBAL_STACK_FILE:-${root}/Pulumi.global.yaml}
[[ -f ${file} ]] || { echo "error: ${file} not found" >&2; exit 1; }

tmp=$(mktemp)
trap 'rm -f "${tmp}"' EXIT
# In the `aks-dr:origins:` block, an origin is a key two levels in (`    name:`) and its priority
# a key three levels in (`      priority: N`).
awk -v target="${target}" '
  function flush() {
    if (origin != "" && count[origin] != 1) {
      printf "error: origin %s has %d priority lines, expected 1\n", origin, count[origin] > "/dev/stderr"
      bad = 1
    }
  }
  /^[^ #]/ || /^  [^ #]/ { flush(); origin = ""; inblock = ($0 ~ /^  aks-dr:origins:[ \t]*$/) }
  inblock && match($0, /^    [A-Za-z0-9_.\/-]+:[ \t]*$/) {
    flush()
    origin = $0; sub(/^ +/, "", origin); sub(/:.*$/, "", origin)
    origins++
    if (origin == target) found = 1
  }
  inblock && origin != "" && match($0, /^      priority:[ \t]+["\047]?[0-9]+["\047]?[ \t]*(#.*)?$/) {
    count[origin]++
    value = (origin == target) ? 1 : 2
    line = $0
    sub(/[0-9]+/, value, line)
    printf "%s: origins.%s.priority = %d\n", FILENAME, origin, value > "/dev/stderr"
    print line
    next
  }
  { print }
  END {
    flush()
    if (!found) { printf "error: %s has no origin %s under aks-dr:origins\n", FILENAME, target > "/dev/stderr"; bad = 1 }
    exit bad
  }
' "${file}" > "${tmp}"
cat "${tmp}" > "${file}"
