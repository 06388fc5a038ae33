"""Smoke checks after a deploy: the profile's `[[smoke]]` entries against the resolved environment.

Each check is one GET of a named URL of the resolution (`api` by default) plus a path, retried
with a delay, because a fresh deploy needs a moment to reach every edge. A check passes when the
status is the expected one and, if `expect` is given, the JSON body satisfies every condition.
The whole run is bounded by `max_seconds`: an attempt never outlives it, and no retry starts
after it.

Standard library only (urllib): `crane smoke` should cost nothing to install, and the MCP
server calls it too. No secrets are fetched: smoke checks talk to public health endpoints, and a
check that needed a credential would put it in an URL or header this module would have to keep
out of its output.
"""

from __future__ import annotations

import contextlib
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crane.errors import ProfileError, UsageError

DEFAULT_URL = "api"
DEFAULT_PATH = "/"
DEFAULT_STATUS = 200
DEFAULT_TIMEOUT = 5.0
DEFAULT_RETRIES = 3
DEFAULT_DELAY = 2.0
DEFAULT_MAX_SECONDS = 120.0
MAX_BODY = 1 << 20  # a health answer is small; read no more than this
CHECK_KEYS = ("name", "url", "path", "status", "expect", "timeout", "retries", "delay")
_OPS = ("==", "!=", "<=", ">=", "<", ">")


@dataclass(frozen=True)
class Condition:
    """`<dotted key> <op> <JSON literal>`, e.g. `status == "healthy"` or `checks.db.latency_ms < 500`."""

    key: str
    op: str
    value: Any
    text: str

    def holds(self, body: Any) -> tuple[bool, str]:
        found = body
        for part in self.key.split("."):
            if isinstance(found, Mapping) and part in found:
                found = found[part]
            elif isinstance(found, list) and part.isdigit() and int(part) < len(found):
                found = found[int(part)]
            else:
                return False, f"{self.key} is missing from the body"
        try:
            ok = _compare(found, self.op, self.value)
        except TypeError:
            ok = False
        return ok, "" if ok else f"{self.key} is {json.dumps(found)[:80]}, expected {self.op} {json.dumps(self.value)}"


