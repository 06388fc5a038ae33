"""`crane launch` of a stub agent in real bubblewrap: signals, exit codes, Ctrl-C, PID isolation.

The stub writes what it saw into files in the project directory (read-write, same path inside
and out); the test waits for those files, never for a fixed time.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.helpers import ENTRY, PY, run_crane, subprocess_env
from tests.sandbox.conftest import bwrap_or_skip
from tests.sandbox.helpers import write_venture

WAIT = 60.0  # generous: only a broken launch ever waits this long


def wait_for(path: Path) -> str:
    deadline = time.monotonic() + WAIT
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path.name} never appeared")
        time.sleep(0.02)
    time.sleep(0.05)  # the writer's line is complete once the file exists and is closed: see writes below
    return path.read_text(encoding="utf-8")


def stub(project: Path, body: str, name: str = "agent.sh") -> Path:
    """A shell script standing in for the agent; `$OUT` is the project directory."""
    path = project / name
    path.write_text("#!/bin/sh\nOUT=" + str(project) + "\n" + textwrap.dedent(body), encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    write_venture(proj / "profiles")
    return proj


def launch_args(project: Path, *flags: str) -> list[str]:
    return ["launch", "--venture", "alpha", "--env", "staging", "--profiles-dir", str(project / "profiles"), *flags]


def start(project: Path, agent: Path, *flags: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen([PY, "-c", ENTRY, *launch_args(project, *flags), str(agent)], env=subprocess_env(),
                            cwd=project, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **popen)  # type: ignore[call-overload]


def marked(marker: str) -> list[int]:
    """Processes whose command line carries `marker` (orphans left behind)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if marker.encode() in fh.read():
                        found.append(int(entry))
            except OSError:
                continue
    return found


TRAP_TERM = """
    if [ "$1" = child ]; then exec sleep 1000; fi
    trap 'echo term > "$OUT/got-term"; [ -n "$REAP" ] && kill $child; exit 42' TERM
    "$0" child &   # a child of the agent, carrying the script's name: it must not outlive a sandbox
    child=$!
    echo > "$OUT/ready.tmp"; mv "$OUT/ready.tmp" "$OUT/ready"
    wait
"""


@pytest.mark.parametrize("flags", [(), ("--no-sandbox",)], ids=["sandbox", "no-sandbox"])
def test_sigterm_to_the_launch_reaches_the_agent(project: Path, flags: tuple[str, ...]) -> None:
    if not flags:
        bwrap_or_skip()
    # Without a sandbox a background child outlives the agent (as it always has): that stub reaps it.
    agent = stub(project, ("" if not flags else "REAP=1\n") + TRAP_TERM, name=f"agent-term-{os.getpid()}.sh")
    proc = start(project, agent, *flags)
    wait_for(project / "ready")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 42, err
    assert (project / "got-term").read_text(encoding="utf-8").strip() == "term"
    if not flags:
        assert "| sandboxed (bubblewrap" in err
        assert marked(agent.name) == []  # no bwrap, no agent, no background child left
    else:
        assert "crane sandbox DISABLED (--no-sandbox)" in err


@pytest.mark.parametrize(("body", "code"), [("exit 0", 0), ("exit 3", 3), ("exit 255", 255),
                                            ("kill -KILL $$", 137), ("kill -TERM $$", 143)])
def test_exit_codes_pass_through(project: Path, body: str, code: int) -> None:
    bwrap_or_skip()
    r = run_crane(*launch_args(project), str(stub(project, body)), cwd=project)
    assert r.rc == code, r.err


def test_sigint_without_a_terminal_is_forwarded(project: Path) -> None:
    bwrap_or_skip()
    agent = stub(project, """
        trap 'echo int > "$OUT/got-int"; exit 43' INT
        echo > "$OUT/ready.tmp"; mv "$OUT/ready.tmp" "$OUT/ready"
        while :; do sleep 0.05; done
    """)
    proc = start(project, agent)
    wait_for(project / "ready")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 43, err


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    yield master, slave
    for fd in (master, slave):
        with contextlib.suppress(OSError):
            os.close(fd)


