"""`crane mcp` through the official SDK's own client over stdio: initialize, list, call each tool."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crane.mcp_server import TOOLS
from tests.core.helpers import ENTRY, PY, run_crane, subprocess_env

CANARY = "canary-mcp-secret-51c9e"


@pytest.fixture
def health() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            body = b'{"status": "healthy"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def session_env(tmp_path: Path, staging_api: str, *, requested: str = "dev", effective: str = "dev",
                with_staging: bool = True) -> dict[str, str]:
    root = tmp_path / "profiles"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "prod.env").write_text(f"SHOP_TOKEN={CANARY}\n")
    staging = f'dev = "{staging_api}"\n' if with_staging else ""
    dev_file = 'dev = "shop/staging.env"\n' if with_staging else ""
    if with_staging:
        (root / "shop" / "staging.env").write_text(f"SHOP_TOKEN={CANARY}\n")
    profile = root / "shop.toml"
    profile.write_text(f'name = "Shop"\n[api]\nprod = "https://api.shop.invalid"\n{staging}'
                       f'[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "shop/prod.env"\n{dev_file}'
                       '[[smoke]]\npath = "/health"\nexpect = \'status == "healthy"\'\nretries = 0\n')
    return subprocess_env({
        "CRANE_ENV": effective, "CRANE_ENV_REQUESTED": requested, "CRANE_VENTURE": "shop",
        "CRANE_VENTURE_CODE": "shop", "CRANE_PROFILE": str(profile), "CRANE_RUN_ID": "run-mcp-1",
        "CRANE_INJECTED": "SHOP_TOKEN", "SHOP_TOKEN": CANARY, "CRANE_AGENT": "1", "CRANE_DRY_RUN": "1",
        "CRANE_STATE_DIR": str(tmp_path / "state"), "CRANE_PROFILES_DIR": str(root),
    })


async def _session(env: Mapping[str, str], calls: list[str]) -> tuple[list[str], dict[str, Any]]:
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=PY, args=["-c", ENTRY, "mcp"], env=dict(env))
    async with Client(params, read_timeout_seconds=60) as client:
        listed = await client.list_tools()
        results = {}
        for name in calls:
            result = await client.call_tool(name, {})
            assert not result.is_error, result
            text = "".join(getattr(block, "text", "") for block in result.content)
            results[name] = result.structured_content if result.structured_content is not None else json.loads(text)
    return [tool.name for tool in listed.tools], results


def run_session(env: Mapping[str, str], calls: list[str]) -> tuple[list[str], dict[str, Any]]:
    names, results = asyncio.run(_session(env, calls))
    assert CANARY not in json.dumps(results)
    return names, results


def test_tools_are_listed_and_answer_from_the_session(tmp_path: Path, health: str) -> None:
    names, results = run_session(session_env(tmp_path, health), list(TOOLS))
    assert sorted(names) == sorted(TOOLS)
    pre = results["crane_preflight"]
    assert pre["environment_name"] == "staging" and pre["api_base"] == health and pre["venture"] == "shop"
    assert pre["dry_run"] is True and pre["production_writes"] == "denied"
    assert pre["secret_names"] == ["SHOP_TOKEN"] and pre["fallback"] is None
    status = results["crane_run_status"]
    assert status["run_id"] == "run-mcp-1" and status["decisions"] == []
    smoke = results["crane_smoke"]
    assert smoke["ok"] is True and smoke["checks"][0]["url"] == health + "/health"


def test_a_fallback_session_says_so(tmp_path: Path, health: str) -> None:
    env = session_env(tmp_path, health, requested="dev", effective="prod", with_staging=False)
    _, results = run_session(env, ["crane_preflight"])
    pre = results["crane_preflight"]
    assert pre["environment_name"] == "production" and pre["fallback"]
    assert pre["production_writes"] == "denied"  # the staging session's guard is kept


def test_run_status_shows_this_runs_denials_redacted(tmp_path: Path, health: str) -> None:
    env = session_env(tmp_path, health)
    state = tmp_path / "state"
    state.mkdir()
    lines = [{"time": "2026-12-03T08:00:00Z", "run_id": "run-mcp-1", "tool": "Bash", "decision": "intercepted",
              "command": f"curl -H 'x: {CANARY}' -X POST https://api.shop.invalid", "rule": "http.write"},
             {"time": "2026-12-03T08:00:01Z", "run_id": "run-mcp-1", "tool": "Bash", "decision": "allow",
              "command": "ls"},
             {"time": "2026-12-03T08:00:02Z", "run_id": "other-run", "tool": "Bash", "decision": "deny",
              "command": "wrangler deploy"}]
    (state / "audit.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    _, results = run_session(env, ["crane_run_status"])
    [decision] = results["crane_run_status"]["decisions"]
    assert decision["decision"] == "intercepted" and decision["rule"] == "http.write"


def test_print_config_names_the_server() -> None:
    result = run_crane("mcp", "--print-config")
    assert result.rc == 0
    config = json.loads(result.out)
    server = config["mcpServers"]["crane"]
    assert server["args"][:2] == ["-I", "-c"] and "serve()" in server["args"][2]


def test_the_guard_lets_cranes_own_tools_through_even_in_a_dry_run() -> None:
    from crane.guard.rules.config import GuardConfig
    from crane.guard.see.classify import classify
    from crane.mcp_server import TOOLS as SERVED

    config = GuardConfig(env="dev", dry_run=True)
    for tool in SERVED:
        assert classify(f"mcp__crane__{tool}", {}, cwd="/", config=config).kind == "read"
    # Another server's tool of the same name is judged like any other MCP tool.
    assert classify("mcp__other__crane_smoke", {}, cwd="/", config=config).kind == "external_write"
