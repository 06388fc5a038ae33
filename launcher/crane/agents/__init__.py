"""Per-agent preparation for `crane launch`: install crane's guard where the agent supports it.

One module per agent (claude.py, ...): each is a thin adapter for that client's hook protocol
and install route; the decision path behind them is the same guard.

Claude Code gets the guard through `--settings <file>` (one session, the user's own settings
untouched), after a self-check proves the hook denies a synthetic production write. An agent
whose guard cannot be installed is started only with a loud warning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crane.resolve import Resolution

Say = Callable[[str], None]

# Agents whose guard runs through the session's guard supervisor (crane/monitor.py): crane
# launch keeps running beside them instead of exec'ing them. The Codex and Gemini adapters add
# their names here.
SUPERVISED = frozenset({"claude"})


def is_supervised(argv0: str) -> bool:
    return os.path.basename(argv0) in SUPERVISED


def prepare_agent(argv: list[str], env: Mapping[str, str], res: Resolution, *, guard: bool, dry_run: bool,
                  say: Say) -> list[str]:
    name = os.path.basename(argv[0])
    if not guard:
        say(f"WARNING: crane guard DISABLED (--no-guard): {name} may write to {res.environment_name} unchecked")
        return argv
    if name == "claude":
        from crane.agents.claude import prepare

        return prepare(argv, env, res, dry_run=dry_run, say=say)
    if name in ("codex", "gemini"):
        say(f"WARNING: crane guard is not active for {name}: crane installs its guard only into Claude Code "
            "so far; production writes by this agent are NOT gated")
    elif dry_run:
        say(f"WARNING: --dry-run has no effect for {name}: only guarded agents can be dry-run")
    return argv
