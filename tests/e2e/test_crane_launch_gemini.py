"""`crane launch gemini` end to end: the real launcher, the real guard, the real Gemini CLI (0.61.0)
against the local Gemini API stand-in. Markers on disk show what ran; the stand-in's log of
function responses shows what the model was told.

The failure-mode tests build crane's session home by crane's own route (`build_home`,
`--skip-trust`, crane's trust file) but with a sabotaged hook program, because `crane launch`
refuses to start an agent whose guard fails its self-check.
"""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from crane.agents import WRAPPER, gemini
from tests.e2e import launch_scenarios
from tests.e2e.agent_clients import crane_launch, gemini_env, gemini_model_args, run
from tests.e2e.gemini_stub import GeminiStub, shell, write_file
from tests.e2e.test_crane_launch_claude import write_venture

pytestmark = pytest.mark.e2e


def _launch(stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path, *crane_args: str,
            profiles: Path | None = None) -> Any:
    profiles = profiles or write_venture(tmp_path)
    env = gemini_env(tmp_path, gemini_bin, stub.url, {"CRANE_STATE_DIR": str(tmp_path / "state")})
    return crane_launch(["--venture", "shop", "--profiles-dir", str(profiles), *crane_args], "gemini",
                        gemini_model_args(), env, workdir)


def _tree(path: Path) -> dict[str, bytes | None]:
    return {str(p): (p.read_bytes() if p.is_file() else None) for p in sorted(path.rglob("*"))}


def test_staging_session_production_write_never_runs_and_a_staging_write_does(
        gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path) -> None:
    gemini_stub.set_script([
        [shell(f"touch {workdir}/PROD && npx wrangler deploy --env production")],
        [shell(f"touch {workdir}/STAGING && wrangler deploy --env staging")],
        [write_file(str(workdir / "notes.txt"), "written by the model")],
    ])
    user_gemini = tmp_path / "home" / ".gemini"
    gemini_env(tmp_path, gemini_bin, gemini_stub.url)  # creates the user's settings
    before = _tree(user_gemini)
    proc = _launch(gemini_stub, gemini_bin, tmp_path, workdir, "--env", "staging")
    assert proc.returncode == 0, proc.stderr
    assert "Environment: staging" in proc.stderr
    assert "guard supervisor running" in proc.stderr  # the hook asks the session's supervisor
    [wrapper] = (tmp_path / "state" / "sessions").glob("*/crane-gemini-hook")
    assert "crane.guard.run.client" in wrapper.read_text() and "--socket" in wrapper.read_text()
    assert not (workdir / "PROD").exists(), "the production deploy ran"
    assert (workdir / "STAGING").exists(), "the staging write did not run"
    assert (workdir / "notes.txt").read_text() == "written by the model"
    first, second, third = gemini_stub.tool_results
    assert "Tool execution blocked: crane: NOT executed" in first["output"] and "staging session" in first["output"]
    assert "blocked" not in second["output"] and "blocked" not in third["output"]
    assert _tree(user_gemini) == before, "crane wrote into the user's ~/.gemini"
    assert "staging-key" not in proc.stdout + proc.stderr


def test_dry_run_intercepts_the_first_write_and_sticky_a_second_different_one(
        gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path) -> None:
    launch_scenarios.sticky_dry_run(gemini_stub, shell, lambda profiles: _launch(
        gemini_stub, gemini_bin, tmp_path, workdir, profiles=profiles), tmp_path, workdir)


def test_a_broken_state_store_still_blocks(gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path,
                                           workdir: Path) -> None:
    launch_scenarios.broken_state_store(gemini_stub, shell, lambda profiles: _launch(
        gemini_stub, gemini_bin, tmp_path, workdir, profiles=profiles), tmp_path, workdir)


def test_project_settings_that_disable_hooks_make_the_launch_refuse(
        gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path) -> None:
    (workdir / ".gemini").mkdir()
    (workdir / ".gemini" / "settings.json").write_text(json.dumps({"hooksConfig": {"enabled": False}}))
    gemini_stub.set_script([[shell(f"touch {workdir}/PROD && npx wrangler deploy --env production")]])
    proc = _launch(gemini_stub, gemini_bin, tmp_path, workdir, "--env", "staging")
    assert proc.returncode == 1
    assert "hooksConfig.enabled = false" in proc.stderr and ".gemini/settings.json" in proc.stderr
    assert gemini_stub.requests == [], "gemini must not have been started"


