"""Canaries: secret values, the client secret and access tokens never appear in an exception,
a hint, a note, a check, the facts, a log record or the terminal, whatever goes wrong."""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from crane.drift import drift
from crane.errors import CraneError
from crane.secrets.base import FetchResult
from tests.fakes.infisical_server import FakeInfisicalServer, Fault
from tests.infisical.helpers import PROJECT, fetch, resolution, running, write_profile

CANARY_VALUE = f"CANARY-{uuid.uuid4()}"
CANARY_SECRET = f"CANARY-{uuid.uuid4()}"
CANARY_REF = f"CANARY-{uuid.uuid4()}"
CANARY_CLIENT_ID = "c0ffee00-0000-4e0a-9b5d-00000000ca11"
CANARY_ENV = {
    "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": CANARY_CLIENT_ID,
    "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": CANARY_SECRET,
}


def _fixture() -> dict[str, Any]:
    secrets = {"API_KEY": CANARY_VALUE, "DATABASE_URL": f"postgres://{CANARY_REF}@${{NOPE}}/db",
               "OTHER": "x"}
    return {
        "identities": [{"client_id": CANARY_CLIENT_ID, "client_secret": CANARY_SECRET, "projects": [PROJECT],
                        "lockout": False}],
        "projects": [{"id": PROJECT, "environments": ["dev", "prod"],
                      "secrets": {"prod": {"/alpha": secrets},
                                  "dev": {"/alpha/staging": {**secrets, "OTHER": "y"}}}}],
    }


@pytest.fixture
def canary_server() -> Iterator[FakeInfisicalServer]:
    srv = running(_fixture())
    yield srv
    srv.stop()


@pytest.fixture
def canary_profiles(tmp_path: Path, canary_server: FakeInfisicalServer) -> Path:
    return write_profile(tmp_path / "profiles", canary_server.url, shared_keys=("OTHER",))


def _texts_of_result(result: FetchResult) -> list[str]:
    return [*result.notes, *(json.dumps(asdict(c)) for c in result.checks), json.dumps(result.facts, default=str)]


