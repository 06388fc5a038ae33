"""Private files and directories: everything crane creates is 0700 (directories) or 0600 (files).

crane's state, cache and config name ventures, runs, commands and (encrypted) secrets; nobody
else on the machine has any business reading them. `os.makedirs(mode=...)` applies the mode to
the last directory only (intermediate ones get the umask's default), and `open(..., "w")` gives
0644 under a usual umask, so every place that creates something goes through here instead.

Standard library `os` only: the guard hook and `import crane` use it.
"""

from __future__ import annotations

import errno
import os

DIR_MODE = 0o700
FILE_MODE = 0o600
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def private_dir(path: str | os.PathLike[str]) -> str:
    """Create `path` and each missing parent as 0700; an existing directory is left as it is."""
    path = os.fspath(path)
    missing = []
    probe = os.path.abspath(path)
    while not os.path.isdir(probe):
        if os.path.lexists(probe):  # a file (or a dangling link) where a directory must be
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), probe)
        missing.append(probe)
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, DIR_MODE)
        except FileExistsError:
            if not os.path.isdir(directory):
                raise
    return path


def write_private(path: str | os.PathLike[str], data: bytes) -> None:
    """Write `data` to `path` (0600) all at once: readers see the old file or the new one."""
    path = os.fspath(path)
    private_dir(os.path.dirname(path) or ".")
    tmp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | _CLOEXEC | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:  # noqa: SIM105 (contextlib is one import more on the hot path)
            os.unlink(tmp)
        except OSError:
            pass
        raise