def test_ctrl_c_at_a_terminal_reaches_the_agent_and_the_terminal_works(project: Path,
                                                                      terminal: tuple[int, int]) -> None:
    """Ctrl-C on a real pseudo-terminal: SIGINT to the whole foreground group (crane, bwrap, agent)."""
    bwrap_or_skip()
    master, slave = terminal
    import fcntl
    import struct
    import termios

    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    agent = stub(project, """
        trap 'echo int > "$OUT/got-int"; exit 44' INT
        { [ -t 0 ] && echo stdin-tty; tty; stty size; echo hello > /dev/tty && echo dev-tty-ok; } \
            > "$OUT/tty.tmp" 2>&1
        mv "$OUT/tty.tmp" "$OUT/ready"
        while :; do sleep 0.05; done
    """)

    def controlling_tty() -> None:  # a session of its own, with the pty as its terminal, in the foreground
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen([PY, "-c", ENTRY, *launch_args(project), str(agent)], env=subprocess_env(),
                            cwd=project, stdin=slave, stdout=slave, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=controlling_tty)  # noqa: PLW1509
    seen = wait_for(project / "ready")
    # bubblewrap shows the host terminal as /dev/console; size and /dev/tty work as outside.
    assert "stdin-tty" in seen and "not a tty" not in seen and "40 120" in seen and "dev-tty-ok" in seen, seen
    os.write(master, b"\x03")  # the terminal turns ^C into SIGINT for the foreground process group
    _, err = proc.communicate(timeout=WAIT)
    assert proc.returncode == 44, err
    assert (project / "got-int").exists()


def test_pid_isolation(project: Path) -> None:
    """A process started outside cannot be seen or signalled from inside (the supervisor will live outside)."""
    bwrap_or_skip()
    outside = subprocess.Popen(["sleep", "1000"])
    try:
        agent = stub(project, f"""
            {{ ps -e -o pid=,comm= | wc -l; kill -0 {outside.pid} && echo signalled; kill -TERM {outside.pid} \\
               && echo killed; ls /proc/{outside.pid} >/dev/null 2>&1 && echo visible; ps -e -o comm=; }} \\
               > "$OUT/seen.tmp" 2>&1
            mv "$OUT/seen.tmp" "$OUT/seen"
        """)
        r = run_crane(*launch_args(project), str(agent), cwd=project)
        seen = (project / "seen").read_text(encoding="utf-8")
        assert r.rc == 0, r.err
        assert "signalled" not in seen and "killed" not in seen and "visible" not in seen, seen
        assert "python" not in seen  # crane (outside) is not in the agent's process list either
        assert outside.poll() is None  # still running
    finally:
        outside.kill()
        outside.wait()


def test_required_without_bubblewrap_refuses(project: Path, tmp_path: Path) -> None:
    agent = stub(project, 'echo ran > "$OUT/ran"')
    r = run_crane(*launch_args(project, "--sandbox"), str(agent), cwd=project,
                  env={"CRANE_BWRAP": str(tmp_path / "missing")})
    assert r.rc == 1 and "crane sandbox required (--sandbox) but not available" in r.err
    assert not (project / "ran").exists()


def test_auto_without_bubblewrap_warns_loudly_and_runs(project: Path, tmp_path: Path) -> None:
    agent = stub(project, 'echo ran > "$OUT/ran"')
    r = run_crane(*launch_args(project), str(agent), cwd=project, env={"CRANE_BWRAP": str(tmp_path / "missing")})
    assert r.rc == 0 and (project / "ran").exists()
    assert "WARNING: crane sandbox NOT AVAILABLE" in r.err and "audit log" in r.err


def test_sigkill_of_crane_leaves_no_orphans(project: Path) -> None:
    """crane killed outright: bubblewrap, the agent and the agent's children all go with it."""
    bwrap_or_skip()
    agent = stub(project, TRAP_TERM, name=f"agent-kill-{os.getpid()}.sh")
    proc = start(project, agent)
    wait_for(project / "ready")
    assert marked(agent.name)  # bwrap (its argv names the agent), the agent and its child
    proc.kill()
    proc.communicate(timeout=WAIT)
    deadline = time.monotonic() + WAIT  # the kernel's parent-death signal is immediate; this only bounds a failure
    while marked(agent.name) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert marked(agent.name) == []
