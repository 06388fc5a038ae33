"""The audit log and its readers; alerts, their fallback file, the webhook, and `read_alerts`."""

from __future__ import annotations

import json
import os
import stat
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from crane.guard.run.alerts import (
    ALERTS_FILE,
    GUARD_ERROR,
    WEBHOOK_FAILED,
    build_alert,
    fallback_alerts_path,
    raise_alert,
    read_alerts,
)
from crane.guard.run.audit import (
    AUDIT_FILE,
    append_audit,
    append_jsonl,
    list_runs,
    run_plan,
    utc_now_iso,
)
from crane.guard.run.redact import Redactor

from .conftest import free_port, read_jsonl


def record(run_id: str, decision: str, when: str, **extra: Any) -> dict[str, Any]:
    return {"time": when, "run_id": run_id, "tool": "Bash", "command": f"cmd {decision}", "decision": decision,
            "venture": "demo", "env": "dev", "rule": extra.pop("rule", None), "target": "unknown",
            "reason": f"reason {decision}", **extra}


def test_time_format_round_trips() -> None:
    before = datetime.now(UTC)
    text = utc_now_iso()
    after = datetime.now(UTC)
    assert text.endswith("Z") and len(text) == len("2026-08-01T12:00:00.123456Z")
    parsed = datetime.fromisoformat(text)
    # Bracketed by the clock, not "within N seconds": holds however slow the machine is.
    assert before.replace(microsecond=0) <= parsed <= after


def test_append_is_one_private_line(tmp_path: Path) -> None:
    state = tmp_path / "state"
    append_audit(state, {"a": "multi\nline", "b": "\ud800 lone surrogate", "c": Path("/x")})
    append_audit(state, {"a": 2})
    path = state / AUDIT_FILE
    lines = path.read_bytes().splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["a"] == "multi\nline"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    big = "x" * 3000

    def writer(n: int) -> None:
        for i in range(50):
            append_jsonl(path, {"writer": n, "i": i, "pad": big})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = read_jsonl(path)
    assert len(rows) == 400
    assert all(r["pad"] == big for r in rows)


def test_list_runs_and_plan(tmp_path: Path) -> None:
    state = tmp_path
    rows = [
        record("r1", "allow", "2026-08-01T10:00:00.000000Z"),
        record("r1", "intercepted", "2026-08-01T10:00:02.000000Z", rule="wrangler.r2.object.put"),
        record("r2", "ask", "2026-08-01T11:00:00.000000Z"),
        record("r1", "intercepted", "2026-08-01T10:00:01.000000Z", rule="wrangler.kv.key.put"),
        record("r1", "deny", "2026-08-01T10:00:03.000000Z"),
    ]
    for row in rows:
        append_audit(state, row)
    with open(state / AUDIT_FILE, "a") as fh:
        fh.write("{not json\n[1, 2]\n")  # a torn or foreign line is skipped, not fatal
    runs = list_runs(state)
    assert [r.run_id for r in runs] == ["r2", "r1"]  # most recently active first
    r1 = runs[1]
    assert r1.counts == {"allow": 1, "ask": 0, "deny": 1, "intercepted": 2}
    assert r1.total == 4 and r1.venture == "demo" and r1.env == "dev"
    assert r1.first == datetime(2026, 8, 1, 10, 0, 0, tzinfo=UTC)
    assert r1.last == datetime(2026, 8, 1, 10, 0, 3, tzinfo=UTC)
    plan = run_plan(state, "r1")
    assert [p.rule for p in plan] == ["wrangler.kv.key.put", "wrangler.r2.object.put"]  # in time order
    assert plan[0].command == "cmd intercepted" and plan[0].tool == "Bash"
    assert run_plan(state, "nope") == []
    assert list_runs(tmp_path / "empty") == []


# ---------------------------------------------------------------------------------------------
# Alerts


def alert(**extra: Any) -> dict[str, Any]:
    return build_alert(kind=GUARD_ERROR, error="boom", run_id="r1", tool="Bash", venture="demo", env="dev",
                       extra=extra or None)


def test_alert_goes_to_the_state_dir(tmp_path: Path) -> None:
    outcome = raise_alert(alert(), state_dir=tmp_path / "state", redactor=Redactor(), temp_dir=tmp_path)
    assert outcome.written_to == str(tmp_path / "state" / ALERTS_FILE)
    assert outcome.problems == []
    [row] = read_jsonl(tmp_path / "state" / ALERTS_FILE)
    assert {"time", "run_id", "tool", "error", "venture", "env", "kind"} <= row.keys()
    assert not Path(fallback_alerts_path(tmp_path)).exists()


