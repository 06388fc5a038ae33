"""classify() for every kind of tool: file edits, reads, MCP tools, unknown tools, malformed input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crane.guard.see.classify import classify
from tests.guard.conftest import CONFIG

REPO = Path(__file__).resolve().parents[2]


def _classify(tool: str, tool_input: dict[str, Any], **config: Any) -> tuple[str, str, str | None]:
    result = classify(tool, tool_input, cwd="/work", config=CONFIG.replace(**config), environ={})
    return result.kind, result.target, result.rule


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Write", {"file_path": "/work/a.txt", "content": "x"}),
        ("Edit", {"file_path": "/work/a.txt", "old_string": "a", "new_string": "b"}),
        ("MultiEdit", {"file_path": "/work/a.txt", "edits": [{"old_string": "a", "new_string": "b"}]}),
        ("NotebookEdit", {"notebook_path": "/work/n.ipynb", "new_source": "x"}),
    ],
)
def test_file_tools_are_local_writes(tool: str, tool_input: dict[str, Any]) -> None:
    assert _classify(tool, tool_input) == ("local_write", "local", "file.edit")


@pytest.mark.parametrize(
    ("tool", "tool_input"),
    [
        ("Read", {"file_path": "/etc/hosts"}),
        ("Grep", {"pattern": "wrangler deploy"}),
        ("Glob", {"pattern": "**/*.ts"}),
        ("WebFetch", {"url": "https://api.example.com/items", "prompt": "x"}),
        ("WebSearch", {"query": "wrangler deploy production"}),
        ("TodoWrite", {"todos": []}),
        ("Task", {"prompt": "deploy to production", "description": "x"}),
    ],
)
def test_read_only_tools(tool: str, tool_input: dict[str, Any]) -> None:
    assert _classify(tool, tool_input)[0] == "read"


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        ("mcp__github__create_issue", ("external_write", "unknown", "mcp.write")),
        ("mcp__cloudflare__workers_deploy", ("external_write", "unknown", "mcp.write")),
        ("mcp__plugin_x_db__executeQuery", ("external_write", "unknown", "mcp.write")),
        ("mcp__github__get_issue", ("read", "local", None)),
        ("mcp__github__list_pull_requests", ("read", "local", None)),
    ],
)
def test_mcp_tools_by_pattern(tool: str, expected: tuple[str, str, str | None]) -> None:
    assert _classify(tool, {"owner": "o"}) == expected


def test_mcp_read_patterns_win() -> None:
    assert _classify("mcp__db__run_select", {}, mcp_read_patterns=("run_select",))[0] == "read"
    assert _classify("mcp__db__run_select", {}, mcp_read_patterns=("other__*",))[0] == "external_write"
    assert _classify("mcp__db__run_select", {}, mcp_read_patterns=("db__*",))[0] == "read"


def test_mcp_arguments_naming_production() -> None:
    assert _classify("mcp__cf__kv_put", {"env": "production", "key": "k"})[1] == "production"
    assert _classify("mcp__http__post", {"request": {"url": "https://api.example.com/x"}})[1] == "production"
    assert _classify("mcp__cf__kv_put", {"env": "staging"})[1] == "unknown"


@pytest.mark.parametrize(
    ("tool", "tool_input", "kind"),
    [
        ("ApplyPatch", {"path": "/work/a.py", "patch": "..."}, "local_write"),
        ("FancyDeployer", {"target": "prod"}, "external_write"),
        ("SendEmail", {"to": "x@example.com"}, "external_write"),
        ("Ponder", {"thought": "x"}, "read"),
    ],
)
def test_unknown_tools(tool: str, tool_input: dict[str, Any], kind: str) -> None:
    assert _classify(tool, tool_input)[0] == kind


@pytest.mark.parametrize("tool_input", [{}, {"command": None}, {"command": ["ls"]}])
def test_malformed_shell_calls_are_external_writes(tool_input: dict[str, Any]) -> None:
    assert _classify("Bash", tool_input) == ("external_write", "unknown", "tool.malformed")


def test_powershell_uses_the_shell_analysis() -> None:
    assert _classify("PowerShell", {"command": "npx wrangler deploy --env production"})[:2] == (
        "external_write", "production")
    kind, target, _ = _classify("PowerShell", {"command": '$env:CLOUDFLARE_ENV="production"; npx wrangler deploy'})
    assert (kind, target) == ("external_write", "production")


def test_tree_sitter_crashers_are_defused(tmp_path: Path) -> None:
    # tree-sitter-bash 0.25.1 segfaults on some characters beyond U+FFFF after `{`.
    code = (
        "from crane.guard.see.classify import classify_command\n"
        "from crane.guard.rules.config import GuardConfig\n"
        "for text in ['{\\U00100000', 'x {\\U00105ce4', '{\\U0010ab17', '{\\U000e0100 wrangler']:\n"
        "    for _ in range(20):\n"
        "        classify_command(text, cwd='/', config=GuardConfig(), environ={})\n"
    )
    env = {"PYTHONPATH": str(REPO / "launcher"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
