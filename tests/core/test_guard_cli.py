"""`crane guard install`, `crane runs show` and `crane alerts` as a user meets them, and the installed
hook of a project with a `.crane.toml`, run as the real process Claude Code would start."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.core.helpers import run_crane, write_venture

PROD_WRITE = "curl -X POST https://api.acme.example/v1/orders"
STAGING_WRITE = "curl -X POST https://staging-api.acme.example/v1/orders"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project with ./profiles/acme.toml and a `.crane.toml` naming it, guard installed by the CLI."""
    root = tmp_path / "project"
    write_venture(root / "profiles", "acme", staging={"ACME_KEY": "s"})
    (root / ".crane.toml").write_text('venture = "acme"\n', encoding="utf-8")
    rc, _, err = run_crane("guard", "install", str(root), cwd=tmp_path)
    assert rc == 0 and "installed into" in err
    assert f"the guard uses venture acme ({(root / 'profiles' / 'acme.toml').resolve()})" in err
    return root


def _hook_command(project: Path) -> str:
    settings = json.loads((project / ".claude" / "settings.local.json").read_text(encoding="utf-8"))
    (group,) = settings["hooks"]["PreToolUse"]
    return str(group["hooks"][0]["command"])


def _call_hook(project: Path, command: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """The installed hook command, the way Claude Code runs it: `sh -c`, one tool call on stdin,
    an environment with nothing from crane in it unless `env` puts it there."""
    payload = {"session_id": "hand-started-1", "cwd": str(cwd), "hook_event_name": "PreToolUse",
               "tool_name": "Bash", "tool_input": {"command": command}, "tool_use_id": "toolu_1"}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CRANE_", "CLAUDE_"))}
    base.update(CRANE_STATE_DIR=str(project.parent / "state"), **env)
    proc = subprocess.run(["/bin/sh", "-c", _hook_command(project)], input=json.dumps(payload), text=True,
                          capture_output=True, env=base, cwd=cwd, timeout=60, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def _decision(result: tuple[int, str, str]) -> str:
    code, out, _ = result
    if code == 2:
        return "deny"
    assert code == 0, result
    return str(json.loads(out)["hookSpecificOutput"]["permissionDecision"]) if out.strip() else "allow"


@pytest.mark.parametrize(("crane_env", "command", "expected"), [
    (None, PROD_WRITE, "ask"),  # production session: the production gate asks
    ("dev", PROD_WRITE, "deny"),  # staging session: a production write is refused
    ("dev", STAGING_WRITE, "allow"),
])
def test_hand_started_client_gets_the_launched_decisions(project: Path, crane_env: str | None, command: str,
                                                         expected: str) -> None:
    profile = str((project / "profiles" / "acme.toml").resolve())
    launched = {"CRANE_PROFILE": profile, "CRANE_VENTURE_CODE": "acme", "CRANE_ENV": crane_env or "prod",
                "CRANE_RUN_ID": "launched-1"}
    by_hand = {"CLAUDE_PROJECT_DIR": str(project), **({"CRANE_ENV": crane_env} if crane_env else {})}
    assert _decision(_call_hook(project, command, launched, project)) == expected
    assert _decision(_call_hook(project, command, by_hand, project)) == expected
    # The agent's `cd` elsewhere changes nothing: CLAUDE_PROJECT_DIR does not follow it.
    assert _decision(_call_hook(project, command, by_hand, project.parent)) == expected


def test_project_env_key_reaches_the_hook(project: Path) -> None:
    (project / ".crane.toml").write_text('venture = "acme"\nenv = "staging"\n', encoding="utf-8")
    code, out, err = _call_hook(project, PROD_WRITE, {"CLAUDE_PROJECT_DIR": str(project)}, project)
    assert code == 2 and out == "" and "staging session" in err and "NOT executed" in err


def test_the_tool_call_cwd_is_used_without_claude_project_dir(project: Path) -> None:
    sub = project / "src"
    sub.mkdir()
    assert _decision(_call_hook(project, PROD_WRITE, {"CRANE_ENV": "dev"}, sub)) == "deny"


def test_without_a_project_file_the_production_url_is_unknown(project: Path) -> None:
    """The control: what the project file adds (without it the URL is just some host)."""
    (project / ".crane.toml").unlink()
    assert _decision(_call_hook(project, PROD_WRITE, {"CLAUDE_PROJECT_DIR": str(project), "CRANE_ENV": "dev"},
                                project)) == "allow"


def test_a_project_file_naming_no_profile_fails_closed(project: Path) -> None:
    (project / ".crane.toml").write_text('venture = "ghost"\n', encoding="utf-8")
    code, out, err = _call_hook(project, "git status", {"CLAUDE_PROJECT_DIR": str(project)}, project)
    assert code == 2 and out == ""
    assert "crane guard error" in err and ".crane.toml" in err and "ghost" in err


# --- guard install ------------------------------------------------------------------------------


def test_guard_install_refuses_a_missing_directory(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-project"
    rc, out, err = run_crane("guard", "install", str(missing), cwd=tmp_path)
    assert rc == 2 and out == ""
    assert f"{missing}: does not exist" in err and "Traceback" not in err
    assert not missing.exists()
    a_file = tmp_path / "file"
    a_file.write_text("", encoding="utf-8")
    rc, _, err = run_crane("guard", "install", str(a_file), cwd=tmp_path)
    assert rc == 2 and "is not a directory" in err


def test_guard_install_says_what_the_hook_will_know(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    bare.mkdir()
    rc, _, err = run_crane("guard", "install", str(bare), cwd=tmp_path)
    assert rc == 0 and "no .crane.toml here" in err and "crane init" in err
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".crane.toml").write_text('venture = "ghost"\n', encoding="utf-8")
    rc, _, err = run_crane("guard", "install", str(broken), cwd=tmp_path)
    assert rc == 2 and "ghost" in err and str(broken / ".crane.toml") in err
    assert not (broken / ".claude").exists()  # nothing installed that would block every call


# --- runs show ----------------------------------------------------------------------------------


def test_runs_show_for_an_unknown_run_is_exit_1(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    line = {"time": "2026-01-01T00:00:00+00:00", "run_id": "known-run", "tool": "Bash", "command": "git status",
            "decision": "allow"}
    (state / "audit.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    env = {"CRANE_STATE_DIR": str(state)}
    for extra in ([], ["--json"]):
        rc, out, err = run_crane("runs", "show", "no-such-run", *extra, env=env)
        assert rc == 1 and out == ""
        assert "crane: error: no run no-such-run in the audit log" in err and "crane runs" in err
    rc, out, err = run_crane("runs", "show", "known-run", env=env)
    assert rc == 0 and "nothing was intercepted" in err
    rc, out, err = run_crane("runs", "show", "anything", env={"CRANE_STATE_DIR": str(tmp_path / "empty")})
    assert rc == 1 and "no run anything in the audit log" in err


# --- alerts -------------------------------------------------------------------------------------


def test_alerts_are_readable_rows_under_a_header(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    alerts = [
        {"time": "2026-01-01T00:00:00+00:00", "kind": "guard_error", "run_id": "run-1", "tool": "Bash",
         "venture": "acme", "env": "dev", "error": "classifier crashed:\nKeyError 'x'"},
        {"time": "2026-01-01T00:05:00+00:00", "kind": "guard_timeout", "run_id": None, "tool": None,
         "error": "deadline of 3 s exceeded"},
    ]
    (state / "alerts.jsonl").write_text("".join(json.dumps(a) + "\n" for a in alerts), encoding="utf-8")
    rc, out, err = run_crane("alerts", env={"CRANE_STATE_DIR": str(state), "TMPDIR": str(tmp_path)})
    assert rc == 0, err
    header, first, second = out.splitlines()
    assert header.split() == ["TIME", "KIND", "VENTURE/ENV", "RUN", "TOOL", "ERROR", "FILE"]
    assert first.split()[:5] == ["2026-01-01T00:00:00+00:00", "guard_error", "acme/dev", "run-1", "Bash"]
    assert "classifier crashed: KeyError 'x'" in first  # one line per alert
    assert first.endswith(str(state / "alerts.jsonl")) and second.endswith(str(state / "alerts.jsonl"))
    assert second.split()[:5] == ["2026-01-01T00:05:00+00:00", "guard_timeout", "-/-", "-", "-"]
    assert first.index("classifier") == header.index("ERROR") == second.index("deadline")
