"""`crane guard ...`, `crane alerts`, `crane runs`: install, test and inspect the agent guard."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from crane.errors import CraneError

JsonOpt = Annotated[bool, typer.Option("--json", help="JSON on stdout.")]
guard_app = typer.Typer(help="The Claude Code guard hook: print, install, self-test.", no_args_is_help=True)
WEAKER_MODE = ("a hand-installed hook is the weaker mode: it runs in-process and reads rules, profile, run state "
               "and audit log from files the agent can write, and nothing stops the agent from killing it; "
               "`crane launch` runs a guard supervisor out of the agent's reach instead")
runs_app = typer.Typer(help="Guarded runs and what they intercepted.", invoke_without_command=True)


def _state_dir() -> Path:
    from crane.paths import user_state_dir

    return user_state_dir()


def _when(value: object) -> str:
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else "-"


@guard_app.command("settings")
def settings() -> int:
    """Print the Claude Code settings JSON that installs crane's PreToolUse hook.

    Example: crane guard settings > /tmp/crane-hook.json && claude --settings /tmp/crane-hook.json
    """
    from crane.guard.run.install import settings_json

    typer.echo(json.dumps(settings_json(), indent=2))
    return 0


@guard_app.command("install")
def install(
    project: Annotated[Path, typer.Argument(help="Project directory (default: the current one).")] = Path("."),
) -> int:
    """Add the guard to PROJECT/.claude/settings.local.json, keeping everything else in it.

    Example: crane guard install ~/src/app
    """
    from crane.guard.run.install import install_project

    result = install_project(project.resolve())
    typer.echo(f"{'installed into' if result.changed else 'already installed in'} {result.path}", err=True)
    typer.echo(f"note: {WEAKER_MODE}", err=True)
    return 0


@guard_app.command("check")
def check() -> int:
    """Feed the hook a synthetic production write from a staging session; fail unless it is denied.

    Checks both routes the hook takes: through a guard supervisor (as `crane launch` installs it)
    and in-process (a hand install), plus managed Claude Code policy that would switch it off.
    Example: crane guard check
    """
    from crane.guard.run.install import hook_command, self_check
    from crane.monitor import supervised_self_check

    launched = supervised_self_check(dict(os.environ))
    by_hand = self_check(hook_command(), os.environ)
    failed = 0
    for title, result in (("crane launch (hook client -> guard supervisor)", launched),
                          ("hand install (crane guard install: in-process, the weaker mode)", by_hand)):
        typer.echo(title, err=True)
        for probe in result.probes:
            detail = f": {probe.problem}" if probe.problem else ""
            typer.echo(f"  [{'ok  ' if probe.ok else 'FAIL'}] {probe.name}{detail}", err=True)
            failed += not probe.ok
    typer.echo(f"note: {WEAKER_MODE}", err=True)
    if failed:
        total = len(launched.probes) + len(by_hand.probes)
        raise CraneError(f"the guard does not work ({failed} of {total} probes failed, see above)",
                         "agents launched now would NOT be protected; see docs/guard.md")
    typer.echo(f"crane guard works ({launched.seconds + by_hand.seconds:.2f} s)", err=True)
    return 0


def register(app: typer.Typer) -> None:
    app.add_typer(guard_app, name="guard")
    app.add_typer(runs_app, name="runs")

    @app.command()
    def alerts(
        hours: Annotated[float, typer.Option("--hours", help="Only the last N hours (0: all).")] = 0,
        as_json: JsonOpt = False,
    ) -> int:
        """List guard failures (each one denied a tool call): time, run, tool, error.

        Example: crane alerts --hours 24
        """
        import datetime as dt

        from crane.guard.run.alerts import read_alerts

        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours) if hours > 0 else None
        found = read_alerts(_state_dir(), since=since)
        if as_json:
            typer.echo(json.dumps([dict(a.raw) for a in found], indent=2))
            return 0
        if not found:
            typer.echo("no guard alerts", err=True)
        for a in found:
            typer.echo(f"{_when(a.time)}  run {a.run_id or '-'}  {a.tool or '-'}  {a.error}")
        return 0


@runs_app.callback()
def runs(ctx: typer.Context, as_json: JsonOpt = False) -> int:
    """List guarded runs with their decisions (allow/ask/deny/intercepted).

    Example: crane runs; crane runs show RUN_ID
    """
    if ctx.invoked_subcommand is not None:
        return 0
    from crane.guard.run.audit import list_runs

    found = list_runs(_state_dir())
    if as_json:
        typer.echo(json.dumps([{"run_id": r.run_id, "first": _when(r.first), "last": _when(r.last),
                                "venture": r.venture, "env": r.env, "counts": dict(r.counts)} for r in found],
                              indent=2))
        return 0
    if not found:
        typer.echo("no guarded runs recorded", err=True)
    for r in found:
        counts = " ".join(f"{k}={v}" for k, v in r.counts.items() if v)
        typer.echo(f"{r.run_id}  {_when(r.last)}  {r.venture or '-'}/{r.env or '-'}  {counts}")
    return 0


@runs_app.command("show")
def show(run_id: Annotated[str, typer.Argument(help="A run id from `crane runs`.")], as_json: JsonOpt = False) -> int:
    """Show what a run's dry-run intercepted, in order: the plan of writes the agent would have made.

    Example: crane runs show 3f0c9a1e-...
    """
    from crane.guard.run.audit import run_plan

    steps = run_plan(_state_dir(), run_id)
    if as_json:
        typer.echo(json.dumps([{"time": _when(s.time), "tool": s.tool, "command": s.command, "target": s.target,
                                "rule": s.rule, "reason": s.reason} for s in steps], indent=2))
        return 0
    if not steps:
        typer.echo(f"run {run_id}: nothing was intercepted", err=True)
        return 0
    typer.echo(f"run {run_id}: {len(steps)} write(s) intercepted, NOT executed:")
    for i, s in enumerate(steps, 1):
        typer.echo(f"  {i}. [{s.rule or 'unknown rule'} -> {s.target or 'unknown'}] {s.command}")
    return 0
