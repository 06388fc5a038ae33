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
    state = Path(env.get("CRANE_STATE_DIR") or user_state_dir())
    session_dir = state / "sessions" / env["CRANE_RUN_ID"]
    settings = session_dir / "claude-settings.json"
    try:
        session_dir.mkdir(parents=True, exist_ok=True)
        settings.write_text(json.dumps(settings_json(command), indent=2), encoding="utf-8")
    except OSError as exc:  # no settings file, no guard: refuse before anything starts
        from crane.dirs import unusable

        raise unusable("state", exc, env) from None
    return [argv[0], "--settings", str(settings), *argv[1:]]
