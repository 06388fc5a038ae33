"""`crane smoke`: the profile's smoke checks against the resolved environment's URLs."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from crane.cli.options import EnvOpt, NoFallbackOpt, ProfilesDirOpt, VentureOpt, build_request


def register(app: typer.Typer) -> None:
    @app.command()
    def smoke(
        venture: VentureOpt = None,
        env: EnvOpt = None,
        profiles_dir: ProfilesDirOpt = None,
        no_fallback: NoFallbackOpt = False,
        max_seconds: Annotated[float, typer.Option("--max-seconds", min=1.0,
                                                   help="Time budget for all checks together.")] = 120.0,
        as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    ) -> int:
        """Run the profile's [[smoke]] checks (health endpoints, with retries) against the environment.

        Exit 0 when every check passes, 1 when one fails, 2 for a bad profile.
        Example, after a staging deploy: crane smoke --venture alpha --env staging
        """
        from crane.smoke_report import smoke_report

        report = smoke_report(build_request(venture, env, profiles_dir, no_fallback), max_seconds=max_seconds)
        for warning in report["warnings"]:
            typer.echo(warning, err=True)
        if as_json:
            typer.echo(json.dumps(report, indent=2))
        else:
            typer.echo(f"Smoke checks: {report['environment_name']} ({report['venture']})")
            for check in report["checks"]:
                mark = "ok  " if check["ok"] else "FAIL"
                tries = f"{check['attempts']} attempt{'s' if check['attempts'] != 1 else ''}"
                line = f"  [{mark}] {check['name']}: {check['url']} ({tries}, {check['seconds']:.2f} s)"
                if not check["ok"]:
                    line += f": {check['error']}"
                typer.echo(line)
            passed = sum(1 for c in report["checks"] if c["ok"])
            typer.echo(f"Result: {passed}/{len(report['checks'])} passed")
        return 0 if report["ok"] else 1
