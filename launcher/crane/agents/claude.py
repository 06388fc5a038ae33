"""Claude Code: the guard through `--settings <file>` (one session, the user's own settings untouched)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

from crane.errors import CraneError

Say = Callable[[str], None]


def prepare(argv: list[str], env: Mapping[str, str], say: Say) -> list[str]:
    from crane.guard.run.install import hook_command, self_check, settings_json
    from crane.paths import user_state_dir

    command = hook_command()
    result = self_check(command, env)
    if not result.ok:
        raise CraneError(f"crane guard self-check failed: {'; '.join(result.problems)}",
                         "fix the guard (crane guard check) or start without it, loudly, with --no-guard")
    from crane.private import write_private
    from crane.sessions import session_dir

    state = Path(env.get("CRANE_STATE_DIR") or user_state_dir())
    settings = session_dir(state, env["CRANE_RUN_ID"]) / "claude-settings.json"
    write_private(settings, json.dumps(settings_json(command), indent=2).encode("utf-8"))
    return [argv[0], "--settings", str(settings), *argv[1:]]
