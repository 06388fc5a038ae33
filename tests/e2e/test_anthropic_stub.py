"""The stub's routing rules, checked with plain HTTP (no Claude Code client needed).

The real client exercises only the streaming main-loop path; these cover the paths it may take
on other versions or on errors: side requests, retries, non-streaming replies, other endpoints.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from .anthropic_stub import SIDE_REQUEST_TEXT, AnthropicStub, ToolCall, bash

TOOLS = [{"name": "Bash", "description": "run", "input_schema": {"type": "object"}}]
METADATA = {"user_id": '{"session_id": "s1"}'}


@pytest.fixture
def stub() -> Iterator[AnthropicStub]:
    with AnthropicStub([[bash("touch A"), bash("touch B")], "all done"], final_text="bye") as running:
        yield running


def post(stub: AnthropicStub, path: str, body: dict[str, Any]) -> tuple[int, str, str]:
    request = urllib.request.Request(
        stub.url + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers["Content-Type"], err.read().decode()


def message(stub: AnthropicStub, messages: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {
        "model": "m",
        "max_tokens": 100,
        "messages": messages,
        "tools": TOOLS,
        "metadata": METADATA,
        **extra,
    }
    status, _, text = post(stub, "/v1/messages?beta=true", body)
    assert status == 200, text
    reply: dict[str, Any] = json.loads(text)
    return reply


def prompt() -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"type": "text", "text": "go"}]}]


def answer(history: list[dict[str, Any]], reply: dict[str, Any], outputs: list[str]) -> list[dict[str, Any]]:
    tool_uses = [b for b in reply["content"] if b["type"] == "tool_use"]
    results = [
        {"type": "tool_result", "tool_use_id": use["id"], "content": [{"type": "text", "text": out}]}
        for use, out in zip(tool_uses, outputs, strict=True)
    ]
    return [
        *history,
        {"role": "assistant", "content": reply["content"]},
        {"role": "user", "content": results},
    ]


def test_plays_the_script_and_records_tool_results(stub: AnthropicStub) -> None:
    first = message(stub, prompt())
    assert first["stop_reason"] == "tool_use"
    assert [b["input"]["command"] for b in first["content"]] == ["touch A", "touch B"]

    history = answer(prompt(), first, ["out A", "out B"])
    history[-1]["content"][1]["is_error"] = True
    second = message(stub, history)

    assert second["stop_reason"] == "end_turn"
    assert second["content"] == [{"type": "text", "text": "all done"}]
    assert second["id"] != first["id"]
    assert [(r["content"], r["is_error"], r["tool_input"]) for r in stub.tool_results] == [
        ("out A", False, {"command": "touch A"}),
        ("out B", True, {"command": "touch B"}),
    ]
    assert stub.script_done
    # Past the end of the script: final_text, end_turn.
    third = message(stub, [*history, {"role": "assistant", "content": second["content"]}, *prompt()])
    assert third["content"] == [{"type": "text", "text": "bye"}]


def test_side_requests_do_not_advance_the_script(stub: AnthropicStub) -> None:
    body = {"model": "m", "max_tokens": 20, "messages": prompt(), "metadata": METADATA}
    status, _, text = post(stub, "/v1/messages", body)  # no tools: a title/summary-style query

    assert status == 200
    assert json.loads(text)["content"] == [{"type": "text", "text": SIDE_REQUEST_TEXT}]
    assert stub.turns_served == 0
    assert [r.kind for r in stub.requests] == ["side"]
    assert message(stub, prompt())["stop_reason"] == "tool_use"


def test_a_retried_request_gets_the_same_reply(stub: AnthropicStub) -> None:
    first = message(stub, prompt())
    again = message(stub, prompt())

    assert again == first
    assert stub.turns_served == 1


def test_the_same_prompt_in_another_session_is_not_a_retry(stub: AnthropicStub) -> None:
    message(stub, prompt())
    other = message(stub, prompt(), metadata={"user_id": '{"session_id": "s2"}'})

    assert other["content"] == [{"type": "text", "text": "all done"}]


def test_results_repeated_in_later_history_are_recorded_once() -> None:
    with AnthropicStub([[bash("a")], [bash("b")]]) as stub:
        first = message(stub, prompt())
        history = answer(prompt(), first, ["A"])
        second = message(stub, history)
        # A client that folded both results into its last message must not double-count "A".
        folded = answer(history[:-1], second, ["B"])
        folded[-1]["content"] = history[-1]["content"] + folded[-1]["content"]
        message(stub, folded)

        assert [r["content"] for r in stub.tool_results] == ["A", "B"]


def test_streaming_reply_is_server_sent_events(stub: AnthropicStub) -> None:
    body = {"model": "m", "max_tokens": 100, "messages": prompt(), "tools": TOOLS, "stream": True}
    status, content_type, text = post(stub, "/v1/messages?beta=true", body)

    assert status == 200
    assert content_type == "text/event-stream"
    events = [
        (
            chunk.split("\n")[0].removeprefix("event: "),
            json.loads(chunk.split("\n")[1].removeprefix("data: ")),
        )
        for chunk in text.strip().split("\n\n")
    ]
    names = [name for name, _ in events]
    assert names[0] == "message_start" and names[-2:] == ["message_delta", "message_stop"]
    assert all(name == data["type"] for name, data in events)
    partial = [d["delta"]["partial_json"] for n, d in events if n == "content_block_delta"]
    assert [json.loads(p) for p in partial] == [{"command": "touch A"}, {"command": "touch B"}]
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"


def test_fixed_tool_use_ids_are_kept() -> None:
    with AnthropicStub([[ToolCall("Write", {"file_path": "/x", "content": ""}, id="toolu_fixed")]]) as stub:
        reply = message(stub, prompt())
        assert reply["content"][0]["id"] == "toolu_fixed"


def test_other_endpoints_are_answered_and_logged(stub: AnthropicStub) -> None:
    assert post(stub, "/v1/messages/count_tokens?beta=true", {"messages": []})[0] == 200
    assert post(stub, "/api/event_logging/batch", {"events": []})[0] == 404
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(stub.url + "/v1/models", timeout=5)
    assert err.value.code == 404

    assert [(r.method, r.kind) for r in stub.requests] == [
        ("POST", "count_tokens"),
        ("POST", "other"),
        ("GET", "other"),
    ]
    assert stub.turns_served == 0
