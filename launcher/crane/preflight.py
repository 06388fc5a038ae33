"""`crane preflight`: everything a launch would do, short of starting anything.

Produces a `Report` (data); `crane.render` turns it into text or JSON. Secret NAMES and their
count are reported, values never.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field

from crane.checks import Check
from crane.errors import CraneError
from crane.launch import FALLBACK_GUARD, KNOWN_AGENTS, is_reserved
from crane.resolve import Request, Resolution, resolve
from crane.secrets import FetchOptions, fetch_secrets


@dataclass(frozen=True)
class Report:
    resolution: Resolution
    names: tuple[str, ...] | None  # None when the fetch failed
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    facts: Mapping[str, object] = field(default_factory=dict)
    sandbox: Mapping[str, object] = field(default_factory=dict)  # crane.sandbox.session.describe

    @property
    def ok(self) -> bool:
        return all(c.ok or c.informational for c in self.checks)

    @property
    def status(self) -> str:
        """`not_ready`, `ready_with_fallback`, `ready_with_warnings` or `ready` (stable, for JSON)."""
        if not self.ok:
            return "not_ready"
        if self.resolution.fallback:
            return "ready_with_fallback"
        if any(c.warning for c in self.checks):
            return "ready_with_warnings"
        return "ready"

    @property
    def result(self) -> str:
        """The verdict in words; a fallback is a warning state, never a plain `ready`."""
        return {
            "not_ready": "NOT ready (a check failed)",
            "ready_with_fallback": "ready, with fallback: production secrets and API",
            "ready_with_warnings": "ready, with warnings (see above)",
            "ready": "ready",
        }[self.status]


def run_preflight(req: Request, options: FetchOptions, agent: str | None = None,
                  environ: Mapping[str, str] | None = None) -> Report:
    environ = os.environ if environ is None else environ
    res = resolve(req)  # usage/config errors propagate: they are exit 2, not a failed check
    from crane.guard.rules.config import parse_guard_table

    parse_guard_table(res.profile.guard, str(res.profile.path))  # a broken [guard] is a config error too
    checks = [Check("profile", True, f"valid ({res.profile.provider} secrets)")]
    notes = list(res.warnings)
    env_check = len(checks)
    checks.append(_environment_check(res))

    names: tuple[str, ...] | None = None
    facts: Mapping[str, object] = {}
    try:
        result = fetch_secrets(res, options)
    except CraneError as exc:
        # The fetch itself may refuse (fallback refused, unreachable, missing keys ...).
        detail = exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
        checks.append(Check("secrets", False, detail))
    else:
        res = result.resolution
        notes.extend(w for w in res.warnings if w not in notes)
        notes.extend(result.notes)
        checks.extend(result.checks)
        names = tuple(sorted(result.secrets))
        reserved = [n for n in names if is_reserved(n)]
        if res.fallback:  # fell back at fetch time (e.g. the staging folder is missing)
            checks[env_check] = _environment_check(res)
        detail = f"{len(names)} fetched"  # the source is printed once, above the checks
        if reserved:
            detail += f"; not injected (reserved): {', '.join(reserved)}"
        checks.append(Check("secrets", True, detail))
        facts = result.facts
    required = res.profile.required
    if required and names is not None:
        checks.append(Check("required keys", True, f"all {len(required)} present: {', '.join(required)}"))

    found = {}
    for name in KNOWN_AGENTS if agent is None else (agent,):
        path = shutil.which(name, path=environ.get("PATH", os.defpath))
        found[name] = path
        detail = path or f"not found (install: {KNOWN_AGENTS.get(name, 'check PATH')})"
        checks.append(Check(f"agent {name}", path is not None, detail, informational=agent is None))

    if found.get("claude"):
        session = {**environ, "CRANE_PROFILE": str(res.profile.path), "CRANE_VENTURE_CODE": res.venture}
        checks.append(_guard_self_check(session, informational=agent != "claude"))
    for name in ("codex", "gemini"):
        path = found.get(name)
        if path and agent == name:  # starts the client (about a second): only when asked for
            session = {**environ, "CRANE_PROFILE": str(res.profile.path), "CRANE_VENTURE_CODE": res.venture}
            checks.append(_agent_guard_check(name, path, session, informational=False))
    checks.extend(_guard_checks(environ))
    checks.extend(_directory_checks())
    checks.extend(deploy_default_checks(os.getcwd(), res.profile.guard))
    sandbox_check, sandbox = _sandbox(res, environ)
    checks.append(sandbox_check)
    return Report(res, names, tuple(checks), tuple(notes), facts, sandbox)


def _sandbox(res: Resolution, environ: Mapping[str, str]) -> tuple[Check, dict[str, object]]:
    """What `crane launch` would do about the sandbox, and what the agent would not see."""
    from crane.sandbox.session import decide, describe, layout_for

    try:
        decision = decide(None, res.profile.sandbox, environ, res.profile.path)
    except CraneError as exc:  # required, and not available here
        return Check("sandbox", False, exc.message), {"active": False, "mode": "required", "reason": exc.message}
    if not decision.use:
        # Loud, not failing (the launch goes ahead): a warning, so the verdict says so.
        return Check("sandbox", True, decision.warning or "off", warning=True), describe(decision, None)
    layout = layout_for(decision, res.profile, environ, create=False)
    sandbox = describe(decision, layout)
    detail = f"bubblewrap ({decision.mode}) hides {_kinds(sandbox['hidden'])}"
    detail += f"; leaves usable {_kinds(sandbox['usable'])}" if sandbox["usable"] else ""
    detail += f"; exposed by the profile: {', '.join(layout.exposed)}" if layout.exposed else ""
    detail += "".join(f"; NOTE: {note}" for note in layout.notes)
    return Check("sandbox", True, detail + " (paths: --json)", warning=bool(layout.notes)), sandbox


def _kinds(entries: object) -> str:
    """'crane's state, AWS credentials, ...': what is hidden or usable, each kind once."""
    assert isinstance(entries, list)
    return ", ".join(dict.fromkeys(str(e["what"]) for e in entries)) or "nothing"


