"""The hook as a real process: exit codes and streams, import weight, the deadline (including
code that holds the GIL), the shell wrapper, isolation from a planted `crane`, and 100
concurrent hook processes sharing one run's sticky flag."""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crane.guard.run.install import hook_command

from .conftest import (
    FAKE_HOOK,
    Backend,
    base_env,
    encode,
    hook_input,
    read_jsonl,
    run_fake_hook,
    write_profile,
)

# Loaded only when needed: a harmless command must not pay for them.
LAZY_MODULES = {"sqlite3", "_sqlite3", "socket", "_socket", "ssl", "urllib.request", "http.client", "email",
                "tempfile", "subprocess", "uuid", "traceback", "datetime", "shlex"}
# Site machinery that the interpreter (not the hook) loads from .pth files.
SITE_MACHINERY = {"_distutils_hack", "sitecustomize", "usercustomize", "_virtualenv"}


def modules_from(stderr: bytes) -> set[str]:
    for line in stderr.decode().splitlines():
        if line.startswith("crane guard modules: "):
            return set(line.split(": ", 1)[1].split())
    raise AssertionError(f"no module list in stderr: {stderr!r}")


def third_party(modules: set[str], allowed: set[str] = frozenset()) -> set[str]:  # type: ignore[assignment]
    return {
        m for m in modules
        if (top := m.split(".")[0]) not in sys.stdlib_module_names
        and top not in {"crane", "fakes", "__main__"} | SITE_MACHINERY | allowed
        and not top.startswith("__editable__")
    }


def test_harmless_command_is_silent_and_light(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_GUARD_DEBUG_MODULES="1")
    proc = run_fake_hook(hook_input(command="git status"), env)
    assert proc.returncode == 0 and proc.stdout == b""
    modules = modules_from(proc.stderr)
    assert not third_party(modules)
    assert not (modules & LAZY_MODULES), modules & LAZY_MODULES
    assert "crane.guard.run.state" not in modules and "crane.guard.run.resp" not in modules


