"""Per-agent preparation for `crane launch`: install crane's guard where the agent supports it.

Claude Code gets the guard through `--settings <file>` (one session, the user's own settings
untouched), after a self-check proves the hook denies a synthetic production write. An agent
whose guard cannot be installed is started only with a loud warning.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from crane.errors import CraneError

if TYPE_CHECKING:
    from crane.resolve import Resolution

Say = Callable[[str], None]


def prepare_agent(argv: list[str], env: Mapping[str, str], res: Resolution, *, guard: bool, dry_run: bool,
                  say: Say) -> list[str]:
    name = os.path.basename(argv[0])
    if not guard:
        say(f"WARNING: crane guard DISABLED (--no-guard): {name} may write to {res.environment_name} unchecked")
        return argv
    if name == "claude":
        return _claude(argv, env, say)
    if name in ("codex", "gemini"):
        say(f"WARNING: crane guard is not active for {name}: crane installs its guard only into Claude Code "
            "so far; production writes by this agent are NOT gated")
    elif dry_run:
        say(f"WARNING: --dry-run has no effect for {name}: only guarded agents can be dry-run")
    return argv


def _claude(argv: list[str], env: Mapping[str, str], say: Say) -> list[str]:
    from crane.guard.install import hook_command, self_check, settings_json
    from crane.paths import user_state_dir

    command = hook_command()
    result = self_check(command, env)
    if not result.ok:
        raise CraneError(f"crane guard self-check failed: {'; '.join(result.problems)}",
                         "fix the guard (crane guard check) or start without it, loudly, with --no-guard")
    state = Path(env.get("CRANE_STATE_DIR") or user_state_dir())
    session_dir = state / "sessions" / env["CRANE_RUN_ID"]
    session_dir.mkdir(parents=True, exist_ok=True)
    settings = session_dir / "claude-settings.json"
    settings.write_text(json.dumps(settings_json(command), indent=2), encoding="utf-8")
    return [argv[0], "--settings", str(settings), *argv[1:]]
