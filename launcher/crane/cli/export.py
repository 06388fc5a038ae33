"""`crane export`: print the resolved secrets WITH values, for scripts and CI (never for agents)."""

from __future__ import annotations

import json
import shlex
from enum import StrEnum
from typing import Annotated

import typer

from crane.cli.options import EnvOpt, NoFallbackOpt, OfflineOpt, ProfilesDirOpt, VentureOpt, build_request
from crane.envname import is_truthy
from crane.errors import CraneError


class Format(StrEnum):
    dotenv = "dotenv"
    json = "json"
    shell = "shell"


def render(secrets: dict[str, str], fmt: Format) -> str:
    if fmt is Format.json:
        return json.dumps(secrets, indent=2, sort_keys=True)
    if fmt is Format.shell:
        return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in sorted(secrets.items()))
    # dotenv: double quotes with escapes that python-dotenv and most loaders read back unchanged.
    def quote(v: str) -> str:
        escaped = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        return '"' + escaped + '"'  # \r too: a raw CR in a file is read back as a newline

    return "\n".join(f"{k}={quote(v)}" for k, v in sorted(secrets.items()))


def register(app: typer.Typer) -> None:
    @app.command()
    def export(
        venture: VentureOpt = None,
        env: EnvOpt = None,
        profiles_dir: ProfilesDirOpt = None,
        no_fallback: NoFallbackOpt = False,
        offline: OfflineOpt = False,
        fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.dotenv,
    ) -> int:
        """Print the secrets with their VALUES (for scripts and CI; refused inside an agent session).

        Example: crane export --venture alpha --env staging --format json > secrets.json
        """
        import os

        from crane.secrets import FetchOptions
        from crane.session import resolve_and_fetch

        if is_truthy(os.environ.get("CRANE_AGENT")):
            raise CraneError("crane export is refused inside an agent session (CRANE_AGENT=1)",
                             "an agent must not dump secrets; run it from your own shell")
        result = resolve_and_fetch(build_request(venture, env, profiles_dir, no_fallback),
                                   FetchOptions(offline=offline))
        text = render(result.secrets, fmt)
        if text:
            typer.echo(text)
        return 0
