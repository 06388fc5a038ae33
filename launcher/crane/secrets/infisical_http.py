"""A bounded transport under the official Infisical SDK, and crane's retry policy.

The SDK (`infisicalsdk` 1.0.17/1.0.18) has no request timeout, so a server that accepts and
never answers hangs the caller forever; and its `@with_retry` decorator replays every request on
network errors for ~15 s (1+2+4+8 s), while it retries neither 429 nor 5xx. crane wants the
opposite: one total time budget for the whole fetch, and its own short retries.

How the SDK is bounded, and why this way:
  * Every SDK request goes through `client.api.session`, a plain `requests.Session`. crane mounts
    `BoundedAdapter` on it for http:// and https://. The adapter gives each request a connect
    and a read timeout taken from what is left of the budget, reads the body itself against the
    same deadline (a server that drips bytes cannot stretch a request), and counts requests.
  * The adapter converts every transport exception into `TransportFailure`, which is NOT one of
    the exception types the SDK's decorator retries (it only catches `requests`' network errors
    and the builtin `ConnectionError`/`TimeoutError` families, all OSError subclasses). So the
    SDK's own retry loop sees a non-network error and lets it through at once: no sleeping, no
    replay.
  This uses only public SDK surface we already depend on (the client's `api.session`) plus the
  documented `requests` adapter mechanism. The alternatives were worse: calling the undecorated
  functions via `InfisicalRequests.get.__wrapped__` means re-implementing what `list_secrets`
  does around `get` or patching bound methods on an SDK object; monkeypatching `time.sleep` in
  the SDK module is global and racy. `make_client` checks the assumption at run time (fails
  closed with a clear error), and tests/infisical/test_provider_sdk_contract.py fails on an SDK
  upgrade that breaks it (a request not seen by the adapter, or a retry by the SDK).

This module imports `requests` at module level: it is itself imported only on the network path
(by the provider, after `--offline` has been ruled out), never at crane start-up.
"""

from __future__ import annotations

import email.utils
import random
import re
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import requests  # noqa: TID253 (network path only, see above)
import urllib3
from requests.adapters import HTTPAdapter  # noqa: TID253

if TYPE_CHECKING:
    from infisical_sdk import InfisicalSDKClient

T = TypeVar("T")

MAX_RETRIES = 2  # after the first attempt: at most three requests per call
BACKOFF_BASE = 0.25  # seconds; doubled per retry, capped, +-20 % jitter
BACKOFF_CAP = 1.0
DEFAULT_RATE_LIMIT_WAIT = 1.0  # a 429 without any hint
REQUEST_MARGIN = 0.25  # a retry after a wait needs at least this much budget left to be worth it

TransportKind = Literal[
    "refused", "dns", "reset", "unreachable", "connect-timeout", "read-timeout", "budget", "tls", "proxy"
]
_RETRYABLE: frozenset[str] = frozenset({"refused", "dns", "reset", "unreachable", "connect-timeout"})
_TIMEOUTS: frozenset[str] = frozenset({"connect-timeout", "read-timeout", "budget"})


class TransportFailure(Exception):  # deliberately not an OSError: the SDK must not retry it
    def __init__(self, kind: TransportKind, detail: str) -> None:
        super().__init__(detail)
        self.kind: TransportKind = kind
        self.detail = detail

    @property
    def retryable(self) -> bool:
        return self.kind in _RETRYABLE

    @property
    def is_timeout(self) -> bool:
        return self.kind in _TIMEOUTS


class MalformedBody(Exception):
    """The body could not be decoded (bad Content-Encoding); a malformed response, not a network one."""


class RateLimited(Exception):
    def __init__(self, wait: float, retry_at: float, status: int = 429) -> None:
        super().__init__(f"rate limited; retry in {wait:.0f} s")
        self.wait = wait
        self.retry_at = retry_at  # wall-clock epoch seconds
        self.status = status  # 429, or the 5xx some server versions send for a rate limit


class UnsupportedSDK(Exception):
    """The installed infisicalsdk no longer looks the way the bounding relies on."""


