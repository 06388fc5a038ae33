"""The guard hook's cost per tool call, side by side with bare Python in the same run.

    python bench/hook.py               # BENCH_RUNS=30 by default

Claude Code runs the hook before EVERY tool call, so its start-up is paid on every step an agent
takes. Under `crane launch` the hook is the thin client (crane.guard.run.client) talking to the
session's warm guard supervisor; this script starts a supervisor as `crane launch` does
(crane.monitor.start_supervisor) and times a fresh `<python> -I -c CLIENT_CODE --agent claude
--socket ... --pid ...` per call (the flags of `install.hook_command()`, without the `sh -c`
wrapper) reading a PreToolUse JSON on stdin, plus one row through the real `sh -c
<hook_command()>` to show the wrapper's cost, and rows for the in-process path (the same client
without a socket: a hand-installed hook, which parses rules and profile itself every call). Every
row, the baselines included, gets the same kind of stdin and runs in the same interleaved rounds
(each round runs every case once, in a rotated order), so machine noise hits all rows alike.
Medians; p25/p75 show the spread.

Session: CRANE_ENV=dev (staging), a fixed CRANE_RUN_ID, a temporary CRANE_STATE_DIR and TMPDIR,
CRANE_PROFILE pointing at a small profile with production URLs, and 12 injected secrets
(CRANE_INJECTED, so redaction has work to do), as `crane launch` sets it.

Targets (issue 7): through the supervisor, everyday commands at most 1.3x bare `python -c pass`;
writes that need the full parse at most 1.6x, including the rows whose analysis reads a file (a
shell script, a 40 KB Python script scanned for program starts, `git commit` reading its hooks). Then:
- where the in-process hook's time goes: its steps as cumulative `python -I -c` stages (import,
  config, classify a prefiltered read, classify a parsed command, sqlite state);
- `-X importtime` of the client for one everyday and one write command (top 8 modules by
  cumulative import time, median of 5 runs, with the module that imported each);
- concurrency: 100 client processes at once against one supervisor in a dry run
  (CRANE_DRY_RUN=1), a mix of writes, every answer checked (exit 2, "NOT executed", no guard
  error), deadline denials and alerts counted; once with the default deadline and once with
  CRANE_GUARD_DEADLINE=7 (the maximum).

The report always ends with exit 0, except when crane cannot be imported at all (exit 1).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from _timing import run_timed, runs_from_env

# The exact code the installed hook command runs (crane.guard.run.install.HOOK_CODE).
HOOK_CODE = "from crane.guard.run.client import main; main()"

TIMEOUT = 30.0  # seconds, for any single hook process (the hook's own deadline is 3 s)
WARMUP_ROUNDS = 2
IMPORTTIME_REPEATS = 5
CONCURRENCY = 100
RUN_ID = "bench-hook-run-0001"

EVERYDAY = ("git status", "ls -la", "cat README.md", "rg TODO src")
WRITES = (
    "npx wrangler deploy --env production",
    "CLOUDFLARE_ENV=production pnpm exec wrangler r2 object put b/k --file f --remote",
    "bash -c 'cd app && npx wrangler deploy'",
)
# Commands whose analysis reads a file (issue 8): a shell script, a Python script scanned for
# program starts and requests, and `git commit` reading its hooks. Judged against the write target.
SCRIPT_FILES = ("./deploy", "python tools/release.py", "git commit -m bench")
DEPLOY_SCRIPT = "#!/bin/sh\nset -eu\ncd \"$(dirname \"$0\")\"\nnpm run build\nnpx wrangler deploy --env staging\n"
PRE_COMMIT_HOOK = "#!/bin/sh\nnpx lint-staged\n"


def release_script() -> str:
    """A realistic ~40 KB Python release script: helpers, a few literal commands, one request."""
    helper = (
        "def step_{i}(args):\n"
        "    \"\"\"Step {i} of the release.\"\"\"\n"
        "    values = [x * {i} for x in range(10)]\n"
        "    if args.verbose:\n"
        "        print('step {i}', sum(values))\n"
        "    return values\n\n"
    )
    body = "".join(helper.format(i=i) for i in range(200))
    return (
        "import argparse\nimport subprocess\n\nimport requests\n\n" + body +
        "def main():\n"
        "    subprocess.run(['npm', 'run', 'build'], check=True)\n"
        "    subprocess.run(['npx', 'wrangler', 'deploy', '--env', 'staging'], check=True)\n"
        "    requests.post('https://staging.example.com/hooks/released', json={})\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
# External writes for the dry-run batch (all must be answered "NOT executed"). wrangler's r2/kv
# commands without --remote are local writes since wrangler 4, so these say --remote or --env.
CONCURRENT_WRITES = (
    "npx wrangler r2 object put bucket/key-{i} --file f{i} --remote",
    "npx wrangler deploy --env production",
    "npx wrangler kv key put k{i} v --env staging --remote",
    "CLOUDFLARE_ENV=production pnpm exec wrangler r2 object put b/k{i} --file f --remote",
    "bash -c 'cd app && npx wrangler deploy'",
    "curl -X POST https://api.bench.example/items/{i}",
)
INJECTED_SECRETS = {f"BENCH_SECRET_{i}": f"b{i}$q\"w'\\x-{i:03d}-Zk81pQ0vLm3n" for i in range(12)}
EVERYDAY_TARGET = 1.3
WRITE_TARGET = 1.6

PROFILE = """\
name = "Bench Venture"

