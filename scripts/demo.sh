#!/usr/bin/env bash
# The demo, end to end on the embedded `demo` venture (fake secrets in profiles/demo/):
# install crane, show the preflight for staging, then launch a child with the staging secrets.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(bash scripts/bootstrap.sh | tail -n 1)
crane="$venv/bin/crane"
echo "== crane preflight --venture demo --env staging"
"$crane" preflight --venture demo --env staging
echo
echo "== crane run --venture demo --env staging -- python (prints what the child sees: names, never values)"
"$crane" run --venture demo --env staging -- "$venv/bin/python" -c '
import os, crane
print("child CRANE_ENV          =", os.environ["CRANE_ENV"])
print("child CRANE_VENTURE_CODE =", os.environ["CRANE_VENTURE_CODE"])
print("child CRANE_INJECTED     =", os.environ["CRANE_INJECTED"])
print("crane.get_api_base()     =", crane.get_api_base())
print("crane.get_url(\"dashboard\") =", crane.get_url("dashboard"))
print("DEMO_API_KEY is set:", "DEMO_API_KEY" in os.environ)
'
echo
echo "== a venture without staging falls back coherently (profiles/examples/beta.toml shape):"
echo "   see docs/guide.md#fallback"
