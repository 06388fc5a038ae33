"""Shared timing helpers for the bench scripts: medians over repeated runs, side by side."""

from __future__ import annotations

import os
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence


def run_timed(argv: Sequence[str], *, env: Mapping[str, str] | None, timeout: float, stdin: bytes | None = None,
              cwd: str | os.PathLike[str] | None = None, capture: bool = False,
              capture_stderr: bool | None = None) -> tuple[float, int | str, bytes, bytes]:
    """(wall ms, exit code or "timeout", stdout, stderr) of one process.

    Not `subprocess.run(timeout=...)`: with a timeout, Popen.wait polls with sleeps that double
    from 0.5 ms to 50 ms, which rounds every wall time up to 7.5, 15.5, 31.5, 63.5 ms... Here the
    wait blocks in waitpid, and a timer kills the process if it outlives `timeout`.
    """
    out = subprocess.PIPE if capture else subprocess.DEVNULL
    err = subprocess.PIPE if (capture if capture_stderr is None else capture_stderr) else subprocess.DEVNULL
    start = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE, stdout=out,
                            stderr=err, env=dict(env) if env is not None else None, cwd=cwd)
    killed = threading.Event()

    def kill() -> None:
        killed.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        stdout, stderr = proc.communicate(stdin)  # no timeout: blocks in waitpid, no polling
    finally:
        timer.cancel()
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, "timeout" if killed.is_set() else proc.returncode, stdout or b"", stderr or b""


def time_command(argv: Sequence[str], *, runs: int, env: Mapping[str, str] | None = None,
                 stdin: bytes | None = None, warmup: int = 2, timeout: float = 60.0) -> float:
    """Median wall time in milliseconds of running `argv` to completion (output discarded)."""
    samples = []
    for i in range(warmup + runs):
        ms, _, _, _ = run_timed(argv, env=env, timeout=timeout, stdin=stdin)
        if i >= warmup:
            samples.append(ms)
    return statistics.median(samples)


def table(rows: Sequence[tuple[str, float]], baseline: float) -> str:
    width = max(len(name) for name, _ in rows)
    lines = [f"{'case':<{width}}  {'median ms':>10}  {'x baseline':>10}"]
    for name, ms in rows:
        lines.append(f"{name:<{width}}  {ms:>10.1f}  {ms / baseline:>10.2f}")
    return "\n".join(lines)


def runs_from_env(default: int) -> int:
    return int(os.environ.get("BENCH_RUNS", default))
