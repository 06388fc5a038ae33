"""Claude Code: the guard through `--settings <file>` (one session, the user's own settings untouched)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from crane.errors import CraneError

Say = Callable[[str], None]


def prepare(argv: list[str], env: Mapping[str, str], say: Say) -> list[str]:
    """`argv` with `--settings <file>`; the hook asks the session's supervisor named in `env`
    (CRANE_GUARD_SOCKET, CRANE_GUARD_PID), after the self-check went through that same path."""
    from crane.guard.run.client import DROP_DIR_VAR, PID_VAR, SOCKET_VAR
    from crane.guard.run.install import hook_command, pinned_env, self_check, settings_json
    from crane.paths import user_state_dir

    command = hook_command(agent="claude", socket=env.get(SOCKET_VAR), pid=env.get(PID_VAR),
                           drop_dir=env.get(DROP_DIR_VAR))
    result = self_check(command, env)
    if not result.ok:
        raise CraneError(f"crane guard self-check failed: {'; '.join(result.problems)}",
                         "fix the guard (crane guard check) or start without it, loudly, with --no-guard")
    state = Path(env.get("CRANE_STATE_DIR") or user_state_dir())
    session_dir = state / "sessions" / env["CRANE_RUN_ID"]
    session_dir.mkdir(parents=True, exist_ok=True)
    settings = session_dir / "claude-settings.json"
    content = {**settings_json(command), "env": pinned_env(env)}  # see install.PINNED_ENV
    settings.write_text(json.dumps(content, indent=2), encoding="utf-8")
    settings.chmod(0o600)  # the pinned CRANE_* values hold no secret, but the file is the session's
    return [argv[0], "--settings", str(settings), *argv[1:]]
