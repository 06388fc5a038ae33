"""`crane mcp`: a stdio MCP server that tells the agent where it stands (official `mcp` SDK).

Tools, all read-only (none changes state or reveals a value):
- `crane_preflight`: the session's resolution (environment, API base and named URLs, venture,
  fallback, guard mode, dry run, sandbox state) and the NAMES of the injected secrets;
- `crane_run_status`: this run's intercepted and denied calls and its hook alerts, redacted;
- `crane_smoke`: the profile's smoke checks against this session's environment.

The server answers from the session it was started in: the `CRANE_*` variables `crane launch`
gave the agent. No tool takes a venture or environment argument, so the agent cannot point it
at another venture or environment.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from crane.errors import CraneError

SERVER_NAME = "crane"
TOOLS = ("crane_preflight", "crane_run_status", "crane_smoke")


def session_request(environ: Mapping[str, str]) -> Any:
    """The Request that reproduces this session's resolution (a fallback falls back again)."""
    from crane.resolve import Request

    return Request(env_flag=environ.get("CRANE_ENV_REQUESTED") or environ.get("CRANE_ENV") or None,
                   venture_flag=environ.get("CRANE_VENTURE") or None)


def preflight_facts(environ: Mapping[str, str]) -> dict[str, Any]:
    from crane.context import facts_from_environ
    from crane.resolve import resolve

    return facts_from_environ(resolve(session_request(environ)), environ)


def run_status(environ: Mapping[str, str]) -> dict[str, Any]:
    """This run's guard decisions that did not allow, and its alerts; redacted at the source.

    In a `crane launch` session the guard supervisor answers (CRANE_GUARD_SOCKET): under the sandbox
    crane's state dir is hidden from the agent and from this server, the supervisor is not. Without
    a supervisor (or when it does not answer) the state dir is read directly, where it is visible.
    """
    from crane.guard.rules.config import load_guard_config
    from crane.guard.run.client import PID_VAR, SOCKET_VAR
    from crane.guard.run.redact import Redactor
    from crane.guard.run.status import run_status as read_status

    run_id = environ.get("CRANE_RUN_ID")
    if not run_id:
        raise CraneError("not inside a crane session (CRANE_RUN_ID is not set)")
    redactor = Redactor.from_environ(environ)
    note = ""
    if environ.get(SOCKET_VAR):
        from crane.guard.run.client import ClientError, ask_status

        try:
            pid = environ.get(PID_VAR)
            answer = json.loads(ask_status(environ[SOCKET_VAR], expected_pid=int(pid) if pid else None))
            if not isinstance(answer, dict) or answer.get("run_id") != run_id:
                raise ValueError("the guard supervisor answered for another run")
            # Redacted by the supervisor already; once more here, with this server's own secret set.
            status: dict[str, Any] = {**redactor.redact_obj(answer), "visible": True, "source": "guard supervisor"}
            return status
        except (ClientError, ValueError) as exc:
            note = redactor.redact(f"the session's guard supervisor did not answer ({exc}); ")
    state_dir = load_guard_config(environ).state_dir
    if not os.path.isdir(state_dir):
        return {"run_id": run_id, "visible": False, "decisions": [], "alerts": [],
                "note": f"{note}crane's state is not visible from here (the sandbox hides it); ask the user to "
                        f"run `crane runs show {run_id}` outside the session"}
    status = {**read_status(state_dir, run_id, redactor), "visible": True, "source": "state dir"}
    if note:
        status["note"] = note.removesuffix("; ")
    return status


def smoke_facts(environ: Mapping[str, str]) -> dict[str, Any]:
    from crane.smoke_report import smoke_report

    return smoke_report(session_request(environ), max_seconds=60.0)


def _answer(produce: Any, environ: Mapping[str, str]) -> dict[str, Any]:
    try:
        result: dict[str, Any] = produce(environ)
    except CraneError as exc:  # the agent gets the message and hint, never a traceback
        return {"error": exc.message, "hint": exc.hint}
    return result


def build_server(environ: Mapping[str, str] | None = None) -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ToolAnnotations

    env = dict(os.environ if environ is None else environ)
    instructions = ("crane: which environment this agent session is in, what the guard decided in this run, and "
                    "the profile's smoke checks. Read-only.")
    server: MCPServer[Any] = MCPServer(SERVER_NAME, instructions=instructions)
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                                open_world_hint=False)

    @server.tool(annotations=read_only)
    def crane_preflight() -> dict[str, Any]:
        """This session's environment (staging or production), API base and named URLs, venture, fallback,
        guard mode, dry run, sandbox state and the NAMES of the injected secrets (never values)."""
        return _answer(preflight_facts, env)

    @server.tool(annotations=read_only)
    def crane_run_status() -> dict[str, Any]:
        """The calls crane's guard denied or intercepted in this run, and its hook alerts (redacted)."""
        return _answer(run_status, env)

    @server.tool(annotations=ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=True))
    def crane_smoke() -> dict[str, Any]:
        """Run the profile's smoke checks (health endpoints, with retries) against this session's environment."""
        return _answer(smoke_facts, env)

    return server


def serve() -> None:
    build_server().run("stdio")


def client_config(python: str) -> dict[str, Any]:
    """The `mcpServers` JSON for clients (Claude Code's --mcp-config, hand-started clients)."""
    return {"mcpServers": {SERVER_NAME: {"type": "stdio", "command": python,
                                         "args": ["-I", "-c", "from crane.mcp_server import serve; serve()"]}}}
