"""State that lasts: the audit log and the alerts rotate by size, their readers cost what they
return (not the size of the log), and the temp-dir fallback is private and attributed.

"Cost" is measured as bytes the process read (Linux `/proc/self/io` rchar), never as time: a
reader that rescans the log reads the whole file again, whatever the machine's speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from crane.guard.run.alerts import (
    ALERTS_FILE,
    GUARD_ERROR,
    build_alert,
    count_alerts,
    fallback_alerts_path,
    iter_alerts,
    raise_alert,
    read_alerts,
)
from crane.guard.run.audit import (
    AUDIT_FILE,
    INDEX_FILE,
    MB,
    append_audit,
    find_run,
    list_runs,
    log_files,
    read_audit,
    run_plan,
)
from crane.guard.run.redact import Redactor

from .conftest import LAUNCHER

T = TypeVar("T")


def line(run_id: str, decision: str, n: int, *, when: datetime | None = None, pad: int = 0) -> dict[str, Any]:
    when = when or datetime(2026, 8, 1, tzinfo=UTC) + timedelta(seconds=n)
    return {"time": when.isoformat().replace("+00:00", "Z"), "run_id": run_id, "tool": "Bash",
            "command": f"cmd {n}" + "x" * pad, "decision": decision, "venture": "demo", "env": "dev",
            "rule": "wrangler.r2.object.put" if decision == "intercepted" else None, "target": "unknown",
            "reason": f"reason {n}"}


def oracle_runs(state: Path) -> dict[str, dict[str, int]]:
    """What a full scan says: per run, decision counts."""
    runs: dict[str, dict[str, int]] = {}
    for record in read_audit(state):
        counts = runs.setdefault(record["run_id"], {})
        counts[record["decision"]] = counts.get(record["decision"], 0) + 1
    return runs


def indexed_runs(state: Path) -> dict[str, dict[str, int]]:
    return {r.run_id: {k: v for k, v in r.counts.items() if v} for r in list_runs(state)}


def env_caps(max_mb: float, keep: int, prefix: str = "AUDIT") -> dict[str, str]:
    return {f"CRANE_{prefix}_MAX_MB": str(max_mb), f"CRANE_{prefix}_KEEP": str(keep)}


# ---------------------------------------------------------------------------------------------
# Rotation


def test_the_audit_log_rotates_at_its_cap_and_keeps_that_many_files(tmp_path: Path) -> None:
    state = tmp_path / "state"
    caps = env_caps(0.01, 2)  # ~10 KB per file, two rotated files
    for n in range(200):  # ~40 KB in all
        append_audit(state, line("r1", "allow", n, pad=100), environ=caps)
    files = log_files(state / AUDIT_FILE)
    assert [Path(f).name for f in files] == ["audit.jsonl.2", "audit.jsonl.1", "audit.jsonl"]
    for f in files[:-1]:
        assert 0.01 * MB < os.path.getsize(f) < 0.01 * MB + 400  # rotated just past the cap
    kept = [json.loads(raw)["command"] for f in files for raw in Path(f).read_bytes().splitlines()]
    numbers = [int(c.split()[1].rstrip("x")) for c in kept]
    assert numbers == list(range(numbers[0], 200))  # the newest lines, in order, none lost in between
    assert numbers[0] > 0  # and the oldest were dropped


def test_no_cap_means_no_rotation(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for n in range(50):
        append_audit(state, line("r1", "allow", n, pad=500), environ=env_caps(0, 1))
    assert log_files(state / AUDIT_FILE) == [str(state / AUDIT_FILE)]


def test_keep_zero_starts_the_log_over(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for n in range(100):
        append_audit(state, line("r1", "allow", n, pad=200), environ=env_caps(0.005, 0))
    assert log_files(state / AUDIT_FILE) == [str(state / AUDIT_FILE)]
    assert os.path.getsize(state / AUDIT_FILE) <= 0.005 * MB + 400


@pytest.mark.parametrize(("key", "value"), [("CRANE_AUDIT_MAX_MB", "lots"), ("CRANE_AUDIT_MAX_MB", "-1"),
                                            ("CRANE_AUDIT_MAX_MB", "nan"), ("CRANE_AUDIT_KEEP", "two"),
                                            ("CRANE_AUDIT_KEEP", "-1")])
def test_a_bad_cap_is_an_error_naming_the_key(tmp_path: Path, key: str, value: str) -> None:
    with pytest.raises(ValueError, match=key):
        append_audit(tmp_path, line("r", "allow", 1), environ={key: value})


def test_defaults_are_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    from crane.guard.run.alerts import DEFAULT_ALERTS_RETENTION
    from crane.guard.run.audit import DEFAULT_AUDIT_RETENTION

    for prefix, retention in (("AUDIT", DEFAULT_AUDIT_RETENTION), ("ALERTS", DEFAULT_ALERTS_RETENTION)):
        assert f"CRANE_{prefix}_MAX_MB" in doc and f"CRANE_{prefix}_KEEP" in doc
        assert f"| `CRANE_{prefix}_MAX_MB` | {retention.max_bytes // MB} |" in doc
        assert f"| `CRANE_{prefix}_KEEP` | {retention.keep} |" in doc


WRITER = """
import sys
from crane.guard.run.audit import append_audit
writer, count = sys.argv[1], int(sys.argv[2])
caps = {"CRANE_AUDIT_MAX_MB": "0.02", "CRANE_AUDIT_KEEP": "1000"}
for i in range(count):
    append_audit(sys.argv[3], {"run_id": "r" + writer, "decision": "allow", "i": i, "pad": "p" * 200}, environ=caps)
