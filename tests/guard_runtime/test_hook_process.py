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

# How long a test waits for a process that the property under test says must end: a guard
# against hanging forever, not a speed limit (a loaded 2-core machine is far faster than this).
HANG_GUARD = 120

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
    out, err = _wait(proc)  # without the deadline this never ends: the wait's guard would fail it
    assert proc.returncode == 2 and out == b""
    assert b"no decision within the guard's 0.5 s deadline" in err
    assert _timeout_alert(tmp_path)["kind"] == "guard_timeout"


def _wait(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    proc.wait(timeout=HANG_GUARD)
    assert proc.stdout is not None and proc.stderr is not None
    return proc.stdout.read(), proc.stderr.read()


def test_deadline_when_the_classifier_hangs(tmp_path: Path) -> None:
    env = base_env(tmp_path, CRANE_GUARD_DEADLINE="0.5", CRANE_RUN_ID="run-slow")
    proc = run_fake_hook(hook_input(command="SLEEP"), env)
    assert proc.returncode == 2 and proc.stdout == b""
    assert b"no decision within the guard's 0.5 s deadline" in proc.stderr
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
    bare = run_fake_hook(hook_input(command="REGEX_HANG"), env)
    assert bare.returncode == -14  # SIGALRM: the kernel ended it, nothing else would have
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


def _run_many(commands: list[str], env: dict[str, str], inputs: Path) -> list[subprocess.CompletedProcess[bytes]]:
    """Start one hook process per command, each reading its input from a file, then collect.

    No hook waits on the test to feed it: a hook's deadline counts from its own start.
    """
    inputs.mkdir(exist_ok=True)
    procs = []
    for i, command in enumerate(commands):
        source = inputs / f"{i}.json"
        source.write_bytes(encode(hook_input(command=command, session_id="ignored")))
        with source.open("rb") as stdin:
            procs.append(subprocess.Popen([sys.executable, str(FAKE_HOOK)], stdin=stdin, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, env=env))
    results = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        results.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return results


GUARD_ERROR_START = b"crane guard error: "


def _blocked_honestly(result: subprocess.CompletedProcess[bytes], interception: bytes) -> bool:
    """True for an interception; False for a guard error (also a block). Anything else fails.

    Under contention a hook may fail on its own (the state store stays locked past its busy
    timeout): that is a denial too, and says so. What must never happen is a call that is let
    through, or a message that does not say the call was blocked.
    """
    assert result.returncode == 2 and result.stdout == b"", (result.returncode, result.stdout, result.stderr)
    if result.stderr.startswith(interception):
        return True
    assert result.stderr.startswith(GUARD_ERROR_START), result.stderr
    assert b"the tool call was blocked" in result.stderr, result.stderr
    return False


@pytest.mark.slow
def test_100_concurrent_hooks_share_one_sticky_flag(tmp_path: Path, backend: Backend) -> None:
    """The safety property under contention, whatever the machine's speed: no write is let
    through, every block says it is one, at most one hook reports setting the flag (exactly one
    when no hook died by its deadline), and once set the flag intercepts every later write."""
    run_id = f"fleet-{backend.name}-{os.getpid()}-{time.time_ns()}"
    profile = write_profile(tmp_path / "profiles", guard='[guard]\ndry_run_scope = ["wrangler.r2.object.put"]\n')
    env = base_env(tmp_path, CRANE_PROFILE=str(profile), CRANE_RUN_ID=run_id, CRANE_VENTURE_CODE="demo",
                   # No client waits on these hooks, so the test lifts the 7 s cap (fake_hook.py): 100
                   # interpreters on a loaded 2-core box must not turn into deadline deaths. A hook
                   # that still hits it is counted as what it is: a block.
                   CRANE_GUARD_DEADLINE="120", FAKE_HOOK_MAX_DEADLINE="120", **backend.env())
    audit_path = tmp_path / "state" / "audit.jsonl"
    # Phase 1: 100 different in-scope writes at once. Each is intercepted (or blocked by a guard
    # error); the hook that set the flag says so in its audit line, and only that one.
    commands = [f"npx wrangler r2 object put bucket/key-{i} --file f{i}" for i in range(100)]
    first = _run_many(commands, env, tmp_path / "in1")
    answered_intercepted = [
        _blocked_honestly(r, f"crane dry-run: NOT executed: {command}".encode())
        for r, command in zip(first, commands, strict=True)
    ]
    deadline_deaths = sum(b"deadline" in r.stderr for r in first)
    audit = read_jsonl(audit_path)
    assert {row["run_id"] for row in audit} <= {run_id}
    intercepted = [row for row in audit if row["decision"] == "intercepted"]
    errors = [row for row in audit if row["decision"] != "intercepted"]
    assert all((row["decision"], row["rule"]) == ("deny", "guard.error") for row in errors), errors
    # An answered interception was audited first; a late deadline may still turn an audited one
    # into a "no decision" block, never the other way round.
    assert len(intercepted) >= sum(answered_intercepted)
    assert len({row["command"] for row in intercepted}) == len(intercepted)
    assert {row["command"] for row in intercepted} <= set(commands)
    for row in intercepted:
        assert {"time", "tool", "classification", "target", "rule", "reason", "venture", "env"} <= row.keys()
    setters = sum(bool(row["sticky_set"]) for row in intercepted)
    assert setters <= 1
    if intercepted and not deadline_deaths:
        assert setters == 1
    with backend.open() as state:
        if intercepted:
            assert state.is_dry_run_active(run_id)
        else:  # every hook failed on its own (honestly): set the flag for phase 2's question
            state.activate_dry_run(run_id, 3600)
    alerts = read_jsonl(tmp_path / "state" / "alerts.jsonl")
    assert {a["kind"] for a in alerts} <= {"guard_error", "guard_timeout"}
    assert len(alerts) >= answered_intercepted.count(False)
    # Phase 2: 100 out-of-scope writes at once. Only the sticky flag can intercept them, and it does.
    second = _run_many([f"npx wrangler kv key put k{i} v --env staging" for i in range(100)], env,
                       tmp_path / "in2")
    for r in second:
        _blocked_honestly(r, b"crane dry-run: NOT executed: npx wrangler kv key put k")
        assert r.stderr.startswith(GUARD_ERROR_START) or b"an earlier write in this run was intercepted" in r.stderr
    later = read_jsonl(audit_path)[len(audit):]
    assert {row["run_id"] for row in later} <= {run_id}
    for row in later:
        if row["decision"] == "intercepted":
            assert row["dry_run"] == "sticky" and not row["sticky_set"], row
        else:
            assert (row["decision"], row["rule"]) == ("deny", "guard.error"), row
    from crane.guard.run.audit import run_plan

    all_intercepted = sum(row["decision"] == "intercepted" for row in read_jsonl(audit_path))
    assert len(run_plan(tmp_path / "state", run_id)) == all_intercepted


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

    result = self_check(hook_command(isolated_python), base_env(tmp_path), timeout=HANG_GUARD)
    assert result.ok, result.problems
