"""Where a write lands: environment names, URLs and hosts, and mentions of production.

Standard library only.
"""

from __future__ import annotations

import re

from crane.guard.model import TARGET_RANK

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

    from crane.guard.model import Target
    from crane.guard.rules.config import GuardConfig

# Hosts a request to which stays on this machine (0.0.0.0 and :: connect to the local host).
LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback", "::1", "0.0.0.0", "::"})  # noqa: S104


def worst(targets: Iterable[Target]) -> Target:
    return max(targets, key=lambda t: TARGET_RANK[t], default="unknown")


def env_target(name: str, config: GuardConfig) -> Target:
    """A named wrangler-style environment: production if the profile says so, else staging."""
    wanted = name.strip().lower()
    return "production" if any(wanted == p.lower() for p in config.production_envs) else "staging"


def normal_text(text: str) -> str:
    """`text` as an HTTP client reads its host: percent-escapes decoded (curl decodes
    `api%2eexample%2ecom`), Unicode compatibility forms folded (curl's IDN support turns
    `ａｐｉ．example．com` into `api.example.com`), ideographic full stops as dots, lower case."""
    if "%" in text:
        from urllib.parse import unquote

        text = unquote(text)
    if not text.isascii():
        import unicodedata

        text = unicodedata.normalize("NFKC", text).replace("\u3002", ".").replace("\uff61", ".")
    return text.lower()


def host_of(text: str) -> str | None:
    """The host a URL-ish argument points at: `https://x/y`, `x.com/y`, `localhost:8787`, `:8787`."""
    candidate = normal_text(text).strip()
    if not candidate or candidate.startswith(("-", "@")):
        return None
    if candidate.startswith(":"):
        return "localhost"  # httpie's shorthand for localhost
    if "://" not in candidate:
        candidate = "http://" + candidate
    from urllib.parse import urlsplit  # only URL targets need it

    try:
        host = urlsplit(candidate).hostname
    except ValueError:
        return None
    return host or None


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower().rstrip(".")
    return (
        host in LOOPBACK_NAMES
        or host.endswith(".localhost")
        or re.fullmatch(r"127(\.\d{1,3}){3}", host) is not None
        or host.startswith("::ffff:127.")
    )


def _matches_url(text: str, urls: Iterable[str]) -> str | None:
    host = host_of(text)
    lowered = normal_text(text)
    for url in urls:
        url = url.strip()
        if not url:
            continue
        if url.lower() in lowered:
            return url
        url_host = host_of(url)
        if host is not None and url_host is not None and host.rstrip(".") == url_host.rstrip("."):
            return url
    return None


def url_target(texts: list[str | None], config: GuardConfig) -> tuple[Target, str]:
    """The target of a request to these URLs (None: computed at run time).

    All loopback: local. Any production URL of the profile: production; staging URLs: staging;
    anything else (or nothing to go by): unknown.
    """
    if not texts:
        return "unknown", "no URL found"
    targets: list[tuple[Target, str]] = []
    expanded = [w for text in texts for w in (expand_braces(text) if text is not None else [None])]
    expanded = [w for w in expanded if w is None or not w.isdigit()] or expanded  # `nc host 443`: a port
    for text in expanded:
        if text is None:
            targets.append(("unknown", "URL computed at run time"))
            continue
        prod = _matches_url(text, config.production_urls)
        if prod is not None:
            targets.append(("production", f"production URL {prod}"))
            continue
        staging = _matches_url(text, config.staging_urls)
        if staging is not None:
            targets.append(("staging", f"staging URL {staging}"))
            continue
        host = host_of(text)
        if host is not None and is_loopback(host):
            targets.append(("local", f"loopback host {host}"))
        else:
            targets.append(("unknown", f"host {host or text!r}"))
    return max(targets, key=lambda t: TARGET_RANK[t[0]])


def mentions_production(texts: Iterable[str], config: GuardConfig) -> str | None:
    """Why `texts` point at production, or None.

    A production environment name as a whole word (`--env production`, `-e=production`,
    `CLOUDFLARE_ENV=production`, `k8s/production/app.yaml`) or any of the profile's production
    URLs, or one of the profile's `production_resources` as a whole name. Deliberately broad: it
    only ever raises an unknown target to production.
    """
    texts = list(texts)
    names = [n for n in config.production_envs if n.strip()]
    pattern = None
    if names:
        alternatives = "|".join(re.escape(n) for n in names)
        pattern = re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)
    for text in texts:
        if pattern is not None:
            found = pattern.search(text)
            if found:
                return f"mentions {found.group(0)}"
        url = _matches_url(text, config.production_urls) if config.production_urls else None
        if url is not None:
            return f"mentions {url}"
        host = _mentions_host(text, config.production_urls) if config.production_urls else None
        if host is not None:
            return f"mentions production host {host}"
    if config.production_resources:
        from crane.guard.see.resources import profile_mention

        return profile_mention(texts, config)
    return None


def _mentions_host(text: str, urls: Iterable[str]) -> str | None:
    """A production URL's host named anywhere as a whole host name (`Host: api.example.com`,
    `TCP:api.example.com:443`, `--connect-to x:443:api.example.com:443`)."""
    lowered = normal_text(text)
    for url in urls:
        host = host_of(url.strip()) if url.strip() else None
        if not host:
            continue
        pattern = rf"(?<![a-z0-9.-]){re.escape(host.lower())}(?![a-z0-9-]|\.[a-z0-9])"
        if re.search(pattern, lowered):
            return host
    return None


MAX_BRACE_EXPANSIONS = 64


_SEQUENCE = re.compile(r"\{(-?\d+|[A-Za-z])\.\.(-?\d+|[A-Za-z])(?:\.\.(-?\d+))?\}")


def _sequence(match: re.Match[str]) -> list[str] | None:
    """The words of a bash sequence expression (`{d..f}`, `{1..3}`, `{a..k..2}`), bounded; None if
    it is not one bash expands."""
    first, last, step_text = match.group(1), match.group(2), match.group(3)
    step = abs(int(step_text)) if step_text else 1
    step = step or 1
    if first.lstrip("-").isdigit() and last.lstrip("-").isdigit():
        a, b = int(first), int(last)
        numbers = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [str(n) for n in list(numbers)[:MAX_BRACE_EXPANSIONS]]
    if first.isalpha() and last.isalpha():
        a, b = ord(first), ord(last)
        codes = range(a, b + 1, step) if a <= b else range(a, b - 1, -step)
        return [chr(c) for c in list(codes)[:MAX_BRACE_EXPANSIONS]]
    return None


def expand_braces(text: str) -> list[str]:
    """The words a brace expansion makes (`https://{api,www}.x.com` -> two, `{d..f}` -> three),
    bounded; unmatched braces are left as written."""
    if "{" not in text or ("," not in text and ".." not in text):
        return [text]
    results = [text]
    for _ in range(8):
        expanded: list[str] = []
        changed = False
        for word in results:
            found = re.search(r"\{([^{}]*,[^{}]*)\}", word)
            parts = found.group(1).split(",") if found is not None else None
            if found is None:
                found = _SEQUENCE.search(word)
                parts = _sequence(found) if found is not None else None
            if found is None or parts is None:
                expanded.append(word)
                continue
            changed = True
            for part in parts:
                expanded.append(word[: found.start()] + part + word[found.end() :])
        results = expanded[:MAX_BRACE_EXPANSIONS]
        if not changed:
            break
    return results
