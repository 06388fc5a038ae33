"""A tiny RESP2 (Redis protocol) client over a plain TCP socket, standard library only.

The guard hook may not import third-party packages (start-up time, and an agent's environment
must not be able to swap them), so it cannot use `redis-py`. It needs four commands (AUTH,
SELECT, GET, SET ... EX ... NX), which RESP2 makes easy: a request is an array of bulk strings,
a reply is one typed value.

Every operation has a deadline: the socket timeout is re-armed with the *remaining* time before
each read, so a server that drips one byte per second cannot stretch a command past it.
TLS (`rediss://`) is not supported here; the state layer turns that into a clear error.
"""

from __future__ import annotations

import contextlib
import socket
import time
from urllib.parse import unquote, urlsplit

from crane._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    RespValue = str | int | bytes | None | list["RespValue"]

MAX_BULK = 16 * 1024 * 1024  # far above anything the guard stores; stops a hostile length
MAX_ARRAY = 1024 * 1024
MAX_LINE = 64 * 1024


class RespError(Exception):
    """The server answered with an error reply (`-ERR ...`, `-WRONGPASS ...`)."""


class RespProtocolError(Exception):
    """The bytes on the wire are not RESP2, or the connection broke mid-reply."""


class RedisAddress(Record):
    __slots__ = ("host", "port", "db", "username", "password", "tls")
    host: str
    port: int
    db: int
    username: str | None
    password: str | None
    tls: bool

    def __init__(self, host: str, port: int, db: int, username: str | None, password: str | None,
                 tls: bool) -> None:
        self._set(host=host, port=port, db=db, username=username, password=password, tls=tls)

    def __repr__(self) -> str:  # never show the password
        return f"RedisAddress({self.display()!r}, username={self.username!r})"

    def display(self) -> str:
        """Where, without credentials (safe for messages and logs)."""
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://{self.host}:{self.port}/{self.db}"


def parse_redis_url(url: str) -> RedisAddress:
    """`redis://[user[:password]@]host[:port][/db]` (also `?db=N`); `rediss://` is parsed too."""
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"not a redis URL (scheme {parts.scheme!r})")
    try:
        port = parts.port or 6379
    except ValueError:
        raise ValueError("redis URL has an invalid port") from None
    db_text = parts.path.strip("/")
    for item in parts.query.split("&"):
        key, _, value = item.partition("=")
        if key == "db" and value:
            db_text = value
    try:
        db = int(db_text) if db_text else 0
    except ValueError:
        raise ValueError(f"redis URL has an invalid database number {db_text!r}") from None
    if db < 0:
        raise ValueError("redis URL has a negative database number")
    return RedisAddress(
        host=parts.hostname or "localhost",
        port=port,
        db=db,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        tls=parts.scheme == "rediss",
    )


def encode_command(*args: str | bytes | int) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        data = arg if isinstance(arg, bytes) else str(arg).encode("utf-8")
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class RespConnection:
    """One connection; `command()` sends a request and returns the decoded reply."""

    def __init__(self, sock: socket.socket, timeout: float) -> None:
        self._sock = sock
        self._timeout = timeout
        self._buf = bytearray()
        self._deadline = 0.0

    @classmethod
    def connect(cls, host: str, port: int, *, timeout: float) -> RespConnection:
        sock = socket.create_connection((host, port), timeout=timeout)
        with contextlib.suppress(OSError):  # not fatal: only latency
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(sock, timeout)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.close()

    def __enter__(self) -> RespConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def command(self, *args: str | bytes | int) -> RespValue:
        """Send one command; raises `RespError` on an error reply, `TimeoutError`/`OSError` on I/O."""
        self._deadline = time.monotonic() + self._timeout
        self._sock.settimeout(self._timeout)
        self._sock.sendall(encode_command(*args))
        return self._read_value()

    # -- reply parsing ---------------------------------------------------------------------

    def _fill(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("redis did not answer in time")
        self._sock.settimeout(remaining)
        chunk = self._sock.recv(65536)
        if not chunk:
            raise RespProtocolError("redis closed the connection")
        self._buf += chunk

    def _read_line(self) -> bytes:
        while True:
            end = self._buf.find(b"\r\n")
            if end >= 0:
                line = bytes(self._buf[:end])
                del self._buf[: end + 2]
                return line
            if len(self._buf) > MAX_LINE:
                raise RespProtocolError("reply line too long")
            self._fill()

    def _read_exact(self, n: int) -> bytes:
        while len(self._buf) < n:
            self._fill()
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def _read_value(self) -> RespValue:
        line = self._read_line()
        if not line:
            raise RespProtocolError("empty reply line")
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode("utf-8", "replace")
        if kind == b"-":
            raise RespError(rest.decode("utf-8", "replace"))
        if kind == b":":
            return self._int(rest)
        if kind == b"$":
            n = self._int(rest)
            if n == -1:
                return None
            if n < 0 or n > MAX_BULK:
                raise RespProtocolError(f"bad bulk length {n}")
            data = self._read_exact(n + 2)
            if data[-2:] != b"\r\n":
                raise RespProtocolError("bulk string not terminated by CRLF")
            return data[:-2]
        if kind == b"*":
            n = self._int(rest)
            if n == -1:
                return None
            if n < 0 or n > MAX_ARRAY:
                raise RespProtocolError(f"bad array length {n}")
            return [self._read_value() for _ in range(n)]
        raise RespProtocolError(f"unknown reply type {kind!r}")

    @staticmethod
    def _int(raw: bytes) -> int:
        try:
            return int(raw)
        except ValueError:
            raise RespProtocolError(f"bad integer {raw[:32]!r}") from None
