"""The run state the guard keeps between tool calls: the sticky dry-run flag per run id.

Two backends behind one interface (`RunState`):

- SQLite in `<state_dir>/state.db` (the default): WAL mode so readers never wait for the one
  writer, a busy timeout well inside the hook's deadline, expired rows ignored on read and
  deleted on write. Safe with many hook processes at once: the flag is set with one atomic
  upsert.
- Redis when `state_url` is `redis://...` (a fleet of machines sharing one flag): key
  `crane:dryrun:<run_id>`, `SET ... EX ttl NX`, `GET`, through the stdlib client in `resp.py`.

Both implement "set, or extend if already active": the flag lives `ttl` seconds after the run's
last interception (a sliding expiry, so a long dry run cannot silently turn live halfway), and
`activate_dry_run` says whether this call was the one that set it.

Any failure raises `GuardStateError`; the hook turns that into a denial (fail closed).
Standard library only; `sqlite3` and `socket` are imported only when a backend is opened, which
the hook does only for external writes.
"""

from __future__ import annotations

import contextlib
import os
import time

from crane.errors import CraneError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import sqlite3

    from crane.guard.rules.config import GuardConfig
    from crane.guard.run.resp import RedisAddress, RespConnection

    StrPath = str | os.PathLike[str]

STATE_DB = "state.db"
REDIS_KEY_PREFIX = "crane:dryrun:"
# Per operation; the hook's whole deadline defaults to 3 s, and one hook call does at most a
# read and a write, so even two slow operations leave time to deny and alert.
DEFAULT_TIMEOUT = 1.0


class GuardStateError(CraneError):
    """The run state could not be read or written (the guard then blocks the tool call)."""


class RunState:
    """The interface both backends implement (a plain base class: `typing.Protocol` would cost
    the hook an import of `typing`)."""

    def is_dry_run_active(self, run_id: str) -> bool:
        """Whether the run's sticky dry-run flag is set and not expired."""
        raise NotImplementedError

    def activate_dry_run(self, run_id: str, ttl_seconds: int) -> bool:
        """Set the flag for `ttl_seconds`, or extend it to that from now if already active.

        True only if this call set it (it was not active before).
        """
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> RunState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_run_id(run_id: str) -> None:
    if not isinstance(run_id, str) or not run_id:
        raise GuardStateError("run state: empty run id")


def _check_ttl(ttl_seconds: int) -> int:
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds <= 0:
        raise GuardStateError(f"run state: TTL must be a positive whole number of seconds, got {ttl_seconds!r}")
    return ttl_seconds


# ---------------------------------------------------------------------------------------------
# SQLite


