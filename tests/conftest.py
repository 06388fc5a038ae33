"""The fence: no test touches the real home, keyring, state or the developer's crane session.

Every test gets HOME, XDG dirs, crane's state/cache dirs and a file-backed keyring under its own
tmp_path, and none of the CRANE_*/INFISICAL_* session variables of whoever runs the suite.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SESSION_PREFIXES = ("CRANE_", "INFISICAL_", "CLOUDFLARE_ENV")
KEEP = {"CRANE_TEST_CLAUDE", "CRANE_TEST_CODEX", "CRANE_TEST_GEMINI", "CRANE_TEST_CACHE", "CRANE_VENV"}
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fence(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("home")
    for name in list(os.environ):
        if name.startswith(SESSION_PREFIXES) and name not in KEEP:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    # Every hook a test starts (self-checks of preflight and launch included) gets the longest
    # deadline the hook allows, so a loaded machine cannot turn an expected answer into a
    # timeout; tests of the deadline itself set their own.
    monkeypatch.setenv("CRANE_GUARD_DEADLINE", "7")
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")
    return home
