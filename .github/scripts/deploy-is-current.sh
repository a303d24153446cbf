#!/usr/bin/env bash
# Decides whether a deploy job may still apply its commit ($GITHUB_SHA) once it starts, which can
# be long after the push: it waited for approval and for the stack's concurrency group. Writes
# deploy=true|false to $GITHUB_OUTPUT.
#
# A run must not apply stack files older than main's: main may have moved on by a failover
# commit (pushed with GITHUB_TOKEN, so it has no deploy run of its own) that an older run would
# undo. So:
#   - main is still at this commit                        -> deploy
#   - main is ahead, but no Pulumi*.yaml changed since   -> deploy (code-only or docs-only
#     commits followed; those that matter have their own runs, queued behind this one)
#   - main changed a Pulumi*.yaml since, or was rewritten -> skip (the newer commit's run, or the
#     failover that made it, applies the newer files)
#
# Usage: deploy-is-current.sh            (needs GH_TOKEN, GITHUB_REPOSITORY, GITHUB_SHA)
#        deploy-is-current.sh FILE       (decide from a saved compare API response; for tests)
set -euo pipefail

if (($# == 1)); then
  compare=$(cat -- "$1")
else
  # compare/BASE...HEAD: status is identical, ahead (main has newer commits), behind or diverged.
  compare=$(gh api "repos/${GITHUB_REPOSITORY}/compare/${GITHUB_SHA}...main")
fi

status=$(jq -r .status <<<"${compare}")
stack_files=$(jq -r '.files[]?.filename' <<<"${compare}" | grep -E '^Pulumi(\.[^/]+)?\.ya?ml$' || true)

decision=false
case ${status} in
  identical)
    decision=true
    ;;
  ahead)
    if [[ -z ${stack_files} ]]; then
      decision=true
      echo "::notice::main has newer commits, but none changes a Pulumi stack file: deploying ${GITHUB_SHA:-this commit}"
    else
      echo "::notice::main has changed $(tr '\n' ' ' <<<"${stack_files}")since this commit: skipping this stale update (the newer commit's run or the failover applies them)"
    fi
    ;;
  *)
    echo "::notice::main is ${status} relative to this commit: skipping this stale update"
    ;;
esac
echo "deploy=${decision}" >> "${GITHUB_OUTPUT:-/dev/stdout}"
