"""Normalisation of environment names: the one place that knows `staging` means `dev`.

Only two environments exist: `prod` (production) and `dev` (staging). Anything a user or an agent
may type is folded onto those; an unknown value means production plus a warning (or an error under
`CRANE_STRICT_ENV=1`), because an agent must never reach staging, or think it did, by accident.
Standard library only: `import crane` goes through here.
"""

from __future__ import annotations

from crane._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Literal

    Env = Literal["prod", "dev"]

PROD: Env = "prod"
DEV: Env = "dev"

ALIASES: dict[str, Env] = {
    "prod": PROD,
    "production": PROD,
    "prd": PROD,
    "live": PROD,
    "dev": DEV,
    "staging": DEV,
    "stage": DEV,
    "stg": DEV,
    "development": DEV,
}

DISPLAY_NAMES: dict[Env, str] = {PROD: "production", DEV: "staging"}

ACCEPTED = ", ".join(ALIASES)


class NormalizedEnv(Record):
    __slots__ = ("env", "raw", "known")
    env: Env
    raw: str | None  # what was given, None when nothing was
    known: bool  # False when `raw` was junk and production was assumed

    def __init__(self, env: Env, raw: str | None, known: bool) -> None:
        self._set(env=env, raw=raw, known=known)

    def warning(self, origin: str) -> str | None:
        if self.known:
            return None
        return (
            f"Warning: unknown {origin} value {self.raw!r}; using production. Accepted values: {ACCEPTED}."
        )


def normalize(raw: str | None) -> NormalizedEnv:
    """Fold `raw` onto `prod`/`dev`. Unset or blank means production (the zero-config path)."""
    if raw is None or not raw.strip():
        return NormalizedEnv(PROD, None, True)
    env = ALIASES.get(raw.strip().lower())
    if env is None:
        return NormalizedEnv(PROD, raw, False)
    return NormalizedEnv(env, raw, True)


def display_name(env: Env) -> str:
    return DISPLAY_NAMES[env]


def is_truthy(value: str | None) -> bool:
    """The reading of boolean `CRANE_*` switches: 1, true, yes, on (any case)."""
    return value is not None and value.strip().lower() in {"1", "true", "yes", "on"}
