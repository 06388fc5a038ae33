"""`crane preflight`: show what a launch would do; never a secret value."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from crane.cli.options import EnvOpt, NoFallbackOpt, OfflineOpt, ProfilesDirOpt, VentureOpt, build_request


def register(app: typer.Typer) -> None:
    @app.command()
    def preflight(
        venture: VentureOpt = None,
        env: EnvOpt = None,
        profiles_dir: ProfilesDirOpt = None,
        no_fallback: NoFallbackOpt = False,
        offline: OfflineOpt = False,
        agent: Annotated[str | None, typer.Option("--agent", help="Require this agent binary.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    ) -> int:
        """Show environment, API, secrets source and secret NAMES, and check everything.

        Example: crane preflight --venture alpha --env staging
        """
        from crane.preflight import run_preflight
        from crane.render import report_json_text, report_text
        from crane.secrets import FetchOptions
        from crane.style import use_colour

        report = run_preflight(build_request(venture, env, profiles_dir, no_fallback), FetchOptions(offline=offline),
                               agent=agent)
        for note in report.notes:  # warnings go to stderr in both modes; stdout stays parseable
            typer.echo(note, err=True)
        # color=True: typer must not strip what report_text painted; it paints only for a terminal.
        typer.echo(report_json_text(report) if as_json else report_text(report, colour=use_colour(sys.stdout)),
                   color=True)
        return 0 if report.ok else 1