class SqliteRunState(RunState):
    def __init__(self, path: StrPath, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        import sqlite3

        self.path = path = os.fspath(path)
        self._sqlite3 = sqlite3
        try:
            parent = os.path.dirname(path)
            if parent:
                from crane.private import private_dir

                private_dir(parent)  # every missing level 0700 (makedirs' mode covers the last only)
            # Create the file ourselves so it is private from the start (it names runs).
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
            os.close(fd)
            # isolation_level=None: autocommit; every statement below is its own transaction.
            self._db = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
        except (OSError, sqlite3.Error) as exc:
            raise GuardStateError(f"run state {path}: cannot open: {exc}") from None
        try:
            self._db.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
            if str(mode).lower() != "wal":
                # Switching takes a write lock; only the first process ever needs to.
                self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS dry_run ("
                " run_id TEXT PRIMARY KEY,"
                " activated REAL NOT NULL,"
                " expires REAL NOT NULL)"
            )
        except sqlite3.Error as exc:
            self._db.close()
            raise GuardStateError(f"run state {path}: {exc}") from None

    def _fail(self, what: str, exc: sqlite3.Error) -> GuardStateError:
        return GuardStateError(f"run state {self.path}: {what}: {exc}")

    def is_dry_run_active(self, run_id: str) -> bool:
        _check_run_id(run_id)
        try:
            row = self._db.execute(
                "SELECT 1 FROM dry_run WHERE run_id = ? AND expires > ?", (run_id, time.time())
            ).fetchone()
        except self._sqlite3.Error as exc:
            raise self._fail("cannot read the dry-run flag", exc) from None
        return row is not None

    def activate_dry_run(self, run_id: str, ttl_seconds: int) -> bool:
        _check_run_id(run_id)
        ttl = _check_ttl(ttl_seconds)
        try:
            # BEGIN IMMEDIATE takes the write lock first, so the read below and the write after
            # it are one step for concurrent hooks: exactly one of them sees "not active".
            self._db.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                row = self._db.execute("SELECT expires FROM dry_run WHERE run_id = ?", (run_id,)).fetchone()
                newly = row is None or row[0] <= now
                if newly:
                    self._db.execute(
                        "INSERT OR REPLACE INTO dry_run (run_id, activated, expires) VALUES (?, ?, ?)",
                        (run_id, now, now + ttl),
                    )
                    # Housekeeping rides on the rare "newly set" path, never on the read path.
                    self._db.execute("DELETE FROM dry_run WHERE expires <= ?", (now,))
                else:
                    self._db.execute(
                        "UPDATE dry_run SET expires = max(expires, ?) WHERE run_id = ?", (now + ttl, run_id)
                    )
                self._db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(self._sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
        except self._sqlite3.Error as exc:
            raise self._fail("cannot set the dry-run flag", exc) from None
        return newly

    def close(self) -> None:
        with contextlib.suppress(self._sqlite3.Error):
            self._db.close()


# ---------------------------------------------------------------------------------------------
# Redis


class RedisRunState(RunState):
    def __init__(self, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        from crane.guard.run.resp import RespConnection, RespError, RespProtocolError, parse_redis_url

        self._errors: tuple[type[BaseException], ...] = (OSError, RespError, RespProtocolError)
        try:
            self.address: RedisAddress = parse_redis_url(url)
        except ValueError as exc:
            raise GuardStateError(f"run state: {exc}") from None
        if self.address.tls:
            raise GuardStateError(
                f"run state {self.address.display()}: rediss:// (TLS) is not supported by the guard hook",
                "use redis:// on a trusted network (e.g. through a local TLS tunnel) or the default SQLite state",
            )
        try:
            self._conn: RespConnection = RespConnection.connect(
                self.address.host, self.address.port, timeout=timeout
            )
        except OSError as exc:
            raise GuardStateError(f"run state {self.address.display()}: cannot connect: {exc}") from None
        try:
            if self.address.password is not None:
                if self.address.username:
                    self._conn.command("AUTH", self.address.username, self.address.password)
                else:
                    self._conn.command("AUTH", self.address.password)
            if self.address.db:
                self._conn.command("SELECT", self.address.db)
        except self._errors as exc:
            self._conn.close()
            raise GuardStateError(f"run state {self.address.display()}: {_describe(exc)}") from None

    def _fail(self, what: str, exc: BaseException) -> GuardStateError:
        return GuardStateError(f"run state {self.address.display()}: {what}: {_describe(exc)}")

    def is_dry_run_active(self, run_id: str) -> bool:
        _check_run_id(run_id)
        try:
            value = self._conn.command("GET", REDIS_KEY_PREFIX + run_id)
        except self._errors as exc:
            raise self._fail("cannot read the dry-run flag", exc) from None
        return value is not None

    def activate_dry_run(self, run_id: str, ttl_seconds: int) -> bool:
        _check_run_id(run_id)
        ttl = _check_ttl(ttl_seconds)
        key = REDIS_KEY_PREFIX + run_id
        try:
            for _ in range(2):
                # NX: "+OK" when this call created the key, nil when it already existed.
                if self._conn.command("SET", key, "1", "EX", ttl, "NX") == "OK":
                    return True
                # Already active: slide its expiry. 0 means it expired in between: set it again.
                if self._conn.command("EXPIRE", key, ttl) == 1:
                    return False
        except self._errors as exc:
            raise self._fail("cannot set the dry-run flag", exc) from None
        raise GuardStateError(f"run state {self.address.display()}: the dry-run flag keeps vanishing")

    def close(self) -> None:
        self._conn.close()


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ---------------------------------------------------------------------------------------------


def open_state(config: GuardConfig, *, timeout: float = DEFAULT_TIMEOUT) -> RunState:
    """The run state for this config: Redis for `redis://`/`rediss://`, else SQLite.

    `sqlite:///abs/path.db` selects a database file explicitly; otherwise `<state_dir>/state.db`.
    """
    url = config.state_url
    if url and url.startswith(("redis://", "rediss://")):
        return RedisRunState(url, timeout=timeout)
    if url and url.startswith("sqlite:"):
        from urllib.parse import unquote, urlsplit

        path = unquote(urlsplit(url).path)
        if not path:
            raise GuardStateError(f"run state: {url!r} names no database file", "use sqlite:///absolute/path.db")
        return SqliteRunState(path, timeout=timeout)
    if url:
        raise GuardStateError(f"run state: unsupported state_url scheme {url.split(':', 1)[0]!r}")
    return SqliteRunState(os.path.join(os.fspath(config.state_dir), STATE_DB), timeout=timeout)
