"""The guard's settings: defaults, overridden by the profile's `[guard]` table and by the
environment the launcher gives the agent. Standard library only (the hook loads this).

Environment (set by `crane launch`, inherited by hooks): CRANE_PROFILE, CRANE_ENV, CRANE_ENV_REQUESTED,
CRANE_RUN_ID, CRANE_VENTURE_CODE, CRANE_DRY_RUN, CRANE_STATE_DIR, CRANE_STATE_URL, CRANE_GUARD_DEADLINE.

A session that asked for staging and fell back to production (CRANE_ENV_REQUESTED=dev,
CRANE_ENV=prod) keeps the staging session's guard: `env` is dev and `fallback` is set.
"""

from __future__ import annotations

import os

from crane._record import Record
from crane.envname import DEV, PROD, is_truthy, normalize
from crane.errors import ProfileError
from crane.paths import state_path

# The hook imports this on every tool call: no typing, dataclasses or pathlib at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Literal

    from crane.envname import Env
    from crane.profiles import StrPath

    Gate = Literal["ask", "deny", "off"]
    LocalWrites = Literal["allow", "ask", "deny"]
    Unseeable = Literal["allow", "ask", "deny"]

GUARD_KEYS = (
    "dry_run_scope", "production_gate", "production_envs", "sticky_ttl_seconds", "state_url",
    "alert_webhook", "rules", "local_writes", "mcp_write_patterns", "mcp_read_patterns", "deadline_seconds",
    "require_safe_default",
    "production_resources", "pages_production_branch",
    "unseeable",
)
UNSEEABLE_CHOICES = ("deny", "ask", "allow")
UNSEEABLE_KINDS = ("staging", "production")  # keys of the table form of `unseeable`

# MCP tool names (fnmatch patterns on the part after `mcp__<server>__`) that write by default.
DEFAULT_MCP_WRITE_PATTERNS = (
    "*create*", "*update*", "*delete*", "*put*", "*write*", "*insert*", "*upsert*", "*remove*",
    "*deploy*", "*publish*", "*push*", "*send*", "*post*", "*set*", "*execute*", "*exec*", "*run*",
    "*upload*", "*merge*", "*drop*", "*patch*", "*add*", "*migrate*", "*rollback*",
    # Query/SQL tools run whatever statement they are given (`d1_query` with DROP TABLE).
    "*query*", "*sql*",
)


class GuardConfig(Record):
    __slots__ = (
        "env", "venture", "profile_path", "run_id", "dry_run", "dry_run_scope", "production_gate",
        "production_envs", "sticky_ttl_seconds", "state_dir", "state_url", "alert_webhook", "extra_rules",
        "local_writes", "mcp_write_patterns", "mcp_read_patterns", "production_urls", "staging_urls",
        "deadline_seconds", "production_resources", "pages_production_branch", "unseeable_staging",
        "unseeable_production", "fallback",
    )
    env: Env  # the environment whose guard applies (dev for a staging session, also after a fallback)
    venture: str | None
    profile_path: str | None
    run_id: str | None
    dry_run: bool  # the whole run is a dry run (`crane launch --dry-run`)
    dry_run_scope: tuple[str, ...]  # rule names always intercepted
    production_gate: Gate
    production_envs: tuple[str, ...]
    sticky_ttl_seconds: int
    state_dir: str
    state_url: str | None  # redis://... for fleets; None means SQLite in state_dir
    alert_webhook: str | None
    extra_rules: tuple[Mapping[str, Any], ...]  # same shape as the shipped rules file
    local_writes: LocalWrites
    mcp_write_patterns: tuple[str, ...]
    mcp_read_patterns: tuple[str, ...]  # wins over write patterns
    production_urls: tuple[str, ...]  # the profile's production URLs (a production target)
    staging_urls: tuple[str, ...]
    deadline_seconds: float
    production_resources: tuple[str, ...]  # worker, database, bucket, namespace, stack... names that are production
    pages_production_branch: str  # a Pages deploy to this branch is a production deploy
    unseeable_staging: Unseeable  # an external write crane cannot see into, in a staging session
    unseeable_production: Unseeable  # ... in a production session
    fallback: bool  # staging was asked for, production credentials are in use

    def __init__(
        self,
        *,
        env: Env = PROD,
        venture: str | None = None,
        profile_path: StrPath | None = None,
        run_id: str | None = None,
        dry_run: bool = False,
        dry_run_scope: tuple[str, ...] = (),
        production_gate: Gate = "ask",
        production_envs: tuple[str, ...] = ("production",),
        sticky_ttl_seconds: int = 3600,
        state_dir: StrPath | None = None,
        state_url: str | None = None,
        alert_webhook: str | None = None,
        extra_rules: tuple[Mapping[str, Any], ...] = (),
        local_writes: LocalWrites = "allow",
        mcp_write_patterns: tuple[str, ...] = DEFAULT_MCP_WRITE_PATTERNS,
        mcp_read_patterns: tuple[str, ...] = (),
        production_urls: tuple[str, ...] = (),
        staging_urls: tuple[str, ...] = (),
        deadline_seconds: float = 3.0,
        production_resources: tuple[str, ...] = (),
        pages_production_branch: str = "main",
        unseeable_staging: Unseeable = "deny",
        unseeable_production: Unseeable = "ask",
        fallback: bool = False,
    ) -> None:
        self._set(
            env=env, venture=venture, profile_path=os.fspath(profile_path) if profile_path is not None else None,
            run_id=run_id, dry_run=dry_run, dry_run_scope=tuple(dry_run_scope), production_gate=production_gate,
            production_envs=tuple(production_envs), sticky_ttl_seconds=sticky_ttl_seconds,
            state_dir=os.fspath(state_dir) if state_dir is not None else state_path(), state_url=state_url,
            alert_webhook=alert_webhook, extra_rules=tuple(extra_rules), local_writes=local_writes,
            mcp_write_patterns=tuple(mcp_write_patterns), mcp_read_patterns=tuple(mcp_read_patterns),
            production_urls=tuple(production_urls), staging_urls=tuple(staging_urls),
            deadline_seconds=deadline_seconds, production_resources=tuple(production_resources),
            pages_production_branch=pages_production_branch, unseeable_staging=unseeable_staging,
            unseeable_production=unseeable_production, fallback=fallback,
        )

    @property
    def unseeable(self) -> Unseeable:
        """The policy for what cannot be seen, in this session."""
        return self.unseeable_staging if self.env == DEV else self.unseeable_production


