"""`crane launch claude` end to end: the real launcher, the real guard, the real Claude Code client.

Nothing here builds hook settings by hand: crane resolves the venture, fetches its (dotenv)
secrets, runs the guard self-check, writes the settings file and execs `claude --settings ...`.
Every scripted command would create a marker file if it ran, so "blocked" is checked on disk.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.anthropic_stub import AnthropicStub, bash
from tests.e2e.claude_client import build_env

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ENTRY = "from crane.cli.main import entry; entry()"


def _isolated_crane_importable() -> bool:
    # The hook runs in isolated mode (`python -I -c ...`): crane must be installed, not on PYTHONPATH.
    probe = subprocess.run([sys.executable, "-I", "-c", "import crane.guard.run.hook"], capture_output=True,
                           check=False)
    return probe.returncode == 0


@pytest.fixture(autouse=True)
def _installed() -> None:
    if not _isolated_crane_importable():
        message = "crane is not installed in this interpreter (pip install -e .), so its hook cannot run"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)


def write_venture(root: Path, guard: str = "") -> Path:
    profiles = root / "profiles"
    (profiles / "shop").mkdir(parents=True)
    (profiles / "shop" / "prod.env").write_text("SHOP_KEY=prod-key\n")
    (profiles / "shop" / "staging.env").write_text("SHOP_KEY=staging-key\n")
    (profiles / "shop.toml").write_text(
        '[api]\nprod = "https://api.shop.example"\ndev = "https://staging.api.shop.example"\n'
        '[secrets]\nprovider = "dotenv"\nrequired = ["SHOP_KEY"]\n'
        '[secrets.dotenv]\nprod = "shop/prod.env"\ndev = "shop/staging.env"\n' + guard
    )
    return profiles


def launch(stub: AnthropicStub, claude_bin: Path, tmp_path: Path, workdir: Path, *crane_args: str,
           extra_env: dict[str, str] | None = None,
           claude_args: Sequence[str] = ("--", "-p", "do it", "--output-format", "json", "--allowedTools", "Bash"),
           ) -> subprocess.CompletedProcess[str]:
    """`crane launch [crane_args] claude [claude_args]` with the real client against the stand-in."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = build_env(stub, home, {
        "PATH": f"{claude_bin.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "PYTHONPATH": str(REPO / "launcher"),
        "CRANE_STATE_DIR": str(tmp_path / "state"),
        **(extra_env or {}),
    })
    argv = [sys.executable, "-c", ENTRY, "launch", *crane_args, "claude", *claude_args]
    return subprocess.run(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=180, check=False)


def audit(tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "state" / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_staging_session_cannot_deploy_to_production(anthropic_stub: AnthropicStub, claude_bin: Path,
                                                     tmp_path: Path, workdir: Path) -> None:
    profiles = write_venture(tmp_path)
    anthropic_stub.set_script([[bash("touch MARKER && npx wrangler deploy --env production")]])
    proc = launch(anthropic_stub, claude_bin, tmp_path, workdir, "--venture", "shop", "--profiles-dir",
                  str(profiles), "--env", "staging")
    assert proc.returncode == 0, proc.stderr
    assert "Environment: staging" in proc.stderr  # the launch banner
    assert not (workdir / "MARKER").exists(), "the production deploy ran"
    [result] = anthropic_stub.tool_results
    assert result["is_error"] and "NOT executed" in result["content"] and "staging session" in result["content"]
    assert "staging-key" not in proc.stdout + proc.stderr + json.dumps(audit(tmp_path))


def test_sticky_dry_run_catches_the_second_different_write(anthropic_stub: AnthropicStub, claude_bin: Path,
                                                           tmp_path: Path, workdir: Path) -> None:
    # The upload is in the venture's dry-run scope; `git push` is not, and in live mode its target
    # is unknown (allowed). After the first interception the run is sticky: the push is caught too.
    profiles = write_venture(tmp_path, '[guard]\ndry_run_scope = ["wrangler.r2.object.put"]\n')
    anthropic_stub.set_script([
        [bash("touch UPLOADED && npx wrangler r2 object put assets/logo.png --file logo.png --remote")],
        [bash("touch PUSHED && git push origin main")],
        [bash("touch LOCAL_OK")],
    ])
    proc = launch(anthropic_stub, claude_bin, tmp_path, workdir, "--venture", "shop", "--profiles-dir",
                  str(profiles))
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "UPLOADED").exists()
    assert not (workdir / "PUSHED").exists(), "the sticky dry-run did not catch the second write"
    assert (workdir / "LOCAL_OK").exists(), "a harmless command must still run"
    first, second, third = anthropic_stub.tool_results
    for r in (first, second):
        assert r["is_error"] and "crane dry-run: NOT executed" in r["content"]
        assert "do not record this step as done" in r["content"]
    assert "earlier write in this run was intercepted" in second["content"]
    assert not third["is_error"]
    decisions = [(r["decision"], r.get("rule")) for r in audit(tmp_path)]
    assert decisions[:2] == [("intercepted", "wrangler.r2.object.put"), ("intercepted", "git.push")]


def test_launch_refuses_to_start_an_agent_whose_guard_is_broken(anthropic_stub: AnthropicStub, claude_bin: Path,
                                                                tmp_path: Path, workdir: Path) -> None:
    profiles = write_venture(tmp_path)
    anthropic_stub.set_script([[bash("touch MARKER")]])
    # A state store that cannot be reached: the hook would deny everything; the launcher notices first
    # (the guard supervisor opens the store before it reports ready).
    proc = launch(anthropic_stub, claude_bin, tmp_path, workdir, "--venture", "shop", "--profiles-dir",
                  str(profiles), "--dry-run", extra_env={"CRANE_STATE_URL": "redis://127.0.0.1:9/0"})
    assert proc.returncode == 1, proc.stderr
    assert "guard supervisor did not start" in proc.stderr and "127.0.0.1:9" in proc.stderr
    assert anthropic_stub.message_requests == [], "claude must not have been started"
    assert not (workdir / "MARKER").exists()
