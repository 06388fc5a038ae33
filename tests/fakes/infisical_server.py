"""An Infisical-compatible HTTP test server, stdlib only.

It answers the calls the official ``infisicalsdk`` makes (universal-auth login, then
``GET /api/v3/secrets/raw``), plus ``GET /api/v4/secrets``, single-secret reads, token
renew/revoke and ``/api/status``, with the status codes, error envelope and data semantics of
the real server as described in ``shared/reference/infisical-api.md`` (read in the Infisical
server source). Tests drive it through the real SDK over real sockets on 127.0.0.1.

Fixture format (plain dicts, see :func:`sample_fixture` and :func:`bulk_fixture`)::

    {
      "identities": [
        {"client_id": "...", "client_secret": "...",
         "projects": ["<project id>", ...],       # membership; others -> 403 "not a member"
         "environments": ["dev"],                 # optional: readable envs (default: all)
         "paths": ["/alpha/*"],                   # optional: readable folder globs (fnmatch)
         "token_ttl": 2592000, "max_ttl": 2592000,  # seconds; 0 = no expiry / no cap
         "lockout": {"threshold": 3, "window": 30, "duration": 300},  # or None/False: off
         "client_secret_expired": False, "client_secret_uses_limit": 0,
         "name": "...", "id": "..."},
      ],
      "projects": [
        {"id": "<uuid>", "slug": "crane-demo", "name": "...",
         "environments": ["dev", "staging", "prod"],   # or {"dev": "Development", ...}
         "folders": {"dev": ["/empty"]},               # extra (empty) folders
         "secrets": {"dev": {"/alpha/staging": {"KEY": "value",
                                                "K2": {"value": "v", "comment": "c",
                                                       "version": 2, "tags": ["t"]}}}},
         "imports": {"dev": {"/alpha/staging": [("dev", "/shared"),
                                                {"environment": "dev", "path": "/x",
                                                 "replication": True}]}}},
      ],
    }

Every environment has a root folder ``/``; a folder named anywhere (``folders``, ``secrets``,
``imports`` keys) is created with its parents. Secrets keep the fixture's order.

Fault injection: ``server.inject(endpoint, Fault.xxx(...), times=1, at=None)`` with endpoint one
of :data:`ENDPOINTS` or ``"*"``; see :class:`Fault`. Request log: ``server.requests`` (a list of
:class:`RequestRecord`, secrets redacted) and ``server.counts`` / ``server.count(endpoint)``.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import fnmatch
import hashlib
import hmac
import json
import math
import re
import secrets as _secrets
import socket
import socketserver
import string
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import parse_qs, urlsplit

JSONDict = dict[str, Any]

# ---------------------------------------------------------------------------------------------
# Constants taken from the server source (see the contract document for where each comes from)
# ---------------------------------------------------------------------------------------------

HIDDEN_VALUE_MASK = "<hidden-by-infisical>"
MAX_REFERENCE_DEPTH = 10  # secret-reference-fns.ts MAX_SECRET_REFERENCE_DEPTH
IMPORT_LEVEL_BREAK = 10  # secret-import-fns.ts LEVEL_BREAK
DEFAULT_TOKEN_TTL = 2_592_000  # 30 days: default when Universal Auth is attached through the API
DEFAULT_TIMESTAMP = "2026-01-01T00:00:00.000Z"
# The eleven fields the SDK's BaseSecret dataclass requires on every top-level secret.
REQUIRED_SECRET_FIELDS = (
    "id",
    "_id",
    "workspace",
    "environment",
    "version",
    "type",
    "secretKey",
    "secretValue",
    "secretComment",
    "createdAt",
    "updatedAt",
)

MSG_INVALID_CREDENTIALS = "Invalid credentials"
MSG_LOCKED = "This identity auth method is temporarily locked, please try again later"
MSG_TOKEN_MISSING = "Token missing"
MSG_TOKEN_MALFORMED = (
    "The provided access token is malformed. Please use a valid token or generate a new one and try again."
)
MSG_TOKEN_EXPIRED = "Your token has expired. Please re-authenticate."
MSG_TOKEN_REVOKED = "No identity access token found"
MSG_FORBIDDEN_DEFAULT = "You are not allowed to access this resource"
MSG_EXPAND_FAILED = "Failed to expand one or more secret references"
MSG_NO_IDENTITY = "No identity with specified client ID was found"  # identity-ua-service.ts, some versions

# Endpoint names used by fault injection, counters and the request log.
ENDPOINTS = ("login", "secrets", "secret", "renew", "revoke", "status", "unknown")
# Rate-limit buckets of the real server: login/renew/revoke use "write", the secret reads use
# "secrets"; "global" counts every request but /api/status; "read" is accepted for completeness.
RATE_LIMIT_BUCKETS = ("global", "read", "write", "secrets")
_ENDPOINT_BUCKET = {
    "login": "write",
    "renew": "write",
    "revoke": "write",
    "secrets": "secrets",
    "secret": "secrets",
}

# ${KEY}, ${env.KEY}, ${env.a.b.KEY} (and ${@project.env.path.KEY}, which is left verbatim here).
_REFERENCE_RE = re.compile(r"\$\{([a-zA-Z0-9\-_.@]+)\}")
_ID_NAMESPACE = uuid.UUID("6b1f5c1e-3a7d-4c52-9d8e-0c2f7a1b9e44")

_HTML_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _stable_id(*parts: str) -> str:
    """Deterministic UUIDs so a fixture gives the same ids in every run (stable assertions)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "\x1f".join(parts)))


def _iso(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _new_req_id() -> str:
    # Fastify request ids on Infisical look like "req-" + 14 alphanumerics.
    alphabet = string.ascii_letters + string.digits
    return "req-" + "".join(_secrets.choice(alphabet) for _ in range(14))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def normalize_path(raw: str) -> str:
    """The server's secretPath handling: trim, drop one trailing slash; we also add a leading one."""
    path = raw.strip()
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    if not path.startswith("/"):
        path = "/" + path
    return path


def _clean_fixture_path(raw: str) -> str:
    # Fixture paths are written by people: collapse doubled and trailing slashes.
    parts = [p for p in raw.strip().split("/") if p]
    return "/" + "/".join(parts)


def _parent_paths(path: str) -> list[str]:
    """'/a/b/c' -> ['/', '/a', '/a/b', '/a/b/c']: a folder exists only with all its parents."""
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


def _zod_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _zod_required_string(path: str, value: Any, present: bool) -> JSONDict | None:
    """A zod issue for `z.string()` on `value`, or None when it is a string."""
    if present and isinstance(value, str):
        return None
    received = "undefined" if not present else _zod_type(value)
    return {
        "code": "invalid_type",
        "expected": "string",
        "received": received,
        "path": [path],
        "message": "Required" if not present else f"Expected string, received {received}",
    }


# ---------------------------------------------------------------------------------------------
# Data model
# ---------------------------------------------------------------------------------------------


@dataclass
class SecretRecord:
    key: str
    value: str
    id: str
    comment: str = ""
    version: int = 1
    tags: tuple[str, ...] = ()
    skip_multiline_encoding: bool = False
    created_at: str = DEFAULT_TIMESTAMP
    updated_at: str = DEFAULT_TIMESTAMP


@dataclass(frozen=True)
class ImportRecord:
    environment: str
    path: str
    # Replication imports are excluded from listings by the server.
    replication: bool = False


@dataclass
class FolderRecord:
    id: str
    environment: str
    path: str
    secrets: dict[str, SecretRecord] = field(default_factory=dict)
    imports: list[ImportRecord] = field(default_factory=list)


@dataclass
class ProjectRecord:
    id: str
    slug: str
    name: str
    environments: dict[str, str]
    folders: dict[tuple[str, str], FolderRecord] = field(default_factory=dict)

    def folder(self, environment: str, path: str) -> FolderRecord | None:
        return self.folders.get((environment, path))

    def ensure_folder(self, environment: str, path: str) -> FolderRecord:
        if environment not in self.environments:
            raise ValueError(f"project {self.id!r} has no environment {environment!r}")
        path = _clean_fixture_path(path)
        folder: FolderRecord | None = None
        for p in _parent_paths(path):
            folder = self.folders.get((environment, p))
            if folder is None:
                folder = FolderRecord(_stable_id("folder", self.id, environment, p), environment, p)
                self.folders[(environment, p)] = folder
        assert folder is not None
        return folder

    def lookup(self, environment: str, path: str, key: str) -> SecretRecord | None:
        folder = self.folder(environment, path)
        return folder.secrets.get(key) if folder is not None else None


@dataclass(frozen=True)
class LockoutPolicy:
    """Universal Auth lockout; the defaults are the server's (3 failures in 30 s lock for 300 s)."""

    threshold: int = 3
    window: float = 30.0
    duration: float = 300.0


@dataclass
class IdentityRecord:
    id: str
    name: str
    client_id: str
    client_secret: str
    projects: frozenset[str]
    environments: frozenset[str] | None = None
    paths: tuple[str, ...] | None = None
    token_ttl: int = DEFAULT_TOKEN_TTL
    max_ttl: int = DEFAULT_TOKEN_TTL
    lockout: LockoutPolicy | None = field(default_factory=LockoutPolicy)
    client_secret_expired: bool = False
    client_secret_uses_limit: int = 0
    # runtime state
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0
    client_secret_uses: int = 0

    @property
    def client_secret_id(self) -> str:
        return _stable_id("client-secret", self.id)

    def can_read(self, environment: str, path: str) -> bool:
        """The permission model of the fake: an environment allow-list and folder globs."""
        if self.environments is not None and environment not in self.environments:
            return False
        if self.paths is not None:
            return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)
        return True


