"""`[guard] unseeable` (issue 8) and the guard of a session that fell back to production."""

from __future__ import annotations

from typing import Any

import pytest

from crane.errors import ProfileError
from crane.guard.rules.config import load_guard_config, parse_guard_table


def test_defaults_deny_in_staging_and_ask_in_production() -> None:
    config = parse_guard_table({}, "p.toml")
    assert (config.unseeable_staging, config.unseeable_production) == ("deny", "ask")
    assert config.replace(env="dev").unseeable == "deny"
    assert config.replace(env="prod").unseeable == "ask"


@pytest.mark.parametrize(("value", "staging", "production"), [
    ("allow", "allow", "allow"),
    ("ask", "ask", "ask"),
    ({"staging": "ask"}, "ask", "ask"),
    ({"production": "deny"}, "deny", "deny"),
    ({"staging": "allow", "production": "deny"}, "allow", "deny"),
])
def test_string_or_table(value: Any, staging: str, production: str) -> None:
    config = parse_guard_table({"unseeable": value}, "p.toml")
    assert (config.unseeable_staging, config.unseeable_production) == (staging, production)


@pytest.mark.parametrize(("value", "names"), [
    ("block", "guard.unseeable"),
    (True, "guard.unseeable"),
    ({"dev": "deny"}, "guard.unseeable.dev"),
    ({"staging": "no"}, "guard.unseeable.staging"),
])
def test_bad_values_name_the_key(value: Any, names: str) -> None:
    with pytest.raises(ProfileError) as caught:
        parse_guard_table({"unseeable": value}, "p.toml")
    assert names in str(caught.value) and "p.toml" in str(caught.value)


@pytest.mark.parametrize(("env", "requested", "guard_env", "fallback"), [
    ("prod", "dev", "dev", True),
    ("prod", "staging", "dev", True),
    ("prod", "prod", "prod", False),
    ("prod", "", "prod", False),
    ("dev", "dev", "dev", False),
    ("prod", "nonsense", "prod", False),
])
def test_a_fallback_session_keeps_the_staging_guard(env: str, requested: str, guard_env: str, fallback: bool) -> None:
    config = load_guard_config({"CRANE_ENV": env, "CRANE_ENV_REQUESTED": requested})
    assert (config.env, config.fallback) == (guard_env, fallback)


def test_launch_summary_names_the_fallback_guard() -> None:
    from crane.launch import FALLBACK_GUARD

    assert "production writes denied" in FALLBACK_GUARD
