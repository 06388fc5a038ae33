"""Per-launch session directories, `<state_dir>/sessions/<run id>/`, and their pruning.

An agent adapter keeps what one launched session needs there (Claude Code's `--settings` file).
crane then execs the agent, so no crane process is left to clean up when the session ends:
instead the directory records its owner (the pid crane had, which the agent keeps across exec,
and that process's start time, which tells a reused pid apart), and every launch first removes
the directories of sessions that are over: owner gone, or no owner record and older than
STALE_AFTER_DAYS (directories from before owner records, or from a crash mid-write).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from crane.errors import CraneError
from crane.private import private_dir, write_private

SESSIONS = "sessions"
OWNER_FILE = "owner.json"
STALE_AFTER_DAYS = 7


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19].decode() if len(fields) > 19 else None  # field 22 of the whole line


def _alive(pid: int, start: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process now has that pid: compare start times below
    except OSError:
        return True  # cannot tell: keep
    if start is None:
        return True
    now = _start_time(pid)
    return now is None or now == start


def _over(directory: Path, now: float) -> bool:
    try:
        owner = json.loads((directory / OWNER_FILE).read_bytes())
        pid, start = owner["pid"], owner.get("start")
        if isinstance(pid, int) and not isinstance(pid, bool) and (start is None or isinstance(start, str)):
            return not _alive(pid, start)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        return now - directory.stat().st_mtime > STALE_AFTER_DAYS * 86400
    except OSError:
        return False


def prune_sessions(state_dir: str | os.PathLike[str], *, keep: str | None = None) -> list[str]:
    """Remove the directories of sessions that are over (never `keep`); the run ids removed."""
    root = Path(state_dir) / SESSIONS
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    removed = []
    now = time.time()
    for directory in entries:
        if directory.name == keep or directory.is_symlink() or not directory.is_dir():
            continue
        if _over(directory, now):
            shutil.rmtree(directory, ignore_errors=True)  # does not follow symlinks inside
            if not directory.exists():
                removed.append(directory.name)
    return removed


def session_dir(state_dir: str | os.PathLike[str], run_id: str) -> Path:
    """A private directory for this session, owned by this process (and the agent it becomes);
    sessions that are over are pruned first."""
    if not run_id or run_id in (".", "..") or "/" in run_id or os.sep in run_id or "\0" in run_id:
        raise CraneError(f"run id {run_id!r} cannot name a session directory", "unset CRANE_RUN_ID or use a plain id")
    prune_sessions(state_dir, keep=run_id)
    directory = Path(private_dir(Path(state_dir) / SESSIONS / run_id))
    owner = {"pid": os.getpid(), "start": _start_time(os.getpid())}
    write_private(directory / OWNER_FILE, json.dumps(owner).encode())
    return directory
