"""`crane preflight` when staging turns out to be missing only at fetch time (the Infisical folder
is absent): the same warning state as a fallback known from the profile, in text and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from tests.core.helpers import run_crane
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import UA_ENV, alpha_fixture, write_profile


def test_fetch_time_fallback_is_a_warning_state(tmp_path: Path) -> None:
    with FakeInfisicalServer(alpha_fixture(staging=False)).start() as server:
        profiles = write_profile(tmp_path / "profiles", server.url)
        common = ("preflight", "--venture", "alpha", "--profiles-dir", str(profiles), "--env", "staging")
        env = {**UA_ENV, "CRANE_CACHE_DIR": str(tmp_path / "cache")}
        text = run_crane(*common, env=env)
        data = json.loads(run_crane(*common, "--json", env=env).out)
    assert text.rc == 0, text.err
    lines = text.out.splitlines()
    assert lines[0] == "Environment: production (fallback: staging is not available)"
    assert any(line.startswith("  [warn] environment: production, although staging was requested") for line in lines)
    assert lines[-1] == "Result: ready, with fallback: production secrets and API"
    assert data["status"] == "ready_with_fallback" and data["ok"] is True and data["environment"] == "prod"
    (check,) = [c for c in data["checks"] if c["name"] == "environment"]
    assert check["warning"] is True
    assert "prod-api-key" not in text.output and "prod-db-password" not in text.output  # names, never values


def test_host_project_and_path_are_printed_once(tmp_path: Path) -> None:
    with FakeInfisicalServer(alpha_fixture()).start() as server:
        profiles = write_profile(tmp_path / "profiles", server.url)
        result = run_crane("preflight", "--venture", "alpha", "--profiles-dir", str(profiles), "--env", "staging",
                           env={**UA_ENV, "CRANE_CACHE_DIR": str(tmp_path / "cache")})
        host = server.url
    assert result.rc == 0, result.err
    assert result.out.count("/alpha/staging") == 1 and result.out.count(host) == 1
    assert result.out.count(str((profiles / "alpha.toml").resolve())) == 1
