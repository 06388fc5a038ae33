"""A scripted stand-in for the Anthropic Messages API, stdlib only.

The real Claude Code client is pointed at it with ``ANTHROPIC_BASE_URL``. The stub plays the
model: it answers the client's conversation with a fixed script of tool calls, and records the
``tool_result`` blocks the client sends back, which is where a PreToolUse hook's verdict shows
up (the command's output when the call ran, the block reason when it was denied).

Script model
------------
``turns`` is a list; each turn is either a list of :class:`ToolCall` (one assistant message
with those ``tool_use`` blocks, ``stop_reason: "tool_use"``) or a ``str`` (one assistant text
message, ``stop_reason: "end_turn"``, which ends a ``claude -p`` run). Once the script is
exhausted every further conversation request gets ``final_text`` with ``end_turn``.

Routing is by message content, never by request count:

* A request whose last user message carries ``tool_result`` blocks answers the previous turn:
  the results are recorded and the next turn is served.
* A request whose last user message has no ``tool_result`` starts a conversation (the prompt):
  it gets the next unserved turn.
* A request identical to one already answered (a client retry) gets the same answer again, so
  retries never skip a turn.
* Side requests (title generation, summaries, quota probes, ...) get a short text and leave the
  script alone. By default a request is "side" when it offers no tools: every main-loop
  request of Claude Code 2.1.330 carries the full tool list, while its auxiliary queries do
  not. Pass ``is_side_request`` to override.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

JSONDict = dict[str, Any]

DEFAULT_FINAL_TEXT = "Done."
SIDE_REQUEST_TEXT = "ok"


@dataclass(frozen=True)
class ToolCall:
    """One ``tool_use`` block the stub makes the model emit."""

    name: str
    input: Mapping[str, Any]
    # None: the stub assigns a unique id. Tests can fix one to match it in tool_results.
    id: str | None = None


def bash(command: str, description: str | None = None) -> ToolCall:
    """Shorthand for a Bash tool call (the tool crane's guard cares about most)."""
    tool_input: JSONDict = {"command": command}
    if description is not None:
        tool_input["description"] = description
    return ToolCall("Bash", tool_input)


Turn = str | Sequence[ToolCall]


@dataclass(frozen=True)
class ToolResult:
    """A ``tool_result`` block as the client sent it back."""

    tool_use_id: str
    # Text content flattened from a string or a list of text blocks.
    content: str
    is_error: bool
    tool_name: str | None
    tool_input: Mapping[str, Any] | None

    def as_dict(self) -> JSONDict:
        return {
            "tool_use_id": self.tool_use_id,
            "content": self.content,
            "is_error": self.is_error,
            "tool_name": self.tool_name,
            "tool_input": dict(self.tool_input) if self.tool_input is not None else None,
        }


@dataclass(frozen=True)
class RecordedRequest:
    """Any HTTP request the client made, for assertions and debugging."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: Any  # parsed JSON when possible, else the raw text, None when empty
    kind: str  # "main", "side", "count_tokens" or "other"


@dataclass
class _Reply:
    blocks: list[JSONDict]
    stop_reason: str
    # Must be unique per reply: the client groups assistant content by message id, and a
    # reused id makes it merge two turns into one message.
    message_id: str


@dataclass
class _ScriptState:
    turns: list[Turn]
    next_turn: int = 0
    # tool_use_id -> the ToolCall the stub issued, to report the call next to its result.
    issued: dict[str, ToolCall] = field(default_factory=dict)
    # Request fingerprint -> reply, so a retried request gets the same answer.
    answered: dict[str, _Reply] = field(default_factory=dict)
    # (session key, tool_use_id) already recorded: later requests repeat old results in their
    # history, and a client could send one again in its last message.
    recorded: set[tuple[str, str]] = field(default_factory=set)


def _flatten_content(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(block.get("text", ""))
            for block in content
            if isinstance(block, dict) and block.get("type") == "text"
        ]
        return "\n".join(parts)
    return "" if content is None else json.dumps(content)


def _last_user_message(body: JSONDict) -> JSONDict | None:
    messages = body.get("messages")
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return message
    return None


def tool_result_blocks(body: JSONDict) -> list[JSONDict]:
    """The ``tool_result`` blocks of the last user message of a Messages API request body."""
    message = _last_user_message(body)
    if message is None or not isinstance(message.get("content"), list):
        return []
    return [b for b in message["content"] if isinstance(b, dict) and b.get("type") == "tool_result"]


def offers_no_tools(body: JSONDict) -> bool:
    """Default side-request test: Claude Code's main loop always sends its tool list."""
    tools = body.get("tools")
    return not (isinstance(tools, list) and tools)


class AnthropicStub:
    """Scripted ``/v1/messages`` server on 127.0.0.1, run in a daemon thread.

    Use as a context manager (or call :meth:`start` / :meth:`stop`); ``url`` is the value for
    ``ANTHROPIC_BASE_URL``.
    """

    def __init__(
        self,
        turns: Iterable[Turn] = (),
        *,
        final_text: str = DEFAULT_FINAL_TEXT,
        is_side_request: Callable[[JSONDict], bool] = offers_no_tools,
        log_path: Path | None = None,
    ) -> None:
        self.final_text = final_text
        self._is_side_request = is_side_request
        self._log_path = log_path
        self._lock = threading.Lock()
        self._state = _ScriptState(turns=list(turns))
        self._tool_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._requests: list[RecordedRequest] = []
        self._tool_results: list[ToolResult] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        # Handler threads must not keep pytest alive if a client connection lingers.
        server.daemon_threads = True
        self._server = server
        # A short poll interval: shutdown() waits for the loop's next poll, once per test.
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="anthropic-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("AnthropicStub is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting and inspection ---------------------------------------------------------

    def set_script(self, turns: Iterable[Turn]) -> None:
        """Replace the script and forget the progress through the old one."""
        with self._lock:
            self._state = _ScriptState(turns=list(turns))

    @property
    def turns_served(self) -> int:
        with self._lock:
            return self._state.next_turn

    @property
    def script_done(self) -> bool:
        with self._lock:
            return self._state.next_turn >= len(self._state.turns)

    @property
    def tool_results(self) -> list[JSONDict]:
        """Recorded tool results, in arrival order, as plain dicts.

        Keys: ``tool_use_id``, ``content`` (text), ``is_error``, ``tool_name`` and
        ``tool_input`` (of the call the stub issued, None for ids it did not issue).
        """
        with self._lock:
            return [r.as_dict() for r in self._tool_results]

    def tool_result_for(self, tool_use_id: str) -> JSONDict:
        for result in self.tool_results:
            if result["tool_use_id"] == tool_use_id:
                return result
        raise KeyError(tool_use_id)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def message_requests(self) -> list[JSONDict]:
        """Bodies of the main-loop ``/v1/messages`` requests (side requests excluded)."""
        return [r.body for r in self.requests if r.kind == "main"]

    def describe_requests(self) -> str:
        """One line per request, for assertion messages."""
        lines = []
        for r in self.requests:
            extra = ""
            if isinstance(r.body, dict) and r.kind in ("main", "side"):
                last = _last_user_message(r.body)
                preview = _flatten_content(last.get("content")) if last else ""
                results = [_flatten_content(b.get("content")) for b in tool_result_blocks(r.body)]
                extra = f" tool_results={results!r}" if results else f" last_user={preview[-120:]!r}"
            lines.append(f"{r.method} {r.path} [{r.kind}]{extra}")
        return "\n".join(lines) or "(no requests)"

    # -- request handling (called from handler threads) -------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
        if self._log_path is not None:
            entry = {
                "method": request.method,
                "path": request.path,
                "kind": request.kind,
                "body": request.body,
            }
            with self._lock, self._log_path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")

    def _classify(self, body: Any) -> str:
        if not isinstance(body, dict):
            return "side"
        try:
            return "side" if self._is_side_request(body) else "main"
        except Exception:
            # A broken custom classifier must not kill the handler thread mid-run.
            return "side"

    def _reply_for(self, body: JSONDict) -> _Reply:
        # metadata carries the client's session id: the same prompt in two runs is not a retry.
        session = json.dumps(body.get("metadata"), sort_keys=True, default=str)
        key = json.dumps({"messages": body.get("messages"), "session": session}, sort_keys=True, default=str)
        fingerprint = hashlib.sha256(key.encode()).hexdigest()
        with self._lock:
            state = self._state
            cached = state.answered.get(fingerprint)
            if cached is not None:
                return cached
            for block in tool_result_blocks(body):
                self._remember_result(session, block)
            reply = self._next_reply_locked()
            state.answered[fingerprint] = reply
            return reply

    def _remember_result(self, session: str, block: JSONDict) -> None:
        tool_use_id = str(block.get("tool_use_id", ""))
        if (session, tool_use_id) in self._state.recorded:
            return
        self._state.recorded.add((session, tool_use_id))
        call = self._state.issued.get(tool_use_id)
        self._tool_results.append(
            ToolResult(
                tool_use_id=tool_use_id,
                content=_flatten_content(block.get("content")),
                is_error=bool(block.get("is_error", False)),
                tool_name=call.name if call else None,
                tool_input=call.input if call else None,
            )
        )

    def _side_reply(self) -> _Reply:
        return _Reply(
            [{"type": "text", "text": SIDE_REQUEST_TEXT}],
            "end_turn",
            f"msg_side_{next(self._message_ids):04d}",
        )

    def _next_reply_locked(self) -> _Reply:
        state = self._state
        message_id = f"msg_stub_{next(self._message_ids):04d}"
        if state.next_turn >= len(state.turns):
            return _Reply([{"type": "text", "text": self.final_text}], "end_turn", message_id)
        turn = state.turns[state.next_turn]
        state.next_turn += 1
        if isinstance(turn, str):
            return _Reply([{"type": "text", "text": turn}], "end_turn", message_id)
        blocks: list[JSONDict] = []
        for call in turn:
            tool_use_id = call.id or f"toolu_stub_{next(self._tool_ids):04d}"
            state.issued[tool_use_id] = call
            blocks.append(
                {"type": "tool_use", "id": tool_use_id, "name": call.name, "input": dict(call.input)}
            )
        return _Reply(blocks, "tool_use" if blocks else "end_turn", message_id)


# -- wire format ---------------------------------------------------------------------------


def _message(body: JSONDict, reply: _Reply) -> JSONDict:
    return {
        "id": reply.message_id,
        "type": "message",
        "role": "assistant",
        "model": str(body.get("model", "stub-model")),
        "content": reply.blocks,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    }


def _sse_events(body: JSONDict, reply: _Reply) -> Iterable[tuple[str, JSONDict]]:
    start = _message(body, _Reply([], reply.stop_reason, reply.message_id))
    start["stop_reason"] = None
    yield "message_start", {"type": "message_start", "message": start}
    for index, block in enumerate(reply.blocks):
        if block["type"] == "tool_use":
            opening = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        else:
            opening = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        yield "content_block_start", {"type": "content_block_start", "index": index, "content_block": opening}
        yield "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": 1},
        },
    )
    yield "message_stop", {"type": "message_stop"}


