"""The supervisor's read-only `status` request (crane mcp's crane_run_status), with a real supervisor.

The supervisor is started as `crane launch` starts it; calls go through the real hook command.
The status answers this run's non-allow decisions and alerts, redacted and bounded, changes no
file of the state dir, and reaches `crane mcp`'s run_status where the state dir is hidden.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crane.guard.run import client
from crane.guard.run.alerts import GUARD_ERROR, build_alert, raise_alert
from crane.guard.run.audit import append_audit
from crane.guard.run.redact import Redactor
from crane.guard.run.status import MAX_ROWS, MAX_TEXT
from crane.mcp_server import run_status
from crane.monitor import Supervisor

from .test_supervisor import PROD_WRITE, call, session_env, start


@pytest.fixture(autouse=True)
def _needs_installed_crane(isolated_python: str, classify_available: object) -> None:
    """The supervisor and the client run with `python -I`: crane must be installed."""


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {str(p): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.rglob("*")) if p.is_file()}


def ask(sup: Supervisor) -> dict[str, object]:
    answer = json.loads(client.ask_status(sup.socket_path, expected_pid=sup.pid))
    assert isinstance(answer, dict)
    return answer


def test_status_lists_this_runs_denials_and_alerts_redacted_and_changes_nothing(
        tmp_path: Path, started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    canary = env["DEMO_API_KEY"]
    sup, agent_env, hook = start(started, env)
    denied = call(f"{PROD_WRITE} --var TOKEN:{canary}", hook, agent_env, tmp_path)
    assert denied.returncode == 2
    assert call("git status", hook, agent_env, tmp_path).returncode == 0
    state = tmp_path / "state"
    raise_alert(build_alert(kind=GUARD_ERROR, error=f"store failed for {canary}", run_id=env["CRANE_RUN_ID"],
                            tool="Bash", venture="demo", env="dev"), state_dir=state, redactor=Redactor())
    raise_alert(build_alert(kind=GUARD_ERROR, error="another run's alert", run_id="other-run", tool="Bash",
                            venture="demo", env="dev"), state_dir=state, redactor=Redactor())
    assert canary in (state / "alerts.jsonl").read_text()  # written unredacted: the status must redact it
    before = snapshot(state)

    raw = client.ask_status(sup.socket_path, expected_pid=sup.pid)
    status = json.loads(raw)

    assert snapshot(state) == before, "the status request changed crane's state"
    assert canary.encode() not in raw
    assert status["run_id"] == env["CRANE_RUN_ID"]
    [decision] = status["decisions"]
    assert decision["decision"] == "deny" and "wrangler deploy" in decision["command"]
    assert status["decisions_total"] == 1
    [alert] = status["alerts"]
    assert alert["kind"] == GUARD_ERROR and alert["error"].startswith("store failed for")
    # Reading the status decided nothing: the same production write is still denied, logged once more.
    assert call(PROD_WRITE, hook, agent_env, tmp_path).returncode == 2
    assert ask(sup)["decisions_total"] == 2


def test_status_is_bounded(tmp_path: Path, started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    sup, _, _ = start(started, env)
    for i in range(MAX_ROWS + 30):
        append_audit(tmp_path / "state", {"time": f"2026-12-03T08:{i // 60:02d}:{i % 60:02d}Z",
                                          "run_id": env["CRANE_RUN_ID"], "tool": "Bash", "decision": "deny",
                                          "command": f"call-{i} " + "x" * (MAX_TEXT * 4), "rule": "r"})
    status = ask(sup)
    assert status["decisions_total"] == MAX_ROWS + 30
    rows = status["decisions"]
    assert isinstance(rows, list) and len(rows) == MAX_ROWS
    assert rows[-1]["command"].startswith(f"call-{MAX_ROWS + 29} ")  # the newest are kept
    assert all(len(row["command"]) <= MAX_TEXT + 1 for row in rows)


def test_crane_mcp_asks_the_supervisor_when_the_state_dir_is_hidden(tmp_path: Path,
                                                                   started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    canary = env["DEMO_API_KEY"]
    sup, agent_env, hook = start(started, env)
    assert call(f"{PROD_WRITE} --var TOKEN:{canary}", hook, agent_env, tmp_path).returncode == 2
    # What the MCP server sees inside the sandbox: the socket, but not crane's state dir.
    hidden = {**agent_env, "CRANE_STATE_DIR": str(tmp_path / "not-visible")}
    status = run_status(hidden)
    assert status["source"] == "guard supervisor" and status["visible"] is True
    [decision] = status["decisions"]
    assert decision["decision"] == "deny"
    assert canary not in json.dumps(status)

    # No supervisor: the state dir is read where it is visible, and said to be hidden where not.
    direct = {k: v for k, v in agent_env.items() if k != client.SOCKET_VAR}
    assert run_status(direct)["source"] == "state dir"
    assert run_status(direct)["decisions"] == status["decisions"]
    gone = {k: v for k, v in hidden.items() if k != client.SOCKET_VAR}
    assert run_status(gone)["visible"] is False


def test_a_process_at_the_socket_that_is_not_the_supervisor_is_not_believed(tmp_path: Path,
                                                                            started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    sup, agent_env, _ = start(started, env)
    wrong = {**agent_env, client.PID_VAR: str(os.getpid())}
    status = run_status(wrong)
    assert status["source"] == "state dir"  # fell back to what it can see itself
    assert "not crane's guard supervisor" in status["note"]
    with pytest.raises(client.ClientError):
        client.ask_status(sup.socket_path, expected_pid=os.getpid())
