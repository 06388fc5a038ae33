"""The `infisical` secrets provider: one environment's secrets from Infisical, via the official SDK.

What a fetch does, in order:
  1. Budget: one total time budget for everything below (FetchOptions.timeout, else
     CRANE_INFISICAL_TIMEOUT, else the profile's `timeout`, default 10 s).
  2. `--offline` (FetchOptions.offline): the encrypted offline copy only; no network, and the
     SDK is never imported.
  3. Credentials (credentials.py) and an access token: the cached one from the keyring when it
     is still good for a minute, else one universal-auth login. A warm launch is ONE request.
  4. List secrets with every flag sent explicitly (server defaults differ between API versions):
     references expanded, imports included, not recursive. A 401, or a 403 `TokenError`, costs
     exactly one fresh login and one retry; then it is an error.
  5. Staging asked for and Infisical says the folder is missing (404 `SecretPathNotFound`, or
     200 with no secrets and no imports from older servers): `fall_back_to_production()` (which
     refuses under --no-fallback / staging_fallback = false) and fetch production instead.
  6. Merge imports with Infisical's precedence, warn (key names only) about `${...}` references
     the server could not expand, store the offline copy, report checks and facts.
Retries (infisical_http.call_with_retries): connection errors and 5xx twice at most, quickly; a
rate limit (429, or a 5xx with `x-ratelimit-remaining: 0`, as some self-hosted versions send) is
waited out only when the server's wait fits the budget, and only once per fetch, because the
server counts per client IP and every launch on the machine shares that count. An empty
production answer is an error naming environment, path and project (older servers answer a
missing folder that way); a 404 naming the identity at login is a credentials error.
Failures end in ONE `SecretsError` naming venture, environment, Infisical environment and path,
with a hint. Only a transport failure (refused, unreachable, timed out) may be answered from the
offline copy; a 401/403/404 deletes it instead. No message ever carries a secret value, the
client secret or a token: messages are built from key names and server error texts, and server
texts are passed through `_safe()`, which redacts every credential this fetch has seen.
"""

from __future__ import annotations

import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crane.checks import Check
from crane.envname import DEV
from crane.errors import SecretsError, UsageError
from crane.secrets import where
from crane.secrets.base import FetchOptions, FetchResult
from crane.secrets.credentials import ENV_CLIENT_ID, ENV_CLIENT_SECRET, TOKEN_ENV, Credentials, resolve_credentials
from crane.secrets.keystore import Keystore
from crane.secrets.offline_cache import OfflineCache
from crane.secrets.tokens import AccessToken, TokenCache

if TYPE_CHECKING:
    from crane.resolve import Resolution, SecretsTarget
    from crane.secrets.infisical_http import Budget, Stats, TransportFailure

TIMEOUT_ENV = "CRANE_INFISICAL_TIMEOUT"
_REFERENCE = re.compile(r"\$\{[^{}\s]+\}")


class InfisicalProvider:
    """Everything is injectable for tests; the defaults are the real process environment, the
    OS keyring, crane's cache directory and the wall clock."""

    def __init__(self, environ: Mapping[str, str] | None = None, keystore: Keystore | None = None,
                 cache_dir: Path | None = None, clock: Callable[[], float] = time.time) -> None:
        self.environ = os.environ if environ is None else environ
        self.keystore = keystore
        self.cache_dir = cache_dir
        self.clock = clock

    def fetch(self, resolution: Resolution, options: FetchOptions) -> FetchResult:
        return _Fetch(self, resolution, options).run()


def verify_login(resolution: Resolution, credentials: Credentials, store: Keystore, *,
                 timeout: float | None = None, environ: Mapping[str, str] | None = None) -> AccessToken:
    """One bounded universal-auth login (for `crane login`); caches the token it gets."""
    fetch = _Fetch(InfisicalProvider(environ=environ, keystore=store), resolution, FetchOptions(timeout=timeout))
    return fetch.login_only(credentials)


