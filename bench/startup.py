"""Startup cost of crane's light paths, side by side with bare Python in the same run.

    python bench/startup.py            # BENCH_RUNS=40 by default

Target (issue 2): `import crane` + `get_api_base()` adds under 10 ms over `python -c pass`.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from _timing import runs_from_env, table, time_command

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    runs = runs_from_env(40)
    env = dict(os.environ, CRANE_VENTURE="demo", CRANE_PROFILES_DIR=str(REPO / "profiles"))
    env.pop("CRANE_RUN_ID", None)
    crane = shutil.which("crane", path=str(Path(sys.executable).parent)) or "crane"
    py = sys.executable
    rows = [
        ("python -c pass", time_command([py, "-c", "pass"], runs=runs, env=env)),
        ("import crane; get_api_base()",
         time_command([py, "-c", "import crane; crane.get_api_base()"], runs=runs, env=env)),
        ("crane run --venture demo -- true", time_command([crane, "run", "--venture", "demo", "--", "true"],
                                                          runs=max(5, runs // 4), env=env)),
    ]
    base = rows[0][1]
    print(f"startup, medians of {runs} runs (crane run: {max(5, runs // 4)}), python {sys.version.split()[0]}")
    print(table(rows, base))
    added = rows[1][1] - base
    print(f"import crane + get_api_base() adds {added:.1f} ms over bare python (target < 10 ms): "
          f"{'OK' if added < 10 else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
