"""`crane launch codex` end to end: the real launcher, the real guard, the real Codex CLI (0.171.0)
against the local OpenAI Responses stand-in. Every scripted command that must not run would
create a marker file, so "blocked" is checked on disk, and what the model was told is read from
the stand-in's log of tool results.

The failure-mode tests install crane's hook by crane's own route (`-c` overrides, trust hash,
`#!/bin/sh` wrapper) but with a sabotaged hook program, because `crane launch` would refuse to
start an agent whose guard fails its self-check.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from crane.agents import WRAPPER, codex
from tests.e2e import launch_scenarios
from tests.e2e.agent_clients import codex_env, codex_model_args, crane_launch, run
from tests.e2e.openai_stub import OpenAIStub, exec_command, write_stdin
from tests.e2e.test_crane_launch_claude import write_venture

pytestmark = pytest.mark.e2e


def _launch(stub: OpenAIStub, codex_bin: Path, tmp_path: Path, workdir: Path, *crane_args: str,
            profiles: Path | None = None) -> Any:
    profiles = profiles or write_venture(tmp_path)
    env = codex_env(tmp_path, codex_bin, {"CRANE_STATE_DIR": str(tmp_path / "state")})
    return crane_launch(["--venture", "shop", "--profiles-dir", str(profiles), *crane_args], "codex",
                        codex_model_args(stub.url), env, workdir)


def _audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_staging_session_production_write_never_runs_and_a_staging_write_does(
        openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path, workdir: Path) -> None:
    openai_stub.set_script([
        [exec_command(f"touch {workdir}/PROD && npx wrangler deploy --env production")],
        [exec_command(f"touch {workdir}/STAGING && wrangler deploy --env staging")],
    ])
    proc = _launch(openai_stub, codex_bin, tmp_path, workdir, "--env", "staging")
    assert proc.returncode == 0, proc.stderr
    assert "Environment: staging" in proc.stderr
    assert "guard supervisor running" in proc.stderr  # the hook asks the session's supervisor
    [wrapper] = (tmp_path / "state" / "sessions").glob("*/crane-codex-hook")
    assert "crane.guard.run.client" in wrapper.read_text() and "--socket" in wrapper.read_text()
    assert not (workdir / "PROD").exists(), "the production deploy ran"
    assert (workdir / "STAGING").exists(), "the staging write did not run"
    first, second = openai_stub.tool_results
    assert "Command blocked by PreToolUse hook: crane: NOT executed" in first["output"]
    assert "staging session" in first["output"]
    assert "blocked" not in second["output"]
    assert [(a["decision"], a["target"]) for a in _audit(tmp_path)] == [("deny", "production"), ("allow", "staging")]
    assert "staging-key" not in proc.stdout + proc.stderr


def test_dry_run_intercepts_the_first_write_and_sticky_a_second_different_one(
        openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path, workdir: Path) -> None:
    launch_scenarios.sticky_dry_run(openai_stub, exec_command, lambda profiles: _launch(
        openai_stub, codex_bin, tmp_path, workdir, profiles=profiles), tmp_path, workdir)


def test_whole_run_dry_run_flag_intercepts(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path,
                                           workdir: Path) -> None:
    openai_stub.set_script([[exec_command(f"touch {workdir}/DEPLOYED && wrangler deploy --env staging")]])
    proc = _launch(openai_stub, codex_bin, tmp_path, workdir, "--env", "staging", "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "DEPLOYED").exists()
    assert "crane dry-run: NOT executed" in openai_stub.tool_results[0]["output"]


def test_a_broken_state_store_still_blocks(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path,
                                           workdir: Path) -> None:
    launch_scenarios.broken_state_store(openai_stub, exec_command, lambda profiles: _launch(
        openai_stub, codex_bin, tmp_path, workdir, profiles=profiles), tmp_path, workdir)


def _sabotaged(tmp_path: Path, code: str) -> Path:
    """crane's wrapper around the real hook, with `code` run first inside the hook process."""
    path = tmp_path / "crane-codex-hook"
    path.write_text(WRAPPER.format(agent="codex", command=launch_scenarios.sabotaged_hook_command("codex", code)))
    path.chmod(0o700)
    return path


