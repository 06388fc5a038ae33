"""Infisical credentials: where they come from, and `crane login` / `crane logout`.

Lookup order (the first that applies wins; written here because it is the contract):
  1. INFISICAL_UNIVERSAL_AUTH_CLIENT_ID + INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET (both, or it is
     an error: half a pair is a misconfiguration, not a reason to use something else silently)
  2. INFISICAL_TOKEN: an access token obtained elsewhere (cannot be renewed by crane)
  3. the OS keyring item `infisical-ua:<host>|<project_id>` written by `crane login`
Explicit environment variables beat stored state, as everywhere in crane. None of these values
ever reaches the child process (launch.py strips the variables) or any message.
"""

from __future__ import annotations

import getpass
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from crane.errors import SecretsError, UsageError
from crane.secrets.keystore import Keystore, credentials_item, offline_key_item, token_item
from crane.secrets.offline_cache import OfflineCache

if TYPE_CHECKING:
    from crane.resolve import Resolution

ENV_CLIENT_ID = "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"
ENV_CLIENT_SECRET = "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"  # noqa: S105 (a variable name)
ENV_TOKEN = "INFISICAL_TOKEN"  # noqa: S105 (a variable name)

Source = Literal["universal-auth env", "universal-auth keyring", "INFISICAL_TOKEN"]
UA_ENV: Source = "universal-auth env"
UA_KEYRING: Source = "universal-auth keyring"
TOKEN_ENV: Source = "INFISICAL_TOKEN"  # noqa: S105 (a source label)


@dataclass(frozen=True)
class Credentials:
    source: Source
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    access_token: str | None = field(default=None, repr=False)

    @property
    def can_login(self) -> bool:
        return bool(self.client_id and self.client_secret)

    @property
    def short_id(self) -> str:
        # Client ids are identifiers, not secrets; a prefix is enough to tell identities apart.
        return f"{self.client_id[:8]}…" if self.client_id else "-"

    def sensitive(self) -> tuple[str, ...]:
        return tuple(v for v in (self.client_secret, self.access_token) if v)


def resolve_credentials(environ: Mapping[str, str], store: Keystore, host: str, project_id: str,
                        venture: str) -> Credentials:
    client_id = environ.get(ENV_CLIENT_ID, "").strip()
    client_secret = environ.get(ENV_CLIENT_SECRET, "").strip()
    if client_id or client_secret:
        if not (client_id and client_secret):
            present, absent = (ENV_CLIENT_ID, ENV_CLIENT_SECRET) if client_id else (ENV_CLIENT_SECRET, ENV_CLIENT_ID)
            raise SecretsError(f"{present} is set but {absent} is not (venture {venture})",
                               "set both, or unset both to use INFISICAL_TOKEN or the keyring (crane login)")
        return Credentials(UA_ENV, client_id, client_secret)
    token = environ.get(ENV_TOKEN, "").strip()
    if token:
        return Credentials(TOKEN_ENV, access_token=token)
    stored = store.get_json(credentials_item(host, project_id))
    if stored is not None:
        cid, secret = stored.get("clientId"), stored.get("clientSecret")
        if isinstance(cid, str) and cid and isinstance(secret, str) and secret:
            return Credentials(UA_KEYRING, cid, secret)
    where = "the keyring" if store.available else f"the keyring ({store.unavailable_reason})"
    raise SecretsError(
        f"no Infisical credentials for venture {venture} ({host}, project {project_id}): "
        f"none in the environment and none in {where}",
        f"run `crane login --venture {venture}`, or set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} "
        f"(or {ENV_TOKEN})",
    )


# ---------------------------------------------------------------------------------------------
# crane login / crane logout


@dataclass(frozen=True)
class LoginResult:
    venture: str
    host: str
    project_id: str
    client_id: str
    keyring_item: str  # where the credentials were stored (service "crane")
    verified: bool  # True when Infisical accepted them before they were stored
    token_expires_at: float | None  # epoch seconds of the cached token; None: no expiry / not verified


@dataclass(frozen=True)
class LogoutResult:
    venture: str
    host: str
    project_id: str
    removed: tuple[str, ...]  # human-readable list of what was deleted
    keyring_note: str | None = None  # set when there was no usable keyring


