"""The state readers at a hundred audit lines and at a million, side by side in the same run.

    python bench/state.py              # BENCH_RUNS=10 by default; BENCH_STATE_LINES=1000000

Two state dirs are generated in a temp dir (removed afterwards): SMALL (100 audit lines, 100
alerts) and BIG (BENCH_STATE_LINES audit lines of ~540 bytes, as the hook writes them, in runs
of 200 calls; 100,000 alerts). Each command runs as a fresh process against each dir, all cases
in interleaved rounds (`_timing.time_interleaved`); medians with p25/p75:

- `crane runs` (the 50 most recent runs), `crane runs show RUN` (a dry run of 50 interceptions
  in the middle of the log, at both sizes), `crane alerts` (the newest 50), and preflight's alert count
  (`count_alerts` over the last 24 h, as `crane preflight` calls it);
- `python -c pass` as the process baseline.

The audit readers go through `audit.index`: the warm-up rounds bring it up to date (the
first reader after a million new lines reads them once, shown separately as "index build");
the timed rounds are what every later call costs. Target (issue): each command costs the same
at BIG as at SMALL (ratio BIG/SMALL about 1; PASS below 1.5x).

Exit code 0 whatever the numbers; 1 only if crane cannot be imported.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _timing import Case, run_timed, runs_from_env, time_interleaved

TARGET = 1.5
RUN_SIZE = 200
DRY_RUN_SIZE = 50
ALERTS_BIG = 100_000
ALERTS_SMALL = 100


def audit_line(run_id: str, call: int, when: datetime, *, dry: bool) -> str:
    """One line shaped like the hook's (about 540 bytes)."""
    decision = "intercepted" if dry else ("allow" if call % 5 else "ask")
    record = {
        "time": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "run_id": run_id,
        "session_id": "sess-" + run_id, "tool": "Bash",
        "command": f"npx wrangler r2 object put bucket/key-{call} --file ./build/out-{call}.json --remote",
        "venture": "bench", "env": "dev", "cwd": "/home/user/src/bench-app", "tool_use_id": f"toolu_{run_id}_{call}",
        "permission_mode": "default", "classification": "external_write", "target": "unknown",
        "rule": "wrangler.r2.object.put", "why": "no --env", "decision": decision,
        "reason": "crane dry-run: NOT executed: npx wrangler r2 object put (a dry run). Nothing was written.",
        "dry_run": "run" if dry else None, "sticky_set": dry and call == 0,
    }
    return json.dumps(record, separators=(",", ":")) + "\n"


def write_audit(state: Path, lines: int) -> str:
    """The audit log: runs of RUN_SIZE calls, with one dry run of DRY_RUN_SIZE interceptions in the
    middle (the same at both sizes, so `runs show` has the same work); returns its run id."""
    start = datetime(2026, 8, 1, tzinfo=UTC)
    before = (lines - DRY_RUN_SIZE) // 2
    with open(state / "audit.jsonl", "w") as fh:
        buffer = []
        for n in range(lines):
            if before <= n < before + DRY_RUN_SIZE:
                run_id, call, dry = "dry-run", n - before, True
            else:
                k = n if n < before else n - DRY_RUN_SIZE
                run_id, call, dry = f"run-{k // RUN_SIZE:06d}", k % RUN_SIZE, False
            buffer.append(audit_line(run_id, call, start + timedelta(milliseconds=n * 50), dry=dry))
            if len(buffer) >= 10_000:
                fh.write("".join(buffer))
                buffer = []
        fh.write("".join(buffer))
    return "dry-run"


def write_alerts(state: Path, count: int) -> None:
    now = datetime.now(UTC)
    with open(state / "alerts.jsonl", "w") as fh:
        for n in range(count):
            when = now - timedelta(seconds=(count - n) * 30)  # the last ~2,880 within 24 h at BIG
            fh.write(json.dumps({"time": when.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), "kind": "guard_error",
                                 "run_id": f"run-{n}", "tool": "Bash", "error": "run state: database is locked",
                                 "venture": "bench", "env": "dev", "pid": 4242,
                                 "command": "npx wrangler deploy --env production"}) + "\n")


