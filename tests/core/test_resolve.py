"""Resolution: environment and venture precedence, and the coherent staging fallback."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crane.errors import ExitCode, FallbackRefused, NoVentureSelected, UsageError
from crane.resolve import Request, Resolution, resolve
from tests.core.helpers import ALL_ALIASES, DEV_ALIASES, PROD_API, STAGING_API, write_venture

FALLBACK_WARNING = "Warning: staging not available for {code}; using production secrets and API"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Profiles for every staging situation, and a working directory with no profiles around it."""
    root = tmp_path_factory.mktemp("resolve")
    profiles = root / "profiles-src"
    write_venture(profiles, "full", staging={"FULL_KEY": "s"})
    write_venture(profiles, "noapi", staging={"NOAPI_KEY": "s"}, staging_api=False)
    write_venture(profiles, "nofile", staging_api=True, staging_file=False)
    write_venture(profiles, "none")
    write_venture(profiles, "strict", staging_fallback=False)
    (root / "work").mkdir()
    return root


def _resolve(world: Path, **kwargs: object) -> Resolution:
    environ: Mapping[str, str] = kwargs.pop("environ", {})  # type: ignore[assignment]
    return resolve(Request(profiles_dir=str(world / "profiles-src"), environ=environ, cwd=world / "work",
                           **kwargs))  # type: ignore[arg-type]


def _assert_coherent(res: Resolution) -> None:
    """Environment, API and secrets always belong to the same environment."""
    code = res.venture
    env = res.effective_env
    assert res.api_base == res.urls["api"]
    assert res.api_base == (STAGING_API if env == "dev" else PROD_API).format(code=code)
    assert res.secrets.provider == "dotenv"
    assert res.secrets.environment == env
    assert Path(res.secrets.path).name == ("staging.env" if env == "dev" else "prod.env")
    assert res.environment_name == ("staging" if env == "dev" else "production")


# --- environment --------------------------------------------------------------------------------

ENV_TABLE = [  # --env flag, CRANE_ENV, requested, requested_from
    (None, None, "prod", "default"),
    (None, "", "prod", "default"),
    (None, "   ", "prod", "default"),
    (None, "staging", "dev", "CRANE_ENV"),
    (None, " Production ", "prod", "CRANE_ENV"),
    ("dev", None, "dev", "--env"),
    ("prod", "staging", "prod", "--env"),
    ("staging", "prod", "dev", "--env"),
    ("LIVE", "dev", "prod", "--env"),
]


@pytest.mark.parametrize(("flag", "crane_env", "requested", "origin"), ENV_TABLE)
def test_environment_precedence(world: Path, flag: str | None, crane_env: str | None, requested: str,
                                origin: str) -> None:
    environ = {} if crane_env is None else {"CRANE_ENV": crane_env}
    res = _resolve(world, venture_flag="full", env_flag=flag, environ=environ)
    assert res.requested_env == requested
    assert res.requested_from == origin
    assert res.effective_env == requested  # "full" has staging: no fallback
    assert res.fallback is None
    assert res.warnings == ()
    _assert_coherent(res)


@pytest.mark.parametrize("alias", ALL_ALIASES)
@pytest.mark.parametrize("via", ["flag", "env"])
def test_every_alias_through_resolution(world: Path, alias: str, via: str) -> None:
    spelled = f" {alias.upper()} "
    if via == "flag":
        res = _resolve(world, venture_flag="full", env_flag=spelled)
    else:
        res = _resolve(world, venture_flag="full", environ={"CRANE_ENV": spelled})
    expected = "dev" if alias in DEV_ALIASES else "prod"
    assert res.requested_env == res.effective_env == expected
    _assert_coherent(res)


def test_junk_crane_env_warns_and_uses_production(world: Path) -> None:
    res = _resolve(world, venture_flag="full", environ={"CRANE_ENV": "stagign"})
    assert res.effective_env == "prod"
    assert (res.requested_from, res.requested_raw) == ("CRANE_ENV", "stagign")
    _assert_coherent(res)
    (warning,) = res.warnings
    assert "stagign" in warning and "CRANE_ENV" in warning and "staging" in warning and "\n" not in warning


