"""What a real self-hosted Infisical server does that the happy path does not show: an unknown
client id answered with 404, a rate limit answered with 500, a missing folder answered with an
empty 200, and per-IP rate limits that a burst of launches shares. Driven through the real SDK
against the fake server taught each behaviour (tests/fakes/infisical_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crane.errors import SecretsError
from tests.core.helpers import run_crane
from tests.fakes.infisical_server import FakeInfisicalServer, Fault
from tests.infisical.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    PROD_SECRETS,
    PROJECT,
    UA_ENV,
    alpha_fixture,
    fetch,
    resolution,
    running,
    write_profile,
)


def _fails(profiles: Path, env: str = "prod", budget: float = 5.0) -> SecretsError:
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, env), timeout=budget)
    return info.value


# -- an unknown or deleted client id: 404 "No identity with specified client ID was found" ----------


def test_unknown_client_id_404_is_a_credentials_error_not_a_wrong_host(tmp_path: Path) -> None:
    srv = running(unknown_client_id_404=True)
    try:
        profiles = write_profile(tmp_path, srv.url)
        with pytest.raises(SecretsError) as info:
            fetch(resolution(profiles, "prod"), environ={**UA_ENV, "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": "gone-id"})
        assert srv.count("login") == 1 and srv.count("secrets") == 0  # nothing retried
    finally:
        srv.stop()
    err = info.value
    assert "no machine identity" in err.message and "venture alpha" in err.message
    assert "No identity with specified client ID was found" in err.message  # the server's own words
    assert "login endpoint" not in err.message and "check host" not in (err.hint or "")
    hint = err.hint or ""
    assert "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID" in hint  # the credentials came from the environment
    assert "crane login --venture alpha" in hint
    assert CLIENT_SECRET not in err.message + hint


def test_injected_identity_404_with_keyring_credentials_names_the_login_command(
        server: FakeInfisicalServer, profiles: Path) -> None:
    from crane.secrets.credentials import login

    # Stored without verifying: no token is cached, so the launch has to log in.
    login("alpha", client_id=CLIENT_ID, prompt_secret=lambda _: CLIENT_SECRET, verify=False,
          profiles_dir=str(profiles))
    server.inject("login", Fault.identity_not_found())
    err = _fails_with(profiles, environ={})
    assert "no machine identity" in err.message and "universal-auth keyring" in err.message
    assert "run `crane login --venture alpha --client-id <client id>`" in (err.hint or "")
    assert server.count("login") == 1


def _fails_with(profiles: Path, environ: dict[str, str]) -> SecretsError:
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), environ)
    return info.value


def test_deleted_identity_with_a_cached_token_ends_in_the_credentials_error(tmp_path: Path) -> None:
    # The realistic order: a warm launch's cached token is refused (401), the one fresh login
    # then meets the deleted identity (404); the offline copy is dropped like for any 401.
    srv = running(unknown_client_id_404=True)
    try:
        profiles = write_profile(tmp_path, srv.url)
        assert fetch(resolution(profiles, "prod")).secrets == PROD_SECRETS
        srv.delete_identity(CLIENT_ID)
        srv.clear_log()
        err = _fails(profiles)
        assert [r.endpoint for r in srv.requests] == ["secrets", "login"]
    finally:
        srv.stop()
    assert "no machine identity" in err.message
    with pytest.raises(SecretsError, match="no usable offline copy"):
        fetch(resolution(profiles, "prod"), offline=True)


def test_identity_404_through_the_cli_is_exit_1_and_names_venture_and_login(tmp_path: Path) -> None:
    with FakeInfisicalServer(alpha_fixture(), unknown_client_id_404=True).start() as srv:
        profiles = write_profile(tmp_path / "profiles", srv.url)
        marker = tmp_path / "launched"
        result = run_crane("run", "--venture", "alpha", "--profiles-dir", str(profiles), "--", "touch", str(marker),
                           env={**UA_ENV, "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": "deleted-identity"})
    assert result.rc == 1 and not marker.exists()
    assert "venture alpha" in result.err and "crane login --venture alpha" in result.err
    assert "login endpoint" not in result.err and "Traceback" not in result.err
    assert "bug in crane" not in result.err


def test_a_missing_route_404_still_means_a_wrong_host(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.not_found())
    assert "no universal-auth login endpoint" in _fails(profiles).message


# -- a rate limit answered as 500 with Retry-After and X-RateLimit-Remaining: 0 ---------------------


def test_500_rate_limit_within_budget_waits_the_servers_wait_then_asks_once(
        server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.rate_limited_as_500(wait=1))
    result = fetch(resolution(profiles, "prod"), timeout=5)
    assert result.secrets == PROD_SECRETS
    first, second = server.requests_for("secrets")
    assert second.time - first.time >= 0.95  # not retried before the server's wait was over
    assert result.facts["retries"] == 1


def test_500_rate_limit_beyond_budget_fails_fast_saying_when(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.rate_limited_as_500(wait=37), times=None)
    err = _fails(profiles)
    assert server.count("secrets") == 1  # no immediate server-error retries against a per-IP limit
    assert "rate limit" in err.message and "answered as 500" in err.message
    assert "try again in 37 s" in err.message and "after" in err.message
    assert "server error" not in err.message
    assert "per client IP" in (err.hint or "")


def test_500_rate_limit_on_login(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.rate_limited_as_500(wait=90), times=None)
    err = _fails(profiles)
    assert "rate limit" in err.message and "login" in err.message and "try again in 90 s" in err.message
    assert server.count("login") == 1


def test_a_second_rate_limit_in_one_launch_is_not_waited_out(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.rate_limited(wait=1), times=2)
    err = _fails(profiles)
    assert "try again in 1 s" in err.message
    assert server.count("secrets") == 2  # one wait, one more request, then stop


def test_a_plain_500_is_still_a_server_error(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.server_error(500), times=None)
    err = _fails(profiles)
    assert "server error" in err.message and "rate limit" not in err.message


@pytest.mark.parametrize("status", [429, 500])
def test_a_burst_of_launches_against_per_ip_limits_is_never_multiplied(tmp_path: Path, status: int) -> None:
    # A small secrets bucket stands in for the observed 40 reads per minute. Eight launches in a
    # row: the first three fit, every later one makes exactly ONE request and fails fast with the
    # wait, and the token cache keeps logins at one, so the burst cannot deepen the lockout.
    srv = running(rate_limits={"secrets": 3, "write": 200}, rate_limit_window=60, rate_limit_status=status)
    try:
        profiles = write_profile(tmp_path, srv.url)
        outcomes: list[str] = []
        for _ in range(8):
            try:
                fetch(resolution(profiles, "prod"), timeout=5)
                outcomes.append("ok")
            except SecretsError as exc:
                assert "rate limit" in exc.message and "try again in" in exc.message, exc.message
                outcomes.append("limited")
        assert outcomes == ["ok"] * 3 + ["limited"] * 5
        assert srv.count("secrets") == 8 and srv.count("login") == 1
        srv.advance_time(60)  # the window is over: the next launch works at once
        srv.clear_log()
        assert fetch(resolution(profiles, "prod")).secrets == PROD_SECRETS
        assert srv.count() == 1
    finally:
        srv.stop()


# -- a missing folder answered as 200 with no secrets (older servers) ---------------------------------


def test_legacy_empty_staging_falls_back_and_an_empty_production_names_env_path_project(tmp_path: Path) -> None:
    srv = running(alpha_fixture(staging=False, prod={}), legacy_empty_folders=True)
    srv.delete_folder(PROJECT, "prod", "/alpha")
    try:
        profiles = write_profile(tmp_path, srv.url)
        err = _fails(profiles, "staging")
        assert [r.query["environment"] for r in srv.requests_for("secrets")] == ["dev", "prod"]
    finally:
        srv.stop()
    message, hint = err.message, err.hint or ""
    assert "no secrets found in Infisical environment prod, path /alpha, project " + PROJECT in message
    assert "staging was requested and fell back to production" in message
    assert "/alpha/staging" in message  # why it fell back
    assert "prod_path" in hint and "alpha.toml" in hint and "may read that path" in hint


def test_legacy_empty_staging_with_production_secrets_falls_back_coherently(tmp_path: Path) -> None:
    srv = running(alpha_fixture(staging=False), legacy_empty_folders=True)
    try:
        profiles = write_profile(tmp_path, srv.url)
        result = fetch(resolution(profiles, "staging"))
    finally:
        srv.stop()
    assert result.secrets == PROD_SECRETS
    res = result.resolution
    assert res.effective_env == "prod" and res.api_base == "https://api.alpha.example"
    assert "empty answer" in (res.fallback or "")


def test_empty_production_through_the_cli(tmp_path: Path) -> None:
    with FakeInfisicalServer(alpha_fixture(staging=False, prod={}), legacy_empty_folders=True).start() as srv:
        profiles = write_profile(tmp_path / "profiles", srv.url)
        result = run_crane("run", "--venture", "alpha", "--profiles-dir", str(profiles), "--", "true", env=UA_ENV)
    assert result.rc == 1
    assert "environment prod, path /alpha, project " + PROJECT in result.err


def test_parallel_cold_launches_cost_one_login_and_one_read_each_and_never_more(tmp_path: Path) -> None:
    # Six `crane run` processes at once, no cached token, a bucket of three reads: whatever the
    # interleaving, three launch and three fail fast with the wait, and the server saw exactly six
    # reads (no retry against the limit) and at most six logins (one per cold launch).
    import subprocess

    from tests.core.helpers import ENTRY, PY, subprocess_env

    srv = running(rate_limits={"secrets": 3}, rate_limit_window=600)
    try:
        profiles = write_profile(tmp_path, srv.url)
        argv = [PY, "-c", ENTRY, "run", "--venture", "alpha", "--profiles-dir", str(profiles), "--", "true"]
        procs = [subprocess.Popen(argv, env=subprocess_env(UA_ENV), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
        outcomes = [(p.wait(timeout=120), p.communicate()[1]) for p in procs]
        assert sorted(rc for rc, _ in outcomes) == [0, 0, 0, 1, 1, 1]
        for rc, err in outcomes:
            if rc:
                assert "rate limit" in err and "try again in" in err and "per client IP" in err
            assert "prod-api-key" not in err and CLIENT_SECRET not in err
        assert srv.count("secrets") == 6
        assert 1 <= srv.count("login") <= 6
    finally:
        srv.stop()


@pytest.mark.parametrize(
    ("status", "headers", "body", "limited", "wait"),
    [
        (429, {}, {"message": "Rate limit exceeded. Please try again in 37 seconds"}, True, 37.0),
        (500, {"Retry-After": "12", "X-RateLimit-Remaining": "0"}, {"message": "Something went wrong"}, True, 12.0),
        (500, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "20"}, {}, True, 20.0),
        (500, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1000000050"}, {}, True, 50.0),  # epoch form
        (503, {}, {"error": "RateLimitExceeded", "message": "slow down"}, True, 1.0),
        (500, {"x-ratelimit-remaining": "3"}, {"message": "Something went wrong"}, False, None),
        (502, {"retry-after": "5"}, {"message": "Bad Gateway"}, False, None),
        (404, {"x-ratelimit-remaining": "0"}, {"message": "not found"}, False, None),
    ],
)
def test_what_counts_as_a_rate_limit_and_how_long_to_wait(status: int, headers: dict[str, str],
                                                          body: dict[str, str], limited: bool,
                                                          wait: float | None) -> None:
    from crane.secrets.infisical_http import is_rate_limited, rate_limit_wait

    assert is_rate_limited(status, headers, body) is limited
    if wait is not None:
        assert rate_limit_wait(headers, body, now=1_000_000_000) == wait
