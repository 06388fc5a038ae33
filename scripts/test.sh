#!/usr/bin/env bash
# The one command that runs every check on a fresh clone: installs what the tests need
# (Python packages, redis-server, the pinned Claude Code client), then ruff, mypy and pytest.
# Extra arguments go to pytest, e.g.  bash scripts/test.sh -k resolve
set -uo pipefail
cd "$(dirname "$0")/.."
venv=$(bash scripts/bootstrap.sh | tail -n 1) || { echo "bootstrap failed" >&2; exit 1; }
deps=$(bash scripts/install-system-deps.sh) || exit 1
for var in CRANE_TEST_CLAUDE CRANE_TEST_CODEX CRANE_TEST_GEMINI; do
    line=$(printf '%s\n' "$deps" | grep "^$var=" || true)
    [ -n "$line" ] && export "${line?}"
done

status=0
echo "== ruff" && "$venv/bin/ruff" check launcher tests bench || status=1
echo "== mypy (strict)" && "$venv/bin/mypy" || status=1
echo "== pytest"
"$venv/bin/python" -m pytest "$@"
rc=$?
if [ "$rc" = 5 ]; then
    echo "pytest collected no tests (exit 5): treating that as a failure" >&2
    rc=1
fi
[ "$rc" = 0 ] || status=1
exit "$status"
