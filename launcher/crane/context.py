"""What the agent is told about where it stands: the session context, as data and as text.

One source for the text the model gets at session start (Claude Code's SessionStart hook, the
other agents' instruction mechanisms) and the JSON of the MCP server's `crane_preflight` tool.
Built from the session's resolution and guard settings: secret NAMES at most, never a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from crane.envname import DEV, PROD

if TYPE_CHECKING:
    from crane.resolve import Resolution


def session_facts(res: Resolution, *, dry_run: bool, production_gate: str, sandbox: str,
                  secret_names: Sequence[str] = (), run_id: str | None = None) -> dict[str, Any]:
    """The session as the agent may know it (JSON-ready). `sandbox` is e.g. "bubblewrap" or "off"."""
    staging_guard = res.requested_env == DEV  # a fallback session keeps the staging session's guard
    if staging_guard:
        writes = "denied"
    else:
        writes = {"ask": "asked (a human confirms)", "deny": "denied", "off": "not gated"}.get(production_gate,
                                                                                             production_gate)
    return {
        "environment": res.effective_env,
        "environment_name": res.environment_name,
        "requested_environment": res.requested_env,
        "api_base": res.api_base,
        "urls": dict(res.urls),
        "venture": res.venture,
        "venture_name": res.venture_name,
        "fallback": res.fallback,
        "dry_run": dry_run,
        "production_writes": writes,
        "sandbox": sandbox,
        "secret_names": sorted(secret_names),
        "run_id": run_id,
    }


def facts_from_environ(res: Resolution, environ: Mapping[str, str], *, dry_run: bool | None = None
                       ) -> dict[str, Any]:
    """`session_facts` with what the session's environment says: the guard's gate (and dry run, unless
    given) from its profile, the sandbox, the injected secret names and the run id."""
    from crane.guard.rules.config import load_guard_config

    config = load_guard_config(environ)
    names = [n for n in environ.get("CRANE_INJECTED", "").split(",") if n]
    return session_facts(res, dry_run=config.dry_run if dry_run is None else dry_run,
                         production_gate=config.production_gate, sandbox=environ.get("CRANE_SANDBOX") or "none",
                         secret_names=names, run_id=environ.get("CRANE_RUN_ID"))


def context_text(res: Resolution, environ: Mapping[str, str], *, dry_run: bool) -> str:
    """The session-start text every agent gets (`session_text` of `facts_from_environ`)."""
    return session_text(facts_from_environ(res, environ, dry_run=dry_run))


def session_text(facts: Mapping[str, Any]) -> str:
    """The context text for the model (a few lines, plain words)."""
    lines = [f"crane session: Environment: {facts['environment_name']} | API base: {facts['api_base']} | "
             f"venture {facts['venture']}"]
    if facts.get("fallback"):
        lines.append(f"Fallback: staging was requested but is not available ({facts['fallback']}); this session "
                     "uses PRODUCTION secrets and URLs, and production writes stay denied as in a staging session.")
    if facts["environment"] == PROD and not facts.get("fallback"):
        lines.append("This is a PRODUCTION session: changes you make to external systems are real.")
    lines.append(f"Production writes (deploys, remote database/storage writes, requests to production URLs) are "
                 f"{facts['production_writes']} by crane's guard.")
    if facts.get("dry_run"):
        lines.append("This is a DRY RUN: every write to an external system is intercepted and NOT executed "
                     "(local files are not). An intercepted write did not happen: do not build on it.")
    lines.append("A call denied or intercepted by crane was NOT done; do not record it as done and do not try to "
                 "work around the guard. Use get_api_base() from the `crane` module (or $CRANE_ENV) for URLs "
                 "instead of hard-coding them.")
    return "\n".join(lines)