@pytest.mark.parametrize(("flag", "suggestion"), [("staging2", "'staging'"), ("stagign", "'staging'"),
                                                  ("prodd", "'prod'"), ("", None), ("qa", None)])
def test_junk_env_flag_is_a_usage_error_with_a_suggestion(world: Path, flag: str, suggestion: str | None) -> None:
    with pytest.raises(UsageError) as info:
        _resolve(world, venture_flag="full", env_flag=flag, environ={"CRANE_ENV": "staging"})
    assert info.value.exit_code == ExitCode.USAGE
    assert info.value.message.startswith("--env: unknown environment")
    assert f"{flag!r}" in info.value.message
    if suggestion:
        assert f"did you mean {suggestion}?" in info.value.message
    else:
        assert "did you mean" not in info.value.message
    assert "staging, stage" in (info.value.hint or "")


@pytest.mark.parametrize("strict", ["1", "true", "yes"])
def test_strict_env_turns_junk_into_a_usage_error(world: Path, strict: str) -> None:
    with pytest.raises(UsageError) as info:
        _resolve(world, venture_flag="full", environ={"CRANE_ENV": "qa", "CRANE_STRICT_ENV": strict})
    assert info.value.exit_code == ExitCode.USAGE == 2
    assert "qa" in info.value.message


def test_strict_env_leaves_known_values_alone(world: Path) -> None:
    res = _resolve(world, venture_flag="full", environ={"CRANE_ENV": "Stage", "CRANE_STRICT_ENV": "1"})
    assert res.effective_env == "dev"


# --- fallback -----------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["noapi", "nofile", "none"])
def test_fallback_switches_everything_to_production(world: Path, code: str) -> None:
    res = _resolve(world, venture_flag=code, env_flag="staging")
    assert res.requested_env == "dev"
    assert res.effective_env == "prod"
    assert res.fallback is not None and code in res.fallback
    assert res.warnings == (FALLBACK_WARNING.format(code=code),)
    _assert_coherent(res)


def test_fallback_reason_names_what_is_missing(world: Path) -> None:
    assert "API" in (_resolve(world, venture_flag="noapi", env_flag="dev").fallback or "")
    assert "secrets" in (_resolve(world, venture_flag="nofile", env_flag="dev").fallback or "")


def test_no_fallback_flag_refuses(world: Path) -> None:
    with pytest.raises(FallbackRefused) as info:
        _resolve(world, venture_flag="none", env_flag="staging", no_fallback=True)
    assert info.value.exit_code == 1
    assert "--no-fallback" in info.value.message


def test_profile_staging_fallback_false_refuses(world: Path) -> None:
    with pytest.raises(FallbackRefused) as info:
        _resolve(world, venture_flag="strict", environ={"CRANE_ENV": "dev"})
    assert info.value.exit_code == 1
    assert "staging_fallback = false" in info.value.message


def test_refusal_does_not_apply_to_production_requests(world: Path) -> None:
    res = _resolve(world, venture_flag="strict", env_flag="prod", no_fallback=True)
    assert res.effective_env == "prod" and res.fallback is None


def test_fetch_time_fallback_is_coherent_and_respects_refusal(world: Path) -> None:
    res = _resolve(world, venture_flag="full", env_flag="dev")
    assert res.effective_env == "dev"
    moved = res.fall_back_to_production("staging folder missing")
    assert moved.effective_env == "prod" and moved.requested_env == "dev"
    assert moved.fallback == "staging folder missing"
    assert FALLBACK_WARNING.format(code="full") in moved.warnings
    _assert_coherent(moved)
    strict = _resolve(world, venture_flag="full", env_flag="dev", no_fallback=True)
    with pytest.raises(FallbackRefused):
        strict.fall_back_to_production("staging folder missing")


