#!/usr/bin/env bash
# Makes STACK the one that serves traffic: sets `aks-dr:frontDoorPriority` to 1 in
# Pulumi.STACK.yaml and to 2 in the other stack's file. It only edits the files (no Pulumi
# login needed); the failover workflow commits them and then updates both stacks' origins.
#
# Usage: scripts/set-front-door-priority.sh primary|secondary     (from any directory)
#
# It edits the existing key in place (keeping its indentation, quoting and any trailing
# comment) and fails if a file does not have exactly one such key, rather than guess where the
# `config:` block is.
set -euo pipefail

readonly key='aks-dr:frontDoorPriority'

usage() { echo "usage: $0 primary|secondary" >&2; exit 2; }
(($# == 1)) || usage
case $1 in
  primary) other=secondary ;;
  secondary) other=primary ;;
  *) usage ;;
esac
readonly target=$1 other

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root

# The key line: indentation, key, optional quote, digits, the same quote, optional comment.
readonly pattern="^([[:space:]]+${key}:[[:space:]]+)([\"']?)[0-9]+\\2([[:space:]]*(#.*)?)$"

# check STACK: the stack file exists and has exactly one key line.
check() {
  local file="${root}/Pulumi.$1.yaml" count
  if [[ ! -f ${file} ]]; then
    echo "error: ${file} not found" >&2
    return 1
  fi
  count=$(grep -cE "${pattern}" "${file}" || true)
  if [[ ${count} != 1 ]]; then
    echo "error: ${file}: expected exactly one '${key}: <number>' line, found ${count}" >&2
    return 1
  fi
}

# set_priority STACK VALUE
set_priority() {
  local file="${root}/Pulumi.$1.yaml"
  sed -E -i "s/${pattern}/\\1\\2$2\\2\\3/" "${file}"
  echo "${file##*/}: ${key} = $2"
}

# Both files are checked before either is edited.
check "${target}"
check "${other}"
set_priority "${target}" 1
set_priority "${other}" 2
