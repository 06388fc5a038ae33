"""What the guard supervisor adds to `crane launch`, side by side in the same run.

    python bench/launch.py             # BENCH_RUNS=10 by default

The agent is a stub installed as `claude` on PATH (a shell script that exits 0 at once), so the
numbers are crane's own start-up and shut-down around an agent:

- `crane run -- true`: resolve, fetch (dotenv), exec; no guard;
- `crane launch --no-guard claude`: the same plus the agent preparation, exec'd as before;
- `crane launch claude`: the guarded launch: start the supervisor (rules and profile read once,
  parser warmed, socket bound), the self-check through the real client path (a production write
  from staging must be denied, `git status` allowed, the managed policy read), the agent run as a
  child, then the supervisor stopped and its directories removed.

The added start-up cost is `launch claude` minus `launch --no-guard claude`. The sandbox's cost
is measured by its own bench once it exists. Medians over interleaved rounds; exit 0 always.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
from pathlib import Path

from _timing import run_timed, runs_from_env, table

ENTRY = "from crane.cli.main import entry; entry()"
PROFILE = """\
[api]
prod = "https://api.bench.example"
dev = "https://staging-api.bench.example"
[secrets]
provider = "dotenv"
[secrets.dotenv]
prod = "bench/prod.env"
dev = "bench/staging.env"
"""


def main() -> int:
    runs = runs_from_env(10)
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="crane-bench-launch-") as tmp_name:
        tmp = Path(tmp_name)
        profiles = tmp / "profiles"
        (profiles / "bench").mkdir(parents=True)
        (profiles / "bench.toml").write_text(PROFILE, encoding="utf-8")
        (profiles / "bench" / "prod.env").write_text("BENCH_KEY=prod-value-123\n", encoding="utf-8")
        (profiles / "bench" / "staging.env").write_text("BENCH_KEY=staging-value-123\n", encoding="utf-8")
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        (bin_dir / "claude").write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        (bin_dir / "claude").chmod(0o755)
        project = tmp / "project"
        project.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CRANE_", "PYTHON"))}
        env.update(PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}", CRANE_STATE_DIR=str(tmp / "state"),
                   XDG_CACHE_HOME=str(tmp / "cache"), HOME=str(tmp))
        common = ["--venture", "bench", "--env", "staging", "--profiles-dir", str(profiles)]
        cases = {
            "python -c pass": [py, "-c", "pass"],
            "crane run -- true": [py, "-c", ENTRY, "run", *common, "--", "true"],
            "crane launch --no-guard claude (exec)": [py, "-c", ENTRY, "launch", "--no-guard", *common, "claude"],
            "crane launch claude (supervisor)": [py, "-c", ENTRY, "launch", *common, "claude"],
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for name, argv in cases.items():  # one probe each: it must work, or the numbers mean nothing
            _, code, _, err = run_timed(argv, env=env, timeout=120, cwd=project, capture=True)
            if code != 0:
                print(f"{name}: exit {code}: {err.decode('utf-8', 'replace')[-400:]}")
                return 0
        for rnd in range(runs + 1):
            names = list(cases)
            shift = rnd % len(names)
            for name in names[shift:] + names[:shift]:
                ms, code, _, _ = run_timed(cases[name], env=env, timeout=120, cwd=project)
                if rnd and code == 0:
                    samples[name].append(ms)
        rows = [(name, statistics.median(values)) for name, values in samples.items()]
        print(f"crane launch start-up, medians of {runs} interleaved rounds, python {sys.version.split()[0]}, "
              f"{os.cpu_count()} CPUs")
        print(table(rows, rows[0][1]))
        added = rows[3][1] - rows[2][1]
        print(f"the guard supervisor (start, self-check through it, stop) adds {added:.0f} ms to a launch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
