#!/usr/bin/env bash
# Lints the repository: golangci-lint on the Go program (config: .golangci.yml) and actionlint
# on the GitHub Actions workflows. Exits non-zero when either reports a finding.
#
# Both tools are pinned below and built from the Go module proxy with `go install pkg@version`
# into the git-ignored bin/tools/, so a clean clone needs nothing but Go, and the program's
# go.mod/go.sum are never touched. A binary already there is reused when it was built from the
# pinned version (read from its embedded build info), and rebuilt otherwise.
#
# Usage: scripts/lint.sh            (from any directory)
#   LINT_SKIP_GO=1        skip golangci-lint (workflows only)
#   LINT_SKIP_ACTIONS=1   skip actionlint
# actionlint also runs shellcheck on every `run:` script when shellcheck is on PATH (the
# workflows are kept clean under it); without it, those scripts are not checked.
set -euo pipefail

readonly GOLANGCI_LINT_MODULE=github.com/golangci/golangci-lint/v2
readonly GOLANGCI_LINT_VERSION=v2.15.0
readonly ACTIONLINT_MODULE=github.com/rhysd/actionlint
readonly ACTIONLINT_VERSION=v1.7.12

root="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)"
readonly root
readonly tools="${root}/bin/tools"

log() { printf 'lint: %s\n' "$*" >&2; }

# installed_version BINARY MODULE: the version of MODULE the binary was built from, or nothing.
installed_version() {
  [[ -x $1 ]] || return 0
  go version -m "$1" 2>/dev/null | awk -v mod="$2" '$1 == "mod" && $2 == mod { print $3 }'
}

# ensure_tool NAME MODULE PACKAGE VERSION: builds PACKAGE@VERSION into bin/tools unless the
# binary there already is that version.
ensure_tool() {
  local name=$1 module=$2 pkg=$3 version=$4
  local have
  have="$(installed_version "${tools}/${name}" "${module}")"
  if [[ ${have} == "${version}" ]]; then
    return 0
  fi
  local found=${have:-none}
  if [[ -z ${have} && -e "${tools}/${name}" ]]; then
    found="a binary of unknown version"
  fi
  log "installing ${name} ${version} into bin/tools (found: ${found})"
  mkdir -p "${tools}"
  local start=${SECONDS}
  # Built from outside the repository so that neither the program's module nor a go.work can
  # take part; GOFLAGS is cleared because flags such as -mod=vendor make `go install pkg@version` fail.
  (cd "${tools}" && GOBIN="${tools}" GOFLAGS='' GOWORK=off go install "${pkg}@${version}")
  log "installed ${name} ${version} in $((SECONDS - start))s"
}

command -v go >/dev/null || { log "go is not on PATH"; exit 2; }
cd "${root}"

status=0

if [[ ${LINT_SKIP_GO:-0} != 1 ]]; then
  ensure_tool golangci-lint "${GOLANGCI_LINT_MODULE}" "${GOLANGCI_LINT_MODULE}/cmd/golangci-lint" "${GOLANGCI_LINT_VERSION}"
  "${tools}/golangci-lint" config verify
  log "golangci-lint run ./..."
  if ! "${tools}/golangci-lint" run ./...; then
    log "golangci-lint reported findings"
    status=1
  fi
fi

if [[ ${LINT_SKIP_ACTIONS:-0} != 1 ]]; then
  ensure_tool actionlint "${ACTIONLINT_MODULE}" "${ACTIONLINT_MODULE}/cmd/actionlint" "${ACTIONLINT_VERSION}"
  shopt -s nullglob
  workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
  shopt -u nullglob
  if ((${#workflows[@]} == 0)); then
    log "no workflows under .github/workflows"
    status=1
  else
    if ! command -v shellcheck >/dev/null; then
      log "shellcheck is not on PATH: run: scripts are not shellchecked (apt-get install shellcheck)"
    fi
    log "actionlint ${workflows[*]}"
    if ! "${tools}/actionlint" "${workflows[@]}"; then
      log "actionlint reported findings"
      status=1
    fi
  fi
fi

if ((status == 0)); then
  log "clean"
fi
exit "${status}"