def _environment_check(res: Resolution) -> Check:
    """The environment in words: as requested, a fallback (a warning), or a junk request."""
    effective = res.environment_name
    if res.fallback:
        return Check("environment", True, f"{effective}, although staging was requested: {res.fallback}; "
                     f"{FALLBACK_GUARD}", warning=True)
    if res.requested_raw is not None and res.requested_from == "CRANE_ENV" and not _known(res.requested_raw):
        return Check("environment", True, f"{effective}: CRANE_ENV {res.requested_raw!r} is not an environment "
                     "name", warning=True)
    return Check("environment", True, f"{effective}, as requested")


def _known(raw: str) -> bool:
    from crane.envname import normalize

    return normalize(raw).known


def _directory_checks() -> list[Check]:
    # The state dir holds what the guard needs (session settings, run state, audit): a launch
    # without it is refused, so it fails the preflight. The cache only speeds things up and keeps
    # offline copies: shown, never failing.
    from crane.dirs import directory, probe

    checks = []
    for kind, informational in (("state", False), ("cache", True)):
        problem = probe(kind)
        detail = directory(kind) if problem is None else f"{problem.message} (hint: {problem.hint})"
        checks.append(Check(f"{kind} dir", problem is None, detail, informational=informational))
    return checks


def _guard_self_check(environ: Mapping[str, str], *, informational: bool) -> Check:
    """What `crane launch claude` will verify before starting the agent (through a supervisor)."""
    from crane.monitor import supervised_self_check

    result = supervised_self_check(environ)
    if result.ok:
        return Check("guard", True, f"self-check passed: a production write from staging is denied "
                     f"({result.seconds:.2f} s)", informational)
    return Check("guard", False, "self-check FAILED: " + "; ".join(result.problems), informational)


def _agent_guard_check(name: str, binary: str, environ: Mapping[str, str], *, informational: bool) -> Check:
    """What `crane launch codex|gemini` will verify: the client version and the guard's install."""
    import importlib

    ok, detail = importlib.import_module(f"crane.agents.{name}").preflight(binary, environ)
    return Check(f"guard ({name})", ok, detail, informational)


ALERT_COUNT_CAP = 1000


def _guard_checks(environ: Mapping[str, str]) -> list[Check]:
    try:
        from crane.guard.run.alerts import count_alerts
        from crane.paths import user_state_dir
    except ImportError:  # the guard is optional for preflight's purposes
        return []
    import datetime as dt

    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)
    try:
        # Read from the end of the alert files, and at most ALERT_COUNT_CAP of them.
        count = count_alerts(user_state_dir(), since, cap=ALERT_COUNT_CAP)
    except (OSError, ValueError) as exc:
        return [Check("guard alerts (24h)", False, f"cannot read alerts: {exc}", informational=True)]
    shown = f"{count}+" if count >= ALERT_COUNT_CAP else str(count)
    detail = f"{shown} hook failure alert(s) in the last 24 h" + (" (see: crane alerts)" if count else "")
    return [Check("guard alerts (24h)", count == 0, detail, informational=True)]


def deploy_default_checks(cwd: str, guard: Mapping[str, object]) -> list[Check]:
    """Where a bare `wrangler deploy` goes, per wrangler config of the project (a warning, unless
    the profile's `[guard] require_safe_default = true` makes production-by-default a failure)."""
    from crane.deploy_audit import UNSAFE, audit_project

    envs = guard.get("production_envs")
    production_envs = tuple(envs) if isinstance(envs, list) else ("production",)
    required = guard.get("require_safe_default") is True
    checks = []
    for verdict in audit_project(cwd, production_envs):
        detail = f"{os.path.relpath(verdict.config, cwd)}: {verdict.detail}"
        if verdict.fix:
            detail += f"; fix: {verdict.fix}"
        safe = verdict.default != UNSAFE
        checks.append(Check("deploy default", safe, detail, informational=not required))
    return checks
