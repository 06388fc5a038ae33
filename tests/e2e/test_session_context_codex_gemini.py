"""The agent knows where it stands, for Codex and Gemini: the session context in the model's request
and crane's MCP tools, with the real clients (`crane launch`) against the local model stand-ins.

Codex gets the context as `developer_instructions` (a developer message in every request), Gemini
through a SessionStart hook (prepended to the first prompt); both get crane's MCP server, whose
`crane_run_status` is answered by the session's guard supervisor.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.agent_clients import codex_env, codex_model_args, crane_launch, gemini_env, gemini_model_args
from tests.e2e.gemini_stub import GeminiStub, shell
from tests.e2e.openai_stub import OpenAIStub, exec_command
from tests.e2e.scripted_server import Call
from tests.e2e.test_crane_launch_claude import write_venture

pytestmark = pytest.mark.e2e

STAGING_KEY = "staging-key"  # the venture's staging secret: a canary here
R2_PUT = "npx wrangler r2 object put assets/logo.png --file x --remote"
USER_NOTE = "user-note-7c1f: prefer small commits"


def _crane_args(tmp_path: Path) -> list[str]:
    return ["--venture", "shop", "--profiles-dir", str(write_venture(tmp_path)), "--env", "staging", "--dry-run"]


def _assert_told(text: str) -> None:
    assert "Environment: staging" in text, "the environment did not reach the model"
    assert "DRY RUN" in text and "NOT executed" in text and "NOT done" in text, "the dry-run text did not"


def _assert_status_from_the_supervisor(output: str) -> None:
    """crane_run_status answered by the session's guard supervisor, listing the intercepted write."""
    status = _preflight_result(output)
    assert status["source"] == "guard supervisor", status
    [decision] = status["decisions"]
    assert decision["decision"] == "intercepted" and "r2 object put" in decision["command"]


def _preflight_result(output: str) -> dict[str, Any]:
    start, end = output.index("{"), output.rindex("}") + 1
    facts: dict[str, Any] = json.loads(output[start:end])
    return facts


def test_codex_is_told_the_environment_and_can_ask_crane(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path,
                                                         workdir: Path) -> None:
    env = codex_env(tmp_path, codex_bin, {"CRANE_STATE_DIR": str(tmp_path / "state")})
    # The user's own developer instructions are kept, after crane's text.
    (tmp_path / "home" / ".codex" / "config.toml").write_text(f"developer_instructions = {json.dumps(USER_NOTE)}\n")
    openai_stub.set_script([[Call("mcp__crane__crane_preflight", {})],
                            [exec_command(f"touch {workdir}/PUT && {R2_PUT}")],
                            [Call("mcp__crane__crane_run_status", {})]])
    proc = crane_launch(_crane_args(tmp_path), "codex", codex_model_args(openai_stub.url), env, workdir)
    assert proc.returncode == 0, proc.stderr
    first = openai_stub.requests[0]["body"]
    developer = [json.dumps(item["content"]) for item in first["input"]
                 if item.get("type") == "message" and item.get("role") == "developer"]
    crane_message = next(m for m in developer if "crane session" in m)
    _assert_told(crane_message)
    assert crane_message.index("crane session") < crane_message.index(USER_NOTE)
    [namespace] = [t for t in first["tools"] if t.get("name") == "mcp__crane"]
    assert {t["name"] for t in namespace["tools"]} == {"crane_preflight", "crane_run_status", "crane_smoke"}
    result, intercepted, status = openai_stub.tool_results
    assert "crane dry-run: NOT executed" in intercepted["output"] and not (workdir / "PUT").exists()
    _assert_status_from_the_supervisor(status["output"])
    facts = _preflight_result(result["output"])
    assert facts["environment_name"] == "staging" and facts["dry_run"] is True
    assert facts["api_base"] == "https://staging.api.shop.example" and facts["secret_names"] == ["SHOP_KEY"]
    everything = proc.stdout + proc.stderr + json.dumps(openai_stub.requests)
    assert STAGING_KEY not in everything


def test_gemini_is_told_the_environment_and_can_ask_crane(gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path,
                                                          workdir: Path) -> None:
    env = gemini_env(tmp_path, gemini_bin, gemini_stub.url, {"CRANE_STATE_DIR": str(tmp_path / "state")})
    gemini_stub.set_script([[Call("mcp_crane_crane_preflight", {})], [shell(f"touch {workdir}/PUT && {R2_PUT}")],
                            [Call("mcp_crane_crane_run_status", {})]])
    proc = crane_launch(_crane_args(tmp_path), "gemini", gemini_model_args(), env, workdir)
    assert proc.returncode == 0, proc.stderr
    turns = [r["body"] for r in gemini_stub.requests if ":streamGenerateContent" in r["path"]]
    _assert_told(json.dumps(turns[0]["contents"]))
    offered = {f["name"] for tool in turns[0]["tools"] for f in tool.get("functionDeclarations", [])}
    assert {"mcp_crane_crane_preflight", "mcp_crane_crane_run_status", "mcp_crane_crane_smoke"} <= offered
    result, intercepted, status = gemini_stub.tool_results
    assert "blocked" not in result["output"]
    assert "crane dry-run: NOT executed" in intercepted["output"] and not (workdir / "PUT").exists()
    _assert_status_from_the_supervisor(str(status["response"]["output"]))
    facts = _preflight_result(str(result["response"]["output"]))
    assert facts["environment_name"] == "staging" and facts["dry_run"] is True
    assert facts["api_base"] == "https://staging.api.shop.example" and facts["secret_names"] == ["SHOP_KEY"]
    everything = proc.stdout + proc.stderr + json.dumps(gemini_stub.requests)
    assert STAGING_KEY not in everything
