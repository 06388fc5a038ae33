"""Shared pieces for the Infisical provider tests: a fixture for the fake server, profiles,
resolutions and providers wired to it. Everything goes through the real SDK over 127.0.0.1."""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crane.resolve import Request, Resolution, resolve
from crane.secrets.base import FetchOptions, FetchResult
from crane.secrets.infisical import InfisicalProvider
from tests.fakes.infisical_server import FakeInfisicalServer

PROJECT = "7d3c0a52-1111-4e0a-9b5d-00000000a1fa"
OTHER_PROJECT = "7d3c0a52-2222-4e0a-9b5d-00000000b2fb"
CLIENT_ID = "9a8b7c6d-0000-4e0a-9b5d-00000000c1d0"
CLIENT_SECRET = "ua-secret-crane-test-0001"
OUTSIDER_ID = "9a8b7c6d-0000-4e0a-9b5d-0000000out51"
OUTSIDER_SECRET = "ua-secret-crane-outsider"

PROD_SECRETS = {
    "API_KEY": "prod-api-key",
    "DB_PASSWORD": "prod-db-password",
    "LOG_LEVEL": "info",
    "SAME_KEY": "identical-in-both",
    "PROD_ONLY": "p",
    "EMPTY": "",
}
STAGING_SECRETS = {
    "API_KEY": "staging-api-key",
    "DB_PASSWORD": "staging-db-password",
    "LOG_LEVEL": "info",
    "SAME_KEY": "identical-in-both",
    "STAGING_ONLY": "s",
    "EMPTY": "",
}
UA_ENV = {
    "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": CLIENT_ID,
    "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": CLIENT_SECRET,
}


def alpha_fixture(
    *, identity: Mapping[str, Any] | None = None, staging: bool = True, prod: Mapping[str, str] | None = None
) -> dict[str, Any]:
    secrets: dict[str, Any] = {"prod": {"/alpha": dict(PROD_SECRETS if prod is None else prod)}}
    if staging:
        secrets["dev"] = {"/alpha/staging": dict(STAGING_SECRETS)}
    return {
        "identities": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "projects": [PROJECT],
                "lockout": False,
                **(identity or {}),
            },
            {"client_id": OUTSIDER_ID, "client_secret": OUTSIDER_SECRET, "projects": [OTHER_PROJECT]},
        ],
        "projects": [
            {
                "id": PROJECT,
                "slug": "crane-alpha",
                "environments": ["dev", "prod"],
                "secrets": secrets,
                # folders that must exist even when empty
                "folders": {"prod": ["/alpha"]},
            },
            {"id": OTHER_PROJECT, "slug": "other", "environments": ["dev", "prod"]},
        ],
    }


def write_profile(
    directory: Path,
    host: str,
    *,
    venture: str = "alpha",
    staging: bool = True,
    staging_fallback: bool = True,
    timeout: float = 5.0,
    cache_max_age: str | None = None,
    shared_keys: tuple[str, ...] = (),
    extra: str = "",
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        f'name = "{venture.title()}"',
        f"staging_fallback = {str(staging_fallback).lower()}",
        "[api]",
        f'prod = "https://api.{venture}.example"',
        f'dev = "https://staging.api.{venture}.example"',
        "[secrets]",
        'provider = "infisical"',
        f"shared_keys = {list(shared_keys)!r}".replace("'", '"'),
        "[secrets.infisical]",
        f'host = "{host}"',
        f'project_id = "{PROJECT}"',
        f"staging = {str(staging).lower()}",
        f"timeout = {timeout}",
    ]
    if cache_max_age is not None:
        lines.append(f'cache_max_age = "{cache_max_age}"')
    if extra:
        lines.append(extra)
    (directory / f"{venture}.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def resolution(
    profiles: Path,
    env: str = "prod",
    *,
    no_fallback: bool = False,
    venture: str = "alpha",
    environ: Mapping[str, str] | None = None,
) -> Resolution:
    return resolve(
        Request(
            env_flag=env,
            venture_flag=venture,
            profiles_dir=str(profiles),
            no_fallback=no_fallback,
            environ=dict(environ or {}),
        )
    )


def fetch(
    res: Resolution,
    environ: Mapping[str, str] | None = None,
    *,
    offline: bool = False,
    timeout: float | None = None,
    clock: Any = None,
) -> FetchResult:
    provider = InfisicalProvider(
        environ=dict(UA_ENV if environ is None else environ), **({"clock": clock} if clock is not None else {})
    )
    return provider.fetch(res, FetchOptions(offline=offline, timeout=timeout))


@contextmanager
def timed() -> Iterator[list[float]]:
    """`with timed() as t: ...` then t[0] is the elapsed wall time in seconds."""
    out: list[float] = []
    start = time.monotonic()
    try:
        yield out
    finally:
        out.append(time.monotonic() - start)


def running(fixture: Mapping[str, Any] | None = None, **kwargs: Any) -> FakeInfisicalServer:
    return FakeInfisicalServer(alpha_fixture() if fixture is None else fixture, **kwargs).start()


def stored(item: str) -> str | None:
    """What the (test) keyring holds under crane's service name."""
    import keyring

    from crane.secrets.keystore import SERVICE

    return keyring.get_password(SERVICE, item)


def set_keyring(backend: Any) -> None:
    import keyring

    keyring.set_keyring(backend)
