"""The run state: one suite for both backends (SQLite and a real redis-server), then what is
specific to each (locking, permissions, auth, databases, unreachable and hung servers)."""

from __future__ import annotations

import socket
import sqlite3
import stat
import threading
import time
from pathlib import Path

import pytest

from crane.guard.rules.config import GuardConfig
from crane.guard.run.resp import RespConnection
from crane.guard.run.state import (
    REDIS_KEY_PREFIX,
    GuardStateError,
    RedisRunState,
    SqliteRunState,
    open_state,
)

from .conftest import Backend, RedisServer, free_port

# ---------------------------------------------------------------------------------------------
# Shared suite


def test_flag_starts_inactive(backend: Backend, run_id: str) -> None:
    with backend.open() as state:
        assert state.is_dry_run_active(run_id) is False


def test_activate_is_set_once_and_sticky(backend: Backend, run_id: str) -> None:
    with backend.open() as state:
        assert state.activate_dry_run(run_id, 3600) is True
        assert state.is_dry_run_active(run_id) is True
        assert state.activate_dry_run(run_id, 3600) is False  # already active: not "set" again
    with backend.open() as other:  # another process sees it
        assert other.is_dry_run_active(run_id) is True
        assert other.activate_dry_run(run_id, 3600) is False


def test_runs_are_independent(backend: Backend, run_id: str) -> None:
    with backend.open() as state:
        state.activate_dry_run(run_id, 3600)
        assert state.is_dry_run_active(run_id + "-other") is False


def test_flag_expires_and_can_be_set_again(backend: Backend, run_id: str) -> None:
    with backend.open() as state:
        assert state.activate_dry_run(run_id, 1) is True
        assert state.is_dry_run_active(run_id) is True
        time.sleep(1.2)
        assert state.is_dry_run_active(run_id) is False
        assert state.activate_dry_run(run_id, 3600) is True
        assert state.is_dry_run_active(run_id) is True


def _seconds_left(backend: Backend, run_id: str) -> float:
    """How long the flag still lives, read from the store itself."""
    if backend.state_url:
        from crane.guard.run.resp import RespConnection, parse_redis_url

        address = parse_redis_url(backend.state_url)
        with RespConnection.connect(address.host, address.port, timeout=30) as conn:
            conn.command("AUTH", address.password or "")
            conn.command("SELECT", address.db)
            return float(conn.command("TTL", "crane:dryrun:" + run_id))
    db = sqlite3.connect(backend.state_dir / "state.db")
    try:
        [(expires,)] = db.execute("SELECT expires FROM dry_run WHERE run_id = ?", (run_id,)).fetchall()
    finally:
        db.close()
    return float(expires) - time.time()


def test_activation_slides_the_expiry_of_an_active_flag(backend: Backend, run_id: str) -> None:
    # Read from the store, not raced against a clock: a later interception moves the expiry to
    # `ttl` from now.
    with backend.open() as state:
        assert state.activate_dry_run(run_id, 600) is True
        assert _seconds_left(backend, run_id) <= 600
        assert state.activate_dry_run(run_id, 3600) is False  # a later interception: extended, not "set"
        assert _seconds_left(backend, run_id) > 600
        time.sleep(1.2)  # only a lower bound: the flag extended to an hour is still there
        assert state.is_dry_run_active(run_id) is True


@pytest.mark.parametrize("ttl", [0, -5, True, 1.5])
def test_bad_ttl_is_refused(backend: Backend, run_id: str, ttl: int) -> None:
    with backend.open() as state, pytest.raises(GuardStateError, match="TTL"):
        state.activate_dry_run(run_id, ttl)


def test_empty_run_id_is_refused(backend: Backend) -> None:
    with backend.open() as state, pytest.raises(GuardStateError, match="run id"):
        state.is_dry_run_active("")


def test_concurrent_activation_has_exactly_one_winner(backend: Backend, run_id: str) -> None:
    results: list[bool] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def worker() -> None:
        try:
            with backend.open(timeout=120) as state:  # contention is the subject; the busy wait is not
                barrier.wait()
                results.append(state.activate_dry_run(run_id, 3600))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False] * 19 + [True]


def test_run_ids_with_odd_characters(backend: Backend) -> None:
    odd = "run 'quoted' \"x\" ; DROP TABLE dry_run; -- ü \n\t"
    with backend.open() as state:
        assert state.activate_dry_run(odd, 60) is True
        assert state.is_dry_run_active(odd) is True


# ---------------------------------------------------------------------------------------------
# SQLite


def test_sqlite_file_is_private_and_in_wal_mode(tmp_path: Path, run_id: str) -> None:
    path = tmp_path / "state" / "state.db"
    with SqliteRunState(path) as state:
        state.activate_dry_run(run_id, 60)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


