"""A sandbox plan for this machine and this session: which paths are hidden, kept, writable.

Impure on purpose (it looks at the file system and the environment); argv.py stays pure. The
lists below are the defaults the docs describe (docs/configuration.md, "[sandbox]").
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crane.errors import ProfileError
from crane.paths import cache_path, config_path, state_path
from crane.sandbox.plan import Kind, SandboxPlan, Spot
from crane.sandbox.settings import SSH_AGENT, SandboxSettings

if TYPE_CHECKING:
    from crane.profiles import Profile

# Cloud credential stores that would bypass the environment split: hidden unless exposed.
CREDENTIAL_STORES: tuple[tuple[str, str], ...] = (
    ("~/.wrangler", "wrangler login (Cloudflare)"),
    ("~/.config/.wrangler", "wrangler login (Cloudflare)"),
    ("~/.aws", "AWS credentials"),
    ("~/.config/gcloud", "Google Cloud credentials"),
    ("~/.azure", "Azure credentials"),
    ("~/.netrc", "netrc logins"),
    ("~/.docker/config.json", "Docker registry logins"),
    ("~/.kube/config", "Kubernetes credentials"),
    ("~/.config/doctl", "DigitalOcean credentials"),
    ("~/.fly", "Fly.io credentials"),
    ("~/.terraform.d/credentials.tfrc.json", "Terraform Cloud credentials"),
)
# Everyday tools outside the production/staging split: usable by default, listed, hideable.
EVERYDAY: tuple[tuple[str, str], ...] = (
    ("~/.ssh", "SSH keys and config"),
    ("~/.git-credentials", "git credentials"),
    ("~/.config/git/credentials", "git credentials"),
    ("~/.config/gh", "GitHub CLI login"),
)
# The agents' own config and cache: writable (agents keep sessions, settings and caches there).
AGENT_WRITABLE = ("~/.claude", "~/.claude.json", "~/.codex", "~/.gemini", "~/.npm", "~/.cache",
                  "~/.local/share/claude", "~/.local/state/claude")


@dataclass(frozen=True)
class Layout:
    """A plan plus what preflight shows about it."""

    plan: SandboxPlan
    usable: tuple[Spot, ...] = ()  # credentials left usable on purpose (listed, hideable)
    exposed: tuple[str, ...] = ()  # default-hidden stores the profile exposed
    notes: tuple[str, ...] = ()  # what the sandbox cannot cover on this machine
    hidden_missing: tuple[Spot, ...] = field(default=())  # would be hidden; absent here


def kind_of(path: str) -> Kind:
    try:
        st = os.stat(path)
    except OSError:
        return "missing"
    import stat

    return "dir" if stat.S_ISDIR(st.st_mode) else "file"


def _spot(path: str, why: str, *, scratch: bool = False) -> Spot:
    real = os.path.realpath(path)
    return Spot(real, kind_of(real), why, scratch)


def _expand(entry: str, home: str) -> str:
    return os.path.normpath(os.path.join(home, entry[2:]) if entry.startswith("~/") else entry)


def _xdg(environ: Mapping[str, str], var: str, home: str, default: str) -> str:
    value = environ.get(var, "").strip()
    return value if os.path.isabs(value) else os.path.join(home, default)


def keyring_spots(environ: Mapping[str, str], home: str) -> tuple[list[Spot], list[str]]:
    """Where keyrings keep secrets: keyrings.alt's files, desktop keyrings, the Secret Service bus."""
    data = _xdg(environ, "XDG_DATA_HOME", home, ".local/share")
    config = _xdg(environ, "XDG_CONFIG_HOME", home, ".config")
    spots = [
        _spot(os.path.join(data, "python_keyring"), "keyring files (keyrings.alt)"),
        _spot(os.path.join(config, "python_keyring"), "keyring configuration"),
        _spot(os.path.join(data, "keyrings"), "GNOME keyring storage"),
        _spot(os.path.join(data, "kwalletd"), "KWallet storage"),
    ]
    notes = []
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime):
        spots += [_spot(os.path.join(runtime, "bus"), "D-Bus session bus (Secret Service)"),
                  _spot(os.path.join(runtime, "keyring"), "GNOME keyring sockets")]
    bus = environ.get("DBUS_SESSION_BUS_ADDRESS", "")
    for part in bus.split(";"):
        if part.startswith("unix:path="):
            spots.append(_spot(part[len("unix:path="):].split(",")[0], "D-Bus session bus (Secret Service)"))
        elif part.startswith("unix:abstract="):
            notes.append("the D-Bus session bus is an abstract socket, which a sandbox sharing the network "
                         "cannot hide: the Secret Service stays reachable (use a path socket)")
    return spots, notes


