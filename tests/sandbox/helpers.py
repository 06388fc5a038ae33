"""Throwaway ventures for the sandbox suite."""

from __future__ import annotations

from pathlib import Path

from tests.core.helpers import write_dotenv

PROD_CANARY = "prod-canary-7c1f4e"  # noqa: S105  # a marker, not a credential
STAGING_CANARY = "staging-canary-93ab2d"  # noqa: S105


def write_venture(directory: Path, code: str = "alpha", sandbox: str = "") -> Path:
    """A dotenv venture: `<code>.toml` with prod and staging files next to it; returns the profile."""
    directory.mkdir(parents=True, exist_ok=True)
    write_dotenv(directory / f"{code}.prod.env", {"ALPHA_TOKEN": PROD_CANARY})
    write_dotenv(directory / f"{code}.staging.env", {"ALPHA_TOKEN": STAGING_CANARY})
    profile = directory / f"{code}.toml"
    profile.write_text(
        f'name = "Alpha"\n[api]\nprod = "https://api.{code}.example"\ndev = "https://staging-api.{code}.example"\n'
        f'[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "{code}.prod.env"\ndev = "{code}.staging.env"\n'
        + (f"\n[sandbox]\n{sandbox}\n" if sandbox else ""),
        encoding="utf-8")
    return profile
