"""The stdlib RESP2 client: encoding, every reply type, and timeouts against misbehaving servers."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from crane.guard.run.resp import (
    RespConnection,
    RespError,
    RespProtocolError,
    encode_command,
    parse_redis_url,
)


def test_encode_command() -> None:
    assert encode_command("SET", "k", b"\x00v", "EX", 5) == (
        b"*5\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n\x00v\r\n$2\r\nEX\r\n$1\r\n5\r\n"
    )
    assert encode_command("GET", "ü") == b"*2\r\n$3\r\nGET\r\n$2\r\n\xc3\xbc\r\n"


@pytest.mark.parametrize(("url", "expected"), [
    ("redis://localhost", ("localhost", 6379, 0, None, None, False)),
    ("redis://:p%40ss@10.0.0.1:6380/2", ("10.0.0.1", 6380, 2, None, "p@ss", False)),
    ("redis://user:pw@h/3", ("h", 6379, 3, "user", "pw", False)),
    ("redis://h:7000?db=5", ("h", 7000, 5, None, None, False)),
    ("rediss://h", ("h", 6379, 0, None, None, True)),
])
def test_parse_redis_url(url: str, expected: tuple[object, ...]) -> None:
    a = parse_redis_url(url)
    assert (a.host, a.port, a.db, a.username, a.password, a.tls) == expected
    assert "pw" not in a.display() and "p@ss" not in repr(a)


@pytest.mark.parametrize("url", ["http://h", "redis://h/x", "redis://h:notaport", "redis://h/-1"])
def test_parse_redis_url_rejects(url: str) -> None:
    with pytest.raises(ValueError):
        parse_redis_url(url)


Handler = Callable[[socket.socket], None]


@pytest.fixture
def fake_server() -> Iterator[Callable[[Handler], int]]:
    """A one-connection TCP server whose behaviour each test scripts."""
    sockets: list[socket.socket] = []

    def start(handler: Handler) -> int:
        srv = socket.socket()
        srv.bind(("127.0.0.1", 0))
        srv.listen(1)
        sockets.append(srv)

        def serve() -> None:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            sockets.append(conn)
            with contextlib.suppress(OSError):
                handler(conn)

        threading.Thread(target=serve, daemon=True).start()
        return int(srv.getsockname()[1])

    yield start
    for s in sockets:
        s.close()


def replies(*chunks: bytes) -> Handler:
    def handler(conn: socket.socket) -> None:
        for chunk in chunks:
            conn.recv(65536)
            conn.sendall(chunk)
        time.sleep(0.5)

    return handler


def test_reply_types(fake_server: Callable[[Handler], int]) -> None:
    port = fake_server(replies(
        b"+OK\r\n", b":42\r\n", b"$5\r\nhello\r\n", b"$-1\r\n", b"*2\r\n$1\r\na\r\n*1\r\n:1\r\n", b"*-1\r\n",
        b"$0\r\n\r\n",
    ))
    with RespConnection.connect("127.0.0.1", port, timeout=30) as conn:
        assert conn.command("X") == "OK"
        assert conn.command("X") == 42
        assert conn.command("X") == b"hello"
        assert conn.command("X") is None
        assert conn.command("X") == [b"a", [1]]
        assert conn.command("X") is None
        assert conn.command("X") == b""


def test_reply_split_across_packets(fake_server: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        conn.recv(65536)
        for piece in (b"$1", b"0\r\nhello", b"world", b"\r", b"\n"):
            conn.sendall(piece)
            time.sleep(0.02)
        time.sleep(0.5)

    port = fake_server(handler)
    with RespConnection.connect("127.0.0.1", port, timeout=30) as conn:
        assert conn.command("GET", "k") == b"helloworld"


def test_error_reply_raises(fake_server: Callable[[Handler], int]) -> None:
    port = fake_server(replies(b"-WRONGPASS invalid username-password pair\r\n"))
    with RespConnection.connect("127.0.0.1", port, timeout=30) as conn, pytest.raises(RespError, match="WRONGPASS"):
        conn.command("AUTH", "x")


@pytest.mark.parametrize("reply", [b"?what\r\n", b"$abc\r\n", b"$99999999999\r\n", b"$3\r\nabcXY", b"\r\n"])
def test_garbage_is_a_protocol_error(fake_server: Callable[[Handler], int], reply: bytes) -> None:
    port = fake_server(replies(reply))
    with RespConnection.connect("127.0.0.1", port, timeout=30) as conn, pytest.raises(RespProtocolError):
        conn.command("GET", "k")


def test_closed_connection_is_a_protocol_error(fake_server: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"$10\r\nhal")
        conn.close()

    port = fake_server(handler)
    with RespConnection.connect("127.0.0.1", port, timeout=30) as conn, pytest.raises(RespProtocolError):
        conn.command("GET", "k")


def test_silent_server_times_out(fake_server: Callable[[Handler], int]) -> None:
    port = fake_server(lambda conn: time.sleep(60))
    with RespConnection.connect("127.0.0.1", port, timeout=0.3) as conn, pytest.raises(TimeoutError):
        conn.command("GET", "k")  # only the timeout can end this: the server never answers


def test_dripping_server_cannot_stretch_the_deadline(fake_server: Callable[[Handler], int]) -> None:
    def handler(conn: socket.socket) -> None:
        conn.recv(65536)
        conn.sendall(b"$100\r\n")
        for _ in range(100):  # one byte every 50 ms: each recv succeeds, the whole reply is late
            conn.sendall(b"x")
            time.sleep(0.05)

    port = fake_server(handler)
    # Every recv gets a byte well inside a per-read timeout, so only a deadline for the whole
    # reply raises: the error is the proof (a slower machine only makes the drip slower).
    with RespConnection.connect("127.0.0.1", port, timeout=0.5) as conn, pytest.raises(TimeoutError):
        conn.command("GET", "k")
