"""Starting the sandbox, and reaching the agent inside it with signals.

Observed with bubblewrap 0.8 (`--unshare-pid --die-with-parent`), the facts this module rests on:
- bubblewrap does not forward signals. SIGTERM or SIGINT to the outer bwrap process kills it,
  and `--die-with-parent` then SIGKILLs the sandbox: the agent cannot clean up. SIGTERM to the
  sandbox's init (`child-pid` in `--info-fd`, pid 1 inside) is ignored.
- The agent is init's first child, pid 2 inside the namespace. A signal sent to that process
  from outside arrives as sent (a TERM trap runs; its exit code comes back).
- bwrap exits with the agent's exit code, and with 128+N when the agent died of signal N.
- Ctrl-C and Ctrl-\\ go to the whole foreground process group, which the sandbox shares (no
  `--new-session`, so the terminal and job control keep working): bwrap runs with SIGINT and
  SIGQUIT ignored (`env --ignore-signal`), the agent gets them back at their default
  (`env --default-signal`) or its own handler.
- When the agent exits, init exits and the kernel kills whatever it left in the namespace; when
  the launcher dies (even by SIGKILL), `--die-with-parent` ends bwrap and the sandbox.

So the launcher forwards signals to `agent_pid`, never to bwrap. `SandboxedProcess` is
Popen-shaped (pid, send_signal, wait, poll) so a supervisor loop can use it in place of Popen.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence

from crane.sandbox.argv import build_argv
from crane.sandbox.plan import SandboxPlan

AGENT_START_TIMEOUT = 10.0  # seconds for bwrap to set up and fork the agent


def _read_all(fd: int) -> bytes:
    chunks = []
    while chunk := os.read(fd, 4096):
        chunks.append(chunk)
    return b"".join(chunks)


def init_child(init_pid: int) -> int | None:
    """The agent: the sandbox init's child with pid 2 inside the namespace (None until forked)."""
    try:
        with open(f"/proc/{init_pid}/task/{init_pid}/children", encoding="ascii") as fh:
            children = fh.read().split()
    except OSError:
        return None
    for child in children:
        try:
            with open(f"/proc/{child}/status", encoding="ascii") as fh:
                for line in fh:
                    if line.startswith("NSpid:") and line.split()[-1] == "2":
                        return int(child)
        except OSError:
            continue
    return None


class SandboxedProcess:
    """bwrap running an agent; signals go to the agent (see the module docstring)."""

    def __init__(self, popen: subprocess.Popen[bytes], info_fd: int) -> None:
        self.popen = popen
        self.pid = popen.pid  # the outer bwrap
        self.agent_pid: int | None = None
        try:
            info = json.loads(_read_all(info_fd) or b"{}")  # bwrap closes the fd once written
        except ValueError:
            info = {}
        finally:
            os.close(info_fd)
        init_pid = info.get("child-pid")
        deadline = time.monotonic() + AGENT_START_TIMEOUT
        while isinstance(init_pid, int) and popen.poll() is None and time.monotonic() < deadline:
            self.agent_pid = init_child(init_pid)
            if self.agent_pid is not None:
                break
            time.sleep(0.001)

    def send_signal(self, signum: int) -> None:
        if self.popen.poll() is not None:
            return
        if self.agent_pid is not None:
            try:
                os.kill(self.agent_pid, signum)
                return
            except ProcessLookupError:
                return
        # The agent never started: stopping bwrap (and with it the sandbox) is all there is.
        self.popen.send_signal(signum)

    def poll(self) -> int | None:
        return self.popen.poll()

    def wait(self, timeout: float | None = None) -> int:
        return self.popen.wait(timeout)


def _seccomp_fd(plan: SandboxPlan) -> int | None:
    from crane.sandbox import seccomp

    if not plan.block_terminal_injection or not seccomp.supported():
        return None
    fd = os.memfd_create("crane-seccomp")
    os.write(fd, seccomp.tiocsti_filter())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def start(plan: SandboxPlan, command: Sequence[str], env: Mapping[str, str],
          preexec_fn: Callable[[], None] | None = None) -> SandboxedProcess:
    """Start `command` in the sandbox; returns once the agent runs (or bwrap has failed).
    `preexec_fn` runs in bwrap's process before exec (e.g. a parent-death signal)."""
    read_fd, write_fd = os.pipe()
    filter_fd = _seccomp_fd(plan)
    fds = (write_fd,) if filter_fd is None else (write_fd, filter_fd)
    try:
        argv = build_argv(dataclasses.replace(plan, info_fd=write_fd, seccomp_fd=filter_fd), command)
        popen = subprocess.Popen(argv, env=dict(env), pass_fds=fds, preexec_fn=preexec_fn)  # noqa: PLW1509
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        for fd in fds:
            os.close(fd)
    return SandboxedProcess(popen, read_fd)
