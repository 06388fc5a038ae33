"""What every secrets provider returns, and the options a fetch takes (stdlib only)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from crane.checks import Check

if TYPE_CHECKING:
    from crane.resolve import Resolution


@dataclass(frozen=True)
class FetchOptions:
    offline: bool = False  # use the offline copy only, never the network (infisical)
    timeout: float | None = None  # total budget override, seconds (infisical)


@dataclass(frozen=True)
class FetchResult:
    secrets: dict[str, str]
    # The resolution the secrets belong to. Usually the one passed in; a provider that finds
    # staging missing at fetch time returns `resolution.fall_back_to_production(reason)`.
    resolution: Resolution
    notes: tuple[str, ...] = ()  # warnings for stderr; never contain values
    checks: tuple[Check, ...] = ()  # provider facts for preflight (reachability, auth, cache age ...)
    facts: Mapping[str, Any] = field(default_factory=dict)  # machine-readable, for preflight --json


class Provider(Protocol):
    def fetch(self, resolution: Resolution, options: FetchOptions) -> FetchResult: ...
