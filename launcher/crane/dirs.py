"""When a directory crane writes cannot be used: one error that names the path, why, and the
variable that moves it (CRANE_STATE_DIR, CRANE_CACHE_DIR, XDG_*, HOME), never "a bug in crane".

A read-only home (a container, a sandbox, a CI runner), a state dir on a full disk or a path
whose parent is a file are the user's to fix, and the fix is usually one variable; so the error
says which one is in effect. Standard library only (the CLI's last-resort handler imports it).
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Mapping

from crane import paths
from crane.errors import CraneError

# kind -> (crane's own variable, the XDG variable under which the default lives)
_MOVED_BY: dict[str, tuple[str | None, str]] = {
    "state": ("CRANE_STATE_DIR", "XDG_STATE_HOME"),
    "cache": ("CRANE_CACHE_DIR", "XDG_CACHE_HOME"),
    "config": (None, "XDG_CONFIG_HOME"),
}
_REASONS = {
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of the path is a file, not a directory",
    errno.EEXIST: "exists and is not a directory",
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
}


class DirectoryError(CraneError):
    """A directory crane must write is not usable (exit 1)."""


def directory(kind: str) -> str:
    return {"state": paths.state_path, "cache": paths.cache_path, "config": paths.config_path}[kind]()


def reason(exc: OSError) -> str:
    known = _REASONS.get(exc.errno or 0)
    return known or exc.strerror or exc.__class__.__name__


def moved_by(kind: str, environ: Mapping[str, str] | None = None) -> str:
    """How to move this directory, naming the variable that is in effect."""
    env = os.environ if environ is None else environ
    own, xdg = _MOVED_BY[kind]
    if own and env.get(own, "").strip():
        return f"{own} is set to {env[own].strip()}: point it at a writable directory"
    if env.get(xdg, "").strip():
        where = f"the default is under {xdg}, set to {env[xdg].strip()}"
    else:
        where = f"the default is under HOME, {env.get('HOME') or '~'}"
    return f"set {own or xdg} to a writable directory ({where})"


def unusable(kind: str, exc: OSError, environ: Mapping[str, str] | None = None) -> DirectoryError:
    base = directory(kind)
    failed = os.fsdecode(exc.filename) if exc.filename is not None else base
    at = "" if failed == base else f" ({failed})"
    return DirectoryError(f"crane's {kind} directory {base} cannot be used: {reason(exc)}{at}",
                          f"make it writable, or {moved_by(kind, environ)}")


def probe(kind: str) -> DirectoryError | None:
    """Create the directory if needed and a file in it (removed at once); the error if that fails."""
    base = directory(kind)
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
        with tempfile.TemporaryFile(dir=base, prefix=".crane-probe-"):
            pass
    except OSError as exc:  # named as the directory: the probe file's random name is noise
        return unusable(kind, OSError(exc.errno, exc.strerror, base))
    return None


def from_os_error(exc: OSError) -> CraneError | None:
    """The CLI's last resort for an OSError that escaped: a clear error when it names a path."""
    if exc.filename is None:
        return None
    failed = os.path.abspath(os.fsdecode(exc.filename))
    for kind in _MOVED_BY:
        base = os.path.abspath(directory(kind))
        if failed == base or failed.startswith(base + os.sep):
            return unusable(kind, exc)
    return DirectoryError(f"cannot use {failed}: {reason(exc)}",
                          "check that the directory exists and that you may write to it")
