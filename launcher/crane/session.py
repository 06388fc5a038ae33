"""A launch, end to end: resolve -> fetch -> build the child's environment -> exec.

`crane run` and `crane launch` are both launches; they differ only in `agent` (launch marks the
child with CRANE_AGENT=1 and installs the guard for known agents). Data flows one way: each step
reads what the previous one produced and never re-derives it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from crane.launch import build_child_env, check_nesting, exec_child, find_command, run_subprocess
from crane.resolve import Request, Resolution, resolve
from crane.secrets import FetchOptions, FetchResult, fetch_secrets

Say = Callable[[str], None]


def say_stderr(line: str) -> None:
    print(line, file=sys.stderr)  # noqa: T201


@dataclass(frozen=True)
class LaunchRequest:
    command: Sequence[str]
    resolve: Request = field(default_factory=Request)
    fetch: FetchOptions = field(default_factory=FetchOptions)
    agent: bool = False  # started by `crane launch`: CRANE_AGENT=1, guard for known agents
    nested: bool = False
    dry_run: bool = False
    guard: bool = True  # False only with --no-guard
    sandbox: bool | None = None  # --sandbox (True: required) / --no-sandbox (False); None: the profile's mode


def resolve_and_fetch(req: Request, options: FetchOptions, say: Say = say_stderr) -> FetchResult:
    res = resolve(req)
    for warning in res.warnings:
        say(warning)
    result = fetch_secrets(res, options)
    # A provider may have fallen back (staging folder missing); say so once, with the new facts.
    for warning in result.resolution.warnings[len(res.warnings):]:
        say(warning)
    for note in result.notes:
        say(note)
    return result


def summary(res: Resolution) -> str:
    line = f"crane: Environment: {res.environment_name} | API: {res.api_base} | venture {res.venture}"
    if res.fallback:
        line += f" | requested {res.requested_env}, using prod ({res.fallback})"
    return line


def launch(request: LaunchRequest, environ: Mapping[str, str] | None = None, say: Say = say_stderr) -> int:
    environ = os.environ if environ is None else environ
    # Refuse a nested launch before anything is fetched.
    check_nesting(environ, request.nested)
    result = resolve_and_fetch(request.resolve, request.fetch, say)
    res = result.resolution
    child = build_child_env(environ, result.secrets, res, agent=request.agent, nested=request.nested,
                            dry_run=request.dry_run)
    for warning in child.warnings:
        say(warning)
    argv = list(request.command)
    argv[0] = find_command(argv[0], child.env)  # a missing agent is reported before any guard work
    if request.agent:
        from crane.agents import prepare_agent

        argv = prepare_agent(argv, child.env, res, guard=request.guard, dry_run=request.dry_run, say=say)
        from crane.sandbox.session import prepare as prepare_sandbox

        # Claude Code's guard hook runs inside the sandbox until the guard supervisor holds the state.
        hook_inside = request.guard and os.path.basename(argv[0]) == "claude"
        start = prepare_sandbox(request.sandbox, res.profile, child.env, argv, say, hook_inside=hook_inside)
        say(summary(res))
        if start is not None:  # crane stays as the parent: it forwards signals into the sandbox
            return run_subprocess(argv, child.env, start)
    return exec_child(argv, child.env)
