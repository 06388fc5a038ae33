"""Secret providers: fetch one environment's secrets, completely or not at all.

`fetch_secrets(resolution)` picks the provider named by the Resolution, fetches, and then
enforces the rules that make a launch safe: every required key present, not zero secrets, valid
variable names, no NUL bytes, no name that changes how programs load code (loader_vars.py).
Any failure raises `SecretsError` naming venture, environment, source and keys (never values); a
partial set is never returned.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from crane.errors import SecretsError
from crane.secrets.base import FetchOptions, FetchResult, Provider
from crane.secrets.loader_vars import refuse_loader_vars

if TYPE_CHECKING:
    from crane.resolve import Resolution

__all__ = ["FetchOptions", "FetchResult", "Provider", "fetch_secrets", "get_provider", "validate_names"]

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def get_provider(name: str) -> Provider:
    # Imported on demand: a dotenv launch never pays for the Infisical SDK, and vice versa.
    if name == "dotenv":
        from crane.secrets.dotenv import DotenvProvider

        return DotenvProvider()
    if name == "infisical":
        from crane.secrets.infisical import InfisicalProvider

        return InfisicalProvider()
    raise SecretsError(f"unknown secrets provider {name!r}")


def fetch_secrets(resolution: Resolution, options: FetchOptions | None = None) -> FetchResult:
    result = get_provider(resolution.secrets.provider).fetch(resolution, options or FetchOptions())
    ensure_complete(result)
    return result


def where(resolution: Resolution) -> str:
    return f"venture {resolution.venture}, {resolution.environment_name}, {resolution.secrets.describe()}"


def ensure_complete(result: FetchResult) -> None:
    res = result.resolution
    if not result.secrets:
        raise SecretsError(
            f"no secrets found ({where(res)})",
            "the source answered but held nothing; check the environment and path, or the file",
        )
    missing = [key for key in res.profile.required if key not in result.secrets]
    if missing:
        raise SecretsError(
            f"required secrets missing: {', '.join(missing)} ({where(res)})",
            f"add them to the source, or remove them from [secrets] required in {res.profile.path}",
        )
    validate_names(result.secrets, where(res))
    refuse_loader_vars(result.secrets, res.profile.allow_loader_vars, where(res), res.profile.path)


def validate_names(secrets: Mapping[str, str], context: str) -> None:
    for key, value in secrets.items():
        if not ENV_NAME.match(key):
            raise SecretsError(f"secret name {key!r} is not a valid environment variable name ({context})",
                               "names must match [A-Za-z_][A-Za-z0-9_]*")
        if "\0" in value:
            raise SecretsError(f"secret {key} contains a NUL byte and cannot be passed in an environment ({context})")
