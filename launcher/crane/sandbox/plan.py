"""What the sandbox must look like, as plain data: the input of the pure argv builder.

A plan names every path the sandbox treats specially, already made absolute with symlinks
resolved and with its kind looked up (`gather.py` does that on the real machine; tests write plans
by hand). Everything not named is the host's file system, read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["dir", "file", "missing"]  # "file": anything that is not a directory (sockets too)


@dataclass(frozen=True)
class Spot:
    path: str  # absolute, symlinks resolved
    kind: Kind
    why: str = ""  # what it is, for preflight ("AWS credentials", "crane's state")
    scratch: bool = False  # hidden directories only: an empty PRIVATE writable dir instead of a read-only one


@dataclass(frozen=True)
class SandboxPlan:
    bwrap: str  # the bubblewrap executable
    home: str
    project: str  # the working directory: read-write, keeps its path
    home_kind: Kind = "dir"  # a HOME that does not exist is not brought back from under a private /tmp
    writable: tuple[Spot, ...] = ()  # the agent's own config and cache
    readonly: tuple[Spot, ...] = ()  # crane's code, the interpreter, .git/hooks: visible, never writable
    hidden: tuple[Spot, ...] = ()  # crane's state, keyring storage, credential stores, dotenv files
    visible: tuple[Spot, ...] = ()  # read-only even inside a hidden place: the profile, the guard socket dir
    passthrough: tuple[Spot, ...] = ()  # usable as on the host even where /tmp is private: SSH_AUTH_SOCK
    private_tmp: tuple[str, ...] = ("/tmp", "/var/tmp")
    # Signals P's terminal sends the whole process group (Ctrl-C, Ctrl-\): bubblewrap itself must
    # ignore them (or it dies and takes the sandbox with it), the agent gets them back as default.
    terminal_signals: tuple[str, ...] = ("INT", "QUIT")
    env_tool: str = "/usr/bin/env"  # coreutils env (>= 8.31: --ignore-signal / --default-signal)
    info_fd: int | None = None  # bubblewrap writes {"child-pid": ...} here (see process.py)
    block_terminal_injection: bool = True  # a seccomp filter against TIOCSTI/TIOCLINUX (seccomp.py)
    seccomp_fd: int | None = None  # where process.py put that filter for bubblewrap
