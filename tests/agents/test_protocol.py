"""The Codex and Gemini hook adapters: inputs mapped onto the classifier's vocabulary, and
decisions rendered in the one form each client honours (and never in a form it would run)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crane.agents import codex, gemini
from crane.guard.run.hook import HookResult, evaluate

CWD = "/work/project"


def codex_input(tool_name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"session_id": "s1", "turn_id": "t1", "transcript_path": None, "cwd": CWD,
            "hook_event_name": "PreToolUse", "model": "gpt-stub", "permission_mode": "bypassPermissions",
            "tool_name": tool_name, "tool_input": tool_input, "tool_use_id": "call_1"}


def gemini_input(tool_name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"session_id": "g1", "transcript_path": "", "cwd": CWD, "hook_event_name": "BeforeTool",
            "timestamp": "2026-12-03T00:00:00Z", "tool_name": tool_name, "tool_input": tool_input}


# -- translation ------------------------------------------------------------------------------


@pytest.mark.parametrize(("tool", "tool_input", "expected_tool", "expected_input"), [
    ("Bash", {"command": "ls"}, "Bash", {"command": "ls"}),
    ("exec_command", {"cmd": "touch x"}, "Bash", {"command": "touch x"}),
    ("shell", {"command": ["bash", "-lc", "echo hi there"]}, "Bash", {"command": "bash -lc 'echo hi there'"}),
    ("mcp__cf__deploy", {"env": "production"}, "mcp__cf__deploy", {"env": "production"}),
    ("view_image", {"path": "a.png"}, "Read", {"path": "a.png"}),
    ("web_search", {"query": "q"}, "WebSearch", {"query": "q"}),
])
def test_codex_tools_map_onto_claude_names(tool: str, tool_input: dict[str, Any], expected_tool: str,
                                            expected_input: dict[str, Any]) -> None:
    out = codex.translate(codex_input(tool, tool_input))
    assert (out["tool_name"], out["tool_input"]) == (expected_tool, expected_input)
    assert out["hook_event_name"] == "PreToolUse" and out["cwd"] == CWD and out["tool_use_id"] == "call_1"


def test_codex_apply_patch_is_a_write_of_every_file_it_touches() -> None:
    patch = ("*** Begin Patch\n*** Add File: a.txt\n+hi\n*** Update File: b.py\n*** Move to: c.py\n@@\n-x\n+y\n"
             "*** Delete File: d.txt\n*** End Patch\n")
    out = codex.translate(codex_input("apply_patch", {"command": patch}))
    assert out["tool_name"] == "Write"
    assert out["tool_input"] == {"file_path": "a.txt, b.py, c.py, d.txt", "content": patch, "patch": patch}


@pytest.mark.parametrize(("tool", "tool_input", "expected_tool", "expected_input"), [
    ("run_shell_command", {"command": "ls", "description": "list"}, "Bash", {"command": "ls"}),
    ("write_file", {"file_path": "/p/a", "content": "x"}, "Write", {"file_path": "/p/a", "content": "x"}),
    ("replace", {"file_path": "/p/a", "old_string": "a", "new_string": "b", "instruction": "i"}, "Edit",
     {"file_path": "/p/a", "old_string": "a", "new_string": "b"}),
    ("read_file", {"file_path": "/p/a"}, "Read", {"file_path": "/p/a"}),
    ("list_directory", {"dir_path": "/p"}, "LS", {"dir_path": "/p"}),
    ("glob", {"pattern": "*.py"}, "Glob", {"pattern": "*.py"}),
    ("grep_search", {"pattern": "x"}, "Grep", {"pattern": "x"}),
    ("google_web_search", {"query": "q"}, "WebSearch", {"query": "q"}),
    ("web_fetch", {"prompt": "summarise https://x"}, "WebFetch", {"url": "summarise https://x",
                                                                   "prompt": "summarise https://x"}),
    ("write_todos", {"todos": []}, "TodoWrite", {"todos": []}),
    ("mcp_cloudflare_deploy_worker", {"env": "production"}, "mcp__cloudflare__deploy_worker", {"env": "production"}),
])
def test_gemini_tools_map_onto_claude_names(tool: str, tool_input: dict[str, Any], expected_tool: str,
                                             expected_input: dict[str, Any]) -> None:
    out = gemini.translate(gemini_input(tool, tool_input))
    assert (out["tool_name"], out["tool_input"]) == (expected_tool, expected_input)
    assert out["hook_event_name"] == "PreToolUse" and out["session_id"] == "g1"


def test_gemini_shell_dir_path_becomes_the_commands_cwd() -> None:
    out = gemini.translate(gemini_input("run_shell_command", {"command": "ls", "dir_path": "sub/dir"}))
    assert out["cwd"] == f"{CWD}/sub/dir"
    assert gemini.translate(gemini_input("run_shell_command", {"command": "ls"}))["cwd"] == CWD


def test_every_gemini_061_builtin_tool_is_mapped() -> None:
    builtins = {"activate_skill", "ask_user", "complete_task", "enter_plan_mode", "exit_plan_mode",
                "get_internal_docs", "glob", "google_web_search", "grep_search", "invoke_agent", "list_directory",
                "list_mcp_resources", "read_file", "read_many_files", "read_mcp_resource", "replace",
                "run_shell_command", "take_snapshot", "tracker_add_dependency", "tracker_create_task",
                "tracker_get_task", "tracker_list_tasks", "tracker_update_task", "tracker_visualize",
                "update_topic", "web_fetch", "write_file", "write_todos"}
    args = {"command": "ls", "file_path": "/p/a", "content": "", "prompt": "p"}
    for tool in sorted(builtins):
        assert gemini.translate(gemini_input(tool, args))["tool_name"], tool


@pytest.mark.parametrize(("adapter", "data", "message"), [
    (codex, codex_input("brand_new_tool", {}), "not one crane knows"),
    (codex, codex_input("Bash", {"command": 3}), "'command'"),
    (codex, {**codex_input("Bash", {"command": "ls"}), "hook_event_name": "PostToolUse"}, "PreToolUse only"),
    (codex, codex_input("apply_patch", {}), "no patch text"),
    (gemini, gemini_input("brand_new_tool", {}), "not one crane knows"),
    (gemini, gemini_input("run_shell_command", {}), "'command'"),
    (gemini, gemini_input("write_file", {"content": "x"}), "'file_path'"),
    (gemini, {**gemini_input("read_file", {}), "hook_event_name": "AfterTool"}, "BeforeTool only"),
    (gemini, {**gemini_input("read_file", {}), "tool_input": "x"}, "not an object"),
])
def test_unknown_or_malformed_input_is_refused(adapter: Any, data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        adapter.translate(data)


# -- rendering --------------------------------------------------------------------------------


@pytest.mark.parametrize("adapter", [codex, gemini])
def test_render_allow_is_silent_and_every_block_has_a_reason_and_no_stdout(adapter: Any) -> None:
    assert adapter.render("allow", "read") == (0, "", "")
    for decision in ("deny", "intercepted", "ask"):
        code, out, err = adapter.render(decision, "crane: x writes to production. Run it?")
        assert code == 2 and out == "" and err.strip(), decision
    code, out, err = adapter.render("deny", "   ")
    assert (code, out) == (2, "") and "NOT executed" in err  # never exit 2 with an empty stderr (= run)


@pytest.mark.parametrize("adapter", [codex, gemini])
def test_ask_becomes_a_denial_that_tells_the_user_how(adapter: Any) -> None:
    _, _, err = adapter.render("ask", "crane: npx wrangler deploy writes to production (no --env). Run it?")
    assert "NOT executed" in err and "npx wrangler deploy writes to production" in err
    assert "run it themselves" in err and "Run it?" not in err


# -- through the hook's decision path ----------------------------------------------------------


def _profile(tmp_path: Path, guard: str = "") -> Path:
    path = tmp_path / "demo.toml"
    (tmp_path / "prod.env").write_text("DEMO_API_KEY=x\n")
    path.write_text('[api]\nprod = "https://api.example.com"\ndev = "https://staging-api.example.com"\n'
                    '[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "prod.env"\n' + guard)
    return path


def _run(tmp_path: Path, agent: str, data: dict[str, Any], **env: str) -> HookResult:
    environ = {"CRANE_STATE_DIR": str(tmp_path / "state"), "CRANE_PROFILE": str(_profile(tmp_path)),
               "CRANE_VENTURE": "demo", "CRANE_RUN_ID": "run-1", "CRANE_ENV": "dev", **env}
    return evaluate(json.dumps(data).encode(), environ, agent=agent)


@pytest.mark.parametrize(("agent", "make"), [("codex", codex_input), ("gemini", gemini_input)])
def test_staging_production_deploy_is_blocked_with_the_reason_on_stderr(tmp_path: Path, agent: str,
                                                                        make: Any) -> None:
    tool = "Bash" if agent == "codex" else "run_shell_command"
    result = _run(tmp_path, agent, make(tool, {"command": "npx wrangler deploy --env production"}))
    assert (result.exit_code, result.stdout) == (2, "")
    assert "NOT executed" in result.stderr and "staging session" in result.stderr
    audit = [json.loads(line) for line in (tmp_path / "state" / "audit.jsonl").read_text().splitlines()]
    assert audit[-1]["decision"] == "deny" and audit[-1]["tool"] == "Bash"


@pytest.mark.parametrize(("agent", "make"), [("codex", codex_input), ("gemini", gemini_input)])
def test_reads_are_allowed_silently(tmp_path: Path, agent: str, make: Any) -> None:
    tool = "Bash" if agent == "codex" else "run_shell_command"
    result = _run(tmp_path, agent, make(tool, {"command": "git status"}))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


@pytest.mark.parametrize(("agent", "make"), [("codex", codex_input), ("gemini", gemini_input)])
def test_an_unknown_tool_blocks_as_a_guard_error(tmp_path: Path, agent: str, make: Any) -> None:
    result = _run(tmp_path, agent, make("teleport", {"where": "prod"}))
    assert (result.exit_code, result.stdout) == (2, "")
    assert "crane guard error" in result.stderr and "teleport" in result.stderr


def test_production_gate_ask_is_a_denial_in_codex(tmp_path: Path) -> None:
    result = _run(tmp_path, "codex", codex_input("Bash", {"command": "npx wrangler deploy --env production"}),
                  CRANE_ENV="prod")
    assert (result.exit_code, result.stdout) == (2, "")
    assert "needs the user's confirmation" in result.stderr and "Codex" in result.stderr


def test_the_claude_protocol_is_unchanged(tmp_path: Path) -> None:
    data = {"session_id": "c1", "cwd": CWD, "hook_event_name": "PreToolUse", "tool_name": "Bash",
            "tool_input": {"command": "npx wrangler deploy --env production"}}
    result = _run(tmp_path, "claude", data, CRANE_ENV="prod")
    assert result.exit_code == 0 and json.loads(result.stdout)["hookSpecificOutput"]["permissionDecision"] == "ask"


def test_an_unknown_agent_protocol_blocks(tmp_path: Path) -> None:
    result = _run(tmp_path, "cursor", codex_input("Bash", {"command": "ls"}))
    assert result.exit_code == 2 and "no hook protocol for agent 'cursor'" in result.stderr


def _hook_modules(tmp_path: Path, agent: str, data: dict[str, Any]) -> set[str]:
    import subprocess
    import sys

    env = {"CRANE_STATE_DIR": str(tmp_path / "state"), "CRANE_RUN_ID": "r", "CRANE_GUARD_DEBUG_MODULES": "1",
           "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-I", "-c", "from crane.guard.run.client import main; main()",
                           "--agent", agent], input=json.dumps(data).encode(), env=env, capture_output=True,
                          check=False)
    line = proc.stderr.decode().strip().splitlines()[-1]
    assert line.startswith("crane guard modules: "), proc.stderr
    return set(line.split()[3:])


def test_the_adapters_add_only_themselves_to_the_hooks_imports(tmp_path: Path) -> None:
    read = {"session_id": "s", "cwd": str(tmp_path), "tool_name": "Bash", "tool_input": {"command": "git status"}}
    try:
        claude = _hook_modules(tmp_path, "claude", {**read, "hook_event_name": "PreToolUse"})
    except AssertionError:
        import os

        message = "crane is not installed in this interpreter, so `python -I` cannot import it"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    ours = {"crane.agents", "crane.agents._protocol"}
    assert _hook_modules(tmp_path, "codex", {**read, "hook_event_name": "PreToolUse"}) - claude == {
        *ours, "crane.agents.codex"}
    gemini_read = {**read, "hook_event_name": "BeforeTool", "tool_name": "run_shell_command"}
    assert _hook_modules(tmp_path, "gemini", gemini_read) - claude == {*ours, "crane.agents.gemini"}
