"""`crane launch` of a guarded agent, end to end with real processes: the supervisor's lifetime,
signals, exit codes and the terminal. The agent is tests/guard_runtime/stub_agent.py installed as
`claude`; its hook calls go through the real hook command, client and supervisor."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import signal
import stat
import subprocess
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.helpers import ENTRY, PY, subprocess_env, write_venture

HERE = Path(__file__).resolve().parent
STUB = HERE / "stub_agent.py"


@pytest.fixture(autouse=True)
def _needs_installed_crane(isolated_python: str, classify_available: object) -> None:
    """The supervisor and the hook client run with `python -I`: crane must be installed."""


@pytest.fixture(autouse=True, params=["sandbox", "no-sandbox"])
def _sandboxed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every lifetime test runs with and without the agent's sandbox (real bubblewrap)."""
    if request.param == "sandbox":
        from tests.sandbox.conftest import bwrap_or_skip

        bwrap_or_skip()
    monkeypatch.setattr(Launch, "flags", ("--sandbox",) if request.param == "sandbox" else ("--no-sandbox",))


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def wait_gone(pid: int, limit: float = 30.0) -> bool:
    """Whether `pid` is gone (or a zombie) within `limit` seconds: a bound, not a measurement."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


class Launch:
    flags: tuple[str, ...] = ()  # --sandbox / --no-sandbox, set per test run by _sandboxed

    def __init__(self, tmp_path: Path, mode: str, *args: str, env: dict[str, str] | None = None) -> None:
        profiles = tmp_path / "profiles"
        if not (profiles / "shop.toml").exists():
            write_venture(profiles, "shop", prod={"SHOP_KEY": "prod-canary-8d1f2a"},
                          staging={"SHOP_KEY": "staging-canary-4c9e7b"})
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir(exist_ok=True)
        self.project = tmp_path / "project"
        self.project.mkdir(exist_ok=True)
        # The stub goes into the project: inside the sandbox the agent sees the project, not this
        # checkout (which may live under /tmp, where the agent gets a private one).
        stub = self.project / STUB.name
        stub.write_bytes(STUB.read_bytes())
        shim = bin_dir / "claude"
        shim.write_text(f'#!/bin/sh\nexec {PY} {stub} "$@"\n')
        shim.chmod(0o755)
        self.state = tmp_path / "state"
        self.argv = [PY, "-c", ENTRY, "launch", "--venture", "shop", "--env", "staging", "--profiles-dir",
                     str(profiles), *self.flags, *args, "claude"]
        self.env = subprocess_env({"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "STUB_MODE": mode,
                                   "CRANE_STATE_DIR": str(self.state), **(env or {})})

    def run(self, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv, env=self.env, cwd=self.project, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=timeout, check=False)

    def start(self) -> subprocess.Popen[str]:
        return subprocess.Popen(self.argv, env=self.env, cwd=self.project, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ready(proc: subprocess.Popen[str]) -> tuple[int, int, str]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("ready "), (line, proc.stderr.read() if proc.poll() is not None and proc.stderr else "")
    _, agent, supervisor, sock = line.split()
    return host_pid(int(agent), proc.pid), int(supervisor), sock


def host_pid(pid: int, root: int) -> int:
    """The agent's pid as crane's side sees it: in the sandbox the agent reports its pid inside
    the sandbox's PID namespace; find the descendant of `root` whose innermost pid that is."""
    todo = [root]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        nspid = next(line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:"))
        if current != root and int(nspid[-1]) == pid:
            return int(nspid[0])
        todo += [int(c) for c in children]
    raise AssertionError(f"no process with pid {pid} under {root}")


def hook_lines(out: str) -> list[list[str]]:
    return [line.split(" ", 3) for line in out.splitlines() if line.startswith("HOOK ")]


@contextlib.contextmanager
def reaped(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=60)


@pytest.mark.parametrize("code", [0, 3, 42])
def test_exit_code_passes_through_and_nothing_is_left_behind(tmp_path: Path, code: int) -> None:
    launch = Launch(tmp_path, f"exit:{code}")
    proc = launch.run()
    assert proc.returncode == code, proc.stderr
    [[_, label, rc, _]] = hook_lines(proc.stdout)
    assert (label, rc) == ("read", "0")  # the supervisor answered
    assert "guard supervisor running" in proc.stderr and "edits on disk do not change" in proc.stderr
    pid = int(proc.stderr.split("guard supervisor running (pid ")[1].split(")")[0])
    assert wait_gone(pid), "the supervisor outlived the session"
    socket_path = next(p for p in (launch.state / "sessions").glob("*/claude-settings.json")).read_text()
    sock = socket_path.split("--socket ")[1].split()[0]
    assert not os.path.exists(os.path.dirname(sock)), "the socket directory was left behind"


def test_agent_crash_is_reported_as_its_signal_and_stops_the_supervisor(tmp_path: Path) -> None:
    proc = Launch(tmp_path, "crash").run()
    assert proc.returncode == 128 + signal.SIGSEGV, proc.stderr
    pid = int(proc.stderr.split("guard supervisor running (pid ")[1].split(")")[0])
    assert wait_gone(pid)


def test_sigkill_of_the_agent(tmp_path: Path) -> None:
    with reaped(Launch(tmp_path, "wait").start()) as proc:
        agent, supervisor, sock = ready(proc)
        os.kill(agent, signal.SIGKILL)
        assert proc.wait(60) == 128 + signal.SIGKILL
        assert wait_gone(supervisor)
        assert not os.path.exists(sock)


def test_sigkill_of_crane_kills_the_agent_and_the_supervisor(tmp_path: Path) -> None:
    with reaped(Launch(tmp_path, "wait").start()) as proc:
        agent, supervisor, sock = ready(proc)
        proc.kill()
        proc.wait(60)
        assert wait_gone(agent), "the agent outlived crane"
        assert wait_gone(supervisor), "the supervisor outlived crane"
        end = time.monotonic() + 30
        while os.path.exists(os.path.dirname(sock)) and time.monotonic() < end:
            time.sleep(0.05)
        assert not os.path.exists(sock), "the supervisor did not remove its socket"
        assert not os.path.exists(os.path.dirname(sock)), "nor its directory"


@pytest.mark.parametrize(("sig", "expected"), [(signal.SIGTERM, 42), (signal.SIGINT, 43)])
def test_a_signal_to_crane_reaches_the_agent(tmp_path: Path, sig: signal.Signals, expected: int) -> None:
    # Not at a terminal, SIGINT is forwarded like SIGTERM (at a terminal the process group gets it).
    with reaped(Launch(tmp_path, "wait").start()) as proc:
        _, supervisor, _ = ready(proc)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == expected, err
        [[_, label, rc, _]] = hook_lines(out)
        assert (label, rc) == ("after-signal", "0"), out  # the supervisor still answered
        assert wait_gone(supervisor)


def test_sighup_reaches_the_agent(tmp_path: Path) -> None:
    with reaped(Launch(tmp_path, "wait").start()) as proc:
        agent, supervisor, _ = ready(proc)
        proc.send_signal(signal.SIGHUP)
        proc.wait(60)
        assert proc.returncode == 128 + signal.SIGHUP  # the stub does not trap HUP: it died of it
        assert wait_gone(agent) and wait_gone(supervisor)


def test_ctrl_c_at_a_terminal_reaches_the_agent_and_not_the_supervisor(tmp_path: Path) -> None:
    launch = Launch(tmp_path, "wait")
    master, slave = pty.openpty()

    def controlling_terminal() -> None:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(launch.argv, env=launch.env, cwd=launch.project, stdin=slave, stdout=slave,
                            stderr=slave, preexec_fn=controlling_terminal, close_fds=True)  # noqa: PLW1509
    os.close(slave)
    output = b""
    try:
        while b"ready " not in output:
            chunk = os.read(master, 4096)
            assert chunk, output
            output += chunk
        os.write(master, b"\x03")  # Ctrl-C: SIGINT to the terminal's foreground process group
        assert proc.wait(60) == 43
        with contextlib.suppress(OSError):
            while chunk := os.read(master, 4096):
                output += chunk
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    text = output.decode("utf-8", "replace")
    assert "HOOK after-signal 0" in text, text  # the supervisor survived the Ctrl-C and answered


def test_a_managed_policy_that_blocks_crane_hook_stops_the_launch(tmp_path: Path) -> None:
    managed = tmp_path / "etc-claude-code"
    managed.mkdir()
    (managed / "managed-settings.json").write_text('{"allowManagedHooksOnly": true}')
    launch = Launch(tmp_path, "exit:0", env={"CRANE_CLAUDE_MANAGED_PATHS": str(managed)})
    proc = launch.run()
    assert proc.returncode == 1, proc.stderr
    assert "guard self-check failed" in proc.stderr
    assert f"{managed / 'managed-settings.json'}: allowManagedHooksOnly" in proc.stderr
    assert "HOOK " not in proc.stdout, "the agent must not have been started"


def test_guard_check_judges_both_routes_and_names_the_weaker_one(tmp_path: Path) -> None:
    launch = Launch(tmp_path, "exit:0")
    proc = subprocess.run([PY, "-c", ENTRY, "guard", "check"], env=launch.env, cwd=launch.project,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "crane launch (hook client -> guard supervisor)" in proc.stderr
    assert "hand install (crane guard install: in-process, the weaker mode)" in proc.stderr
    assert proc.stderr.count("[ok  ]") == 6 and "FAIL" not in proc.stderr


def test_the_settings_file_pins_what_a_project_could_inject_into_the_hook(tmp_path: Path) -> None:
    launch = Launch(tmp_path, "exit:0", env={"LD_LIBRARY_PATH": "/opt/users/own/lib"})
    assert launch.run().returncode == 0
    [path] = (launch.state / "sessions").glob("*/claude-settings.json")
    settings = json.loads(path.read_text())
    assert settings["disableAllHooks"] is False
    [handler] = settings["hooks"]["PreToolUse"][0]["hooks"]
    assert handler["onFailure"] == "block" and "async" not in handler
    env = settings["env"]
    assert env["LD_PRELOAD"] == "" and env["LD_LIBRARY_PATH"] == "/opt/users/own/lib"
    assert env["CRANE_ENV"] == "dev" and env["CRANE_GUARD_SELF_CHECK"] == ""
    assert "staging-canary-4c9e7b" not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
