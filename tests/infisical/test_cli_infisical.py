"""The Infisical path through the real CLI, as a user runs it: login, preflight, run, drift, logout."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

from tests.core.helpers import ENTRY, run_crane, subprocess_env
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import CLIENT_ID, CLIENT_SECRET, UA_ENV, alpha_fixture, write_profile


def _profile(tmp_path: Path, server: FakeInfisicalServer, **kw: object) -> Path:
    profiles = tmp_path / "profiles"
    write_profile(profiles, server.url, **kw)  # type: ignore[arg-type]
    return profiles


def test_login_then_run_uses_the_keyring_and_one_request_per_warm_launch(tmp_path: Path) -> None:
    with FakeInfisicalServer(alpha_fixture()).start() as server:
        profiles = _profile(tmp_path, server)
        common = ("--venture", "alpha", "--profiles-dir", str(profiles))
        # login reads the client secret without echo; with no terminal, getpass reads stdin.
        proc = subprocess.run([sys.executable, "-c", ENTRY, "login", *common, "--client-id", CLIENT_ID],
                              input=CLIENT_SECRET + "\n", capture_output=True, text=True, env=subprocess_env(),
                              timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert CLIENT_SECRET not in proc.stdout + proc.stderr

        server.clear_log()
        first = run_crane("run", *common, "--", "python3", "-c", "import os; print(os.environ['API_KEY'])")
        assert first.rc == 0, first.err
        assert first.out.strip() == "prod-api-key"
        server.clear_log()
        second = run_crane("run", *common, "--env", "prod", "--", "true")
        assert second.rc == 0, second.err
        assert server.count("login") == 0 and server.count("secrets") == 1  # warm token: one request

        pre = run_crane("preflight", *common, "--env", "staging", "--json")
        assert pre.rc == 0, pre.err
        data = json.loads(pre.out)
        assert data["environment"] == "dev" and data["secrets"]["path"] == "/alpha/staging"
        assert "prod-api-key" not in pre.output and "staging-api-key" not in pre.output

        drift = run_crane("drift", *common)
        assert drift.rc == 1  # SAME_KEY is identical in both environments
        assert "SAME_KEY" in drift.out and "identical-in-both" not in drift.output

        out = run_crane("logout", *common)
        assert out.rc == 0, out.err
        server.clear_log()
        after = run_crane("run", *common, "--", "true")
        assert after.rc == 1 and server.count() == 0  # no credentials left: refused before any request
        assert "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID" in after.err  # the hint says how to authenticate


def test_no_infisical_credential_reaches_the_child(tmp_path: Path) -> None:
    with FakeInfisicalServer(alpha_fixture()).start() as server:
        profiles = _profile(tmp_path, server)
        token = f"CANARY-{uuid.uuid4()}"
        result = run_crane(
            "run", "--venture", "alpha", "--profiles-dir", str(profiles), "--", "env",
            env={**UA_ENV, "INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN": token},
        )
        assert result.rc == 0, result.err
        assert "INFISICAL_UNIVERSAL_AUTH_CLIENT" not in result.out
        assert CLIENT_SECRET not in result.out and token not in result.out
        for issued in server.issued_tokens:
            assert issued not in result.out  # the cached access token is never exported


def test_unreachable_server_fails_fast_with_one_clear_error_and_no_launch(tmp_path: Path) -> None:
    from tests.fakes.infisical_server import closed_port_url

    url = closed_port_url()
    profiles = tmp_path / "profiles"
    write_profile(profiles, url)
    marker = tmp_path / "launched"
    result = run_crane("run", "--venture", "alpha", "--profiles-dir", str(profiles), "--", "touch", str(marker),
                       env=UA_ENV)
    assert result.rc == 1
    assert not marker.exists()
    err = result.err
    assert "alpha" in err and "/alpha" in err and "prod" in err
    assert "Traceback" not in err


def test_a_loader_variable_from_infisical_is_refused_before_launch(tmp_path: Path) -> None:
    value = f"CANARY-{uuid.uuid4()}"
    fixture = alpha_fixture()
    fixture["projects"][0]["secrets"]["prod"]["/alpha"]["LD_PRELOAD"] = value
    with FakeInfisicalServer(fixture).start() as server:
        profiles = _profile(tmp_path, server)
        marker = tmp_path / "launched"
        result = run_crane("run", "--venture", "alpha", "--profiles-dir", str(profiles), "--", "touch", str(marker),
                           env=UA_ENV)
        assert server.count("secrets") == 1  # fetched, then refused before anything ran
    assert result.rc == 1 and not marker.exists()
    assert "LD_PRELOAD" in result.err and "allow_loader_vars" in result.err
    assert value not in result.output
