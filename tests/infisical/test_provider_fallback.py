"""Staging that turns out to be missing at fetch time: fall back coherently, or refuse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crane.errors import FallbackRefused, SecretsError
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import PROD_SECRETS, PROJECT, alpha_fixture, fetch, resolution, running, write_profile


@pytest.fixture
def no_staging_server() -> Iterator[FakeInfisicalServer]:
    srv = running(alpha_fixture(staging=False))
    yield srv
    srv.stop()


def test_staging_404_falls_back_to_production(no_staging_server: FakeInfisicalServer, tmp_path: Path) -> None:
    profiles = write_profile(tmp_path, no_staging_server.url)
    result = fetch(resolution(profiles, "staging"))
    assert result.secrets == PROD_SECRETS
    res = result.resolution
    assert res.effective_env == "prod" and res.requested_env == "dev"
    assert res.secrets.environment == "prod" and res.secrets.path == "/alpha"
    assert res.api_base == "https://api.alpha.example"  # URLs switched with the secrets
    assert "SecretPathNotFound" in (res.fallback or "")
    assert any("staging not available" in w for w in res.warnings)
    checks = {c.name: c for c in result.checks}
    assert "production used" in checks["staging fallback"].detail
    assert result.facts["fallback"] == res.fallback
    assert [r.query["environment"] for r in no_staging_server.requests_for("secrets")] == ["dev", "prod"]
    assert no_staging_server.count("login") == 1  # one budget, one token for both listings


def test_no_fallback_flag_refuses(no_staging_server: FakeInfisicalServer, tmp_path: Path) -> None:
    profiles = write_profile(tmp_path, no_staging_server.url)
    with pytest.raises(FallbackRefused) as info:
        fetch(resolution(profiles, "staging", no_fallback=True))
    assert "--no-fallback" in info.value.message
    assert "/alpha/staging" in info.value.message
    assert [r.query["environment"] for r in no_staging_server.requests_for("secrets")] == ["dev"]


def test_profile_without_fallback_refuses(no_staging_server: FakeInfisicalServer, tmp_path: Path) -> None:
    profiles = write_profile(tmp_path, no_staging_server.url, staging_fallback=False)
    with pytest.raises(FallbackRefused) as info:
        fetch(resolution(profiles, "staging"))
    assert "staging_fallback = false" in info.value.message


def test_production_404_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    srv = running(alpha_fixture(staging=False))
    srv.delete_folder(PROJECT, "prod", "/alpha")
    try:
        profiles = write_profile(tmp_path, srv.url)
        with pytest.raises(SecretsError) as info:
            fetch(resolution(profiles, "prod"))
    finally:
        srv.stop()
    message = info.value.message
    assert "/alpha" in message and "prod" in message and "venture alpha" in message
    assert "create the folder" in (info.value.hint or "")


def test_empty_production_is_the_zero_secrets_error_naming_environment_path_and_project(tmp_path: Path) -> None:
    srv = running(alpha_fixture(staging=False, prod={}))
    try:
        profiles = write_profile(tmp_path, srv.url)
        with pytest.raises(SecretsError, match="no secrets found") as info:
            fetch(resolution(profiles, "prod"))
    finally:
        srv.stop()
    assert f"environment prod, path /alpha, project {PROJECT}" in info.value.message


def test_empty_staging_on_a_current_server_falls_back_too(tmp_path: Path) -> None:
    # A staging folder that exists but holds nothing and imports nothing: the legacy rule cannot
    # tell it from a missing one, so it is treated the same way (documented).
    srv = running(alpha_fixture(staging=False))
    srv.add_folder(PROJECT, "dev", "/alpha/staging")
    try:
        profiles = write_profile(tmp_path, srv.url)
        result = fetch(resolution(profiles, "staging"))
    finally:
        srv.stop()
    assert result.resolution.effective_env == "prod"