@launch_scenarios.ADAPTER_FAILURES
def test_a_failing_adapter_still_blocks(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path, workdir: Path,
                                        code: str, expected: str) -> None:
    wrapper = _sabotaged(tmp_path, code)
    profiles = write_venture(tmp_path)
    env = codex_env(tmp_path, codex_bin, {
        "PYTHONPATH": "", "CRANE_PROFILE": str(profiles / "shop.toml"), "CRANE_VENTURE": "shop", "CRANE_ENV": "dev",
        "CRANE_RUN_ID": "run-1", "CRANE_STATE_DIR": str(tmp_path / "state")})
    overrides = codex.install_overrides(str(wrapper))
    assert codex.verify(str(codex_bin), overrides, env, str(workdir)) == []
    openai_stub.set_script([[exec_command(f"touch {workdir}/MARKER")]])
    proc = run([str(codex_bin), *overrides, *codex_model_args(openai_stub.url)], env, workdir)
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "MARKER").exists(), "the tool ran although the guard failed"
    [result] = openai_stub.tool_results
    assert "Command blocked by PreToolUse hook" in result["output"] and expected in result["output"]


def test_the_terminal_stdin_path_is_closed(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path,
                                           workdir: Path) -> None:
    # write_stdin never reaches PreToolUse: with a TTY session the model could type anything.
    script = [
        [exec_command("bash", tty=True, yield_time_ms=500)],
        [write_stdin(f"touch {workdir}/TYPED_TTY\n")],
        [exec_command("bash", yield_time_ms=500)],
        [write_stdin(f"touch {workdir}/TYPED_PIPE\n")],
    ]
    openai_stub.set_script(script)
    proc = _launch(openai_stub, codex_bin, tmp_path, workdir, "--env", "staging")
    assert proc.returncode == 0, proc.stderr
    results = openai_stub.tool_results
    assert "TTY execution is disabled" in results[0]["output"]
    assert not (workdir / "TYPED_TTY").exists() and not (workdir / "TYPED_PIPE").exists()

    # Control: without crane's `--disable unified_exec_tty` the same script does type the command,
    # so the assertion above can fail.
    control = tmp_path / "control"
    control.mkdir()
    with OpenAIStub([[exec_command("bash", tty=True, yield_time_ms=500)],
                     [write_stdin(f"touch {control}/TYPED_TTY\n")], [exec_command("sleep 1")]]) as stub:
        proc = run([str(codex_bin), *codex_model_args(stub.url)], codex_env(tmp_path, codex_bin), control)
    assert (control / "TYPED_TTY").exists(), proc.stderr


def test_launch_refuses_when_codex_will_not_run_the_hook(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path,
                                                          workdir: Path) -> None:
    profiles = write_venture(tmp_path)
    env = codex_env(tmp_path, codex_bin, {"CRANE_STATE_DIR": str(tmp_path / "state")})
    # A managed requirement forbidding non-managed hooks is out of reach here (it lives in /etc);
    # a user argument that turns the feature off is the same refusal path.
    proc = crane_launch(["--venture", "shop", "--profiles-dir", str(profiles)], "codex",
                        ["--disable", "hooks", *codex_model_args(openai_stub.url)], env, workdir)
    assert proc.returncode == 1 and "would switch it off" in proc.stderr
    assert openai_stub.requests == []


def test_codex_home_is_untouched_by_the_install(openai_stub: OpenAIStub, codex_bin: Path, tmp_path: Path,
                                                workdir: Path) -> None:
    config = tmp_path / "home" / ".codex" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('[features]\nhooks = false\n')  # the user's own setting; crane overrides it per run
    openai_stub.set_script([[exec_command(f"touch {workdir}/PROD && npx wrangler deploy --env production")]])
    proc = _launch(openai_stub, codex_bin, tmp_path, workdir, "--env", "staging")
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "PROD").exists()
    assert config.read_text() == '[features]\nhooks = false\n'
    assert os.stat(config).st_size == len('[features]\nhooks = false\n')


@pytest.mark.parametrize(("change", "problem"), [
    (["-c", "features.hooks=false"], "not in Codex's hook list"),  # what a managed requirement does too
    (["-c", 'hooks.state={"/<session-flags>/config.toml:pre_tool_use:0:0"={trusted_hash="sha256:00", '
                         'enabled=true}}'], "not trusted"),
    (["-c", 'hooks.state={"/<session-flags>/config.toml:pre_tool_use:0:0"={enabled=false}}'], "not enabled"),
], ids=["feature-off", "wrong-hash", "disabled"])
def test_the_pre_launch_check_asks_codex_itself(codex_bin: Path, tmp_path: Path, workdir: Path,
                                                change: list[str], problem: str) -> None:
    env = codex_env(tmp_path, codex_bin)
    overrides = codex.install_overrides("/usr/bin/true")
    assert codex.verify(str(codex_bin), overrides, env, str(workdir)) == []
    problems = codex.verify(str(codex_bin), [*overrides, *change], env, str(workdir))
    assert any(problem in p for p in problems), problems
