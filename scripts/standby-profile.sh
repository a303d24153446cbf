#!/usr/bin/env bash
# Reads, or sets to hot, a stamp's standby profile in its stack file (Pulumi.STAMP.yaml), as
#   pulumi config get aks-dr:standbyProfile -s STAMP   /   pulumi config set aks-dr:standbyProfile hot -s STAMP
# would, without a Pulumi login. The failover workflow uses it: a warm target is promoted
# (profile hot, committed, `pulumi up -s STAMP`) before `pulumi up -s global` gives it the
# traffic, because the global stack refuses priority 1 for a stamp below its serving floors.
#
# Usage: scripts/standby-profile.sh STAMP         prints hot or warm (hot when the key is absent)
#        scripts/standby-profile.sh STAMP hot     sets it to hot in place (no change when absent)
#   STAMP_STACK_FILE overrides the file (default: Pulumi.STAMP.yaml beside Pulumi.yaml).
#
# It edits only a top-level `  aks-dr:standbyProfile:` line (keeping any trailing comment), and
# fails without writing when the file has more than one such line or an unknown profile.
set -euo pipefail

usage() { echo "usage: $0 STAMP [hot]" >&2; exit 2; }
(($# == 1 || $# == 2)) || usage
readonly stamp=$1 set=${2:-}
[[ ${stamp} =~ ^[A-Za-z0-9_.-]+$ ]] || usage
[[ -z ${set} || ${set} == hot ]] || usage

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
readonly file=${STAMP_STACK_FILE:-${root}/Pulumi.${stamp}.yaml}
[[ -f ${file} ]] || { echo "error: ${file} not found" >&2; exit 1; }

readonly pattern='^  aks-dr:standbyProfile:'
count=$(grep -c -E "${pattern}" "${file}" || true)
if ((count > 1)); then
  echo "error: ${file} sets aks-dr:standbyProfile ${count} times" >&2
  exit 1
fi
profile=hot
if ((count == 1)); then
  profile=$(grep -E "${pattern}" "${file}" | sed -E 's/^  aks-dr:standbyProfile:[ \t]*["'\'']?([A-Za-z]*)["'\'']?.*$/\1/')
fi
case ${profile} in
  hot | warm) ;;
  *) echo "error: ${file}: aks-dr:standbyProfile is '${profile}', expected hot or warm" >&2; exit 1 ;;
esac

if [[ -z ${set} ]]; then
  echo "${profile}"
  exit 0
fi
if [[ ${profile} == warm ]]; then
  tmp=$(mktemp)
  trap 'rm -f "${tmp}"' EXIT
  sed -E 's/^(  aks-dr:standbyProfile:[ \t]*["'\'']?)warm(["'\'']?)/\1hot\2/' "${file}" > "${tmp}"
  cat "${tmp}" > "${file}"
fi