def _make_handler(stub: AnthropicStub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 with explicit Content-Length: the client keeps connections alive.
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
            pass  # requests are recorded on the stub; stderr noise would clutter pytest output

        def _read_body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            if not raw:
                return None
            try:
                return json.loads(raw)
            except ValueError:
                return raw.decode("utf-8", errors="replace")

        def _send(self, status: int, payload: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("request-id", "req_stub")
            self.end_headers()
            self.wfile.write(payload)

        def _send_json(self, status: int, payload: JSONDict) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _other(self, body: Any) -> None:
            stub._record(RecordedRequest(self.command, self.path, dict(self.headers), body, "other"))
            self._send_json(
                HTTPStatus.NOT_FOUND,
                {"type": "error", "error": {"type": "not_found_error", "message": "not served by the stub"}},
            )

        def do_GET(self) -> None:
            self._other(None)

        def do_HEAD(self) -> None:
            stub._record(RecordedRequest("HEAD", self.path, dict(self.headers), None, "other"))
            self.send_response(HTTPStatus.NOT_FOUND)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            body = self._read_body()
            route = urlsplit(self.path).path.rstrip("/")
            headers = dict(self.headers)
            if route == "/v1/messages/count_tokens":
                stub._record(RecordedRequest("POST", self.path, headers, body, "count_tokens"))
                self._send_json(HTTPStatus.OK, {"input_tokens": 1})
                return
            if route != "/v1/messages":
                self._other(body)
                return
            kind = stub._classify(body)
            stub._record(RecordedRequest("POST", self.path, headers, body, kind))
            if not isinstance(body, dict):
                self._send_json(
                    HTTPStatus.BAD_REQUEST,
                    {"type": "error", "error": {"type": "invalid_request_error", "message": "bad JSON"}},
                )
                return
            reply = stub._side_reply() if kind == "side" else stub._reply_for(body)
            if body.get("stream"):
                payload = "".join(
                    f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in _sse_events(body, reply)
                ).encode()
                self._send(HTTPStatus.OK, payload, "text/event-stream")
            else:
                self._send_json(HTTPStatus.OK, _message(body, reply))

    return Handler
