"""Guard alerts: a hook failure is its own event, separate from anything the agent did wrong.

Every failure of the hook (error, deadline) is recorded as one JSON line in
`<state_dir>/alerts.jsonl`. When the state directory itself is the problem (unwritable, on a
broken mount), the line goes to a per-user fallback in the system temp directory,
`<tmp>/crane-<uid>/alerts.jsonl` (a 0700 directory that must be ours and not a symlink), and
carries `state_dir`: the state dir it belongs to, so each state dir's readers see their own
alerts only. If the venture configures `alert_webhook`, the alert is also POSTed there (JSON,
1 s timeout); a failed POST is recorded as an alert of kind `webhook_failed` and otherwise
ignored: alerting must never change the hook's answer, which is already "blocked".

Both files rotate like the audit log (audit.py) by CRANE_ALERTS_MAX_MB / CRANE_ALERTS_KEEP
(defaults in DEFAULT_ALERTS_RETENTION).

`read_alerts` merges both files for `crane alerts` and for preflight's "alerts in the last 24 h",
reading each file from its end, so a `since` or a `limit` costs what it returns, not the size of
the files; `iter_alerts` streams everything in time order without holding it. Nothing here
prints; the hook shows `AlertOutcome.note` on stderr.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat

from crane._record import Record
from crane.guard.run.audit import MB, Retention, append_jsonl, iter_jsonl, log_files, parse_time, utc_now_iso

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from datetime import datetime
    from typing import Any

    from crane.guard.run.redact import Redactor

    StrPath = str | os.PathLike[str]

ALERTS_FILE = "alerts.jsonl"
WEBHOOK_TIMEOUT = 1.0
# Alerts are rare and small, tracebacks included (~4 KB): about 1,000 per file, three files.
DEFAULT_ALERTS_RETENTION = Retention(4 * MB, 2)
# Concurrent hooks append a little out of time order (at most about one deadline apart): a
# backwards read for `since` stops only at a record older than this much before it.
ORDER_SLACK_SECONDS = 60.0

# Alert kinds.
GUARD_ERROR = "guard_error"  # the hook raised (bad input, state store down, classifier crash, ...)
GUARD_TIMEOUT = "guard_timeout"  # the hook's own deadline fired
WEBHOOK_FAILED = "webhook_failed"  # an alert could not be POSTed to alert_webhook
CLIENT_ERROR = "client_error"  # the hook client could not get or trust the supervisor's answer
SUPERVISOR_DIED = "supervisor_died"  # the session's guard supervisor ended before the agent


def _uid_tag() -> str:
    getuid = getattr(os, "getuid", None)
    if getuid is not None:
        return str(getuid())
    return os.environ.get("USERNAME", "user")


def fallback_alerts_path(temp_dir: StrPath | None = None) -> str:
    """`<tmp>/crane-<uid>/alerts.jsonl`: where alerts go when the state dir cannot be written."""
    if temp_dir is None:
        import tempfile

        temp_dir = tempfile.gettempdir()
    return os.path.join(os.fspath(temp_dir), f"crane-{_uid_tag()}", ALERTS_FILE)


def _trusted(path: str) -> bool:
    """A shared temp dir is writable by everyone: only use a directory (and files in it) that
    is ours, private and no symlink; a missing one is fine (we create it)."""
    directory = os.path.dirname(path)
    getuid = getattr(os, "getuid", None)
    for item, want_dir in ((directory, True), (path, False)):
        try:
            st = os.lstat(item)
        except FileNotFoundError:
            return True
        kind_ok = stat.S_ISDIR(st.st_mode) if want_dir else stat.S_ISREG(st.st_mode)
        if not kind_ok or (getuid is not None and st.st_uid != getuid()):
            return False
        if want_dir and getuid is not None and st.st_mode & 0o077:
            return False
    return True


def _same_dir(a: StrPath, b: StrPath) -> bool:
    return os.path.normpath(os.path.abspath(os.fspath(a))) == os.path.normpath(os.path.abspath(os.fspath(b)))


def _retention() -> tuple[Retention, str | None]:
    try:
        return Retention.from_environ(os.environ, "ALERTS", DEFAULT_ALERTS_RETENTION), None
    except ValueError as exc:  # a bad cap must not cost the alert: defaults, and say so
        return DEFAULT_ALERTS_RETENTION, str(exc)


class AlertOutcome:
    __slots__ = ("record", "written_to", "problems")

    def __init__(self, record: dict[str, Any]) -> None:
        self.record = record
        self.written_to: str | None = None
        self.problems: list[str] = []  # what went wrong while alerting

    @property
    def note(self) -> str:
        """One line for stderr: where the alert is, and any trouble raising it."""
        where = f"alert recorded in {self.written_to}" if self.written_to else "alert could NOT be recorded"
        return "; ".join([where, *self.problems])


def build_alert(
    *,
    kind: str,
    error: str,
    run_id: str | None,
    tool: str | None,
    venture: str | None,
    env: str | None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "time": utc_now_iso(),
        "kind": kind,
        "run_id": run_id,
        "tool": tool,
        "error": error,
        "venture": venture,
        "env": env,
        "pid": os.getpid(),
    }
    if extra:
        record.update(extra)
    return record


def raise_alert(
    record: Mapping[str, Any],
    *,
    state_dir: StrPath | None,
    redactor: Redactor,
    webhook: str | None = None,
    webhook_timeout: float = WEBHOOK_TIMEOUT,
    temp_dir: StrPath | None = None,
) -> AlertOutcome:
    """Record an alert (state dir, else the temp fallback) and POST it to the webhook if set.

    Never raises for I/O trouble: problems are collected in the outcome.
    """
    clean: dict[str, Any] = redactor.redact_obj(dict(record))
    outcome = AlertOutcome(clean)
    _write(outcome, clean, state_dir, temp_dir)
    if webhook:
        problem = post_webhook(webhook, clean, timeout=webhook_timeout)
        if problem:
            problem = redactor.redact(problem)
            outcome.problems.append(f"alert webhook failed: {problem}")
            note = build_alert(
                kind=WEBHOOK_FAILED,
                error=problem,
                run_id=clean.get("run_id"),
                tool=clean.get("tool"),
                venture=clean.get("venture"),
                env=clean.get("env"),
                extra={"alert_time": clean.get("time")},
            )
            _write(AlertOutcome(note), note, state_dir, temp_dir)
    return outcome


def _write(outcome: AlertOutcome, record: Mapping[str, Any], state_dir: StrPath | None,
           temp_dir: StrPath | None) -> None:
    retention, problem = _retention()
    if problem:
        outcome.problems.append(problem)
    if state_dir is not None:
        path = os.path.join(os.fspath(state_dir), ALERTS_FILE)
        try:
            append_jsonl(path, record, retention=retention)
            outcome.written_to = path
            return
        except OSError as exc:
            if os.path.exists(path) and outcome.written_to is None and _written(path, record):
                outcome.written_to = path  # the line is there; only the rotation failed
                outcome.problems.append(f"cannot rotate {path}: {exc.strerror or exc}")
                return
            outcome.problems.append(f"cannot write {path}: {exc.strerror or exc}")
    try:
        path = fallback_alerts_path(temp_dir)
        if not _trusted(path):
            raise OSError(f"{os.path.dirname(path)} is not a private directory owned by this user")
        directory = os.path.dirname(path)
        if not os.path.isdir(directory):
            os.mkdir(directory, 0o700)
        # Which state dir the line belongs to: its readers (and only they) show it.
        attributed = {**record, "state_dir": os.path.abspath(os.fspath(state_dir)) if state_dir is not None else None}
        # O_NOFOLLOW: a symlink planted in the directory must not redirect the write.
        append_jsonl(path, attributed, extra_flags=getattr(os, "O_NOFOLLOW", 0), retention=retention)
        outcome.written_to = path
    except OSError as exc:
        outcome.problems.append(f"cannot write the fallback alert file: {exc.strerror or exc}")


def _written(path: str, record: Mapping[str, Any]) -> bool:
    """Whether `record` is the last line of `path` (an append that worked before a failed rotation)."""
    from crane.guard.run.audit import encode_line

    line = encode_line(record)
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.fstat(fh.fileno()).st_size - len(line)))
            return fh.read() == line
    except OSError:
        return False


def post_webhook(url: str, record: Mapping[str, Any], *, timeout: float = WEBHOOK_TIMEOUT) -> str | None:
    """POST the alert as JSON; the problem as text, or None on a 2xx answer."""
    # Imported here: urllib.request pulls in http, email and ssl, ~20 ms the hook only pays
    # when something has already gone wrong.
    import urllib.error
    import urllib.request

    if not url.lower().startswith(("http://", "https://")):
        return "alert_webhook must be an http(s) URL"
    body = json.dumps({"source": "crane-guard", **record}, default=str).encode("utf-8")
    request = urllib.request.Request(  # noqa: S310 (http(s) only, checked above)
        url, data=body, method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "crane-guard"},
    )
    try:
        with urllib.request.urlopen(request, timeout=max(timeout, 0.05)) as response:  # noqa: S310
            status = int(getattr(response, "status", 200))
            if not 200 <= status < 300:
                return f"HTTP {status}"
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        return f"{type(exc).__name__}: {reason}"
    return None


# ---------------------------------------------------------------------------------------------
# Reading


class AlertRecord(Record):
    __slots__ = ("time", "kind", "run_id", "tool", "error", "venture", "env", "source", "raw")
    time: datetime | None
    kind: str
    run_id: str | None
    tool: str | None
    error: str
    venture: str | None
    env: str | None
    source: str  # the file it came from
    raw: Mapping[str, Any]

    def __init__(self, time: datetime | None, kind: str, run_id: str | None, tool: str | None, error: str,
                 venture: str | None, env: str | None, source: str, raw: Mapping[str, Any]) -> None:
        self._set(time=time, kind=kind, run_id=run_id, tool=tool, error=error, venture=venture, env=env,
                  source=source, raw=raw)

    @classmethod
    def of(cls, raw: dict[str, Any], source: str) -> AlertRecord:
        def text(key: str) -> str | None:
            value = raw.get(key)
            return value if isinstance(value, str) else None

        return cls(time=parse_time(raw.get("time")), kind=text("kind") or GUARD_ERROR, run_id=text("run_id"),
                   tool=text("tool"), error=text("error") or "", venture=text("venture"), env=text("env"),
                   source=source, raw=raw)


def _sources(state_dir: StrPath | None, temp_dir: StrPath | None) -> list[tuple[list[str], str | None]]:
    """(files oldest first, the state dir a fallback line must name) for the state dir and the
    fallback; a fallback someone else planted is ignored."""
    sources: list[tuple[list[str], str | None]] = []
    own = os.path.join(os.fspath(state_dir), ALERTS_FILE) if state_dir is not None else None
    if own is not None:
        sources.append((log_files(own), None))
    fallback = fallback_alerts_path(temp_dir)
    if _trusted(fallback) and fallback != own:
        sources.append((log_files(fallback), os.fspath(state_dir) if state_dir is not None else None))
    return sources


def _belongs(raw: Mapping[str, Any], state_dir: str | None) -> bool:
    """A fallback line is shown for the state dir it names (lines without one: for every one)."""
    named = raw.get("state_dir")
    return state_dir is None or not isinstance(named, str) or _same_dir(named, state_dir)


def _lines_backwards(path: str, block: int = 64 * 1024) -> Iterator[bytes]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:
        return
    with fh:
        position = fh.seek(0, os.SEEK_END)
        rest = b""
        while position > 0:
            size = min(block, position)
            position -= size
            fh.seek(position)
            lines = (fh.read(size) + rest).split(b"\n")
            rest = lines[0]
            for line in reversed(lines[1:]):
                if line:
                    yield line
        if rest:
            yield rest


def _newest_first(files: list[str], fallback_for: str | None) -> Iterator[AlertRecord]:
    for path in reversed(files):
        for line in _lines_backwards(path):
            try:
                raw = json.loads(line)
            except ValueError:
                continue
            if isinstance(raw, dict) and (fallback_for is None or _belongs(raw, fallback_for)):
                yield AlertRecord.of(raw, path)


def _sort_key(a: AlertRecord) -> float:
    return a.time.timestamp() if a.time is not None else float("-inf")


def read_alerts(
    state_dir: StrPath | None, since: datetime | None = None, *, temp_dir: StrPath | None = None,
    limit: int | None = None,
) -> list[AlertRecord]:
    """Alerts from the state dir and the temp fallback, oldest first: those since `since`, and
    of them the newest `limit`. Files are read from their end and only as far as needed.

    `since` must be timezone-aware (e.g. `datetime.now(timezone.utc) - timedelta(hours=24)`);
    records without a readable time are kept only when no `since` is given.
    """
    found: list[AlertRecord] = []
    floor = since.timestamp() - ORDER_SLACK_SECONDS if since is not None else None
    for files, fallback_for in _sources(state_dir, temp_dir):
        taken = 0
        for alert in _newest_first(files, fallback_for):
            if since is not None and floor is not None:
                if alert.time is None:
                    continue
                if alert.time < since:
                    if alert.time.timestamp() < floor:
                        break  # everything before this is older still (give or take the slack)
                    continue
            found.append(alert)
            taken += 1
            if limit is not None and taken >= limit:
                break
    found.sort(key=_sort_key)
    return found[-limit:] if limit is not None and limit > 0 else found


def iter_alerts(state_dir: StrPath | None, *, temp_dir: StrPath | None = None) -> Iterator[AlertRecord]:
    """Every alert of the state dir (and its fallback lines), in time order, streamed: memory does
    not grow with the number of alerts."""
    import heapq

    def forward(files: list[str], fallback_for: str | None) -> Iterator[AlertRecord]:
        for path in files:
            for raw in iter_jsonl(path):
                if fallback_for is None or _belongs(raw, fallback_for):
                    yield AlertRecord.of(raw, path)

    streams = [forward(files, fallback_for) for files, fallback_for in _sources(state_dir, temp_dir)]
    yield from heapq.merge(*streams, key=_sort_key)


def count_alerts(state_dir: StrPath | None, since: datetime, *, cap: int = 1000,
                 temp_dir: StrPath | None = None) -> int:
    """How many alerts since `since`, counting at most `cap` (preflight says "cap or more")."""
    return len(read_alerts(state_dir, since, temp_dir=temp_dir, limit=cap))


class _NotAFile(Exception):
    """A drop-dir entry that is not a plain file (a symlink, a FIFO, a device)."""


def _read_dropped(path: str) -> str:
    """At most 64 KiB of a dropped alert, never following a symlink nor waiting on a FIFO."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _NotAFile from exc
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _NotAFile
        return os.read(fd, 65536).decode("utf-8", "replace")
    finally:
        os.close(fd)


