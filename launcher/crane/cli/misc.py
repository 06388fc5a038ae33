"""Small commands: ventures, login/logout, drift, alerts, runs."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from crane.cli.options import EnvOpt, ProfilesDirOpt, VentureOpt, build_request

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]


def register(app: typer.Typer) -> None:
    @app.command()
    def ventures(profiles_dir: ProfilesDirOpt = None, as_json: JsonOpt = False) -> int:
        """List the ventures visible along the profile search path (a broken profile stays listed).

        Example: crane ventures
        """
        from crane.errors import ProfileError
        from crane.profiles import list_ventures, load_profile, search_dirs

        rows = []
        for code, path in list_ventures(search_dirs(str(profiles_dir) if profiles_dir else None)).items():
            try:
                p = load_profile(path)
                rows.append({"venture": code, "name": p.name, "profile": str(path), "provider": p.provider,
                             "staging": not p.staging_gaps(), "error": None})
            except ProfileError as exc:
                rows.append({"venture": code, "name": None, "profile": str(path), "provider": None,
                             "staging": None, "error": exc.message})
        if as_json:
            typer.echo(json.dumps(rows, indent=2))
            return 0
        if not rows:
            typer.echo("no ventures found (see: crane preflight --help, docs/configuration.md)", err=True)
        for r in rows:
            if r["error"]:
                typer.echo(f"{r['venture']:<16} BROKEN  {r['error']}")
            else:
                staging = "staging+prod" if r["staging"] else "prod only"
                typer.echo(f"{r['venture']:<16} {r['provider']:<10} {staging:<13} {r['profile']}")
        return 0

    _ = (EnvOpt, VentureOpt, build_request)  # used by the commands registered below
