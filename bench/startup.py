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
    inside = sandboxed_rows(runs, env, py)
    base = rows[0][1]
    print(f"startup, medians of {runs} runs (crane run: {max(5, runs // 4)}), python {sys.version.split()[0]}")
    print(table(rows, base))
    added = rows[1][1] - base
    print(f"import crane + get_api_base() adds {added:.1f} ms over bare python (target < 10 ms): "
          f"{'OK' if added < 10 else 'OVER TARGET'}")
    if inside:
        print(f"\nin the sandbox (bubblewrap), medians of {runs} runs inside one sandbox; crane launch: "
              f"{max(5, runs // 4)} runs")
        print(table(inside, inside[0][1]))
        added = inside[1][1] - inside[0][1]
        print(f"inside, import crane + get_api_base() adds {added:.1f} ms over bare python (target < 10 ms): "
              f"{'OK' if added < 10 else 'OVER TARGET'}; the sandbox adds "
              f"{inside[3][1] - inside[2][1]:.1f} ms to a launch")
    else:
        print("\nin the sandbox: skipped (bubblewrap not available here)")
    return 0


INSIDE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from _timing import time_command
runs = int(sys.argv[2])
py = sys.executable
print(json.dumps([time_command([py, "-c", "pass"], runs=runs),
                  time_command([py, "-c", "import crane; crane.get_api_base()"], runs=runs)]))
"""


def sandboxed_rows(runs: int, env: dict[str, str], py: str) -> list[tuple[str, float]]:
    """The config module inside a sandbox as `crane launch` builds it (crane's cache dir hidden,
    a private one in its place), and what the sandbox adds to `crane launch` of a trivial agent."""
    import json
    import subprocess

    sys.path.insert(0, str(REPO / "launcher"))
    from crane.profiles import load_profile
    from crane.sandbox.argv import build_argv
    from crane.sandbox.gather import gather
    from crane.sandbox.probe import availability

    found = availability(env)
    if not found.ok or found.bwrap is None:
        return []
    profile = load_profile(REPO / "profiles" / "demo.toml")
    plan = gather(environ=env, project=str(REPO), bwrap=found.bwrap, profile=profile).plan
    session = dict(env, CRANE_PROFILE=profile.path, CRANE_ENV="dev", CRANE_VENTURE_CODE="demo",
                   CRANE_RUN_ID="bench")
    out = subprocess.run(build_argv(plan, [py, "-c", INSIDE, str(REPO / "bench"), str(runs)]), env=session,
                         capture_output=True, text=True, check=True, timeout=600).stdout
    bare, config = json.loads(out.strip().splitlines()[-1])
    crane = shutil.which("crane", path=str(Path(sys.executable).parent)) or "crane"
    launch = [crane, "launch", "--venture", "demo", "--env", "staging"]
    n = max(5, runs // 4)
    return [("python -c pass (inside)", bare), ("import crane; get_api_base() (inside)", config),
            ("crane launch --no-sandbox true", time_command([*launch, "--no-sandbox", "true"], runs=n, env=env)),
            ("crane launch true (sandboxed)", time_command([*launch, "true"], runs=n, env=env))]


if __name__ == "__main__":
    sys.exit(main())
