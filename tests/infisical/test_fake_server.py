"""The fake Infisical server, driven through the real ``infisicalsdk`` to prove it is faithful.

Where the SDK cannot show a detail (status codes it swallows, headers, the raw body), the test
uses ``requests`` directly. Every network call has a bounded timeout or runs in a thread that
the test joins with one; SDK retry sleeps are patched out where a test makes it retry.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

# Tests are not on crane's startup path: the lazy-import rule (TID253) protects the CLI only.
import requests  # noqa: TID253
from infisical_sdk import InfisicalSDKClient  # noqa: TID253
from infisical_sdk.api_types import ListSecretsResponse  # noqa: TID253
from infisical_sdk.infisical_requests import APIError, InfisicalError  # noqa: TID253

from tests.fakes.infisical_server import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PROJECT_ID,
    DEFAULT_PROJECT_SLUG,
    HIDDEN_VALUE_MASK,
    MSG_EXPAND_FAILED,
    MSG_LOCKED,
    MSG_TOKEN_EXPIRED,
    MSG_TOKEN_MALFORMED,
    MSG_TOKEN_REVOKED,
    OUTSIDER_CLIENT_ID,
    OUTSIDER_CLIENT_SECRET,
    REQUIRED_SECRET_FIELDS,
    SCOPED_CLIENT_ID,
    SCOPED_CLIENT_SECRET,
    FakeInfisicalServer,
    Fault,
    bulk_fixture,
    closed_port_url,
    sample_fixture,
)

TIMEOUT = 5.0
V3 = "/api/v3/secrets/raw"
V4 = "/api/v4/secrets"
LOGIN = "/api/v1/auth/universal-auth/login"


# ---------------------------------------------------------------------------------------------
# fixtures and helpers
# ---------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests honours proxy variables; the fake lives on loopback.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK sleeps 1+2+4+8 s between network retries; make them instant.

    `with_retry` looks `time.sleep` up in the module's globals at call time, so replacing the
    module's `time` name is enough and leaves the real `time` module alone.
    """
    from infisical_sdk import infisical_requests  # noqa: TID253

    monkeypatch.setattr(infisical_requests, "time", SimpleNamespace(sleep=lambda _s: None, time=time.time))


@pytest.fixture
def server() -> Iterator[FakeInfisicalServer]:
    with FakeInfisicalServer(sample_fixture()) as srv:
        yield srv
    assert srv.internal_errors == []


def make_client(srv: FakeInfisicalServer | str) -> InfisicalSDKClient:
    url = srv if isinstance(srv, str) else srv.url
    return InfisicalSDKClient(host=url, cache_ttl=None)


def logged_in(
    srv: FakeInfisicalServer, client_id: str = DEFAULT_CLIENT_ID, secret: str = DEFAULT_CLIENT_SECRET
) -> InfisicalSDKClient:
    client = make_client(srv)
    client.auth.universal_auth.login(client_id=client_id, client_secret=secret)
    return client


def list_secrets(
    client: InfisicalSDKClient,
    path: str = "/alpha/staging",
    env: str = "dev",
    project: str = DEFAULT_PROJECT_ID,
    **kwargs: Any,
) -> ListSecretsResponse:
    options: dict[str, Any] = {"expand_secret_references": True, "include_imports": True, "recursive": False}
    options.update(kwargs)
    return client.secrets.list_secrets(project_id=project, environment_slug=env, secret_path=path, **options)


def raw_token(srv: FakeInfisicalServer, client_id: str = DEFAULT_CLIENT_ID, secret: str = DEFAULT_CLIENT_SECRET) -> str:
    resp = requests.post(srv.url + LOGIN, json={"clientId": client_id, "clientSecret": secret}, timeout=TIMEOUT)
    assert resp.status_code == 200, resp.text
    return str(resp.json()["accessToken"])


def raw_get(srv: FakeInfisicalServer, token: str | None, route: str = V3, **params: str) -> requests.Response:
    query = {
        "workspaceId": DEFAULT_PROJECT_ID,
        "environment": "dev",
        "secretPath": "/alpha/staging",
        "viewSecretValue": "true",
        "expandSecretReferences": "true",
        "recursive": "false",
        "include_imports": "true",
    }
    if route == V4:
        query["projectId"] = query.pop("workspaceId")
    query.update(params)
    query = {k: v for k, v in query.items() if v is not None and v != "<omit>"}
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return requests.get(srv.url + route, params=query, headers=headers, timeout=TIMEOUT)


def assert_envelope(resp: requests.Response, status: int, error: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert isinstance(body, dict)
    assert {"reqId", "statusCode", "error", "message"} <= set(body)
    assert body["statusCode"] == status
    assert body["reqId"].startswith("req-")
    if error is not None:
        assert body["error"] == error
    return body


def values(result: ListSecretsResponse) -> dict[str, str]:
    return {s.secretKey: s.secretValue for s in result.secrets}


def import_values(result: ListSecretsResponse) -> list[tuple[str, str, dict[str, str]]]:
    return [
        (imp.environment, imp.secretPath, {s["secretKey"]: s["secretValue"] for s in imp.secrets})
        for imp in result.imports
    ]


# ---------------------------------------------------------------------------------------------
# login
# ---------------------------------------------------------------------------------------------


def test_login_returns_the_login_shape_with_a_jwt_looking_token(server: FakeInfisicalServer) -> None:
    client = make_client(server)
    result = client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    assert result.tokenType == "Bearer"
    assert result.expiresIn == 2_592_000
    assert result.accessTokenMaxTTL == 2_592_000
    assert re.fullmatch(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", result.accessToken)
    assert client.get_token() == result.accessToken


def test_login_accepts_a_trailing_slash_and_trims_credentials(server: FakeInfisicalServer) -> None:
    resp = requests.post(
        server.url + LOGIN + "/",
        json={"clientId": f"  {DEFAULT_CLIENT_ID} ", "clientSecret": f"{DEFAULT_CLIENT_SECRET}\n"},
        timeout=TIMEOUT,
    )
    assert resp.status_code == 200
    assert set(resp.json()) == {"accessToken", "expiresIn", "accessTokenMaxTTL", "tokenType"}
    assert server.counts == {"login": 1}


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [(DEFAULT_CLIENT_ID, "wrong"), ("no-such-client", DEFAULT_CLIENT_SECRET)],
)
def test_bad_credentials_are_401_invalid_credentials(server: FakeInfisicalServer, client_id: str, secret: str) -> None:
    with pytest.raises(APIError) as caught:
        make_client(server).auth.universal_auth.login(client_id=client_id, client_secret=secret)
    assert caught.value.status_code == 401
    assert caught.value.response["error"] == "UnauthorizedError"
    assert caught.value.response["message"] == "Invalid credentials"


def test_login_validation_failures_are_422_with_zod_issues(server: FakeInfisicalServer) -> None:
    missing = requests.post(server.url + LOGIN, json={"clientId": DEFAULT_CLIENT_ID}, timeout=TIMEOUT)
    body = assert_envelope(missing, 422, "ValidationFailure")
    assert body["message"] == [
        {
            "code": "invalid_type",
            "expected": "string",
            "received": "undefined",
            "path": ["clientSecret"],
            "message": "Required",
        }
    ]
    wrong_type = requests.post(server.url + LOGIN, json={"clientId": 7, "clientSecret": "x"}, timeout=TIMEOUT)
    issue = assert_envelope(wrong_type, 422)["message"][0]
    assert (issue["path"], issue["received"], issue["message"]) == (
        ["clientId"],
        "number",
        "Expected string, received number",
    )
    empty = requests.post(server.url + LOGIN, timeout=TIMEOUT)
    assert assert_envelope(empty, 422)["message"][0]["expected"] == "object"


def test_lockout_refuses_even_the_right_secret_until_it_expires(server: FakeInfisicalServer) -> None:
    server.freeze_time()  # the failures fall in one window however slow the machine is
    client = make_client(server)
    for _ in range(3):
        with pytest.raises(APIError, match="Invalid credentials"):
            client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret="wrong")
    with pytest.raises(APIError) as caught:
        client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    assert caught.value.status_code == 401
    assert caught.value.response["message"] == MSG_LOCKED
    server.advance_time(301)
    assert (
        make_client(server)
        .auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
        .accessToken
    )