@dataclass
class _TokenRow:
    """One identity access token row; several JWT strings (renewals) can point at it."""

    id: str
    identity: IdentityRecord
    created_at: float
    ttl: int
    max_ttl: int
    revoked: bool = False


@dataclass
class _IssuedJwt:
    row_id: str
    expires_at: float | None
    force_expired: bool = False


# ---------------------------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------------------------


class FaultKind(StrEnum):
    # transport
    RESET = "reset"  # read the request, then close with RST (ConnectionResetError on the client)
    CLOSE = "close"  # read the request, then close cleanly without answering (RemoteDisconnected)
    HANG = "hang"  # accept and read, never answer until stop()
    # answer replaced by the fault
    RESPONSE = "response"  # any status with a JSON envelope or a raw body (see Fault.error/raw)
    # real answer computed, then altered
    PASS = "pass"  # unchanged (use with delay= for a slow response)
    SLOW_BODY = "slow_body"  # headers and half the body, pause, then the rest
    SHORT_BODY = "short_body"  # Content-Length larger than what is sent, then close
    TRUNCATED_JSON = "truncated_json"  # body cut in half, honest Content-Length
    DROP_KEY = "drop_key"  # remove a top-level key from a 2xx JSON body
    SECRET_MISSING_FIELD = "secret_missing_field"  # remove a field from every top-level secret
    TRANSFORM = "transform"  # replace a 2xx JSON body with fn(body)


@dataclass(frozen=True)
class Fault:
    """What to do to one request. Build with the classmethods; any fault takes ``delay=``
    (seconds to wait before doing anything, i.e. before the status line)."""

    kind: FaultKind
    status: int = 200
    payload: Any = None  # JSON body for RESPONSE (None -> use `raw_body`)
    raw_body: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    body_delay: float = 0.0
    key: str = ""
    transform_fn: Callable[[Any], Any] | None = None

    # -- transport ---------------------------------------------------------------------------
    @classmethod
    def reset(cls, *, delay: float = 0.0) -> Fault:
        return cls(FaultKind.RESET, delay=delay)

    @classmethod
    def close(cls, *, delay: float = 0.0) -> Fault:
        return cls(FaultKind.CLOSE, delay=delay)

    @classmethod
    def hang(cls) -> Fault:
        return cls(FaultKind.HANG)

    @classmethod
    def slow(cls, seconds: float) -> Fault:
        """The real answer, after `seconds` of silence (delay before headers)."""
        return cls(FaultKind.PASS, delay=seconds)

    @classmethod
    def slow_body(cls, seconds: float, *, delay: float = 0.0) -> Fault:
        """The real answer; headers and half the body, then `seconds` of silence, then the rest."""
        return cls(FaultKind.SLOW_BODY, body_delay=seconds, delay=delay)

    # -- error answers (JSON envelope) --------------------------------------------------------
    @classmethod
    def error(
        cls,
        status: int,
        error: str | None = None,
        message: Any = None,
        *,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Fault:
        """`{reqId, statusCode, error, message[, details]}` with the server's default names."""
        default_error, default_message = _DEFAULT_ERRORS.get(status, ("Error", "Something went wrong"))
        payload: JSONDict = {
            "statusCode": status,
            "error": error if error is not None else default_error,
            "message": message if message is not None else default_message,
        }
        if details is not None:
            payload["details"] = details
        return cls(
            FaultKind.RESPONSE,
            status=status,
            payload=payload,
            headers=tuple((headers or {}).items()),
            delay=delay,
        )

    @classmethod
    def token_missing(cls) -> Fault:
        return cls.error(401, "UnauthorizedError", MSG_TOKEN_MISSING)

    @classmethod
    def token_malformed(cls) -> Fault:
        return cls.error(403, "TokenError", MSG_TOKEN_MALFORMED)

    @classmethod
    def token_expired(cls) -> Fault:
        return cls.error(403, "TokenError", MSG_TOKEN_EXPIRED)

    @classmethod
    def token_revoked(cls) -> Fault:
        return cls.error(401, "UnauthorizedError", MSG_TOKEN_REVOKED)

    @classmethod
    def invalid_credentials(cls) -> Fault:
        return cls.error(401, "UnauthorizedError", MSG_INVALID_CREDENTIALS)

    @classmethod
    def locked_out(cls) -> Fault:
        return cls.error(401, "UnauthorizedError", MSG_LOCKED)

    @classmethod
    def not_member(cls, project_id: str) -> Fault:
        return cls.error(403, _not_member_error(project_id), MSG_FORBIDDEN_DEFAULT)

    @classmethod
    def permission_denied(cls) -> Fault:
        """A CASL 403 (`PermissionDenied` with rule details): an access problem, not a token one."""
        return cls.error(
            403,
            "PermissionDenied",
            "You are not allowed to readValue on secrets",
            details=[{"action": "readValue", "inverted": False, "subject": "secrets", "conditions": {}}],
        )

    @classmethod
    def path_not_found(cls, environment: str = "dev", path: str = "/") -> Fault:
        return cls.error(404, "SecretPathNotFound", _path_not_found_message(environment, path))

    @classmethod
    def not_found(cls) -> Fault:
        return cls.error(404)

    @classmethod
    def validation(cls, field_name: str = "clientSecret") -> Fault:
        return cls.error(422, message=[_zod_required_string(field_name, None, present=False)])

    @classmethod
    def rate_limited(cls, wait: int = 37, *, header: bool = True) -> Fault:
        """429 with the wait in the message; `header=False` leaves only the message as the hint."""
        headers = {"retry-after": str(wait), "x-ratelimit-remaining": "0"} if header else None
        return cls.error(429, "RateLimitExceeded", _rate_limit_message(wait), headers=headers)

    @classmethod
    def rate_limited_as_500(cls, wait: int = 37, *, message: str | None = None) -> Fault:
        """What some self-hosted server versions send for an exhausted bucket: a 500 with a
        generic body, while the rate-limit plugin's headers still carry the wait."""
        headers = {"retry-after": str(wait), "x-ratelimit-remaining": "0"}
        return cls.error(500, "InternalServerError", message, headers=headers)

    @classmethod
    def identity_not_found(cls) -> Fault:
        """A login with an unknown or deleted client id, as some server versions answer it."""
        return cls.error(404, "NotFound", MSG_NO_IDENTITY)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls.error(status)

    # -- raw and malformed answers -----------------------------------------------------------
    @classmethod
    def raw(
        cls,
        status: int,
        body: bytes | str,
        *,
        content_type: str = "application/json; charset=utf-8",
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> Fault:
        data = body.encode() if isinstance(body, str) else body
        return cls(
            FaultKind.RESPONSE,
            status=status,
            raw_body=data,
            content_type=content_type,
            headers=tuple((headers or {}).items()),
            delay=delay,
        )

    @classmethod
    def html(cls, status: int = 502) -> Fault:
        """What a reverse proxy sends when the API is down: text/html, not JSON."""
        return cls.raw(status, _HTML_502, content_type="text/html")

    @classmethod
    def non_json(cls, status: int = 200) -> Fault:
        return cls.raw(status, b"<html><body>OK</body></html>", content_type="text/html")

    @classmethod
    def error_list_body(cls, status: int = 500) -> Fault:
        """An error body that is a JSON list: the SDK's `error_data.get(...)` raises AttributeError."""
        return cls.raw(status, json.dumps([{"message": "Something went wrong"}]))

    @classmethod
    def truncated_json(cls) -> Fault:
        return cls(FaultKind.TRUNCATED_JSON)

    @classmethod
    def short_body(cls) -> Fault:
        """Promise more bytes than sent, then hang up: a transport error mid-body."""
        return cls(FaultKind.SHORT_BODY)

    @classmethod
    def drop_key(cls, key: str = "secrets") -> Fault:
        return cls(FaultKind.DROP_KEY, key=key)

    @classmethod
    def missing_secrets(cls) -> Fault:
        return cls.drop_key("secrets")

    @classmethod
    def secret_missing_field(cls, field_name: str = "createdAt") -> Fault:
        return cls(FaultKind.SECRET_MISSING_FIELD, key=field_name)

    @classmethod
    def transform(cls, fn: Callable[[Any], Any]) -> Fault:
        return cls(FaultKind.TRANSFORM, transform_fn=fn)

    def with_delay(self, seconds: float) -> Fault:
        return dataclasses.replace(self, delay=seconds)


_DEFAULT_ERRORS: dict[int, tuple[str, Any]] = {
    400: ("BadRequest", "The request is invalid"),
    401: ("UnauthorizedError", MSG_FORBIDDEN_DEFAULT),
    403: ("ForbiddenError", MSG_FORBIDDEN_DEFAULT),
    404: ("NotFound", "The requested entity is not found"),
    422: ("ValidationFailure", [_zod_required_string("clientSecret", None, present=False)]),
    429: ("RateLimitExceeded", "Rate limit exceeded. Please try again in 60 seconds"),
    500: ("InternalServerError", "Something went wrong"),
    502: ("BadGateway", "Bad Gateway"),
    503: ("ServiceUnavailable", "Service Unavailable"),
    504: ("GatewayTimeoutError", "Timeout error"),
}


def _not_member_error(project_id: str) -> str:
    return f"Identity is not a member of the specified project with ID '{project_id}'"


def _path_not_found_message(environment: str, path: str) -> str:
    return (
        f"Folder with path '{path}' in environment '{environment}' was not found. "
        "Please ensure the environment slug and secret path is correct."
    )


def _rate_limit_message(wait: int) -> str:
    return f"Rate limit exceeded. Please try again in {wait} seconds"


@dataclass
class _FaultRule:
    fault: Fault
    at: int | None  # 1-based request number (per endpoint; global sequence for "*")
    remaining: int | None  # None: forever


# ---------------------------------------------------------------------------------------------
# Request log
# ---------------------------------------------------------------------------------------------

REDACTED = "<redacted>"
_SECRET_BODY_FIELDS = ("clientSecret", "accessToken")


@dataclass
class RequestRecord:
    """One request as the server saw it, with every secret value replaced by ``<redacted>``."""

    seq: int  # global order, 1-based
    number: int  # per-endpoint order, 1-based
    endpoint: str
    method: str
    path: str
    query: dict[str, str]  # last value of each parameter
    headers: dict[str, str]  # lower-case names; authorization -> "Bearer <redacted>"
    body: Any  # parsed JSON with clientSecret/accessToken redacted; raw text if not JSON
    identity: str | None  # client_id owning the bearer token, when it is one of ours
    time: float
    status: int | None = None  # None when no answer was sent (reset, close, hang)
    fault: str | None = None  # FaultKind value applied, if any


# ---------------------------------------------------------------------------------------------
# Internal response plumbing
# ---------------------------------------------------------------------------------------------


class _ApiError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        message: Any,
        *,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error}")
        self.status = status
        self.error = error
        self.message = message
        self.details = details
        self.headers = dict(headers or {})


class _ReferenceDenied(Exception):
    pass


@dataclass
class _Response:
    status: int
    payload: Any = None
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> bytes:
        if self.raw is not None:
            return self.raw
        return json.dumps(self.payload, separators=(",", ":")).encode("utf-8")


def _envelope(status: int, error: str, message: Any, details: Any = None) -> JSONDict:
    payload: JSONDict = {"reqId": _new_req_id(), "statusCode": status, "error": error, "message": message}
    if details is not None:
        payload["details"] = details
    return payload


def _classify(method: str, path: str) -> str:
    """Endpoint name of a request. Trailing slashes are ignored, as the CLI relies on."""
    p = path.rstrip("/") or "/"
    if method == "POST":
        return {
            "/api/v1/auth/universal-auth/login": "login",
            "/api/v1/auth/token/renew": "renew",
            "/api/v1/auth/token/revoke": "revoke",
        }.get(p, "unknown")
    if method == "GET":
        if p in ("/api/v3/secrets/raw", "/api/v4/secrets"):
            return "secrets"
        if p.startswith(("/api/v3/secrets/raw/", "/api/v4/secrets/")):
            return "secret"
        if p == "/api/status":
            return "status"
    return "unknown"


# ---------------------------------------------------------------------------------------------
# HTTP layer
# ---------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive like the real server, so a requests.Session reuses its connection.
    protocol_version = "HTTP/1.1"
    # Headers and body leave in separate writes; without TCP_NODELAY the second waits for the
    # client's delayed ACK (~40 ms a request on loopback).
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        cast(_HTTPServer, self.server).fake._handle_http(self)

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve

    def version_string(self) -> str:
        return "fake-infisical"

    def log_message(self, format: str, *args: Any) -> None:
        # Silence: the request log is the server's record.
        return


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeInfisicalServer) -> None:
        self.fake = fake
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can stall for
        # seconds on machines without DNS; the name is of no use here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        # Track every client socket so stop() can close the ones parked in a keep-alive read
        # or in a "hang" fault; otherwise their threads would outlive the server.
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_all_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            # shutdown() wakes a thread blocked in recv(); close() alone would not.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Aborted connections are the point of many tests; no tracebacks on stderr.
        return


