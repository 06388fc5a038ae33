"""How the session context and crane's MCP server reach Codex and Gemini, as data (the real clients:
tests/e2e/test_session_context_codex_gemini.py)."""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path

from crane.agents import codex, gemini

TEXT = "crane session: Environment: staging | it's \"quoted\" $HOME `x`\nDRY RUN"
CANARY = "canary-5e1d0c7a9b"


def test_codex_keeps_the_users_developer_instructions_after_cranes(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('developer_instructions = "from config"\nmodel = "o3"\n')
    args = ["exec", "-c", 'developer_instructions="from flag"', "-c", "model=o3",
            "--config=developer_instructions=plain words", "do it"]
    texts, rest = codex.user_instructions({"CODEX_HOME": str(tmp_path)}, args)
    assert texts == ["from config", "from flag", "plain words"]
    assert rest == ["exec", "-c", "model=o3", "do it"]


def test_codex_takes_the_selected_profiles_developer_instructions(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('developer_instructions = "top"\nprofile = "work"\n'
                                          '[profiles.work]\ndeveloper_instructions = "work"\n'
                                          '[profiles.home]\nmodel = "o3"\n')
    env = {"CODEX_HOME": str(tmp_path)}
    assert codex.user_instructions(env, ["exec"])[0] == ["work"]
    assert codex.user_instructions(env, ["--profile", "home", "exec"])[0] == ["top"]
    assert codex.user_instructions(env, ["exec", "-p", "work"])[0] == ["work"]


def test_codex_overrides_carry_the_text_and_the_server_without_secret_values() -> None:
    env = {"CRANE_ENV": "dev", "CRANE_RUN_ID": "r1", "CRANE_INJECTED": "SHOP_KEY,MISSING", "SHOP_KEY": CANARY,
           "HOME": "/h", "OTHER": "x"}
    args = codex.context_overrides(TEXT, ["user text"], env)
    assert args[0] == args[2] == "-c"
    instructions = tomllib.loads(args[1])["developer_instructions"]
    assert instructions == TEXT + "\n\nuser text"
    server = tomllib.loads(args[3])["mcp_servers"]["crane"]
    assert server["args"][:2] == ["-I", "-c"] and "serve()" in server["args"][2]
    assert server["env_vars"] == ["CRANE_ENV", "CRANE_INJECTED", "CRANE_RUN_ID", "SHOP_KEY"]
    assert server["required"] is True  # Codex waits for it before the first turn
    assert CANARY not in " ".join(args)


def test_gemini_settings_get_a_session_start_hook_and_cranes_server() -> None:
    user = {"hooks": {"SessionStart": [{"hooks": [{"type": "command", "command": "theirs"}]}]},
            "hooksConfig": {"disabled": ["crane-guard-abc-context", "theirs"]},
            "mcpServers": {"github": {"command": "gh-mcp"}}}
    merged = gemini.merged_settings(user, "/h/hook", "crane-guard-abc", "settings.json", context=TEXT,
                                    mcp_server={"command": "/py", "args": ["-I"]})
    first, ours = merged["hooks"]["SessionStart"]
    assert first == user["hooks"]["SessionStart"][0]
    [handler] = ours["hooks"]
    assert handler["name"] == "crane-guard-abc-context"
    assert merged["hooksConfig"]["disabled"] == ["theirs"]  # the user cannot switch crane's context off
    assert merged["mcpServers"] == {"github": {"command": "gh-mcp"}, "crane": {"command": "/py", "args": ["-I"]}}
    # The hook command prints the answer exactly, whatever the text holds (Gemini runs it with a shell).
    out = subprocess.run(["bash", "-c", handler["command"]], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": TEXT}}
    # A project layer naming it is refused like one naming the guard's hook.
    assert gemini.disabling_keys({"hooksConfig": {"disabled": ["crane-guard-abc-context"]}})


def test_gemini_settings_without_context_are_unchanged() -> None:
    merged = gemini.merged_settings({}, "/h/hook", "crane-guard-abc", "settings.json")
    assert "SessionStart" not in merged["hooks"] and "mcpServers" not in merged
