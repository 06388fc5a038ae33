"""The agent knows where it stands: session context and crane's MCP tools with the real Claude Code client."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.anthropic_stub import AnthropicStub, ToolCall
from tests.e2e.test_crane_launch_claude import _installed, write_venture  # noqa: F401 (fixture)
from tests.e2e.test_crane_launch_claude import launch as claude_launch

pytestmark = pytest.mark.e2e

STAGING_KEY = "staging-key"  # the venture's staging secret: a canary here


def launch(stub: AnthropicStub, claude_bin: Path, tmp_path: Path, workdir: Path, profiles: Path,
           *crane_args: str) -> subprocess.CompletedProcess[str]:
    return claude_launch(stub, claude_bin, tmp_path, workdir, "--venture", "shop", "--profiles-dir", str(profiles),
                         *crane_args, claude_args=["-p", "where am I?", "--output-format", "json", "--allowedTools",
                                                   "Bash,mcp__crane__crane_preflight,mcp__crane__crane_run_status"])


def test_the_model_is_told_the_environment_and_can_ask_crane(anthropic_stub: AnthropicStub, claude_bin: Path,
                                                             tmp_path: Path, workdir: Path) -> None:
    profiles = write_venture(tmp_path)
    anthropic_stub.set_script([[ToolCall("mcp__crane__crane_preflight", {})]])
    proc = launch(anthropic_stub, claude_bin, tmp_path, workdir, profiles, "--env", "staging", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    first = anthropic_stub.message_requests[0]
    # This client offers MCP tools as deferred tools: named in the first request, schemas loaded on demand.
    offered = json.dumps(first)
    for tool in ("mcp__crane__crane_preflight", "mcp__crane__crane_run_status", "mcp__crane__crane_smoke"):
        assert tool in offered, f"{tool} was not offered to the model"
    context = json.dumps(first)
    assert "Environment: staging" in context and "DRY RUN" in context and "NOT done" in context
    [result] = anthropic_stub.tool_results
    assert not result["is_error"], result
    facts = json.loads(result["content"])
    assert facts["environment_name"] == "staging" and facts["api_base"] == "https://staging.api.shop.example"
    everything = proc.stdout + proc.stderr + json.dumps([r.body for r in anthropic_stub.requests])
    assert STAGING_KEY not in everything


def test_crane_run_status_is_answered_by_the_sessions_guard_supervisor(
        anthropic_stub: AnthropicStub, claude_bin: Path, tmp_path: Path, workdir: Path) -> None:
    profiles = write_venture(tmp_path)
    anthropic_stub.set_script([
        [ToolCall("Bash", {"command": f"touch {workdir}/PUT && npx wrangler r2 object put a/b.png --file x --remote"})],
        [ToolCall("mcp__crane__crane_run_status", {})],
    ])
    proc = launch(anthropic_stub, claude_bin, tmp_path, workdir, profiles, "--env", "staging", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "PUT").exists()
    _, result = anthropic_stub.tool_results
    assert not result["is_error"], result
    status = json.loads(result["content"])
    assert status["source"] == "guard supervisor"
    [decision] = status["decisions"]
    assert decision["decision"] == "intercepted" and "r2 object put" in decision["command"]
    assert STAGING_KEY not in proc.stdout + proc.stderr + json.dumps([r.body for r in anthropic_stub.requests])
