"""`crane smoke` against local HTTP servers that fail, recover, hang or answer junk."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from crane.errors import ProfileError
from crane.smoke import parse_checks, run_checks
from tests.core.helpers import run_crane

CANARY = "canary-smoke-secret-7f3a"


class Health:
    """A health endpoint whose answers are scripted per path; records every request."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.failures_left: dict[str, int] = {}
        self.release = threading.Event()  # hung handlers wait for this (set at teardown)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        health = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                health.requests.append(self.path)
                if self.path.startswith("/flaky"):
                    left = health.failures_left.get(self.path, 0)
                    if left:
                        health.failures_left[self.path] = left - 1
                        return self._send(503, b'{"status": "starting"}')
                    return self._send(200, b'{"status": "healthy", "db": {"ok": true, "latency_ms": 12}}')
                if self.path == "/down":
                    return self._send(503, b'{"status": "down"}')
                if self.path == "/hang":
                    health.release.wait(30)
                    return self._send(200, b"{}")
                if self.path == "/junk":
                    return self._send(200, b"<html>oops</html>")
                if self.path == "/sick":
                    return self._send(200, b'{"status": "degraded"}')
                return self._send(404, b"{}")

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def health() -> Iterator[tuple[Health, str]]:
    state = Health()
    server = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


def venture(root: Path, base: str, checks: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "shop").mkdir(exist_ok=True)
    (root / "shop" / "prod.env").write_text(f"SHOP_KEY={CANARY}\n")
    (root / "shop" / "staging.env").write_text(f"SHOP_KEY={CANARY}\n")
    (root / "shop.toml").write_text(
        f'[api]\nprod = "https://api.shop.invalid"\ndev = "{base}"\n'
        '[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "shop/prod.env"\ndev = "shop/staging.env"\n'
        + checks
    )
    return root


def smoke(root: Path, *extra: str) -> tuple[int, str, str]:
    result = run_crane("smoke", "--venture", "shop", "--env", "staging", "--profiles-dir", str(root), *extra)
    assert CANARY not in result.output
    return result.rc, result.out, result.err


def test_retries_absorb_a_slow_start_then_pass(tmp_path: Path, health: tuple[Health, str]) -> None:
    state, base = health
    state.failures_left["/flaky"] = 2
    root = venture(tmp_path, base, '[[smoke]]\nname = "health"\npath = "/flaky"\nexpect = \'status == "healthy"\'\n'
                   "retries = 3\ndelay = 0\n")
    rc, out, err = smoke(root, "--json")
    assert rc == 0, out + err
    report = json.loads(out)
    assert report["environment_name"] == "staging" and report["ok"] is True
    [check] = report["checks"]
    assert (check["ok"], check["attempts"], check["status"]) == (True, 3, 200)
    assert state.requests == ["/flaky"] * 3  # against the staging URL, nothing else


def test_a_check_that_never_passes_fails_after_its_retries(tmp_path: Path, health: tuple[Health, str]) -> None:
    state, base = health
    root = venture(tmp_path, base, '[[smoke]]\npath = "/down"\nretries = 2\ndelay = 0\n'
                   '[[smoke]]\nname = "db"\npath = "/flaky-db"\nexpect = ["db.ok == true", "db.latency_ms < 500"]\n')
    rc, out, _ = smoke(root)
    assert rc == 1
    assert "[FAIL] api /down" in out and "3 attempts" in out and "status 503, expected 200" in out
    assert "[ok  ] db" in out and "Result: 1/2 passed" in out
    assert state.requests.count("/down") == 3


def test_a_hanging_endpoint_times_out_per_attempt(tmp_path: Path, health: tuple[Health, str]) -> None:
    _, base = health
    root = venture(tmp_path, base, '[[smoke]]\npath = "/hang"\ntimeout = 0.2\nretries = 1\ndelay = 0\n')
    rc, out, _ = smoke(root, "--json")
    assert rc == 1
    [check] = json.loads(out)["checks"]
    assert check["attempts"] == 2 and check["status"] is None and "timed out" in check["error"]


def test_the_total_budget_stops_retries(tmp_path: Path, health: tuple[Health, str]) -> None:
    _, base = health
    root = venture(tmp_path, base, '[[smoke]]\npath = "/hang"\ntimeout = 30\nretries = 50\ndelay = 0\n')
    rc, out, _ = smoke(root, "--json", "--max-seconds", "1")
    assert rc == 1
    [check] = json.loads(out)["checks"]
    assert check["attempts"] < 51  # the budget, not the retry count, ended it


def test_junk_and_unmet_conditions_are_named(tmp_path: Path, health: tuple[Health, str]) -> None:
    _, base = health
    root = venture(tmp_path, base, '[[smoke]]\npath = "/junk"\nexpect = \'status == "healthy"\'\nretries = 0\n'
                   '[[smoke]]\npath = "/sick"\nexpect = \'status == "healthy"\'\nretries = 0\n')
    rc, out, _ = smoke(root, "--json")
    assert rc == 1
    junk, sick = json.loads(out)["checks"]
    assert junk["error"] == "the body is not JSON"
    assert 'status is "degraded"' in sick["error"]


def test_bad_smoke_tables_are_usage_errors_naming_the_field(tmp_path: Path, health: tuple[Health, str]) -> None:
    _, base = health
    for body, field in (('[[smoke]]\npth = "/x"\n', "smoke[0].pth"),
                        ('[[smoke]]\nstatus = "ok"\n', "smoke[0].status"),
                        ('[[smoke]]\nexpect = "status = healthy"\n', "smoke[0].expect"),
                        ('[[smoke]]\nurl = "admin"\n', "admin")):
        root = venture(tmp_path / field.replace("[", "_").replace("]", "_"), base, body)
        rc, _, err = smoke(root)
        assert rc == 2, body
        assert field in err
    root = venture(tmp_path / "none", base, "")
    rc, _, err = smoke(root)
    assert rc == 2 and "no [[smoke]] checks" in err


def test_budget_is_respected_without_a_network(tmp_path: Path) -> None:
    """With a fake clock: no attempt starts after the budget, whatever the retry count."""
    [check] = parse_checks([{"path": "/x", "retries": 100, "delay": 5, "timeout": 1}], "p.toml")
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    # An unreachable port: every attempt fails at once; only the fake sleeps move the clock.
    [result] = run_checks([check], {"api": "http://127.0.0.1:9"}, max_seconds=12, clock=lambda: now[0], sleep=sleep)
    assert not result.ok and result.attempts == 3  # at 0, 5 and 10 s; the next would start at 15 s


def test_condition_parsing() -> None:
    with pytest.raises(ProfileError, match="right side must be a JSON value"):
        parse_checks([{"expect": "status == healthy"}], "p.toml")
    [check] = parse_checks([{"expect": ['a.0.b >= 2', 'ok != false']}], "p.toml")
    assert check.expect[0].holds({"a": [{"b": 3}]}) == (True, "")
    assert check.expect[1].holds({"ok": True}) == (True, "")
    assert check.expect[0].holds({"a": []})[0] is False