def load_guard_config(environ: Mapping[str, str] | None = None, cwd: str | None = None) -> GuardConfig:
    """Build the guard's config for this hook process from its environment and the profile.

    A launched agent's hook gets CRANE_PROFILE from crane. A hand-started client (the hook put in
    place by `crane guard install`) has none: then the project's `.crane.toml` (looked for from
    CLAUDE_PROJECT_DIR, which does not follow `cd`, else the tool call's `cwd`) names the venture,
    so the profile's production URLs are known and the decisions match a launched session's.
    """
    environ = os.environ if environ is None else environ
    profile_path = environ.get("CRANE_PROFILE", "").strip() or None
    venture = environ.get("CRANE_VENTURE_CODE") or None
    env_raw = environ.get("CRANE_ENV")
    if profile_path is None:
        project = _project_profile(environ, cwd)
        if project is not None:
            profile_path, venture, project_env = project
            if not (env_raw or "").strip():
                env_raw = project_env
    raw: Mapping[str, Any] = {}
    prod_urls: tuple[str, ...] = ()
    dev_urls: tuple[str, ...] = ()
    if profile_path:
        from crane.profiles import load_profile

        profile = load_profile(profile_path, cached=False)  # never a cache the agent can write
        raw = profile.guard
        prod_urls = tuple(profile.urls.get(PROD, {}).values())
        dev_urls = tuple(profile.urls.get(DEV, {}).values())
    cfg = parse_guard_table(raw, profile_path or "(no profile)")
    deadline = environ.get("CRANE_GUARD_DEADLINE", "").strip()
    state_dir = environ.get("CRANE_STATE_DIR", "").strip()
    state_url = environ.get("CRANE_STATE_URL", "").strip()
    effective = normalize(env_raw).env
    requested = environ.get("CRANE_ENV_REQUESTED", "").strip()
    # Asked for staging, fell back to production: the user did not ask to touch production.
    fallback = effective == PROD and bool(requested) and normalize(requested).env == DEV
    return cfg.replace(
        env=DEV if fallback else effective,
        fallback=fallback,
        venture=venture,
        profile_path=profile_path,
        run_id=environ.get("CRANE_RUN_ID") or None,
        dry_run=is_truthy(environ.get("CRANE_DRY_RUN")),
        state_dir=state_dir or cfg.state_dir,
        state_url=state_url or cfg.state_url,
        deadline_seconds=float(deadline) if deadline else cfg.deadline_seconds,
        production_urls=prod_urls,
        staging_urls=dev_urls,
    )


