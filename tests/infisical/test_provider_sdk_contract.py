"""What crane assumes about `infisicalsdk` to bound it. If an SDK upgrade breaks one of these,
these tests fail (rather than launches hanging for 15 s or forever).

The assumptions (see crane/secrets/infisical_http.py):
  1. every SDK request goes through `client.api.session`, a requests.Session, so the adapter
     crane mounts there sees (and bounds) each one;
  2. the SDK's retry decorator does not retry crane's TransportFailure: no sleep, one attempt;
  3. cache_ttl=None starts no cache thread;
  4. `list_secrets` and `universal_auth.login` take the keyword arguments crane passes.
"""

from __future__ import annotations

import inspect
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from crane.secrets import infisical_http as http
from tests.fakes.infisical_server import FakeInfisicalServer, closed_port_url
from tests.infisical.helpers import CLIENT_ID, CLIENT_SECRET, PROJECT


class _NoSleep:
    """Stands in for the `time` module inside the SDK: any sleep is an SDK retry."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        raise AssertionError(f"the SDK slept {seconds} s: its own retry loop ran")


@pytest.fixture
def sdk_cannot_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    from infisical_sdk import infisical_requests

    assert hasattr(infisical_requests, "time"), "the SDK no longer sleeps via its module's `time`: re-check"
    monkeypatch.setattr(infisical_requests, "time", _NoSleep())


def _client(host: str, seconds: float = 5.0) -> tuple[Any, http.Stats]:
    stats = http.Stats()
    return http.make_client(host, http.Budget(seconds), stats), stats


def test_every_request_goes_through_the_bounded_adapter(server: FakeInfisicalServer) -> None:
    client, stats = _client(server.url)
    for scheme in ("http://", "https://"):
        assert isinstance(client.api.session.get_adapter(scheme + "example"), http.BoundedAdapter)
    client.auth.universal_auth.login(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    listing = client.secrets.list_secrets(environment_slug="prod", secret_path="/alpha", project_id=PROJECT,
                                          expand_secret_references=True, view_secret_value=True,
                                          recursive=False, include_imports=True, tag_filters=[])
    assert {s.secretKey for s in listing.secrets} >= {"API_KEY"}
    assert stats.requests == server.count() == 2
    assert stats.first_latency is not None


def test_sdk_does_not_retry_a_refused_connection(sdk_cannot_sleep: None) -> None:
    client, stats = _client(closed_port_url())
    with pytest.raises(http.TransportFailure) as info:
        client.secrets.list_secrets(environment_slug="prod", secret_path="/", project_id=PROJECT)
    assert info.value.kind == "refused"
    assert stats.requests == 1


def test_sdk_does_not_retry_a_refused_login(sdk_cannot_sleep: None) -> None:
    client, stats = _client(closed_port_url())
    with pytest.raises(http.TransportFailure):
        client.auth.universal_auth.login(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    assert stats.requests == 1


def test_transport_failure_is_none_of_the_sdk_retry_types() -> None:
    from infisical_sdk import infisical_requests

    retried = tuple(getattr(infisical_requests, "NETWORK_ERRORS", ()))
    assert not issubclass(http.TransportFailure, (OSError, *retried))


def test_no_cache_thread_with_cache_ttl_none(server: FakeInfisicalServer) -> None:
    before = {t.name for t in threading.enumerate()}
    client, _ = _client(server.url)
    after = {t.name for t in threading.enumerate()}
    assert not [n for n in after - before if "SecretsCache" in n]
    assert client.cache.enabled is False


def test_sdk_methods_take_the_arguments_crane_passes() -> None:
    from infisical_sdk.resources.auth_methods.universal_auth import UniversalAuth
    from infisical_sdk.resources.secrets import V3RawSecrets

    inspect.signature(V3RawSecrets.list_secrets).bind(
        None, environment_slug="prod", secret_path="/", project_id="p", expand_secret_references=True,
        view_secret_value=True, recursive=False, include_imports=True, tag_filters=[])
    inspect.signature(UniversalAuth.login).bind(None, client_id="i", client_secret="s")


def test_requests_still_caches_bodies_in_content() -> None:
    import requests

    # BoundedAdapter reads the body itself and hands it to requests through `_content`.
    assert "_content" in requests.Response.__attrs__


def test_unsupported_sdk_shape_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    import infisical_sdk

    class Weird:
        def __init__(self, **kwargs: Any) -> None:
            self.api = object()

    monkeypatch.setattr(infisical_sdk, "InfisicalSDKClient", Weird)
    with pytest.raises(http.UnsupportedSDK):
        http.make_client("http://127.0.0.1:1", http.Budget(1), http.Stats())


# -- the retry policy, unit by unit -------------------------------------------------------------------


def test_rate_limit_wait_prefers_the_header() -> None:
    assert http.rate_limit_wait({"Retry-After": "7"}, {"message": "Please try again in 37 seconds"}) == 7
    assert http.rate_limit_wait({}, {"message": "Rate limit exceeded. Please try again in 37 seconds"}) == 37
    assert http.rate_limit_wait({}, {}) == http.DEFAULT_RATE_LIMIT_WAIT
    now = datetime(2026, 1, 1, tzinfo=UTC)
    date = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert http.rate_limit_wait({"retry-after": date}, {}, now=now.timestamp()) == pytest.approx(30)


def test_backoff_is_short_and_capped() -> None:
    for retry in range(6):
        assert 0 < http.backoff(retry) <= http.BACKOFF_CAP * 1.2


def test_policy_gives_up_after_two_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    sleeps: list[float] = []

    def op() -> None:
        calls.append(1)
        raise http.TransportFailure("refused", "connection refused")

    with pytest.raises(http.TransportFailure):
        http.call_with_retries(op, http.Budget(30), http.Stats(), sleep=sleeps.append)
    assert len(calls) == 3 and len(sleeps) == 2


def test_policy_never_retries_a_read_timeout() -> None:
    calls: list[int] = []

    def op() -> None:
        calls.append(1)
        raise http.TransportFailure("read-timeout", "no response in time")

    with pytest.raises(http.TransportFailure):
        http.call_with_retries(op, http.Budget(30), http.Stats(), sleep=lambda _: None)
    assert len(calls) == 1


def test_policy_stops_when_the_budget_cannot_hold_the_backoff() -> None:
    calls: list[int] = []

    def op() -> None:
        calls.append(1)
        raise http.TransportFailure("refused", "connection refused")

    with pytest.raises(http.TransportFailure):
        http.call_with_retries(op, http.Budget(0.2), http.Stats(), sleep=lambda _: None)
    assert len(calls) == 1


def _api_error(status: int, message: str = "x") -> Exception:
    from infisical_sdk.infisical_requests import APIError

    error: Exception = APIError(message, status, {"message": message})
    return error


def test_policy_retries_5xx_then_raises_the_sdk_error() -> None:
    calls: list[int] = []

    def op() -> None:
        calls.append(1)
        raise _api_error(503)

    with pytest.raises(Exception) as info:
        http.call_with_retries(op, http.Budget(30), http.Stats(), sleep=lambda _: None)
    assert http.api_status(info.value) == 503 and len(calls) == 3


def test_policy_does_not_retry_4xx() -> None:
    calls: list[int] = []

    def op() -> None:
        calls.append(1)
        raise _api_error(403)

    with pytest.raises(Exception):  # noqa: B017
        http.call_with_retries(op, http.Budget(30), http.Stats(), sleep=lambda _: None)
    assert len(calls) == 1


def test_policy_429_waits_the_hint_inside_the_budget() -> None:
    sleeps: list[float] = []
    answers = iter([_api_error(429, "Please try again in 2 seconds"), None])

    def op() -> str:
        error = next(answers)
        if error is not None:
            raise error
        return "ok"

    assert http.call_with_retries(op, http.Budget(30), http.Stats(), sleep=sleeps.append) == "ok"
    assert sleeps == [2.0]


def test_policy_429_beyond_the_budget_fails_at_once() -> None:
    def op() -> None:
        raise _api_error(429, "Please try again in 37 seconds")

    before = time.time()
    with pytest.raises(http.RateLimited) as info:
        http.call_with_retries(op, http.Budget(10), http.Stats(), sleep=lambda _: None)
    after = time.time()
    assert info.value.wait == 37
    assert before + 37 <= info.value.retry_at <= after + 37  # bracketed by the clock, not "within 2 s"