def git_spots(project: str, *, create: bool = True) -> tuple[list[Spot], list[Spot]]:
    """(writable git dirs outside the project, read-only hooks dirs) for the repository holding it."""
    for parent in [project, *_parents(project)]:
        dotgit = os.path.join(parent, ".git")
        if os.path.isdir(dotgit):
            gitdirs = [dotgit]
            break
        if os.path.isfile(dotgit):  # a worktree: "gitdir: <path>", objects and hooks in the common dir
            gitdirs = _worktree_dirs(parent, dotgit)
            break
    else:
        return [], []
    writable = [_spot(d, "git repository") for d in gitdirs if not _under(os.path.realpath(d), project)]
    hooks = []
    for d in gitdirs[-1:]:  # hooks live in the common dir
        path = os.path.join(d, "hooks")
        with contextlib.suppress(OSError):
            if create:
                os.makedirs(path, exist_ok=True)  # a missing hooks dir could otherwise be created inside
        hooks.append(_spot(path, "git hooks"))
    return writable, hooks


def _worktree_dirs(parent: str, dotgit: str) -> list[str]:
    try:
        with open(dotgit, encoding="utf-8") as fh:
            line = fh.read().strip()
    except OSError:
        return []
    if not line.startswith("gitdir:"):
        return []
    gitdir = os.path.normpath(os.path.join(parent, line[len("gitdir:"):].strip()))
    dirs = [gitdir]
    try:
        with open(os.path.join(gitdir, "commondir"), encoding="utf-8") as fh:
            dirs.append(os.path.normpath(os.path.join(gitdir, fh.read().strip())))
    except OSError:
        pass
    return dirs


def _parents(path: str) -> list[str]:
    out = []
    while (up := os.path.dirname(path)) != path:
        out.append(up)
        path = up
    return out


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def code_spots() -> list[Spot]:
    """crane's installed code and the interpreter and libraries the hook client runs with."""
    import crane

    paths = {os.path.dirname(os.path.dirname(os.path.abspath(crane.__file__))), sys.prefix, sys.base_prefix,
             sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))}
    return [_spot(p, "crane's code and interpreter") for p in sorted(paths)]


