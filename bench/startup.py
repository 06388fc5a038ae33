"""Startup cost of crane's light paths, side by side with bare Python in the same run.

    python bench/startup.py            # BENCH_RUNS=40 by default

Every round runs each case once, in a rotated order (`_timing.time_interleaved`), so machine
noise hits all rows alike; medians, with p25/p75 for the spread.

Target (issue 2): `import crane` + `get_api_base()` adds under 10 ms over `python -c pass`.
Where bubblewrap runs, the same pair inside one sandbox as `crane launch` builds it, and what the
sandbox adds to `crane launch` of a trivial agent.
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
    sandboxed(runs, env, py, crane)
    return 0


INSIDE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from _timing import Case, time_interleaved
py = sys.executable
cases = [Case("pass", [py, "-c", "pass"]), Case("config", [py, "-c", "import crane; crane.get_api_base()"])]
time_interleaved(cases, runs=int(sys.argv[2]))
print(json.dumps([c.median for c in cases]))
"""


def sandboxed(runs: int, env: dict[str, str], py: str, crane: str) -> None:
    """The config module inside a sandbox as `crane launch` builds it (crane's cache dir hidden, an
    empty private one in its place), and `crane launch true` with and without the sandbox."""
    import json
    import subprocess

    sys.path.insert(0, str(REPO / "launcher"))
    from crane.profiles import load_profile
    from crane.sandbox.argv import build_argv
    from crane.sandbox.gather import gather
    from crane.sandbox.probe import availability

    found = availability(env)
    if not found.ok or found.bwrap is None:
        print(f"\nin the sandbox: skipped ({found.reason})")
        return
    profile = load_profile(REPO / "profiles" / "demo.toml")
    plan = gather(environ=env, project=str(REPO), bwrap=found.bwrap, profile=profile).plan
    session = dict(env, CRANE_PROFILE=profile.path, CRANE_ENV="dev", CRANE_VENTURE_CODE="demo", CRANE_RUN_ID="bench")
    out = subprocess.run(build_argv(plan, [py, "-c", INSIDE, str(REPO / "bench"), str(runs)]), env=session,
                         capture_output=True, text=True, check=True, timeout=900).stdout
    bare, config = json.loads(out.strip().splitlines()[-1])
    launch = [crane, "launch", "--venture", "demo", "--env", "staging"]
    cases = [Case("crane launch --no-sandbox true", [*launch, "--no-sandbox", "true"], env=env),
             Case("crane launch true (sandboxed)", [*launch, "true"], env=env)]
    time_interleaved(cases, runs=max(5, runs // 4))
    print(f"\nin the sandbox (bubblewrap): {runs} interleaved rounds inside one sandbox; launches: "
          f"{max(5, runs // 4)} rounds")
    print(f"python -c pass (inside)                  {bare:>8.1f} ms")
    print(f"import crane; get_api_base() (inside)    {config:>8.1f} ms  adds {config - bare:.1f} ms "
          f"(target < 10 ms): {'PASS' if config - bare < 10 else 'OVER'}")
    for case in cases:
        print(f"{case.name:<40} {case.median:>8.1f} ms")
    print(f"the sandbox adds {cases[1].median - cases[0].median:.1f} ms to a launch")


if __name__ == "__main__":
    sys.exit(main())