def _resolution(venture: str | Resolution, profiles_dir: str | None,
                environ: Mapping[str, str] | None) -> Resolution:
    from crane.resolve import Request, resolve

    if not isinstance(venture, str):
        res = venture
    else:
        # Production: the host and project are the same for both environments, and resolving
        # production never trips over a missing staging configuration.
        res = resolve(Request(env_flag="prod", venture_flag=venture, profiles_dir=profiles_dir, environ=environ))
    if res.secrets.provider != "infisical" or not res.secrets.host or not res.secrets.project_id:
        raise UsageError(f"venture {res.venture} does not use Infisical (provider {res.secrets.provider})",
                         "crane login/logout only apply to [secrets] provider = \"infisical\"")
    return res


def login(
    venture: str | Resolution,
    *,
    client_id: str | None = None,
    prompt_secret: Callable[[str], str] = getpass.getpass,
    prompt_client_id: Callable[[str], str] = input,
    verify: bool = True,
    timeout: float | None = None,
    profiles_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    keystore: Keystore | None = None,
) -> LoginResult:
    """Ask for a machine identity's client id (unless given) and secret (without echo), check
    them against Infisical (unless verify=False), and store them in the OS keyring.

    Nothing is stored when Infisical refuses them. Raises SecretsError when there is no keyring
    (with the environment-variable alternative as the hint) or when verification fails.
    """
    res = _resolution(venture, profiles_dir, environ)
    host, project = res.secrets.host or "", res.secrets.project_id or ""
    store = keystore or Keystore()
    if not store.available:
        raise SecretsError(
            f"cannot store Infisical credentials for venture {res.venture}: {store.unavailable_reason}",
            f"set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} in the environment instead, or install a "
            "system keyring (GNOME Keyring / KWallet via Secret Service, macOS Keychain, Windows Credential Manager)",
        )
    cid = (client_id or prompt_client_id(f"Infisical machine identity client ID for {res.venture}: ")).strip()
    if not cid:
        raise UsageError("no client ID given", "pass --client-id or type it at the prompt")
    secret = prompt_secret(f"Client secret for {cid[:8]}… ({host}, project {project}): ").strip()
    if not secret:
        raise UsageError("no client secret given", "paste the machine identity's universal-auth client secret")
    expires_at: float | None = None
    if verify:
        from crane.secrets.infisical import verify_login

        token = verify_login(res, Credentials(UA_KEYRING, cid, secret), store, timeout=timeout, environ=environ)
        expires_at = token.expires_at
    item = credentials_item(host, project)
    stored = store.set_json(item, {"clientId": cid, "clientSecret": secret, "venture": res.venture,
                                   "storedAt": time.time()})
    if not stored:
        raise SecretsError(f"the keyring refused to store Infisical credentials for venture {res.venture}: "
                           f"{store.unavailable_reason}",
                           f"set {ENV_CLIENT_ID} and {ENV_CLIENT_SECRET} in the environment instead")
    return LoginResult(res.venture, host, project, cid, item, verify, expires_at)


def logout(
    venture: str | Resolution,
    *,
    profiles_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    keystore: Keystore | None = None,
    cache_dir: Path | None = None,
) -> LogoutResult:
    """Remove what crane keeps for the venture's Infisical host+project: stored credentials, the
    cached access tokens of the identities involved, the offline-copy key and files."""
    env = os.environ if environ is None else environ
    res = _resolution(venture, profiles_dir, environ)
    host, project = res.secrets.host or "", res.secrets.project_id or ""
    store = keystore or Keystore()
    removed: list[str] = []
    item = credentials_item(host, project)
    stored = store.get_json(item)
    client_ids = {env.get(ENV_CLIENT_ID, "").strip()}
    if stored and isinstance(stored.get("clientId"), str):
        client_ids.add(stored["clientId"])
    if store.delete(item):
        removed.append(f"stored credentials ({item})")
    for cid in sorted(c for c in client_ids if c):
        if store.delete(token_item(host, cid)):
            removed.append(f"cached access token ({token_item(host, cid[:8] + '…')})")
    cache = OfflineCache(store, cache_dir)
    files, key_removed = cache.purge_project(host, project)
    if files:
        removed.append(f"{files} offline cop{'y' if files == 1 else 'ies'}")
    if key_removed:
        removed.append(f"offline-copy key ({offline_key_item(host, project)})")
    note = None if store.available else f"no usable keyring ({store.unavailable_reason}); nothing stored there"
    return LogoutResult(res.venture, host, project, tuple(removed), note)