def test_a_project_settings_file_written_mid_run_does_not_silence_the_guard(
        gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path) -> None:
    gemini_stub.set_script([
        [write_file(str(workdir / ".gemini" / "settings.json"), json.dumps({"hooksConfig": {"enabled": False}}))],
        [shell(f"touch {workdir}/PROD && npx wrangler deploy --env production")],
    ])
    proc = _launch(gemini_stub, gemini_bin, tmp_path, workdir, "--env", "staging")
    assert proc.returncode == 0, proc.stderr
    first, second = gemini_stub.tool_results
    # The guard refuses writes to agent settings (.gemini/); had the write gone through, the
    # session would still not merge it (--skip-trust, crane's empty trust list).
    assert "Tool execution blocked" in first["output"] or (workdir / ".gemini" / "settings.json").exists()
    assert not (workdir / "PROD").exists()
    assert "staging session" in second["output"]


def _session(tmp_path: Path, gemini_bin: Path, stub: GeminiStub, command: str) -> tuple[dict[str, str], Path]:
    """crane's Gemini home around `command` as the hook program, and the env to run gemini with."""
    profiles = write_venture(tmp_path)
    session = tmp_path / "session"
    session.mkdir()
    wrapper = session / "crane-gemini-hook"
    wrapper.write_text(WRAPPER.format(agent="gemini", command=command))
    wrapper.chmod(0o700)
    env = gemini_env(tmp_path, gemini_bin, stub.url, {
        "CRANE_PROFILE": str(profiles / "shop.toml"), "CRANE_VENTURE": "shop", "CRANE_ENV": "dev",
        "CRANE_RUN_ID": "run-1", "CRANE_STATE_DIR": str(tmp_path / "state")})
    home = gemini.build_home(session, env, str(wrapper), "crane-guard-test")
    env.update(GEMINI_CLI_HOME=str(home), GEMINI_CLI_TRUSTED_FOLDERS_PATH=str(home / ".gemini" / "trustedFolders.json"))
    return env, session


@launch_scenarios.ADAPTER_FAILURES
def test_a_failing_adapter_still_blocks(gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path,
                                        code: str, expected: str) -> None:
    env, _ = _session(tmp_path, gemini_bin, gemini_stub, launch_scenarios.sabotaged_hook_command("gemini", code))
    gemini_stub.set_script([[shell(f"touch {workdir}/MARKER")]])
    proc = run([str(gemini_bin), "--skip-trust", *gemini_model_args()], env, workdir)
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "MARKER").exists(), "the tool ran although the guard failed"
    [result] = gemini_stub.tool_results
    assert "Tool execution blocked" in result["output"] and expected in result["output"]


def test_a_folder_the_user_trusts_does_not_bring_in_project_settings_that_silence_the_hook(
        gemini_stub: GeminiStub, gemini_bin: Path, tmp_path: Path, workdir: Path) -> None:
    # The user trusts the project (their own trust list), and the project switches hooks off. With
    # the user's trust list Gemini would merge that file even under --skip-trust; crane's home
    # carries an empty one, so the hook still runs.
    (workdir / ".gemini").mkdir()
    (workdir / ".gemini" / "settings.json").write_text(json.dumps({"hooksConfig": {"enabled": False}}))
    user_gemini = tmp_path / "home" / ".gemini"
    user_gemini.mkdir(parents=True)
    (user_gemini / "trustedFolders.json").write_text(json.dumps({str(workdir): "TRUST_FOLDER"}))
    command = f"{shlex.quote(sys.executable)} -I -c 'from crane.guard.run.client import main; main()' --agent gemini"
    env, _ = _session(tmp_path, gemini_bin, gemini_stub, command)
    gemini_stub.set_script([[shell(f"touch {workdir}/PROD && npx wrangler deploy --env production")]])
    proc = run([str(gemini_bin), "--skip-trust", *gemini_model_args()], env, workdir)
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "PROD").exists()
    assert "staging session" in gemini_stub.tool_results[0]["output"]

    # Control: the same session with the user's trust list silences the hook, so the above can fail.
    gemini_stub.set_script([[shell(f"touch {workdir}/PROD && npx wrangler deploy --env production")]])
    env["GEMINI_CLI_TRUSTED_FOLDERS_PATH"] = str(user_gemini / "trustedFolders.json")
    proc = run([str(gemini_bin), "--skip-trust", *gemini_model_args()], env, workdir)
    assert (workdir / "PROD").exists(), proc.stderr
