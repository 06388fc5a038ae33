"""What `crane launch` and `crane preflight` say and do about an agent's guard before anything
starts: the client version gate, and commands crane has no hook mechanism for."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.e2e.agent_clients import REPO, base_env, run
from tests.e2e.test_crane_launch_claude import write_venture

ENTRY = "from crane.cli.main import entry; entry()"


def _crane(tmp_path: Path, workdir: Path, *args: str, path_dirs: tuple[Path, ...] = ()) -> tuple[int, str]:
    env = base_env(tmp_path / "home", {
        "PATH": os.pathsep.join([*map(str, path_dirs), os.environ.get("PATH", "")]),
        "PYTHONPATH": str(REPO / "launcher"), "CRANE_STATE_DIR": str(tmp_path / "state")})
    profiles = tmp_path / "profiles" if (tmp_path / "profiles").exists() else write_venture(tmp_path)
    proc = run([sys.executable, "-c", ENTRY, *args[:1], "--venture", "shop", "--profiles-dir", str(profiles),
                *args[1:]], env, workdir)
    return proc.returncode, proc.stdout + proc.stderr


def _fake_client(tmp_path: Path, name: str, version_line: str) -> Path:
    bindir = tmp_path / "fakebin"
    bindir.mkdir(exist_ok=True)
    path = bindir / name
    path.write_text(f"#!/bin/sh\n[ \"$1\" = --version ] && echo '{version_line}' && exit 0\ntouch \"$PWD/STARTED\"\n")
    path.chmod(0o755)
    return bindir


def test_dry_run_of_a_command_without_a_hook_mechanism_refuses(tmp_path: Path, workdir: Path) -> None:
    bindir = _fake_client(tmp_path, "aider", "aider 1.0.0")
    rc, out = _crane(tmp_path, workdir, "launch", "--dry-run", "aider", path_dirs=(bindir,))
    assert rc == 1 and "--dry-run cannot be honoured for aider" in out
    assert not (workdir / "STARTED").exists()


def test_a_plain_launch_of_an_unknown_command_says_no_guard_applies(tmp_path: Path, workdir: Path) -> None:
    bindir = _fake_client(tmp_path, "aider", "aider 1.0.0")
    rc, out = _crane(tmp_path, workdir, "launch", "aider", path_dirs=(bindir,))
    assert rc == 0 and "guard does not apply to aider" in out and "sandbox" in out
    assert (workdir / "STARTED").exists()


@pytest.mark.parametrize(("agent", "version_line"), [("codex", "codex-cli 0.100.0"), ("gemini", "0.40.0")])
def test_a_client_older_than_supported_is_refused(tmp_path: Path, workdir: Path, agent: str,
                                                  version_line: str) -> None:
    bindir = _fake_client(tmp_path, agent, version_line)
    rc, out = _crane(tmp_path, workdir, "launch", "--env", "staging", agent, path_dirs=(bindir,))
    assert rc == 1 and "older than crane supports" in out
    assert not (workdir / "STARTED").exists()
    rc, out = _crane(tmp_path, workdir, "preflight", "--env", "staging", "--agent", agent, path_dirs=(bindir,))
    assert rc == 1 and f"guard ({agent})" in out and "older than crane supports" in out


def test_preflight_says_the_guard_can_be_installed_into_the_real_clients(
        tmp_path: Path, workdir: Path, codex_bin: Path, gemini_bin: Path) -> None:
    for agent, binary in (("codex", codex_bin), ("gemini", gemini_bin)):
        rc, out = _crane(tmp_path, workdir, "preflight", "--env", "staging", "--agent", agent,
                         path_dirs=(binary.parent,))
        assert rc == 0, out
        assert f"guard ({agent}): version" in out and "guard can be installed" in out
