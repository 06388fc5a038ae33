"""Shared timing helpers for the bench scripts: medians over repeated runs, side by side."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence


def time_command(argv: Sequence[str], *, runs: int, env: Mapping[str, str] | None = None,
                 stdin: bytes | None = None, warmup: int = 2) -> float:
    """Median wall time in milliseconds of running `argv` to completion (output discarded)."""
    samples = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        subprocess.run(list(argv), input=stdin, env=dict(env) if env is not None else None,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def table(rows: Sequence[tuple[str, float]], baseline: float) -> str:
    width = max(len(name) for name, _ in rows)
    lines = [f"{'case':<{width}}  {'median ms':>10}  {'x baseline':>10}"]
    for name, ms in rows:
        lines.append(f"{name:<{width}}  {ms:>10.1f}  {ms / baseline:>10.2f}")
    return "\n".join(lines)


def runs_from_env(default: int) -> int:
    return int(os.environ.get("BENCH_RUNS", default))
