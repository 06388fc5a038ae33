"""Entry point: the typer app, and the ONE place where errors become messages and exit codes."""

from __future__ import annotations

import os
import sys
import traceback

import typer

from crane import __version__
from crane.envname import is_truthy
from crane.errors import CraneError, ExitCode

app = typer.Typer(
    name="crane",
    help="Run AI coding agents against the right environment, with the right secrets, behind a guard.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # tracebacks only with --debug, and never with locals (secrets)
    # typer's --install-completion/--show-completion (bash, zsh, fish); `crane completion SHELL` prints
    # a script explicitly. Costs nothing measurable: typer imports its completion code anyway.
    add_completion=True,
    epilog="Start with: crane init. Documentation (guide, configuration, guard): crane docs.",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crane {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks for unexpected errors (or CRANE_DEBUG=1)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    if debug:
        os.environ["CRANE_DEBUG"] = "1"


def _register() -> None:
    from crane.cli import docs, export, guard, init, mcp, misc, preflight, run, smoke

    init.register(app)
    preflight.register(app)
    run.register(app)
    export.register(app)
    misc.register(app)
    guard.register(app)
    smoke.register(app)
    mcp.register(app)
    docs.register(app)


def _error(message: str, hint: str | None = None) -> None:
    typer.echo(f"crane: error: {message}", err=True)
    if hint:
        typer.echo(f"crane: hint: {hint}", err=True)


def main(argv: list[str] | None = None) -> int:
    _register()
    def debug() -> bool:  # --debug sets CRANE_DEBUG in the callback, so read it late
        return is_truthy(os.environ.get("CRANE_DEBUG"))

    try:
        # prog_name: the name shell completion and usage lines use, however crane was started.
        result = app(args=argv, prog_name="crane", standalone_mode=False)
    except CraneError as exc:
        if debug():  # the traceback, and still the exit code the error means
            traceback.print_exc()
        _error(exc.message, exc.hint)
        return int(exc.exit_code)
    except typer.Exit as exc:
        return int(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):  # Ctrl-C (the parser turns it into Abort)
        typer.echo("", err=True)
        return int(ExitCode.INTERRUPTED)
    except typer.TyperException as exc:  # bad flags and arguments
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            _error(exc.format_message())
        return int(ExitCode.USAGE)
    except OSError as exc:  # a path crane could not use (read-only home, a file where a dir should be)
        from crane.dirs import from_os_error

        error = from_os_error(exc)
        if error is None:
            if debug():
                raise
            _error(f"unexpected {exc.__class__.__name__} (a bug in crane)", "run again with --debug for a traceback")
            return int(ExitCode.FAILURE)
        if debug():
            traceback.print_exc()
        _error(error.message, error.hint)
        return int(error.exit_code)
    except Exception as exc:  # a bug: a short message (never its text, which may hold data) unless --debug
        if debug():
            raise
        _error(f"unexpected {exc.__class__.__name__} (a bug in crane)", "run again with --debug for a traceback")
        return int(ExitCode.FAILURE)
    return int(result) if isinstance(result, int) else 0


def entry() -> None:
    sys.exit(main())