def make_state(root: Path, name: str, lines: int, alerts: int) -> tuple[Path, str]:
    state = root / name
    state.mkdir(mode=0o700)
    dry_run = write_audit(state, lines)
    write_alerts(state, alerts)
    return state, dry_run


def main() -> int:
    runs = runs_from_env(10)
    big_lines = int(os.environ.get("BENCH_STATE_LINES", "1000000"))
    py = sys.executable
    if run_timed([py, "-c", "import crane.guard.run.audit_index"], env=None, timeout=60)[1] != 0:
        print("bench/state.py: crane is not importable with", py, file=sys.stderr)
        return 1
    crane = shutil.which("crane", path=str(Path(sys.executable).parent)) or "crane"
    root = Path(tempfile.mkdtemp(prefix="crane-bench-state-"))
    try:
        started = time.perf_counter()
        small, small_run = make_state(root, "small", 100, ALERTS_SMALL)
        big, big_run = make_state(root, "big", big_lines, ALERTS_BIG)
        size_mb = os.path.getsize(big / "audit.jsonl") / 1e6
        print(f"state readers, python {sys.version.split()[0]}, {os.cpu_count()} CPUs; SMALL: 100 audit lines, "
              f"{ALERTS_SMALL} alerts; BIG: {big_lines:,} audit lines ({size_mb:.0f} MB), {ALERTS_BIG:,} alerts "
              f"(generated in {time.perf_counter() - started:.1f} s)")
        base_env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "CRANE_"))}
        tmp = root / "tmp"
        tmp.mkdir(mode=0o700)
        base_env["TMPDIR"] = str(tmp)
        # The first reader after the log grew reads the new lines once (index build).
        for label, state in (("SMALL", small), ("BIG", big)):
            ms, code, _, _ = run_timed([crane, "runs"], env={**base_env, "CRANE_STATE_DIR": str(state)},
                                       timeout=900)
            print(f"index build ({label}, first `crane runs`): {ms:.0f} ms, exit {code}")
        count = ("import datetime as d; from crane.guard.run.alerts import count_alerts; "
                 "from crane.paths import user_state_dir; "
                 "print(count_alerts(user_state_dir(), d.datetime.now(d.UTC) - d.timedelta(hours=24), cap=1000))")
        commands = [
            ("crane runs", [crane, "runs"]),
            ("crane runs show RUN", [crane, "runs", "show", "{run}"]),
            ("crane alerts", [crane, "alerts"]),
            ("preflight alert count", [py, "-c", count]),
        ]
        cases = [Case("python -c pass", [py, "-c", "pass"], env=base_env)]
        for name, argv in commands:
            for label, state, run_id in (("SMALL", small, small_run), ("BIG", big, big_run)):
                cases.append(Case(f"{name} [{label}]", [a.replace("{run}", run_id) for a in argv],
                                  env={**base_env, "CRANE_STATE_DIR": str(state)}))
        time_interleaved(cases, runs=runs, warmup=2, timeout=900)
        base = cases[0].median
        width = max(len(c.name) for c in cases)
        print(f"\nmedians of {runs} interleaved rounds (+2 warm-up)")
        print(f"{'case':<{width}}  {'median ms':>9}  {'p25':>7}  {'p75':>7}  {'x python':>8}  exit")
        for case in cases:
            codes = ",".join(sorted({str(c) for c in case.codes}))
            print(f"{case.name:<{width}}  {case.median:>9.1f}  {case.quantile(0.25):>7.1f}  "
                  f"{case.quantile(0.75):>7.1f}  {case.median / base:>8.2f}  {codes}")
        print(f"\nBIG vs SMALL (target: the same cost, PASS below {TARGET}x)")
        for i, (name, _) in enumerate(commands):
            small_case, big_case = cases[1 + 2 * i], cases[2 + 2 * i]
            ratio = big_case.median / small_case.median
            print(f"  {name:<24} {small_case.median:7.1f} ms -> {big_case.median:7.1f} ms  {ratio:5.2f}x  "
                  f"{'PASS' if ratio < TARGET else 'OVER'}")
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
