"""Small commands: ventures, login/logout, drift, alerts, runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from crane.cli.options import ProfilesDirOpt, VentureOpt, build_request

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
            typer.echo("no ventures found (create one: crane init; see docs/configuration.md)", err=True)
            return 0
        from crane.cli.table import table

        cells: list[list[str]] = []
        for r in rows:
            if r["error"]:
                cells.append([str(r["venture"]), "-", "BROKEN", "-", str(r["error"])])  # the error names the file
            else:
                environments = "production, staging" if r["staging"] else "production only"
                cells.append([str(r["venture"]), str(r["name"]), str(r["provider"]), environments, str(r["profile"])])
        for line in table(["VENTURE", "NAME", "SECRETS", "ENVIRONMENTS", "PROFILE"], cells):
            typer.echo(line)
        return 0

    @app.command()
    def login(
        venture: VentureOpt = None,
        profiles_dir: ProfilesDirOpt = None,
        client_id: Annotated[str | None, typer.Option("--client-id", help="Machine identity client id.")] = None,
    ) -> int:
        """Store an Infisical machine identity (universal auth) in the OS keyring, after checking it.

        The client secret is prompted for without echo. Example: crane login --venture alpha
        """
        from crane.secrets.credentials import login as do_login

        code = _venture_code(venture, profiles_dir)
        result = do_login(code, client_id=client_id, profiles_dir=str(profiles_dir) if profiles_dir else None)
        typer.echo(f"stored credentials for {result.venture} ({result.host}, project {result.project_id}) "
                   f"in the keyring item {result.keyring_item!r}" + (" (verified)" if result.verified else ""),
                   err=True)
        return 0

    @app.command()
    def logout(venture: VentureOpt = None, profiles_dir: ProfilesDirOpt = None) -> int:
        """Remove stored Infisical credentials, cached tokens and offline copies for a venture.

        Example: crane logout --venture alpha
        """
        from crane.secrets.credentials import logout as do_logout

        result = do_logout(_venture_code(venture, profiles_dir),
                           profiles_dir=str(profiles_dir) if profiles_dir else None)
        if result.keyring_note:
            typer.echo(result.keyring_note, err=True)
        typer.echo(f"removed for {result.venture}: {', '.join(result.removed) or 'nothing was stored'}", err=True)
        return 0

    @app.command()
    def drift(venture: VentureOpt = None, profiles_dir: ProfilesDirOpt = None, as_json: JsonOpt = False) -> int:
        """Compare production and staging secrets by keyed fingerprint (never values).

        Exit 1 when a key has the SAME value in both (an isolation breach), unless it is listed in
        the profile's shared_keys. Example: crane drift --venture alpha
        """
        from crane.drift import drift as do_drift

        code = _venture_code(venture, profiles_dir)
        report = do_drift(code, profiles_dir=str(profiles_dir) if profiles_dir else None)
        for note in report.notes:
            typer.echo(note, err=True)
        if as_json:
            typer.echo(json.dumps(report.to_dict(), indent=2))
            return 1 if report.breach else 0
        typer.echo(f"drift for {report.venture}\n  production: {report.production_source}\n"
                   f"  staging:    {report.staging_source}")
        sections = (
            ("BREACH: same value in production and staging", report.identical),
            ("only in production", report.only_in_production),
            ("only in staging", report.only_in_staging),
            ("shared keys, identical (expected)", report.shared_identical),
            ("shared keys, different", report.shared_different),
            ("empty in both", report.identical_empty),
            ("different (isolated, as it should be)", report.different),
        )
        for title, keys in sections:
            if keys:
                typer.echo(f"  {title} ({len(keys)}): {', '.join(keys)}")
        for side, keys in report.missing_required.items():
            if keys:
                typer.echo(f"  required but missing in {side}: {', '.join(keys)}")
        typer.echo("Result: ISOLATION BREACH" if report.breach else "Result: isolated")
        return 1 if report.breach else 0


def _venture_code(venture: str | None, profiles_dir: object) -> str:
    """The venture these commands act on, chosen by the usual rules (flag, CRANE_VENTURE, .crane.toml, menu)."""
    from crane.resolve import resolve

    return resolve(build_request(venture, None, profiles_dir if isinstance(profiles_dir, Path) else None)).venture