def _project_profile(environ: Mapping[str, str], cwd: str | None) -> tuple[str, str, str | None] | None:
    start = environ.get("CLAUDE_PROJECT_DIR", "").strip() or cwd
    if not start or not os.path.isabs(start):
        return None
    return project_profile(start, environ)


def project_profile(start: str, environ: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    """(profile path, venture, the project's env) from the nearest `.crane.toml` at or above
    `start`, or None when there is none.

    A `.crane.toml` whose venture has no profile is an error (the hook then fails closed): a
    guard that silently forgot the production URLs would allow what a launched one gates."""
    from crane.profiles import find_profile, search_dirs
    from crane.resolve import find_project_marker

    marker = find_project_marker(start)
    if marker is None:
        return None
    path = find_profile(marker.venture, search_dirs(None, environ, os.path.dirname(marker.path)))
    if path is None:
        raise ProfileError(marker.path, f"venture: no profile {marker.venture}.toml found for the guard",
                           "run `crane ventures` in the project to see the search path")
    return path, marker.venture, marker.env


def _unseeable(value: object, fail: Any) -> dict[str, str]:
    """`unseeable = "deny"` (every session) or `unseeable = { staging = "deny", production = "ask" }`."""
    allowed = ", ".join(UNSEEABLE_CHOICES)
    if isinstance(value, str):
        if value not in UNSEEABLE_CHOICES:
            raise fail("unseeable", f"must be one of {allowed}, or a table with keys staging, production")
        return {"unseeable_staging": value, "unseeable_production": value}
    if not isinstance(value, dict):
        raise fail("unseeable", f"must be one of {allowed}, or a table with keys staging, production")
    changes: dict[str, str] = {}
    for kind, choice in value.items():
        if kind not in UNSEEABLE_KINDS:
            raise fail(f"unseeable.{kind}", "unknown session kind (allowed: staging, production)")
        if choice not in UNSEEABLE_CHOICES:
            raise fail(f"unseeable.{kind}", f"must be one of {allowed}")
        changes[f"unseeable_{kind}"] = choice
    return changes


def parse_guard_table(raw: Mapping[str, Any], source: str) -> GuardConfig:
    """Validate a profile's `[guard]` table; errors name the file and the field."""

    def fail(key: str, problem: str) -> ProfileError:
        return ProfileError(source, f"guard.{key}: {problem}")

    def names(key: str) -> tuple[str, ...] | None:
        if key not in raw:
            return None
        value = raw[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise fail(key, "must be a list of strings")
        return tuple(value)

    def choice(key: str, allowed: tuple[str, ...]) -> Any:
        value = raw.get(key)
        if value is not None and value not in allowed:
            raise fail(key, f"must be one of {', '.join(allowed)}, got {value!r}")
        return value

    for key in raw:
        if key not in GUARD_KEYS:
            raise fail(key, f"unknown field (allowed: {', '.join(GUARD_KEYS)})")
    changes: dict[str, Any] = {}
    for key in ("dry_run_scope", "production_envs", "mcp_write_patterns", "mcp_read_patterns", "production_resources"):
        value = names(key)
        if value is not None:
            changes[key] = value
    gate = choice("production_gate", ("ask", "deny", "off"))
    if gate:
        changes["production_gate"] = gate
    local = choice("local_writes", ("allow", "ask", "deny"))
    if local:
        changes["local_writes"] = local
    if "unseeable" in raw:
        changes.update(_unseeable(raw["unseeable"], fail))
    for key in ("sticky_ttl_seconds", "deadline_seconds"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise fail(key, "must be a positive number")
            changes[key] = int(value) if key == "sticky_ttl_seconds" else float(value)
    for key, schemes in (("state_url", ("redis", "rediss", "sqlite")), ("alert_webhook", ("http", "https"))):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str) or value.partition("://")[0].lower() not in schemes:
                raise fail(key, f"must be a URL with scheme {' or '.join(schemes)}")
            changes[key] = value
    if "require_safe_default" in raw and not isinstance(raw["require_safe_default"], bool):
        raise fail("require_safe_default", "must be true or false")
    if "pages_production_branch" in raw:
        branch = raw["pages_production_branch"]
        if not isinstance(branch, str) or not branch.strip():
            raise fail("pages_production_branch", "must be a non-empty string (a git branch name)")
        changes["pages_production_branch"] = branch.strip()
    if "rules" in raw:
        rules = raw["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise fail("rules", "must be an array of tables ([[guard.rules]])")
        changes["extra_rules"] = tuple(rules)
    return GuardConfig(**changes)
