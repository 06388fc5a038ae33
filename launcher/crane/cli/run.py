"""`crane run` and `crane launch`: both are launches (resolve -> fetch -> env -> exec)."""

from __future__ import annotations

from typing import Annotated

import typer

from crane.cli.options import EnvOpt, NoFallbackOpt, OfflineOpt, ProfilesDirOpt, VentureOpt, build_request
from crane.errors import UsageError

NestedOpt = Annotated[bool, typer.Option("--nested", help="Allow a launch inside a crane session.")]
# crane's options come BEFORE the command; everything from the command's name on belongs to the
# command (as with env, sudo and aws-vault exec): `crane launch -v acme myagent -e staging` gives
# `-e staging` to myagent. An unknown option before the name is crane's usage error.
_CONTEXT = {"allow_extra_args": True, "allow_interspersed_args": False}


def register(app: typer.Typer) -> None:
    @app.command(context_settings=_CONTEXT, options_metavar="[OPTIONS] -- COMMAND [ARGS]...")
    def run(
        ctx: typer.Context,
        venture: VentureOpt = None,
        env: EnvOpt = None,
        profiles_dir: ProfilesDirOpt = None,
        no_fallback: NoFallbackOpt = False,
        offline: OfflineOpt = False,
        nested: NestedOpt = False,
    ) -> int:
        """Run any command with the resolved secrets injected.

        Example: crane run --venture alpha --env staging -- npm test
        """
        from crane.secrets import FetchOptions
        from crane.session import LaunchRequest, launch

        if not ctx.args:
            raise UsageError("nothing to run", "usage: crane run [OPTIONS] -- COMMAND [ARGS]...")
        return launch(LaunchRequest(list(ctx.args), build_request(venture, env, profiles_dir, no_fallback),
                                    FetchOptions(offline=offline), nested=nested))

    @app.command(name="launch", context_settings=_CONTEXT, options_metavar="[OPTIONS] AGENT [AGENT_ARGS...]")
    def launch_(
        ctx: typer.Context,
        venture: VentureOpt = None,
        env: EnvOpt = None,
        profiles_dir: ProfilesDirOpt = None,
        no_fallback: NoFallbackOpt = False,
        offline: OfflineOpt = False,
        nested: NestedOpt = False,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Intercept every external write (honestly).")] = False,
        no_guard: Annotated[bool, typer.Option("--no-guard", help="Start the agent WITHOUT crane's guard.")] = False,
        sandbox: Annotated[bool | None, typer.Option(
            "--sandbox/--no-sandbox", help="Require the sandbox / start the agent WITHOUT it (default: the "
                                           "profile's [sandbox] mode, auto).")] = None,
    ) -> int:
        """Start an agent (claude, codex, gemini, or any command) with secrets and the guard.

        crane's options come before AGENT; everything after it is the agent's (a `--` right after
        AGENT is dropped). Example: crane launch --venture alpha --env staging claude --model sonnet
        """
        from crane.secrets import FetchOptions
        from crane.session import LaunchRequest, launch

        if not ctx.args:
            raise UsageError("no agent given", "usage: crane launch [OPTIONS] AGENT [AGENT_ARGS...]")
        command = list(ctx.args)
        if len(command) > 1 and command[1] == "--":  # `AGENT -- ARGS`: the separator is ours, not the agent's
            del command[1]
        return launch(LaunchRequest(command, build_request(venture, env, profiles_dir, no_fallback),
                                    FetchOptions(offline=offline), agent=True, nested=nested, dry_run=dry_run,
                                    guard=not no_guard, sandbox=sandbox))
