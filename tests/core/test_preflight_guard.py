"""`crane preflight --agent claude` proves the guard works, as `crane launch claude` will."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.helpers import fake_claude_path, run_crane, write_venture


@pytest.fixture
def fake_claude(tmp_path: Path) -> str:
    return fake_claude_path(tmp_path, "exit 0")


def _guard_check(out: str) -> dict[str, object]:
    return next(c for c in json.loads(out)["checks"] if c["name"] == "guard")


def test_preflight_runs_the_guard_self_check(tmp_path: Path, fake_claude: str) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles, "alpha")
    result = run_crane("preflight", "-v", "alpha", "--profiles-dir", str(profiles), "--agent", "claude", "--json",
                       env={"PATH": fake_claude})
    assert result.rc == 0, result.err
    assert _guard_check(result.out)["ok"] is True


def test_a_broken_guard_fails_preflight(tmp_path: Path, fake_claude: str) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles, "alpha")
    result = run_crane("preflight", "-v", "alpha", "--profiles-dir", str(profiles), "--agent", "claude", "--json",
                       env={"PATH": fake_claude, "CRANE_STATE_URL": "redis://127.0.0.1:9/0"})
    assert result.rc == 1
    check = _guard_check(result.out)
    assert check["ok"] is False and "self-check FAILED" in str(check["detail"])
