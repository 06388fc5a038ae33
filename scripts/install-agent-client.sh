#!/bin/sh
# Install a pinned agent client from npm for crane's end-to-end tests.
#
# Usage: scripts/install-agent-client.sh AGENT [DIR]
#   AGENT is claude, codex or gemini. DIR defaults to
#   ${CRANE_TEST_CACHE:-$HOME/.cache/crane-test}/<package short name>-<version>.
#   CRANE_CLAUDE_CODE_VERSION, CRANE_CODEX_VERSION and CRANE_GEMINI_VERSION override the pinned
#   versions (the e2e tests read them too).
#
# Idempotent: when DIR already holds a client that reports the pinned version, nothing is
# downloaded. The last line on stdout is the path of the client's binary, so callers can do
#   codex=$(scripts/install-agent-client.sh codex | tail -n 1)
# Everything else (npm's chatter included) goes to stderr.
#
# POSIX sh on purpose: it runs on CI images where bash may be absent.

set -eu

agent="${1:?usage: install-agent-client.sh claude|codex|gemini [DIR]}"
case "$agent" in
    claude) version="${CRANE_CLAUDE_CODE_VERSION:-2.1.332}"; npm_name="@anthropic-ai/claude-code"
            short="claude-code"; binary="claude"; test_var="CRANE_TEST_CLAUDE" ;;
    codex)  version="${CRANE_CODEX_VERSION:-0.171.0}"; npm_name="@openai/codex"
            short="codex"; binary="codex"; test_var="CRANE_TEST_CODEX" ;;
    gemini) version="${CRANE_GEMINI_VERSION:-0.61.0}"; npm_name="@google/gemini-cli"
            short="gemini-cli"; binary="gemini"; test_var="CRANE_TEST_GEMINI" ;;
    *) printf '%s\n' "install-agent-client: unknown agent '$agent' (claude, codex or gemini)" >&2; exit 2 ;;
esac
package="${npm_name}@${version}"
cache_root="${CRANE_TEST_CACHE:-${HOME:?HOME is not set}/.cache/crane-test}"
dir="${2:-${cache_root}/${short}-${version}}"
bin="${dir}/node_modules/.bin/${binary}"

log() { printf '%s\n' "install-agent-client ($agent): $*" >&2; }

# The clients print e.g. "2.1.330 (Claude Code)", "codex-cli 0.171.0" or "0.61.0"; match the
# version as a whole word so that 2.1.33 does not pass for 2.1.330.
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
        "or point ${test_var} at an existing ${binary} binary"
    exit 127
fi

mkdir -p "$dir"
log "installing ${package} into ${dir}"
# --prefix installs into DIR/node_modules without touching a global prefix; packages with a
# native binary pull it in as an optional dependency. npm's stdout goes to stderr so that our
# last stdout line stays the binary path.
npm install --no-audit --no-fund --prefix "$dir" "$package" >&2

if ! installed_ok; then
    log "ERROR: ${bin} is missing or does not report version ${version} after npm install" \
        "(the platform-specific optional dependency may have been skipped)"
    exit 1
fi

printf '%s\n' "$bin"
