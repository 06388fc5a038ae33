"""The smoke run as data, shared by `crane smoke` and the MCP server's `crane_smoke` tool."""

from __future__ import annotations

from typing import Any

from crane.errors import UsageError
from crane.resolve import Request, resolve
from crane.smoke import DEFAULT_MAX_SECONDS, parse_checks, run_checks


def smoke_report(request: Request, *, max_seconds: float = DEFAULT_MAX_SECONDS) -> dict[str, Any]:
    res = resolve(request)
    checks = parse_checks(res.profile.smoke, str(res.profile.path))
    if not checks:
        raise UsageError(f"{res.profile.path}: no [[smoke]] checks defined",
                         'add one, e.g. [[smoke]] path = "/health" expect = \'status == "healthy"\'')
    results = run_checks(checks, res.urls, max_seconds=max_seconds)
    return {
        "environment": res.effective_env,
        "environment_name": res.environment_name,
        "venture": res.venture,
        "fallback": res.fallback,
        "warnings": list(res.warnings),
        "ok": all(r.ok for r in results),
        "checks": [{"name": r.name, "url": r.url, "ok": r.ok, "attempts": r.attempts,
                    "seconds": round(r.seconds, 3), "status": r.status, "error": r.error} for r in results],
    }
