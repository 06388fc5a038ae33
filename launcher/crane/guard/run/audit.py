"""The audit log: one JSON line per guard decision in `<state_dir>/audit.jsonl`, and its readers.

Many hook processes append at once (parallel tool calls, several agents), so every line is
written with a single `write()` on a descriptor opened with O_APPEND: the kernel places each
write at the end as a whole and lines never interleave. Records are redacted by the caller
before they get here (the hook does it); nothing in this module sees a secret on purpose.

Readers (`list_runs`, `run_plan`, `read_audit`) back `crane runs` and `crane runs show RUN_ID`;
they skip lines they cannot parse instead of failing, because a log should stay readable after
a crash mid-write or a manual edit.

Hot path (every hook run appends): only os, time and json at import; `datetime` is imported by
the readers.
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
DECISIONS: tuple[Decision, ...] = ("allow", "ask", "deny", "intercepted")
MAX_FIELD = 4000  # characters kept of one text field (a heredoc can be huge)


def utc_now_iso() -> str:
    """ISO 8601 UTC with microseconds, e.g. 2026-08-01T12:00:00.123456Z (no datetime import)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1_000_000):06d}Z"


def clip(text: str, limit: int = MAX_FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 13] + "…[truncated]"


def encode_line(record: Mapping[str, Any]) -> bytes:
    # ensure_ascii: a lone surrogate from odd input must not make the write fail.
    return (json.dumps(record, ensure_ascii=True, separators=(",", ":"), default=str) + "\n").encode("ascii")


def append_jsonl(path: StrPath, record: Mapping[str, Any], *, extra_flags: int = 0) -> None:
    """Append one record as one line with one write; creates the file (0600) and its directory."""
    data = encode_line(record)
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, mode=0o700, exist_ok=True)
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | extra_flags
    fd = os.open(path, flags, 0o600)
    try:
        written = os.write(fd, data)
        if written != len(data):
            raise OSError(f"short write to {path} ({written} of {len(data)} bytes)")
    finally:
        os.close(fd)


def append_audit(state_dir: StrPath, record: Mapping[str, Any]) -> None:
    """Append one (already redacted) decision record to `<state_dir>/audit.jsonl`."""
    append_jsonl(os.path.join(os.fspath(state_dir), AUDIT_FILE), record)


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
    """Every well-formed record, in file order; only one run's when `run_id` is given."""
    for record in iter_jsonl(os.path.join(os.fspath(state_dir), AUDIT_FILE)):
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
    runs: dict[str, dict[str, Any]] = {}
    for record in read_audit(state_dir):
        run_id = record.get("run_id")
        if not isinstance(run_id, str):
            continue
        when = parse_time(record.get("time"))
        run = runs.setdefault(
            run_id,
            {"first": None, "last": None, "venture": None, "env": None, "counts": dict.fromkeys(DECISIONS, 0)},
        )
        if when is not None:
            if run["first"] is None or when < run["first"]:
                run["first"] = when
            if run["last"] is None or when > run["last"]:
                run["last"] = when
        for key in ("venture", "env"):
            if run[key] is None and isinstance(record.get(key), str):
                run[key] = record[key]
        decision = record.get("decision")
        if isinstance(decision, str):
            run["counts"][decision] = run["counts"].get(decision, 0) + 1
    summaries = [
        RunSummary(run_id, r["first"], r["last"], r["venture"], r["env"], r["counts"]) for run_id, r in runs.items()
    ]
    summaries.sort(key=lambda s: _sort_time(s.last, float("-inf")), reverse=True)
    return summaries


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
    """The intercepted writes of one run, in order: the plan of what the agent would have written."""

    def text(record: dict[str, Any], key: str) -> str | None:
        value = record.get(key)
        return value if isinstance(value, str) else None

    steps: list[tuple[int, PlanStep]] = []
    for index, record in enumerate(read_audit(state_dir, run_id)):
        if record.get("decision") != "intercepted":
            continue
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
