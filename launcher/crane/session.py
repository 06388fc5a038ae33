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
from typing import TYPE_CHECKING

from crane.launch import FALLBACK_GUARD, build_child_env, check_nesting, exec_child, find_command, run_subprocess
from crane.resolve import Request, Resolution, resolve
from crane.secrets import FetchOptions, FetchResult, fetch_secrets

if TYPE_CHECKING:
    from crane.agents import Prepared
    from crane.launch import Start

Say = Callable[[str], None]
SANDBOXED = " | sandboxed (bubblewrap; crane preflight lists what it hides)"


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


def summary(res: Resolution, colour: bool = False) -> str:
    from crane.style import banner

    line = f"crane: Environment: {banner(res, colour)} | API: {res.api_base} | venture {res.venture}"
    if res.fallback:
        line += f" | staging requested, production used ({res.fallback})"
        line += f" | {FALLBACK_GUARD}"
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
    env = child.env
    if request.agent:
        from crane.agents import is_supervised, prepare_agent

        if request.guard and is_supervised(argv[0]):
            return launch_supervised(argv, child.env, res, request, say)
        prepared = prepare_agent(argv, env, res, guard=request.guard, dry_run=request.dry_run, say=say)
        argv, env = prepared.argv, prepared.apply(env)
        start = agent_sandbox(request, res, env, prepared, say)
        from crane.style import use_colour

        say(summary(res, colour=say is say_stderr and use_colour(sys.stderr)) + SANDBOXED * (start is not None))
        if start is not None:  # crane stays as the parent: it forwards signals into the sandbox
            return run_subprocess(argv, env, start=start)
    return exec_child(argv, env)


def agent_sandbox(request: LaunchRequest, res: Resolution, env: Mapping[str, str], prepared: Prepared,
                  say: Say) -> Start | None:
    """How the agent is started: in the sandbox (crane/sandbox/), or None (loudly warned) without one.

    The sandbox binds the directory of CRANE_GUARD_SOCKET read-only and CRANE_GUARD_DROP_DIR
    read-write, at the same paths, and what the agent's adapter made for the session: read-only
    (`prepared.readonly`, and a `--settings` file) or read-write (`prepared.writable`).
    """
    from crane.sandbox.session import prepare

    return prepare(request.sandbox, res.profile, env, prepared.argv, say, readonly=prepared.readonly,
                   writable=prepared.writable)


def launch_supervised(argv: list[str], env: Mapping[str, str], res: Resolution, request: LaunchRequest,
                      say: Say) -> int:
    """Start the session's guard supervisor, install the hook that asks it, run the agent beside it."""
    from crane.agents import prepare_agent, session_dir
    from crane.monitor import run_agent, start_supervisor

    directory = session_dir(env)  # no session directory, no guard: an unusable state dir is refused there
    supervisor = start_supervisor(env, log_path=os.path.join(directory, "supervisor.log"))
    try:
        prepared = prepare_agent(argv, {**env, **supervisor.env_vars()}, res, guard=True, dry_run=request.dry_run,
                                 say=say)
        argv, agent_env = prepared.argv, prepared.apply({**env, **supervisor.env_vars()})
        supervisor.seal()  # the self-check is done: no more synthetic staging answers
        start = agent_sandbox(request, res, agent_env, prepared, say)
        say(summary(res) + SANDBOXED * (start is not None))
        say(f"crane: guard supervisor running (pid {supervisor.pid}); it read the rules and "
            f"{res.profile.path} once, at start: edits on disk do not change this session's guard")
    except BaseException:
        supervisor.stop()
        raise
    return run_agent(argv, agent_env, supervisor, start=start)
