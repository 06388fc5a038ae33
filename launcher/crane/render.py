"""Rendering a preflight report: plain text for people, JSON for tools (stable keys).

Colour only when asked (`colour=True`, which the CLI passes for a terminal without NO_COLOR).
"""

from __future__ import annotations

import json
import shutil
import textwrap
from typing import Any

from crane.envname import display_name, normalize
from crane.preflight import Report
from crane.resolve import Resolution
from crane.style import banner, paint

_MARK = {"ok  ": "32", "warn": "33", "info": "2", "FAIL": "1;31"}
_WIDTH_LIMIT = 100


def requested_text(res: Resolution) -> str:
    """What was asked for, as given, and where it came from (a junk CRANE_ENV is shown as typed)."""
    if res.requested_raw is None:
        return f"{display_name(res.requested_env)} (default)"
    # Both from the project's .crane.toml: its path is printed once, on the Venture line.
    origin = ".crane.toml" if res.requested_from == res.venture_from else res.requested_from
    if not normalize(res.requested_raw).known:
        return f"{res.requested_raw!r} (from {origin}): not an environment name, so production"
    return f"{display_name(res.requested_env)} (from {origin}: {res.requested_raw.strip()!r})"


def report_json(report: Report) -> dict[str, Any]:
    res = report.resolution
    return {
        "environment": res.effective_env,
        "environment_name": res.environment_name,
        "requested_environment": res.requested_env,
        "requested_value": res.requested_raw,
        "requested_from": res.requested_from,
        "api_base": res.api_base,
        "urls": dict(res.urls),
        "venture": res.venture,
        "venture_name": res.venture_name,
        "profile": str(res.profile.path),
        "fallback": res.fallback,
        "secrets": {
            "provider": res.secrets.provider,
            "environment": res.secrets.environment,
            "path": res.secrets.path,
            "host": res.secrets.host,
            "names": list(report.names) if report.names is not None else None,
            "count": len(report.names) if report.names is not None else None,
            "facts": dict(report.facts),
        },
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "informational": c.informational,
                    "warning": c.warning} for c in report.checks],
        "sandbox": dict(report.sandbox),
        "warnings": list(report.notes),
        "ok": report.ok,
        "status": report.status,
        "result": report.result,
    }


def report_json_text(report: Report) -> str:
    return json.dumps(report_json(report), indent=2)


def _wrap(label: str, items: list[str], width: int) -> list[str]:
    """`label: a, b, c` folded at `width`, continuation lines indented; a name is never split."""
    text = f"{label}: {', '.join(items) or '-'}"
    return textwrap.wrap(text, width=width, subsequent_indent="    ", break_long_words=False,
                         break_on_hyphens=False) or [text]


def report_text(report: Report, *, colour: bool = False, width: int | None = None) -> str:
    res = report.resolution
    if width is None:
        width = min(shutil.get_terminal_size((_WIDTH_LIMIT, 24)).columns, _WIDTH_LIMIT)
    environment = banner(res, colour)
    if res.fallback:
        environment += " (fallback: staging is not available)"
    lines = [
        f"Environment: {environment}",
        f"API: {res.api_base}",
        f"Requested: {requested_text(res)}",
        f"Venture: {res.venture} ({res.venture_name}), chosen by {res.venture_from}",
        f"Profile: {res.profile.path}",
    ]
    if res.fallback:
        lines.append(f"Fallback: {res.fallback}")
    lines.append(f"Secrets source: {res.secrets.describe()}")
    if report.names is not None:
        lines += _wrap(f"Secrets ({len(report.names)})", list(report.names), width)
    for name, url in sorted(res.urls.items()):
        if name != "api":
            lines.append(f"URL {name}: {url}")
    lines.append("Checks:")
    for c in report.checks:
        mark = ("warn" if c.warning else "ok  ") if c.ok else ("info" if c.informational else "FAIL")
        lines.append(f"  [{paint(mark, _MARK[mark], colour)}] {c.name}: {c.detail}")
    verdict = {"ready": "32", "not_ready": "1;31"}.get(report.status, "33")
    lines.append(f"Result: {paint(report.result, verdict, colour)}")
    return "\n".join(lines)
