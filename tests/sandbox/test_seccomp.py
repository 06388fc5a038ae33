"""The terminal-injection filter: evaluated by a small cBPF interpreter, and for real on a pty."""

from __future__ import annotations

import os
import struct
import subprocess
import textwrap
from pathlib import Path

import pytest

from crane.sandbox.seccomp import TIOCLINUX, TIOCSTI, tiocsti_filter
from tests.core.helpers import PY, subprocess_env
from tests.sandbox.conftest import bwrap_or_skip
from tests.sandbox.helpers import write_venture
from tests.sandbox.test_launch_sandbox import launch_args, wait_for

ALLOW, EPERM = 0x7FFF0000, 0x00050001
X86_64, I386, AARCH64 = 0xC000003E, 0x40000003, 0xC00000B7
TIOCGWINSZ = 0x5413


def run_filter(program: bytes, nr: int, arch: int, arg1: int) -> int:
    """Classic BPF as the kernel runs it over struct seccomp_data (only the opcodes we emit)."""
    data = struct.pack("<iIQ6Q", nr, arch, 0, 0, arg1, 0, 0, 0, 0)
    ins = [struct.unpack("<HBBI", program[i:i + 8]) for i in range(0, len(program), 8)]
    acc, pc = 0, 0
    while True:
        code, jt, jf, k = ins[pc]
        if code == 0x20:
            acc = struct.unpack_from("<I", data, k)[0]
            pc += 1
        elif code == 0x15:
            pc += 1 + (jt if acc == k else jf)
        elif code == 0x06:
            return k
        else:
            raise AssertionError(f"unexpected opcode {code:#x}")


@pytest.mark.parametrize(("machine", "arch", "nr", "arg1", "expected"), [
    ("x86_64", X86_64, 16, TIOCSTI, EPERM),
    ("x86_64", X86_64, 16, TIOCLINUX, EPERM),
    ("x86_64", X86_64, 16, TIOCSTI | 0xFFFF_FFFF_0000_0000, EPERM),  # the kernel reads 32 bits of cmd
    ("x86_64", X86_64, 16, TIOCGWINSZ, ALLOW),  # the terminal's size: agents need it
    ("x86_64", X86_64, 1, TIOCSTI, ALLOW),  # write(2) with that number as its buffer: not an ioctl
    ("x86_64", X86_64, 0x40000000 | 514, TIOCSTI, EPERM),  # x32 ioctl
    ("x86_64", I386, 54, TIOCSTI, EPERM),  # i386 ioctl via int 0x80
    ("x86_64", I386, 16, TIOCSTI, ALLOW),  # i386 16 is lchown
    ("aarch64", AARCH64, 29, TIOCSTI, EPERM),
    ("aarch64", AARCH64, 29, TIOCGWINSZ, ALLOW),
    ("aarch64", AARCH64, 16, TIOCSTI, ALLOW),
])
def test_filter_decisions(machine: str, arch: int, nr: int, arg1: int, expected: int) -> None:
    assert run_filter(tiocsti_filter(machine), nr, arch, arg1) == expected


def test_unknown_machine_is_refused() -> None:
    with pytest.raises(ValueError, match="riscv64"):
        tiocsti_filter("riscv64")


INJECT = textwrap.dedent("""
    import fcntl, sys, termios
    try:
        fcntl.ioctl(0, termios.TIOCSTI, b"#")
        print("injected")
    except OSError as exc:
        print("refused", exc.errno)
    size = fcntl.ioctl(0, termios.TIOCGWINSZ, b"12345678")
    print("winsize-ok" if len(size) == 8 else "winsize-bad")
""")


@pytest.mark.parametrize("sandboxed", [True, False])
def test_the_agent_cannot_type_into_the_terminal(tmp_path: Path, sandboxed: bool) -> None:
    if sandboxed:
        bwrap_or_skip()
    project = tmp_path / "proj"
    write_venture(project / "profiles")
    probe = project / "inject.py"
    probe.write_text(INJECT, encoding="utf-8")
    agent = project / "agent.sh"
    agent.write_text(f'#!/bin/sh\n{PY} {probe} > "{project}/out.tmp" 2>&1; mv "{project}/out.tmp" '
                     f'"{project}/out"\n', encoding="utf-8")
    agent.chmod(0o755)
    master, slave = os.openpty()

    def controlling_tty() -> None:
        import fcntl
        import termios

        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    try:
        proc = subprocess.Popen([PY, "-c", "from crane.cli.main import entry; entry()",
                                 *launch_args(project, *([] if sandboxed else ["--no-sandbox"])), str(agent)],
                                env=subprocess_env(), cwd=project, stdin=slave, stdout=slave,
                                stderr=subprocess.PIPE, start_new_session=True,
                                preexec_fn=controlling_tty)  # noqa: PLW1509
        out = wait_for(project / "out")
        proc.communicate(timeout=60)
    finally:
        os.close(master)
        os.close(slave)
    assert "winsize-ok" in out, out
    if sandboxed:
        assert "refused 1" in out, out  # EPERM from the filter
    else:  # the control: what the filter prevents, where this kernel allows it
        legacy = Path("/proc/sys/dev/tty/legacy_tiocsti")
        if not legacy.exists() or legacy.read_text().strip() != "1":
            pytest.skip("this kernel refuses TIOCSTI itself (dev.tty.legacy_tiocsti=0): no control to show")
        assert "injected" in out, out