def _compare(left: Any, op: str, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if isinstance(left, bool) or isinstance(right, bool) or not all(isinstance(v, int | float) for v in (left, right)):
        raise TypeError("ordering needs numbers")
    ordered: dict[str, bool] = {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}
    return ordered[op]


@dataclass(frozen=True)
class SmokeCheck:
    name: str
    url: str  # the named URL of the resolution this check uses
    path: str
    status: tuple[int, ...]
    expect: tuple[Condition, ...]
    timeout: float
    retries: int
    delay: float


@dataclass(frozen=True)
class CheckResult:
    name: str
    url: str  # the full URL requested (profile data, never a secret)
    ok: bool
    attempts: int
    seconds: float
    status: int | None
    error: str | None  # why the last attempt failed


# ---------------------------------------------------------------------------------------------
# Reading the profile


def parse_checks(raw: Sequence[Mapping[str, Any]], profile_path: str) -> tuple[SmokeCheck, ...]:
    """Validate `[[smoke]]` tables; every complaint names the file and `smoke[i].field`."""
    from crane.profiles import did_you_mean

    checks = []
    for index, table in enumerate(raw):
        where = f"smoke[{index}]"

        def fail(field: str, problem: str, hint: str | None = None, where: str = where) -> ProfileError:
            return ProfileError(profile_path, f"{where}.{field}: {problem}", hint)

        for key in table:
            if key not in CHECK_KEYS:
                close = did_you_mean(key, CHECK_KEYS)
                raise fail(key, "unknown field", f"did you mean {close!r}?" if close else
                           f"allowed: {', '.join(CHECK_KEYS)}")
        url = _text(table, "url", DEFAULT_URL, fail)
        path = _text(table, "path", DEFAULT_PATH, fail)
        if not path.startswith("/"):
            raise fail("path", f"must start with '/', got {path!r}")
        status = table.get("status", DEFAULT_STATUS)
        statuses = tuple(status) if isinstance(status, list) else (status,)
        if not statuses or not all(isinstance(s, int) and not isinstance(s, bool) and 100 <= s <= 599
                                   for s in statuses):
            raise fail("status", "must be an HTTP status code (100-599) or a list of them")
        expect = table.get("expect", [])
        texts = [expect] if isinstance(expect, str) else expect
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise fail("expect", "must be a condition string or a list of them", 'e.g. status == "healthy"')
        conditions = tuple(parse_condition(t, _field_failure(fail, f"expect[{i}]" if len(texts) > 1 else "expect"))
                           for i, t in enumerate(texts))
        checks.append(SmokeCheck(
            name=_text(table, "name", f"{url} {path}", fail),
            url=url,
            path=path,
            status=tuple(statuses),
            expect=conditions,
            timeout=_number(table, "timeout", DEFAULT_TIMEOUT, fail, minimum=0.001),
            retries=int(_number(table, "retries", DEFAULT_RETRIES, fail, minimum=0, whole=True)),
            delay=_number(table, "delay", DEFAULT_DELAY, fail, minimum=0),
        ))
    return tuple(checks)


def _field_failure(fail: Callable[..., ProfileError], field: str) -> Callable[[str], ProfileError]:
    return lambda problem: fail(field, problem)


def parse_condition(text: str, fail: Callable[[str], ProfileError]) -> Condition:
    for op in _OPS:  # two-character operators first, so `<=` is not read as `<`
        key, sep, literal = text.partition(op)
        if sep:
            break
    else:
        raise fail(f"cannot read condition {text!r}: expected `<key> <op> <JSON value>` with op one of "
                   f"{' '.join(_OPS)}")
    key = key.strip()
    if not key or any(c.isspace() for c in key):
        raise fail(f"condition {text!r}: the left side must be a dotted key like status or checks.db")
    try:
        value = json.loads(literal.strip())
    except ValueError:
        raise fail(f"condition {text!r}: the right side must be a JSON value (strings in double quotes)") from None
    return Condition(key, op, value, text.strip())


def _text(table: Mapping[str, Any], key: str, default: str, fail: Callable[..., ProfileError]) -> str:
    value = table.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise fail(key, "must be a non-empty string")
    return value.strip()


def _number(table: Mapping[str, Any], key: str, default: float, fail: Callable[..., ProfileError], *,
            minimum: float, whole: bool = False) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < minimum or (
            whole and not isinstance(value, int)):
        raise fail(key, f"must be {'a whole number' if whole else 'a number'} >= {minimum:g}")
    return float(value)


# ---------------------------------------------------------------------------------------------
# Running


Clock = Callable[[], float]
Sleep = Callable[[float], None]


def run_checks(checks: Sequence[SmokeCheck], urls: Mapping[str, str], *, max_seconds: float = DEFAULT_MAX_SECONDS,
               clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> list[CheckResult]:
    """Run every check in order within `max_seconds` in total."""
    for check in checks:
        if check.url not in urls:
            raise UsageError(f"smoke check {check.name!r} uses URL {check.url!r}, which this environment does not "
                             f"define", f"defined here: {', '.join(sorted(urls))}")
    deadline = clock() + max_seconds
    return [_run_one(check, urls[check.url].rstrip("/") + check.path, deadline, clock, sleep) for check in checks]


def _run_one(check: SmokeCheck, url: str, deadline: float, clock: Clock, sleep: Sleep) -> CheckResult:
    start = clock()
    attempts = 0
    status: int | None = None
    error: str | None = "not attempted: the smoke run's time budget was used up"
    while attempts <= check.retries:
        remaining = deadline - clock()
        if remaining <= 0:
            break
        attempts += 1
        status, error = _attempt(check, url, min(check.timeout, remaining))
        if error is None:
            return CheckResult(check.name, url, True, attempts, clock() - start, status, None)
        if attempts <= check.retries:
            left = deadline - clock()
            if left <= check.delay:  # the next attempt would start after the budget
                break
            sleep(check.delay)
    return CheckResult(check.name, url, False, attempts, clock() - start, status, error)


def _attempt(check: SmokeCheck, url: str, timeout: float) -> tuple[int | None, str | None]:
    """One GET: (status, None) when the check passes, (status or None, why not) otherwise."""
    # Only the profile's own http(s) URLs reach here (profiles.py validates the scheme).
    headers = {"Accept": "application/json", "User-Agent": "crane-smoke"}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, body = response.status, response.read(MAX_BODY)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, b""
        with contextlib.suppress(OSError):
            body = exc.read(MAX_BODY)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        text = "timed out" if isinstance(reason, TimeoutError) or "timed out" in str(reason) else str(reason)
        return None, f"no answer: {text}"
    if status not in check.status:
        expected = " or ".join(str(s) for s in check.status)
        return status, f"status {status}, expected {expected}"
    if not check.expect:
        return status, None
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return status, "the body is not JSON"
    for condition in check.expect:
        ok, why = condition.holds(data)
        if not ok:
            return status, f"{condition.text}: {why}"
    return status, None
