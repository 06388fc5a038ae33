"""Runs crane's real hook entry point (`main`) with the fake classifier, as its own process.

    python tests/guard_runtime/fake_hook.py < hook-input.json

Needs `crane` importable (PYTHONPATH=launcher or an editable install). FAKE_HOOK_MAX_DEADLINE
lifts the hook's deadline cap for tests where no client waits (its cap exists only to beat the
client's own timeout): contention tests then assert safety, not the speed of a loaded machine.
"""

from __future__ import annotations

import os

import crane.guard.run.hook as hook
from fakes import fake_classify  # type: ignore[import-not-found]  # this script's directory is sys.path[0]

if __name__ == "__main__":
    if os.environ.get("FAKE_HOOK_MAX_DEADLINE"):
        hook.MAX_DEADLINE = float(os.environ["FAKE_HOOK_MAX_DEADLINE"])
    hook.main(classifier=fake_classify)
