#!/bin/sh
# Install the pinned Claude Code client for crane's end-to-end tests.
#
# Usage: scripts/install-claude-code.sh [DIR]
#   DIR defaults to ${CRANE_TEST_CACHE:-$HOME/.cache/crane-test}/claude-code-<version>.
#   CRANE_CLAUDE_CODE_VERSION overrides the pinned version (the e2e tests read it too).
#
# Idempotent: when DIR already holds a client that reports the pinned version, nothing is
# downloaded. The last line on stdout is the path of the claude binary, so callers can do
#   claude=$(scripts/install-claude-code.sh | tail -n 1)
# Everything else (npm's chatter included) goes to stderr.
#
# POSIX sh on purpose: it runs on CI images where bash may be absent.

set -eu

version="${CRANE_CLAUDE_CODE_VERSION:-2.1.332}"
package="@anthropic-ai/claude-code@${version}"
cache_root="${CRANE_TEST_CACHE:-${HOME:?HOME is not set}/.cache/crane-test}"
dir="${1:-${cache_root}/claude-code-${version}}"
bin="${dir}/node_modules/.bin/claude"

log() { printf '%s\n' "install-claude-code: $*" >&2; }

# The binary prints e.g. "2.1.330 (Claude Code)"; match the version as a whole word so that
# 2.1.33 does not pass for 2.1.330.
installed_ok() {
    [ -x "$bin" ] || return 1
    reported=$("$bin" --version 2>/dev/null) || return 1
    case " $reported " in
        *" ${version} "*) return 0 ;;
        *) return 1 ;;
    esac
}

if installed_ok; then
    log "${package} already installed in ${dir}"
    printf '%s\n' "$bin"
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    log "ERROR: npm not found on PATH; install Node.js (with npm) to fetch ${package}," \
        "or point CRANE_TEST_CLAUDE at an existing claude binary"
    exit 127
fi

mkdir -p "$dir"
log "installing ${package} into ${dir}"
# --prefix installs into DIR/node_modules without touching a global prefix; the package's
# postinstall links the platform binary that npm pulls in as an optional dependency.
# npm's stdout goes to stderr so that our last stdout line stays the binary path.
npm install --no-audit --no-fund --prefix "$dir" "$package" >&2

if ! installed_ok; then
    log "ERROR: ${bin} is missing or does not report version ${version} after npm install" \
        "(the platform-specific optional dependency may have been skipped)"
    exit 1
fi

printf '%s\n' "$bin"
