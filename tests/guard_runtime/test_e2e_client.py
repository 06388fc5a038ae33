"""crane's guard hook under the real Claude Code client (the pinned version, via tests/e2e).

The client runs `hook_command()` exactly as installed, through `sh -c`. Until the real
classifier exists the hook runs with the test classifier (a stand-in interpreter executes
fake_hook.py); the `real` variants switch on once crane.guard.see.classify is there.

Every scripted command would create MARKER if it ran, so "blocked" is checked on disk.
"""

from __future__ import annotations

import json
import shlex
import stat
import sys
from pathlib import Path
from typing import Any

import pytest

from crane.guard.run.install import hook_command, settings_json
from tests.e2e.anthropic_stub import AnthropicStub, bash
from tests.e2e.claude_client import Result, run_claude

from .conftest import FAKE_HOOK, LAUNCHER, read_jsonl

pytestmark = pytest.mark.e2e

MARKER = "MARKER"
PROD_WRITE = f"touch {MARKER} && npx wrangler deploy --env production"


@pytest.fixture(params=["fake", "real"])
def guard_command(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "real":
        request.getfixturevalue("classify_available")
        return hook_command(request.getfixturevalue("isolated_python"))
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_HOOK))}\n")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    return hook_command(str(stub))


def session(stub: AnthropicStub, claude_bin: Path, workdir: Path, command: str, guard: str, tmp_path: Path,
            **env: str) -> tuple[Result, dict[str, Any]]:
    stub.set_script([[bash(command, "scripted")]])
    # The longest deadline the client's 10 s hook timeout permits: a loaded machine must not turn
    # an expected answer into a timeout (the deadline test sets its own).
    extra = {"PYTHONPATH": str(LAUNCHER), "CRANE_STATE_DIR": str(tmp_path / "state"), "CRANE_GUARD_DEADLINE": "7",
             **env}
    result = run_claude("do it", settings=settings_json(guard), cwd=workdir, stub=stub, claude=claude_bin,
                        env_extra=extra)
    assert result.returncode == 0, result.describe()
    assert len(stub.tool_results) == 1, stub.describe_requests()
    return result, stub.tool_results[0]


def stderr_part(tool_result: dict[str, Any]) -> str:
    """The hook's own stderr: the client prefixes it with `PreToolUse:Bash hook error: [<command>]: `."""
    return str(tool_result["content"]).rsplit("]: ", 1)[-1]


def assert_blocked(result: Result, tool_result: dict[str, Any], workdir: Path, reason: str) -> None:
    assert not (workdir / MARKER).exists(), "the command ran"
    assert tool_result["is_error"] is True, tool_result
    assert stderr_part(tool_result).startswith(reason), tool_result
    assert tool_result["tool_use_id"] in [d.get("tool_use_id") for d in result.permission_denials]


def test_staging_session_production_write_is_blocked(anthropic_stub: AnthropicStub, claude_bin: Path,
                                                     workdir: Path, tmp_path: Path, guard_command: str) -> None:
    result, tool_result = session(anthropic_stub, claude_bin, workdir, PROD_WRITE, guard_command, tmp_path,
                                  CRANE_ENV="dev")
    assert_blocked(result, tool_result, workdir, "crane: NOT executed")
    assert "crane guard failed to run (exit 1" not in tool_result["content"]  # a deliberate 2: no wrapper noise
    [row] = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert row["decision"] == "deny" and row["target"] == "production"


def test_dry_run_interception_reaches_the_model(anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path,
                                                tmp_path: Path, guard_command: str) -> None:
    result, tool_result = session(anthropic_stub, claude_bin, workdir, PROD_WRITE, guard_command, tmp_path,
                                  CRANE_DRY_RUN="1")
    assert_blocked(result, tool_result, workdir, "crane dry-run: NOT executed")
    assert "Nothing was written" in tool_result["content"]


def test_harmless_command_runs(anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path, tmp_path: Path,
                               guard_command: str) -> None:
    result, tool_result = session(anthropic_stub, claude_bin, workdir, f"touch {MARKER}", guard_command, tmp_path,
                                  CRANE_ENV="dev")
    assert (workdir / MARKER).exists(), tool_result
    assert tool_result["is_error"] is False
    assert result.permission_denials == []


def test_production_ask_never_runs_unattended(anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path,
                                              tmp_path: Path, guard_command: str) -> None:
    # `claude -p` has nobody to ask: the ask must not turn into "run it" (even with Bash allowed).
    result, tool_result = session(anthropic_stub, claude_bin, workdir, PROD_WRITE, guard_command, tmp_path,
                                  CRANE_ENV="prod")
    assert not (workdir / MARKER).exists(), tool_result
    assert tool_result["is_error"] is True, tool_result
    [row] = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert row["decision"] == "ask"


def test_guard_crash_is_blocked(anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path,
                                tmp_path: Path) -> None:
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_HOOK))}\n")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    result, tool_result = session(anthropic_stub, claude_bin, workdir, f"touch {MARKER} # CRASH",
                                  hook_command(str(stub)), tmp_path)
    assert_blocked(result, tool_result, workdir, "crane guard error")
    assert read_jsonl(tmp_path / "state" / "alerts.jsonl")[0]["kind"] == "guard_error"


def test_guard_hang_is_blocked_by_its_own_deadline(anthropic_stub: AnthropicStub, claude_bin: Path,
                                                   workdir: Path, tmp_path: Path) -> None:
    stub = tmp_path / "bin" / "python"
    stub.parent.mkdir()
    stub.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(str(FAKE_HOOK))}\n")
    stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
    result, tool_result = session(anthropic_stub, claude_bin, workdir, f"touch {MARKER} # SLEEP",
                                  hook_command(str(stub)), tmp_path, CRANE_GUARD_DEADLINE="1")
    assert_blocked(result, tool_result, workdir, "crane guard error: no decision within the guard's 1 s deadline")
    assert json.loads((tmp_path / "state" / "alerts.jsonl").read_text().splitlines()[0])["kind"] == "guard_timeout"
