"""The audit log: one JSON line per guard decision in `<state_dir>/audit.jsonl`, and its readers.

Many hook processes append at once (parallel tool calls, several agents), so every line is
written with a single `write()` on a descriptor opened with O_APPEND: the kernel places each
write at the end as a whole and lines never interleave. Records are redacted by the caller
before they get here (the hook does it); nothing in this module sees a secret on purpose.

Retention: when a write takes the file past its size cap, the writer rotates it under a lock
(`audit.jsonl` -> `audit.jsonl.1` -> ... -> `audit.jsonl.<keep>`, the oldest dropped). A hook
still holding the old file open appends to the renamed file, so no line is lost. Caps come from
CRANE_AUDIT_MAX_MB / CRANE_AUDIT_KEEP (defaults in DEFAULT_AUDIT_RETENTION; docs/configuration.md).

Readers (`list_runs`, `find_run`, `run_plan`, `read_audit`) back `crane runs` and `crane runs
show RUN_ID`; they skip lines they cannot parse instead of failing, because a log should stay
readable after a crash mid-write or a manual edit. `list_runs`, `find_run` and `run_plan` go
through an index (`audit.index`, kept by the readers, never by the hook): per log file, the
byte offset read so far and a summary per run (counts, first/last time, the byte span of its
lines). Each call reads only what was appended since the last one, so their cost follows the
number of runs and the size of one run, not the size of the log.

Hot path (every hook run appends): only os, time and json at import; `datetime`, `fcntl` and the
index are loaded by the readers and by the (rare) rotation.
"""

from __future__ import annotations

import json
import os
import time

from crane._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from datetime import datetime
    from typing import Any

    from crane.guard.model import Decision

    StrPath = str | os.PathLike[str]

AUDIT_FILE = "audit.jsonl"
INDEX_FILE = "audit.index"
DECISIONS: tuple[Decision, ...] = ("allow", "ask", "deny", "intercepted")
MAX_FIELD = 4000  # characters kept of one text field (a heredoc can be huge)
MB = 1024 * 1024


class Retention:
    """How big one log file may grow (0: no cap) and how many rotated files are kept."""

    __slots__ = ("max_bytes", "keep")

    def __init__(self, max_bytes: int, keep: int) -> None:
        self.max_bytes = max_bytes
        self.keep = keep

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], prefix: str, default: Retention) -> Retention:
        """`CRANE_<prefix>_MAX_MB` and `CRANE_<prefix>_KEEP`; a bad value is a ValueError naming the key."""
        max_bytes, keep = default.max_bytes, default.keep
        key = f"CRANE_{prefix}_MAX_MB"
        text = environ.get(key, "").strip()
        if text:
            try:
                value = float(text)
            except ValueError:
                value = -1.0
            if not value >= 0 or value == float("inf"):
                raise ValueError(f"{key} must be a number of megabytes >= 0 (0: no cap)")
            max_bytes = int(value * MB)
        key = f"CRANE_{prefix}_KEEP"
        text = environ.get(key, "").strip()
        if text:
            if not text.isdigit():
                raise ValueError(f"{key} must be a whole number >= 0 (rotated files kept)")
            keep = int(text)
        return cls(max_bytes, keep)


# About 30,000 tool calls per file at ~540 bytes a line; four files in all.
DEFAULT_AUDIT_RETENTION = Retention(16 * MB, 3)


def utc_now_iso() -> str:
    """ISO 8601 UTC with microseconds, e.g. 2026-08-01T12:00:00.123456Z (no datetime import)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1_000_000):06d}Z"


def clip(text: str, limit: int = MAX_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 13] + "…[truncated]"


def encode_line(record: Mapping[str, Any]) -> bytes:
    # ensure_ascii: a lone surrogate from odd input must not make the write fail.
    return (json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str) + "\n").encode("ascii")


def append_jsonl(path: StrPath, record: Mapping[str, Any], *, extra_flags: int = 0,
                 retention: Retention | None = None) -> None:
    """Append one record as one line with one write; creates the file (0600) and its directories
    (0700); rotates the file when this write took it past `retention.max_bytes`."""
    data = encode_line(record)
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent and not os.path.isdir(parent):
        from crane.private import private_dir

        private_dir(parent)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | extra_flags
    fd = os.open(path, flags, 0o600)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"short write to {path} ({written} of {len(data)} bytes)")
        size = os.fstat(fd).st_size
    finally:
        os.close(fd)
    if retention is not None and retention.max_bytes and size > retention.max_bytes:
        rotate(path, retention)


def generation(path: str, n: int) -> str:
    """The n-th rotated file of `path` (0 is the live file)."""
    return f"{path}.{n}" if n else path


def rotate(path: str, retention: Retention) -> None:
    """Shift `path` to `path.1` (and so on, the oldest dropped), if it is still over the cap.

    Under an exclusive lock on `path.lock`, so that of several writers that crossed the cap at
    once exactly one rotates; the others find the fresh file small and leave it.
    """
    lock = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        try:
            import fcntl

            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:  # no flock (Windows): rotation is best effort there
            pass
        try:
            if os.stat(path).st_size <= retention.max_bytes:
                return
        except FileNotFoundError:
            return
        if retention.keep == 0:
            os.unlink(path)
            return
        for n in range(retention.keep, 0, -1):
            try:  # noqa: SIM105 (contextlib is one import more; rotation runs inside a hook)
                os.replace(generation(path, n - 1), generation(path, n))
            except FileNotFoundError:
                pass
    finally:
        os.close(lock)  # closing releases the lock


def log_files(path: StrPath) -> list[str]:
    """`path` and its rotated files that exist, oldest first (found on disk, whatever the
    configured `keep` is now)."""
    path = os.fspath(path)
    directory, base = os.path.split(path)
    rotated: list[tuple[int, str]] = []
    try:
        names = os.listdir(directory or ".")
    except OSError:
        names = []
    for name in names:
        suffix = name[len(base) + 1:] if name.startswith(base + ".") else ""
        if suffix.isdigit() and suffix == str(int(suffix)) and int(suffix) > 0:
            rotated.append((int(suffix), os.path.join(directory, name)))
    files = [name for _, name in sorted(rotated, reverse=True)]
    if os.path.exists(path):
        files.append(path)
    return files


def append_audit(state_dir: StrPath, record: Mapping[str, Any], *, environ: Mapping[str, str] | None = None) -> None:
    """Append one (already redacted) decision record to `<state_dir>/audit.jsonl`, rotating it
    by the CRANE_AUDIT_* caps (a bad cap raises ValueError: the hook then blocks, loudly)."""
    retention = Retention.from_environ(os.environ if environ is None else environ, "AUDIT", DEFAULT_AUDIT_RETENTION)
    append_jsonl(os.path.join(os.fspath(state_dir), AUDIT_FILE), record, retention=retention)


# ---------------------------------------------------------------------------------------------
# Reading


def iter_jsonl(path: StrPath) -> Iterator[dict[str, Any]]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed by the with below; a missing file is no log)
    except FileNotFoundError:
        return
    with fh:
        for raw in fh:
            try:
                record = json.loads(raw)
            except ValueError:
                continue
            if isinstance(record, dict):
                yield record


def parse_time(value: Any) -> datetime | None:
    from datetime import datetime

    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _sort_time(when: datetime | None, missing: float) -> float:
    return when.timestamp() if when is not None else missing


def read_audit(state_dir: StrPath, run_id: str | None = None) -> Iterator[dict[str, Any]]:
    """Every well-formed record, oldest file first, in file order; one run's when `run_id` is
    given. A full scan: for a summary or one run's plan, use the indexed readers below."""
    for path in log_files(os.path.join(os.fspath(state_dir), AUDIT_FILE)):
        for record in iter_jsonl(path):
            if run_id is None or record.get("run_id") == run_id:
                yield record


