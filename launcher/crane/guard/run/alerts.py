"""Guard alerts: a hook failure is its own event, separate from anything the agent did wrong.

Every failure of the hook (error, deadline) is recorded as one JSON line in
`<state_dir>/alerts.jsonl`. When the state directory itself is the problem (unwritable, on a
broken mount), the line goes to a per-user fallback file in the system temp directory,
`crane-alerts-<uid>.jsonl`, so the failure is still on record. If the venture configures
`alert_webhook`, the alert is also POSTed there (JSON, 1 s timeout); a failed POST is recorded
as an alert of kind `webhook_failed` and otherwise ignored: alerting must never change the
hook's answer, which is already "blocked".

`read_alerts` merges both files for `crane alerts` and for preflight's "alerts in the last 24 h".
Nothing here prints; the hook shows `AlertOutcome.note` on stderr.
"""

from __future__ import annotations

import json
import os
import stat

from crane._record import Record
from crane.guard.run.audit import append_jsonl, iter_jsonl, parse_time, utc_now_iso

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from typing import Any

    from crane.guard.run.redact import Redactor

    StrPath = str | os.PathLike[str]

ALERTS_FILE = "alerts.jsonl"
WEBHOOK_TIMEOUT = 1.0

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
    """`<tmp>/crane-alerts-<uid>.jsonl`: where alerts go when the state dir cannot be written."""
    if temp_dir is None:
        import tempfile

        temp_dir = tempfile.gettempdir()
    return os.path.join(os.fspath(temp_dir), f"crane-alerts-{_uid_tag()}.jsonl")


def _trusted(path: str) -> bool:
    """A shared temp dir is writable by everyone: only use a regular file that is ours (or none)."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    getuid = getattr(os, "getuid", None)
    return stat.S_ISREG(st.st_mode) and (getuid is None or st.st_uid == getuid())


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
    if state_dir is not None:
        path = os.path.join(os.fspath(state_dir), ALERTS_FILE)
        try:
            append_jsonl(path, record)
            outcome.written_to = path
            return
        except OSError as exc:
            outcome.problems.append(f"cannot write {path}: {exc.strerror or exc}")
    try:
        path = fallback_alerts_path(temp_dir)
        if not _trusted(path):
            raise OSError(f"{path} is not a regular file owned by this user")
        # O_NOFOLLOW: a symlink planted in the shared temp dir must not redirect the write.
        append_jsonl(path, record, extra_flags=getattr(os, "O_NOFOLLOW", 0))
        outcome.written_to = path
    except OSError as exc:
        outcome.problems.append(f"cannot write the fallback alert file: {exc.strerror or exc}")


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


def read_alerts(
    state_dir: StrPath | None, since: datetime | None = None, *, temp_dir: StrPath | None = None
) -> list[AlertRecord]:
    """Alerts from the state dir and the temp fallback, oldest first.

    `since` must be timezone-aware (e.g. `datetime.now(timezone.utc) - timedelta(hours=24)`);
    records without a readable time are kept only when no `since` is given.
    """
    paths: list[str] = []
    if state_dir is not None:
        paths.append(os.path.join(os.fspath(state_dir), ALERTS_FILE))
    fallback = fallback_alerts_path(temp_dir)
    if _trusted(fallback) and fallback not in paths:  # ignore a file someone else planted
        paths.append(fallback)
    found: list[AlertRecord] = []
    for path in paths:
        for raw in iter_jsonl(path):
            when = parse_time(raw.get("time"))
            if since is not None and (when is None or when < since):
                continue

            def text(key: str, raw: dict[str, Any] = raw) -> str | None:
                value = raw.get(key)
                return value if isinstance(value, str) else None

            found.append(AlertRecord(
                time=when,
                kind=text("kind") or GUARD_ERROR,
                run_id=text("run_id"),
                tool=text("tool"),
                error=text("error") or "",
                venture=text("venture"),
                env=text("env"),
                source=path,
                raw=raw,
            ))
    found.sort(key=lambda a: a.time.timestamp() if a.time is not None else float("-inf"))
    return found


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
            with open(path, "rb") as fh:
                text = fh.read(65536).decode("utf-8", "replace")
            os.unlink(path)
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
