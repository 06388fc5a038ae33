"""What the OpenAI and Gemini stand-ins share: a 127.0.0.1 HTTP server in a daemon thread, a script
of model turns, and a log of every request and every tool result the client sent back.

A turn is a list of :class:`Call` (the model asks for those tool calls) or a ``str`` (the model
answers with that text, which ends a non-interactive run). Routing is by content, never by
request count: the turn to serve is the one after as many tool calls as the request carries
tool results, so a retried request gets the same answer and never skips a turn.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self

JSONDict = dict[str, Any]
DEFAULT_FINAL_TEXT = "Done."


@dataclass(frozen=True)
class Call:
    """One tool call the stand-in makes the model emit."""

    name: str
    args: Mapping[str, Any]


Turn = str | Sequence[Call]


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def json_reply(payload: Any, status: int = 200) -> Reply:
    return Reply(status, "application/json", json.dumps(payload).encode())


def sse_reply(events: Iterable[tuple[str | None, Any]]) -> Reply:
    chunks = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        chunks.append(f"{head}data: {json.dumps(data)}\n\n")
    return Reply(200, "text/event-stream", "".join(chunks).encode())


class ScriptedServer:
    """Subclasses implement :meth:`handle`; results go through :meth:`record_result`."""

    name = "stub"

    def __init__(self, turns: Iterable[Turn] = (), *, final_text: str = DEFAULT_FINAL_TEXT,
                 log_path: Path | None = None) -> None:
        self.final_text = final_text
        self._turns: list[Turn] = list(turns)
        self._log_path = log_path
        self._lock = threading.Lock()
        self._requests: list[JSONDict] = []
        self._results: list[JSONDict] = []
        self._seen_results: set[str] = set()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is None:
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
            server.daemon_threads = True
            self._server = server
            self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                            name=self.name, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{self.name} is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- script and inspection ---------------------------------------------------------------

    def set_script(self, turns: Iterable[Turn]) -> None:
        with self._lock:
            self._turns = list(turns)

    def turn_for(self, results_seen: int) -> Turn:
        """The turn after `results_seen` tool results (one per call of the earlier turns)."""
        with self._lock:
            done = 0
            for turn in self._turns:
                if done == results_seen:
                    return turn
                if isinstance(turn, str):
                    break
                done += len(turn)
            return self.final_text

    @property
    def tool_results(self) -> list[JSONDict]:
        """Every tool result the client sent back, in arrival order (each once)."""
        with self._lock:
            return list(self._results)

    @property
    def requests(self) -> list[JSONDict]:
        with self._lock:
            return list(self._requests)

    def describe_requests(self) -> str:
        return "\n".join(f"{r['method']} {r['path']}" for r in self.requests) or "(no requests)"

    def record_result(self, key: str, entry: JSONDict) -> None:
        with self._lock:
            if key in self._seen_results:
                return
            self._seen_results.add(key)
            self._results.append(entry)
        self._log({"tool_result": entry})

    def _record_request(self, method: str, path: str, body: Any) -> None:
        entry = {"method": method, "path": path, "body": body}
        with self._lock:
            self._requests.append(entry)
        self._log({"request": entry})

    def _log(self, entry: JSONDict) -> None:
        if self._log_path is not None:
            with self._lock, self._log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")

    def handle(self, method: str, path: str, body: Any) -> Reply:
        raise NotImplementedError


def _handler(stub: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw.decode("utf-8", "replace")
            stub._record_request(self.command, self.path, body)
            try:
                reply = stub.handle(self.command, self.path, body)
            except Exception as exc:  # a stub bug must show up as an error answer, not a hang
                reply = json_reply({"error": {"message": f"stub error: {exc!r}"}}, 500)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        do_GET = do_POST = _serve

    return Handler