def test_lockout_counts_only_failures_inside_the_window(server: FakeInfisicalServer) -> None:
    server.freeze_time()
    client = make_client(server)
    for pause in (0, 0, 31, 0):
        server.advance_time(pause)
        with pytest.raises(APIError):
            client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret="wrong")
    logged_in(server)  # two failures in the last 30 s: not locked


def test_lockout_is_configurable_per_identity() -> None:
    fixture = sample_fixture()
    fixture["identities"][0]["lockout"] = None
    fixture["identities"][1]["lockout"] = {"threshold": 1, "window": 30, "duration": 10}
    with FakeInfisicalServer(fixture) as srv:
        srv.freeze_time()  # still locked until advance_time, however slow the machine is
        client = make_client(srv)
        for _ in range(5):
            with pytest.raises(APIError, match="Invalid credentials"):
                client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret="wrong")
        logged_in(srv)
        with pytest.raises(APIError, match="Invalid credentials"):
            client.auth.universal_auth.login(client_id=SCOPED_CLIENT_ID, client_secret="wrong")
        with pytest.raises(APIError, match="temporarily locked"):
            logged_in(srv, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)
        srv.advance_time(11)
        logged_in(srv, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)


def test_client_secret_expiry_and_usage_limit() -> None:
    fixture = sample_fixture()
    fixture["identities"][0]["client_secret_expired"] = True
    fixture["identities"][1]["client_secret_uses_limit"] = 1
    with FakeInfisicalServer(fixture) as srv:
        with pytest.raises(APIError, match="expired client secret"):
            logged_in(srv)
        logged_in(srv, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)
        with pytest.raises(APIError, match="usage limit reached"):
            logged_in(srv, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)


# ---------------------------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------------------------


def test_missing_garbage_and_forged_tokens(server: FakeInfisicalServer) -> None:
    missing = assert_envelope(raw_get(server, None), 401, "UnauthorizedError")
    assert missing["message"] == "Token missing"
    garbage = assert_envelope(raw_get(server, "not-a-jwt"), 403, "TokenError")
    assert garbage["message"] == MSG_TOKEN_MALFORMED
    token = raw_token(server)
    head, payload, _ = token.split(".")
    forged = assert_envelope(raw_get(server, f"{head}.{payload}.AAAA"), 403, "TokenError")
    assert forged["message"] == "invalid signature"


def test_expired_tokens_are_403_token_error_and_a_fresh_login_recovers(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    list_secrets(client)
    server.expire_all_tokens()
    with pytest.raises(APIError) as caught:
        list_secrets(client)
    assert caught.value.status_code == 403
    assert caught.value.response["error"] == "TokenError"
    assert caught.value.response["message"] == MSG_TOKEN_EXPIRED
    assert values(list_secrets(logged_in(server)))["API_URL"] == "https://staging.api.example"


def test_short_ttl_tokens_expire_with_the_server_clock() -> None:
    fixture = sample_fixture()
    fixture["identities"][0].update(token_ttl=60, max_ttl=120)
    with FakeInfisicalServer(fixture) as srv:
        srv.freeze_time()  # 59 s must mean 59 s, not 59 s plus however long this machine takes
        client = make_client(srv)
        assert (
            client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET).expiresIn
            == 60
        )
        srv.advance_time(59)
        list_secrets(client)
        srv.advance_time(2)
        with pytest.raises(APIError, match="expired") as caught:
            list_secrets(client)
        assert caught.value.status_code == 403


def test_ttl_zero_never_expires() -> None:
    fixture = sample_fixture()
    fixture["identities"][0].update(token_ttl=0, max_ttl=0)
    with FakeInfisicalServer(fixture) as srv:
        client = make_client(srv)
        login = client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
        assert (login.expiresIn, login.accessTokenMaxTTL) == (0, 0)
        srv.advance_time(10 * 365 * 86400)
        list_secrets(client)


def test_a_stale_header_makes_login_fail_on_the_same_client(server: FakeInfisicalServer) -> None:
    """The server's identity hook reads Authorization on every route, login included: an SDK
    client whose session still carries an expired token cannot log in again. A new client (or
    dropping the header) can."""
    client = logged_in(server)
    server.expire_all_tokens()
    with pytest.raises(APIError) as caught:
        client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    assert (caught.value.status_code, caught.value.response["error"]) == (403, "TokenError")
    client.api.session.headers.pop("Authorization")
    client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    list_secrets(client)
    # The switch models a server that ignores the header on login.
    server.check_auth_header_on_all_routes = False
    server.expire_all_tokens()
    client.auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)
    list_secrets(client)


