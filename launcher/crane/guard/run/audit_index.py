"""The audit log's index: what `crane runs` and `crane runs show` read instead of the whole log.

Kept in `<state_dir>/audit.index` (0600, `marshal`: it loads ten times faster than JSON, and a
million-line log has thousands of runs) by the readers; the hook never touches it, so a
tool call pays nothing for it. Per log file (identified by device and inode, which a rotation's
rename keeps, plus the file's first line, which tells a reused inode apart) it holds:

- `offset`: how far the file has been read (always the end of a complete line);
- `runs`: per run id, the decision counts, first and last time, venture and env, and `lo`/`hi`,
  the byte span from the start of the run's first line to the end of its last.

`AuditIndex.updated()` reads only the bytes appended since the last call, drops the files that
rotation deleted, and saves the result; a missing, corrupt or unwritable index only means more
reading (the index is a cache: it can make the readers faster, never different).
"""

from __future__ import annotations

import contextlib
import json
import marshal
import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from crane.guard.run.audit import AUDIT_FILE, INDEX_FILE, log_files

VERSION = 1
HEAD_BYTES = 256  # enough of the first line (its time has microseconds) to tell two files apart

StrPath = str | os.PathLike[str]
Run = dict[str, Any]


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _head(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read(HEAD_BYTES).decode("latin-1")


class AuditIndex:
    def __init__(self, state_dir: StrPath, files: dict[str, dict[str, Any]], order: list[str]) -> None:
        self.state_dir = os.fspath(state_dir)
        self.files = files  # key "dev:ino" -> {"path", "head", "offset", "runs"}
        self.order = order  # keys, oldest file first

    # -- building --------------------------------------------------------------------------------

    @classmethod
    def updated(cls, state_dir: StrPath) -> AuditIndex:
        state_dir = os.fspath(state_dir)
        index_path = os.path.join(state_dir, INDEX_FILE)
        stored = cls._load(index_path)
        files: dict[str, dict[str, Any]] = {}
        order: list[str] = []
        changed = False
        for path in log_files(os.path.join(state_dir, AUDIT_FILE)):
            try:
                st = os.stat(path)
                head = _head(path)
            except OSError:
                continue  # rotated away between the listing and now: its lines are gone
            key = f"{st.st_dev}:{st.st_ino}"
            found = stored.get(key)
            known = (found is not None and found["offset"] <= st.st_size
                     and head[: len(found["head"])] == found["head"])
            entry: dict[str, Any] = found if found is not None and known else {"head": "", "offset": 0, "runs": {}}
            if entry.get("path") != path:
                changed = True
            entry["path"] = path
            if entry["offset"] < st.st_size:
                cls._read_new(entry, path)
                entry["head"] = head[: min(HEAD_BYTES, entry["offset"])]
                changed = True
            files[key] = entry
            order.append(key)
        if set(files) != set(stored):
            changed = True
        index = cls(state_dir, files, order)
        if changed:
            index._save(index_path)
        return index

    @staticmethod
    def _load(index_path: str) -> dict[str, dict[str, Any]]:
        try:
            with open(index_path, "rb") as fh:
                data = marshal.loads(fh.read())  # noqa: S302  # our own file, in the private state dir
        except (OSError, EOFError, ValueError, TypeError):
            return {}
        files = data.get("files") if isinstance(data, dict) and data.get("version") == VERSION else None
        if not isinstance(files, dict):
            return {}
        good: dict[str, dict[str, Any]] = {}
        for key, entry in files.items():
            if (isinstance(entry, dict) and isinstance(entry.get("offset"), int) and isinstance(entry.get("head"), str)
                    and isinstance(entry.get("runs"), dict)):
                good[key] = entry
        return good

    def _save(self, index_path: str) -> None:
        from crane.private import write_private

        blob = marshal.dumps({"version": VERSION, "files": self.files})
        with contextlib.suppress(OSError):  # a read-only state dir: the next reader reads again
            write_private(index_path, blob)

    @staticmethod
    def _read_new(entry: dict[str, Any], path: str) -> None:
        """Fold the complete lines after `entry["offset"]` into the entry's runs."""
        runs: dict[str, Run] = entry["runs"]
        with open(path, "rb") as fh:
            fh.seek(entry["offset"])
            position = entry["offset"]
            for raw in fh:
                if not raw.endswith(b"\n"):
                    break  # a line still being written (or cut by a crash): read it next time
                start, position = position, position + len(raw)
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(record, dict) or not isinstance(record.get("run_id"), str):
                    continue
                run = runs.get(record["run_id"])
                if run is None:
                    run = runs[record["run_id"]] = {"first": None, "last": None, "first_ts": None, "last_ts": None,
                                                    "venture": None, "env": None, "counts": {}, "lo": start,
                                                    "hi": position}
                run["hi"] = position
                _fold(run, record)
            entry["offset"] = position

    # -- reading ---------------------------------------------------------------------------------

    def merged_runs(self) -> dict[str, Run]:
        """Each run's summary over all kept files (oldest file first for venture and env)."""
        merged: dict[str, Run] = {}
        for key in self.order:
            for run_id, run in self.files[key]["runs"].items():
                into = merged.get(run_id)
                if into is None:
                    merged[run_id] = {**run, "counts": dict(run["counts"])}
                    continue
                for name, count in run["counts"].items():
                    into["counts"][name] = into["counts"].get(name, 0) + count
                _widen(into, run["first"], run["first_ts"])
                _widen(into, run["last"], run["last_ts"])
                for name in ("venture", "env"):
                    if into[name] is None:
                        into[name] = run[name]
        return merged

    def records_of(self, run_id: str, decision: str | None = None) -> Iterator[dict[str, Any]]:
        """The run's records (only those with `decision`, if given), file order, oldest file first;
        reads only the byte span of each file that holds the run's lines."""
        for key in self.order:
            entry = self.files[key]
            run = entry["runs"].get(run_id)
            if run is None or (decision is not None and not run["counts"].get(decision)):
                continue
            try:
                with open(entry["path"], "rb") as fh:
                    fh.seek(run["lo"])
                    span = fh.read(run["hi"] - run["lo"])
            except OSError:
                continue
            for raw in span.splitlines():
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if (isinstance(record, dict) and record.get("run_id") == run_id
                        and (decision is None or record.get("decision") == decision)):
                    yield record


def _fold(run: Run, record: Mapping[str, Any]) -> None:
    when = record.get("time")
    _widen(run, when, _timestamp(when))
    for name in ("venture", "env"):
        if run[name] is None and isinstance(record.get(name), str):
            run[name] = record[name]
    decision = record.get("decision")
    if isinstance(decision, str):
        run["counts"][decision] = run["counts"].get(decision, 0) + 1


def _widen(run: Run, when: Any, ts: float | None) -> None:
    """Move the run's first/last time out to include `when`."""
    if ts is None:
        return
    if run["first_ts"] is None or ts < run["first_ts"]:
        run["first"], run["first_ts"] = when, ts
    if run["last_ts"] is None or ts > run["last_ts"]:
        run["last"], run["last_ts"] = when, ts
