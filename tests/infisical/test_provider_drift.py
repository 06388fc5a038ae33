"""crane drift: staging vs production by key, identical values flagged, values never shown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crane.drift import compare, drift
from crane.errors import SecretsError, UsageError
from tests.fakes.infisical_server import FakeInfisicalServer
from tests.infisical.helpers import (
    PROD_SECRETS,
    STAGING_SECRETS,
    UA_ENV,
    alpha_fixture,
    fetch,
    resolution,
    running,
    write_profile,
)


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in UA_ENV.items():  # drift goes through get_provider: the process environment
        monkeypatch.setenv(key, value)


def test_infisical_drift_report(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url, shared_keys=("LOG_LEVEL",))
    report = drift("alpha", profiles_dir=str(profiles), environ={})
    assert report.only_in_production == ("PROD_ONLY",)
    assert report.only_in_staging == ("STAGING_ONLY",)
    assert report.identical == ("SAME_KEY",)
    assert report.breach
    assert report.shared_identical == ("LOG_LEVEL",)
    assert report.identical_empty == ("EMPTY",)
    assert set(report.different) == {"API_KEY", "DB_PASSWORD"}
    prints = report.fingerprints
    assert prints["SAME_KEY"].production == prints["SAME_KEY"].staging
    assert prints["API_KEY"].production != prints["API_KEY"].staging
    assert prints["PROD_ONLY"].staging is None and len(prints["PROD_ONLY"].production or "") == 12
    assert "env prod path /alpha" in report.production_source
    assert "env dev path /alpha/staging" in report.staging_source
    text = json.dumps(report.to_dict())
    for value in [*PROD_SECRETS.values(), *STAGING_SECRETS.values()]:
        if len(value) > 3:
            assert value not in text


def test_no_breach_when_only_shared_keys_match(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url, shared_keys=("LOG_LEVEL", "SAME_KEY"))
    report = drift("alpha", profiles_dir=str(profiles), environ={})
    assert not report.breach and report.identical == ()
    assert report.shared_identical == ("LOG_LEVEL", "SAME_KEY")


def test_fingerprints_differ_between_runs(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url)
    first = drift("alpha", profiles_dir=str(profiles), environ={})
    second = drift("alpha", profiles_dir=str(profiles), environ={})
    assert first.fingerprints["SAME_KEY"].production != second.fingerprints["SAME_KEY"].production


def test_fingerprint_is_an_hmac_not_a_plain_hash(server: FakeInfisicalServer, profiles: Path) -> None:
    import hashlib

    prod, staging = fetch(resolution(profiles, "prod")), fetch(resolution(profiles, "staging"))
    report = compare(prod, staging, key=b"k" * 32)
    plain = hashlib.sha256(PROD_SECRETS["SAME_KEY"].encode()).hexdigest()[:12]
    assert report.fingerprints["SAME_KEY"].production != plain
    assert compare(prod, staging, key=b"k" * 32).fingerprints == report.fingerprints  # keyed, deterministic


def test_staging_not_configured_is_a_clear_error(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url, staging=False)
    with pytest.raises(UsageError, match="no staging to compare"):
        drift("alpha", profiles_dir=str(profiles), environ={})
    assert server.count() == 0


def test_missing_staging_folder_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    srv = running(alpha_fixture(staging=False))
    try:
        profiles = write_profile(tmp_path, srv.url)
        with pytest.raises(SecretsError, match="staging secrets not found"):
            drift("alpha", profiles_dir=str(profiles), environ={})
    finally:
        srv.stop()


def test_missing_required_keys_are_reported(tmp_path: Path, server: FakeInfisicalServer) -> None:
    profiles = write_profile(tmp_path, server.url)
    toml = profiles / "alpha.toml"
    toml.write_text(toml.read_text().replace("[secrets]\n", '[secrets]\nrequired = ["PROD_ONLY", "API_KEY"]\n'))
    report = drift("alpha", profiles_dir=str(profiles), environ={})
    assert report.missing_required == {"staging": ("PROD_ONLY",)}


def test_dotenv_drift(tmp_path: Path) -> None:
    (tmp_path / "prod.env").write_text("A=1-prod-value\nB=same-value\nC=only-prod\n")
    (tmp_path / "staging.env").write_text("A=1-staging-value\nB=same-value\nD=only-staging\n")
    (tmp_path / "beta.toml").write_text(
        '[api]\nprod = "https://b.example"\ndev = "https://staging.b.example"\n'
        '[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "prod.env"\ndev = "staging.env"\n'
    )
    report = drift("beta", profiles_dir=str(tmp_path), environ={})
    assert report.identical == ("B",) and report.breach
    assert report.different == ("A",)
    assert report.only_in_production == ("C",) and report.only_in_staging == ("D",)
    assert "same-value" not in json.dumps(report.to_dict())


def test_dotenv_without_staging_file(tmp_path: Path) -> None:
    (tmp_path / "prod.env").write_text("A=1\n")
    (tmp_path / "gamma.toml").write_text(
        '[api]\nprod = "https://g.example"\ndev = "https://staging.g.example"\n'
        '[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "prod.env"\n'
    )
    with pytest.raises(UsageError, match="no staging secrets file"):
        drift("gamma", profiles_dir=str(tmp_path), environ={})