def test_revoked_tokens_are_401(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    server.revoke_all_tokens()
    with pytest.raises(APIError) as caught:
        list_secrets(client)
    assert caught.value.status_code == 401
    assert caught.value.response["message"] == MSG_TOKEN_REVOKED


def test_renew_and_revoke() -> None:
    fixture = sample_fixture()
    # With the defaults (TTL == max TTL) the server refuses every renewal: now + TTL is past
    # creation + max TTL as soon as any time has passed.
    fixture["identities"][0].update(token_ttl=60, max_ttl=3600)
    with FakeInfisicalServer(fixture) as server:
        _renew_and_revoke(server)


def _renew_and_revoke(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    renewed = requests.post(server.url + "/api/v1/auth/token/renew", json={"accessToken": token}, timeout=TIMEOUT)
    assert renewed.status_code == 200
    new_token = renewed.json()["accessToken"]
    assert new_token != token
    assert renewed.json()["tokenType"] == "Bearer"
    assert raw_get(server, new_token).status_code == 200
    revoked = requests.post(server.url + "/api/v1/auth/token/revoke", json={"accessToken": new_token}, timeout=TIMEOUT)
    assert revoked.json() == {"message": "Successfully revoked access token"}
    # Both strings belong to the same token row, so both are gone.
    for stale in (token, new_token):
        assert assert_envelope(raw_get(server, stale), 401)["message"] == MSG_TOKEN_REVOKED


def test_renew_stops_at_the_max_ttl() -> None:
    fixture = sample_fixture()
    fixture["identities"][0].update(token_ttl=60, max_ttl=100)
    with FakeInfisicalServer(fixture) as srv:
        srv.freeze_time()
        token = raw_token(srv)
        srv.advance_time(30)
        ok = requests.post(srv.url + "/api/v1/auth/token/renew", json={"accessToken": token}, timeout=TIMEOUT)
        assert ok.status_code == 200
        srv.advance_time(20)
        refused = requests.post(
            srv.url + "/api/v1/auth/token/renew", json={"accessToken": ok.json()["accessToken"]}, timeout=TIMEOUT
        )
        assert "Max TTL" in assert_envelope(refused, 401)["message"]


# ---------------------------------------------------------------------------------------------
# listing: wire format and data
# ---------------------------------------------------------------------------------------------


def test_the_sdk_call_on_the_wire_matches_the_contract(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    list_secrets(client)
    login, fetch = server.requests
    assert (login.endpoint, login.method, login.path) == ("login", "POST", LOGIN)
    assert login.body == {"clientId": DEFAULT_CLIENT_ID, "clientSecret": "<redacted>"}
    assert (fetch.endpoint, fetch.method, fetch.path) == ("secrets", "GET", V3)
    assert fetch.query == {
        "workspaceId": DEFAULT_PROJECT_ID,
        "environment": "dev",
        "secretPath": "/alpha/staging",
        "viewSecretValue": "true",
        "expandSecretReferences": "true",
        "recursive": "false",
        "include_imports": "true",
    }
    assert fetch.headers["authorization"] == "Bearer <redacted>"
    assert fetch.identity == DEFAULT_CLIENT_ID
    assert (login.status, fetch.status) == (200, 200)


def test_every_top_level_secret_has_the_fields_the_sdk_requires(server: FakeInfisicalServer) -> None:
    body = raw_get(server, raw_token(server)).json()
    assert set(body) == {"secrets", "imports"}
    for secret in body["secrets"]:
        assert set(REQUIRED_SECRET_FIELDS) <= set(secret)
        assert secret["id"] == secret["_id"]
        assert secret["workspace"] == DEFAULT_PROJECT_ID
        assert (secret["type"], secret["secretPath"], secret["secretValueHidden"]) == (
            "shared",
            "/alpha/staging",
            False,
        )
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", secret["createdAt"])
    for entry in body["imports"]:
        assert set(entry) == {"secretPath", "environment", "folderId", "secrets"}
        for secret in entry["secrets"]:
            assert secret["workspace"] == ""
            assert "createdAt" not in secret and "updatedAt" not in secret
    # ...and the SDK parses them into BaseSecret objects.
    result = list_secrets(logged_in(server))
    assert {s.secretKey for s in result.secrets} >= {"API_URL", "CRANE_CONTEXT_KEY"}
    context = next(s for s in result.secrets if s.secretKey == "CRANE_CONTEXT_KEY")
    assert (context.secretComment, context.version, context.environment) == ("context", 1, "dev")


def test_imports_are_separate_ordered_and_never_merged(server: FakeInfisicalServer) -> None:
    result = list_secrets(logged_in(server))
    own = values(result)
    assert "SENTRY_DSN" not in own and "LOG_LEVEL" not in own
    assert own["API_URL"] == "https://staging.api.example"
    assert import_values(result) == [
        ("dev", "/shared", {"API_URL": "https://api.example", "SENTRY_DSN": "dsn-shared", "LOG_LEVEL": "info"}),
        ("dev", "/alpha/common", {"SENTRY_DSN": "dsn-alpha", "COMMON_ONLY": "common"}),
    ]
    assert list_secrets(logged_in(server), include_imports=False).imports == []


def test_references_expand_only_when_asked(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    expanded = values(list_secrets(client))
    assert expanded["LOCAL_REF"] == "https://staging.api.example/v1"
    assert expanded["ROOT_REF"] == "root-dev"
    assert expanded["FOLDER_REF"] == "common"
    assert expanded["BROKEN_REF"] == "postgres://${DB_HOST}/app"  # unresolvable: verbatim
    raw = values(list_secrets(client, expand_secret_references=False))
    assert raw["LOCAL_REF"] == "${API_URL}/v1"
    assert raw["FOLDER_REF"] == "${dev.alpha.common.COMMON_ONLY}"


def _single_folder_fixture(secrets: dict[str, Any], **project: Any) -> dict[str, Any]:
    return {
        "identities": [
            {"client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET, "projects": [DEFAULT_PROJECT_ID]}
        ],
        "projects": [{"id": DEFAULT_PROJECT_ID, "environments": ["dev"], "secrets": {"dev": secrets}, **project}],
    }


def test_reference_cycles_stop_and_depth_is_bounded() -> None:
    chain = {f"C{i:03d}": f"${{C{i + 1:03d}}}" for i in range(199)}
    chain["C199"] = "end"
    short = {f"S{i}": f"${{S{i + 1}}}" for i in range(15)}
    short["S15"] = "short-end"
    fixture = _single_folder_fixture({"/": {"A": "${B}", "B": "x-${A}", "SELF": "${SELF}!", **chain, **short}})
    with FakeInfisicalServer(fixture) as srv:
        got = values(list_secrets(logged_in(srv), path="/"))
    assert got["A"] == "x-${B}"  # A -> B's value, whose ${A} is a cycle: A's raw value, no further
    assert got["SELF"] == "${SELF}!!"
    # One pass follows 11 hops (depth 0..10); a result holding a reference it did not hold
    # before gets another pass, up to 10 more: 121 hops in all, then the reference stays.
    assert got["S0"] == "short-end"
    assert got["C000"] == "${C122}"


def test_a_reference_built_by_a_reference_is_expanded_in_another_pass() -> None:
    fixture = _single_folder_fixture(
        {
            "/": {"OUT": "${dev.common.${dev.common.VENDOR}.API_KEY}"},
            "/common": {"VENDOR": "datadog"},
            "/common/datadog": {"API_KEY": "dd-key"},
        }
    )
    with FakeInfisicalServer(fixture) as srv:
        assert values(list_secrets(logged_in(srv), path="/"))["OUT"] == "dd-key"


def test_multiline_values_with_skip_multiline_encoding_are_quoted_when_expanded() -> None:
    fixture = _single_folder_fixture(
        {"/": {"PEM": "a\nb", "REF": {"value": "${PEM}", "skip_multiline_encoding": True}}}
    )
    with FakeInfisicalServer(fixture) as srv:
        assert values(list_secrets(logged_in(srv), path="/"))["REF"] == '"a\\nb"'


def test_imported_values_are_expanded_even_without_the_flag() -> None:
    fixture = _single_folder_fixture(
        {"/app": {"OWN": "${HOST}"}, "/lib": {"HOST": "h", "URL": "http://${HOST}/"}},
        imports={"dev": {"/app": [("dev", "/lib")]}},
    )
    with FakeInfisicalServer(fixture) as srv:
        result = list_secrets(logged_in(srv), path="/app", expand_secret_references=False)
        assert values(result) == {"OWN": "${HOST}"}  # own secret untouched, and not from imports
        assert import_values(result) == [("dev", "/lib", {"HOST": "h", "URL": "http://h/"})]
        srv.expand_imports_always = False
        result = list_secrets(logged_in(srv), path="/app", expand_secret_references=False)
        assert import_values(result)[0][2]["URL"] == "http://${HOST}/"


def test_nested_imports_are_appended_and_deduplicated_first_wins() -> None:
    fixture = _single_folder_fixture(
        {
            "/app": {"OWN": "1"},
            "/a": {"K": "from-a", "A_ONLY": "a"},
            "/b": {"K": "from-b", "B_ONLY": "b"},
            "/c": {"C_ONLY": "c", "K": "from-c"},
        },
        imports={"dev": {"/app": [("dev", "/a"), ("dev", "/c")], "/a": [("dev", "/b")], "/b": [("dev", "/app")]}},
    )
    with FakeInfisicalServer(fixture) as srv:
        result = list_secrets(logged_in(srv), path="/app")
    assert import_values(result) == [
        # /a's own, then /b's (nested) appended with K de-duplicated; /b's import of /app
        # brings /app's own secret, as the server does (the importing folder is not excluded).
        ("dev", "/a", {"K": "from-a", "A_ONLY": "a", "B_ONLY": "b", "OWN": "1"}),
        ("dev", "/c", {"C_ONLY": "c", "K": "from-c"}),
    ]
    assert [s["secretKey"] for s in result.imports[0].secrets] == ["K", "A_ONLY", "B_ONLY", "OWN"]


def test_missing_imported_folders_and_replication_imports() -> None:
    fixture = _single_folder_fixture(
        {"/app": {"OWN": "1"}, "/lib": {"L": "l"}, "/only-missing": {"X": "x"}},
        imports={
            "dev": {
                "/app": [
                    ("dev", "/lib"),
                    ("dev", "/gone"),
                    {"environment": "dev", "path": "/lib2", "replication": True},
                ],
                "/only-missing": [("dev", "/gone")],
            }
        },
    )
    with FakeInfisicalServer(fixture) as srv:
        client = logged_in(srv)
        result = list_secrets(client, path="/app")
        assert import_values(result) == [("dev", "/lib", {"L": "l"}), ("dev", "/gone", {})]
        assert result.imports[1].folderId is None
        # When none of the imported folders exists the server yields no entry at all.
        assert list_secrets(client, path="/only-missing").imports == []


def test_view_secret_value_false_masks_values_everywhere(server: FakeInfisicalServer) -> None:
    result = list_secrets(logged_in(server), view_secret_value=False)
    assert {s.secretValue for s in result.secrets} == {HIDDEN_VALUE_MASK}
    assert all(s.secretValueHidden for s in result.secrets)
    for imp in result.imports:
        assert {s["secretValue"] for s in imp.secrets} == {HIDDEN_VALUE_MASK}


def test_recursive_adds_subfolders_each_with_its_own_path(server: FakeInfisicalServer) -> None:
    result = list_secrets(logged_in(server), path="/alpha", recursive=True)
    paths = {(s.secretKey, s.secretPath) for s in result.secrets}
    assert ("COMMON_ONLY", "/alpha/common") in paths
    assert ("API_URL", "/alpha/staging") in paths
    assert ("CROSS", "/alpha/crossenv") in paths
    # Each secret expands relative to its own folder.
    assert values(result)["LOCAL_REF"] == "https://staging.api.example/v1"
    not_recursive = list_secrets(logged_in(server), path="/alpha")
    assert not_recursive.secrets == []  # /alpha exists (a parent) and is empty


def test_tag_filter() -> None:
    fixture = _single_folder_fixture({"/": {"A": {"value": "a", "tags": ["web"]}, "B": "b"}})
    with FakeInfisicalServer(fixture) as srv:
        result = list_secrets(logged_in(srv), path="/", tag_filters=["web"])
    assert values(result) == {"A": "a"}
    assert result.secrets[0].tags[0]["slug"] == "web"


@pytest.mark.parametrize("param", ["viewSecretValue", "expandSecretReferences", "recursive", "include_imports"])
def test_boolean_params_other_than_true_or_false_are_422(server: FakeInfisicalServer, param: str) -> None:
    body = assert_envelope(raw_get(server, raw_token(server), **{param: "True"}), 422, "ValidationFailure")
    assert body["message"] == [
        {
            "received": "True",
            "code": "invalid_enum_value",
            "options": ["true", "false"],
            "path": [param],
            "message": "Invalid enum value. Expected 'true' | 'false', received 'True'",
        }
    ]


def test_a_repeated_param_is_422(server: FakeInfisicalServer) -> None:
    resp = requests.get(
        server.url + V3 + f"?workspaceId={DEFAULT_PROJECT_ID}&environment=dev&environment=prod",
        headers={"Authorization": f"Bearer {raw_token(server)}"},
        timeout=TIMEOUT,
    )
    assert assert_envelope(resp, 422)["message"][0]["received"] == "array"


def test_v4_takes_project_id_and_both_import_spellings(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    snake = raw_get(server, token, route=V4)
    camel = raw_get(server, token, route=V4, include_imports="<omit>", includeImports="true")
    default = raw_get(server, token, route=V4, include_imports="<omit>")
    assert len(snake.json()["imports"]) == len(camel.json()["imports"]) == 2
    assert default.json()["imports"] == []
    assert snake.json()["secrets"] == raw_get(server, token).json()["secrets"]
    assert_envelope(raw_get(server, token, route=V4, includeImports="yes"), 422)
    no_project = assert_envelope(raw_get(server, token, route=V4, projectId="<omit>"), 400)
    assert no_project["message"] == "Missing project id or environment"
    assert server.count("secrets") == 6


def test_v3_workspace_slug(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    by_slug = raw_get(server, token, workspaceId="<omit>", workspaceSlug=DEFAULT_PROJECT_SLUG)
    assert by_slug.status_code == 200 and by_slug.json()["secrets"]
    unknown = assert_envelope(raw_get(server, token, workspaceId="<omit>", workspaceSlug="nope"), 404, "NotFound")
    assert unknown["message"] == "No project found with slug nope"
    neither = assert_envelope(raw_get(server, token, workspaceId="<omit>"), 400, "BadRequest")
    assert neither["message"] == "You must provide projectSlug or workspaceId"


def test_single_secret_by_name(server: FakeInfisicalServer) -> None:
    client = logged_in(server)

    def get(name: str) -> Any:
        return client.secrets.get_secret_by_name(
            secret_name=name, project_id=DEFAULT_PROJECT_ID, environment_slug="dev", secret_path="/alpha/staging"
        )

    assert get("LOCAL_REF").secretValue == "https://staging.api.example/v1"
    v4 = requests.get(
        server.url + "/api/v4/secrets/LOCAL_REF",
        params={"projectId": DEFAULT_PROJECT_ID, "environment": "dev", "secretPath": "/alpha/staging"},
        headers={"Authorization": f"Bearer {client.get_token()}"},
        timeout=TIMEOUT,
    )
    assert v4.json()["secret"]["secretValue"] == "${API_URL}/v1"  # expansion defaults to false
    assert get("LOG_LEVEL").secretValue == "info"  # found through the folder's imports
    with pytest.raises(APIError) as caught:
        get("NOPE")
    assert caught.value.status_code == 404


def test_data_changes_are_seen_by_the_next_fetch(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    server.set_secret(DEFAULT_PROJECT_ID, "dev", "/alpha/staging", "API_URL", "https://v2.example")
    server.set_secret(DEFAULT_PROJECT_ID, "dev", "/alpha/staging", "NEW", "n")
    server.delete_secret(DEFAULT_PROJECT_ID, "dev", "/alpha/staging", "BROKEN_REF")
    result = list_secrets(client)
    api_url = next(s for s in result.secrets if s.secretKey == "API_URL")
    assert (api_url.secretValue, api_url.version) == ("https://v2.example", 2)
    assert values(result)["LOCAL_REF"] == "https://v2.example/v1"
    assert "NEW" in values(result) and "BROKEN_REF" not in values(result)
    server.delete_folder(DEFAULT_PROJECT_ID, "dev", "/alpha")
    with pytest.raises(APIError) as caught:
        list_secrets(client)
    assert caught.value.status_code == 404


# ---------------------------------------------------------------------------------------------
# access
# ---------------------------------------------------------------------------------------------


def test_missing_environment_param_is_400(server: FakeInfisicalServer) -> None:
    body = assert_envelope(raw_get(server, raw_token(server), environment="<omit>"), 400, "BadRequest")
    assert body["message"] == "Missing project id or environment"


def test_unknown_project_and_non_member_are_403_not_a_member(server: FakeInfisicalServer) -> None:
    for client, project in (
        (logged_in(server), "no-such-project"),
        (logged_in(server, OUTSIDER_CLIENT_ID, OUTSIDER_CLIENT_SECRET), DEFAULT_PROJECT_ID),
    ):
        with pytest.raises(APIError) as caught:
            list_secrets(client, project=project)
        assert caught.value.status_code == 403
        assert (
            caught.value.response["error"] == f"Identity is not a member of the specified project with ID '{project}'"
        )
        assert caught.value.response["error"] != "TokenError"  # a new login will not fix it


@pytest.mark.parametrize(("env", "path"), [("dev", "/alpha/nope"), ("qa", "/"), ("staging", "/alpha/staging")])
def test_missing_folder_or_environment_is_404_secret_path_not_found(
    server: FakeInfisicalServer, env: str, path: str
) -> None:
    with pytest.raises(APIError) as caught:
        list_secrets(logged_in(server), env=env, path=path)
    assert caught.value.status_code == 404
    assert caught.value.response["error"] == "SecretPathNotFound"
    assert caught.value.response["message"] == (
        f"Folder with path '{path}' in environment '{env}' was not found. "
        "Please ensure the environment slug and secret path is correct."
    )


def test_trailing_slash_on_the_secret_path_is_removed(server: FakeInfisicalServer) -> None:
    assert values(list_secrets(logged_in(server), path="/alpha/staging/"))["ROOT_REF"] == "root-dev"


def test_legacy_servers_answer_200_with_empty_lists(server: FakeInfisicalServer) -> None:
    server.legacy_empty_folders = True
    result = list_secrets(logged_in(server), path="/alpha/nope")
    assert (result.secrets, result.imports) == ([], [])


def test_an_identity_scoped_to_one_environment_gets_the_others_filtered(server: FakeInfisicalServer) -> None:
    scoped = logged_in(server, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)
    assert values(list_secrets(scoped))["ROOT_REF"] == "root-dev"
    assert list_secrets(scoped, env="prod", path="/").secrets == []  # 200, nothing visible
    mixed = list_secrets(scoped, path="/alpha/mixed")
    assert import_values(mixed) == [
        ("dev", "/shared", {"API_URL": "https://api.example", "SENTRY_DSN": "dsn-shared", "LOG_LEVEL": "info"}),
        ("prod", "/", {}),
    ]
    full = list_secrets(logged_in(server), path="/alpha/mixed")
    assert import_values(full)[1] == ("prod", "/", {"PROD_ONLY": "prod-value"})


def test_a_reference_the_identity_may_not_read_fails_the_call(server: FakeInfisicalServer) -> None:
    scoped = logged_in(server, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)
    with pytest.raises(APIError) as caught:
        list_secrets(scoped, path="/alpha/crossenv")
    assert caught.value.status_code == 403
    assert caught.value.response["message"] == MSG_EXPAND_FAILED
    assert caught.value.response["error"] == "ForbiddenError"
    (detail,) = caught.value.response["details"]
    assert "'PROD_ONLY' in environment 'prod'" in detail and "referenced by secret 'CROSS'" in detail
    assert "prod-value" not in json.dumps(caught.value.response)
    assert values(list_secrets(scoped, path="/alpha/crossenv", expand_secret_references=False)) == {
        "CROSS": "${prod.PROD_ONLY}"
    }
    assert values(list_secrets(logged_in(server), path="/alpha/crossenv")) == {"CROSS": "prod-value"}


def test_an_identity_scoped_to_folders() -> None:
    fixture = sample_fixture()
    fixture["identities"][0]["paths"] = ["/alpha/*"]
    with FakeInfisicalServer(fixture) as srv:
        client = logged_in(srv)
        assert list_secrets(client, path="/", expand_secret_references=False).secrets == []
        result = list_secrets(client, path="/alpha/common")
        assert values(result) == {"SENTRY_DSN": "dsn-alpha", "COMMON_ONLY": "common"}
        with pytest.raises(APIError, match="secret references"):
            list_secrets(client)  # ROOT_REF points at /, outside the identity's folders


# ---------------------------------------------------------------------------------------------
# envelope, status, unknown routes
# ---------------------------------------------------------------------------------------------


def test_every_error_is_a_json_envelope() -> None:
    fixture = sample_fixture()
    with FakeInfisicalServer(fixture, rate_limits={"secrets": 100, "write": 100}) as srv:
        token = raw_token(srv)
        scoped = raw_token(srv, SCOPED_CLIENT_ID, SCOPED_CLIENT_SECRET)
        cases = [
            (requests.post(srv.url + LOGIN, json={"clientId": "x", "clientSecret": "y"}, timeout=TIMEOUT), 401),
            (requests.post(srv.url + LOGIN, json={}, timeout=TIMEOUT), 422),
            (raw_get(srv, None), 401),
            (raw_get(srv, "garbage"), 403),
            (raw_get(srv, token, workspaceId="nope"), 403),
            (raw_get(srv, token, environment="<omit>"), 400),
            (raw_get(srv, token, secretPath="/nope"), 404),
            (raw_get(srv, token, recursive="1"), 422),
            (raw_get(srv, scoped, secretPath="/alpha/crossenv"), 403),
        ]
        srv.set_rate_limits({"secrets": 0})
        cases.append((raw_get(srv, token), 429))
        srv.set_rate_limits({})
        srv.revoke_all_tokens()
        cases.append((raw_get(srv, token), 401))
        for resp, status in cases:
            assert_envelope(resp, status)


def test_status_endpoint_and_unknown_routes(server: FakeInfisicalServer) -> None:
    status = requests.get(server.url + "/api/status", timeout=TIMEOUT)
    assert status.status_code == 200 and status.json()["message"] == "Ok"
    unknown = requests.get(server.url + "/api/v9/nothing", timeout=TIMEOUT)
    assert unknown.status_code == 404
    assert unknown.json() == {"message": "Route GET:/api/v9/nothing not found", "error": "Not Found", "statusCode": 404}
    assert server.counts == {"status": 1, "unknown": 1}


# ---------------------------------------------------------------------------------------------
# rate limits
# ---------------------------------------------------------------------------------------------


def test_rate_limit_answers_429_with_the_wait_in_message_and_header() -> None:
    with FakeInfisicalServer(sample_fixture(), rate_limits={"secrets": 2}) as srv:
        srv.freeze_time()  # "try again in 40" must not depend on how long the calls took
        client = logged_in(srv)
        list_secrets(client)
        srv.advance_time(20)
        list_secrets(client)
        with pytest.raises(APIError) as caught:
            list_secrets(client)  # the SDK does not retry a 429
        assert caught.value.status_code == 429
        assert caught.value.response["error"] == "RateLimitExceeded"
        wait = re.search(r"try again in (\d+) seconds", caught.value.response["message"])
        assert wait is not None and int(wait.group(1)) == 40
        resp = raw_get(srv, client.get_token())
        assert resp.status_code == 429
        assert resp.headers["retry-after"] == "40"
        assert resp.headers["x-ratelimit-remaining"] == "0"
        srv.advance_time(40)
        list_secrets(client)
        assert srv.count("login") == 1  # the write bucket is not limited here


def test_rate_limit_without_headers_leaves_only_the_message() -> None:
    with FakeInfisicalServer(sample_fixture(), rate_limits={"secrets": 0}, rate_limit_headers=False) as srv:
        resp = raw_get(srv, raw_token(srv))
        assert resp.status_code == 429
        assert "retry-after" not in resp.headers and "x-ratelimit-limit" not in resp.headers
        assert re.search(r"try again in \d+ seconds", resp.json()["message"])
        # /api/status is exempt
        assert requests.get(srv.url + "/api/status", timeout=TIMEOUT).status_code == 200


def test_rate_limit_as_500_like_some_self_hosted_versions() -> None:
    with FakeInfisicalServer(sample_fixture(), rate_limits={"secrets": 1}, rate_limit_status=500) as srv:
        token = raw_token(srv)
        assert raw_get(srv, token).status_code == 200
        resp = raw_get(srv, token)
        assert resp.status_code == 500
        assert resp.json()["error"] == "InternalServerError"  # the body says nothing about limits
        assert resp.headers["x-ratelimit-remaining"] == "0" and int(resp.headers["retry-after"]) > 0
    fault = Fault.rate_limited_as_500(wait=12)
    with FakeInfisicalServer(sample_fixture()) as srv:
        srv.inject("secrets", fault)
        resp = raw_get(srv, raw_token(srv))
        assert resp.status_code == 500
        assert resp.headers["retry-after"] == "12" and resp.headers["x-ratelimit-remaining"] == "0"


def test_unknown_client_id_as_404_like_some_versions() -> None:
    from tests.fakes.infisical_server import MSG_NO_IDENTITY

    with FakeInfisicalServer(sample_fixture(), unknown_client_id_404=True) as srv:
        resp = requests.post(srv.url + LOGIN, json={"clientId": "nobody", "clientSecret": "x"}, timeout=TIMEOUT)
        assert resp.status_code == 404
        assert resp.json()["error"] == "NotFound" and resp.json()["message"] == MSG_NO_IDENTITY
        logged_in(srv)
        srv.delete_identity(DEFAULT_CLIENT_ID)  # deleted: a fresh client's login 404s
        with pytest.raises(APIError) as caught:
            logged_in(srv)
        assert caught.value.status_code == 404
    with FakeInfisicalServer(sample_fixture()) as srv:
        token = raw_token(srv)
        srv.delete_identity(DEFAULT_CLIENT_ID)
        assert raw_get(srv, token).status_code == 401
        resp = requests.post(srv.url + LOGIN, json={"clientId": "nobody", "clientSecret": "x"}, timeout=TIMEOUT)
        assert resp.status_code == 401  # the default: current servers
        srv.inject("login", Fault.identity_not_found())
        resp = requests.post(srv.url + LOGIN, json={"clientId": "nobody", "clientSecret": "x"}, timeout=TIMEOUT)
        assert resp.status_code == 404 and resp.json()["message"] == MSG_NO_IDENTITY


def test_global_and_write_buckets() -> None:
    with FakeInfisicalServer(sample_fixture(), rate_limits={"write": 1, "global": 3}) as srv:
        token = raw_token(srv)
        resp = requests.post(
            srv.url + LOGIN, json={"clientId": DEFAULT_CLIENT_ID, "clientSecret": "x"}, timeout=TIMEOUT
        )
        assert resp.status_code == 429  # second write: over before credentials are looked at
        assert raw_get(srv, token).status_code == 200
        assert raw_get(srv, token).status_code == 429  # fourth request overall
    with pytest.raises(ValueError, match="bucket"):
        FakeInfisicalServer(rate_limits={"login": 1})


# ---------------------------------------------------------------------------------------------
# fault injection
# ---------------------------------------------------------------------------------------------

STATUS_FAULTS = [
    (Fault.token_missing(), 401, "UnauthorizedError"),
    (Fault.token_revoked(), 401, "UnauthorizedError"),
    (Fault.invalid_credentials(), 401, "UnauthorizedError"),
    (Fault.token_expired(), 403, "TokenError"),
    (Fault.token_malformed(), 403, "TokenError"),
    (
        Fault.not_member(DEFAULT_PROJECT_ID),
        403,
        f"Identity is not a member of the specified project with ID '{DEFAULT_PROJECT_ID}'",
    ),
    (Fault.permission_denied(), 403, "PermissionDenied"),
    (Fault.path_not_found("dev", "/alpha/staging"), 404, "SecretPathNotFound"),
    (Fault.not_found(), 404, "NotFound"),
    (Fault.validation("secretPath"), 422, "ValidationFailure"),
    (Fault.rate_limited(7), 429, "RateLimitExceeded"),
    (Fault.server_error(500), 500, "InternalServerError"),
    (Fault.server_error(502), 502, "BadGateway"),
    (Fault.server_error(503), 503, "ServiceUnavailable"),
    (Fault.error(418, "Teapot", "short and stout", details=["d"]), 418, "Teapot"),
]


@pytest.mark.parametrize(("fault", "status", "error"), STATUS_FAULTS)
def test_status_faults_reach_the_sdk_as_api_errors(
    server: FakeInfisicalServer, fault: Fault, status: int, error: str
) -> None:
    client = logged_in(server)
    server.inject("secrets", fault)
    with pytest.raises(APIError) as caught:
        list_secrets(client)
    assert caught.value.status_code == status
    assert caught.value.response["error"] == error
    assert caught.value.response["statusCode"] == status
    assert caught.value.response["reqId"].startswith("req-")
    list_secrets(client)  # times=1: the next request is served normally
    assert [r.fault for r in server.requests_for("secrets")] == ["response", None]


def test_rate_limited_fault_header_switch(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    server.inject("secrets", Fault.rate_limited(12))
    server.inject("secrets", Fault.rate_limited(12, header=False))
    with_header, without = raw_get(server, token), raw_get(server, token)
    assert with_header.headers["retry-after"] == "12"
    assert "retry-after" not in without.headers
    assert without.json()["message"] == "Rate limit exceeded. Please try again in 12 seconds"


def test_a_proxy_html_page_becomes_an_api_error_with_the_text(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    server.inject("secrets", Fault.html(502))
    with pytest.raises(APIError) as caught:
        list_secrets(client)
    assert caught.value.status_code == 502
    assert "502 Bad Gateway" in caught.value.response["message"]


@pytest.mark.parametrize(
    ("fault", "exception"),
    [
        (Fault.non_json(), InfisicalError),
        (Fault.truncated_json(), InfisicalError),
        (Fault.missing_secrets(), KeyError),
        (Fault.secret_missing_field("createdAt"), TypeError),
        (Fault.error_list_body(500), AttributeError),
        (Fault.transform(lambda body: {**body, "secrets": "not-a-list"}), AttributeError),
    ],
)
def test_malformed_answers_raise_what_the_contract_says(
    server: FakeInfisicalServer, fault: Fault, exception: type[BaseException]
) -> None:
    client = logged_in(server)
    server.inject("secrets", fault)
    with pytest.raises(exception):
        list_secrets(client)
    assert server.count("secrets") == 1  # none of these is retried


def test_a_missing_field_fault_on_an_empty_list_still_breaks_the_sdk(server: FakeInfisicalServer) -> None:
    server.legacy_empty_folders = True
    client = logged_in(server)
    server.inject("secrets", Fault.secret_missing_field("updatedAt"))
    with pytest.raises(TypeError):
        list_secrets(client, path="/nope")


def test_a_login_answer_without_access_token(server: FakeInfisicalServer) -> None:
    server.inject("login", Fault.drop_key("accessToken"))
    with pytest.raises(TypeError):
        logged_in(server)
    assert len(server.issued_tokens) == 1  # the real login ran; the client never saw its token


@pytest.mark.usefixtures("fast_retries")
def test_reset_is_a_connection_error_and_the_sdk_retries_it(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    server.inject("secrets", Fault.reset())
    with pytest.raises(requests.exceptions.ConnectionError):
        raw_get(server, token)
    client = logged_in(server)
    server.inject("secrets", Fault.reset())
    assert values(list_secrets(client))["ROOT_REF"] == "root-dev"
    assert [(r.fault, r.status) for r in server.requests_for("secrets")] == [
        ("reset", None),
        ("reset", None),
        (None, 200),
    ]


@pytest.mark.usefixtures("fast_retries")
def test_close_and_short_body_are_transport_errors(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    server.inject("secrets", Fault.close())
    with pytest.raises(requests.exceptions.ConnectionError):
        raw_get(server, token)
    server.inject("secrets", Fault.short_body())
    with pytest.raises(requests.exceptions.RequestException):
        raw_get(server, token)
    client = logged_in(server)
    server.inject("secrets", Fault.short_body(), times=None)
    with pytest.raises(requests.exceptions.RequestException):
        list_secrets(client)  # retried 4 times by the SDK, then the raw exception escapes
    assert server.count("secrets") == 2 + 5


@pytest.mark.usefixtures("fast_retries")
def test_hang_blocks_the_sdk_until_stop_and_stop_does_not_hang() -> None:
    # The SDK passes no timeout to requests: against a server that never answers it waits for
    # ever, so the call runs in a thread that the test joins with its own bound.
    srv = FakeInfisicalServer(sample_fixture()).start()
    client = logged_in(srv)
    srv.inject("secrets", Fault.hang())
    outcome: dict[str, BaseException] = {}

    def fetch() -> None:
        try:
            list_secrets(client)
        except BaseException as exc:  # noqa: BLE001 - recorded for the assertion below
            outcome["error"] = exc

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(0.5)
    assert worker.is_alive()  # no answer, no timeout
    srv.stop()  # returns although a handler hangs (else the test hangs)
    worker.join(120)  # a hang guard, not a speed limit
    assert not worker.is_alive()
    assert isinstance(outcome["error"], requests.exceptions.ConnectionError)


def test_hang_with_a_client_timeout(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    server.inject("secrets", Fault.hang())
    with pytest.raises(requests.exceptions.ReadTimeout):  # the hang never ends: only the timeout
        requests.get(
            server.url + V3,
            params={"workspaceId": DEFAULT_PROJECT_ID, "environment": "dev"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=0.3,
        )


def test_slow_response_delays_the_headers(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    server.inject("secrets", Fault.slow(0.6))
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(
            server.url + V3,
            params={"workspaceId": DEFAULT_PROJECT_ID},
            timeout=0.2,
            headers={"Authorization": f"Bearer {token}"},
        )
    client = logged_in(server)
    server.inject("secrets", Fault.slow(0.3))
    started = time.monotonic()
    list_secrets(client)
    assert time.monotonic() - started >= 0.3
    server.inject("secrets", Fault.server_error(503).with_delay(0.2))
    started = time.monotonic()
    with pytest.raises(APIError):
        list_secrets(client)
    assert time.monotonic() - started >= 0.2


def test_slow_body_pauses_mid_body(server: FakeInfisicalServer) -> None:
    token = raw_token(server)
    server.inject("secrets", Fault.slow_body(0.4))
    started = time.monotonic()
    resp = raw_get(server, token)
    assert time.monotonic() - started >= 0.4
    assert resp.json()["secrets"]  # complete once it arrives
    server.inject("secrets", Fault.slow_body(1.0))
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(
            server.url + V3,
            params={"workspaceId": DEFAULT_PROJECT_ID, "environment": "dev", "secretPath": "/alpha/staging"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=0.3,
        )


def test_faults_by_request_number_queue_wildcard_and_persistence(server: FakeInfisicalServer) -> None:
    client = logged_in(server)
    server.inject("secrets", Fault.server_error(503), at=2)

    def outcome() -> int:
        try:
            list_secrets(client)
        except APIError as exc:
            return int(exc.status_code)
        return 200

    assert [outcome() for _ in range(3)] == [200, 503, 200]
    server.inject("secrets", Fault.server_error(500))
    server.inject("secrets", Fault.server_error(502), times=2)
    assert [outcome() for _ in range(4)] == [500, 502, 502, 200]
    server.inject("*", Fault.server_error(503), times=None)
    with pytest.raises(APIError):
        logged_in(server)
    assert outcome() == 503
    server.clear_faults()
    assert outcome() == 200
    with pytest.raises(ValueError, match="endpoint"):
        server.inject("secretz", Fault.hang())


@pytest.mark.usefixtures("fast_retries")
def test_a_closed_port_refuses_connections() -> None:
    url = closed_port_url()
    port = int(url.rsplit(":", 1)[1])
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe, pytest.raises(ConnectionRefusedError):
        probe.settimeout(1)
        probe.connect(("127.0.0.1", port))
    with pytest.raises(requests.exceptions.ConnectionError):  # the SDK's retries, without their sleeps
        make_client(url).auth.universal_auth.login(client_id=DEFAULT_CLIENT_ID, client_secret=DEFAULT_CLIENT_SECRET)


def test_a_stopped_server_refuses_connections() -> None:
    srv = FakeInfisicalServer(sample_fixture()).start()
    url = srv.url
    srv.stop()
    srv.stop()  # idempotent
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/api/status", timeout=1)


def test_stop_closes_idle_and_half_sent_connections() -> None:
    srv = FakeInfisicalServer(sample_fixture()).start()
    session = requests.Session()
    assert session.get(srv.url + "/api/status", timeout=TIMEOUT).status_code == 200  # kept alive
    partial = socket.create_connection(("127.0.0.1", srv.port), timeout=2)
    partial.sendall(b"GET /api/status HTTP/1.1\r\nHost: x\r\n")  # headers never finished
    time.sleep(0.1)
    srv.stop()  # returns although a request is half sent (else the test hangs)
    assert partial.recv(1024) == b""  # closed by the server
    partial.close()
    session.close()
    deadline = time.monotonic() + 120  # a poll with a hang guard, not a speed limit
    while time.monotonic() < deadline and any("process_request_thread" in t.name for t in threading.enumerate()):
        time.sleep(0.02)
    assert not any("process_request_thread" in t.name for t in threading.enumerate())


def test_a_server_that_never_started_stops_cleanly() -> None:
    srv = FakeInfisicalServer()
    assert srv.url.startswith("http://127.0.0.1:")
    srv.stop()


# ---------------------------------------------------------------------------------------------
# request log
# ---------------------------------------------------------------------------------------------


def test_request_log_counts_and_redaction(server: FakeInfisicalServer) -> None:
    assert server.count() == 0  # nothing before the first call (an --offline run stays at 0)
    client = logged_in(server)
    list_secrets(client)
    assert server.counts == {"login": 1, "secrets": 1}
    assert server.count() == 2
    dump = repr(server.requests)
    assert DEFAULT_CLIENT_SECRET not in dump
    assert client.get_token() not in dump
    requests.post(server.url + "/api/v1/auth/token/revoke", json={"accessToken": client.get_token()}, timeout=TIMEOUT)
    assert server.requests_for("revoke")[0].body == {"accessToken": "<redacted>"}
    assert client.get_token() not in repr(server.requests)
    server.clear_log()
    assert (server.requests, server.counts, server.count()) == ([], {}, 0)


# ---------------------------------------------------------------------------------------------
# bulk fixture (benchmark data)
# ---------------------------------------------------------------------------------------------


def test_bulk_fixture_serves_1000_secrets_with_imports_and_references() -> None:
    with FakeInfisicalServer(bulk_fixture(1000)) as srv:
        client = logged_in(srv)
        result = list_secrets(client, path="/bench")  # its speed is bench/infisical_fetch.py's business
        assert srv.internal_errors == []
    got = values(result)
    assert len(got) == 1000
    assert got["BENCH_0000"] == "value-0000"
    assert got["BENCH_0009"] == "value-0008-local"
    assert got["BENCH_0019"] == "prod-root-value-root"
    assert got["BENCH_0029"] == "value-0000-folder"
    assert [imp.secretPath for imp in result.imports] == ["/shared/bench-0", "/shared/bench-1", "/shared/bench-2"]
    assert len(result.imports[0].secrets) == 110  # 100 own + 10 from the nested import
    assert len(result.imports[1].secrets) == 100