def gather(
    *,
    environ: Mapping[str, str],
    project: str,
    bwrap: str,
    profile: Profile | None = None,
    settings: SandboxSettings | None = None,
    agent: str = "",
    agent_path: str | None = None,
    guard_socket_dir: str | None = None,
    guard_drop_dir: str | None = None,
    visible: Sequence[str] = (),
    session_writable: Sequence[str] = (),
    info_fd: int | None = None,
    create: bool = True,
) -> Layout:
    """The plan for one session.
    `create`: make crane's own dirs, the agent's dir and .git/hooks first (a launch does; preflight
    does not), so the agent cannot create them, unhidden, from inside."""
    settings = settings or SandboxSettings()
    home = os.path.realpath(environ.get("HOME") or os.path.expanduser("~"))
    project = os.path.realpath(project)
    where = profile.path if profile else "(defaults)"

    for own in (state_path(), cache_path(), config_path()) if create else ():
        os.makedirs(own, mode=0o700, exist_ok=True)  # missing, it could be created from inside
    state = _spot(state_path(), "crane's state (run state, audit log)")
    crane_dirs = [
        state,
        # Private scratch: the config module re-caches parsed TOML there, inside the session only.
        _spot(cache_path(), "crane's cache (parsed TOML, offline copies)", scratch=True),
        _spot(config_path(), "crane's configuration and profiles"),
    ]
    keyring, notes = keyring_spots(environ, home)
    dotenvs = []
    if profile is not None and profile.dotenv is not None:
        # Both environments' files: the other's must never be read; the session's own is hidden
        # too, because its values are already in the agent's environment and the file may hold more.
        dotenvs = [_spot(path, "the profile's dotenv files") for _env, path in sorted(profile.dotenv.files.items())]
    protected = {s.path for s in (*crane_dirs, *keyring, *dotenvs)}

    exposes = {os.path.realpath(_expand(e, home)): e for e in settings.expose if e != SSH_AGENT}
    stores, exposed = [], []
    for entry, why in CREDENTIAL_STORES:
        spot = _spot(_expand(entry, home), why)
        if spot.path in exposes:
            exposed.append(entry)
            del exposes[spot.path]
        else:
            stores.append(spot)
    for real, entry in exposes.items():
        if any(_under(real, p) for p in protected):
            raise ProfileError(where, f"sandbox.expose: {entry} is crane's own or a keyring or dotenv "
                                      "store and cannot be exposed")
        raise ProfileError(where, f"sandbox.expose: {entry} is not hidden by default, nothing to expose",
                           "hidden by default: " + ", ".join(e for e, _ in CREDENTIAL_STORES))

    hides = {os.path.realpath(_expand(e, home)) for e in settings.hide if e != SSH_AGENT}
    usable, extra = [], [_spot(p, "hidden by the profile") for p in sorted(hides)]
    for entry, why in EVERYDAY:
        spot = _spot(_expand(entry, home), why)
        if spot.path not in hides and spot.kind != "missing":
            usable.append(spot)
    passthrough = []
    ssh = environ.get("SSH_AUTH_SOCK", "")
    if os.path.isabs(ssh) and kind_of(ssh) != "missing":
        agent_sock = _spot(ssh, "SSH agent socket")
        if SSH_AGENT in settings.hide:
            extra.append(agent_sock)
        else:
            passthrough.append(agent_sock)
            usable.append(agent_sock)

    writable_paths = [_expand(p, home) for p in AGENT_WRITABLE]
    cache_home = _xdg(environ, "XDG_CACHE_HOME", home, ".cache")
    writable_paths.append(cache_home)
    if create and agent in ("claude", "codex", "gemini"):
        os.makedirs(os.path.join(home, f".{agent}"), exist_ok=True)  # under a read-only home it could not be made
    git_writable, hooks = git_spots(project, create=create)
    # The agent's program and what lies next to it, when it lives under the private /tmp (elsewhere
    # the read-only host shows it, or it is in the project, which must stay writable).
    program_dir = os.path.dirname(os.path.realpath(agent_path)) if agent_path and os.path.isabs(agent_path) else ""
    program = [_spot(program_dir, "the agent's program")] if program_dir and any(
        _under(program_dir, tmp) for tmp in ("/tmp", "/var/tmp")) and not _under(program_dir, project) else []
    writable = [_spot(p, "agent config and cache") for p in dict.fromkeys(writable_paths)] + git_writable
    hidden = [*crane_dirs, *keyring, *dotenvs, *stores, *extra]
    visible_spots = ([_spot(profile.path, "the profile")] if profile else []) + [
        _spot(p, "session file") for p in visible]
    if guard_socket_dir:  # the supervisor's socket: connectable, not replaceable
        visible_spots.append(_spot(guard_socket_dir, "the guard's socket directory"))
    if guard_drop_dir and os.path.isabs(guard_drop_dir):  # where the hook client drops alerts
        passthrough.append(_spot(guard_drop_dir, "the guard's alert drop directory"))
    # What the agent's adapter made for it and the client writes (Gemini's session home), even
    # inside crane's hidden state dir.
    passthrough += [_spot(p, "the agent's session home") for p in session_writable]

    if project == "/" or project == home or _under(home, project):
        notes.append(f"the project directory is {project}: all of it is writable from inside (except what is "
                     "hidden or read-only); start crane in the project's own directory")
    from crane.sandbox.seccomp import supported

    if _tiocsti_enabled() and not supported():  # elsewhere a seccomp filter blocks it (seccomp.py)
        notes.append("this kernel lets a program push keystrokes into its terminal (dev.tty.legacy_tiocsti=1): "
                     "a sandboxed agent could type into your shell after it exits; "
                     "set sysctl dev.tty.legacy_tiocsti=0")
    plan = SandboxPlan(
        bwrap=bwrap, home=home, home_kind=kind_of(home), project=project,
        writable=tuple(writable), readonly=tuple(code_spots() + hooks + program), hidden=tuple(hidden),
        visible=tuple(visible_spots), passthrough=tuple(passthrough),
        terminal_signals=tuple(name for name in ("INT", "QUIT")
                               if signal.getsignal(getattr(signal, f"SIG{name}")) is not signal.SIG_IGN),
        env_tool=_env_tool(), info_fd=info_fd,
    )
    return Layout(plan, usable=tuple(usable), exposed=tuple(exposed), notes=tuple(notes),
                  hidden_missing=tuple(s for s in hidden if s.kind == "missing"))


def _tiocsti_enabled() -> bool:
    try:
        with open("/proc/sys/dev/tty/legacy_tiocsti", encoding="ascii") as fh:
            return fh.read().strip() == "1"
    except OSError:
        return False


def _env_tool() -> str:
    import shutil

    return shutil.which("env", path="/usr/bin:/bin") or "/usr/bin/env"
