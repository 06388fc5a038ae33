"""A seccomp filter that stops the agent typing into the user's terminal (TIOCSTI, TIOCLINUX).

Without `--new-session` (which would take the terminal and Ctrl-C from the agent) a program in
the sandbox shares the terminal, and where the kernel still allows TIOCSTI
(`dev.tty.legacy_tiocsti=1`) it could push keystrokes that the user's shell runs after the agent
exits. Flatpak closes this with a seccomp filter; so does crane: `ioctl(fd, TIOCSTI | TIOCLINUX,
...)` fails with EPERM, every other system call is untouched.

The program is classic BPF over `struct seccomp_data` (nr @0, arch @4, args[1] @24, low half on
these little-endian machines), written out here because it is twenty lines and needs no library.
bubblewrap loads it from a file descriptor (`--seccomp FD`).
"""

from __future__ import annotations

import errno
import platform
import struct

_LD_ABS_W = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K
_ALLOW = 0x7FFF0000  # SECCOMP_RET_ALLOW
_DENY = 0x00050000 | errno.EPERM  # SECCOMP_RET_ERRNO | EPERM
TIOCSTI = 0x5412
TIOCLINUX = 0x541C

# arch (AUDIT_ARCH_*) -> ioctl's system call numbers under it (x86_64 includes the x32 ABI's).
_ARCHES: dict[str, tuple[tuple[int, tuple[int, ...]], ...]] = {
    "x86_64": ((0xC000003E, (16, 0x40000000 | 514)), (0x40000003, (54,))),  # and i386 binaries
    "aarch64": ((0xC00000B7, (29,)),),
}


def supported(machine: str | None = None) -> bool:
    return (machine or platform.machine()) in _ARCHES


def tiocsti_filter(machine: str | None = None) -> bytes:
    """The filter for this machine (ValueError on one it does not know)."""
    machine = machine or platform.machine()
    if machine not in _ARCHES:
        raise ValueError(f"no terminal-injection filter for {machine}")
    # Instructions with symbolic jump targets ("allow", "deny", "cmd", or the next arch block).
    code: list[tuple[int, int, str | int, str | int]] = []
    arches = _ARCHES[machine]
    for i, (arch, numbers) in enumerate(arches):
        code.append((_LD_ABS_W, 4, 0, 0))  # A = arch
        nxt = f"arch{i + 1}" if i + 1 < len(arches) else "allow"
        code.append((_JEQ_K, arch, 0, nxt))
        code.append((_LD_ABS_W, 0, 0, 0))  # A = nr
        for j, nr in enumerate(numbers):
            code.append((_JEQ_K, nr, "cmd", 0 if j + 1 < len(numbers) else "allow"))
        code.append((-1, 0, f"arch{i + 1}", 0))  # label marker
    labels: dict[str, int] = {}
    program: list[tuple[int, int, str | int, str | int]] = []
    for ins in code:
        if ins[0] == -1:
            labels[str(ins[2])] = len(program)
        else:
            program.append(ins)
    labels["cmd"] = len(program)
    program += [(_LD_ABS_W, 24, 0, 0), (_JEQ_K, TIOCSTI, "deny", 0), (_JEQ_K, TIOCLINUX, "deny", "allow")]
    labels["allow"] = len(program)
    program.append((_RET_K, _ALLOW, 0, 0))
    labels["deny"] = len(program)
    program.append((_RET_K, _DENY, 0, 0))

    def offset(at: int, target: str | int) -> int:
        return target if isinstance(target, int) else labels[target] - at - 1

    return b"".join(struct.pack("<HBBI", op, offset(at, jt), offset(at, jf), k)
                    for at, (op, k, jt, jf) in enumerate(program))