def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connection refused), for offline tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# ---------------------------------------------------------------------------------------------
# The server
# ---------------------------------------------------------------------------------------------


class FakeInfisicalServer:
    """A faithful stand-in for the Infisical API on 127.0.0.1 (see module docstring).

    Use as a context manager (``with FakeInfisicalServer(fixture) as server:``) or call
    :meth:`start` / :meth:`stop`. The port is bound at construction, so :attr:`url` is known
    before start.
    """

    def __init__(
        self,
        fixture: Mapping[str, Any] | None = None,
        *,
        legacy_empty_folders: bool = False,
        rate_limits: Mapping[str, int] | None = None,
        rate_limit_window: float = 60.0,
        rate_limit_headers: bool = True,
        expand_imports_always: bool = True,
        check_auth_header_on_all_routes: bool = True,
        unknown_client_id_404: bool = False,
        rate_limit_status: int = 429,
    ) -> None:
        # Switches that model differences between server versions:
        # - legacy_empty_folders: servers before ~2025-08-30 answered a missing folder or
        #   environment with 200 and empty lists instead of 404 SecretPathNotFound.
        # - expand_imports_always: the server expands imported values whatever
        #   expandSecretReferences says (inferred from source).
        # - check_auth_header_on_all_routes: the identity hook runs on every route, so a stale
        #   Authorization header makes even the login call fail (403 expired / 401 revoked).
        # - unknown_client_id_404: some versions answer a login with an unknown (or deleted)
        #   client id with 404 NotFound "No identity with specified client ID was found"
        #   instead of 401 "Invalid credentials".
        # - rate_limit_status: 500 models versions whose rate limiter surfaces as a 500 with a
        #   generic body, the plugin's retry-after / x-ratelimit-* headers still set.
        # One lock guards all state; handlers hold it while computing an answer (fast), never
        # while sleeping for a delay or hang fault.
        self._lock = threading.RLock()
        self.legacy_empty_folders = legacy_empty_folders
        self.expand_imports_always = expand_imports_always
        self.check_auth_header_on_all_routes = check_auth_header_on_all_routes
        self.unknown_client_id_404 = unknown_client_id_404
        self.rate_limit_status = rate_limit_status
        self.rate_limit_window = rate_limit_window
        self.rate_limit_headers = rate_limit_headers
        self.rate_limits: dict[str, int] = {}
        self._rate_state: dict[str, tuple[float, int]] = {}
        if rate_limits:
            self.set_rate_limits(rate_limits)

        self._stopping = threading.Event()
        self._stopped = False
        self._thread: threading.Thread | None = None
        self._time_offset = 0.0
        self._frozen_at: float | None = None

        self.projects: dict[str, ProjectRecord] = {}
        self.identities: dict[str, IdentityRecord] = {}  # by client_id
        self._jwt_key = _secrets.token_bytes(32)
        self._rows: dict[str, _TokenRow] = {}
        self._jwts: dict[str, _IssuedJwt] = {}

        self._faults: dict[str, list[_FaultRule]] = {}
        self._records: list[RequestRecord] = []
        self._counts: dict[str, int] = {}
        self._seq = 0
        # Exceptions raised by the fake's own code (answered as 500): tests can assert none.
        self.internal_errors: list[BaseException] = []

        if fixture is not None:
            self.load(fixture)
        self._httpd = _HTTPServer(self)

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        if self._thread is None and not self._stopped:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                # stop() waits for the next tick of this loop: keep it short.
                kwargs={"poll_interval": 0.01},
                name=f"fake-infisical-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every client connection; never blocks on hanging requests."""
        if self._stopped:
            return
        self._stopped = True
        self._stopping.set()  # wakes "hang" and delay faults
        if self._thread is not None:
            self._httpd.shutdown()  # only valid once serve_forever runs
        self._httpd.close_all_connections()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- clock --------------------------------------------------------------------------------

    def now(self) -> float:
        base = self._frozen_at if self._frozen_at is not None else time.time()
        return base + self._time_offset

    def freeze_time(self) -> None:
        """Stop the server's clock (only advance_time moves it): tests of expiry then do not race
        the real clock, however slow the machine."""
        with self._lock:
            self._frozen_at = time.time()

    def advance_time(self, seconds: float) -> None:
        """Move the server's clock forward: token expiry, lockout and rate windows follow it."""
        with self._lock:
            self._time_offset += seconds

    # -- fixture loading and mutation ----------------------------------------------------------

    def load(self, fixture: Mapping[str, Any]) -> None:
        """Add the projects and identities of a fixture (see module docstring for the format)."""
        with self._lock:
            for spec in fixture.get("projects", []):
                self._load_project(spec)
            for spec in fixture.get("identities", []):
                self.add_identity(spec)

    def _load_project(self, spec: Mapping[str, Any]) -> None:
        project_id = str(spec["id"])
        envs_spec = spec.get("environments", ["dev", "staging", "prod"])
        environments = (
            {str(k): str(v) for k, v in envs_spec.items()}
            if isinstance(envs_spec, Mapping)
            else {str(slug): str(slug) for slug in envs_spec}
        )
        project = self.projects.get(project_id)
        if project is None:
            project = ProjectRecord(
                id=project_id,
                slug=str(spec.get("slug", project_id)),
                name=str(spec.get("name", spec.get("slug", project_id))),
                environments=environments,
            )
            self.projects[project_id] = project
        else:
            project.environments.update(environments)
        for env in project.environments:
            project.ensure_folder(env, "/")
        for env, paths in spec.get("folders", {}).items():
            for path in paths:
                project.ensure_folder(env, path)
        for env, by_path in spec.get("secrets", {}).items():
            for path, secrets_spec in by_path.items():
                for key, value in secrets_spec.items():
                    self._put_secret(project, env, path, key, value)
        for env, by_path in spec.get("imports", {}).items():
            for path, imports in by_path.items():
                self._set_imports(project, env, path, imports)

    def add_identity(self, spec: Mapping[str, Any]) -> IdentityRecord:
        client_id = str(spec["client_id"])
        lockout_spec = spec.get("lockout", {})
        lockout: LockoutPolicy | None
        if lockout_spec is None or lockout_spec is False:
            lockout = None
        elif lockout_spec is True:
            lockout = LockoutPolicy()
        else:
            lockout = LockoutPolicy(**dict(lockout_spec))
        envs = spec.get("environments")
        paths = spec.get("paths")
        identity = IdentityRecord(
            id=str(spec.get("id", _stable_id("identity", client_id))),
            name=str(spec.get("name", client_id)),
            client_id=client_id,
            client_secret=str(spec["client_secret"]),
            projects=frozenset(str(p) for p in spec.get("projects", [])),
            environments=frozenset(envs) if envs is not None else None,
            paths=tuple(paths) if paths is not None else None,
            token_ttl=int(spec.get("token_ttl", DEFAULT_TOKEN_TTL)),
            max_ttl=int(spec.get("max_ttl", spec.get("token_ttl", DEFAULT_TOKEN_TTL))),
            lockout=lockout,
            client_secret_expired=bool(spec.get("client_secret_expired", False)),
            client_secret_uses_limit=int(spec.get("client_secret_uses_limit", 0)),
        )
        with self._lock:
            self.identities[client_id] = identity
        return identity

    def delete_identity(self, client_id: str) -> None:
        """The identity is deleted in Infisical: its logins fail, its tokens stop working."""
        with self._lock:
            identity = self.identities.pop(client_id)
            for row_id in [r.id for r in self._rows.values() if r.identity is identity]:
                del self._rows[row_id]

    def _project(self, project_id: str) -> ProjectRecord:
        try:
            return self.projects[project_id]
        except KeyError:
            raise ValueError(f"unknown project {project_id!r}") from None

    def _put_secret(self, project: ProjectRecord, env: str, path: str, key: str, spec: Any) -> SecretRecord:
        folder = project.ensure_folder(env, path)
        data = dict(spec) if isinstance(spec, Mapping) else {"value": spec}
        existing = folder.secrets.get(key)
        secret = SecretRecord(
            key=key,
            value=str(data.get("value", "")),
            id=str(
                data.get("id", existing.id if existing else _stable_id("secret", project.id, env, folder.path, key))
            ),
            comment=str(data.get("comment", "")),
            version=int(data.get("version", existing.version + 1 if existing else 1)),
            tags=tuple(data.get("tags", ())),
            skip_multiline_encoding=bool(data.get("skip_multiline_encoding", False)),
            created_at=str(data.get("created_at", existing.created_at if existing else DEFAULT_TIMESTAMP)),
            updated_at=str(data.get("updated_at", _iso(self.now()) if existing else DEFAULT_TIMESTAMP)),
        )
        folder.secrets[key] = secret
        return secret

    def _set_imports(self, project: ProjectRecord, env: str, path: str, imports: Iterable[Any]) -> None:
        folder = project.ensure_folder(env, path)
        records: list[ImportRecord] = []
        for item in imports:
            if isinstance(item, Mapping):
                records.append(
                    ImportRecord(
                        str(item["environment"]),
                        _clean_fixture_path(str(item["path"])),
                        bool(item.get("replication", False)),
                    )
                )
            else:
                imp_env, imp_path = item
                records.append(ImportRecord(str(imp_env), _clean_fixture_path(str(imp_path))))
        folder.imports = records

    def set_secret(self, project_id: str, environment: str, path: str, key: str, value: Any) -> None:
        """Create or update a secret (a str, or a dict as in fixtures); bumps version on update."""
        with self._lock:
            self._put_secret(self._project(project_id), environment, path, key, value)

    def delete_secret(self, project_id: str, environment: str, path: str, key: str) -> None:
        with self._lock:
            folder = self._project(project_id).folder(environment, _clean_fixture_path(path))
            if folder is not None:
                folder.secrets.pop(key, None)

    def add_folder(self, project_id: str, environment: str, path: str) -> None:
        with self._lock:
            self._project(project_id).ensure_folder(environment, path)

    def delete_folder(self, project_id: str, environment: str, path: str) -> None:
        """Remove a folder and its subfolders (the root folder cannot be removed)."""
        path = _clean_fixture_path(path)
        with self._lock:
            project = self._project(project_id)
            for env, p in list(project.folders):
                if env == environment and p != "/" and (p == path or p.startswith(path + "/")):
                    del project.folders[(env, p)]

    def set_imports(self, project_id: str, environment: str, path: str, imports: Iterable[Any]) -> None:
        with self._lock:
            self._set_imports(self._project(project_id), environment, path, imports)

    # -- tokens ---------------------------------------------------------------------------------

    def expire_all_tokens(self) -> None:
        """Every token issued so far now answers 403 TokenError "expired"."""
        with self._lock:
            for jwt in self._jwts.values():
                jwt.force_expired = True

    def revoke_all_tokens(self) -> None:
        """Every token issued so far now answers 401 "No identity access token found"."""
        with self._lock:
            for row in self._rows.values():
                row.revoked = True

    def expire_token(self, token: str) -> None:
        with self._lock:
            if token in self._jwts:
                self._jwts[token].force_expired = True

    def revoke_token(self, token: str) -> None:
        with self._lock:
            jwt = self._jwts.get(token)
            if jwt is not None and jwt.row_id in self._rows:
                self._rows[jwt.row_id].revoked = True

    @property
    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self._jwts)

    def _issue_jwt(self, row: _TokenRow) -> tuple[str, _IssuedJwt]:
        now = self.now()
        payload: JSONDict = {
            "identityId": row.identity.id,
            "clientSecretId": row.identity.client_secret_id,
            "identityAccessTokenId": row.id,
            "authTokenType": "identityAccessToken",
            "iat": int(now),
            # A nonce keeps two tokens issued in the same second distinct.
            "jti": _secrets.token_hex(8),
        }
        expires_at = now + row.ttl if row.ttl > 0 else None
        if expires_at is not None:
            payload["exp"] = int(math.ceil(expires_at))
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
        signing_input = f"{header}.{body}".encode()
        signature = _b64url(hmac.new(self._jwt_key, signing_input, hashlib.sha256).digest())
        token = f"{header}.{body}.{signature}"
        issued = _IssuedJwt(row.id, expires_at)
        self._jwts[token] = issued
        return token, issued

    def _verify_jwt(self, token: str) -> _TokenRow | None:
        """jsonwebtoken.verify + the token-row lookup, with the server's errors.

        Returns None for a valid JWT that is not an identity token (the route then sees no auth).
        """
        if token == "":
            raise _ApiError(403, "TokenError", "jwt must be provided")
        parts = token.split(".")
        if len(parts) != 3:
            raise _ApiError(403, "TokenError", MSG_TOKEN_MALFORMED)
        try:
            json.loads(_b64url_decode(parts[0]))
            payload = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise _ApiError(403, "TokenError", "invalid token") from None
        if not isinstance(payload, dict):
            raise _ApiError(403, "TokenError", "invalid token")
        expected = hmac.new(self._jwt_key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            raise _ApiError(403, "TokenError", "invalid signature")
        issued = self._jwts.get(token)
        now = self.now()
        if issued is not None:
            expired = issued.force_expired or (issued.expires_at is not None and now >= issued.expires_at)
        else:
            exp = payload.get("exp")
            expired = isinstance(exp, int | float) and now >= exp
        if expired:
            raise _ApiError(403, "TokenError", MSG_TOKEN_EXPIRED)
        if payload.get("authTokenType") != "identityAccessToken":
            return None
        row = self._rows.get(str(payload.get("identityAccessTokenId")))
        if row is None or row.revoked:
            raise _ApiError(401, "UnauthorizedError", MSG_TOKEN_REVOKED)
        return row

    def _authenticate(self, headers: Mapping[str, str]) -> _TokenRow | None:
        value = headers.get("authorization")
        if not value:
            return None
        # The server slices off "Bearer " without checking it.
        return self._verify_jwt(value[7:])

    # -- fault injection ----------------------------------------------------------------------

    def inject(self, endpoint: str, fault: Fault, *, times: int | None = 1, at: int | None = None) -> None:
        """Apply `fault` to requests to `endpoint` (one of ENDPOINTS, or "*" for any).

        Without `at`: the next `times` requests (faults queue up in order; times=None: every
        request until clear_faults()). With `at`: requests number at .. at+times-1 of that
        endpoint (1-based, counted since start or clear_log(); "*" counts all requests).
        """
        if endpoint != "*" and endpoint not in ENDPOINTS:
            raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {ENDPOINTS} or '*'")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        with self._lock:
            self._faults.setdefault(endpoint, []).append(_FaultRule(fault, at, times))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, endpoint: str, number: int, seq: int) -> Fault | None:
        for name, n in ((endpoint, number), ("*", seq)):
            rules = self._faults.get(name, [])
            for rule in rules:
                if rule.at is not None and rule.at <= n and (rule.remaining is None or n < rule.at + rule.remaining):
                    return rule.fault
            for rule in rules:
                if rule.at is None:
                    if rule.remaining is not None:
                        rule.remaining -= 1
                        if rule.remaining == 0:
                            rules.remove(rule)
                    return rule.fault
        return None

    # -- rate limits ----------------------------------------------------------------------------

    def set_rate_limits(self, limits: Mapping[str, int]) -> None:
        """Requests per window for buckets in RATE_LIMIT_BUCKETS; an empty mapping disables."""
        for bucket in limits:
            if bucket not in RATE_LIMIT_BUCKETS:
                raise ValueError(f"unknown rate-limit bucket {bucket!r}; expected one of {RATE_LIMIT_BUCKETS}")
        with self._lock:
            self.rate_limits = dict(limits)
            self._rate_state = {}

    def _check_rate_limits(self, endpoint: str) -> dict[str, str]:
        """Count the request in its buckets; raise 429 when one is over. Returns the headers."""
        if endpoint in ("status", "unknown") or not self.rate_limits:
            return {}
        buckets = [b for b in ("global", _ENDPOINT_BUCKET.get(endpoint, "read")) if b in self.rate_limits]
        now = self.now()
        headers: dict[str, str] = {}
        for bucket in buckets:
            limit = self.rate_limits[bucket]
            start, count = self._rate_state.get(bucket, (now, 0))
            if now >= start + self.rate_limit_window:
                start, count = now, 0
            count += 1
            self._rate_state[bucket] = (start, count)
            reset_in = max(1, math.ceil(start + self.rate_limit_window - now))
            if self.rate_limit_headers:
                headers = {
                    "x-ratelimit-limit": str(limit),
                    "x-ratelimit-remaining": str(max(0, limit - count)),
                    "x-ratelimit-reset": str(reset_in),
                }
            if count > limit:
                if self.rate_limit_headers:
                    headers["retry-after"] = str(reset_in)
                if self.rate_limit_status != 429:
                    raise _ApiError(self.rate_limit_status, "InternalServerError", "Something went wrong",
                                    headers=headers)
                raise _ApiError(429, "RateLimitExceeded", _rate_limit_message(reset_in), headers=headers)
        return headers

    # -- request log ----------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def requests_for(self, endpoint: str) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._records if r.endpoint == endpoint]

    @property
    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def count(self, endpoint: str | None = None) -> int:
        with self._lock:
            return self._seq if endpoint is None else self._counts.get(endpoint, 0)

    def clear_log(self) -> None:
        """Forget recorded requests and restart the numbering used by `inject(at=...)`."""
        with self._lock:
            self._records.clear()
            self._counts.clear()
            self._seq = 0

    def _record(
        self,
        endpoint: str,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> RequestRecord:
        self._seq += 1
        number = self._counts.get(endpoint, 0) + 1
        self._counts[endpoint] = number
        safe_headers = dict(headers)
        identity: str | None = None
        auth = safe_headers.get("authorization")
        if auth is not None:
            safe_headers["authorization"] = f"{auth[:6]} {REDACTED}" if auth.startswith("Bearer") else REDACTED
            issued = self._jwts.get(auth[7:])
            if issued is not None and issued.row_id in self._rows:
                identity = self._rows[issued.row_id].identity.client_id
        record = RequestRecord(
            seq=self._seq,
            number=number,
            endpoint=endpoint,
            method=method,
            path=path,
            query={k: v[-1] for k, v in query.items()},
            headers=safe_headers,
            body=self._redacted_body(body),
            identity=identity,
            time=self.now(),
        )
        self._records.append(record)
        return record

    @staticmethod
    def _redacted_body(body: bytes) -> Any:
        if not body:
            return None
        try:
            parsed = json.loads(body)
        except ValueError:
            return REDACTED  # unknown content may hold anything; keep none of it
        if isinstance(parsed, dict):
            return {k: (REDACTED if k in _SECRET_BODY_FIELDS else v) for k, v in parsed.items()}
        return parsed

    # -- HTTP entry point -----------------------------------------------------------------------

    def _handle_http(self, handler: _Handler) -> None:
        try:
            self._handle_http_inner(handler)
        except OSError:
            # The client went away (or stop() closed the socket): nothing more to say.
            handler.close_connection = True
        except Exception as exc:  # a bug in the fake outside _dispatch: keep it visible to tests
            self.internal_errors.append(exc)
            handler.close_connection = True

    def _handle_http_inner(self, handler: _Handler) -> None:
        method = handler.command
        split = urlsplit(handler.path)
        path = split.path
        try:
            length = int(handler.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = handler.rfile.read(length) if length > 0 else b""
        query = parse_qs(split.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        endpoint = _classify(method, path)

        with self._lock:
            record = self._record(endpoint, method, path, query, headers, body)
            fault = self._take_fault(endpoint, record.number, record.seq)
            if fault is not None:
                record.fault = fault.kind.value

        if fault is not None and fault.delay > 0 and self._stopping.wait(fault.delay):
            handler.close_connection = True
            return

        if fault is not None and fault.kind is FaultKind.HANG:
            self._stopping.wait()
            handler.close_connection = True
            return
        if fault is not None and fault.kind is FaultKind.RESET:
            # SO_LINGER with a zero timeout turns the close into an RST. Closing here (the fd
            # goes once the handler's files close) keeps shutdown_request from sending a FIN
            # first, which the client would see as a clean hang-up instead of a reset.
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.connection.close()
            handler.close_connection = True
            return
        if fault is not None and fault.kind is FaultKind.CLOSE:
            handler.close_connection = True
            return

        if fault is not None and fault.kind is FaultKind.RESPONSE:
            response = self._fault_response(fault)
        else:
            with self._lock:
                response = self._dispatch(endpoint, method, path, query, headers, body, record)
            if fault is not None:
                response = self._alter(fault, response)
        record.status = response.status
        self._write(handler, response, fault)

    def _fault_response(self, fault: Fault) -> _Response:
        if fault.raw_body is not None:
            return _Response(
                fault.status, raw=fault.raw_body, content_type=fault.content_type, headers=dict(fault.headers)
            )
        payload = dict(fault.payload) if isinstance(fault.payload, Mapping) else fault.payload
        if isinstance(payload, dict) and "statusCode" in payload:
            payload = {"reqId": _new_req_id(), **payload}  # a fresh reqId per answer
        return _Response(fault.status, payload=payload, content_type=fault.content_type, headers=dict(fault.headers))

    @staticmethod
    def _alter(fault: Fault, response: _Response) -> _Response:
        ok_json = 200 <= response.status < 300 and response.raw is None and isinstance(response.payload, dict)
        if fault.kind is FaultKind.TRUNCATED_JSON:
            body = response.body()
            return dataclasses.replace(response, raw=body[: len(body) // 2])
        if fault.kind is FaultKind.DROP_KEY and ok_json:
            payload = {k: v for k, v in response.payload.items() if k != fault.key}
            return dataclasses.replace(response, payload=payload)
        if fault.kind is FaultKind.SECRET_MISSING_FIELD and ok_json:
            payload = json.loads(json.dumps(response.payload))  # deep copy
            if isinstance(payload.get("secret"), dict):
                payload["secret"].pop(fault.key, None)
            if isinstance(payload.get("secrets"), list):
                if not payload["secrets"]:
                    payload["secrets"].append(_fabricated_secret())
                for secret in payload["secrets"]:
                    secret.pop(fault.key, None)
            return dataclasses.replace(response, payload=payload)
        if fault.kind is FaultKind.TRANSFORM and ok_json and fault.transform_fn is not None:
            return dataclasses.replace(response, payload=fault.transform_fn(response.payload))
        return response

    def _write(self, handler: _Handler, response: _Response, fault: Fault | None) -> None:
        body = response.body()
        kind = fault.kind if fault is not None else None
        handler.send_response(response.status)
        handler.send_header("Content-Type", response.content_type)
        for name, value in response.headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        if kind is FaultKind.SHORT_BODY:
            handler.send_header("Connection", "close")
        handler.end_headers()
        if kind is FaultKind.SLOW_BODY and fault is not None:
            cut = len(body) // 2
            handler.wfile.write(body[:cut])
            handler.wfile.flush()
            if self._stopping.wait(fault.body_delay):
                handler.close_connection = True
                return
            handler.wfile.write(body[cut:])
        elif kind is FaultKind.SHORT_BODY:
            handler.wfile.write(body[: len(body) // 2])
            handler.close_connection = True
        else:
            handler.wfile.write(body)
        handler.wfile.flush()

    # -- routing ------------------------------------------------------------------------------

    def _dispatch(
        self,
        endpoint: str,
        method: str,
        path: str,
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
        record: RequestRecord,
    ) -> _Response:
        rate_headers: dict[str, str] = {}
        try:
            if endpoint == "unknown":
                # Fastify's own not-found answer (no reqId: the error handler is not involved).
                return _Response(
                    404,
                    payload={
                        "message": f"Route {method}:{path} not found",
                        "error": "Not Found",
                        "statusCode": 404,
                    },
                )
            rate_headers = self._check_rate_limits(endpoint)
            row: _TokenRow | None = None
            if endpoint in ("secrets", "secret") or self.check_auth_header_on_all_routes:
                row = self._authenticate(headers)
            if row is not None:
                record.identity = row.identity.client_id
            if endpoint == "status":
                payload = self._status()
            elif endpoint == "login":
                payload = self._login(body)
            elif endpoint == "renew":
                payload = self._renew(body)
            elif endpoint == "revoke":
                payload = self._revoke(body)
            elif endpoint == "secrets":
                payload = self._list_secrets(path, query, self._require_identity(row))
            else:
                payload = self._get_secret(path, query, self._require_identity(row))
            return _Response(200, payload=payload, headers=rate_headers)
        except _ApiError as exc:
            merged = {**rate_headers, **exc.headers}
            return _Response(
                exc.status, payload=_envelope(exc.status, exc.error, exc.message, exc.details), headers=merged
            )
        except Exception as exc:  # a bug in the fake: answer like the server would, keep it for tests
            self.internal_errors.append(exc)
            return _Response(500, payload=_envelope(500, "InternalServerError", "Something went wrong"))

    @staticmethod
    def _require_identity(row: _TokenRow | None) -> IdentityRecord:
        if row is None:
            raise _ApiError(401, "UnauthorizedError", MSG_TOKEN_MISSING)
        return row.identity

    def _status(self) -> JSONDict:
        return {
            "date": _iso(self.now()),
            "message": "Ok",
            "emailConfigured": False,
            "inviteOnlySignup": False,
            "redisConfigured": True,
            "secretScanningConfigured": False,
            "samlDefaultOrgSlug": None,
        }

    # -- auth routes ----------------------------------------------------------------------------

    @staticmethod
    def _json_body(body: bytes, fields: Sequence[str]) -> JSONDict:
        """Parse a JSON object body and check `fields` are strings, with zod-shaped 422s."""
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                # Fastify's content-type parser error; exact envelope not verified.
                raise _ApiError(
                    400, "BadRequest", "Body is not valid JSON but content-type is set to 'application/json'"
                ) from None
        else:
            data = None
        if not isinstance(data, dict):
            received = "undefined" if data is None else _zod_type(data)
            raise _ApiError(
                422,
                "ValidationFailure",
                [
                    {
                        "code": "invalid_type",
                        "expected": "object",
                        "received": received,
                        "path": [],
                        "message": "Required" if data is None else f"Expected object, received {received}",
                    }
                ],
            )
        issues = [
            issue for name in fields if (issue := _zod_required_string(name, data.get(name), name in data)) is not None
        ]
        if issues:
            raise _ApiError(422, "ValidationFailure", issues)
        return data

    def _login(self, body: bytes) -> JSONDict:
        data = self._json_body(body, ("clientId", "clientSecret"))
        client_id = data["clientId"].strip()
        client_secret = data["clientSecret"].strip()
        identity = self.identities.get(client_id)
        if identity is None:
            if self.unknown_client_id_404:
                raise _ApiError(404, "NotFound", MSG_NO_IDENTITY)
            raise _ApiError(401, "UnauthorizedError", MSG_INVALID_CREDENTIALS)
        now = self.now()
        policy = identity.lockout
        if policy is not None and now < identity.locked_until:
            raise _ApiError(401, "UnauthorizedError", MSG_LOCKED)
        if not hmac.compare_digest(client_secret.encode(), identity.client_secret.encode()):
            if policy is not None:
                identity.failures = [t for t in identity.failures if now - t < policy.window] + [now]
                if len(identity.failures) >= policy.threshold:
                    identity.locked_until = now + policy.duration
                    identity.failures = []
            raise _ApiError(401, "UnauthorizedError", MSG_INVALID_CREDENTIALS)
        identity.failures = []
        if identity.client_secret_expired:
            raise _ApiError(401, "UnauthorizedError", "Access denied due to expired client secret")
        if identity.client_secret_uses_limit and identity.client_secret_uses >= identity.client_secret_uses_limit:
            raise _ApiError(401, "UnauthorizedError", "Access denied due to client secret usage limit reached")
        identity.client_secret_uses += 1
        row = _TokenRow(
            id=str(uuid.uuid4()),
            identity=identity,
            created_at=now,
            ttl=identity.token_ttl,
            max_ttl=identity.max_ttl,
        )
        self._rows[row.id] = row
        token, _ = self._issue_jwt(row)
        return {
            "accessToken": token,
            "expiresIn": identity.token_ttl,
            "accessTokenMaxTTL": identity.max_ttl,
            "tokenType": "Bearer",
        }

    def _renew(self, body: bytes) -> JSONDict:
        data = self._json_body(body, ("accessToken",))
        row = self._verify_jwt(data["accessToken"].strip())
        if row is None:
            raise _ApiError(401, "UnauthorizedError", MSG_TOKEN_REVOKED)
        now = self.now()
        if row.max_ttl > 0 and row.ttl > 0 and now + row.ttl > row.created_at + row.max_ttl:
            row.revoked = True
            raise _ApiError(401, "UnauthorizedError", "Failed to renew MI access token past its Max TTL expiration")
        token, _ = self._issue_jwt(row)
        return {
            "accessToken": token,
            "expiresIn": row.ttl,
            "accessTokenMaxTTL": row.max_ttl,
            "tokenType": "Bearer",
        }

    def _revoke(self, body: bytes) -> JSONDict:
        data = self._json_body(body, ("accessToken",))
        row = self._verify_jwt(data["accessToken"].strip())
        if row is not None:
            row.revoked = True
        return {"message": "Successfully revoked access token"}

    # -- secret routes --------------------------------------------------------------------------

    @staticmethod
    def _query_values(query: Mapping[str, list[str]], names: Iterable[str]) -> dict[str, str | None]:
        """One string per parameter; a repeated one is an array to zod, hence a 422."""
        issues = []
        out: dict[str, str | None] = {}
        for name in names:
            values = query.get(name)
            if values is None:
                out[name] = None
            elif len(values) > 1:
                issues.append(
                    {
                        "code": "invalid_type",
                        "expected": "string",
                        "received": "array",
                        "path": [name],
                        "message": "Expected string, received array",
                    }
                )
            else:
                out[name] = values[0]
        if issues:
            raise _ApiError(422, "ValidationFailure", issues)
        return out

    @staticmethod
    def _booleans(values: Mapping[str, str | None], defaults: Mapping[str, bool]) -> dict[str, bool]:
        """z.enum(["true", "false"]).default(...): any other string is a 422."""
        issues = []
        out: dict[str, bool] = {}
        for name, default in defaults.items():
            raw = values.get(name)
            if raw is None:
                out[name] = default
            elif raw in ("true", "false"):
                out[name] = raw == "true"
            else:
                issues.append(
                    {
                        "received": raw,
                        "code": "invalid_enum_value",
                        "options": ["true", "false"],
                        "path": [name],
                        "message": f"Invalid enum value. Expected 'true' | 'false', received '{raw}'",
                    }
                )
        if issues:
            raise _ApiError(422, "ValidationFailure", issues)
        return out

    def _resolve_project(self, identity: IdentityRecord, project_id: str | None, slug: str | None) -> str | None:
        if project_id:
            return project_id
        if slug is None:
            return None
        project = next((p for p in self.projects.values() if p.slug == slug), None)
        if project is None:
            raise _ApiError(404, "NotFound", f"No project found with slug {slug}")
        return project.id

    def _member_project(self, identity: IdentityRecord, project_id: str) -> ProjectRecord:
        project = self.projects.get(project_id)
        # An unknown project and a project the identity is not in look the same from outside.
        if project is None or project_id not in identity.projects:
            raise _ApiError(403, _not_member_error(project_id), MSG_FORBIDDEN_DEFAULT)
        return project

    def _list_secrets(self, path: str, query: Mapping[str, list[str]], identity: IdentityRecord) -> JSONDict:
        v4 = path.rstrip("/") == "/api/v4/secrets"
        names = ["environment", "secretPath", "tagSlugs", "include_imports"]
        names += ["projectId", "includeImports"] if v4 else ["workspaceId", "workspaceSlug"]
        names += ["viewSecretValue", "expandSecretReferences", "recursive"]
        values = self._query_values(query, names)
        defaults = {
            "viewSecretValue": True,
            "expandSecretReferences": False,
            "recursive": False,
            "include_imports": False,
        }
        if v4:
            defaults["includeImports"] = False
        flags = self._booleans(values, defaults)
        include_imports = flags["include_imports"]
        if v4 and values.get("include_imports") is None and values.get("includeImports") is not None:
            include_imports = flags["includeImports"]

        environment = (values.get("environment") or "").strip()
        secret_path = normalize_path(values.get("secretPath") or "/")
        if v4:
            project_id = (values.get("projectId") or "").strip() or None
        else:
            workspace_id = (values.get("workspaceId") or "").strip() or None
            slug = values.get("workspaceSlug")
            if workspace_id is None and slug is None:
                raise _ApiError(400, "BadRequest", "You must provide projectSlug or workspaceId")
            project_id = self._resolve_project(identity, workspace_id, slug.strip() if slug else None)
        if not project_id or not environment:
            raise _ApiError(400, "BadRequest", "Missing project id or environment")
        project = self._member_project(identity, project_id)

        tag_filter = [t.strip() for t in (values.get("tagSlugs") or "").split(",") if t.strip()]
        return self._secrets_payload(
            project,
            identity,
            environment,
            secret_path,
            view=flags["viewSecretValue"],
            expand=flags["expandSecretReferences"],
            recursive=flags["recursive"],
            include_imports=include_imports,
            tags=tag_filter,
        )

    def _secrets_payload(
        self,
        project: ProjectRecord,
        identity: IdentityRecord,
        environment: str,
        path: str,
        *,
        view: bool,
        expand: bool,
        recursive: bool,
        include_imports: bool,
        tags: Sequence[str],
    ) -> JSONDict:
        if recursive:
            prefix = "/" if path == "/" else path + "/"
            folders = [
                f
                for (env, p), f in project.folders.items()
                if env == environment and (p == path or p.startswith(prefix))
            ]
            # The folder itself first, then its subfolders in path order.
            folders.sort(key=lambda f: (f.path != path, f.path))
        else:
            folder = project.folder(environment, path)
            folders = [folder] if folder is not None else []
        if not folders:
            if self.legacy_empty_folders:
                return {"secrets": [], "imports": []}
            raise _ApiError(404, "SecretPathNotFound", _path_not_found_message(environment, path))

        secrets: list[JSONDict] = []
        for folder in folders:
            # Secrets the identity may not see are dropped silently, not refused.
            if not identity.can_read(environment, folder.path):
                continue
            for secret in folder.secrets.values():
                if tags and not set(tags) & set(secret.tags):
                    continue
                secrets.append(self._shape_secret(project, environment, folder.path, secret, hidden=not view))

        if expand and view:
            errors: list[str] = []
            for entry in secrets:
                try:
                    entry["secretValue"] = self._expand(
                        project,
                        identity,
                        entry["secretValue"],
                        environment,
                        entry["secretPath"],
                        entry["secretKey"],
                        entry["skipMultilineEncoding"],
                    )
                except _ReferenceDenied as denied:
                    errors.append(str(denied))
            if errors:
                raise _ApiError(403, "ForbiddenError", MSG_EXPAND_FAILED, details=errors)

        imports: list[JSONDict] = []
        if include_imports:
            imports = self._imports_payload(project, identity, folders, view=view, expand=expand)
        return {"secrets": secrets, "imports": imports}

    def _shape_secret(
        self, project: ProjectRecord, environment: str, path: str, secret: SecretRecord, *, hidden: bool
    ) -> JSONDict:
        # Field set of the route's response schema (secretRawSchema + extensions).
        return {
            "id": secret.id,
            "_id": secret.id,
            "workspace": project.id,
            "environment": environment,
            "version": secret.version,
            "type": "shared",
            "secretKey": secret.key,
            "secretValue": HIDDEN_VALUE_MASK if hidden else secret.value,
            "secretComment": secret.comment,
            "secretReminderNote": None,
            "secretReminderRepeatDays": None,
            "skipMultilineEncoding": secret.skip_multiline_encoding,
            "createdAt": secret.created_at,
            "updatedAt": secret.updated_at,
            "isRotatedSecret": False,
            "rotationId": None,
            "secretPath": path,
            "secretValueHidden": hidden,
            "secretMetadata": [],
            "tags": [
                {"id": _stable_id("tag", project.id, t), "slug": t, "name": t, "color": None} for t in secret.tags
            ],
        }

    @staticmethod
    def _shape_imported_secret(environment: str, secret: SecretRecord, *, hidden: bool) -> JSONDict:
        # Imported secrets: workspace "", always shared, no dates, no secretPath, no tags.
        return {
            "id": secret.id,
            "_id": secret.id,
            "workspace": "",
            "environment": environment,
            "version": secret.version,
            "type": "shared",
            "secretKey": secret.key,
            "secretValue": HIDDEN_VALUE_MASK if hidden else secret.value,
            "secretComment": secret.comment,
            "secretReminderNote": None,
            "secretReminderRepeatDays": None,
            "skipMultilineEncoding": secret.skip_multiline_encoding,
            "isRotatedSecret": False,
            "rotationId": None,
            "secretValueHidden": hidden,
            "secretMetadata": [],
        }

    def _imports_payload(
        self,
        project: ProjectRecord,
        identity: IdentityRecord,
        folders: Sequence[FolderRecord],
        *,
        view: bool,
        expand: bool,
    ) -> list[JSONDict]:
        """One entry per direct import, in order; nested imports appended, keys de-duplicated.

        Mirrors fnSecretsV2FromImports: a (env, path) pair is visited once per request;
        replication imports are skipped; when none of a batch's imported folders exist the
        batch yields nothing, otherwise a missing one yields an entry with no secrets.
        """
        visited: set[tuple[str, str]] = set()
        batch = self._import_batch([imp for f in folders for imp in f.imports], visited)
        targets = [project.folder(imp.environment, imp.path) for imp in batch]
        if not any(targets):
            return []
        visited.update((imp.environment, imp.path) for imp in batch)

        entries: list[JSONDict] = []
        for imp, target in zip(batch, targets, strict=True):
            collected: list[JSONDict] = []
            if target is not None:
                collected = self._readable_imported(identity, imp, target, view=view)
                collected += self._nested_imports(project, identity, target.imports, 1, visited, view=view)
            seen: set[str] = set()
            unique = []
            for entry in collected:  # first occurrence of a key wins
                if entry["secretKey"] not in seen:
                    seen.add(entry["secretKey"])
                    unique.append(entry)
            if view and (expand or self.expand_imports_always):
                for entry in unique:
                    # Imported values expand in the context of the top-level import; a
                    # forbidden reference leaves the value as it was (errors are swallowed).
                    with contextlib.suppress(_ReferenceDenied):
                        entry["secretValue"] = self._expand(
                            project,
                            identity,
                            entry["secretValue"],
                            imp.environment,
                            imp.path,
                            entry["secretKey"],
                            entry["skipMultilineEncoding"],
                        )
            item: JSONDict = {"secretPath": imp.path, "environment": imp.environment}
            if target is not None:
                item["folderId"] = target.id
            item["secrets"] = unique
            entries.append(item)
        return entries

    @staticmethod
    def _import_batch(imports: Iterable[ImportRecord], visited: set[tuple[str, str]]) -> list[ImportRecord]:
        batch: list[ImportRecord] = []
        seen: set[tuple[str, str]] = set()
        for imp in imports:
            key = (imp.environment, imp.path)
            if imp.replication or key in visited or key in seen:
                continue
            seen.add(key)
            batch.append(imp)
        return batch

    def _readable_imported(
        self, identity: IdentityRecord, imp: ImportRecord, folder: FolderRecord, *, view: bool
    ) -> list[JSONDict]:
        if not identity.can_read(imp.environment, imp.path):
            return []
        return [self._shape_imported_secret(imp.environment, s, hidden=not view) for s in folder.secrets.values()]

    def _nested_imports(
        self,
        project: ProjectRecord,
        identity: IdentityRecord,
        imports: Sequence[ImportRecord],
        depth: int,
        visited: set[tuple[str, str]],
        *,
        view: bool,
    ) -> list[JSONDict]:
        if depth > IMPORT_LEVEL_BREAK:
            return []
        batch = self._import_batch(imports, visited)
        targets = [project.folder(imp.environment, imp.path) for imp in batch]
        if not any(targets):
            return []
        visited.update((imp.environment, imp.path) for imp in batch)
        out: list[JSONDict] = []
        for imp, target in zip(batch, targets, strict=True):
            if target is None:
                continue
            out += self._readable_imported(identity, imp, target, view=view)
            out += self._nested_imports(project, identity, target.imports, depth + 1, visited, view=view)
        return out

    # -- secret references ------------------------------------------------------------------

    def _expand(
        self,
        project: ProjectRecord,
        identity: IdentityRecord,
        value: str,
        environment: str,
        path: str,
        key: str,
        skip_multiline_encoding: bool,
    ) -> str:
        """expandSecretReferences: ${KEY}, ${env.KEY}, ${env.a.b.KEY}; see secret-reference-fns."""
        if not value or not _REFERENCE_RE.search(value):
            return value
        if not identity.can_read(environment, path):
            raise _ReferenceDenied(
                f"You do not have permission to read secret '{key}' in environment '{environment}' at path '{path}'."
            )
        origin = (environment, path, key)
        expanded = self._substitute(project, identity, value, environment, path, 0, frozenset({origin}), origin)
        # A substitution can form a new reference (${dev.${dev.VENDOR}.KEY}); the server
        # re-scans the result for references that were not there before, up to 10 passes.
        before = {m.group(0) for m in _REFERENCE_RE.finditer(value)}
        for _ in range(MAX_REFERENCE_DEPTH):
            after = {m.group(0) for m in _REFERENCE_RE.finditer(expanded)}
            if not after - before:
                break
            before = after
            expanded = self._substitute(project, identity, expanded, environment, path, 0, frozenset({origin}), origin)
        if skip_multiline_encoding and "\n" in expanded:
            expanded = '"' + expanded.replace("\n", "\\n") + '"'
        return expanded

    def _substitute(
        self,
        project: ProjectRecord,
        identity: IdentityRecord,
        value: str,
        environment: str,
        path: str,
        depth: int,
        visited: frozenset[tuple[str, str, str]],
        origin: tuple[str, str, str],
    ) -> str:
        if depth > MAX_REFERENCE_DEPTH:
            return value

        def replace(match: re.Match[str]) -> str:
            parts = match.group(1).split(".")
            if parts[0].startswith("@"):
                return match.group(0)  # cross-project reference: not granted here, left as is
            if len(parts) == 1:
                t_env, t_path, t_key = environment, path, parts[0]
            else:
                t_env = parts[0]
                t_path = "/" + "/".join(p for p in parts[1:-1] if p)
                t_key = parts[-1]
            if not identity.can_read(t_env, t_path):
                raise _ReferenceDenied(
                    f"You do not have permission to read secret '{t_key}' in environment '{t_env}' at path "
                    f"'{t_path}', which is referenced by secret '{origin[2]}' in environment '{origin[0]}' "
                    f"at path '{origin[1]}'."
                )
            target = project.lookup(t_env, t_path, t_key)
            if target is None:
                return match.group(0)  # unresolvable: stays verbatim
            target_id = (t_env, t_path, t_key)
            if target_id in visited or not _REFERENCE_RE.search(target.value):
                return target.value  # a cycle stops here, quietly
            return self._substitute(
                project, identity, target.value, t_env, t_path, depth + 1, visited | {target_id}, origin
            )

        return _REFERENCE_RE.sub(replace, value)

    # -- single secret ------------------------------------------------------------------------

    def _get_secret(self, path: str, query: Mapping[str, list[str]], identity: IdentityRecord) -> JSONDict:
        v4 = path.startswith("/api/v4/")
        name = path.rstrip("/").rsplit("/", 1)[-1].strip()
        names = ["environment", "secretPath", "version", "type", "include_imports"]
        names += ["projectId"] if v4 else ["workspaceId", "workspaceSlug"]
        names += ["viewSecretValue", "expandSecretReferences"]
        values = self._query_values(query, names)
        flags = self._booleans(
            values, {"viewSecretValue": True, "expandSecretReferences": False, "include_imports": False}
        )
        if v4 and values.get("projectId") is None:
            raise _ApiError(422, "ValidationFailure", [_zod_required_string("projectId", None, present=False)])
        environment = (values.get("environment") or "").strip()
        secret_path = normalize_path(values.get("secretPath") or "/")
        if not environment:
            raise _ApiError(400, "BadRequest", "Missing environment")
        if v4:
            project_id: str | None = (values.get("projectId") or "").strip()
        else:
            slug = values.get("workspaceSlug")
            project_id = self._resolve_project(
                identity, (values.get("workspaceId") or "").strip() or None, slug.strip() if slug else None
            )
        if not project_id:
            raise _ApiError(400, "BadRequest", "You must provide projectSlug or workspaceId")
        project = self._member_project(identity, project_id)
        folder = project.folder(environment, secret_path)
        if folder is None:
            raise _ApiError(
                404,
                "GetSecretByName",
                f"Folder with path '{secret_path}' in environment with slug '{environment}' not found",
            )
        view = flags["viewSecretValue"]
        secret = folder.secrets.get(name)
        shaped: JSONDict | None = None
        if secret is not None and identity.can_read(environment, secret_path):
            shaped = self._shape_secret(project, environment, secret_path, secret, hidden=not view)
            if flags["expandSecretReferences"] and view:
                try:
                    shaped["secretValue"] = self._expand(
                        project,
                        identity,
                        secret.value,
                        environment,
                        secret_path,
                        name,
                        secret.skip_multiline_encoding,
                    )
                except _ReferenceDenied as denied:
                    raise _ApiError(403, "ForbiddenError", str(denied)) from None
        elif secret is None and flags["include_imports"]:
            for entry in self._imports_payload(project, identity, [folder], view=view, expand=True):
                found = next((s for s in entry["secrets"] if s["secretKey"] == name), None)
                if found is not None:
                    shaped = {**found, "secretPath": entry["secretPath"], "workspace": project.id}
                    shaped.setdefault("createdAt", DEFAULT_TIMESTAMP)
                    shaped.setdefault("updatedAt", DEFAULT_TIMESTAMP)
                    break
        if shaped is None:
            raise _ApiError(404, "NotFound", f"Secret with name '{name}' not found")
        return {"secret": shaped}


def _fabricated_secret() -> JSONDict:
    """A well-formed secret, so SECRET_MISSING_FIELD has something to damage in an empty list."""
    return {
        "id": "00000000-0000-4000-8000-000000000000",
        "_id": "00000000-0000-4000-8000-000000000000",
        "workspace": "",
        "environment": "dev",
        "version": 1,
        "type": "shared",
        "secretKey": "FABRICATED",
        "secretValue": "fabricated",
        "secretComment": "",
        "createdAt": DEFAULT_TIMESTAMP,
        "updatedAt": DEFAULT_TIMESTAMP,
        "secretPath": "/",
        "secretValueHidden": False,
    }


# ---------------------------------------------------------------------------------------------
# Ready-made fixtures
# ---------------------------------------------------------------------------------------------

DEFAULT_PROJECT_ID = "5f2a9c10-7b1e-4c3d-9a8f-000000000001"
DEFAULT_PROJECT_SLUG = "crane-demo"
OTHER_PROJECT_ID = "5f2a9c10-7b1e-4c3d-9a8f-000000000002"
DEFAULT_CLIENT_ID = "4f1d2a9e-7c3b-4e0a-9b5d-1a2b3c4d5e6f"
DEFAULT_CLIENT_SECRET = "ua-secret-example-0001"
SCOPED_CLIENT_ID = "4f1d2a9e-7c3b-4e0a-9b5d-00000000dev0"
SCOPED_CLIENT_SECRET = "ua-secret-example-dev-only"
OUTSIDER_CLIENT_ID = "4f1d2a9e-7c3b-4e0a-9b5d-0000000out51"
OUTSIDER_CLIENT_SECRET = "ua-secret-example-outsider"


def sample_fixture() -> JSONDict:
    """The contract's worked example plus a few edge cases.

    Project DEFAULT_PROJECT_ID (envs dev, staging, prod), dev:
      /               ROOT_KEY, DB_HOST
      /shared         API_URL, SENTRY_DSN=dsn-shared, LOG_LEVEL=info
      /alpha/common   SENTRY_DSN=dsn-alpha, COMMON_ONLY
      /alpha/staging  own secrets with ${...} references; imports /shared then /alpha/common
      /alpha/crossenv CROSS=${prod.PROD_ONLY} (denied to the dev-only identity)
      /alpha/mixed    MIXED_OWN; imports dev:/shared then prod:/ (filtered for the dev-only one)
    prod: / PROD_ONLY.  staging: / only (empty).
    Identities: DEFAULT (all envs), SCOPED (dev only), OUTSIDER (member of OTHER_PROJECT_ID only).
    """
    return {
        "identities": [
            {
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "projects": [DEFAULT_PROJECT_ID],
            },
            {
                "client_id": SCOPED_CLIENT_ID,
                "client_secret": SCOPED_CLIENT_SECRET,
                "projects": [DEFAULT_PROJECT_ID],
                "environments": ["dev"],
            },
            {
                "client_id": OUTSIDER_CLIENT_ID,
                "client_secret": OUTSIDER_CLIENT_SECRET,
                "projects": [OTHER_PROJECT_ID],
            },
        ],
        "projects": [
            {
                "id": DEFAULT_PROJECT_ID,
                "slug": DEFAULT_PROJECT_SLUG,
                "environments": ["dev", "staging", "prod"],
                "secrets": {
                    "dev": {
                        "/": {"ROOT_KEY": "root-dev", "DB_HOST": "db.dev.internal"},
                        "/shared": {
                            "API_URL": "https://api.example",
                            "SENTRY_DSN": "dsn-shared",
                            "LOG_LEVEL": "info",
                        },
                        "/alpha/common": {"SENTRY_DSN": "dsn-alpha", "COMMON_ONLY": "common"},
                        "/alpha/staging": {
                            "API_URL": "https://staging.api.example",
                            "CRANE_CONTEXT_KEY": {"value": "ctx-staging-example-0001", "comment": "context"},
                            "LOCAL_REF": "${API_URL}/v1",
                            "ROOT_REF": "${dev.ROOT_KEY}",
                            "FOLDER_REF": "${dev.alpha.common.COMMON_ONLY}",
                            "BROKEN_REF": "postgres://${DB_HOST}/app",
                        },
                        "/alpha/crossenv": {"CROSS": "${prod.PROD_ONLY}"},
                        "/alpha/mixed": {"MIXED_OWN": "mixed"},
                    },
                    "prod": {"/": {"PROD_ONLY": "prod-value"}},
                },
                "imports": {
                    "dev": {
                        "/alpha/staging": [("dev", "/shared"), ("dev", "/alpha/common")],
                        "/alpha/mixed": [("dev", "/shared"), ("prod", "/")],
                    }
                },
            },
            {"id": OTHER_PROJECT_ID, "slug": "other", "environments": ["dev"]},
        ],
    }


def bulk_fixture(
    n: int = 1000,
    *,
    environment: str = "dev",
    path: str = "/bench",
    imports: int = 3,
    imported_secrets: int = 100,
    reference_every: int = 10,
) -> JSONDict:
    """A folder with `n` secrets, `imports` imported folders (one with a nested import) and a
    reference in every `reference_every`-th value (local, root of another env, and folder
    forms). Keys overlap between the folder and its imports so precedence matters. Same
    project and DEFAULT_CLIENT_ID/SECRET identity as sample_fixture()."""
    folder_name = path.strip("/").replace("/", ".")
    own: dict[str, Any] = {}
    for i in range(n):
        key = f"BENCH_{i:04d}"
        if reference_every and i % reference_every == reference_every - 1:
            kind = (i // reference_every) % 3
            if kind == 0:
                own[key] = f"${{BENCH_{i - 1:04d}}}-local"
            elif kind == 1:
                own[key] = "${prod.PROD_ROOT}-root"
            else:
                own[key] = f"${{{environment}.{folder_name}.BENCH_0000}}-folder"
        else:
            own[key] = f"value-{i:04d}"
    env_secrets: dict[str, dict[str, Any]] = {path: own}
    import_list: list[tuple[str, str]] = []
    for j in range(imports):
        import_path = f"/shared/bench-{j}"
        # Half the keys shadow the folder's own keys, half are shared by every import.
        env_secrets[import_path] = {
            (f"BENCH_{k:04d}" if k % 2 == 0 else f"IMPORTED_{k:04d}"): f"import-{j}-{k:04d}"
            for k in range(imported_secrets)
        }
        import_list.append((environment, import_path))
    nested_imports: dict[str, list[tuple[str, str]]] = {path: import_list}
    if imports:
        env_secrets["/shared/nested"] = {f"NESTED_{k:04d}": f"nested-{k:04d}" for k in range(10)}
        nested_imports["/shared/bench-0"] = [(environment, "/shared/nested")]
    environments = sorted({environment, "prod"})
    secrets_spec: dict[str, Any] = {environment: env_secrets}
    secrets_spec.setdefault("prod", {}).setdefault("/", {})["PROD_ROOT"] = "prod-root-value"
    return {
        "identities": [
            {
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "projects": [DEFAULT_PROJECT_ID],
            }
        ],
        "projects": [
            {
                "id": DEFAULT_PROJECT_ID,
                "slug": DEFAULT_PROJECT_SLUG,
                "environments": environments,
                "secrets": secrets_spec,
                "imports": {environment: nested_imports},
            }
        ],
    }