def import_dropped(
    drop_dir: StrPath,
    *,
    state_dir: StrPath | None,
    redactor: Redactor,
    run_id: str | None,
    venture: str | None,
    env: str | None,
    webhook: str | None = None,
) -> int:
    """File the alerts hook clients dropped into `drop_dir` (client.drop_alert); returns how many.

    They are marked `client_reported`: the drop dir is writable from inside the agent's sandbox,
    so its contents are the client's word (a forged one can only add an alert, never remove one).
    """
    try:
        names = sorted(n for n in os.listdir(drop_dir) if n.endswith(".alert"))
    except OSError:
        return 0
    count = 0
    for name in names:
        path = os.path.join(os.fspath(drop_dir), name)
        try:
            text = _read_dropped(path)
            os.unlink(path)
        except _NotAFile:
            # A symlink would have us read, and `op=status` hand back, a file hidden from the sandbox;
            # a FIFO would block this process (and crane after the session) for good. Neither is
            # read; each is removed and reported.
            with contextlib.suppress(OSError):
                os.unlink(path)
            text = "error=(a dropped alert that is not a regular file, not read)\n"
        except OSError:
            continue
        fields = dict(line.partition("=")[::2] for line in text.splitlines() if "=" in line)
        record = build_alert(kind=CLIENT_ERROR, error=fields.get("error", "(no reason given)")[:2000],
                             run_id=run_id, tool=None, venture=venture, env=env,
                             extra={"client_reported": True, "agent": fields.get("agent", "")[:40],
                                    "client_time_ns": fields.get("time_ns", "")[:30]})
        raise_alert(record, state_dir=state_dir, redactor=redactor, webhook=webhook)
        count += 1
    return count
