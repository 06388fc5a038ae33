#!/usr/bin/env bash
# System components the test suite uses for real: redis-server and bubblewrap (apt) and the Claude
# Code, Codex and Gemini CLI clients (npm, pinned). In CI (CI=true) anything missing is an error; locally it is reported and the
# tests that need it skip with the reason.
set -uo pipefail
cd "$(dirname "$0")/.."
ci="${CI:-}"
missing=0

if ! command -v redis-server >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing redis-server with apt-get ..." >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
    elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ -n "$ci" ]; then
        sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >&2
    fi
fi
if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is not installed (apt-get install redis-server): Redis tests will skip" >&2
    missing=1
fi

# bubblewrap: the agent's sandbox (crane launch) and the tests that prove it hold.
if ! command -v bwrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing bubblewrap with apt-get ..." >&2
        apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >&2
    elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ -n "$ci" ]; then
        sudo apt-get update -qq >&2 && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >&2
    fi
fi
if ! command -v bwrap >/dev/null 2>&1; then
    echo "bubblewrap is not installed (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install" \
         "bubblewrap; Arch: sudo pacman -S bubblewrap): crane launch runs agents unsandboxed, sandbox tests skip" >&2
    missing=1
elif ! bwrap --ro-bind / / --unshare-pid --cap-drop ALL true >/dev/null 2>&1; then
    echo "bubblewrap cannot create a sandbox here (user namespaces disabled?): crane launch runs agents" \
         "unsandboxed, sandbox tests skip" >&2
    missing=1
fi

# The three agent clients (npm, pinned): claude -> CRANE_TEST_CLAUDE, codex -> CRANE_TEST_CODEX,
# gemini -> CRANE_TEST_GEMINI.
for agent in claude codex gemini; do
    var="CRANE_TEST_$(printf '%s' "$agent" | tr '[:lower:]' '[:upper:]')"
    if client_bin=$(sh scripts/install-agent-client.sh "$agent" | tail -n 1) && [ -x "$client_bin" ]; then
        echo "$var=$client_bin"
    else
        echo "the $agent client could not be installed (npm): its end-to-end tests will skip" >&2
        missing=1
    fi
done

# A pinned client may need a newer Node than this machine has: say so, once per client.
if command -v node >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1; then
    python3 scripts/node_engines.py >&2 || true
fi

if [ "$missing" = 1 ] && [ -n "$ci" ] && [ "$ci" != "false" ]; then
    echo "CI=true: a missing system component is a failure" >&2
    exit 1
fi
exit 0