def _texts_of_error(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    if isinstance(exc, CraneError):
        texts += [exc.message, exc.hint or ""]
    return texts


def _assert_clean(texts: list[str], server: FakeInfisicalServer, caplog: pytest.LogCaptureFixture,
                  capsys: pytest.CaptureFixture[str]) -> None:
    captured = capsys.readouterr()
    forbidden = [CANARY_VALUE, CANARY_SECRET, CANARY_REF, *server.issued_tokens]
    everything = "\n".join([*texts, caplog.text, captured.out, captured.err])
    for canary in forbidden:
        assert canary not in everything


SCENARIOS: list[tuple[str, Callable[[FakeInfisicalServer], None]]] = [
    ("ok", lambda s: None),
    ("bad-secret-echoed", lambda s: s.inject("login", Fault.error(401, message=f"bad secret {CANARY_SECRET}"))),
    ("locked", lambda s: s.inject("login", Fault.locked_out())),
    ("revoked-twice", lambda s: s.inject("secrets", Fault.token_revoked(), times=2)),
    ("expired", lambda s: s.inject("secrets", Fault.token_expired())),
    ("no-access", lambda s: s.inject("secrets", Fault.not_member(PROJECT))),
    ("404", lambda s: s.inject("secrets", Fault.path_not_found("prod", "/alpha"))),
    ("429", lambda s: s.inject("secrets", Fault.rate_limited(wait=99))),
    ("500", lambda s: s.inject("secrets", Fault.server_error(500), times=None)),
    ("html", lambda s: s.inject("secrets", Fault.html(502), times=None)),
    ("truncated", lambda s: s.inject("secrets", Fault.truncated_json())),
    ("missing-field", lambda s: s.inject("secrets", Fault.secret_missing_field("createdAt"))),
    ("list-body", lambda s: s.inject("secrets", Fault.error_list_body())),
    ("hang", lambda s: s.inject("secrets", Fault.hang())),
    ("reset", lambda s: s.inject("secrets", Fault.reset(), times=None)),
]


@pytest.mark.parametrize(("name", "arrange"), SCENARIOS, ids=[n for n, _ in SCENARIOS])
def test_no_canary_leaks(name: str, arrange: Callable[[FakeInfisicalServer], None],
                         canary_server: FakeInfisicalServer, canary_profiles: Path,
                         caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)  # urllib3 and the SDK log at debug level: capture it all
    arrange(canary_server)
    texts: list[str] = []
    try:
        # A short budget only where the server hangs (it proves nothing else and would let a
        # loaded machine fail the scenarios that are meant to succeed).
        result = fetch(resolution(canary_profiles, "prod"), environ=CANARY_ENV, timeout=1.5 if name == "hang" else 30)
        texts += _texts_of_result(result)
        if name == "ok":
            assert result.secrets["API_KEY"] == CANARY_VALUE  # the canary really went through
            assert any("DATABASE_URL" in n for n in result.notes)
    except CraneError as exc:
        assert name != "ok"
        texts += _texts_of_error(exc)
    _assert_clean(texts, canary_server, caplog, capsys)


def test_server_text_echoing_the_token_is_redacted(canary_server: FakeInfisicalServer, canary_profiles: Path,
                                                   caplog: pytest.LogCaptureFixture,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    # Infisical does not echo credentials, but its texts reach our messages: they are redacted.
    fetch(resolution(canary_profiles, "prod"), environ=CANARY_ENV)
    [token] = canary_server.issued_tokens
    canary_server.inject("secrets", Fault.error(403, "ForbiddenError", f"token {token} not allowed"))
    with pytest.raises(CraneError) as info:
        fetch(resolution(canary_profiles, "prod"), environ=CANARY_ENV)
    assert "[redacted]" in info.value.message
    _assert_clean(_texts_of_error(info.value), canary_server, caplog, capsys)


def test_no_canary_with_a_refused_infisical_token(canary_server: FakeInfisicalServer, canary_profiles: Path,
                                                  caplog: pytest.LogCaptureFixture,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    fetch(resolution(canary_profiles, "prod"), environ=CANARY_ENV)
    canary_server.expire_all_tokens()
    with pytest.raises(CraneError) as info:
        fetch(resolution(canary_profiles, "prod"), environ={"INFISICAL_TOKEN": canary_server.issued_tokens[0]})
    _assert_clean(_texts_of_error(info.value), canary_server, caplog, capsys)


def test_no_canary_from_the_offline_copy(canary_server: FakeInfisicalServer, canary_profiles: Path,
                                         caplog: pytest.LogCaptureFixture,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    fetch(resolution(canary_profiles, "prod"), environ=CANARY_ENV)
    canary_server.stop()
    result = fetch(resolution(canary_profiles, "prod"), environ=CANARY_ENV, timeout=1)
    assert result.secrets["API_KEY"] == CANARY_VALUE
    _assert_clean(_texts_of_result(result), canary_server, caplog, capsys)


def test_no_canary_in_a_drift_report(canary_server: FakeInfisicalServer, canary_profiles: Path,
                                     monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    for key, value in CANARY_ENV.items():
        monkeypatch.setenv(key, value)
    report = drift("alpha", profiles_dir=str(canary_profiles), environ={})
    assert report.breach and "API_KEY" in report.identical
    _assert_clean([json.dumps(report.to_dict()), repr(report)], canary_server, caplog, capsys)


def test_credentials_repr_hides_secrets() -> None:
    from crane.secrets.credentials import Credentials
    from crane.secrets.tokens import AccessToken

    creds = Credentials("universal-auth env", CANARY_CLIENT_ID, CANARY_SECRET, CANARY_VALUE)
    token = AccessToken(CANARY_VALUE, None, 0.0)
    assert CANARY_SECRET not in repr(creds) and CANARY_VALUE not in repr(creds)
    assert CANARY_VALUE not in repr(token)


def test_wrong_secret_from_keyring_login_never_echoed(canary_server: FakeInfisicalServer, canary_profiles: Path,
                                                      caplog: pytest.LogCaptureFixture,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    from crane.secrets.credentials import login

    caplog.set_level(logging.DEBUG)
    wrong = f"CANARY-{uuid.uuid4()}"
    canary_server.inject("login", Fault.error(401, message=f"Invalid credentials for {wrong}"))
    with pytest.raises(CraneError) as info:
        login("alpha", client_id=CANARY_CLIENT_ID, prompt_secret=lambda _: wrong,
              profiles_dir=str(canary_profiles), environ={})
    texts = _texts_of_error(info.value)
    assert wrong not in "\n".join(texts)
    _assert_clean(texts, canary_server, caplog, capsys)