class _Unreachable(Exception):
    """A transport failure after retries: the only failure the offline copy may answer."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class _NoOfflineCopy(Exception):
    pass


class _Rejected(Exception):
    """Infisical answered with an HTTP error status (after crane's retries)."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.message = message

    @property
    def token_problem(self) -> bool:
        # Infisical's rule: 401, or 403 TokenError, means "log in again"; any other 403 is an
        # access problem that a new login cannot fix.
        return self.status == 401 or (self.status == 403 and self.error == "TokenError")


class _Fetch:
    """The state of one fetch (one budget, at most one re-login)."""

    def __init__(self, provider: InfisicalProvider, resolution: Resolution, options: FetchOptions) -> None:
        cfg = resolution.profile.infisical
        if cfg is None or resolution.secrets.provider != "infisical":
            raise SecretsError(f"venture {resolution.venture} is not configured for Infisical")
        self.cfg = cfg
        self.res = resolution
        self.options = options
        self.environ = provider.environ
        self.clock = provider.clock
        self.host = resolution.secrets.host or cfg.host
        self.project_id = resolution.secrets.project_id or cfg.project_id
        self.store = provider.keystore or Keystore()
        self.cache = OfflineCache(self.store, provider.cache_dir, provider.clock)
        self.tokens = TokenCache(self.store, self.host, provider.clock)
        self.notes: list[str] = []
        self.sensitive: list[str] = []
        self.seconds = self._budget_seconds()
        self.creds: Credentials | None = None
        self.client: Any = None
        self.budget: Budget | None = None
        self.stats: Stats | None = None
        self.token: AccessToken | None = None
        self.authenticated = False
        self.token_from_cache = False
        self.relogged = False
        self.verify_only = False
        self.fallback_from: SecretsTarget | None = None
        self.fallback_reason: str | None = None

    # -- entry points ---------------------------------------------------------------------------

    def run(self) -> FetchResult:
        if self.options.offline:
            try:
                return self._from_offline_copy(self.res, cause=None)
            except _NoOfflineCopy as exc:
                raise SecretsError(f"--offline: no usable offline copy: {exc} ({where(self.res)})",
                                   "run once without --offline while Infisical is reachable") from None
        try:
            return self._online()
        except _Unreachable as exc:
            try:
                return self._from_offline_copy(self.res, cause=exc.message)
            except _NoOfflineCopy as why:
                raise SecretsError(f"{exc.message} ({where(self.res)}); no offline copy to use instead: {why}",
                                   exc.hint) from None

    def login_only(self, creds: Credentials) -> AccessToken:
        self.verify_only = True
        self._connect(creds)
        try:
            self._login(self.res)
        except _Unreachable as exc:
            raise SecretsError(f"{exc.message} ({where(self.res)})", exc.hint) from None
        assert self.token is not None
        return self.token

    # -- online ---------------------------------------------------------------------------------

    def _connect(self, creds: Credentials) -> None:
        # Importing the SDK costs 0.1-0.6 s (it pulls in boto3); do it before the clock starts so
        # the budget measures the network, not the disk.
        import infisical_sdk  # noqa: F401

        from crane.secrets import infisical_http as http

        self.budget = http.Budget(self.seconds)
        self.stats = http.Stats()
        self.creds = creds
        self.sensitive.extend(creds.sensitive())
        self._new_client()

    def _new_client(self) -> None:
        from crane.secrets import infisical_http as http

        assert self.budget is not None and self.stats is not None
        try:
            self.client = http.make_client(self.host, self.budget, self.stats)
        except http.UnsupportedSDK as exc:
            raise SecretsError(f"unsupported infisicalsdk version: {exc} ({where(self.res)})",
                               "install a supported version: pip install 'infisicalsdk>=1.0.17,<2'") from None

    def _online(self) -> FetchResult:
        self._connect(resolve_credentials(self.environ, self.store, self.host, self.project_id, self.res.venture))
        res, listing = self._list_with_fallback()
        secrets = self._merge(listing, res)
        if not secrets:
            raise self._nothing_found(res)
        return self._result(res, secrets)

    def _list_with_fallback(self) -> tuple[Resolution, Any]:
        res = self.res
        missing: str | None = None
        try:
            listing = self._list(res)
        except _Rejected as rej:
            if res.effective_env == DEV and rej.status == 404 and rej.error == "SecretPathNotFound":
                missing = "404 SecretPathNotFound"
            else:
                raise self._rejection_error(rej, res) from None
        else:
            if res.effective_env == DEV and not _items(listing, "secrets") and not _items(listing, "imports"):
                missing = "an empty answer, which older Infisical servers send for a missing folder"
        if missing is None:
            return res, listing
        self.cache.delete(res.secrets)
        reason = (f"Infisical has no staging secrets for {res.venture} "
                  f"(env {res.secrets.environment} path {res.secrets.path}: {missing})")
        fallen = res.fall_back_to_production(reason)  # raises FallbackRefused when not allowed
        self.fallback_from, self.fallback_reason = res.secrets, reason
        try:
            return fallen, self._list(fallen)
        except _Rejected as rej:
            raise self._rejection_error(rej, fallen) from None

    def _list(self, res: Resolution) -> Any:
        target = res.secrets
        creds = self._creds()
        self._authenticate(res)

        def op() -> Any:
            return self.client.secrets.list_secrets(
                environment_slug=target.environment,
                secret_path=target.path,
                project_id=target.project_id,
                expand_secret_references=True,
                view_secret_value=True,
                recursive=False,
                include_imports=True,
                tag_filters=[],
            )

        try:
            return self._call(op, res, "listing secrets")
        except _Rejected as rej:
            if not (rej.token_problem and creds.can_login and not self.relogged):
                raise
        # The token was refused (expired early, revoked, or the cache outlived it): exactly one
        # fresh login and one more try. A second refusal is reported by the caller.
        self.relogged = True
        if creds.client_id:
            self.tokens.forget(creds.client_id)
        # A fresh client: the SDK keeps the refused token as a session header, and Infisical
        # checks any Authorization header on every route, so the login itself would be refused.
        self._new_client()
        self._login(res)
        return self._call(op, res, "listing secrets")

    def _authenticate(self, res: Resolution) -> None:
        if self.authenticated:
            return
        creds = self._creds()
        if creds.source == TOKEN_ENV:
            self.client.set_token(creds.access_token)
        else:
            cached = self.tokens.get(creds.client_id) if creds.client_id else None
            if cached is not None:
                self.sensitive.append(cached.value)
                self.client.set_token(cached.value)
                self.token, self.token_from_cache = cached, True
            else:
                self._login(res)
        self.authenticated = True

    def _login(self, res: Resolution) -> None:
        creds = self._creds()
        client_id, secret = creds.client_id, creds.client_secret
        try:
            answer = self._call(lambda: self.client.auth.universal_auth.login(client_id=client_id,
                                                                              client_secret=secret),
                                res, "universal-auth login")
        except _Rejected as rej:
            raise self._login_error(rej, res) from None
        value, expires_in = getattr(answer, "accessToken", None), getattr(answer, "expiresIn", None)
        if (not isinstance(value, str) or not value or isinstance(expires_in, bool)
                or not isinstance(expires_in, int | float) or expires_in < 0):
            raise self._error(res, "Infisical sent a malformed login response (no access token or expiry)",
                              _MALFORMED_HINT)
        self.sensitive.append(value)
        self.token = AccessToken.from_login(value, int(expires_in), self.clock())
        self.token_from_cache = False
        self.authenticated = True
        if client_id:
            self.tokens.put(client_id, self.token)

    def _call(self, op: Callable[[], Any], res: Resolution, phase: str) -> Any:
        """One SDK call under the retry policy; every failure leaves as _Unreachable, _Rejected
        or SecretsError."""
        from infisical_sdk.infisical_requests import InfisicalError
        from requests.exceptions import RequestException

        from crane.secrets import infisical_http as http

        assert self.budget is not None and self.stats is not None
        try:
            return http.call_with_retries(op, self.budget, self.stats)
        except http.TransportFailure as exc:
            raise self._unreachable(exc) from None
        except http.RateLimited as exc:
            at = datetime.fromtimestamp(exc.retry_at).strftime("%H:%M:%S")
            how = "" if exc.status == 429 else f" (answered as {exc.status} with rate-limit headers)"
            raise self._error(res, f"Infisical rate limit hit during {phase}{how}; try again in "
                                   f"{math.ceil(exc.wait)} s (after {at})",
                              f"wait until {at}; Infisical limits requests per minute and per client IP, so "
                              "other launches from this machine count too (see docs/guide.md, "
                              "Infisical rate limits)") from None
        except http.MalformedBody:
            raise self._error(res, f"Infisical sent an undecodable response to {phase}", _MALFORMED_HINT) from None
        except RequestException as exc:
            # Not a transport failure (those are TransportFailure): the URL itself is unusable.
            raise self._error(res, f"cannot use Infisical host {self.host!r} ({exc.__class__.__name__})",
                              "set [secrets.infisical] host or INFISICAL_API_URL to a URL like "
                              "https://app.infisical.com") from None
        except Exception as exc:
            status = http.api_status(exc)
            if status is not None:
                body = http.api_body(exc)
                raise _Rejected(status, _text(body.get("error")), _message(body.get("message"))) from None
            if isinstance(exc, InfisicalError | KeyError | TypeError | AttributeError | ValueError):
                # Non-JSON or truncated 2xx body (InfisicalError), a body without `secrets`
                # (KeyError), a secret missing a field (TypeError), an error body that is a list
                # (AttributeError): the SDK's parsing failed on what the server sent.
                raise self._error(res, f"Infisical sent a malformed response to {phase} "
                                       f"({exc.__class__.__name__})", _MALFORMED_HINT) from None
            raise self._error(res, f"unexpected failure in the Infisical SDK during {phase} "
                                   f"({exc.__class__.__name__})",
                              "run with --debug and report it; nothing was launched") from None

    def _creds(self) -> Credentials:
        assert self.creds is not None
        return self.creds

    # -- results ---------------------------------------------------------------------------------

    def _merge(self, listing: Any, res: Resolution) -> dict[str, str]:
        # Infisical's precedence (applied by clients, not the server): imports in order, each
        # overwriting the previous, so a later import beats an earlier one; then the folder's own
        # secrets, which beat every import. Personal overrides never reach machine identities,
        # but if one appears it is applied last, as the Infisical CLI does.
        merged: dict[str, str] = {}
        try:
            for entry in _items(listing, "imports"):
                for secret in _items(entry, "secrets"):
                    merged.__setitem__(*_key_value(secret))
            own = _items(listing, "secrets")
            for secret in sorted(own, key=lambda s: _field(s, "type", "shared") == "personal"):
                merged.__setitem__(*_key_value(secret))
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise self._error(res, f"Infisical sent a malformed secret list ({exc.__class__.__name__})",
                              _MALFORMED_HINT) from None
        for key in sorted(merged):
            if _REFERENCE.search(merged[key]):
                self.notes.append(f"Warning: secret {key} still contains an unresolved ${{...}} reference "
                                  f"(Infisical could not expand it; {res.secrets.environment}:{res.secrets.path})")
        return merged

    def _result(self, res: Resolution, secrets: dict[str, str]) -> FetchResult:
        creds, stats = self._creds(), self.stats
        assert stats is not None and self.budget is not None
        source = f"{res.secrets.environment}:{res.secrets.path}"
        latency = round(stats.first_latency * 1000) if stats.first_latency is not None else None
        if creds.source == TOKEN_ENV:
            origin = "access token from INFISICAL_TOKEN"
        elif self.relogged:
            origin = "fresh login after the previous token was refused"
        else:
            origin = "cached access token" if self.token_from_cache else "fresh login"
        stored, offline_detail = self._store_offline_copy(res, secrets)
        fallback_detail = _fallback_detail(res)
        checks = (
            # Host, project and path are printed once, as the preflight's "Secrets source" (and in facts).
            Check("infisical host", True, f"reachable ({latency} ms)"),
            Check("infisical auth", True, f"{creds.source}; {origin}"),
            Check("infisical project access", True, f"read access to environment {res.secrets.environment}"),
            Check("secrets source", True, f"{len(secrets)} secrets read"),
            Check("staging fallback", True, fallback_detail, informational=True),
            Check("offline cache", stored, offline_detail, informational=True),
        )
        facts = {
            "provider": "infisical",
            "host": self.host,
            "project_id": self.project_id,
            "reachable": True,
            "latency_ms": latency,
            "requests": stats.requests,
            "retries": stats.retries,
            "auth_method": creds.source,
            "token_from_cache": self.token_from_cache and not self.relogged,
            "relogin": self.relogged,
            "project_access": True,
            "source": source,
            "environment": res.secrets.environment,
            "path": res.secrets.path,
            "fallback": res.fallback,
            "offline_cache": {"available": self.cache.available, "stored": stored, "used": False,
                              "age_seconds": None, "max_age_seconds": self.cfg.cache_max_age},
            "budget_seconds": self.seconds,
            "elapsed_seconds": round(self.budget.elapsed(), 3),
        }
        return FetchResult(secrets, res, self._notes(), checks, facts)

    def _notes(self) -> tuple[str, ...]:
        # Said once, at the end: a keyring can also fail half-way (locked, D-Bus gone).
        if self.store.unavailable_reason is not None:
            return (f"Note: {self.store.unavailable_reason}; Infisical credentials and tokens are not persisted "
                    "and there is no offline copy", *self.notes)
        return tuple(self.notes)

    def _store_offline_copy(self, res: Resolution, secrets: Mapping[str, str]) -> tuple[bool, str]:
        if not self.cache.available:
            return False, f"unavailable: {self.store.unavailable_reason} (the key would have nowhere safe to live)"
        if not secrets:
            return False, "not updated (nothing fetched)"
        if not self.cache.save(res.secrets, secrets):
            if self.cache.write_error is None:
                return False, "could not be written"
            from crane.dirs import unusable

            problem = unusable("cache", self.cache.write_error, self.environ)
            self.notes.append(f"Warning: no offline copy kept: {problem.message}; {problem.hint}")
            return False, f"could not be written: {problem.message}"
        if self.fallback_from is not None:
            # Remember the decision, so an offline staging launch follows it to production.
            self.cache.save(self.fallback_from, {}, fallback=self.fallback_reason)
        return True, f"updated (usable for {_human(self.cfg.cache_max_age)} when Infisical is unreachable)"

    def _from_offline_copy(self, res: Resolution, cause: str | None) -> FetchResult:
        if not self.cache.available:
            raise _NoOfflineCopy(f"offline copies need a keyring ({self.store.unavailable_reason})")
        copy = self.cache.load(res.secrets)
        if copy is not None and copy.fallback is not None:
            res = res.fall_back_to_production(copy.fallback)
            copy = self.cache.load(res.secrets)
        if copy is None or not copy.secrets:
            raise _NoOfflineCopy("none stored for this environment and path (one is kept after each successful fetch)")
        age = copy.age(self.clock())
        if age > self.cfg.cache_max_age:
            limit = _human(self.cfg.cache_max_age)
            raise _NoOfflineCopy(f"the copy is {_human(age)} old, beyond cache_max_age ({limit})")
        source = f"{res.secrets.environment}:{res.secrets.path}"
        fetched = datetime.fromtimestamp(copy.fetched_at).strftime("%Y-%m-%d %H:%M")
        why = cause if cause is not None else "--offline given, Infisical not contacted"
        self.notes.append(
            f"WARNING: {why}; USING THE OFFLINE COPY of {source} ({res.venture}, {res.environment_name}) "
            f"fetched {_human(age)} ago ({fetched}); values may be stale or already revoked upstream"
        )
        host_check = (Check("infisical host", False, f"{self.host}: {cause}", informational=True) if cause
                      else Check("infisical host", True, "not contacted (--offline)", informational=True))
        checks = (
            host_check,
            Check("secrets source", True, f"offline copy, {_human(age)} old ({len(copy.secrets)} secrets)"),
            Check("staging fallback", True, _fallback_detail(res), informational=True),
            Check("offline cache", True, f"used: {_human(age)} old, limit {_human(self.cfg.cache_max_age)}",
                  informational=True),
        )
        facts = {
            "provider": "infisical",
            "host": self.host,
            "project_id": self.project_id,
            "reachable": False if cause else None,
            "unreachable_reason": cause,
            "requests": self.stats.requests if self.stats else 0,
            "source": source,
            "environment": res.secrets.environment,
            "path": res.secrets.path,
            "fallback": res.fallback,
            "offline_cache": {"available": True, "stored": False, "used": True, "age_seconds": round(age),
                              "max_age_seconds": self.cfg.cache_max_age},
            "budget_seconds": self.seconds,
        }
        return FetchResult(dict(copy.secrets), res, self._notes(), checks, facts)

    # -- errors ----------------------------------------------------------------------------------

    def _error(self, res: Resolution, message: str, hint: str | None = None) -> SecretsError:
        return SecretsError(self._safe(f"{message} ({where(res)})", limit=None), self._safe(hint, limit=None)
                            if hint else None)

    def _safe(self, text: str, limit: int | None = 200) -> str:
        for value in sorted({s for s in self.sensitive if len(s) >= 4}, key=len, reverse=True):
            text = text.replace(value, "[redacted]")
        text = " ".join(text.split())
        if limit is not None and len(text) > limit:
            text = text[:limit] + "…"
        return text

    def _detail(self, rej: _Rejected) -> str:
        message = rej.message
        if message.lstrip().startswith("<"):
            message = "non-JSON error page"
        parts = [p for p in (rej.error, message) if p]
        if len(parts) == 2 and parts[0] == parts[1]:
            parts = parts[:1]
        return self._safe(f"{rej.status} " + ": ".join(parts) if parts else f"{rej.status}")

    def _unreachable(self, exc: TransportFailure) -> _Unreachable:
        seconds = f"{self.seconds:g}"
        if exc.is_timeout:
            return _Unreachable(f"Infisical at {self.host} did not answer within the {seconds} s budget ({exc.detail})",
                                f"check your network or proxy; raise [secrets.infisical] timeout or "
                                f"{TIMEOUT_ENV} if the server is just slow")
        if exc.kind == "tls":
            return _Unreachable(f"cannot reach Infisical at {self.host}: TLS handshake failed",
                                "check the host, your clock, and REQUESTS_CA_BUNDLE if a proxy inspects TLS")
        return _Unreachable(f"cannot reach Infisical at {self.host}: {exc.detail}",
                            "check the host ([secrets.infisical] host or INFISICAL_API_URL), your network "
                            "and any HTTP(S)_PROXY setting")

    def _forget_copy(self, res: Resolution) -> None:
        if not self.verify_only:
            self.cache.delete(res.secrets)

    def _rejection_error(self, rej: _Rejected, res: Resolution) -> SecretsError:
        creds = self._creds()
        if rej.status in (401, 403, 404):
            self._forget_copy(res)  # the server decided; an offline copy must not outlive that
        env, path, detail = res.secrets.environment, res.secrets.path, self._detail(rej)
        profile = res.profile.path
        if rej.token_problem:
            if creds.source == TOKEN_ENV:
                return self._error(res, f"Infisical refused the access token in INFISICAL_TOKEN ({detail})",
                                   "it is expired or revoked: get a new one, or unset INFISICAL_TOKEN and use "
                                   f"universal auth (crane login --venture {res.venture})")
            return self._error(res, f"Infisical refused the access token even after a fresh login ({detail})",
                               f"the identity's tokens may be revoked, or its access-token settings (trusted "
                               f"IPs, use limit) forbid this use; check the machine identity "
                               f"(client id {creds.short_id}) in Infisical")
        if rej.status == 403:
            return self._error(res, f"the machine identity has no access to project {self.project_id} ({detail})",
                               f"in Infisical, add the identity ({creds.source}, client id {creds.short_id}) to "
                               f"the project with read access to environment {env}, path {path}")
        if rej.status == 404 and rej.error == "SecretPathNotFound":
            return self._error(res, f"secret path {path} does not exist in Infisical environment {env} ({detail})",
                               f"create the folder in Infisical, or fix [secrets.infisical] "
                               f"{res.effective_env}_path / {res.effective_env}_environment in {profile}")
        if rej.status == 404:
            return self._error(res, f"Infisical answered 404 ({detail})",
                               f"check project_id and host in [secrets.infisical] of {profile}")
        if rej.status in (400, 422):
            return self._error(res, f"Infisical rejected the request ({detail})",
                               f"check project_id and the environment slugs in {profile}")
        if rej.status >= 500:
            return self._error(res, f"Infisical server error after {self._retries()} retries ({detail})",
                               "Infisical is failing; try again in a minute (crane --offline uses the "
                               "offline copy, if one is recent enough)")
        return self._error(res, f"Infisical refused the request ({detail})")

    def _nothing_found(self, res: Resolution) -> SecretsError:
        # Production (staging never gets here: an empty staging answer falls back or is refused).
        # Older servers answer a missing folder with 200 and nothing, so a wrong path, a wrong
        # environment slug and an identity scoped elsewhere all look like this: name all three.
        env, path, kind = res.secrets.environment, res.secrets.path, res.effective_env
        fallen = f"; staging was requested and fell back to production: {res.fallback}" if res.fallback else ""
        # Not self._error(): where(res) would repeat project, environment and path.
        return SecretsError(self._safe(f"no secrets found in Infisical environment {env}, path {path}, project "
                                       f"{self.project_id} (venture {res.venture}, {res.environment_name}, "
                                       f"host {self.host}){fallen}", limit=None),
                            f"check that folder {path} exists in environment {env} of project {self.project_id} "
                            f"and holds secrets (older servers answer a missing folder with an empty list), that "
                            f"[secrets.infisical] {kind}_path / {kind}_environment / project_id in "
                            f"{res.profile.path} are right, and that the machine identity may read that path")

    def _login_error(self, rej: _Rejected, res: Resolution) -> SecretsError:
        creds = self._creds()
        detail = self._detail(rej)
        locked = rej.status == 401 and "locked" in rej.message.lower()
        # Some server versions answer an unknown or deleted client id with 404 NotFound "No
        # identity with specified client ID was found" instead of 401: that is a credentials
        # problem, told apart from a missing route (wrong host) by the body naming the identity.
        unknown_identity = rej.status == 404 and _names_identity(rej)
        if (rej.status in (401, 403) and not locked) or unknown_identity:
            self._forget_copy(res)
        if creds.source == "universal-auth env":
            fix = "check INFISICAL_UNIVERSAL_AUTH_CLIENT_ID / INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"
        else:
            fix = f"run `crane login --venture {res.venture}` with a valid client secret"
        who = f"{creds.source}, client id {creds.short_id}"
        if locked:
            return self._error(res, f"Infisical has temporarily locked universal auth for this identity after "
                                    f"repeated failed logins ({who}; {detail})",
                               f"wait about 5 minutes before trying again; meanwhile {fix} (every failed "
                               "attempt can extend the lock)")
        if rej.status == 401:
            return self._error(res, f"Infisical rejected the universal-auth credentials ({who}; {detail})", fix)
        if rej.status == 403:
            return self._error(res, f"Infisical refused the login ({who}; {detail})",
                               "the identity's trusted IPs may exclude this machine; check its Universal "
                               "Auth settings in Infisical")
        if rej.status in (400, 422):
            return self._error(res, f"Infisical rejected the login request ({detail})", fix)
        if unknown_identity:
            login = f"crane login --venture {res.venture} --client-id <client id>"
            if creds.source == "universal-auth env":
                todo = (f"set {ENV_CLIENT_ID} / {ENV_CLIENT_SECRET} to an existing machine identity, or unset "
                        f"them and run `{login}`")
            else:
                todo = f"run `{login}` with the client id and secret of an existing machine identity"
            return self._error(res, f"Infisical has no machine identity with the client id used for venture "
                                    f"{res.venture} ({who}; {detail})",
                               f"the identity was deleted or the client id is wrong: {todo}")
        if rej.status == 404:
            return self._error(res, f"no universal-auth login endpoint at {self.host} ({detail})",
                               "check [secrets.infisical] host / INFISICAL_API_URL (the host, without /api)")
        if rej.status >= 500:
            return self._error(res, f"Infisical server error during login after {self._retries()} retries "
                                    f"({detail})", "Infisical is failing; try again in a minute")
        return self._error(res, f"Infisical refused the login ({detail})", fix)

    def _retries(self) -> int:
        return self.stats.retries if self.stats else 0

    def _budget_seconds(self) -> float:
        if self.options.timeout is not None:
            if not (self.options.timeout > 0 and math.isfinite(self.options.timeout)):
                raise UsageError(f"timeout must be a positive number of seconds, got {self.options.timeout!r}")
            return float(self.options.timeout)
        raw = self.environ.get(TIMEOUT_ENV, "").strip()
        if raw:
            try:
                value = float(raw)
            except ValueError:
                value = -1.0
            if not (value > 0 and math.isfinite(value)):
                raise UsageError(f"{TIMEOUT_ENV}={raw!r} is not a positive number of seconds", "e.g. 10 or 2.5")
            return value
        return self.cfg.timeout


_MALFORMED_HINT = ("check that the host is an Infisical API (not a web page or a proxy's error page); if it "
                   "persists, the server and infisicalsdk versions may disagree")


def _fallback_detail(res: Resolution) -> str:
    if res.fallback:
        return f"staging requested, production used: {res.fallback}"
    if res.effective_env == DEV:
        return "staging requested and used"
    return "production requested"


def _field(obj: Any, name: str, default: Any = None) -> Any:
    # Top-level secrets arrive as SDK objects, imported ones as plain dicts (the SDK does not
    # convert them): read both the same way.
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _items(obj: Any, name: str) -> list[Any]:
    value = _field(obj, name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"{name} is not a list")
    return value


def _key_value(secret: Any) -> tuple[str, str]:
    key, value = _field(secret, "secretKey"), _field(secret, "secretValue")
    if not isinstance(key, str) or not isinstance(value, str):
        raise TypeError("secretKey/secretValue not strings")
    return key, value


def _names_identity(rej: _Rejected) -> bool:
    text = f"{rej.error} {rej.message}".lower()
    return "identity" in text or "client id" in text


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _message(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):  # 422 ValidationFailure: zod issues; name the fields
        issues: Iterable[Any] = value
        parts = []
        for issue in issues:
            if isinstance(issue, Mapping):
                where_ = ".".join(str(p) for p in issue.get("path", []) if isinstance(p, str | int))
                parts.append(f"{where_ or '?'}: {_text(issue.get('message')) or 'invalid'}")
        return "; ".join(parts)
    return ""


def _human(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 120:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
