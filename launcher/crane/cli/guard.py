"""`crane guard ...`, `crane alerts`, `crane runs`: install, test and inspect the agent guard."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
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
    """The state dir for readers: a missing one is empty, one that cannot be a directory is an error."""
    from crane.paths import user_state_dir

    path = user_state_dir()
    try:
        path.stat()
    except FileNotFoundError:
        return path  # nothing recorded yet
    except OSError as exc:  # e.g. a regular file on the way: name the path and the variable
        from crane.dirs import unusable

        raise unusable("state", exc) from None
    if not path.is_dir():
        import errno

        from crane.dirs import unusable

        raise unusable("state", NotADirectoryError(errno.ENOTDIR, "Not a directory", str(path))) from None
    return path


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
    from crane.errors import UsageError
    from crane.guard.run.install import install_project

    if not project.is_dir():  # never create a project directory by accident (a typo in DIR)
        what = "is not a directory" if project.exists() else "does not exist"
        raise UsageError(f"{project}: {what}", "give an existing project directory (default: the current one)")
    from crane.guard.rules.config import project_profile

    # What the hook will know in a hand-started client; a broken .crane.toml is reported now, not
    # as a guard that blocks every tool call later.
    known = project_profile(str(project.resolve()), os.environ)
    result = install_project(project.resolve())
    typer.echo(f"{'installed into' if result.changed else 'already installed in'} {result.path}", err=True)
    if known is None:
        typer.echo("no .crane.toml here: the guard knows no venture's production URLs in this project "
                   "(add one with: crane init)", err=True)
    else:
        typer.echo(f"the guard uses venture {known[1]} ({known[0]}) from the project's .crane.toml", err=True)
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
    return _deploy_defaults()


def _deploy_defaults() -> int:
    """Report where a bare `wrangler deploy` goes in this project (fails only when the profile requires it)."""
    from crane.preflight import deploy_default_checks
    from crane.resolve import Request, resolve

    try:
        guard = resolve(Request()).profile.guard
    except CraneError:  # no venture here: judge with the defaults
        guard = {}
    failed = False
    for c in deploy_default_checks(os.getcwd(), guard):
        mark = "ok  " if c.ok else ("warn" if c.informational else "FAIL")
        typer.echo(f"  [{mark}] {c.name}: {c.detail}", err=True)
        failed = failed or not (c.ok or c.informational)
    if failed:
        raise CraneError("a wrangler config deploys production by default ([guard] require_safe_default = true)",
                         "apply the fix shown above")
    return 0


def register(app: typer.Typer) -> None:
    app.add_typer(guard_app, name="guard")
    app.add_typer(runs_app, name="runs")

    @app.command()
    def alerts(
        hours: Annotated[float, typer.Option("--hours", help="Only the last N hours (0: all).")] = 0,
        limit: Annotated[int, typer.Option("--limit", min=0, help="The newest N alerts (0: all).")] = 50,
        as_json: JsonOpt = False,
    ) -> int:
        """List guard failures (each one denied a tool call): time, run, tool, error, and the file
        each came from (the state dir's alerts, or the temp-dir fallback).

        Example: crane alerts --hours 24
        """
        import datetime as dt

        from crane.guard.run.alerts import AlertRecord, iter_alerts, read_alerts

        since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours) if hours > 0 else None
        found: Iterable[AlertRecord]
        if limit == 0 and since is None:
            found = iter_alerts(_state_dir())  # streamed: every alert, without holding them all
        else:
            found = read_alerts(_state_dir(), since=since, limit=limit or None)
        if as_json:
            typer.echo("[")
            for n, a in enumerate(found):
                typer.echo(("," if n else "") + json.dumps({**a.raw, "source": a.source}))
            typer.echo("]")
            return 0
        from crane.cli.table import table

        def row(a: AlertRecord) -> list[str]:  # one line per alert, whatever the error held
            return [_when(a.time), a.kind, f"{a.venture or '-'}/{a.env or '-'}", a.run_id or "-", a.tool or "-",
                    " ".join(a.error.split()), a.source]

        header = ["TIME", "KIND", "VENTURE/ENV", "RUN", "TOOL", "ERROR", "FILE"]
        if limit == 0 and since is None:  # streamed: every alert, one tab-separated line each
            shown = 0
            for shown, a in enumerate(found, 1):
                if shown == 1:
                    typer.echo("\t".join(header))
                typer.echo("\t".join(row(a)))
        else:
            rows = [row(a) for a in found]
            shown = len(rows)
            if rows:
                for line in table(header, rows):
                    typer.echo(line)
        if not shown:
            typer.echo("no guard alerts", err=True)
        elif limit and shown == limit:
            typer.echo(f"(the newest {limit}; --limit 0 for all)", err=True)
        return 0


@runs_app.callback()
def runs(ctx: typer.Context, as_json: JsonOpt = False,
         limit: Annotated[int, typer.Option("--limit", min=0, help="The N most recent runs (0: all).")] = 50) -> int:
    """List guarded runs with their decisions (allow/ask/deny/intercepted).

    Example: crane runs; crane runs show RUN_ID
    """
    if ctx.invoked_subcommand is not None:
        return 0
    from crane.guard.run.audit import recent_runs

    found, total = recent_runs(_state_dir(), limit or None)
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
    if len(found) < total:
        typer.echo(f"(the {len(found)} most recent of {total} runs; --limit 0 for all)", err=True)
    return 0


@runs_app.command("show")
def show(run_id: Annotated[str, typer.Argument(help="A run id from `crane runs`.")], as_json: JsonOpt = False) -> int:
    """Show what a run's dry-run intercepted, in order: the plan of writes the agent would have made.

    Example: crane runs show 3f0c9a1e-...
    """
    from crane.guard.run.audit import find_run, run_plan

    if find_run(_state_dir(), run_id) is None:
        raise CraneError(f"no run {run_id} in the audit log", "list the recorded runs with: crane runs")
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