def test_sqlite_expired_rows_are_cleaned_on_write(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    with SqliteRunState(path) as state:
        state.activate_dry_run("old", 1)
        time.sleep(1.1)
        state.activate_dry_run("new", 60)
    db = sqlite3.connect(path)
    assert [r[0] for r in db.execute("SELECT run_id FROM dry_run")] == ["new"]
    db.close()


def test_sqlite_locked_database_fails_within_the_timeout(tmp_path: Path, run_id: str) -> None:
    path = tmp_path / "state.db"
    SqliteRunState(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    # An exclusive-locking-mode writer keeps every other connection out, readers included.
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO dry_run VALUES ('x', 0, 0)")
    try:
        # The holder never lets go, so only the busy timeout can end the wait: the error is the proof.
        with pytest.raises(GuardStateError, match="locked"):
            state = SqliteRunState(path, timeout=0.3)
            try:
                state.is_dry_run_active(run_id)
                state.activate_dry_run(run_id, 60)
            finally:
                state.close()
    finally:
        holder.close()


def test_sqlite_unusable_location_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(GuardStateError, match="cannot open"):
        SqliteRunState(blocker / "state.db")


def test_sqlite_corrupt_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(GuardStateError):
        SqliteRunState(path)


def test_open_state_picks_the_backend(tmp_path: Path) -> None:
    sqlite_default = open_state(GuardConfig(state_dir=tmp_path))
    assert isinstance(sqlite_default, SqliteRunState) and sqlite_default.path == str(tmp_path / "state.db")
    sqlite_default.close()
    explicit = open_state(GuardConfig(state_dir=tmp_path, state_url=f"sqlite://{tmp_path}/other.db"))
    assert isinstance(explicit, SqliteRunState) and explicit.path == str(tmp_path / "other.db")
    explicit.close()
    with pytest.raises(GuardStateError, match="unsupported"):
        open_state(GuardConfig(state_dir=tmp_path, state_url="memcached://h"))


# ---------------------------------------------------------------------------------------------
# Redis


def test_redis_key_and_ttl(redis_server: RedisServer, run_id: str) -> None:
    started = time.monotonic()
    with RedisRunState(redis_server.url(db=4), timeout=30) as state:
        assert state.activate_dry_run(run_id, 3600) is True
    with RespConnection.connect("127.0.0.1", redis_server.port, timeout=30) as raw:
        raw.command("AUTH", redis_server.password)
        assert raw.command("GET", REDIS_KEY_PREFIX + run_id) is None  # db 0: not there
        raw.command("SELECT", 4)
        assert raw.command("GET", REDIS_KEY_PREFIX + run_id) == b"1"
        ttl = raw.command("TTL", REDIS_KEY_PREFIX + run_id)
        # Whatever time really passed since the flag was set, and no more, is off its hour.
        assert isinstance(ttl, int) and 3600 - (time.monotonic() - started) - 1 <= ttl <= 3600


def test_redis_auth_with_username(redis_server: RedisServer, run_id: str) -> None:
    with RedisRunState(redis_server.url(username="default"), timeout=30) as state:
        assert state.is_dry_run_active(run_id) is False


@pytest.mark.parametrize("password", ["wrong", ""])
def test_redis_bad_or_missing_password_fails(redis_server: RedisServer, password: str, run_id: str) -> None:
    url = redis_server.url(password=password) if password else f"redis://127.0.0.1:{redis_server.port}/0"
    with pytest.raises(GuardStateError) as info:
        state = RedisRunState(url, timeout=30)
        state.is_dry_run_active(run_id)
    assert redis_server.password not in str(info.value)
    assert "wrong" not in str(info.value)


def test_redis_unreachable_fails_fast() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(GuardStateError, match="cannot connect"):
        RedisRunState(f"redis://127.0.0.1:{port}/0", timeout=0.5)


def test_redis_hung_server_fails_within_the_timeout() -> None:
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(5)  # accepts connections (kernel backlog) but never answers
        port = srv.getsockname()[1]
        # The server never answers, so only the timeout can end the call: the error is the proof.
        with pytest.raises(GuardStateError, match="TimeoutError|timed out"):
            state = RedisRunState(f"redis://127.0.0.1:{port}/0", timeout=0.4)
            state.is_dry_run_active("r")


def test_rediss_is_refused_clearly() -> None:
    with pytest.raises(GuardStateError, match="TLS") as info:
        RedisRunState("rediss://:pw@127.0.0.1:6380/0")
    assert "pw" not in str(info.value)
    assert info.value.hint


def test_redis_via_open_state(redis_server: RedisServer, tmp_path: Path) -> None:
    state = open_state(GuardConfig(state_dir=tmp_path, state_url=redis_server.url()), timeout=30)
    assert isinstance(state, RedisRunState)
    state.close()
