"""A scripted stand-in for the Gemini API (what Gemini CLI 0.61.0 calls), stdlib only.

Gemini is pointed at it with `GOOGLE_GEMINI_BASE_URL`. Served:
- `POST /v1beta/models/<m>:generateContent`: side queries (the model router asks for JSON);
  answered with the router's JSON as a text part;
- `POST /v1beta/models/<m>:streamGenerateContent?alt=sse`: the turn, as one `data:` event;
- `POST /v1beta/models/<m>:countTokens`: `{"totalTokens": 10}`.
The turn to serve follows the number of `functionResponse` parts in `contents`; each is logged as
a tool result (`tool_name`, `response`, `output` as text) so tests can read what the model was told.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from .scripted_server import Call, JSONDict, Reply, ScriptedServer, json_reply, sse_reply

__all__ = ["Call", "GeminiStub", "shell", "write_file"]


def shell(command: str) -> Call:
    return Call("run_shell_command", {"command": command, "description": "scripted"})


def write_file(file_path: str, content: str) -> Call:
    return Call("write_file", {"file_path": file_path, "content": content})


# What 0.61.0's model router (NumericalClassifierStrategy) asks for; other side queries take it too.
ROUTER_ANSWER = json.dumps({"complexity_reasoning": "stand-in", "complexity_score": 10})


def _usage() -> JSONDict:
    return {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}


def _candidate(parts: list[JSONDict]) -> JSONDict:
    return {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
            "usageMetadata": _usage(), "modelVersion": "gemini-stub"}


class GeminiStub(ScriptedServer):
    name = "gemini-stub"

    def handle(self, method: str, path: str, body: Any) -> Reply:
        route = urlsplit(path).path
        if method == "POST" and route.endswith(":countTokens"):
            return json_reply({"totalTokens": 10})
        if method == "POST" and route.endswith(":generateContent"):
            return json_reply(_candidate([{"text": ROUTER_ANSWER}]))
        if method == "POST" and route.endswith(":streamGenerateContent") and isinstance(body, dict):
            return sse_reply([(None, self._turn(body))])
        return json_reply({"error": {"code": 404, "message": f"not served by the stub: {method} {path}"}}, 404)

    def _turn(self, body: JSONDict) -> JSONDict:
        responses = [part["functionResponse"] for content in body.get("contents") or [] if isinstance(content, dict)
                     for part in content.get("parts") or []
                     if isinstance(part, dict) and isinstance(part.get("functionResponse"), dict)]
        for index, response in enumerate(responses):
            self.record_result(f"{index}:{response.get('name')}", {
                "tool_name": response.get("name"), "response": response.get("response"),
                "output": json.dumps(response.get("response")),
            })
        turn = self.turn_for(len(responses))
        if isinstance(turn, str):
            return _candidate([{"text": turn}])
        return _candidate([{"functionCall": {"name": c.name, "args": dict(c.args)}} for c in turn])
