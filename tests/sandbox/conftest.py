"""Sandbox suite: the crane in this checkout; real bubblewrap where a test says it needs it."""

from __future__ import annotations

import os
import sys

import pytest

from tests.core.helpers import LAUNCHER

if str(LAUNCHER) not in sys.path:
    sys.path.insert(0, str(LAUNCHER))


def bwrap_or_skip() -> None:
    """In CI (CI=true) a missing or unusable bubblewrap fails the test; locally it skips, saying why."""
    from crane.sandbox.probe import availability

    found = availability({k: v for k, v in os.environ.items() if k != "CRANE_BWRAP"})
    if found.ok:
        return
    message = f"real bubblewrap needed: {found.reason} (bash scripts/install-system-deps.sh installs it)"
    if os.environ.get("CI", "").lower() not in ("", "false", "0"):
        pytest.fail(f"CI=true: {message}")
    pytest.skip(message)


@pytest.fixture
def bwrap() -> None:
    bwrap_or_skip()
