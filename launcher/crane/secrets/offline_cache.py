"""The encrypted offline copy of the last successful Infisical fetch.

Why it exists: a laptop on a train should still be able to start a session with yesterday's
secrets. Why it is narrow: a copy must never outlive a decision of the server. So it is read only
after a *transport* failure (refused, unreachable, timed out) or with `--offline`, only within the
profile's `cache_max_age`, and the provider deletes it whenever the server answers 401/403/404
(credentials revoked, access removed, folder deleted).

Format and location:
  <user_cache_dir>/offline/<project-hash>-<target-hash>.fernet   (directory 0700, file 0600)
  project-hash = sha256(host \\0 project_id)[:16]  (lets logout remove one project's files)
  target-hash  = sha256(host \\0 project_id \\0 environment \\0 path)[:32]
The file holds one Fernet token (AES-128-CBC + HMAC-SHA256, authenticated) over the JSON
  {"version": 1, "host", "project_id", "environment", "path", "fetched_at": <epoch seconds>,
   "fallback": null | "<reason staging fell back to production>", "secrets": {KEY: value}}
A `fallback` entry has no secrets: it records that this (staging) target fell back, so an
offline launch can follow the same decision to the production copy.
The key is per host+project, generated on first use and kept only in the OS keyring
(`offline-key:<host>|<project_id>`, see keystore.py): without a keyring there is no cache at all,
because a key next to the file would protect nothing. Names hash the target so the directory
listing does not reveal venture paths.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crane.paths import user_cache_dir
from crane.secrets.keystore import Keystore, offline_key_item

if TYPE_CHECKING:
    from crane.resolve import SecretsTarget

FORMAT_VERSION = 1
SUFFIX = ".fernet"


@dataclass(frozen=True)
class OfflineCopy:
    secrets: dict[str, str] = field(repr=False)
    fetched_at: float
    fallback: str | None  # set on a staging marker: follow it to production

    def age(self, now: float) -> float:
        return max(0.0, now - self.fetched_at)


def default_directory() -> Path:
    return user_cache_dir() / "offline"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def project_prefix(host: str, project_id: str) -> str:
    return _digest(host, project_id)[:16]


class OfflineCache:
    def __init__(self, store: Keystore, directory: Path | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._dir = directory or default_directory()
        self._clock = clock
        self.write_error: OSError | None = None  # why the last save could not write its file

    @property
    def available(self) -> bool:
        return self._store.available

    def path_for(self, target: SecretsTarget) -> Path:
        host, project = target.host or "", target.project_id or ""
        name = f"{project_prefix(host, project)}-{_digest(host, project, target.environment, target.path)[:32]}"
        return self._dir / f"{name}{SUFFIX}"

    def _key(self, target: SecretsTarget, *, create: bool) -> bytes | None:
        item = offline_key_item(target.host or "", target.project_id or "")
        key = self._store.get(item)
        if key is None and create:
            from cryptography.fernet import Fernet

            key = Fernet.generate_key().decode("ascii")
            if not self._store.set(item, key):
                return None
        return key.encode("ascii") if key else None

    def save(self, target: SecretsTarget, secrets: Mapping[str, str], *, fallback: str | None = None) -> bool:
        """Store a copy; False when it cannot be kept (no keyring, unwritable directory)."""
        key = self._key(target, create=True)
        if key is None:
            return False
        from cryptography.fernet import Fernet

        payload = {
            "version": FORMAT_VERSION, "host": target.host, "project_id": target.project_id,
            "environment": target.environment, "path": target.path, "fetched_at": self._clock(),
            "fallback": fallback, "secrets": dict(secrets),
        }
        token = Fernet(key).encrypt(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        try:
            _write_private(self.path_for(target), token)
        except OSError as exc:
            self.write_error = exc
            return False
        return True

    def load(self, target: SecretsTarget) -> OfflineCopy | None:
        path = self.path_for(target)
        try:
            token = path.read_bytes()
        except OSError:
            return None
        key = self._key(target, create=False)
        if key is None:
            return None  # keyring missing or key gone (logout): the file is unreadable anyway
        from cryptography.fernet import Fernet, InvalidToken

        try:
            data: Any = json.loads(Fernet(key).decrypt(token))
        except (InvalidToken, ValueError):
            self.delete(target)  # tampered, or from an older key: useless, and it says so by failing
            return None
        if not _matches(data, target):
            return None
        secrets = data.get("secrets")
        if not isinstance(secrets, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in secrets.items()):
            return None
        fallback = data.get("fallback")
        return OfflineCopy(secrets, float(data["fetched_at"]), fallback if isinstance(fallback, str) else None)

    def delete(self, target: SecretsTarget) -> bool:
        try:
            self.path_for(target).unlink()
        except FileNotFoundError:
            return False
        except OSError:
            return False
        return True

    def purge_project(self, host: str, project_id: str) -> tuple[int, bool]:
        """Delete every copy and the key of one project (logout): (files removed, key removed)."""
        removed = 0
        prefix = project_prefix(host, project_id) + "-"
        if self._dir.is_dir():
            for entry in self._dir.glob(f"{prefix}*{SUFFIX}"):
                with contextlib.suppress(OSError):
                    entry.unlink()
                    removed += 1
        return removed, self._store.delete(offline_key_item(host, project_id))


def _matches(data: Any, target: SecretsTarget) -> bool:
    # The name is a hash of the target, but the authenticated payload is the proof: a file copied
    # over another target's name must not be served for it.
    return (
        isinstance(data, dict)
        and data.get("version") == FORMAT_VERSION
        and data.get("host") == target.host
        and data.get("project_id") == target.project_id
        and data.get("environment") == target.environment
        and data.get("path") == target.path
        and isinstance(data.get("fetched_at"), int | float)
    )


def _write_private(path: Path, content: bytes) -> None:
    from crane.private import private_dir

    private_dir(path.parent)  # every missing level 0700, not only the last
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)  # mkdir's mode is ignored when the directory already exists
    # Write-then-rename so a crash never leaves half a file; mkstemp creates it 0600.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=SUFFIX)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(content)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