"""


def test_writers_crossing_the_cap_together_lose_no_line(tmp_path: Path) -> None:
    # Four processes append at once and keep crossing a small cap: exactly one rotates each time
    # (under the lock), so with room for every file, every line is in exactly one of them.
    state = tmp_path / "state"
    env = {**os.environ, "PYTHONPATH": str(LAUNCHER)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(w), "300", str(state)], env=env)
             for w in range(4)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0, 0, 0]
    files = log_files(state / AUDIT_FILE)
    assert len(files) > 4  # it did rotate, many times
    seen = sorted((r["run_id"], r["i"]) for r in read_audit(state))
    assert seen == sorted((f"r{w}", i) for w in range(4) for i in range(300))


def test_alerts_rotate_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in env_caps(0.005, 1, "ALERTS").items():
        monkeypatch.setenv(key, value)
    for n in range(60):
        raise_alert(build_alert(kind=GUARD_ERROR, error=f"boom {n} " + "e" * 200, run_id="r", tool="Bash",
                                venture=None, env=None), state_dir=tmp_path, redactor=Redactor(), temp_dir=tmp_path)
    assert [Path(f).name for f in log_files(tmp_path / ALERTS_FILE)] == ["alerts.jsonl.1", "alerts.jsonl"]
    newest = read_alerts(tmp_path, temp_dir=tmp_path, limit=1)
    assert newest[0].error.startswith("boom 59 ")


def test_a_bad_alerts_cap_still_records_the_alert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRANE_ALERTS_MAX_MB", "huge")
    outcome = raise_alert(build_alert(kind=GUARD_ERROR, error="boom", run_id="r", tool=None, venture=None, env=None),
                          state_dir=tmp_path, redactor=Redactor(), temp_dir=tmp_path)
    assert outcome.written_to == str(tmp_path / ALERTS_FILE)
    assert "CRANE_ALERTS_MAX_MB" in outcome.note


# ---------------------------------------------------------------------------------------------
# The index: same answers as a full scan, through appends, rotations and damage


def test_index_agrees_with_a_full_scan_through_appends_and_rotations(tmp_path: Path) -> None:
    state = tmp_path / "state"
    caps = env_caps(0.004, 3)
    decisions = ["allow", "ask", "deny", "intercepted"]
    for n in range(400):
        append_audit(state, line(f"run-{n % 7}", decisions[n % 4], n, pad=20), environ=caps)
        if n % 37 == 0:  # a reader now and then, between rotations
            assert indexed_runs(state) == oracle_runs(state)
    assert len(log_files(state / AUDIT_FILE)) == 4
    assert indexed_runs(state) == oracle_runs(state)
    for run_id in (f"run-{k}" for k in range(7)):
        expected = [r["command"] for r in read_audit(state, run_id) if r["decision"] == "intercepted"]
        assert [s.command for s in run_plan(state, run_id)] == expected
    assert find_run(state, "run-3") is not None and find_run(state, "nope") is None


def test_index_survives_a_line_being_written_and_a_corrupt_index(tmp_path: Path) -> None:
    state = tmp_path / "state"
    append_audit(state, line("r1", "intercepted", 1), environ={})
    with open(state / AUDIT_FILE, "ab") as fh:
        fh.write(b'{"run_id": "r1", "decision": "inter')  # a writer mid-line
    assert indexed_runs(state) == {"r1": {"intercepted": 1}}
    with open(state / AUDIT_FILE, "ab") as fh:
        fh.write(b'cepted", "time": "2026-08-01T00:00:09Z"}\n')
    assert indexed_runs(state) == {"r1": {"intercepted": 2}}
    (state / INDEX_FILE).write_text("{ not json")
    assert indexed_runs(state) == {"r1": {"intercepted": 2}}
    (state / INDEX_FILE).write_text(json.dumps({"version": 1, "files": {"1:2": {"offset": "x"}}}))
    assert indexed_runs(state) == {"r1": {"intercepted": 2}}


def test_a_new_file_on_a_reused_inode_is_read_from_its_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for n in range(5):
        append_audit(state, line("old", "allow", n), environ={})
    assert indexed_runs(state) == {"old": {"allow": 5}}
    # Replace the log in place (same inode): the index must notice by the first line.
    with open(state / AUDIT_FILE, "r+b") as fh:
        fh.truncate(0)
        for n in range(7):
            fh.write((json.dumps(line("new", "deny", 100 + n)) + "\n").encode())
    assert indexed_runs(state) == {"new": {"deny": 7}}


def test_index_and_logs_are_private(tmp_path: Path) -> None:
    state = tmp_path / "state"
    for n in range(50):
        append_audit(state, line("r", "allow", n, pad=200), environ=env_caps(0.005, 2))
    list_runs(state)
    for path in state.iterdir():
        expected = 0o700 if path.is_dir() else 0o600
        assert path.stat().st_mode & 0o777 == expected, path


# ---------------------------------------------------------------------------------------------
# Cost: bytes read, not seconds


def _bytes_read(call: Callable[[], T]) -> tuple[T, int]:
    io = Path("/proc/self/io")
    if not io.exists():
        pytest.skip("needs Linux /proc/self/io to count the bytes a reader reads")

    def rchar() -> int:
        return int(next(ln for ln in io.read_text().splitlines() if ln.startswith("rchar:")).split()[1])

    before = rchar()
    result = call()
    return result, rchar() - before


@pytest.fixture
def big_log(tmp_path: Path) -> Path:
    """~20 MB of audit log: 500 runs of 80 calls, one small dry run in the middle."""
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    start = datetime(2026, 8, 1, tzinfo=UTC)
    with open(state / AUDIT_FILE, "w") as fh:
        n = 0
        for run in range(500):
            run_id = "dry" if run == 250 else f"run-{run}"
            for call in range(80):
                decision = "intercepted" if run_id == "dry" and call % 8 == 0 else "allow"
                fh.write(json.dumps(line(run_id, decision, n, when=start + timedelta(seconds=n), pad=380)) + "\n")
                n += 1
    return state


def test_readers_read_what_is_new_not_the_whole_log(big_log: Path) -> None:
    size = os.path.getsize(big_log / AUDIT_FILE)
    assert size > 15 * MB
    first, _ = _bytes_read(lambda: list_runs(big_log))  # builds the index: one full read
    again, read = _bytes_read(lambda: list_runs(big_log))
    assert again == first and len(again) == 500
    assert read < size / 20, read  # the index, not the log
    append_audit(big_log, line("run-new", "ask", 999_999), environ={})
    runs, read = _bytes_read(lambda: list_runs(big_log))
    assert runs[0].run_id == "run-new" and read < size / 20
    plan, read = _bytes_read(lambda: run_plan(big_log, "dry"))
    assert len(plan) == 10 and read < size / 20  # the dry run's span, not the log
    assert find_run(big_log, "run-499") is not None


def _alerts_file(state: Path, count: int, *, start: datetime) -> None:
    state.mkdir(parents=True, exist_ok=True)
    with open(state / ALERTS_FILE, "w") as fh:
        for n in range(count):
            record = build_alert(kind=GUARD_ERROR, error=f"boom {n} " + "e" * 300, run_id=f"r{n}", tool="Bash",
                                 venture=None, env=None)
            record["time"] = (start + timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
            fh.write(json.dumps(record) + "\n")


def test_alert_readers_read_from_the_end(tmp_path: Path) -> None:
    state = tmp_path / "state"
    now = datetime.now(UTC)
    count = 40_000
    _alerts_file(state, count, start=now - timedelta(seconds=count - 1) - timedelta(days=2))  # ~15 MB, all old
    with open(state / ALERTS_FILE, "a") as fh:  # and three within the last day
        for n in range(3):
            record = build_alert(kind=GUARD_ERROR, error=f"recent {n}", run_id="r", tool=None, venture=None, env=None)
            fh.write(json.dumps(record) + "\n")
    size = os.path.getsize(state / ALERTS_FILE)
    recent, read = _bytes_read(lambda: read_alerts(state, now - timedelta(hours=24), temp_dir=tmp_path))
    assert [a.error for a in recent] == ["recent 0", "recent 1", "recent 2"]
    assert read < size / 20
    counted, read = _bytes_read(lambda: count_alerts(state, now - timedelta(hours=24), temp_dir=tmp_path))
    assert counted == 3 and read < size / 20
    newest, read = _bytes_read(lambda: read_alerts(state, temp_dir=tmp_path, limit=5))
    assert [a.error for a in newest][-1] == "recent 2" and len(newest) == 5 and read < size / 20
    capped = count_alerts(state, now - timedelta(days=30), cap=100, temp_dir=tmp_path)
    assert capped == 100


def test_iter_alerts_streams_everything_in_time_order(tmp_path: Path) -> None:
    state = tmp_path / "state"
    _alerts_file(state, 50, start=datetime(2026, 1, 1, tzinfo=UTC))
    stream: Iterator[Any] = iter_alerts(state, temp_dir=tmp_path)
    assert not isinstance(stream, list)
    times = [a.time for a in stream]
    assert len(times) == 50 and times == sorted(times)


# ---------------------------------------------------------------------------------------------
# The temp-dir fallback: per user, attributed to its state dir


def test_fallback_lines_belong_to_their_state_dir(tmp_path: Path) -> None:
    broken = []
    for name in ("a", "b"):
        blocker = tmp_path / f"blocker-{name}"
        blocker.write_text("")
        broken.append(blocker / "state")
        raise_alert(build_alert(kind=GUARD_ERROR, error=f"from {name}", run_id=name, tool=None, venture=None,
                                env=None), state_dir=blocker / "state", redactor=Redactor(), temp_dir=tmp_path)
    assert [a.error for a in read_alerts(broken[0], temp_dir=tmp_path)] == ["from a"]
    assert [a.error for a in read_alerts(broken[1], temp_dir=tmp_path)] == ["from b"]
    [alert] = read_alerts(broken[1], temp_dir=tmp_path)
    assert alert.source == fallback_alerts_path(tmp_path)
    # A line from before attribution (no state_dir) is shown for every state dir.
    fallback = Path(fallback_alerts_path(tmp_path))
    with open(fallback, "a") as fh:
        fh.write(json.dumps(build_alert(kind=GUARD_ERROR, error="unattributed", run_id=None, tool=None,
                                        venture=None, env=None)) + "\n")
    assert "unattributed" in [a.error for a in read_alerts(broken[0], temp_dir=tmp_path)]
    assert "unattributed" in [a.error for a in iter_alerts(broken[1], temp_dir=tmp_path)]


def test_a_bad_audit_cap_blocks_the_hook_loudly(tmp_path: Path) -> None:
    # The audit cannot be written as configured: the guard fails closed, naming the variable.
    from .conftest import base_env, hook_input, run_fake_hook

    env = base_env(tmp_path, CRANE_AUDIT_MAX_MB="plenty")
    proc = run_fake_hook(hook_input(command="git status"), env)
    assert proc.returncode == 2 and proc.stdout == b""
    assert b"CRANE_AUDIT_MAX_MB must be a number of megabytes" in proc.stderr
    alerts = [json.loads(raw) for raw in (tmp_path / "state" / ALERTS_FILE).read_bytes().splitlines()]
    assert [a["kind"] for a in alerts] == ["guard_error"]


def test_a_little_disorder_at_the_since_boundary_loses_nothing(tmp_path: Path) -> None:
    # Concurrent hooks append slightly out of time order: a line just before `since` must not end
    # the backwards read while a newer line sits before it in the file.
    now = datetime.now(UTC)
    since = now - timedelta(hours=1)
    state = tmp_path / "state"
    state.mkdir()
    with open(state / ALERTS_FILE, "w") as fh:
        for error, when in (("ancient", now - timedelta(days=3)), ("a", since + timedelta(seconds=5)),
                            ("b", since - timedelta(seconds=5)), ("c", since + timedelta(seconds=6))):
            record = build_alert(kind=GUARD_ERROR, error=error, run_id=None, tool=None, venture=None, env=None)
            record["time"] = when.isoformat().replace("+00:00", "Z")
            fh.write(json.dumps(record) + "\n")
    assert [a.error for a in read_alerts(state, since, temp_dir=tmp_path)] == ["a", "c"]
