"""Secrets from local dotenv files, one per environment, named in the profile."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crane.checks import Check
from crane.errors import SecretsError
from crane.secrets.base import FetchOptions, FetchResult

if TYPE_CHECKING:
    from crane.resolve import Resolution


class DotenvProvider:
    def fetch(self, resolution: Resolution, options: FetchOptions) -> FetchResult:
        from dotenv import dotenv_values
        from dotenv.parser import parse_stream

        path = Path(resolution.secrets.path)
        if not path.is_file():
            raise SecretsError(
                f"secrets file not found: {path} (venture {resolution.venture}, {resolution.environment_name})",
                f"create it, or fix [secrets.dotenv] {resolution.effective_env} in {resolution.profile.path}",
            )
        try:
            # python-dotenv skips a line it cannot parse with only a logged warning; a file with a
            # dropped entry would be a partial set, so refuse it (line numbers only, never text).
            with path.open(encoding="utf-8") as fh:
                bad = [str(b.original.line) for b in parse_stream(fh) if b.error]
            if bad:
                raise SecretsError(f"{path}: cannot parse line {', '.join(bad)} (venture {resolution.venture}, "
                                   f"{resolution.environment_name})", "check the quoting on that line")
            # Values are literal: expanding ${VAR} would pull crane's OWN environment (its Infisical
            # credentials, the outer session's secrets) into the child's secrets.
            raw = dotenv_values(path, interpolate=False, encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SecretsError(f"cannot read secrets file {path}: {exc.__class__.__name__}") from None
        secrets: dict[str, str] = {}
        for key, value in raw.items():
            if value is None:
                # `KEY` alone on a line: a half-written entry, not an empty secret.
                raise SecretsError(f"{path}: {key} has no value (a line without '=')",
                                   "write KEY= for an intentionally empty value")
            secrets[key] = value
        # The path is shown once, as the preflight's "Secrets source"; the check says what was read.
        check = Check("secrets source", True, f"dotenv file read ({len(secrets)} entries)")
        return FetchResult(secrets, resolution, checks=(check,), facts={"file": str(path)})