def test_process_answers(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    deny = run_fake_hook(hook_input(command="npx wrangler deploy --env production"), {**env, "CRANE_ENV": "dev"})
    assert deny.returncode == 2 and deny.stdout == b""
    assert deny.stderr.decode().startswith("crane: NOT executed: npx wrangler deploy --env production")
    ask = run_fake_hook(hook_input(command="npx wrangler deploy --env production"), {**env, "CRANE_ENV": "prod"})
    assert ask.returncode == 0 and ask.stderr == b""
    assert json.loads(ask.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert json.loads(ask.stdout)["hookSpecificOutput"]["hookEventName"] == "PreToolUse"
    intercepted = run_fake_hook(hook_input(command="npx wrangler r2 object put b/k"), {**env, "CRANE_DRY_RUN": "1"})
    assert intercepted.returncode == 2 and intercepted.stdout == b""
    assert b"crane dry-run: NOT executed" in intercepted.stderr
    broken = run_fake_hook(b"{", env)
    assert broken.returncode == 2 and broken.stdout == b""
    assert broken.stderr.startswith(b"crane guard error: malformed hook input")


# ---------------------------------------------------------------------------------------------
# Deadline


def _timeout_alert(tmp_path: Path) -> dict[str, Any]:
    alerts = read_jsonl(tmp_path / "state" / "alerts.jsonl")
    assert alerts, "no alert written"
    return alerts[-1]


def test_deadline_when_stdin_never_closes(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_GUARD_DEADLINE="0.5")
    proc = subprocess.Popen([sys.executable, str(FAKE_HOOK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    assert proc.stdin is not None
    proc.stdin.write(b'{"tool_name": "Bash", ')  # and then nothing, and no EOF
    proc.stdin.flush()
    start = time.monotonic()
    out, err = _wait(proc)
    assert time.monotonic() - start < 3
    assert proc.returncode == 2 and out == b""
    assert b"no decision within the guard's 0.5 s deadline" in err
    assert _timeout_alert(tmp_path)["kind"] == "guard_timeout"


def _wait(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    proc.wait(timeout=10)
    assert proc.stdout is not None and proc.stderr is not None
    return proc.stdout.read(), proc.stderr.read()


def test_deadline_when_the_classifier_hangs(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_GUARD_DEADLINE="0.5", CRANE_RUN_ID="run-slow")
    start = time.monotonic()
    proc = run_fake_hook(hook_input(command="SLEEP"), env)
    assert time.monotonic() - start < 3
    assert proc.returncode == 2 and proc.stdout == b""
    assert b"deadline" in proc.stderr
    alert = _timeout_alert(tmp_path)
    assert (alert["kind"], alert["run_id"], alert["tool"], alert["command"]) == (
        "guard_timeout", "run-slow", "Bash", "SLEEP")


def test_deadline_cap(tmp_path: Path) -> None:
    # A huge configured deadline is capped, so the client's 10 s timeout ("proceed") never wins.
    from crane.guard.run.hook import HARD_KILL_GRACE, MAX_DEADLINE
    from crane.guard.run.install import HOOK_TIMEOUT

    assert MAX_DEADLINE + HARD_KILL_GRACE + 1 < HOOK_TIMEOUT


def _stub_python(tmp_path: Path) -> str:
    """A stand-in 'interpreter' for hook_command: runs the fake-classifier hook, ignoring `-I -m ...`."""
    stub = tmp_path / "bin with space" / "python's"
    stub.parent.mkdir(parents=True)
    stub.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_HOOK))}\n")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return str(stub)


def test_gil_holding_code_is_killed_and_the_wrapper_blocks(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_GUARD_DEADLINE="0.5")
    # Bare process: the timer thread cannot run, the kernel's SIGALRM ends it.
    start = time.monotonic()
    bare = run_fake_hook(hook_input(command="REGEX_HANG"), env)
    assert bare.returncode == -14  # SIGALRM
    assert time.monotonic() - start < 4
    # Through the installed wrapper, that death is a block (exit 2) with a message.
    wrapped = subprocess.run(["sh", "-c", hook_command(_stub_python(tmp_path))],
                             input=encode(hook_input(command="REGEX_HANG")), capture_output=True, env=env,
                             timeout=30, check=False)
    assert wrapped.returncode == 2 and wrapped.stdout == b""
    assert b"crane guard failed to run (exit 142); the tool call was blocked" in wrapped.stderr


def test_wrapper_blocks_a_hard_exit(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    proc = subprocess.run(["sh", "-c", hook_command(_stub_python(tmp_path))],
                          input=encode(hook_input(command="HARDEXIT")), capture_output=True, env=env,
                          timeout=30, check=False)
    assert proc.returncode == 2
    assert b"crane guard failed to run (exit 1)" in proc.stderr


def test_wrapper_passes_answers_through_unchanged(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_ENV="dev")
    cmd = ["sh", "-c", hook_command(_stub_python(tmp_path))]
    deny = subprocess.run(cmd, input=encode(hook_input(command="npx wrangler deploy --env production")),
                          capture_output=True, env=env, timeout=30, check=False)
    assert deny.returncode == 2 and deny.stdout == b""
    assert b"crane guard failed" not in deny.stderr  # a deliberate 2 gets no extra noise
    allow = subprocess.run(cmd, input=encode(hook_input(command="git status")), capture_output=True, env=env,
                           timeout=30, check=False)
    assert (allow.returncode, allow.stdout, allow.stderr) == (0, b"", b"")


# ---------------------------------------------------------------------------------------------
# The real entry point, isolated


def test_planted_crane_and_pythonpath_cannot_hijack_the_hook(tmp_path: Path, isolated_python: str) -> None:
    planted = tmp_path / "repo"
    fake_pkg = planted / "crane" / "guard" / "run"
    fake_pkg.mkdir(parents=True)
    for package in (planted / "crane", planted / "crane" / "guard", fake_pkg):
        (package / "__init__.py").write_text("")
    (fake_pkg / "hook.py").write_text("raise SystemExit(0)  # an 'allow everything' hook\n")
    env = base_env(tmp_path, PYTHONPATH=str(planted))
    proc = subprocess.run(["sh", "-c", hook_command(isolated_python)], input=b"not json", capture_output=True,
                          env=env, cwd=planted, timeout=30, check=False)
    # The real hook ran: it refused the malformed input instead of exiting 0.
    assert proc.returncode == 2
    assert proc.stderr.startswith(b"crane guard error: malformed hook input")


def test_missing_interpreter_blocks(tmp_path: Path) -> None:
    proc = subprocess.run(["sh", "-c", hook_command(str(tmp_path / "no-such-python"))], input=b"{}",
                          capture_output=True, timeout=30, check=False)
    assert proc.returncode == 2
    assert b"crane guard failed to run (exit 127); the tool call was blocked" in proc.stderr


# ---------------------------------------------------------------------------------------------
# Many hooks at once


def _run_many(commands: list[str], env: dict[str, str]) -> list[subprocess.CompletedProcess[bytes]]:
    procs = []
    for _ in commands:
        p = subprocess.Popen([sys.executable, str(FAKE_HOOK)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        procs.append(p)
    results = []
    for p, command in zip(procs, commands, strict=True):
        out, err = p.communicate(encode(hook_input(command=command, session_id="ignored")), timeout=120)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


@pytest.mark.slow
def test_100_concurrent_hooks_share_one_sticky_flag(tmp_path: Path, backend: Backend) -> None:
    run_id = f"fleet-{backend.name}-{os.getpid()}-{time.time_ns()}"
    profile = write_profile(tmp_path / "profiles", guard='[guard]\ndry_run_scope = ["wrangler.r2.object.put"]\n')
    env = base_env(tmp_path, CRANE_PROFILE=str(profile), CRANE_RUN_ID=run_id, CRANE_VENTURE_CODE="demo",
                   # 100 interpreters starting at once on a small CI box: give each the maximum deadline,
                   # so what is measured is correctness under contention, not CPU starvation.
                   CRANE_GUARD_DEADLINE="7", **backend.env())
    # Phase 1: 100 different in-scope writes at once. Every one is intercepted; exactly one sets the flag.
    first = _run_many([f"npx wrangler r2 object put bucket/key-{i} --file f{i}" for i in range(100)], env)
    for r in first:
        assert r.returncode == 2 and r.stdout == b"", r.stderr
        assert r.stderr.startswith(b"crane dry-run: NOT executed: npx wrangler r2 object put bucket/key-")
    audit = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert len(audit) == 100
    assert {row["decision"] for row in audit} == {"intercepted"}
    assert {row["run_id"] for row in audit} == {run_id}
    assert sum(row["sticky_set"] for row in audit) == 1
    assert sorted(row["command"] for row in audit) == sorted(
        f"npx wrangler r2 object put bucket/key-{i} --file f{i}" for i in range(100))
    for row in audit:
        assert {"time", "tool", "classification", "target", "rule", "reason", "venture", "env"} <= row.keys()
    with backend.open() as state:
        assert state.is_dry_run_active(run_id)
    # Phase 2: 100 out-of-scope writes at once. Only the sticky flag can intercept them, and it does.
    second = _run_many([f"npx wrangler kv key put k{i} v --env staging" for i in range(100)], env)
    assert all(r.returncode == 2 and b"an earlier write in this run was intercepted" in r.stderr for r in second)
    audit = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert len(audit) == 200
    assert [row["dry_run"] for row in audit[100:]] == ["sticky"] * 100
    assert not any(row["sticky_set"] for row in audit[100:])
    assert not (tmp_path / "state" / "alerts.jsonl").exists()
    from crane.guard.run.audit import run_plan

    assert len(run_plan(tmp_path / "state", run_id)) == 200


# ---------------------------------------------------------------------------------------------
# With the real classifier (skipped until crane.guard.see.classify exists)


def _real(command: str, env: dict[str, str], python: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["sh", "-c", hook_command(python)], input=encode(hook_input(command=command)),
                          capture_output=True, env=env, timeout=30, check=False)


def test_real_classifier_production_write(tmp_path: Path, classify_available: Any, isolated_python: str) -> None:
    env = base_env(tmp_path)
    deny = _real("npx wrangler deploy --env production", {**env, "CRANE_ENV": "dev"}, isolated_python)
    assert deny.returncode == 2 and deny.stdout == b"", deny.stderr
    assert deny.stderr.startswith(b"crane: NOT executed"), deny.stderr
    ask = _real("npx wrangler deploy --env production", {**env, "CRANE_ENV": "prod"}, isolated_python)
    assert ask.returncode == 0, ask.stderr
    assert json.loads(ask.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"
    dry = _real("npx wrangler deploy --env production", {**env, "CRANE_DRY_RUN": "1"}, isolated_python)
    assert dry.returncode == 2 and dry.stderr.startswith(b"crane dry-run: NOT executed"), dry.stderr


def test_real_classifier_harmless_command_imports(tmp_path: Path, classify_available: Any,
                                                  isolated_python: str) -> None:
    env = base_env(tmp_path, CRANE_GUARD_DEBUG_MODULES="1")
    proc = _real("git status", env, isolated_python)
    assert proc.returncode == 0 and proc.stdout == b"", proc.stderr
    modules = modules_from(proc.stderr)
    # The classifier may load its parser; nothing else from outside the standard library.
    assert not third_party(modules, {"tree_sitter", "tree_sitter_bash"})
    assert not (modules & {"sqlite3", "socket", "ssl", "urllib.request", "http.client"})


def test_real_self_check(tmp_path: Path, classify_available: Any, isolated_python: str) -> None:
    from crane.guard.run.install import self_check

    result = self_check(hook_command(isolated_python), base_env(tmp_path))
    assert result.ok, result.problems
