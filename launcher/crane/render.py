"""Rendering a preflight report: plain text for people, JSON for tools (stable keys)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from crane.preflight import Report


def report_json(report: Report) -> dict[str, Any]:
    res = report.resolution
    return {
        "environment": res.effective_env,
        "environment_name": res.environment_name,
        "requested_environment": res.requested_env,
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
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail, "informational": c.informational}
                   for c in report.checks],
        "sandbox": dict(report.sandbox),
        "warnings": list(report.notes),
        "ok": report.ok,
    }


def report_json_text(report: Report) -> str:
    return json.dumps(report_json(report), indent=2)


def report_text(report: Report) -> str:
    res = report.resolution
    lines = [
        f"Environment: {res.environment_name}",
        f"API: {res.api_base}",
        f"Venture: {res.venture} ({res.venture_name}), chosen by {res.venture_from}",
        f"Profile: {res.profile.path}",
        f"Requested: {res.requested_env} (from {res.requested_from})  Effective: {res.effective_env}",
    ]
    if res.fallback:
        lines.append(f"Fallback: {res.fallback}")
    lines.append(f"Secrets source: {res.secrets.describe()}")
    if report.names is not None:
        lines.append(f"Secrets ({len(report.names)}): {', '.join(report.names) or '-'}")
    for name, url in sorted(res.urls.items()):
        if name != "api":
            lines.append(f"URL {name}: {url}")
    lines.extend(_sandbox_lines(report.sandbox))
    lines.append("Checks:")
    for c in report.checks:
        mark = "ok  " if c.ok else ("info" if c.informational else "FAIL")
        lines.append(f"  [{mark}] {c.name}: {c.detail}")
    lines.append("Result: ready" if report.ok else "Result: NOT ready (a check failed)")
    return "\n".join(lines)


def _sandbox_lines(sandbox: Mapping[str, Any]) -> list[str]:
    if not sandbox:
        return []
    if not sandbox.get("active"):
        return [f"Sandbox: OFF ({sandbox.get('mode')}): {sandbox.get('reason')}"]
    lines = [f"Sandbox: on, {sandbox.get('backend')} ({sandbox.get('mode')}, from {sandbox.get('source')})"]
    for key, title in (("hidden", "hidden"), ("usable", "usable (hide with [sandbox] hide)")):
        entries = sandbox.get(key) or []
        lines.append(f"  {title}:" + ("" if entries else " -"))
        lines.extend(f"    {e['path']}  ({e['what']})" for e in entries)
    if sandbox.get("absent"):
        lines.append("  not present here (hidden if it appears): "
                     + ", ".join(e["path"] for e in sandbox["absent"]))
    if sandbox.get("exposed"):
        lines.append(f"  exposed by the profile: {', '.join(sandbox['exposed'])}")
    lines.extend(f"  note: {n}" for n in sandbox.get("notes") or [])
    return lines
