"""`crane init`: create a venture's profile and the project's `.crane.toml`, from flags or questions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from crane.errors import UsageError


def _ask(question: str, default: str | None = None) -> str:
    """One question on stderr, the answer from stdin (stdout stays the command's own output)."""
    shown = f" [{default}]" if default else ""
    typer.echo(f"{question}{shown}: ", err=True, nl=False)
    line = sys.stdin.readline()
    if not line:  # end of input: nobody answered
        raise typer.Abort()
    return line.strip() or (default or "")


def register(app: typer.Typer) -> None:
    @app.command()
    def init(
        venture: Annotated[str | None, typer.Option("--venture", "-v", help="Venture code, e.g. acme.")] = None,
        name: Annotated[str | None, typer.Option("--name", help="Display name (default: the code).")] = None,
        prod_api: Annotated[str | None, typer.Option("--prod-api", help="Production API base URL.")] = None,
        staging_api: Annotated[str | None, typer.Option(
            "--staging-api", help="Staging API base URL (omit: no staging, requests fall back).")] = None,
        provider: Annotated[str | None, typer.Option("--provider", help="dotenv (default) or infisical.")] = None,
        project_id: Annotated[str | None, typer.Option("--project-id", help="Infisical project id.")] = None,
        infisical_host: Annotated[str | None, typer.Option(
            "--infisical-host", help="Infisical URL (default https://app.infisical.com).")] = None,
        prod_environment: Annotated[str | None, typer.Option(
            "--prod-environment", help="Infisical environment slug for production (default prod).")] = None,
        dev_environment: Annotated[str | None, typer.Option(
            "--dev-environment", help="Infisical environment slug for staging (default dev).")] = None,
        prod_path: Annotated[str | None, typer.Option(
            "--prod-path", help="Infisical secret path for production (default /<code>).")] = None,
        dev_path: Annotated[str | None, typer.Option(
            "--dev-path", help="Infisical secret path for staging (default /<code>/staging).")] = None,
        default_env: Annotated[str | None, typer.Option(
            "--default-env", help="Write env = ... into .crane.toml (the project's default environment).")] = None,
        profiles_dir: Annotated[Path | None, typer.Option(
            "--profiles-dir", help="Where to write <code>.toml (default: the user config dir).",
            show_default=False)] = None,
        project: Annotated[Path, typer.Option("--project", help="Where to write .crane.toml.")] = Path("."),
        no_project_file: Annotated[bool, typer.Option("--no-project-file", help="Do not write .crane.toml.")] = False,
    ) -> int:
        """Create a venture profile and the project's .crane.toml; never overwrites a file.

        Asks for what the flags leave out when run at a terminal. Example:
        crane init -v acme --prod-api https://api.acme.example --staging-api https://staging.api.acme.example
        """
        from crane.init import InitSpec, next_steps, plan_init, write_init
        from crane.paths import user_config_dir

        interactive = sys.stdin is not None and sys.stdin.isatty()
        if interactive and not (venture and prod_api):
            venture = venture or _ask("Venture code (lowercase, e.g. acme)")
            name = name or _ask("Name", venture)
            prod_api = prod_api or _ask("Production API base URL")
            if staging_api is None:
                staging_api = _ask("Staging API base URL (empty: no staging)")
            provider = provider or _ask("Secrets provider (dotenv or infisical)", "dotenv")
            if provider == "infisical":
                project_id = project_id or _ask("Infisical project id")
                infisical_host = infisical_host or _ask("Infisical URL", "https://app.infisical.com")
                prod_environment = prod_environment or _ask("Infisical environment for production", "prod")
                prod_path = prod_path or _ask("Secret path for production", f"/{venture}")
                if staging_api:
                    dev_environment = dev_environment or _ask("Infisical environment for staging", "dev")
                    dev_path = dev_path or _ask("Secret path for staging", f"/{venture}/staging")
        missing = [flag for flag, value in (("--venture", venture), ("--prod-api", prod_api)) if not value]
        if (provider or "dotenv") == "infisical" and not project_id:
            missing.append("--project-id")
        if missing:
            raise UsageError(f"crane init needs {', '.join(missing)}",
                             "pass them as flags, or run crane init at a terminal to be asked")
        assert venture is not None and prod_api is not None
        spec = InitSpec(
            code=venture.strip(), name=(name or venture).strip(), prod_api=prod_api.strip(),
            staging_api=(staging_api or "").strip() or None, provider=(provider or "dotenv").strip(),
            project_id=project_id, infisical_host=infisical_host or None,
            prod_environment=prod_environment or "prod", dev_environment=dev_environment or "dev",
            prod_path=prod_path or None, dev_path=dev_path or None, default_env=default_env,
        )
        target = str(profiles_dir) if profiles_dir is not None else str(user_config_dir() / "profiles")
        project_dir = None if no_project_file else str(project)
        if project_dir is not None and not project.is_dir():
            raise UsageError(f"{project}: not a directory", "give an existing project directory with --project")
        plan = plan_init(spec, target, project_dir)
        for path in write_init(plan):
            typer.echo(f"created {path}")
        typer.echo("next:")
        for i, step in enumerate(next_steps(spec, plan, project_dir), 1):
            typer.echo(f"  {i}. {step}")
        return 0
