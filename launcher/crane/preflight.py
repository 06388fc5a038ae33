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
from crane.launch import KNOWN_AGENTS, is_reserved
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


def run_preflight(req: Request, options: FetchOptions, agent: str | None = None,
                  environ: Mapping[str, str] | None = None) -> Report:
    environ = os.environ if environ is None else environ
    res = resolve(req)  # usage/config errors propagate: they are exit 2, not a failed check
    checks = [Check("profile", True, str(res.profile.path))]
    notes = list(res.warnings)
    env_detail = f"requested {res.requested_env} ({res.requested_from}), effective {res.effective_env}"
    if res.fallback:
        env_detail += f": {res.fallback}"
    checks.append(Check("environment", True, env_detail))

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
        detail = f"{len(names)} secrets from {res.secrets.describe()}"
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
        checks.append(_guard_self_check(environ, informational=agent != "claude"))
    checks.extend(_guard_checks(environ))
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
        return (Check("sandbox", False, decision.warning or "off", informational=True),
                describe(decision, None))
    layout = layout_for(decision, res.profile, environ, create=False)
    hidden = sum(1 for s in layout.plan.hidden if s.kind != "missing")
    detail = f"bubblewrap ({decision.mode}): {hidden} paths hidden, {len(layout.usable)} credentials usable"
    return Check("sandbox", True, detail), describe(decision, layout)


def _guard_self_check(environ: Mapping[str, str], *, informational: bool) -> Check:
    """What `crane launch claude` will verify before starting the agent."""
    from crane.guard.run.install import hook_command, self_check

    result = self_check(hook_command(), environ)
    if result.ok:
        return Check("guard", True, f"self-check passed: a production write from staging is denied "
                     f"({result.seconds:.2f} s)", informational)
    return Check("guard", False, "self-check FAILED: " + "; ".join(result.problems), informational)


def _guard_checks(environ: Mapping[str, str]) -> list[Check]:
    try:
        from crane.guard.run.alerts import read_alerts
        from crane.paths import user_state_dir
    except ImportError:  # the guard is optional for preflight's purposes
        return []
    import datetime as dt

    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)
    try:
        count = len(read_alerts(user_state_dir(), since=since))
    except (OSError, ValueError) as exc:
        return [Check("guard alerts (24h)", False, f"cannot read alerts: {exc}", informational=True)]
    detail = f"{count} hook failure alert(s) in the last 24 h" + (" (see: crane alerts)" if count else "")
    return [Check("guard alerts (24h)", count == 0, detail, informational=True)]