[api]
prod = "https://api.bench.example"
dev = "https://staging-api.bench.example"

[urls.prod]
dashboard = "https://dashboard.bench.example"

[urls.dev]
dashboard = "https://staging-dashboard.bench.example"

[secrets]
provider = "dotenv"

[secrets.dotenv]
prod = "prod.env"
dev = "staging.env"
"""


# Where the hook's time goes: each stage is the previous one plus one step of the hook's path, run
# as `python -I -c <stage>` (wall time, not -X importtime, which inflates).
STAGES = (
    ("import crane.guard.run.hook", "import crane.guard.run.hook"),
    ("+ load_guard_config() (reads CRANE_PROFILE)",
     "from crane.guard.rules.config import load_guard_config; cfg = load_guard_config()"),
    ("+ classify 'ls -la' (the prefilter clears it)",
     "from crane.guard.see.classify import classify; classify('Bash', {'command': 'ls -la'}, cwd='.', config=cfg)"),
    ("+ classify 'git status' (full tree-sitter parse)",
     "classify('Bash', {'command': 'git status'}, cwd='.', config=cfg)"),
    ("+ open and close the sqlite run state",
     "from crane.guard.run.state import open_state; open_state(cfg, timeout=1.0).close()"),
)


@dataclass
class Case:
    name: str
    argv: list[str]
    stdin: bytes
    kind: str  # "baseline", "everyday", "write", "wrapper"
    samples: list[float] = field(default_factory=list)
    exit_codes: Counter[int | str] = field(default_factory=Counter)
    answer: str = "-"
    error: str = ""  # the last stderr line of a probe that failed


def payload(command: str, cwd: Path, session: str = "bench-session") -> bytes:
    """A PreToolUse call for the Bash tool, shaped like the ones Claude Code sends."""
    return json.dumps({
        "session_id": session,
        "transcript_path": "",
        "cwd": str(cwd),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": command, "description": "bench"},
        "tool_use_id": "toolu_bench",
    }).encode()


def run_once(argv: Sequence[str], stdin: bytes, env: Mapping[str, str], cwd: Path,
             capture: bool = False) -> tuple[float, int | str, bytes, bytes]:
    """(wall ms, exit code or "timeout", stdout, stderr) of one hook process (see _timing.run_timed)."""
    return run_timed(argv, env=env, timeout=TIMEOUT, stdin=stdin, cwd=cwd, capture=capture)


def describe_answer(code: int | str, stdout: bytes, stderr: bytes) -> str:
    if code == 0 and not stdout:
        return "allow"
    if code == 0 and b'"ask"' in stdout:
        return "ask"
    if code == 2 and b"crane guard error" in stderr:
        return "GUARD ERROR"
    if code == 2:
        return "deny"
    return f"exit {code}"


def sample_interleaved(cases: list[Case], runs: int, env: Mapping[str, str], cwd: Path) -> None:
    for case in cases:  # one probe each: the answer shown in the table, and a warm disk cache
        _, code, out, err = run_once(case.argv, case.stdin, env, cwd, capture=True)
        if case.kind not in ("baseline", "stage"):
            case.answer = describe_answer(code, out, err)
        lines = err.decode("utf-8", "replace").strip().splitlines()
        if (code != 0 and case.kind == "stage") or case.answer == "GUARD ERROR":
            case.error = lines[-1][:200] if lines else f"exit {code}"
    for rnd in range(WARMUP_ROUNDS + runs):
        shift = rnd % len(cases)
        for case in cases[shift:] + cases[:shift]:
            ms, code, _, _ = run_once(case.argv, case.stdin, env, cwd)
            if rnd >= WARMUP_ROUNDS:
                case.exit_codes[code] += 1
                if code != "timeout":
                    case.samples.append(ms)


def quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def verdict(ratio: float, limit: float) -> str:
    return f"<= {limit:g}x {'PASS' if ratio <= limit else 'OVER'}"


def short(name: str, limit: int = 62) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"


def print_table(cases: list[Case], base: float) -> None:
    width = max(len(short(c.name)) for c in cases)
    print(f"{'case':<{width}}  {'median ms':>9}  {'p25':>6}  {'p75':>6}  {'x python':>8}  {'answer':<11}  target")
    for c in cases:
        med = statistics.median(c.samples) if c.samples else float("nan")
        ratio = med / base
        target = {"everyday": verdict(ratio, EVERYDAY_TARGET), "write": verdict(ratio, WRITE_TARGET)}.get(c.kind, "")
        if c.error:
            target = "n/a: the guard failed, this times its error path"
        codes = dict(c.exit_codes)
        odd = "" if set(codes) <= {0, 2} else f"  exit codes {codes}"
        p25, p75 = quantile(c.samples, 0.25), quantile(c.samples, 0.75)
        print(f"{short(c.name):<{width}}  {med:>9.1f}  {p25:>6.1f}  {p75:>6.1f}  {ratio:>8.2f}  {c.answer:<11}  "
              f"{target}{odd}")


def stages_report(python: str, runs: int, env: Mapping[str, str], workdir: Path, stdin: bytes) -> None:
    cases = [Case("python -I -c pass", [python, "-I", "-c", "pass"], stdin, "baseline")]
    code = []
    for label, step in STAGES:
        code.append(step)
        cases.append(Case(label, [python, "-I", "-c", "; ".join(code)], stdin, "stage"))
    sample_interleaved(cases, runs, env, workdir)
    print(f"\nwhere the hook's time goes (each stage adds one step; wall ms, medians of {runs} interleaved rounds)")
    width = max(len(c.name) for c in cases)
    print(f"  {'stage':<{width}}  {'median ms':>9}  {'step ms':>7}")
    previous: float | None = None
    for c in cases:
        med = statistics.median(c.samples) if c.samples else float("nan")
        step = f"{med - previous:>+7.1f}" if previous is not None else f"{'':>7}"
        bad = f"  FAILED: {c.error}" if c.error else ""
        print(f"  {c.name:<{width}}  {med:>9.1f}  {step}{bad}")
        previous = med


# ---------------------------------------------------------------------------------------------
# -X importtime


@dataclass
class ImportRow:
    name: str
    self_us: int
    cumulative_us: int
    depth: int
    parent: str | None


def parse_importtime(stderr: str) -> list[ImportRow]:
    rows: list[ImportRow] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "[us]" in line:
            continue
        parts = line[len("import time:"):].split("|")
        if len(parts) != 3:
            continue
        raw = parts[2].rstrip()
        depth = (len(raw) - len(raw.lstrip()) - 1) // 2
        rows.append(ImportRow(raw.strip(), int(parts[0]), int(parts[1]), depth, None))
    # Lines come in the order imports finish: a module's importer is the next line one level up.
    for i, row in enumerate(rows):
        row.parent = next((r.name for r in rows[i + 1:] if r.depth == row.depth - 1), None) if row.depth else None
    return rows


def importtime_report(label: str, hook: Sequence[str], stdin: bytes, env: Mapping[str, str], cwd: Path) -> None:
    runs: list[list[ImportRow]] = []
    for _ in range(IMPORTTIME_REPEATS):
        try:
            proc = subprocess.run([hook[0], "-X", "importtime", *hook[1:]], input=stdin,
                                  env=dict(env), cwd=cwd, capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            continue
        runs.append(parse_importtime(proc.stderr.decode("utf-8", "replace")))
    if not runs:
        print(f"importtime, hook {label}: every run timed out")
        return
    cumulative: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    parents: dict[str, str | None] = {}
    totals = []
    for rows in runs:
        totals.append(sum(r.cumulative_us for r in rows if r.depth == 0))
        for r in rows:
            cumulative.setdefault(r.name, []).append(r.cumulative_us)
            own.setdefault(r.name, []).append(r.self_us)
            parents.setdefault(r.name, r.parent)
    top = sorted(cumulative, key=lambda n: statistics.median(cumulative[n]), reverse=True)[:8]
    print(f"\nimporttime, hook {label}: all imports {statistics.median(totals) / 1000:.1f} ms in total "
          f"(median of {len(runs)}; -X importtime inflates absolute numbers, compare them to each other)")
    print(f"  {'cumul ms':>8}  {'self ms':>7}  module  (imported by)")
    for name in top:
        parent = parents[name]
        print(f"  {statistics.median(cumulative[name]) / 1000:>8.1f}  {statistics.median(own[name]) / 1000:>7.1f}  "
              f"{name}  ({parent if parent else 'top level'})")


# ---------------------------------------------------------------------------------------------
# Concurrency


def concurrency_report(python: str, env: Mapping[str, str], workdir: Path, tmp: Path, deadline: str | None) -> None:
    from crane.monitor import start_supervisor

    label = f"CRANE_GUARD_DEADLINE={deadline}" if deadline else "default deadline (3 s)"
    tag = deadline or "default"
    state = tmp / f"state-concurrent-{tag}"
    alerts_tmp = tmp / f"tmp-concurrent-{tag}"
    alerts_tmp.mkdir()
    run_env = dict(env, CRANE_STATE_DIR=str(state), CRANE_DRY_RUN="1", CRANE_RUN_ID=f"{RUN_ID}-concurrent-{tag}",
                   TMPDIR=str(alerts_tmp))
    if deadline:
        run_env["CRANE_GUARD_DEADLINE"] = deadline
    supervisor = start_supervisor(run_env)
    try:
        run_env.update(supervisor.env_vars())
        argv = client_argv(python, supervisor.socket_path, supervisor.pid)
        _concurrent_batch(argv, run_env, workdir, state, alerts_tmp, label)
        drops = len(os.listdir(supervisor.drop_dir))
    finally:
        supervisor.stop()
    print(f"  client alerts     {drops} dropped by clients (filed into the alerts log when the session ends)")


def client_argv(python: str, socket_path: str, pid: int) -> list[str]:
    return [python, "-I", "-c", HOOK_CODE, "--agent", "claude", "--socket", socket_path, "--pid", str(pid)]


def _concurrent_batch(argv: Sequence[str], run_env: Mapping[str, str], workdir: Path, state: Path, alerts_tmp: Path,
                      label: str) -> None:
    commands = [CONCURRENT_WRITES[i % len(CONCURRENT_WRITES)].format(i=i) for i in range(CONCURRENCY)]

    def one(command: str) -> tuple[float, int | str, bytes, bytes]:
        return run_once(argv, payload(command, workdir), run_env, workdir, capture=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        results = list(pool.map(one, commands))
    wall = (time.perf_counter() - started) * 1000

    per_process = [ms for ms, *_ in results]
    histogram = Counter(code for _, code, _, _ in results)
    problems: Counter[str] = Counter()
    examples: dict[str, str] = {}
    for command, (_, code, out, err) in zip(commands, results, strict=True):
        text = err.decode("utf-8", "replace")
        decided = "NOT executed" in text
        guard_error = "crane guard error" in text
        if code == 2 and not out and decided and not guard_error:
            continue
        if code == 2 and decided and guard_error:
            kind = "decision written, THEN the deadline watchdog fired (both on stderr)"
        elif code == 2 and guard_error and ("deadline" in text or "no answer" in text):
            kind = "DEADLINE DENIAL: no decision within the deadline (blocked)"
        elif code == 2 and guard_error:
            kind = "other guard error (blocked)"
        else:
            kind = f"WRONG ANSWER (exit {code}, stdout {len(out)} bytes)"
        problems[kind] += 1
        examples.setdefault(kind, f"{command!r}: " + " | ".join(text.strip().splitlines())[:300])
    audit = _jsonl(state / "audit.jsonl")
    alerts = _jsonl(state / "alerts.jsonl") + _jsonl(alerts_tmp / f"crane-{os.getuid()}" / "alerts.jsonl")
    decisions = Counter(str(r.get("decision")) for r in audit)
    sticky_set = sum(1 for r in audit if r.get("sticky_set"))
    consistent = not problems and len(audit) == CONCURRENCY and sticky_set == 1 and not alerts

    deadline_denials = sum(n for k, n in problems.items() if k.startswith("DEADLINE"))
    print(f"\nconcurrency, {label}: {CONCURRENCY} client processes started at once against one supervisor, "
          f"one run id, CRANE_DRY_RUN=1, {len(CONCURRENT_WRITES)} kinds of external write")
    print(f"  batch wall time   {wall:.0f} ms")
    print(f"  per process       p50 {quantile(per_process, 0.5):.0f} ms, p95 {quantile(per_process, 0.95):.0f} ms, "
          f"max {max(per_process):.0f} ms")
    print(f"  exit codes        {dict(sorted(histogram.items(), key=str))}")
    print(f"  audit records     {len(audit)} (decisions {dict(decisions)}); sticky flag set by {sticky_set} "
          f"process(es), expected 1")
    kinds = f" {dict(Counter(str(a.get('kind')) for a in alerts))}" if alerts else ""
    print(f"  alerts            {len(alerts)}{kinds}")
    print(f"  deadline denials  {deadline_denials} (target 0)")
    print(f"  consistent        {'YES: all 100 denied, exit 2, NOT executed' if consistent else 'NO'}")
    for kind, count in problems.most_common():
        print(f"    {count:3d} x {kind}")
        print(f"          e.g. {examples[kind]}")


def _jsonl(path: Path) -> list[dict[str, object]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    out = []
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            out.append(item)
    return out


# ---------------------------------------------------------------------------------------------


def main() -> int:
    runs = runs_from_env(30)
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="crane-bench-hook-") as tmp_name:
        tmp = Path(tmp_name)
        workdir = tmp / "project"
        (workdir / "src").mkdir(parents=True)
        (workdir / "app").mkdir()
        (workdir / "README.md").write_text("# bench project\n", encoding="utf-8")
        (workdir / "src" / "main.py").write_text("# TODO: nothing\n", encoding="utf-8")
        (workdir / "deploy").write_text(DEPLOY_SCRIPT, encoding="utf-8")
        (workdir / "deploy").chmod(0o755)
        (workdir / "tools").mkdir()
        (workdir / "tools" / "release.py").write_text(release_script(), encoding="utf-8")
        (workdir / "package.json").write_text('{"scripts": {"build": "tsc -p ."}}', encoding="utf-8")
        (workdir / ".git" / "hooks").mkdir(parents=True)
        (workdir / ".git" / "config").write_text("[core]\n\tbare = false\n", encoding="utf-8")
        (workdir / ".git" / "hooks" / "pre-commit").write_text(PRE_COMMIT_HOOK, encoding="utf-8")
        (tmp / "tmp").mkdir()
        profile = tmp / "profiles" / "bench.toml"
        profile.parent.mkdir()
        profile.write_text(PROFILE, encoding="utf-8")

        env = {k: v for k, v in os.environ.items() if not k.startswith(("CRANE_", "PYTHON"))}
        env.update(
            CRANE_ENV="dev",
            CRANE_RUN_ID=RUN_ID,
            CRANE_STATE_DIR=str(tmp / "state"),
            CRANE_PROFILE=str(profile),
            CRANE_VENTURE_CODE="bench",
            XDG_CACHE_HOME=str(tmp / "cache"),
            TMPDIR=str(tmp / "tmp"),  # where alerts go when the state dir cannot be written
        )
        # As `crane launch` sets them: the injected secrets' names and values, so every audited
        # call pays for redacting them (generated passwords with quotes, `$` and backslashes).
        env.update(INJECTED_SECRETS)
        env["CRANE_INJECTED"] = ",".join(INJECTED_SECRETS)
        check = subprocess.run([python, "-I", "-c", "import crane.guard.run.hook"], env=env, capture_output=True,
                               timeout=TIMEOUT, check=False)
        if check.returncode != 0:
            print(f"cannot import crane.guard.run.hook with {python} -I: {check.stderr.decode()[-400:]}")
            print("run this with the interpreter crane is installed in (e.g. .venv/bin/python bench/hook.py)")
            return 1

        from crane.guard.run.install import hook_command
        from crane.monitor import start_supervisor

        supervisor = start_supervisor(env)
        try:
            env = dict(env)
            hook = client_argv(python, supervisor.socket_path, supervisor.pid)
            in_process = [python, "-I", "-c", HOOK_CODE, "--agent", "claude"]
            harmless = payload("git status", workdir)
            cases = [
                Case("python -c pass (baseline)", [python, "-c", "pass"], harmless, "baseline"),
                Case("python -I -c pass", [python, "-I", "-c", "pass"], harmless, "baseline"),
            ]
            cases += [Case(f"client: {c}", hook, payload(c, workdir), "everyday") for c in EVERYDAY]
            cases += [Case(f"client: {c}", hook, payload(c, workdir), "write") for c in WRITES]
            cases += [Case(f"client (reads a file): {c}", hook, payload(c, workdir), "write") for c in SCRIPT_FILES]
            cases.append(Case("in-process (hand install): git status", in_process, harmless, "inprocess"))
            cases.append(Case(f"in-process (hand install): {WRITES[0]}", in_process, payload(WRITES[0], workdir),
                              "inprocess"))
            cases.append(Case("sh -c hook_command(): git status",
                              ["sh", "-c", hook_command(python, socket=supervisor.socket_path, pid=supervisor.pid)],
                              harmless, "wrapper"))

            print(f"guard hook, medians of {runs} interleaved rounds (+{WARMUP_ROUNDS} warm-up), "
                  f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; CRANE_ENV=dev, CRANE_PROFILE set")
            sample_interleaved(cases, runs, env, workdir)
            base = statistics.median(cases[0].samples)
            print_table(cases, base)
            broken = [c for c in cases if c.error]
            if broken:
                print(f"WARNING: the guard itself failed on {len(broken)} row(s), e.g. {broken[0].error}")

            for kind, limit, label in (("everyday", EVERYDAY_TARGET, "everyday commands (client)"),
                                       ("write", WRITE_TARGET, "writes needing the full parse (client)")):
                rows = [(c.name, statistics.median(c.samples) / base) for c in cases
                        if c.kind == kind and c.samples and not c.error]
                if not rows:
                    print(f"{label}: no row answered without a guard error; target not assessed")
                    continue
                name, ratio = max(rows, key=lambda r: r[1])
                print(f"{label}: worst {ratio:.2f}x bare python ({name}); target <= {limit:g}x: "
                      f"{'PASS' if ratio <= limit else 'OVER'}")
            direct = next(c for c in cases if c.name == "client: git status")
            wrapped = cases[-1]
            print(f"sh wrapper costs {statistics.median(wrapped.samples) - statistics.median(direct.samples):+.1f} ms "
                  f"over the direct client (git status)")

            stages_report(python, max(10, runs // 2), env, workdir, harmless)
            importtime_report("client, git status (everyday)", hook, payload("git status", workdir), env, workdir)
            importtime_report(f"client, {WRITES[0]} (write)", hook, payload(WRITES[0], workdir), env, workdir)
        finally:
            supervisor.stop()
        for deadline in (None, "7"):
            concurrency_report(python, env, workdir, tmp, deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