class Budget:
    """One total time budget, shared by every request and every wait of a fetch."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.total = seconds
        self._clock = clock
        self.started = clock()
        self.deadline = self.started + seconds

    def remaining(self) -> float:
        return self.deadline - self._clock()

    def elapsed(self) -> float:
        return self._clock() - self.started

    @property
    def connect_cap(self) -> float:
        # A third of the budget per connection attempt: a black-holed address (SYN dropped) can
        # still be retried once or twice inside the budget instead of eating all of it.
        return max(1.0, self.total / 3)


@dataclass
class Stats:
    requests: int = 0  # requests handed to the network (attempts included)
    first_latency: float | None = None  # seconds from sending to the first response headers
    last_status: int | None = None
    last_headers: Mapping[str, str] = field(default_factory=dict)
    retries: int = 0
    rate_limited: int = 0  # rate-limit answers seen in this fetch (all calls together)


class BoundedAdapter(HTTPAdapter):
    def __init__(self, budget: Budget, stats: Stats) -> None:
        # max_retries=0: urllib3 must not retry on its own either; the policy below decides.
        super().__init__(max_retries=0)
        self.budget = budget
        self.stats = stats

    def send(self, request: Any, stream: bool = False, timeout: Any = None, verify: Any = True,
             cert: Any = None, proxies: Any = None) -> Any:
        remaining = self.budget.remaining()
        if remaining <= 0:
            raise TransportFailure("budget", "time budget used up before the request was sent")
        self.stats.requests += 1
        started = time.monotonic()
        try:
            # Always stream: the body is read below against the deadline, not by requests.
            response = super().send(request, stream=True, timeout=(min(remaining, self.budget.connect_cap), remaining),
                                    verify=verify, cert=cert, proxies=proxies)
        except requests.exceptions.ConnectTimeout:
            raise TransportFailure("connect-timeout", "connection not established in time") from None
        except requests.exceptions.ReadTimeout:
            raise TransportFailure("read-timeout", "no response in time") from None
        except requests.exceptions.SSLError:
            raise TransportFailure("tls", "TLS handshake failed") from None
        except requests.exceptions.ProxyError:
            raise TransportFailure("proxy", "the HTTP proxy refused or failed the connection") from None
        except requests.exceptions.ConnectionError as exc:
            kind = _connection_kind(exc)
            raise TransportFailure(kind, _KIND_TEXT[kind]) from None
        if self.stats.first_latency is None:
            self.stats.first_latency = time.monotonic() - started
        self.stats.last_status = response.status_code
        self.stats.last_headers = dict(response.headers)
        if not stream:
            self._read_body(response)
        return response

    def _read_body(self, response: Any) -> None:
        raw = response.raw
        read1 = getattr(raw, "read1", None)  # urllib3 >= 2: returns as soon as any bytes arrive
        chunks: list[bytes] = []
        try:
            while True:
                remaining = self.budget.remaining()
                if remaining <= 0:
                    raise TransportFailure("budget", "response body not complete within the time budget")
                _set_read_timeout(raw, remaining)
                chunk = read1(65536, decode_content=True) if read1 else raw.read(decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                if not read1:
                    break
        except urllib3.exceptions.ReadTimeoutError:
            raise TransportFailure("read-timeout", "response body stalled") from None
        except urllib3.exceptions.DecodeError:
            raise MalformedBody("response body could not be decoded") from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise TransportFailure("reset", "connection broken while reading the response") from None
        # `_content` is how requests caches a body it has read (Response.content fills it the
        # same way); with it set, Session.send and the SDK's response.json() use these bytes.
        response._content = b"".join(chunks)
        response._content_consumed = True
        raw.release_conn()


def _set_read_timeout(raw: Any, seconds: float) -> None:
    # Each recv waits at most what is left of the budget. Best effort: if urllib3 stops exposing
    # the connection, the read timeout given at send time still bounds every single recv.
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(max(seconds, 0.001))


_KIND_TEXT: dict[TransportKind, str] = {
    "refused": "connection refused",
    "dns": "host name could not be resolved",
    "reset": "connection reset",
    "unreachable": "host unreachable",
}


def _connection_kind(exc: BaseException) -> TransportKind:
    seen: set[int] = set()
    stack: list[BaseException] = [exc]
    while stack:
        cur = stack.pop()
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        if isinstance(cur, ConnectionRefusedError):
            return "refused"
        if isinstance(cur, socket.gaierror) or type(cur).__name__ == "NameResolutionError":
            return "dns"
        if isinstance(cur, ConnectionResetError | ConnectionAbortedError | BrokenPipeError):
            return "reset"
        if isinstance(cur, urllib3.exceptions.ProtocolError):
            return "reset"
        linked = (cur.__cause__, cur.__context__, getattr(cur, "reason", None), *cur.args)
        stack.extend(item for item in linked if isinstance(item, BaseException))
    return "unreachable"


def make_client(host: str, budget: Budget, stats: Stats) -> InfisicalSDKClient:
    """An SDK client whose every request is bounded by `budget` and counted in `stats`."""
    from infisical_sdk import InfisicalSDKClient

    # cache_ttl=None: the SDK's cache starts a cleanup thread per client and would answer a
    # repeated call for 60 s without asking the server, hiding expiry and revocation.
    client = InfisicalSDKClient(host=host, token=None, cache_ttl=None)
    session = getattr(getattr(client, "api", None), "session", None)
    if not isinstance(session, requests.Session):
        raise UnsupportedSDK("infisical_sdk client has no requests session at .api.session")
    adapter = BoundedAdapter(budget, stats)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return client


def api_status(exc: BaseException) -> int | None:
    """The HTTP status of an SDK `APIError`, None for anything else."""
    from infisical_sdk.infisical_requests import APIError

    status = getattr(exc, "status_code", None) if isinstance(exc, APIError) else None
    return status if isinstance(status, int) else None


def api_body(exc: BaseException) -> Mapping[str, Any]:
    body = getattr(exc, "response", None)
    return body if isinstance(body, Mapping) else {}


_TRY_AGAIN = re.compile(r"try again in (\d+(?:\.\d+)?) ?s", re.IGNORECASE)
_RATE_LIMIT_TEXT = re.compile(r"rate.?limit", re.IGNORECASE)


def is_rate_limited(status: int, headers: Mapping[str, str], body: Mapping[str, Any]) -> bool:
    """A 429, or a 5xx that is a rate limit in disguise: some self-hosted server versions answer
    an exhausted bucket with 500 while the rate-limit plugin's headers still say
    `x-ratelimit-remaining: 0` (and carry `retry-after`). Retrying such a 5xx at once, as a server
    error would be, only spends more of the per-IP budget, so it must get the rate-limit policy."""
    if status == 429:
        return True
    if status < 500:
        return False
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    if lowered.get("x-ratelimit-remaining") == "0":
        return True
    return any(isinstance(body.get(name), str) and _RATE_LIMIT_TEXT.search(body[name])
               for name in ("error", "message"))


def rate_limit_wait(headers: Mapping[str, str], body: Mapping[str, Any], now: float | None = None) -> float:
    """Seconds to wait after a rate limit: `retry-after` (seconds or HTTP date), else
    `x-ratelimit-reset`, else the number in "try again in N seconds", else a default."""
    lowered = {k.lower(): v for k, v in headers.items()}
    value = lowered.get("retry-after", "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - (time.time() if now is None else now))
    reset = lowered.get("x-ratelimit-reset", "").strip()
    if reset:
        try:
            seconds = float(reset)
        except ValueError:
            pass
        else:
            # Infisical's plugin sends seconds until the window resets; some servers send the
            # reset time as epoch seconds instead (no window is a year long).
            if seconds > 365 * 86400:
                seconds -= time.time() if now is None else now
            return max(0.0, seconds)
    message = body.get("message")
    if isinstance(message, str):
        match = _TRY_AGAIN.search(message)
        if match:
            return float(match[1])
    return DEFAULT_RATE_LIMIT_WAIT


def backoff(retry: int) -> float:
    base = min(BACKOFF_CAP, BACKOFF_BASE * 2.0**retry)
    return base * random.uniform(0.8, 1.2)  # noqa: S311 (jitter, not cryptography)


def call_with_retries(op: Callable[[], T], budget: Budget, stats: Stats,
                      sleep: Callable[[float], None] = time.sleep) -> T:
    """Run one SDK call under crane's policy, never past the budget: retry connection errors and
    5xx with a short backoff, at most MAX_RETRIES times. A rate limit (see is_rate_limited) is
    different, because self-hosted servers count requests per client IP and a burst of launches
    shares that budget: crane never asks again before the server's wait is over, and asks again
    at most ONCE per fetch (a second rate limit means the window is busy; fail and say when)."""
    retries = 0
    while True:
        try:
            return op()
        except TransportFailure as exc:
            if not exc.retryable or retries >= MAX_RETRIES:
                raise
            delay = backoff(retries)
            if delay + REQUEST_MARGIN >= budget.remaining():
                raise
        except Exception as exc:
            status = api_status(exc)
            if status is not None and is_rate_limited(status, stats.last_headers, api_body(exc)):
                wait = rate_limit_wait(stats.last_headers, api_body(exc))
                stats.rate_limited += 1
                if stats.rate_limited > 1 or retries >= MAX_RETRIES or wait + REQUEST_MARGIN > budget.remaining():
                    raise RateLimited(wait, time.time() + wait, status) from None
                delay = wait
            elif status is not None and status >= 500 and retries < MAX_RETRIES:
                delay = backoff(retries)
                if delay + REQUEST_MARGIN >= budget.remaining():
                    raise
            else:
                raise
        sleep(delay)
        retries += 1
        stats.retries += 1