def test_alert_falls_back_to_the_temp_dir(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    outcome = raise_alert(alert(), state_dir=blocker / "state", redactor=Redactor(), temp_dir=tmp_path)
    fallback = Path(fallback_alerts_path(tmp_path))
    assert (fallback.parent.name, fallback.name) == (f"crane-{os.getuid()}", "alerts.jsonl")
    assert outcome.written_to == str(fallback)
    assert "cannot write" in outcome.note
    [row] = read_jsonl(fallback)
    assert row["error"] == "boom"
    assert row["state_dir"] == str(blocker / "state")  # attributed to the state dir it belongs to
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o600
    assert stat.S_IMODE(fallback.parent.stat().st_mode) == 0o700


def test_fallback_refuses_a_planted_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.mkdir()
    os.symlink(target, Path(fallback_alerts_path(tmp_path)).parent)
    blocker = tmp_path / "f"
    blocker.write_text("")
    outcome = raise_alert(alert(), state_dir=blocker / "x", redactor=Redactor(), temp_dir=tmp_path)
    assert outcome.written_to is None
    assert "could NOT be recorded" in outcome.note
    assert list(target.iterdir()) == []


def test_fallback_refuses_a_planted_file_in_its_directory(tmp_path: Path) -> None:
    fallback = Path(fallback_alerts_path(tmp_path))
    fallback.parent.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("")
    os.symlink(victim, fallback)
    blocker = tmp_path / "f"
    blocker.write_text("")
    outcome = raise_alert(alert(), state_dir=blocker / "x", redactor=Redactor(), temp_dir=tmp_path)
    assert outcome.written_to is None and victim.read_text() == ""


def test_fallback_refuses_a_directory_others_can_enter(tmp_path: Path) -> None:
    fallback = Path(fallback_alerts_path(tmp_path))
    fallback.parent.mkdir()
    fallback.parent.chmod(0o777)
    blocker = tmp_path / "f"
    blocker.write_text("")
    outcome = raise_alert(alert(), state_dir=blocker / "x", redactor=Redactor(), temp_dir=tmp_path)
    assert outcome.written_to is None and not fallback.exists()


def test_alerts_are_redacted(tmp_path: Path) -> None:
    r = Redactor({"SECRET": "canary-value-123"})
    rec = build_alert(kind=GUARD_ERROR, error="failed with canary-value-123 and --token abc", run_id="r",
                      tool="Bash", venture=None, env=None)
    raise_alert(rec, state_dir=tmp_path, redactor=r, temp_dir=tmp_path)
    text = (tmp_path / ALERTS_FILE).read_text()
    assert "canary-value-123" not in text and "abc" not in text


def test_read_alerts_merges_and_filters(tmp_path: Path) -> None:
    state = tmp_path / "state"
    old = alert()
    old["time"] = "2026-01-01T00:00:00.000000Z"
    append_jsonl(state / ALERTS_FILE, old)
    raise_alert(alert(where="state"), state_dir=state, redactor=Redactor(), temp_dir=tmp_path)
    append_jsonl(fallback_alerts_path(tmp_path), alert(where="fallback"))
    everything = read_alerts(state, temp_dir=tmp_path)
    assert len(everything) == 3
    assert everything[0].time == datetime(2026, 1, 1, tzinfo=UTC)  # oldest first
    recent = read_alerts(state, datetime.now(UTC) - timedelta(hours=24), temp_dir=tmp_path)
    assert sorted(a.raw["where"] for a in recent) == ["fallback", "state"]
    assert {a.source for a in recent} == {str(state / ALERTS_FILE), fallback_alerts_path(tmp_path)}
    assert recent[0].kind == GUARD_ERROR and recent[0].run_id == "r1" and recent[0].error == "boom"
    assert read_alerts(tmp_path / "none", temp_dir=tmp_path / "none") == []


class _Hook(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []
    status = 204
    delay = 0.0

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        time.sleep(self.delay)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append({"body": json.loads(body), "type": self.headers["Content-Type"]})
        self.send_response(self.status)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[type[_Hook]]:
    handler = type("Hook", (_Hook,), {"received": [], "status": 204, "delay": 0.0})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/hook"  # type: ignore[attr-defined]
    yield handler
    server.shutdown()
    server.server_close()


def test_webhook_receives_the_alert(tmp_path: Path, webhook: type[_Hook]) -> None:
    r = Redactor({"S": "canary-value-123"})
    rec = alert(detail="canary-value-123")
    outcome = raise_alert(rec, state_dir=tmp_path, redactor=r, webhook=webhook.url, temp_dir=tmp_path)  # type: ignore[attr-defined]
    assert outcome.problems == []
    [got] = webhook.received
    assert got["type"] == "application/json"
    assert got["body"]["kind"] == GUARD_ERROR and got["body"]["source"] == "crane-guard"
    assert "canary-value-123" not in json.dumps(got["body"])


@pytest.mark.parametrize("status", [500, 404])
def test_webhook_http_error_is_noted(tmp_path: Path, webhook: type[_Hook], status: int) -> None:
    webhook.status = status
    outcome = raise_alert(alert(), state_dir=tmp_path, redactor=Redactor(), webhook=webhook.url, temp_dir=tmp_path)  # type: ignore[attr-defined]
    assert f"HTTP {status}" in outcome.note
    kinds = [row["kind"] for row in read_jsonl(tmp_path / ALERTS_FILE)]
    assert kinds == [GUARD_ERROR, WEBHOOK_FAILED]


def test_webhook_unreachable_or_slow_is_bounded(tmp_path: Path, webhook: type[_Hook]) -> None:
    outcome = raise_alert(alert(), state_dir=tmp_path, redactor=Redactor(),
                          webhook=f"http://127.0.0.1:{free_port()}/x", temp_dir=tmp_path)
    assert "alert webhook failed" in outcome.note
    # The server answers only after 1.5 s: a 0.5 s timeout is the one way this fails, whatever the
    # machine's speed (the bound itself is the test's proof, not a wall-clock limit).
    webhook.delay = 1.5
    outcome = raise_alert(alert(), state_dir=tmp_path, redactor=Redactor(), webhook=webhook.url,  # type: ignore[attr-defined]
                          webhook_timeout=0.5, temp_dir=tmp_path)
    assert "alert webhook failed" in outcome.note and "timed out" in outcome.note
    # The alert itself was written before the POST was tried.
    assert [row["kind"] for row in read_jsonl(tmp_path / ALERTS_FILE)].count(GUARD_ERROR) == 2
