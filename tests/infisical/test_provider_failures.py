"""Every way the network and the server can fail ends in one SecretsError, inside the budget.

No assertion here depends on the machine's speed: a fault that never ends (a hang, a 10 s
delay against a 1 s budget) proves the budget by the error it produces, retries are counted
on the server, and sleeps are recorded (crane's backoffs, the SDK's own retry sleeps) rather
than timed. Lower bounds ("it waited for the Retry-After") hold on any machine. Budgets of
calls that are meant to succeed are generous, so a loaded machine cannot fail them.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from crane.errors import SecretsError
from crane.secrets import infisical_http
from tests.fakes.infisical_server import FakeInfisicalServer, Fault, closed_port_url
from tests.infisical.helpers import PROD_SECRETS, fetch, resolution, timed, write_profile

SDK_RETRY_SECONDS = 14.0  # what the SDK would spend on a refused port by itself


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """Every sleep crane's retry policy and the SDK's retry decorator take, recorded (and taken)."""
    from infisical_sdk import infisical_requests  # noqa: TID253

    taken: dict[str, list[float]] = {"crane": [], "sdk": []}

    def crane_sleep(seconds: float) -> None:
        taken["crane"].append(seconds)
        time.sleep(seconds)

    def sdk_sleep(seconds: float) -> None:
        taken["sdk"].append(seconds)
        time.sleep(seconds)

    # call_with_retries takes its sleep as a default argument, bound when it was defined.
    monkeypatch.setattr(infisical_http.call_with_retries, "__defaults__", (crane_sleep,))
    monkeypatch.setattr(infisical_requests, "time", SimpleNamespace(sleep=sdk_sleep, time=time.time))
    return taken


def _fails(res_profiles: Path, budget: float) -> tuple[SecretsError, float]:
    with timed() as t, pytest.raises(SecretsError) as info:
        fetch(resolution(res_profiles, "prod"), timeout=budget)
    return info.value, t[0]


def _names_the_target(err: SecretsError) -> None:
    assert "venture alpha" in err.message
    assert "production" in err.message
    assert "env prod" in err.message and "path /alpha" in err.message
    assert err.hint


# -- transport ----------------------------------------------------------------------------------------


def test_refused_connection_fails_quickly_within_budget(tmp_path: Path, sleeps: dict[str, list[float]]) -> None:
    profiles = write_profile(tmp_path, closed_port_url())
    err, _ = _fails(profiles, 30.0)
    assert "connection refused" in err.message
    assert "no offline copy" in err.message
    _names_the_target(err)
    # 3 attempts and two short backoffs, never the SDK's ~15 s of retry sleeps
    assert sleeps["sdk"] == [] and len(sleeps["crane"]) <= infisical_http.MAX_RETRIES
    assert sum(sleeps["crane"]) < 3.0


def test_accept_then_hang_fails_at_the_budget(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.hang())
    err, elapsed = _fails(profiles, 1.5)
    assert "did not answer within the 1.5 s budget" in err.message  # the hang never ends: only the budget
    _names_the_target(err)
    assert elapsed >= 1.0  # a lower bound holds on any machine
    assert server.count("login") == 1  # a read timeout is not retried: the budget is gone


def test_hang_on_listing_after_login(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.hang())
    err, _ = _fails(profiles, 1.5)
    assert "did not answer" in err.message  # the hang never ends: only the budget ends the call


def test_slow_response_within_budget_succeeds(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.slow(0.6))
    with timed() as t:
        result = fetch(resolution(profiles, "prod"), timeout=30)
    assert result.secrets == PROD_SECRETS
    assert t[0] >= 0.6


def test_slow_response_beyond_budget_fails_at_the_budget(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.slow(10))
    err, _ = _fails(profiles, 1.0)
    assert "did not answer" in err.message  # waiting would have succeeded after 10 s: the budget ended it


def test_body_stalling_midway_is_bounded_too(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.slow_body(10))
    err, _ = _fails(profiles, 1.0)
    assert "did not answer" in err.message or "stalled" in err.message


def test_reset_is_retried_then_succeeds(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.reset())
    result = fetch(resolution(profiles, "prod"), timeout=30)
    assert result.secrets == PROD_SECRETS
    assert server.count("secrets") == 2
    assert result.facts["retries"] == 1


def test_connection_closed_without_answer_three_times_fails(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.close(), times=None)
    err, _ = _fails(profiles, 30.0)
    assert "cannot reach Infisical" in err.message
    assert server.count("secrets") == 3  # first try + at most 2 retries


def test_short_body_is_a_broken_connection(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.short_body(), times=None)
    err, _ = _fails(profiles, 5.0)
    assert "connection broken" in err.message or "cannot reach" in err.message


# -- rate limits -------------------------------------------------------------------------------------


def test_429_with_hint_inside_budget_is_retried(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.rate_limited(wait=1))
    with timed() as t:
        result = fetch(resolution(profiles, "prod"), timeout=30)
    assert result.secrets == PROD_SECRETS
    assert server.count("secrets") == 2
    assert t[0] >= 0.9  # it honoured the wait


def test_429_hint_from_the_message_when_no_header(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.rate_limited(wait=1, header=False))
    with timed() as t:
        fetch(resolution(profiles, "prod"), timeout=30)
    assert t[0] >= 0.9 and server.count("secrets") == 2


def test_429_beyond_budget_fails_at_once_with_when_to_retry(server: FakeInfisicalServer, profiles: Path,
                                                             sleeps: dict[str, list[float]]) -> None:
    server.inject("secrets", Fault.rate_limited(wait=37))
    err, _ = _fails(profiles, 5.0)
    assert "try again in 37 s" in err.message
    assert "after" in err.message  # a wall-clock time to come back
    _names_the_target(err)
    assert sleeps == {"crane": [], "sdk": []}  # at once: no waiting out the budget
    assert server.count("secrets") == 1


def test_429_on_login_uses_the_same_policy(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.rate_limited(wait=120))
    err, _ = _fails(profiles, 5.0)
    assert "rate limit" in err.message and "login" in err.message


def test_real_rate_limit_bucket(tmp_path: Path) -> None:
    from tests.infisical.helpers import running

    srv = running(rate_limits={"secrets": 1}, rate_limit_window=60)
    srv.freeze_time()  # the second read falls in the first one's window however slow the machine is
    try:
        profiles = write_profile(tmp_path, srv.url)
        fetch(resolution(profiles, "prod"))
        with pytest.raises(SecretsError, match=r"try again in \d+ s"):
            fetch(resolution(profiles, "prod"))
    finally:
        srv.stop()


# -- server errors -----------------------------------------------------------------------------------


def test_5xx_once_is_retried(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.server_error(503))
    assert fetch(resolution(profiles, "prod")).secrets == PROD_SECRETS
    assert server.count("secrets") == 2


def test_5xx_persisting_is_an_error_after_two_retries(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.server_error(500), times=None)
    err, _ = _fails(profiles, 30.0)
    assert "server error after 2 retries" in err.message
    assert "500" in err.message
    _names_the_target(err)
    assert server.count("secrets") == 3


def test_html_502_from_a_proxy(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.html(502), times=None)
    err, _ = _fails(profiles, 5.0)
    assert "502" in err.message and "non-JSON error page" in err.message
    assert "<html" not in err.message


def test_5xx_on_login(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.server_error(500), times=None)
    err, _ = _fails(profiles, 5.0)
    assert "during login" in err.message


# -- malformed answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault.non_json(200), "InfisicalError"),
        (Fault.truncated_json(), "InfisicalError"),
        (Fault.missing_secrets(), "KeyError"),
        (Fault.secret_missing_field("createdAt"), "TypeError"),
        (Fault.error_list_body(500), "AttributeError"),
        (Fault.transform(lambda body: {"secrets": [{"secretKey": 1}], "imports": []}), "TypeError"),
        (Fault.transform(lambda body: {**body, "imports": [{"secretPath": "/x", "environment": "prod",
                                                           "secrets": [{"secretKey": "K"}]}]}), "TypeError"),
    ],
)
def test_malformed_listing(server: FakeInfisicalServer, profiles: Path, fault: Fault, kind: str) -> None:
    server.inject("secrets", fault)
    err, _ = _fails(profiles, 5.0)
    assert "malformed" in err.message
    assert kind in err.message
    _names_the_target(err)


def test_malformed_login_answer(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.transform(lambda body: {**body, "accessToken": ""}))
    err, _ = _fails(profiles, 5.0)
    assert "malformed login response" in err.message


def test_login_endpoint_missing_means_wrong_host(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.not_found())
    err, _ = _fails(profiles, 5.0)
    assert "no universal-auth login endpoint" in err.message


def test_validation_error_on_login(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("login", Fault.validation("clientSecret"))
    err, _ = _fails(profiles, 5.0)
    assert "clientSecret" in err.message


def test_host_without_scheme_from_env_override(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url)
    res = resolution(profiles, "prod", environ={"INFISICAL_API_URL": "127.0.0.1:1"})
    with pytest.raises(SecretsError) as info:
        fetch(res)
    assert "cannot use Infisical host" in info.value.message


def test_budget_from_environment_variable(server: FakeInfisicalServer, profiles: Path) -> None:
    from tests.infisical.helpers import UA_ENV

    server.inject("login", Fault.hang())
    with pytest.raises(SecretsError, match="0.8 s budget"):  # the hang never ends: the budget did
        fetch(resolution(profiles, "prod"), environ={**UA_ENV, "CRANE_INFISICAL_TIMEOUT": "0.8"})


def test_fetch_option_beats_environment_variable(server: FakeInfisicalServer, profiles: Path) -> None:
    from tests.infisical.helpers import UA_ENV

    server.inject("login", Fault.hang())
    with pytest.raises(SecretsError, match="0.7 s budget"):
        fetch(resolution(profiles, "prod"), environ={**UA_ENV, "CRANE_INFISICAL_TIMEOUT": "9"}, timeout=0.7)


def test_invalid_timeout_variable_is_a_usage_error(server: FakeInfisicalServer, profiles: Path) -> None:
    from crane.errors import UsageError
    from tests.infisical.helpers import UA_ENV

    with pytest.raises(UsageError, match="CRANE_INFISICAL_TIMEOUT"):
        fetch(resolution(profiles, "prod"), environ={**UA_ENV, "CRANE_INFISICAL_TIMEOUT": "soon"})
