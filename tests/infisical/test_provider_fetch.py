"""A successful fetch: the request on the wire, the merged secrets, notes, checks and facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from crane.secrets import FetchOptions, fetch_secrets, get_provider
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    PROD_SECRETS,
    PROJECT,
    STAGING_SECRETS,
    UA_ENV,
    fetch,
    resolution,
)


def test_production_fetch_returns_the_folder(server: FakeInfisicalServer, profiles: Path) -> None:
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets == PROD_SECRETS
    assert result.resolution.effective_env == "prod"
    assert result.resolution.fallback is None
    assert result.notes == ()
    assert server.counts == {"login": 1, "secrets": 1}


def test_staging_fetch_uses_the_staging_folder(server: FakeInfisicalServer, profiles: Path) -> None:
    result = fetch(resolution(profiles, "staging"))
    assert result.secrets == STAGING_SECRETS
    assert result.resolution.effective_env == "dev"
    query = server.requests_for("secrets")[-1].query
    assert (query["environment"], query["secretPath"]) == ("dev", "/alpha/staging")


def test_every_list_flag_is_sent_explicitly(server: FakeInfisicalServer, profiles: Path) -> None:
    fetch(resolution(profiles, "prod"))
    query = server.requests_for("secrets")[-1].query
    assert query == {
        "workspaceId": PROJECT,
        "environment": "prod",
        "secretPath": "/alpha",
        "viewSecretValue": "true",
        "expandSecretReferences": "true",
        "recursive": "false",
        "include_imports": "true",
    }


def test_imports_precedence_own_wins_later_import_beats_earlier(server: FakeInfisicalServer,
                                                                  profiles: Path) -> None:
    server.set_secret(PROJECT, "prod", "/shared", "API_KEY", "from-shared")
    server.set_secret(PROJECT, "prod", "/shared", "SENTRY_DSN", "dsn-shared")
    server.set_secret(PROJECT, "prod", "/shared", "SHARED_ONLY", "shared")
    server.set_secret(PROJECT, "prod", "/alpha-common", "SENTRY_DSN", "dsn-alpha")
    server.set_imports(PROJECT, "prod", "/alpha", [("prod", "/shared"), ("prod", "/alpha-common")])
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets["API_KEY"] == PROD_SECRETS["API_KEY"]  # own folder beats every import
    assert result.secrets["SENTRY_DSN"] == "dsn-alpha"  # the later import beats the earlier one
    assert result.secrets["SHARED_ONLY"] == "shared"  # imported-only keys are there
    # and the server really sent them as imports, not merged
    assert server.count("secrets") == 1


def test_import_order_reversed_flips_the_winner(server: FakeInfisicalServer, profiles: Path) -> None:
    server.set_secret(PROJECT, "prod", "/first", "X", "first")
    server.set_secret(PROJECT, "prod", "/second", "X", "second")
    server.set_imports(PROJECT, "prod", "/alpha", [("prod", "/second"), ("prod", "/first")])
    assert fetch(resolution(profiles, "prod")).secrets["X"] == "first"


def test_unresolved_reference_warns_with_the_key_not_the_value(server: FakeInfisicalServer,
                                                               profiles: Path) -> None:
    server.set_secret(PROJECT, "prod", "/alpha", "DATABASE_URL", "postgres://${DB_HOST_MISSING}/app")
    server.set_secret(PROJECT, "prod", "/alpha", "RESOLVED", "${API_KEY}-suffix")
    result = fetch(resolution(profiles, "prod"))
    assert result.secrets["RESOLVED"] == "prod-api-key-suffix"  # the server expanded this one
    [note] = result.notes
    assert "DATABASE_URL" in note
    assert "postgres" not in note and "DB_HOST_MISSING" not in note


def test_checks_and_facts_describe_the_fetch(server: FakeInfisicalServer, profiles: Path) -> None:
    result = fetch(resolution(profiles, "prod"))
    checks = {c.name: c for c in result.checks}
    assert checks["infisical host"].ok and "ms" in checks["infisical host"].detail
    assert "universal-auth env" in checks["infisical auth"].detail
    assert "fresh login" in checks["infisical auth"].detail
    assert checks["infisical project access"].ok
    assert checks["secrets source"].detail == f"{len(result.secrets)} secrets read"  # the path is in facts
    assert checks["offline cache"].ok
    facts = result.facts
    assert facts["source"] == "prod:/alpha"
    assert facts["auth_method"] == "universal-auth env"
    assert facts["token_from_cache"] is False
    assert facts["reachable"] is True and isinstance(facts["latency_ms"], int)
    assert facts["offline_cache"]["stored"] is True
    assert facts["requests"] == 2


def test_access_token_never_lands_in_the_secrets(server: FakeInfisicalServer, profiles: Path) -> None:
    result = fetch(resolution(profiles, "prod"))
    [token] = server.issued_tokens
    values = set(result.secrets.values())
    assert token not in values and CLIENT_SECRET not in values and CLIENT_ID not in values
    assert not any(k.startswith("INFISICAL_") for k in result.secrets)


def test_through_get_provider_with_process_environment(server: FakeInfisicalServer, profiles: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in UA_ENV.items():
        monkeypatch.setenv(name, value)
    res = resolution(profiles, "prod")
    result = get_provider("infisical").fetch(res, FetchOptions())
    assert result.secrets == PROD_SECRETS
    assert fetch_secrets(res).secrets == PROD_SECRETS  # the zero-secrets/required rules pass


def test_infisical_api_url_override_is_used(tmp_path: Path, server: FakeInfisicalServer) -> None:
    from tests.infisical.helpers import write_profile

    profiles = write_profile(tmp_path / "p", "https://infisical.invalid")
    res = resolution(profiles, "prod", environ={"INFISICAL_API_URL": f"{server.url}/api"})
    assert fetch(res).secrets == PROD_SECRETS
