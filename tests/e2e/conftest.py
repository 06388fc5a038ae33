"""Fixtures for end-to-end tests against the real Claude Code client."""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

from .agent_clients import ClientUnavailable, find_client
from .anthropic_stub import AnthropicStub
from .claude_client import ClaudeUnavailable, find_claude
from .gemini_stub import GeminiStub
from .openai_stub import OpenAIStub

# The scenarios shared by the Codex and Gemini launch tests assert too: pytest explains their failures.
pytest.register_assert_rewrite("tests.e2e.launch_scenarios")

STUB_LOG_NAME = "stub-requests.jsonl"


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """The pinned Claude Code binary (found, or installed by scripts/install-claude-code.sh).

    Missing client: a skip on a developer machine, a failure in CI, where a silently skipped
    e2e suite would let a fail-open guard through unnoticed.
    """
    try:
        return find_claude()
    except ClaudeUnavailable as exc:
        message = f"Claude Code client unavailable: {exc}"
        if running_in_ci():
            pytest.fail(f"{message} (CI=true: the e2e suite must not be skipped)", pytrace=False)
        pytest.skip(message)


def _client(agent: str) -> Path:
    try:
        return find_client(agent)
    except ClientUnavailable as exc:
        message = f"{agent} client unavailable: {exc}"
        if running_in_ci():
            pytest.fail(f"{message} (CI=true: the e2e suite must not be skipped)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(scope="session")
def codex_bin() -> Path:
    """The pinned Codex CLI (CRANE_TEST_CODEX, the test cache, or scripts/install-agent-client.sh)."""
    return _client("codex")


@pytest.fixture(scope="session")
def gemini_bin() -> Path:
    """The pinned Gemini CLI (CRANE_TEST_GEMINI, the test cache, or scripts/install-agent-client.sh)."""
    return _client("gemini")


@pytest.fixture
def openai_stub(tmp_path: Path) -> Iterator[OpenAIStub]:
    """The OpenAI Responses stand-in; every request and tool result also goes to stub-requests.jsonl."""
    with OpenAIStub(log_path=tmp_path / STUB_LOG_NAME) as stub:
        yield stub


@pytest.fixture
def gemini_stub(tmp_path: Path) -> Iterator[GeminiStub]:
    """The Gemini API stand-in; every request and tool result also goes to stub-requests.jsonl."""
    with GeminiStub(log_path=tmp_path / STUB_LOG_NAME) as stub:
        yield stub


@pytest.fixture
def anthropic_stub(tmp_path: Path) -> Iterator[AnthropicStub]:
    """A running stub with an empty script; call ``set_script`` before ``run_claude``.

    Every request is also appended to ``tmp_path/stub-requests.jsonl`` for post-mortems.
    """
    with AnthropicStub(log_path=tmp_path / STUB_LOG_NAME) as stub:
        yield stub


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """The directory claude runs in (and where scripted Bash commands write)."""
    path = tmp_path / "work"
    path.mkdir()
    return path


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # On failure, show what the client asked the stub: most harness failures (a hook that did
    # not fire, a run that stopped early) are obvious from that list.
    report = yield
    if report.when == "call" and report.failed:
        funcargs = getattr(item, "funcargs", {})
        for name in ("anthropic_stub", "openai_stub", "gemini_stub"):
            stub = funcargs.get(name)
            if isinstance(stub, AnthropicStub | OpenAIStub | GeminiStub):
                report.sections.append((f"{name} requests", stub.describe_requests()))
    return report
