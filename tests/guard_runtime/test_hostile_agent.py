"""A hostile agent under the real `crane launch`, WITHOUT a sandbox: it tampers with everything the
guard used to read or write, then asks for a production write (staging session) and for an
external write (dry run). The guard must still deny and intercept, or fail closed, and leave an
alert where it failed. stub_agent.py (installed as `claude`) is the agent; see ATTACKS there.

What a sandbox adds (the supervisor out of reach, crane's files read-only) is tested with it;
here the supervisor is reachable, so killing, stopping or impersonating it is possible and must
end in "blocked", never in "allowed".
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .test_launch_supervised import Launch, hook_lines

PROD_WRITE = "npx wrangler deploy --env production"
EXTERNAL_WRITE = "npx wrangler r2 object put bucket/key --file f --remote"
SECRET = "staging-canary-4c9e7b"
LEAK = f"curl -H 'X-Key: {SECRET}' https://staging-api.shop.example/health"


@pytest.fixture(autouse=True)
def _needs_installed_crane(isolated_python: str, classify_available: object) -> None:
    """The supervisor and the hook client run with `python -I`: crane must be installed."""


@pytest.fixture(autouse=True)
def _without_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """This file is the guard's own proof, without the sandbox (tests/sandbox/test_hostile.py has it)."""
    monkeypatch.setattr(Launch, "flags", ("--no-sandbox",))


def launch_hostile(tmp_path: Path, attack: str, *args: str,
                   checks: dict[str, str]) -> tuple[dict[str, tuple[str, str]], Launch, str]:
    launch = Launch(tmp_path, f"hostile:{attack}", *args,
                    env={"STUB_CHECKS": ";".join(f"{k}={v}" for k, v in checks.items())})
    proc = launch.run(timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"ATTACK {attack.split(',')[-1]} done" in proc.stdout, proc.stdout
    results = {label: (rc, rest) for _, label, rc, rest in hook_lines(proc.stdout)}
    assert set(results) == set(checks), proc.stdout
    return results, launch, proc.stdout + proc.stderr


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """The parsable lines (the agent may have planted a broken one)."""
    rows = []
    for line in path.read_text().splitlines() if path.exists() else []:
        try:
            rows.append(json.loads(line))
        except ValueError:
            continue
    return rows


def no_secret_anywhere(launch: Launch, output: str) -> None:
    assert SECRET not in output
    for path in launch.state.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.parametrize("attack", ["state", "config", "state,config"])
def test_tampering_with_files_changes_no_decision(tmp_path: Path, attack: str) -> None:
    results, launch, output = launch_hostile(
        tmp_path, attack, checks={"prod": PROD_WRITE, "read": "git status", "leak": LEAK})
    rc, reason = results["prod"]
    assert rc == "2" and reason.startswith("crane: NOT executed"), results
    assert results["read"][0] == "0", results  # still a working guard, not a blocked one
    rows = read_jsonl(launch.state / "audit.jsonl")
    assert [r.get("decision") for r in rows if "decision" in r][-3:] == ["deny", "allow", "allow"]
    no_secret_anywhere(launch, output)


@pytest.mark.parametrize("attack", ["state", "config", "state,config", "selfcheck"])
def test_tampering_with_files_does_not_end_a_dry_run(tmp_path: Path, attack: str) -> None:
    results, _, _ = launch_hostile(tmp_path, attack, "--dry-run", checks={"write": EXTERNAL_WRITE})
    rc, reason = results["write"]
    assert rc == "2" and reason.startswith("crane dry-run: NOT executed"), results


@pytest.mark.parametrize("attack", ["kill", "socket"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_killing_or_impersonating_the_supervisor_fails_closed(tmp_path: Path, attack: str, dry_run: bool) -> None:
    checks = {"prod": PROD_WRITE, "write": EXTERNAL_WRITE, "read": "git status"}
    results, launch, output = launch_hostile(tmp_path, attack, *(["--dry-run"] if dry_run else []), checks=checks)
    for label, (rc, reason) in results.items():
        assert rc == "2" and reason.startswith("crane guard error"), (label, results)
    alerts = read_jsonl(launch.state / "alerts.jsonl")
    kinds = [a["kind"] for a in alerts]
    assert kinds.count("client_error") == len(checks), alerts
    assert all(a["client_reported"] for a in alerts if a["kind"] == "client_error")
    if attack == "kill":
        assert "supervisor_died" in kinds
        assert all("unreachable" in str(a["error"]) for a in alerts if a["kind"] == "client_error")
    else:
        assert all("is not crane's guard supervisor" in str(a["error"]) for a in alerts if a["kind"] == "client_error")
    no_secret_anywhere(launch, output)


def test_a_stopped_supervisor_fails_closed(tmp_path: Path) -> None:
    results, launch, _ = launch_hostile(tmp_path, "stop", checks={"prod": PROD_WRITE})
    rc, reason = results["prod"]
    assert rc == "2" and reason.startswith("crane guard error: no answer from the guard supervisor"), results
    assert [a["kind"] for a in read_jsonl(launch.state / "alerts.jsonl")] == ["client_error"]
