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


class Case:
    """One command to time among others: its argv, environment and stdin."""

    def __init__(self, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None,
                 stdin: bytes | None = None, cwd: str | os.PathLike[str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.stdin = stdin
        self.cwd = cwd
        self.samples: list[float] = []
        self.codes: list[int | str] = []

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def time_interleaved(cases: Sequence[Case], *, runs: int, warmup: int = 2, timeout: float = 60.0) -> None:
    """Fill each case's samples: every round runs every case once, in an order rotated by one each
    round, so a burst of machine noise hits all cases alike instead of the one running then."""
    for round_no in range(warmup + runs):
        shift = round_no % len(cases)
        for case in [*cases[shift:], *cases[:shift]]:
            ms, code, _, _ = run_timed(case.argv, env=case.env, timeout=timeout, stdin=case.stdin, cwd=case.cwd)
            if round_no >= warmup:
                case.samples.append(ms)
                case.codes.append(code)


def table(rows: Sequence[tuple[str, float]], baseline: float) -> str:
    """Name, median ms and ratio to `baseline`, aligned."""
    width = max(len(name) for name, _ in rows)
    lines = [f"{'case':<{width}}  {'median ms':>10}  {'x baseline':>10}"]
    for name, ms in rows:
        lines.append(f"{name:<{width}}  {ms:>10.1f}  {ms / baseline:>10.2f}")
    return "\n".join(lines)


def runs_from_env(default: int) -> int:
    return int(os.environ.get("BENCH_RUNS", default))
