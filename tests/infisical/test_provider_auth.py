"""Credentials, the keyring token cache, re-login, crane login / logout, and no keyring at all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crane.errors import SecretsError, UsageError
from crane.secrets.credentials import login, logout
from crane.secrets.keystore import Keystore, credentials_item, offline_key_item, token_item
from crane.secrets.offline_cache import OfflineCache
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
    set_keyring,
    stored,
    write_profile,
)


def _stored_token(host: str) -> dict[str, Any]:
    raw = stored(token_item(host, CLIENT_ID))
    assert raw is not None
    data: dict[str, Any] = json.loads(raw)
    return data


# -- token cache ---------------------------------------------------------------------------------


def test_second_fetch_is_one_request_with_the_cached_token(server: FakeInfisicalServer, profiles: Path) -> None:
    first = fetch(resolution(profiles, "prod"))
    assert first.facts["token_from_cache"] is False
    server.clear_log()
    second = fetch(resolution(profiles, "prod"))
    assert second.secrets == PROD_SECRETS
    assert server.count() == 1 and server.counts == {"secrets": 1}
    assert second.facts["token_from_cache"] is True
    assert "cached access token" in {c.name: c for c in second.checks}["infisical auth"].detail


def test_token_cache_records_expiry(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    stored = _stored_token(server.url)
    assert stored["accessToken"] == server.issued_tokens[0]
    assert stored["expiresAt"] == pytest.approx(stored["obtainedAt"] + 2_592_000)


def test_token_without_expiry_is_cached_as_such(tmp_path: Path) -> None:
    srv = running(alpha_fixture(identity={"token_ttl": 0, "max_ttl": 0}))
    try:
        profiles = write_profile(tmp_path, srv.url)
        fetch(resolution(profiles, "prod"))
        assert _stored_token(srv.url)["expiresAt"] is None
        srv.clear_log()
        fetch(resolution(profiles, "prod"))
        assert srv.counts == {"secrets": 1}
    finally:
        srv.stop()


def test_token_close_to_expiry_is_not_reused(tmp_path: Path) -> None:
    srv = running(alpha_fixture(identity={"token_ttl": 3600, "max_ttl": 3600}))
    try:
        profiles = write_profile(tmp_path, srv.url)
        fetch(resolution(profiles, "prod"))
        srv.clear_log()
        # 30 s before expiry (inside the 60 s margin) the cached token is not used
        fetch(resolution(profiles, "prod"), clock=lambda: _stored_token(srv.url)["expiresAt"] - 30)
        assert srv.counts == {"login": 1, "secrets": 1}
    finally:
        srv.stop()


def test_cache_is_keyed_by_host_and_client_id_whatever_the_source(server: FakeInfisicalServer, profiles: Path,
                                                                   file_keyring: Any) -> None:
    # credentials from the keyring, token cached; then the same identity from env reuses it
    store = Keystore()
    store.set_json(credentials_item(server.url, PROJECT), {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET})
    fetch(resolution(profiles, "prod"), environ={})
    server.clear_log()
    result = fetch(resolution(profiles, "prod"), environ=UA_ENV)
    assert server.counts == {"secrets": 1}
    assert result.facts["auth_method"] == "universal-auth env"


# -- re-login ------------------------------------------------------------------------------------


def test_expired_token_costs_exactly_one_fresh_login(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    old = server.issued_tokens[0]
    server.expire_all_tokens()
    server.clear_log()
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets == PROD_SECRETS
    assert [r.endpoint for r in server.requests] == ["secrets", "login", "secrets"]
    assert [r.status for r in server.requests] == [403, 200, 200]
    assert result.facts["relogin"] is True
    new = _stored_token(server.url)["accessToken"]
    assert new != old and new == server.issued_tokens[-1]
    # the login went out without the refused token (Infisical checks it on every route)
    assert "authorization" not in server.requests_for("login")[0].headers


def test_revoked_token_relogin_then_success(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    server.revoke_all_tokens()
    server.clear_log()
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets == PROD_SECRETS
    assert [(r.endpoint, r.status) for r in server.requests] == [("secrets", 401), ("login", 200),
                                                                 ("secrets", 200)]


def test_revoked_again_after_relogin_is_a_clear_error(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    server.clear_log()
    server.inject("secrets", Fault.token_revoked(), times=2)
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"))
    assert [r.endpoint for r in server.requests] == ["secrets", "login", "secrets"]  # exactly one re-login
    assert "even after a fresh login" in info.value.message
    assert "venture alpha" in info.value.message and "/alpha" in info.value.message
    assert info.value.hint


def test_fresh_token_refused_gets_one_more_login_only(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.token_expired(), times=None)
    with pytest.raises(SecretsError, match="even after a fresh login"):
        fetch(resolution(profiles, "prod"))
    assert server.counts == {"login": 2, "secrets": 2}


# -- credential sources and their errors --------------------------------------------------------


def test_bad_credentials(server: FakeInfisicalServer, profiles: Path) -> None:
    env = {**UA_ENV, "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": "wrong-secret"}
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), environ=env)
    err = info.value
    assert "rejected the universal-auth credentials" in err.message
    assert "Invalid credentials" in err.message
    assert "universal-auth env" in err.message
    assert "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET" in (err.hint or "")
    assert "wrong-secret" not in err.message + (err.hint or "")
    assert server.counts == {"login": 1}


def test_lockout_after_repeated_failures(tmp_path: Path) -> None:
    srv = running(alpha_fixture(identity={"lockout": {"threshold": 2, "window": 30, "duration": 300}}))
    srv.freeze_time()  # both failures fall in the 30 s window however slow the machine is
    try:
        profiles = write_profile(tmp_path, srv.url)
        bad = {**UA_ENV, "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": "wrong-secret"}
        for _ in range(2):
            with pytest.raises(SecretsError, match="rejected"):
                fetch(resolution(profiles, "prod"), environ=bad)
        with pytest.raises(SecretsError) as info:
            fetch(resolution(profiles, "prod"))  # even the right secret is refused now
    finally:
        srv.stop()
    assert "temporarily locked" in info.value.message
    assert "5 minutes" in (info.value.hint or "")


def test_infisical_token_is_used_as_is(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    token = server.issued_tokens[0]
    server.clear_log()
    result = fetch(resolution(profiles, "prod"), environ={"INFISICAL_TOKEN": token})
    assert result.secrets == PROD_SECRETS
    assert server.counts == {"secrets": 1}
    assert result.facts["auth_method"] == "INFISICAL_TOKEN"


def test_infisical_token_refused_says_so_without_relogin(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    token = server.issued_tokens[0]
    server.expire_all_tokens()
    server.clear_log()
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), environ={"INFISICAL_TOKEN": token})
    assert "INFISICAL_TOKEN" in info.value.message
    assert token not in info.value.message + (info.value.hint or "")
    assert server.counts == {"secrets": 1}


def test_half_a_client_pair_is_an_error(server: FakeInfisicalServer, profiles: Path) -> None:
    with pytest.raises(SecretsError, match="CLIENT_ID is set but"):
        fetch(resolution(profiles, "prod"), environ={"INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": CLIENT_ID})
    assert server.count() == 0


def test_no_credentials_anywhere(server: FakeInfisicalServer, profiles: Path) -> None:
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), environ={})
    assert "crane login --venture alpha" in (info.value.hint or "")
    assert server.count() == 0


def test_no_access_to_project(tmp_path: Path, server: FakeInfisicalServer) -> None:
    from tests.infisical.helpers import OUTSIDER_ID, OUTSIDER_SECRET

    profiles = write_profile(tmp_path, server.url)
    env = {"INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": OUTSIDER_ID, "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": OUTSIDER_SECRET}
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), environ=env)
    assert "no access to project" in info.value.message and "not a member" in info.value.message
    assert "read access to environment prod, path /alpha" in (info.value.hint or "")
    assert server.counts == {"login": 1, "secrets": 1}  # an access problem: no re-login


def test_permission_denied_is_an_access_problem(server: FakeInfisicalServer, profiles: Path) -> None:
    server.inject("secrets", Fault.permission_denied())
    with pytest.raises(SecretsError, match="no access to project"):
        fetch(resolution(profiles, "prod"))
    assert server.counts == {"login": 1, "secrets": 1}


# -- crane login / logout -------------------------------------------------------------------------


def _prompts(secret: str) -> dict[str, Any]:
    asked: list[str] = []

    def prompt(text: str) -> str:
        asked.append(text)
        return secret

    return {"prompt_secret": prompt, "asked": asked}


def test_login_verifies_stores_and_then_fetch_uses_the_keyring(server: FakeInfisicalServer, profiles: Path) -> None:
    p = _prompts(CLIENT_SECRET)
    result = login("alpha", client_id=CLIENT_ID, prompt_secret=p["prompt_secret"], profiles_dir=str(profiles),
                   environ={})
    assert result.verified and result.client_id == CLIENT_ID
    assert result.keyring_item == credentials_item(server.url, PROJECT)
    assert CLIENT_SECRET not in p["asked"][0]
    item = json.loads(stored(result.keyring_item) or "{}")
    assert item["clientId"] == CLIENT_ID and item["clientSecret"] == CLIENT_SECRET
    server.clear_log()
    fetched = fetch(resolution(profiles, "prod"), environ={})
    assert fetched.facts["auth_method"] == "universal-auth keyring"
    assert server.counts == {"secrets": 1}  # the token from login was cached


def test_login_with_a_wrong_secret_stores_nothing(server: FakeInfisicalServer, profiles: Path) -> None:
    with pytest.raises(SecretsError, match="rejected"):
        login("alpha", client_id=CLIENT_ID, prompt_secret=lambda _: "wrong", profiles_dir=str(profiles), environ={})
    assert stored(credentials_item(server.url, PROJECT)) is None


def test_login_prompts_for_the_client_id_when_not_given(server: FakeInfisicalServer, profiles: Path) -> None:
    result = login("alpha", prompt_client_id=lambda _: f" {CLIENT_ID} ", prompt_secret=lambda _: CLIENT_SECRET,
                   profiles_dir=str(profiles), environ={}, verify=False)
    assert result.client_id == CLIENT_ID and not result.verified
    assert server.count() == 0


def test_login_without_keyring_says_use_env(server: FakeInfisicalServer, profiles: Path, no_keyring: None) -> None:
    with pytest.raises(SecretsError) as info:
        login("alpha", client_id=CLIENT_ID, prompt_secret=lambda _: CLIENT_SECRET, profiles_dir=str(profiles),
              environ={})
    assert "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID" in (info.value.hint or "")


def test_login_refuses_a_dotenv_venture(tmp_path: Path) -> None:
    (tmp_path / "beta.toml").write_text('[api]\nprod = "https://b.example"\n[secrets]\nprovider = "dotenv"\n'
                                        '[secrets.dotenv]\nprod = "prod.env"\n')
    with pytest.raises(UsageError, match="does not use Infisical"):
        login("beta", client_id="x", prompt_secret=lambda _: "y", profiles_dir=str(tmp_path), environ={})


def test_logout_removes_credentials_token_and_offline_copies(server: FakeInfisicalServer, profiles: Path) -> None:
    login("alpha", client_id=CLIENT_ID, prompt_secret=lambda _: CLIENT_SECRET, profiles_dir=str(profiles),
          environ={})
    res = resolution(profiles, "prod")
    fetch(res, environ={})
    cache = OfflineCache(Keystore())
    assert cache.path_for(res.secrets).exists()
    result = logout("alpha", profiles_dir=str(profiles), environ={})
    assert len(result.removed) == 4, result.removed
    for item in (credentials_item(server.url, PROJECT), token_item(server.url, CLIENT_ID),
                 offline_key_item(server.url, PROJECT)):
        assert stored(item) is None
    assert not cache.path_for(res.secrets).exists()
    assert logout("alpha", profiles_dir=str(profiles), environ={}).removed == ()  # idempotent


# -- no keyring backend ----------------------------------------------------------------------------


def test_no_keyring_works_from_env_with_a_note(server: FakeInfisicalServer, profiles: Path,
                                                no_keyring: None) -> None:
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets == PROD_SECRETS
    [note] = result.notes
    assert "not persisted" in note and "\n" not in note
    checks = {c.name: c for c in result.checks}
    assert not checks["offline cache"].ok and "unavailable" in checks["offline cache"].detail
    assert result.facts["offline_cache"]["available"] is False
    # nothing cached, so the next launch logs in again
    server.clear_log()
    fetch(resolution(profiles, "prod"))
    assert server.counts == {"login": 1, "secrets": 1}


def test_no_keyring_and_no_env_is_a_clear_error(server: FakeInfisicalServer, profiles: Path,
                                                 no_keyring: None) -> None:
    with pytest.raises(SecretsError) as info:
        fetch(resolution(profiles, "prod"), environ={})
    assert "no keyring backend" in info.value.message or "keyring" in info.value.message


def test_null_backend_counts_as_no_keyring(server: FakeInfisicalServer, profiles: Path) -> None:
    from keyring.backends import null

    result = fetch(resolution(profiles, "prod"))  # warm a token in the file keyring first
    set_keyring(null.Keyring())  # type: ignore[no-untyped-call]
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets == PROD_SECRETS
    assert result.facts["offline_cache"]["available"] is False


def test_a_keyring_that_raises_never_crashes_a_fetch(server: FakeInfisicalServer, profiles: Path) -> None:
    from keyring.backend import KeyringBackend
    from keyring.errors import KeyringLocked

    class Locked(KeyringBackend):
        priority = 1

        def get_password(self, service: str, username: str) -> str | None:
            raise KeyringLocked("locked")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise KeyringLocked("locked")

        def delete_password(self, service: str, username: str) -> None:
            raise KeyringLocked("locked")

    set_keyring(Locked())  # type: ignore[no-untyped-call]
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets == PROD_SECRETS
    assert any("KeyringLocked" in n for n in result.notes)
