"""The harness works, and the real client behaves as the hook contract says.

Plain shell hooks only: these tests pin down the client behaviour crane's guard depends on
(docs: agent-hooks reference, sections 1.3 and 2), independent of crane's own code. Each hook
script first saves the JSON it got on stdin, so every test also proves the hook really ran:
without that, a "command ran" outcome could just mean the hook was never configured.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest

from .anthropic_stub import AnthropicStub, bash
from .claude_client import Result, fail_closed_wrapper, hook_settings, run_claude

pytestmark = pytest.mark.e2e

MARKER = "MARKER"
PROMPT = "create the marker file"
BLOCK_REASON = "crane-test: production write refused"


def write_hook(tmp_path: Path, body: str) -> tuple[Path, Path]:
    """A POSIX sh hook that records its stdin in a log, then runs ``body``.

    Returns (script, log). Hooks run under ``sh -c`` (dash on Debian): no bash-isms.
    """
    hooks_dir = tmp_path / "hooks"
    hooks_dir.mkdir(exist_ok=True)
    log = hooks_dir / "hook-input.jsonl"
    script = hooks_dir / "hook.sh"
    script.write_text(
        f"#!/bin/sh\ncat >> {shlex.quote(str(log))}\necho >> {shlex.quote(str(log))}\n{body}\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script, log


def hook_inputs(log: Path) -> list[dict[str, Any]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_marker_session(
    stub: AnthropicStub, claude_bin: Path, workdir: Path, settings: dict[str, Any]
) -> tuple[Result, dict[str, Any]]:
    """Script one ``touch MARKER`` Bash call, run claude, return its result and the tool_result."""
    stub.set_script([[bash(f"touch {MARKER}", "Create the marker")]])
    result = run_claude(PROMPT, settings=settings, cwd=workdir, stub=stub, claude=claude_bin)
    assert result.returncode == 0, result.describe()
    assert result.json_output is not None, result.describe()
    assert stub.script_done, f"the client never asked for the scripted turn\n{stub.describe_requests()}"
    assert len(stub.tool_results) == 1, stub.describe_requests()
    tool_result = stub.tool_results[0]
    assert tool_result["tool_name"] == "Bash"
    return result, tool_result


def assert_hook_saw_the_call(log: Path) -> None:
    inputs = hook_inputs(log)
    assert len(inputs) == 1, f"expected exactly one PreToolUse invocation, got {inputs!r}"
    (event,) = inputs
    assert event["hook_event_name"] == "PreToolUse"
    assert event["tool_name"] == "Bash"
    assert event["tool_input"]["command"] == f"touch {MARKER}"
    assert event["tool_use_id"].startswith("toolu_stub_")


def assert_blocked(result: Result, tool_result: dict[str, Any], workdir: Path, reason: str) -> None:
    assert not (workdir / MARKER).exists(), "the hook blocked nothing: the command ran"
    assert tool_result["is_error"] is True, tool_result
    assert reason in tool_result["content"], tool_result
    denied = [d.get("tool_use_id") for d in result.permission_denials]
    assert tool_result["tool_use_id"] in denied, result.json_output


def assert_ran(tool_result: dict[str, Any], workdir: Path) -> None:
    assert (workdir / MARKER).exists(), f"the command did not run: {tool_result!r}"
    assert tool_result["is_error"] is False, tool_result


def test_without_hook_the_scripted_tool_call_executes(
    anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path
) -> None:
    result, tool_result = run_marker_session(anthropic_stub, claude_bin, workdir, settings={})

    assert_ran(tool_result, workdir)
    assert result.permission_denials == []
    # The conversation ended on the stub's final text, not on an error.
    assert result.json_output is not None
    assert result.json_output.get("is_error") is False, result.describe()


def test_exit_2_with_reason_on_stderr_blocks(
    anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path, tmp_path: Path
) -> None:
    hook, log = write_hook(tmp_path, f"echo {shlex.quote(BLOCK_REASON)} >&2\nexit 2")

    result, tool_result = run_marker_session(
        anthropic_stub, claude_bin, workdir, hook_settings(shlex.quote(str(hook)))
    )

    assert_hook_saw_the_call(log)
    assert_blocked(result, tool_result, workdir, BLOCK_REASON)


def test_deny_json_with_hook_event_name_blocks(
    anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path, tmp_path: Path
) -> None:
    decision = {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": "deny",
            "permissionDecisionReason": BLOCK_REASON,
        }
    }
    hook, log = write_hook(tmp_path, f"printf '%s\\n' {shlex.quote(json.dumps(decision))}\nexit 0")

    result, tool_result = run_marker_session(
        anthropic_stub, claude_bin, workdir, hook_settings(shlex.quote(str(hook)))
    )

    assert_hook_saw_the_call(log)
    assert_blocked(result, tool_result, workdir, BLOCK_REASON)


def test_exit_1_fails_open(
    anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path, tmp_path: Path
) -> None:
    # The reason crane must turn its own failures into exit 2: the client treats any other
    # non-zero exit as a non-blocking hook error and runs the tool anyway.
    hook, log = write_hook(tmp_path, "echo 'hook crashed' >&2\nexit 1")

    result, tool_result = run_marker_session(
        anthropic_stub, claude_bin, workdir, hook_settings(shlex.quote(str(hook)))
    )

    assert_hook_saw_the_call(log)
    assert_ran(tool_result, workdir)
    assert result.permission_denials == []


def test_fail_closed_wrapper_blocks_when_hook_exits_1(
    anthropic_stub: AnthropicStub, claude_bin: Path, workdir: Path, tmp_path: Path
) -> None:
    hook, log = write_hook(tmp_path, "echo 'hook crashed' >&2\nexit 1")
    command = fail_closed_wrapper(shlex.quote(str(hook)), "guard failed")

    result, tool_result = run_marker_session(anthropic_stub, claude_bin, workdir, hook_settings(command))

    assert_hook_saw_the_call(log)
    assert_blocked(result, tool_result, workdir, "guard failed")
