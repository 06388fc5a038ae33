"""Options shared by every command that resolves a session (so `--env` means the same everywhere)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated

import typer

from crane.errors import UsageError
from crane.resolve import Request

VentureOpt = Annotated[
    str | None, typer.Option("--venture", "-v", help="Venture code (else CRANE_VENTURE, .crane.toml, menu).")
]
EnvOpt = Annotated[
    str | None, typer.Option("--env", "-e", help="prod|production|prd|live or dev|staging|stage|stg|development.")
]
ProfilesDirOpt = Annotated[
    Path | None, typer.Option("--profiles-dir", help="Look for <venture>.toml here first.", show_default=False)
]
NoFallbackOpt = Annotated[
    bool, typer.Option("--no-fallback", help="Fail instead of falling back to production when staging is missing.")
]
OfflineOpt = Annotated[
    bool, typer.Option("--offline", help="Use the encrypted offline copy of the secrets; no network.")
]


def choose_interactively(known: Mapping[str, str]) -> str:
    """Numbered menu on stderr; only offered when stdin is a terminal."""
    codes = sorted(known)
    for i, code in enumerate(codes, 1):
        typer.echo(f"  {i}) {code}", err=True)
    # Not typer.prompt: it echoes a blank through input() onto stdout, which belongs to the child
    # (crane run) or to the JSON (preflight --json). Prompt and answer stay on stderr/stdin.
    typer.echo("Venture (number or code): ", err=True, nl=False)
    line = sys.stdin.readline()
    if not line:  # end of input: nobody chose
        raise typer.Abort()
    answer = line.strip()
    if answer.isdigit() and 1 <= int(answer) <= len(codes):
        return codes[int(answer) - 1]
    if answer in known:
        return answer
    raise UsageError(f"no venture {answer!r} in the menu")


def build_request(venture: str | None, env: str | None, profiles_dir: Path | None,
                  no_fallback: bool = False) -> Request:
    interactive = sys.stdin is not None and sys.stdin.isatty()
    return Request(
        env_flag=env,
        venture_flag=venture,
        profiles_dir=str(profiles_dir) if profiles_dir else None,
        no_fallback=no_fallback,
        chooser=choose_interactively if interactive else None,
    )
