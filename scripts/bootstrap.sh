#!/usr/bin/env bash
# Create (or reuse) the project's virtual environment and install crane with its dev tools.
# Prints the venv path on the last line. Used by scripts/demo.sh and scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${CRANE_VENV:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
# Reinstall only when pyproject.toml changed since the last install (keeps repeat runs fast).
stamp="$venv/.crane-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
    "$venv/bin/python" -m pip install --quiet -e '.[dev]' >&2
    touch "$stamp"
fi
echo "$venv"
