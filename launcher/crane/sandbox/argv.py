"""The bubblewrap command line for a plan: a pure function, table-tested.

Mounts are applied in order, later ones on top of earlier ones, so the order below is the design:

  1. the host's root read-only; a fresh /dev and /proc (the new PID namespace's); private /tmp
  2. the home directory again when it lives under a private tmp dir (it would vanish otherwise)
  3. writable: the project directory and the agent's own config and cache
  4. read-only: crane's code, the interpreter and its libraries, `.git/hooks` (even inside 3)
  5. hidden: crane's state/cache/config, keyring storage, credential stores, dotenv files
     (even inside 3: a profiles/ directory in the project; directories become an empty tmpfs,
     read-only once 6 and 7 made their mount points in it; files /dev/null; a path that does not
     exist is skipped: there is nothing to read)
  6. visible read-only, even inside 5: the session's profile, the guard's socket directory
  7. passed through read-write, even inside 1 or 5: the SSH agent socket

Within a group, parents come before children so a child's mount is never covered.
`--unshare-pid` puts the agent in its own PID namespace (nothing outside can be seen or
signalled); `--die-with-parent` ends the sandbox with its launcher; `--cap-drop ALL` matters when
crane runs as root: a root agent keeping CAP_SYS_ADMIN could unmount the hiding mounts;
`--seccomp` (when process.py supplies the filter) stops the agent typing into the terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from crane.sandbox.plan import SandboxPlan, Spot


def _depth_first(spots: Iterable[Spot]) -> list[Spot]:
    present = [s for s in spots if s.kind != "missing"]
    return sorted(present, key=lambda s: (s.path.rstrip("/").count("/"), s.path))


def is_under(path: str, parent: str) -> bool:
    parent = parent.rstrip("/") or "/"
    return path == parent or path.startswith(parent if parent == "/" else parent + "/")


def _hide(spot: Spot) -> list[str]:
    # A directory's tmpfs is made read-only at the very end: the binds of steps 6 and 7 may need
    # to create their mount points inside it first.
    return ["--tmpfs", spot.path] if spot.kind == "dir" else ["--ro-bind", "/dev/null", spot.path]


def _pinned_ancestors(plan: SandboxPlan, roots: Sequence[Spot]) -> list[Spot]:
    """The directories between a writable root and a protected spot inside it, bound onto themselves.

    A mount point cannot be renamed or removed (EBUSY), but its parent can: without these, the
    agent renames `profiles/` or `.git/` away and puts its own profile or hooks where the next
    session and the next `git commit` look. Bound, every directory on the way is a mount point.
    """
    found: dict[str, Spot] = {}
    for spot in (*plan.readonly, *plan.hidden, *plan.visible):
        if spot.kind == "missing":
            continue
        for root in roots:
            base = root.path.rstrip("/")
            if spot.path == base or not is_under(spot.path, base):
                continue
            parts = spot.path[len(base) + 1:].split("/")[:-1]
            for i in range(1, len(parts) + 1):
                path = base + "/" + "/".join(parts[:i])
                found.setdefault(path, Spot(path, "dir", "pinned: holds a protected path"))
    return list(found.values())


def build_argv(plan: SandboxPlan, command: Sequence[str]) -> list[str]:
    """The full argv that runs `command` in the sandbox the plan describes."""
    if not command:
        raise ValueError("no command to run in the sandbox")
    args: list[str] = []
    if plan.terminal_signals:
        args += [plan.env_tool, f"--ignore-signal={','.join(plan.terminal_signals)}"]
    args += [plan.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    for tmp in plan.private_tmp:
        args += ["--tmpfs", tmp]
    if plan.home_kind == "dir" and any(is_under(plan.home, tmp) for tmp in plan.private_tmp):
        args += ["--ro-bind", plan.home, plan.home]
    roots = [Spot(plan.project, "dir", "the project"), *plan.writable]
    writable = _depth_first([*roots, *_pinned_ancestors(plan, roots)])
    for spot in writable:
        args += ["--bind", spot.path, spot.path]
    for spot in _depth_first(plan.readonly):
        args += ["--ro-bind", spot.path, spot.path]
    rebound = [plan.home, plan.project, *(s.path for s in plan.writable)]
    hidden = [spot for spot in _depth_first(plan.hidden)
              # Under a private tmp dir and not brought back: invisible already.
              if not any(is_under(spot.path, tmp) for tmp in plan.private_tmp)
              or any(is_under(spot.path, r) for r in rebound)]
    for spot in hidden:
        args += _hide(spot)
    passthrough = _depth_first(plan.passthrough)
    # A read-only file inside a read-write passthrough (a settings file in the agent's session
    # home) goes on top of it.
    inner = [s for s in _depth_first(plan.visible) if any(is_under(s.path, p.path) for p in passthrough)]
    for spot in _depth_first(plan.visible):
        if spot not in inner:
            args += ["--ro-bind", spot.path, spot.path]
    for spot in passthrough:
        args += ["--bind", spot.path, spot.path]
    for spot in inner:
        args += ["--ro-bind", spot.path, spot.path]
    for spot in hidden:
        if spot.kind == "dir" and not spot.scratch:
            args += ["--remount-ro", spot.path]
    args += ["--unshare-pid", "--unshare-ipc", "--die-with-parent", "--cap-drop", "ALL",
             "--setenv", "CRANE_SANDBOX", "bwrap", "--chdir", plan.project]
    if plan.info_fd is not None:
        args += ["--info-fd", str(plan.info_fd)]
    if plan.seccomp_fd is not None:
        args += ["--seccomp", str(plan.seccomp_fd)]
    args.append("--")
    if plan.terminal_signals:
        args += [plan.env_tool, f"--default-signal={','.join(plan.terminal_signals)}", "--"]
    args += list(command)
    return args
