"""Claude Code: the guard through `--settings <file>` (one session, the user's own settings untouched),
the session context through a SessionStart hook in the same file, and crane's MCP server through
`--mcp-config` (the user's MCP configuration untouched)."""

from __future__ import annotations

import json
import shlex
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from crane.errors import CraneError

if TYPE_CHECKING:
    from crane.resolve import Resolution

Say = Callable[[str], None]


def prepare(argv: list[str], env: Mapping[str, str], res: Resolution, *, dry_run: bool, say: Say) -> list[str]:
    """`argv` with `--settings <file>` and `--mcp-config`; the hook asks the session's supervisor named
    in `env` (CRANE_GUARD_SOCKET, CRANE_GUARD_PID), after the self-check went through that same path."""
    from crane.agents import session_dir
    from crane.context import context_text
    from crane.guard.run.client import DROP_DIR_VAR, PID_VAR, SOCKET_VAR
    from crane.guard.run.install import hook_command, pinned_env, self_check, settings_json
    from crane.mcp_server import client_config

    command = hook_command(agent="claude", socket=env.get(SOCKET_VAR), pid=env.get(PID_VAR),
                           drop_dir=env.get(DROP_DIR_VAR))
    result = self_check(command, env)
    if not result.ok:
        raise CraneError(f"crane guard self-check failed: {'; '.join(result.problems)}",
                         "fix the guard (crane guard check) or start without it, loudly, with --no-guard")
    settings = {**settings_json(command), "env": pinned_env(env)}  # see install.PINNED_ENV
    settings["hooks"]["SessionStart"] = [session_start_group(context_text(res, env, dry_run=dry_run))]
    from crane.private import write_private

    path = session_dir(env) / "claude-settings.json"  # an unusable state dir is refused there
    try:
        write_private(path, json.dumps(settings, indent=2).encode("utf-8"))
    except OSError as exc:  # no settings file, no guard: refuse before anything starts
        from crane.dirs import unusable

        raise unusable("state", exc, env) from None
    mcp = json.dumps(client_config(sys.executable))
    return [argv[0], "--settings", str(path), "--mcp-config", mcp, *argv[1:]]


def session_start_group(text: str) -> dict[str, Any]:
    """A SessionStart hook that hands the model `text` as additional context.

    The text is fixed at launch, so the hook is a `printf` of a constant: no interpreter start, nothing
    it reads can be changed by the agent (hook commands run with `sh -c`).
    """
    answer = json.dumps({"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": text}})
    return {"hooks": [{"type": "command", "command": f"printf '%s\\n' {shlex.quote(answer)}", "timeout": 10}]}
