"""Protected paths through the real hook process: denied in every mode, audited, never intercepted."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from crane.guard.run.install import hook_command

from .conftest import base_env, encode, hook_input, read_jsonl, write_profile

CALLS = [
    ("Bash", {"command": "echo '{}' > .claude/settings.json"}),
    ("Write", {"file_path": ".claude/settings.local.json", "content": "{}"}),
    ("Bash", {"command": "git config core.hooksPath /tmp/h"}),
    ("Edit", {"file_path": ".git/hooks/pre-commit", "old_string": "a", "new_string": "b"}),
]


@pytest.mark.parametrize("session", [
    {"CRANE_ENV": "dev"}, {"CRANE_ENV": "prod"}, {"CRANE_ENV": "prod", "CRANE_DRY_RUN": "1"}, {"GATE": "off"},
])
def test_protected_paths_are_denied_in_every_mode(tmp_path: Path, classify_available: Any, isolated_python: str,
                                                  session: dict[str, str]) -> None:
    guard = '[guard]\nproduction_gate = "off"\n' if session.pop("GATE", None) else ""
    profile = write_profile(tmp_path / "profiles", guard=guard)
    env = base_env(tmp_path, CRANE_PROFILE=str(profile), CRANE_RUN_ID="run-protected", **session)
    for tool, tool_input in CALLS:
        data = hook_input(tool, tool_input, cwd=str(tmp_path))
        proc = subprocess.run(["sh", "-c", hook_command(isolated_python)], input=encode(data), capture_output=True,
                              env=env, timeout=60, check=False)
        assert proc.returncode == 2 and proc.stdout == b"", (tool, proc.stderr)
        assert b"does not change its own guard" in proc.stderr, proc.stderr
    rows = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert [r["decision"] for r in rows] == ["deny"] * len(CALLS)
    assert {r["rule"] for r in rows} == {"guard.protected-path"}
