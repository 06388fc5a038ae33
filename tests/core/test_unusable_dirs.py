"""A read-only or unusable home, state or cache directory: a clear error naming the path and the
variable that moves it, exit 1, never "a bug in crane"; optional caches warn and carry on.

Tests run as root, which ignores permission bits, so two real ways of being unusable are used:
  * "file-parent": the directory's path goes through a regular file (ENOTDIR/EEXIST), which no
    privilege can write through. Always available.
  * "read-only": the directory is a read-only bind mount (EROFS), made inside a private mount
    namespace (`unshare -m`) that lives only as long as the crane process under test, so nothing
    leaks to the machine. Needs root with CAP_SYS_ADMIN; skipped with the reason otherwise.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.core.helpers import ENTRY, PY, CliResult, run_crane, subprocess_env, write_venture
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import CLIENT_ID, CLIENT_SECRET, UA_ENV, alpha_fixture, write_profile

MODES = ["file-parent", "read-only"]
_RO_SCRIPT = 'for d in $RO_DIRS; do mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" "$d" || exit 97; done; ' \
             'exec "$@"'


@functools.cache
def _read_only_mounts() -> str | None:
    """None when read-only bind mounts in a private namespace work here, else why not."""
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return "unshare/mount not installed"
    probe = Path(f"/tmp/crane-ro-probe-{uuid.uuid4().hex}")
    probe.mkdir()
    try:
        proc = subprocess.run(["unshare", "-m", "sh", "-c", _RO_SCRIPT + "; exit 0", "sh", "touch", str(probe / "x")],
                              env={**os.environ, "RO_DIRS": str(probe)}, capture_output=True, text=True, timeout=30)
        if proc.returncode == 97 or proc.returncode == 0 and (probe / "x").exists():
            return f"cannot make a read-only bind mount in a private namespace: {proc.stderr.strip()[:200]}"
        if "Read-only file system" not in proc.stderr:
            return f"unexpected probe result: {proc.stderr.strip()[:200]}"
        return None
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unshare failed: {exc}"
    finally:
        shutil.rmtree(probe, ignore_errors=True)


def _crane(mode: str, ro_dirs: Sequence[Path], *args: str, env: Mapping[str, str | None] | None = None,
           input_text: str | None = None) -> CliResult:
    """`crane ARGS` with `ro_dirs` read-only (mode "read-only"); in mode "file-parent" the
    caller has already pointed the variables through a regular file."""
    argv = [PY, "-c", ENTRY, *args]
    full_env = subprocess_env(env)
    if mode == "read-only":
        full_env["RO_DIRS"] = " ".join(str(d) for d in ro_dirs)
        argv = ["unshare", "-m", "sh", "-c", _RO_SCRIPT, "sh", *argv]
    proc = subprocess.run(argv, env=full_env, input=input_text, stdin=None if input_text else subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode != 97, f"could not set up the read-only mount: {proc.stderr}"
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def _dir(tmp_path: Path, mode: str, name: str) -> Path:
    """A directory crane cannot use: under a regular file, or (read-only mode) existing, to be
    mounted read-only."""
    if mode == "read-only":
        reason = _read_only_mounts()
        if reason is not None:
            pytest.skip(f"read-only mode needs private mount namespaces: {reason}")
        path = tmp_path / name
        path.mkdir(parents=True, exist_ok=True)
        return path
    blocker = tmp_path / f"{name}-is-a-file"
    blocker.write_text("not a directory\n", encoding="utf-8")
    return blocker / name


def _no_bug(result: CliResult) -> None:
    assert "a bug in crane" not in result.output and "Traceback" not in result.output


def _fake_claude(tmp_path: Path) -> tuple[dict[str, str], Path]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "claude-started"
    script = bin_dir / "claude"
    script.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    script.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}, marker


@pytest.fixture
def dotenv_profiles(tmp_path: Path) -> Path:
    root = tmp_path / "profiles"
    write_venture(root, "acme", prod={"ACME_KEY": "k"})
    return root


# -- the state directory: launch, preflight, alerts, runs --------------------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variable", ["CRANE_STATE_DIR", "XDG_STATE_HOME"])
def test_launch_claude_refuses_without_a_usable_state_dir(tmp_path: Path, dotenv_profiles: Path, mode: str,
                                                          variable: str) -> None:
    bad = _dir(tmp_path, mode, "state")
    path_env, marker = _fake_claude(tmp_path)
    result = _crane(mode, [bad], "launch", "-v", "acme", "--profiles-dir", str(dotenv_profiles), "claude",
                    env={**path_env, variable: str(bad)})
    assert result.rc == 1, result.output
    assert not marker.exists()  # the agent never started unguarded
    assert str(bad) in result.err and "state directory" in result.err
    assert variable in result.err if variable == "CRANE_STATE_DIR" else "CRANE_STATE_DIR" in result.err
    _no_bug(result)


@pytest.mark.parametrize("mode", MODES)
def test_preflight_fails_the_state_dir_check(tmp_path: Path, dotenv_profiles: Path, mode: str) -> None:
    bad = _dir(tmp_path, mode, "state")
    common = ("preflight", "-v", "acme", "--profiles-dir", str(dotenv_profiles))
    result = _crane(mode, [bad], *common, env={"CRANE_STATE_DIR": str(bad)})
    assert result.rc == 1
    line = next(line for line in result.out.splitlines() if "state dir" in line)
    assert "FAIL" in line and str(bad) in line and "CRANE_STATE_DIR" in line
    _no_bug(result)
    as_json = _crane(mode, [bad], *common, "--json", env={"CRANE_STATE_DIR": str(bad)})
    assert as_json.rc == 1
    check = next(c for c in json.loads(as_json.out)["checks"] if c["name"] == "state dir")
    assert check["ok"] is False and not check["informational"] and str(bad) in check["detail"]


@pytest.mark.parametrize("command", [("alerts",), ("runs",)])
def test_alerts_and_runs_name_an_unusable_state_dir(tmp_path: Path, command: tuple[str, ...]) -> None:
    bad = _dir(tmp_path, "file-parent", "state")
    result = run_crane(*command, env={"CRANE_STATE_DIR": str(bad)})
    assert result.rc == 1
    assert str(bad) in result.err and "CRANE_STATE_DIR" in result.err
    _no_bug(result)


@pytest.mark.parametrize("command", [("alerts",), ("runs",)])
def test_alerts_and_runs_only_read_so_a_read_only_state_dir_is_fine(tmp_path: Path,
                                                                     command: tuple[str, ...]) -> None:
    bad = _dir(tmp_path, "read-only", "state")
    result = _crane("read-only", [bad], *command, env={"CRANE_STATE_DIR": str(bad)})
    assert result.rc == 0, result.output
    _no_bug(result)


def test_a_home_under_a_file_is_named_with_home(tmp_path: Path, dotenv_profiles: Path) -> None:
    bad = _dir(tmp_path, "file-parent", "home")
    path_env, marker = _fake_claude(tmp_path)
    unset: dict[str, str | None] = dict.fromkeys(("XDG_STATE_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME",
                                                  "XDG_CONFIG_HOME", "CRANE_STATE_DIR", "CRANE_CACHE_DIR"))
    result = run_crane("launch", "-v", "acme", "--profiles-dir", str(dotenv_profiles), "claude",
                       env={**unset, **path_env, "HOME": str(bad)})
    assert result.rc == 1 and not marker.exists()
    assert str(bad) in result.err and "HOME" in result.err and "CRANE_STATE_DIR" in result.err
    _no_bug(result)


# -- the cache directory and the keyring: Infisical launches and login --------------------------------


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variable", ["CRANE_CACHE_DIR", "XDG_CACHE_HOME"])
def test_run_without_a_usable_cache_warns_and_still_launches(tmp_path: Path, mode: str, variable: str) -> None:
    # The offline copy is a convenience: losing it is said loudly, but the launch goes on.
    bad = _dir(tmp_path, mode, "cache")
    with FakeInfisicalServer(alpha_fixture()).start() as server:
        profiles = write_profile(tmp_path / "profiles", server.url)
        result = _crane(mode, [bad], "run", "-v", "alpha", "--profiles-dir", str(profiles), "--", "true",
                        env={**UA_ENV, variable: str(bad)})
        assert server.count("secrets") == 1
    assert result.rc == 0, result.output
    assert "no offline copy kept" in result.err and str(bad) in result.err
    assert ("CRANE_CACHE_DIR" in result.err) and (variable in result.err)
    assert CLIENT_SECRET not in result.output and "prod-api-key" not in result.output
    _no_bug(result)


@pytest.mark.parametrize("mode", MODES)
def test_run_with_an_unusable_keyring_home_says_tokens_are_not_kept(tmp_path: Path, mode: str) -> None:
    bad = _dir(tmp_path, mode, "data")
    with FakeInfisicalServer(alpha_fixture()).start() as server:
        profiles = write_profile(tmp_path / "profiles", server.url)
        result = _crane(mode, [bad], "run", "-v", "alpha", "--profiles-dir", str(profiles), "--", "true",
                        env={**UA_ENV, "XDG_DATA_HOME": str(bad)})
    assert result.rc == 0, result.output
    assert "not persisted" in result.err and str(bad) in result.err and "XDG_DATA_HOME" in result.err
    assert CLIENT_SECRET not in result.output
    _no_bug(result)


@pytest.mark.parametrize("mode", MODES)
def test_login_with_an_unusable_keyring_home_is_exit_1_naming_the_file(tmp_path: Path, mode: str) -> None:
    bad = _dir(tmp_path, mode, "data")
    with FakeInfisicalServer(alpha_fixture()).start() as server:
        profiles = write_profile(tmp_path / "profiles", server.url)
        result = _crane(mode, [bad], "login", "-v", "alpha", "--profiles-dir", str(profiles), "--client-id", CLIENT_ID,
                        env={"XDG_DATA_HOME": str(bad)}, input_text=CLIENT_SECRET + "\n")
    assert result.rc == 1
    assert str(bad) in result.err and "XDG_DATA_HOME" in result.err
    assert CLIENT_SECRET not in result.output
    _no_bug(result)


# -- guard install into a project crane cannot write ------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_guard_install_into_an_unwritable_project_is_exit_1_naming_it(tmp_path: Path, mode: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    if mode == "file-parent":
        (project / ".claude").write_text("a file where the settings directory belongs\n", encoding="utf-8")
        ro: list[Path] = []
    else:
        _dir(tmp_path, mode, "probe")  # skips when read-only mounts are unavailable
        ro = [project]
    result = _crane(mode, ro, "guard", "install", str(project))
    assert result.rc == 1, result.output
    assert str(project / ".claude") in result.err
    _no_bug(result)
