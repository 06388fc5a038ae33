"""Startup cost of crane's light paths, side by side with bare Python in the same run.

    python bench/startup.py            # BENCH_RUNS=40 by default

Every round runs each case once, in a rotated order (`_timing.time_interleaved`), so machine
noise hits all rows alike; medians, with p25/p75 for the spread.

Target (issue 2): `import crane` + `get_api_base()` adds under 10 ms over `python -c pass`.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from _timing import Case, runs_from_env, time_interleaved

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    runs = runs_from_env(40)
    env = dict(os.environ, CRANE_VENTURE="demo", CRANE_PROFILES_DIR=str(REPO / "profiles"))
    env.pop("CRANE_RUN_ID", None)
    crane = shutil.which("crane", path=str(Path(sys.executable).parent)) or "crane"
    py = sys.executable
    cases = [
        Case("python -c pass", [py, "-c", "pass"], env=env),
        Case("import crane; get_api_base()", [py, "-c", "import crane; crane.get_api_base()"], env=env),
        Case("crane run --venture demo -- true", [crane, "run", "--venture", "demo", "--", "true"], env=env),
    ]
    time_interleaved(cases, runs=runs)
    base = cases[0].median
    print(f"startup, medians of {runs} interleaved rounds, python {sys.version.split()[0]}")
    width = max(len(c.name) for c in cases)
    print(f"{'case':<{width}}  {'median ms':>10}  {'p25':>7}  {'p75':>7}  {'x baseline':>10}  exit codes")
    for case in cases:
        codes = ",".join(sorted({str(c) for c in case.codes}))
        print(f"{case.name:<{width}}  {case.median:>10.1f}  {case.quantile(0.25):>7.1f}  {case.quantile(0.75):>7.1f}  "
              f"{case.median / base:>10.2f}  {codes}")
    added = cases[1].median - base
    print(f"import crane + get_api_base() adds {added:.1f} ms over bare python (target < 10 ms): "
          f"{'PASS' if added < 10 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