CODES = ["full", "noapi", "nofile", "none", "strict"]
ENV_VALUES = st.one_of(st.none(), st.sampled_from([*ALL_ALIASES, "", "junk", " STAGING "]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code=st.sampled_from(CODES), flag=ENV_VALUES, crane_env=ENV_VALUES, no_fallback=st.booleans())
def test_fallback_coherence_property(world: Path, code: str, flag: str | None, crane_env: str | None,
                                     no_fallback: bool) -> None:
    environ = {} if crane_env is None else {"CRANE_ENV": crane_env}
    if flag is not None and flag.strip().lower() not in ALL_ALIASES:  # a junk or blank --env is a usage error
        with pytest.raises(UsageError):
            _resolve(world, venture_flag=code, env_flag=flag, environ=environ, no_fallback=no_fallback)
        return
    raw = flag if flag is not None else (crane_env if (crane_env or "").strip() else None)
    wants_dev = (raw or "").strip().lower() in DEV_ALIASES
    has_staging = code == "full"
    refuses = no_fallback or code == "strict"
    if wants_dev and not has_staging and refuses:
        with pytest.raises(FallbackRefused):
            _resolve(world, venture_flag=code, env_flag=flag, environ=environ, no_fallback=no_fallback)
        return
    res = _resolve(world, venture_flag=code, env_flag=flag, environ=environ, no_fallback=no_fallback)
    _assert_coherent(res)
    assert res.requested_env == ("dev" if wants_dev else "prod")
    assert res.effective_env == ("dev" if wants_dev and has_staging else "prod")
    fell_back = wants_dev and not has_staging
    assert (res.fallback is not None) is fell_back
    assert (FALLBACK_WARNING.format(code=code) in res.warnings) is fell_back


# --- venture selection --------------------------------------------------------------------------


def test_venture_precedence_flag_env_marker(world: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "sub" / "deeper").mkdir(parents=True)
    (project / ".crane.toml").write_text('venture = "noapi"\n', encoding="utf-8")
    deeper = project / "sub" / "deeper"
    base = {"profiles_dir": str(world / "profiles-src")}

    res = resolve(Request(**base, cwd=deeper, environ={}))  # type: ignore[arg-type]
    assert (res.venture, res.venture_from) == ("noapi", str(project / ".crane.toml"))
    res = resolve(Request(**base, cwd=deeper, environ={"CRANE_VENTURE": "none"}))  # type: ignore[arg-type]
    assert (res.venture, res.venture_from) == ("none", "CRANE_VENTURE")
    res = resolve(Request(**base, venture_flag="full", cwd=deeper,  # type: ignore[arg-type]
                          environ={"CRANE_VENTURE": "none"}))
    assert (res.venture, res.venture_from) == ("full", "--venture")


def _marker(tmp_path: Path, text: str) -> Path:
    project = tmp_path / "project"
    (project / "sub").mkdir(parents=True, exist_ok=True)
    (project / ".crane.toml").write_text(text, encoding="utf-8")
    return project


@pytest.mark.parametrize(("flag", "crane_env", "requested", "origin"), [
    (None, None, "dev", "marker"),
    (None, "prod", "prod", "CRANE_ENV"),
    ("prod", None, "prod", "--env"),
    ("dev", "prod", "dev", "--env"),
])
def test_project_env_key_sits_below_flag_and_variable(world: Path, tmp_path: Path, flag: str | None,
                                                      crane_env: str | None, requested: str, origin: str) -> None:
    project = _marker(tmp_path, 'venture = "full"\nenv = "staging"\n')
    environ = {} if crane_env is None else {"CRANE_ENV": crane_env}
    res = resolve(Request(profiles_dir=str(world / "profiles-src"), env_flag=flag, environ=environ,
                          cwd=project / "sub"))
    assert res.requested_env == res.effective_env == requested
    marker = str(project / ".crane.toml")
    assert res.requested_from == (marker if origin == "marker" else origin)
    assert res.venture_from == marker
    _assert_coherent(res)


def test_project_env_key_falls_back_like_any_request(world: Path, tmp_path: Path) -> None:
    project = _marker(tmp_path, 'venture = "none"\nenv = "dev"\n')
    res = resolve(Request(profiles_dir=str(world / "profiles-src"), environ={}, cwd=project))
    assert (res.requested_env, res.effective_env, res.requested_raw) == ("dev", "prod", "dev")
    assert res.fallback is not None


@pytest.mark.parametrize(("text", "expected", "hint"), [
    ('venture = "full"\nenviron = "dev"\n', "environ: unknown key", "did you mean 'env'?"),
    ('venture = "full"\nventur = "x"\n', "ventur: unknown key", "did you mean 'venture'?"),
    ('venture = "full"\nprofile = "x"\n', "profile: unknown key", "allowed: venture, env"),
    ('venture = "full"\nenv = "staging2"\n', "env: unknown environment 'staging2' (did you mean 'staging'?)",
     "accepted:"),
    ('venture = "full"\nenv = 1\n', "env: must be a string", "accepted:"),
    ('env = "dev"\n', "venture: must be a non-empty string", None),
])
def test_project_file_errors_name_the_file_and_key(world: Path, tmp_path: Path, text: str, expected: str,
                                                   hint: str | None) -> None:
    project = _marker(tmp_path, text)
    with pytest.raises(UsageError) as info:
        resolve(Request(profiles_dir=str(world / "profiles-src"), environ={}, cwd=project / "sub"))
    assert info.value.exit_code == ExitCode.USAGE
    assert info.value.message == f"{project / '.crane.toml'}: {expected}"
    if hint:
        assert hint in (info.value.hint or "")


def test_project_file_is_not_read_when_flags_name_everything(world: Path, tmp_path: Path) -> None:
    """Inside a crane child CRANE_ENV and CRANE_VENTURE are set: the agent's .crane.toml changes nothing."""
    project = _marker(tmp_path, "not toml at all [[[")
    res = resolve(Request(profiles_dir=str(world / "profiles-src"), cwd=project,
                          environ={"CRANE_ENV": "dev", "CRANE_VENTURE": "full"}))
    assert (res.venture, res.effective_env) == ("full", "dev")
    with pytest.raises(UsageError, match="invalid TOML"):
        resolve(Request(profiles_dir=str(world / "profiles-src"), cwd=project, environ={"CRANE_VENTURE": "full"}))


def test_menu_is_used_only_when_nothing_names_a_venture(world: Path) -> None:
    offered: list[list[str]] = []

    def chooser(known: Mapping[str, object]) -> str:
        offered.append(sorted(known))
        return "nofile"

    res = _resolve(world, chooser=chooser)
    assert res.venture == "nofile" and res.venture_from == "menu"
    assert offered == [sorted(CODES)]
    _resolve(world, venture_flag="full", chooser=chooser)
    assert len(offered) == 1


def test_no_venture_and_no_terminal_is_a_usage_error_listing_ventures(world: Path) -> None:
    with pytest.raises(NoVentureSelected) as info:
        _resolve(world)
    assert info.value.exit_code == 2
    for code in CODES:
        assert code in (info.value.hint or "")


@pytest.mark.parametrize("bad", ["../etc/passwd", "Full", "a b", "-x", "x/y"])
def test_invalid_venture_codes_are_rejected(world: Path, bad: str) -> None:
    with pytest.raises(UsageError) as info:
        _resolve(world, environ={"CRANE_VENTURE": bad})
    assert info.value.exit_code == 2


def test_unknown_venture_suggests_a_close_one(world: Path) -> None:
    with pytest.raises(UsageError) as info:
        _resolve(world, venture_flag="ful")
    assert info.value.exit_code == 2
    assert "did you mean 'full'" in info.value.message


def test_inherited_profile_is_used_for_the_same_venture_only(world: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    inherited = write_venture(elsewhere, "full", staging={"FULL_KEY": "x"})
    # Inside a crane child: the launcher's profile wins over the search path.
    env = {"CRANE_PROFILE": str(inherited), "CRANE_VENTURE_CODE": "full"}
    assert Path(_resolve(world, venture_flag="full", environ=env).profile.path) == inherited.resolve()
    # ...but never for another venture.
    assert Path(_resolve(world, venture_flag="none", environ=env).profile.path).parent == world / "profiles-src"
    env["CRANE_VENTURE_CODE"] = "other"
    assert Path(_resolve(world, venture_flag="full", environ=env).profile.path).parent == world / "profiles-src"
