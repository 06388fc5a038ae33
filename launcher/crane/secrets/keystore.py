"""The OS keyring, as crane uses it: a few named items, and never a crash.

Everything crane keeps in the keyring lives under ONE service name, `crane`, with the item name
("username" in keyring terms) saying what it is and what it belongs to:

  infisical-ua:<host>|<project_id>       universal-auth client id + secret, JSON (`crane login`)
  infisical-token:<host>|<client_id>     cached access token + expiry, JSON
  offline-key:<host>|<project_id>        the Fernet key of that project's offline copies

Credentials are keyed by host and project rather than by venture: a client secret stored for one
host is never sent to another (INFISICAL_API_URL can move the host), and ventures that share an
Infisical project share its identity. Tokens are keyed by host and client id because a token
belongs to the identity, whichever way its credentials were supplied (env or keyring).

A machine without a usable backend (headless Linux: `keyring.errors.NoKeyringError`, the `fail`
or `null` backend, a locked or broken D-Bus service) is a normal case, not an error: every
operation then answers "nothing stored" / "not stored", and `unavailable_reason` says why, so the
provider can work from environment variables and say once that nothing is persisted.

`keyring` is imported on first use only (it costs ~45 ms and the guard hook must stay light).
"""

from __future__ import annotations

import json
from typing import Any

SERVICE = "crane"


def credentials_item(host: str, project_id: str) -> str:
    return f"infisical-ua:{host}|{project_id}"


def token_item(host: str, client_id: str) -> str:
    return f"infisical-token:{host}|{client_id}"


def offline_key_item(host: str, project_id: str) -> str:
    return f"offline-key:{host}|{project_id}"


# Backends that exist but store nothing: treat them exactly like "no backend".
_NON_STORING = {"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"}


class Keystore:
    """A forgiving view of one keyring backend (default: whatever `keyring` selects)."""

    def __init__(self, backend: Any | None = None) -> None:
        self._backend = backend
        self._resolved = backend is not None
        self.unavailable_reason: str | None = None

    def _get_backend(self) -> Any | None:
        if not self._resolved:
            self._resolved = True
            try:
                import keyring

                self._backend = keyring.get_keyring()
            except Exception as exc:  # a broken keyring config must not stop a launch
                self._disable(f"keyring could not be loaded ({exc.__class__.__name__})")
                return None
        backend = self._backend
        if backend is None:
            return None
        name = f"{type(backend).__module__}.{type(backend).__qualname__}"
        if name in _NON_STORING:
            self._disable(f"no keyring backend available ({name})")
            return None
        return backend

    def _disable(self, reason: str) -> None:
        self._backend = None
        if self.unavailable_reason is None:
            self.unavailable_reason = reason

    @property
    def available(self) -> bool:
        return self._get_backend() is not None

    def describe(self) -> str:
        backend = self._get_backend()
        if backend is None:
            return self.unavailable_reason or "no keyring"
        return f"{type(backend).__module__}.{type(backend).__qualname__}"

    def _run(self, operation: str, *args: str) -> Any:
        backend = self._get_backend()
        if backend is None:
            return None
        from keyring.errors import PasswordDeleteError

        try:
            return getattr(backend, operation)(SERVICE, *args)
        except PasswordDeleteError:
            return None  # deleting an item that is already gone
        except Exception as exc:
            # NoKeyringError, a locked collection, D-Bus errors...: from now on behave as if
            # there were no keyring (the class name says enough; messages could echo input).
            self._disable(f"keyring {operation.replace('_', ' ')} failed ({exc.__class__.__name__}"
                          f"{_file_problem(backend, exc)})")
            return None

    def get(self, item: str) -> str | None:
        value = self._run("get_password", item)
        return value if isinstance(value, str) else None

    def set(self, item: str, value: str) -> bool:
        if self._get_backend() is None:
            return False
        self._run("set_password", item, value)
        return self._get_backend() is not None

    def delete(self, item: str) -> bool:
        """Remove `item`; True when something was there to remove."""
        if self.get(item) is None:
            return False
        self._run("delete_password", item)
        return True

    def get_json(self, item: str) -> dict[str, Any] | None:
        raw = self.get(item)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def set_json(self, item: str, data: dict[str, Any]) -> bool:
        return self.set(item, json.dumps(data, separators=(",", ":")))


def _file_problem(backend: Any, exc: Exception) -> str:
    """For a file-backed keyring (keyrings.alt) that cannot write its file: which file, and what
    moves it; a read-only home is a common cause."""
    file_path = getattr(backend, "file_path", None)
    if not isinstance(exc, OSError) or not isinstance(file_path, str):
        return ""
    from crane.dirs import reason

    return (f": keyring file {file_path}: {reason(exc)}; it lives under XDG_DATA_HOME, else HOME, "
            "and PYTHON_KEYRING_BACKEND selects another backend")
