"""`crane mcp`: the stdio MCP server for the agent (or, with --print-config, its client JSON)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command()
    def mcp(
        print_config: Annotated[bool, typer.Option(
            "--print-config", help="Print the mcpServers JSON for a hand-started client.")] = False,
    ) -> int:
        """Serve crane's read-only MCP tools on stdio (crane_preflight, crane_run_status, crane_smoke).

        `crane launch claude` registers it for the session by itself. For a hand-started client:
        crane mcp --print-config > .mcp.json
        """
        from crane.mcp_server import client_config, serve

        if print_config:
            typer.echo(json.dumps(client_config(sys.executable), indent=2))
            return 0
        serve()
        return 0