class RunSummary(Record):
    __slots__ = ("run_id", "first", "last", "venture", "env", "counts")
    run_id: str
    first: datetime | None
    last: datetime | None
    venture: str | None
    env: str | None
    counts: Mapping[str, int]  # decision -> number of tool calls (all four decisions present)

    def __init__(self, run_id: str, first: datetime | None, last: datetime | None, venture: str | None,
                 env: str | None, counts: Mapping[str, int]) -> None:
        self._set(run_id=run_id, first=first, last=last, venture=venture, env=env, counts=dict(counts))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def list_runs(state_dir: StrPath) -> list[RunSummary]:
    """One summary per run id in the audit log, most recently active first."""
    return recent_runs(state_dir)[0]


def recent_runs(state_dir: StrPath, limit: int | None = None) -> tuple[list[RunSummary], int]:
    """The `limit` most recently active runs (all when None), and how many runs there are."""
    from crane.guard.run.audit_index import AuditIndex

    merged = AuditIndex.updated(state_dir).merged_runs()
    order = sorted(merged, key=lambda run_id: merged[run_id]["last_ts"] or float("-inf"), reverse=True)
    chosen = order if limit is None else order[:limit]
    return [_summary(run_id, merged[run_id]) for run_id in chosen], len(order)


def find_run(state_dir: StrPath, run_id: str) -> RunSummary | None:
    """The summary of one run, or None when the audit log (as kept) has no line of it."""
    from crane.guard.run.audit_index import AuditIndex

    run = AuditIndex.updated(state_dir).merged_runs().get(run_id)
    return _summary(run_id, run) if run is not None else None


def _summary(run_id: str, run: Mapping[str, Any]) -> RunSummary:
    counts: dict[str, int] = dict.fromkeys(DECISIONS, 0)
    counts.update(run["counts"])
    return RunSummary(run_id, parse_time(run["first"]), parse_time(run["last"]), run["venture"], run["env"], counts)


class PlanStep(Record):
    """One write the agent tried during a dry run, which crane intercepted."""

    __slots__ = ("time", "tool", "command", "target", "rule", "reason")
    time: datetime | None
    tool: str
    command: str
    target: str | None
    rule: str | None
    reason: str

    def __init__(self, time: datetime | None, tool: str, command: str, target: str | None, rule: str | None,
                 reason: str) -> None:
        self._set(time=time, tool=tool, command=command, target=target, rule=rule, reason=reason)


def run_plan(state_dir: StrPath, run_id: str) -> list[PlanStep]:
    """The intercepted writes of one run, in order: the plan of what the agent would have written.

    Reads only the byte span of each log file that holds the run's lines (from the index).
    """
    from crane.guard.run.audit_index import AuditIndex

    def text(record: dict[str, Any], key: str) -> str | None:
        value = record.get(key)
        return value if isinstance(value, str) else None

    steps: list[tuple[int, PlanStep]] = []
    for index, record in enumerate(AuditIndex.updated(state_dir).records_of(run_id, "intercepted")):
        step = PlanStep(
            time=parse_time(record.get("time")),
            tool=text(record, "tool") or "",
            command=text(record, "command") or "",
            target=text(record, "target"),
            rule=text(record, "rule"),
            reason=text(record, "reason") or "",
        )
        steps.append((index, step))
    # Concurrent hooks may append slightly out of order: time first, file order breaks ties.
    steps.sort(key=lambda item: (_sort_time(item[1].time, float("inf")), item[0]))
    return [step for _, step in steps]
