#!/usr/bin/env bash
# What crane is for, in about a screen, on the repo's fake ventures (profiles/demo: production and
# staging; profiles/solo: production only). No network, nothing outside a temporary state dir:
#   1. the preflight: what a launch would do, secret NAMES only
#   2. a child started with the staging secrets
#   3. a venture without staging asked for staging: a loud, coherent fallback to production
#   4. the guard (the real hook, run by a stand-in Claude Code in scripts/demo-bin, with a stand-in
#      wrangler): a production deploy from the staging session is denied, a staging deploy runs
#   5. a dry run: every external write is intercepted, and reported as NOT done
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(cd "$(bash scripts/bootstrap.sh | tail -n 1)" && pwd)
crane="$venv/bin/crane"
state=$(mktemp -d "${TMPDIR:-/tmp}/crane-demo.XXXXXX")
trap 'rm -rf "$state"' EXIT
export CRANE_STATE_DIR="$state"
unset CRANE_ENV CRANE_VENTURE CRANE_RUN_ID CRANE_INJECTED
say() { printf '\n== %s\n' "$*"; }

say "1. crane preflight --venture demo --env staging"
"$crane" preflight --venture demo --env staging

say "2. crane run --venture demo --env staging -- python (what the child sees)"
"$crane" run --venture demo --env staging -- "$venv/bin/python" -c '
import os, crane
print("CRANE_ENV =", os.environ["CRANE_ENV"], "| api =", crane.get_api_base(), "| dashboard =", crane.get_url("dashboard"))
print("secrets injected:", os.environ["CRANE_INJECTED"], "| DEMO_API_KEY is the staging one:",
      os.environ["DEMO_API_KEY"].startswith("demo-staging"))'

say "3. crane run --venture solo --env staging -- ...  (solo has no staging)"
"$crane" run --venture solo --env staging -- "$venv/bin/python" -c '
import os, crane
print("CRANE_ENV =", os.environ["CRANE_ENV"], "| requested =", os.environ["CRANE_ENV_REQUESTED"], "| api =",
      crane.get_api_base(), "| SOLO_API_KEY set:", "SOLO_API_KEY" in os.environ, flush=True)' 2>&1

export PATH="$PWD/scripts/demo-bin:$PATH"  # the stand-in `claude` and `wrangler`
say "4. crane launch --venture demo --env staging claude  (the guard decides before each command)"
"$crane" launch --venture demo --env staging claude \
    "wrangler deploy --env production" "wrangler deploy --env staging"

say "5. crane launch --venture demo --dry-run claude  (every external write intercepted)"
"$crane" launch --venture demo --dry-run claude "wrangler deploy" \
    "wrangler d1 execute demo-db --remote --command 'DELETE FROM sessions'" "ls -C profiles"
run=$("$crane" runs --json | "$venv/bin/python" -c '
import json, sys
print(next(r["run_id"] for r in json.load(sys.stdin) if r["counts"].get("intercepted")))')
say "crane runs show RUN_ID  (the dry run's plan: what the agent would have written)"
"$crane" runs show "$run" | sed "s/$run/RUN_ID/"
echo
echo "Next: crane init (your own venture); docs/guide.md"
