"""The deadline and the real answer must never both speak: one of them wins, coherently.

A deadline short enough to race the decision, many runs: every run is either a clean allow
(exit 0, silent) or a block (exit 2, one reason). Before the latch, a late timer printed
"blocked" while the process exited 0 and the tool ran.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

LAUNCHER = Path(__file__).resolve().parents[2] / "launcher"
PAYLOAD = json.dumps({
    "session_id": "s-race", "cwd": "/", "hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_input": {"command": "ls -la"}, "tool_use_id": "toolu_race",
}).encode()


def run_once(tmp_path: Path, deadline: str) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(LAUNCHER), "CRANE_STATE_DIR": str(tmp_path / "state"),
           "CRANE_RUN_ID": "race", "CRANE_GUARD_DEADLINE": deadline}
    proc = subprocess.run([sys.executable, "-m", "crane.guard.run.hook"], input=PAYLOAD, capture_output=True,
                          env=env, timeout=30, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


def test_every_run_has_exactly_one_coherent_answer(tmp_path: Path) -> None:
    # Deadlines around the time a decision takes, so both sides win some of the runs.
    deadlines = ["0.005", "0.01", "0.02", "0.03", "0.05", "0.08"] * 8
    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(lambda d: run_once(tmp_path, d), deadlines))
    for code, out, err in outcomes:
        assert code in (0, 2), (code, err)
        if code == 0:
            assert err == "" and out == "", f"allowed, yet it said something: {err!r}"
        else:
            assert out == ""
            assert err.count("crane guard error") <= 1, err  # one answer, not the deadline's and another
            assert "blocked" in err or "NOT executed" in err, err
