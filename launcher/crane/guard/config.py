"""The guard's settings: defaults, overridden by the profile's `[guard]` table and by the
environment the launcher gives the agent. Standard library only (the hook loads this).

Environment (set by `crane launch`, inherited by hooks): CRANE_PROFILE, CRANE_ENV, CRANE_RUN_ID,
CRANE_VENTURE_CODE, CRANE_DRY_RUN, CRANE_STATE_DIR, CRANE_STATE_URL, CRANE_GUARD_DEADLINE.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from crane.envname import DEV, PROD, Env, is_truthy, normalize
from crane.errors import ProfileError
from crane.paths import user_state_dir

Gate = Literal["ask", "deny", "off"]
LocalWrites = Literal["allow", "ask", "deny"]

GUARD_KEYS = (
    "dry_run_scope", "production_gate", "production_envs", "sticky_ttl_seconds", "state_url",
    "alert_webhook", "rules", "local_writes", "mcp_write_patterns", "mcp_read_patterns", "deadline_seconds",
)

# MCP tool names (fnmatch patterns on the part after `mcp__<server>__`) that write by default.
DEFAULT_MCP_WRITE_PATTERNS = (
    "*create*", "*update*", "*delete*", "*put*", "*write*", "*insert*", "*upsert*", "*remove*",
    "*deploy*", "*publish*", "*push*", "*send*", "*post*", "*set*", "*execute*", "*exec*", "*run*",
    "*upload*", "*merge*", "*drop*", "*patch*", "*add*", "*migrate*", "*rollback*",
)


@dataclass(frozen=True)
class GuardConfig:
    env: Env = PROD  # the session's effective environment
    venture: str | None = None
    profile_path: Path | None = None
    run_id: str | None = None
    dry_run: bool = False  # the whole run is a dry run (`crane launch --dry-run`)
    dry_run_scope: tuple[str, ...] = ()  # rule names always intercepted
    production_gate: Gate = "ask"
    production_envs: tuple[str, ...] = ("production",)
    sticky_ttl_seconds: int = 3600
    state_dir: Path = field(default_factory=user_state_dir)
    state_url: str | None = None  # redis://... for fleets; None means SQLite in state_dir
    alert_webhook: str | None = None
    extra_rules: tuple[Mapping[str, Any], ...] = ()  # same shape as the shipped rules file
    local_writes: LocalWrites = "allow"
    mcp_write_patterns: tuple[str, ...] = DEFAULT_MCP_WRITE_PATTERNS
    mcp_read_patterns: tuple[str, ...] = ()  # wins over write patterns
    production_urls: tuple[str, ...] = ()  # the profile's production URLs (a production target)
    staging_urls: tuple[str, ...] = ()
    deadline_seconds: float = 3.0


def load_guard_config(environ: Mapping[str, str] | None = None) -> GuardConfig:
    """Build the guard's config for this hook process from its environment and the profile."""
    environ = os.environ if environ is None else environ
    profile_path = environ.get("CRANE_PROFILE", "").strip() or None
    raw: Mapping[str, Any] = {}
    prod_urls: tuple[str, ...] = ()
    dev_urls: tuple[str, ...] = ()
    if profile_path:
        from crane.profiles import load_profile

        profile = load_profile(Path(profile_path))
        raw = profile.guard
        prod_urls = tuple(profile.urls.get(PROD, {}).values())
        dev_urls = tuple(profile.urls.get(DEV, {}).values())
    cfg = parse_guard_table(raw, profile_path or "(no profile)")
    deadline = environ.get("CRANE_GUARD_DEADLINE", "").strip()
    state_dir = environ.get("CRANE_STATE_DIR", "").strip()
    state_url = environ.get("CRANE_STATE_URL", "").strip()
    return _replace(
        cfg,
        env=normalize(environ.get("CRANE_ENV")).env,
        venture=environ.get("CRANE_VENTURE_CODE") or None,
        profile_path=Path(profile_path) if profile_path else None,
        run_id=environ.get("CRANE_RUN_ID") or None,
        dry_run=is_truthy(environ.get("CRANE_DRY_RUN")),
        state_dir=Path(state_dir) if state_dir else cfg.state_dir,
        state_url=state_url or cfg.state_url,
        deadline_seconds=float(deadline) if deadline else cfg.deadline_seconds,
        production_urls=prod_urls,
        staging_urls=dev_urls,
    )


def _replace(cfg: GuardConfig, **changes: Any) -> GuardConfig:
    import dataclasses

    return dataclasses.replace(cfg, **changes)


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
    for key in ("dry_run_scope", "production_envs", "mcp_write_patterns", "mcp_read_patterns"):
        value = names(key)
        if value is not None:
            changes[key] = value
    gate = choice("production_gate", ("ask", "deny", "off"))
    if gate:
        changes["production_gate"] = gate
    local = choice("local_writes", ("allow", "ask", "deny"))
    if local:
        changes["local_writes"] = local
    for key in ("sticky_ttl_seconds", "deadline_seconds"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise fail(key, "must be a positive number")
            changes[key] = int(value) if key == "sticky_ttl_seconds" else float(value)
    for key, schemes in (("state_url", ("redis", "rediss", "sqlite")), ("alert_webhook", ("http", "https"))):
        if key in raw:
            value = raw[key]
            if not isinstance(value, str) or urlsplit(value).scheme not in schemes:
                raise fail(key, f"must be a URL with scheme {' or '.join(schemes)}")
            changes[key] = value
    if "rules" in raw:
        rules = raw["rules"]
        if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
            raise fail("rules", "must be an array of tables ([[guard.rules]])")
        changes["extra_rules"] = tuple(rules)
    return GuardConfig(**changes)
