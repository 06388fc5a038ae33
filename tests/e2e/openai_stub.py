"""A scripted stand-in for the OpenAI Responses API (what Codex CLI 0.171.0 calls), stdlib only.

Codex is pointed at it with a `model_providers.<id>` override (`base_url = <url>/v1`,
`wire_api = "responses"`). `POST /v1/responses` is answered with server-sent events
(`response.created`, `response.output_item.added`/`.done` per item, `response.completed`);
`GET /v1/models` with an empty list. The turn to serve follows the number of
`function_call_output` items in the request's `input`; each output is logged as a tool result
(`call_id`, `tool_name`, `arguments`, `output`) so tests can read what the model was told.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any
from urllib.parse import urlsplit

from .scripted_server import Call, JSONDict, Reply, ScriptedServer, json_reply, sse_reply

__all__ = ["Call", "OpenAIStub", "exec_command", "write_stdin"]


def exec_command(cmd: str, **extra: Any) -> Call:
    """Codex's shell tool: `exec_command {"cmd": ...}` (`tty: true` opens a terminal session)."""
    return Call("exec_command", {"cmd": cmd, **extra})


# In a write_stdin call: the session id of the newest "session ID N" the client reported.
LAST_SESSION = "<last session id>"


def write_stdin(chars: str, session_id: int | str = LAST_SESSION) -> Call:
    return Call("write_stdin", {"session_id": session_id, "chars": chars, "yield_time_ms": 500})


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        return "\n".join(str(i.get("text", "")) for i in output if isinstance(i, dict))
    return json.dumps(output)


def _fill(args: Any, sessions: list[int]) -> JSONDict:
    return {k: (sessions[-1] if sessions else 0) if v == LAST_SESSION else v for k, v in dict(args).items()}


class OpenAIStub(ScriptedServer):
    name = "openai-stub"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ids = itertools.count(1)

    def handle(self, method: str, path: str, body: Any) -> Reply:
        route = urlsplit(path).path.rstrip("/")
        if method == "GET" and route.endswith("/models"):
            return json_reply({"object": "list", "data": [], "models": []})
        if method == "POST" and route.endswith("/responses") and isinstance(body, dict):
            return self._respond(body)
        return json_reply({"error": {"message": f"not served by the stub: {method} {path}"}}, 404)

    def _respond(self, body: JSONDict) -> Reply:
        items = [i for i in body.get("input") or [] if isinstance(i, dict)]
        calls = {i.get("call_id"): i for i in items if i.get("type") == "function_call"}
        outputs = [i for i in items if i.get("type") == "function_call_output"]
        for out in outputs:
            call = calls.get(out.get("call_id"), {})
            self.record_result(str(out.get("call_id")), {
                "call_id": out.get("call_id"), "tool_name": call.get("name"),
                "arguments": call.get("arguments"), "output": _output_text(out.get("output")),
            })
        turn = self.turn_for(len(outputs))
        n = len(outputs)
        sessions = [int(m) for out in outputs for m in re.findall(r"session ID (\d+)", _output_text(out.get("output")))]
        if isinstance(turn, str):
            output = [{"type": "message", "id": f"msg_{n}", "role": "assistant", "status": "completed",
                       "content": [{"type": "output_text", "text": turn, "annotations": []}]}]
        else:
            # call ids derive from the turn, so a retried request gets the same ids
            output = [{"type": "function_call", "id": f"fc_{n}_{k}", "call_id": f"call_{n}_{k}", "name": c.name,
                       "arguments": json.dumps(_fill(c.args, sessions)), "status": "completed"}
                      for k, c in enumerate(turn)]
        response_id = f"resp_{next(self._ids)}"
        model = str(body.get("model", "gpt-stub"))
        base = {"id": response_id, "object": "response", "created_at": 0, "model": model}
        usage = {"input_tokens": 1, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 1,
                 "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 2}
        events: list[tuple[str | None, Any]] = [
            ("response.created", {"type": "response.created", "response": {**base, "status": "in_progress",
                                                                           "output": []}})]
        for index, item in enumerate(output):
            events.append(("response.output_item.added",
                           {"type": "response.output_item.added", "output_index": index, "item": item}))
            events.append(("response.output_item.done",
                           {"type": "response.output_item.done", "output_index": index, "item": item}))
        events.append(("response.completed", {"type": "response.completed",
                                               "response": {**base, "status": "completed", "output": output,
                                                            "usage": usage}}))
        return sse_reply(events)
