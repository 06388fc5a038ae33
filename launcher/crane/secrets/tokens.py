"""The access-token cache: one universal-auth login serves many launches.

The SDK keeps its token as a session header and forgets `expiresIn`, so every process would log
in again (two requests per launch instead of one, and login uses Infisical's smaller *write*
rate-limit bucket). crane stores the token in the keyring with its absolute expiry and reuses it
until `MARGIN` seconds before that, so a launch that starts just before expiry does not carry a
token that dies mid-request. `expiresIn == 0` means the token never expires.

The cache is advisory: the server is the judge. A cached token the server refuses (expired early,
revoked) is forgotten and replaced by exactly one fresh login (see the provider).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from crane.secrets.keystore import Keystore, token_item

MARGIN = 60.0  # seconds before expiry after which a cached token is no longer used


@dataclass(frozen=True)
class AccessToken:
    value: str = field(repr=False)
    expires_at: float | None  # wall-clock epoch seconds; None: no expiry
    obtained_at: float

    def usable(self, now: float) -> bool:
        return self.expires_at is None or now < self.expires_at - MARGIN

    @classmethod
    def from_login(cls, value: str, expires_in: int, now: float) -> AccessToken:
        return cls(value, now + expires_in if expires_in > 0 else None, now)


class TokenCache:
    def __init__(self, store: Keystore, host: str, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._host = host
        self._clock = clock

    def get(self, client_id: str) -> AccessToken | None:
        data = self._store.get_json(token_item(self._host, client_id))
        if data is None:
            return None
        value, expires_at, obtained_at = data.get("accessToken"), data.get("expiresAt"), data.get("obtainedAt", 0)
        if not isinstance(value, str) or not value:
            return None
        if expires_at is not None and not isinstance(expires_at, int | float):
            return None
        token = AccessToken(value, expires_at, obtained_at if isinstance(obtained_at, int | float) else 0.0)
        return token if token.usable(self._clock()) else None

    def put(self, client_id: str, token: AccessToken) -> bool:
        if not token.usable(self._clock()):
            return False  # would never be reused; do not leave it lying around
        return self._store.set_json(
            token_item(self._host, client_id),
            {"accessToken": token.value, "expiresAt": token.expires_at, "obtainedAt": token.obtained_at},
        )

    def forget(self, client_id: str) -> bool:
        return self._store.delete(token_item(self._host, client_id))
