#!/usr/bin/env bash
# Run every bench and print all tables (about 2 minutes on a 2-core machine).
#
#     bash bench/run_all.sh                    # interpreter: $PYTHON, else $CRANE_VENV/bin/python, else .venv
#     PYTHON=/path/to/venv/bin/python bash bench/run_all.sh
#
# Run counts: STARTUP_RUNS, HOOK_RUNS, FETCH_RUNS, STATE_RUNS, LAUNCH_RUNS (each script also reads BENCH_RUNS).
# Every bench prints its targets as PASS/OVER; this script fails only if a bench cannot run.
set -uo pipefail
cd "$(dirname "$0")/.."

python="${PYTHON:-}"
if [ -z "$python" ]; then
    venv="${CRANE_VENV:-.venv}"
    python="$venv/bin/python"
fi
if ! "$python" -c "import crane" 2>/dev/null; then
    echo "run_all: $python cannot import crane; set PYTHON to the interpreter crane is installed in" >&2
    echo "         (bash scripts/bootstrap.sh creates .venv with crane and its dev tools)" >&2
    exit 1
fi
# A developer shell (or CI) may disable .pyc files; users' machines keep them, so measure with them.
unset PYTHONDONTWRITEBYTECODE

status=0
run() {
    local name=$1 runs=$2
    echo
    echo "=================== bench/$name.py  (BENCH_RUNS=$runs) ==================="
    # A generous bound for one bench script: a stuck bench must not hang the whole run.
    BENCH_RUNS="$runs" timeout 900 "$python" "bench/$name.py" || { echo "bench/$name.py failed (exit $?)"; status=1; }
}

echo "crane benches on $(uname -sm), $(nproc 2>/dev/null || echo '?') CPUs, $("$python" -V 2>&1), $(date -u +%Y-%m-%dT%H:%MZ)"
run startup "${STARTUP_RUNS:-80}"
run hook "${HOOK_RUNS:-60}"
run infisical_fetch "${FETCH_RUNS:-60}"
run state "${STATE_RUNS:-10}"
run launch "${LAUNCH_RUNS:-10}"
exit "$status"
