"""Runs crane's real hook entry point (`main`) with the fake classifier, as its own process.

    python tests/guard_runtime/fake_hook.py < hook-input.json

Needs `crane` importable (PYTHONPATH=launcher or an editable install).
"""

from __future__ import annotations

from crane.guard.run.hook import main
from fakes import fake_classify  # type: ignore[import-not-found]  # this script's directory is sys.path[0]

if __name__ == "__main__":
    main(classifier=fake_classify)
