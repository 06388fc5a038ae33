"""Resolution: the ONE object that says which environment, URLs and secrets source a session gets.

Every command (and the config module) calls `resolve()` and then only reads the result; nothing
re-derives the environment, a URL or a secrets path elsewhere. A venture without staging asked
for staging falls back to production *coherently*: effective environment, API URL and secrets
all switch together, and the reason travels with the object.

Standard library only: `import crane; crane.get_api_base()` runs through here.

Precedence (documented in docs/configuration.md):
  environment: --env > CRANE_ENV > production
  venture:     --venture > CRANE_VENTURE > .crane.toml in the cwd or a parent > menu (TTY) > error
  profile:     CRANE_PROFILE when it is the chosen venture's (inside a crane child) > search path
"""

from __future__ import annotations

import os

from crane._record import Record
from crane._toml import TomlError, load_toml
from crane.envname import DEV, PROD, display_name, is_truthy, normalize
from crane.errors import FallbackRefused, NoVentureSelected, ProfileError, UsageError
from crane.profiles import (
    Profile,
    find_profile,
    list_ventures,
    load_profile,
    parents,
    search_dirs,
    unknown_venture,
    valid_venture_code,
)

# Hot path (crane.get_api_base): no typing or dataclasses at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from crane.envname import Env
    from crane.profiles import SearchDir, StrPath

    # Called with the known ventures (code -> profile path) when no venture was named and a
    # person is at the terminal.
    Chooser = Callable[[Mapping[str, str]], str]


class SecretsTarget(Record):
    """Where this session's secrets come from, as shown to the user (never the values)."""

    __slots__ = ("provider", "environment", "path", "host", "project_id")
    provider: str  # "dotenv" | "infisical"
    environment: str  # dotenv: the effective env; infisical: the Infisical environment slug
    path: str  # dotenv: the file; infisical: the secret path
    host: str | None  # infisical only
    project_id: str | None  # infisical only

    def __init__(self, provider: str, environment: str, path: str, host: str | None = None,
                 project_id: str | None = None) -> None:
        self._set(provider=provider, environment=environment, path=path, host=host, project_id=project_id)

    def describe(self) -> str:
        if self.provider == "infisical":
            return f"infisical {self.host} project {self.project_id} env {self.environment} path {self.path}"
        return f"dotenv {self.path}"


class Resolution(Record):
    __slots__ = ("requested_env", "requested_from", "requested_raw", "effective_env", "venture", "venture_from",
                 "profile", "urls", "secrets", "fallback", "allow_fallback", "warnings")
    requested_env: Env
    requested_from: str  # "--env" | "CRANE_ENV" | "default"
    requested_raw: str | None
    effective_env: Env
    venture: str
    venture_from: str
    profile: Profile
    urls: Mapping[str, str]  # the effective environment's named URLs; "api" always present
    secrets: SecretsTarget
    fallback: str | None  # why production is used although staging was asked for
    allow_fallback: bool
    warnings: tuple[str, ...]

    def __init__(self, *, requested_env: Env, requested_from: str, requested_raw: str | None, effective_env: Env,
                 venture: str, venture_from: str, profile: Profile, urls: Mapping[str, str],
                 secrets: SecretsTarget, fallback: str | None, allow_fallback: bool,
                 warnings: tuple[str, ...] = ()) -> None:
        self._set(requested_env=requested_env, requested_from=requested_from, requested_raw=requested_raw,
                  effective_env=effective_env, venture=venture, venture_from=venture_from, profile=profile,
                  urls=urls, secrets=secrets, fallback=fallback, allow_fallback=allow_fallback, warnings=warnings)

    @property
    def api_base(self) -> str:
        return self.urls["api"]

    @property
    def environment_name(self) -> str:
        return display_name(self.effective_env)

    @property
    def venture_name(self) -> str:
        return self.profile.name

    def fall_back_to_production(self, reason: str) -> Resolution:
        """The same session, switched wholesale to production (used when staging turns out to be
        missing only at fetch time, e.g. Infisical answers 404 for the staging folder)."""
        if self.effective_env == PROD:
            return self
        if not self.allow_fallback:
            raise _refusal(self.profile, reason)
        warning = _fallback_warning(self.profile)
        return self.replace(
            effective_env=PROD,
            urls=self.profile.urls[PROD],
            secrets=_secrets_target(self.profile, PROD, self.secrets.host),
            fallback=reason,
            warnings=(*self.warnings, warning),
        )


class Request(Record):
    """What the user asked for; `resolve()` turns it into a Resolution."""

    __slots__ = ("env_flag", "venture_flag", "profiles_dir", "no_fallback", "environ", "cwd", "chooser")
    env_flag: str | None
    venture_flag: str | None
    profiles_dir: str | None
    no_fallback: bool
    environ: Mapping[str, str] | None  # defaults to os.environ
    cwd: StrPath | None  # defaults to the working directory
    chooser: Chooser | None  # None: never prompt

    def __init__(self, env_flag: str | None = None, venture_flag: str | None = None,
                 profiles_dir: str | None = None, no_fallback: bool = False,
                 environ: Mapping[str, str] | None = None, cwd: StrPath | None = None,
                 chooser: Chooser | None = None) -> None:
        self._set(env_flag=env_flag, venture_flag=venture_flag, profiles_dir=profiles_dir, no_fallback=no_fallback,
                  environ=environ, cwd=cwd, chooser=chooser)


def resolve(request: Request | None = None) -> Resolution:
    req = request or Request()
    environ = os.environ if req.environ is None else req.environ
    cwd = os.path.abspath(os.fspath(req.cwd)) if req.cwd is not None else os.getcwd()
    warnings: list[str] = []

    requested_env, requested_from, raw = requested_environment(req.env_flag, environ, warnings)
    dirs = search_dirs(req.profiles_dir, environ, cwd)
    code, venture_from = _venture(req, environ, cwd, dirs)
    profile = load_profile(_profile_path(code, environ, dirs))

    allow_fallback = profile.staging_fallback and not req.no_fallback
    effective, fallback = requested_env, None
    if requested_env == DEV:
        gaps = profile.staging_gaps()
        if gaps:
            reason = f"staging not available for {code}: {'; '.join(gaps)}"
            if not allow_fallback:
                raise _refusal(profile, reason)
            effective, fallback = PROD, reason
            warnings.append(_fallback_warning(profile))

    return Resolution(
        requested_env=requested_env,
        requested_from=requested_from,
        requested_raw=raw,
        effective_env=effective,
        venture=code,
        venture_from=venture_from,
        profile=profile,
        urls=profile.urls[effective],
        secrets=_secrets_target(profile, effective, _host(profile, environ)),
        fallback=fallback,
        allow_fallback=allow_fallback,
        warnings=tuple(warnings),
    )


def requested_environment(
    flag: str | None, environ: Mapping[str, str], warnings: list[str]
) -> tuple[Env, str, str | None]:
    """The asked-for environment, where the ask came from, and its raw value; junk warns (or raises
    under CRANE_STRICT_ENV=1). Used on its own by the config module when no venture is known."""
    if flag is not None:
        origin, raw = "--env", flag
    elif environ.get("CRANE_ENV", "").strip():
        origin, raw = "CRANE_ENV", environ["CRANE_ENV"]
    else:
        return PROD, "default", None
    norm = normalize(raw)
    warning = norm.warning(origin)
    if warning:
        if is_truthy(environ.get("CRANE_STRICT_ENV")):
            raise UsageError(warning.removeprefix("Warning: ").replace("; using production", ""),
                             "CRANE_STRICT_ENV=1 turns unknown environment names into errors")
        warnings.append(warning)
    return norm.env, origin, raw


def _venture(req: Request, environ: Mapping[str, str], cwd: str, dirs: Sequence[SearchDir]) -> tuple[str, str]:
    for value, origin in ((req.venture_flag, "--venture"), (environ.get("CRANE_VENTURE"), "CRANE_VENTURE")):
        if value and value.strip():
            return _checked_code(value.strip(), origin), origin
    marker = _find_marker(cwd)
    if marker is not None:
        return marker
    known = list_ventures(dirs)
    if req.chooser is not None and known:
        return req.chooser(known), "menu"
    names = ", ".join(known) or "none found"
    raise NoVentureSelected(
        "no venture selected",
        f"pass --venture CODE, set CRANE_VENTURE, or add .crane.toml with venture = \"CODE\" (known: {names})",
    )


def _checked_code(code: str, origin: str) -> str:
    if not valid_venture_code(code):
        raise UsageError(f"{origin}: invalid venture code {code!r}", "codes match [a-z0-9][a-z0-9_-]*")
    return code


def _find_marker(cwd: str) -> tuple[str, str] | None:
    for parent in parents(cwd):
        marker = os.path.join(parent, ".crane.toml")
        if os.path.isfile(marker):
            try:
                data = load_toml(marker)
            except (TomlError, OSError, UnicodeDecodeError) as exc:
                raise ProfileError(marker, f"invalid TOML: {exc}") from None
            value = data.get("venture")
            if not isinstance(value, str) or not value.strip():
                raise ProfileError(marker, "venture: must be a non-empty string")
            return _checked_code(value.strip(), marker), marker
    return None


def _profile_path(code: str, environ: Mapping[str, str], dirs: Sequence[SearchDir]) -> str:
    # Inside a crane child the launcher says which file it used; answer from the same one.
    inherited = environ.get("CRANE_PROFILE", "").strip()
    if inherited and environ.get("CRANE_VENTURE_CODE") == code and os.path.isfile(inherited):
        return inherited
    path = find_profile(code, dirs)
    if path is None:
        raise unknown_venture(code, sorted(list_ventures(dirs)), dirs)
    return path


def _secrets_target(profile: Profile, env: Env, host: str | None) -> SecretsTarget:
    if profile.provider == "infisical":
        cfg = profile.infisical
        assert cfg is not None
        return SecretsTarget("infisical", cfg.environments[env], cfg.paths[env], host=host,
                             project_id=cfg.project_id)
    assert profile.dotenv is not None
    return SecretsTarget("dotenv", env, str(profile.dotenv.files[env]))


def _host(profile: Profile, environ: Mapping[str, str]) -> str | None:
    return infisical_host(profile.infisical.host, environ) if profile.infisical else None


def infisical_host(profile_host: str, environ: Mapping[str, str]) -> str:
    """INFISICAL_API_URL overrides the profile's host. The Infisical CLI's convention includes a
    trailing `/api` and the SDK's host does not, so both spellings are accepted."""
    override = environ.get("INFISICAL_API_URL", "").strip().rstrip("/")
    host = override or profile_host
    return host.removesuffix("/api").rstrip("/")


def _fallback_warning(profile: Profile) -> str:
    return f"Warning: staging not available for {profile.code}; using production secrets and API"


def _refusal(profile: Profile, reason: str) -> FallbackRefused:
    how = "--no-fallback was given" if profile.staging_fallback else f"{profile.path} sets staging_fallback = false"
    return FallbackRefused(f"{reason}; not falling back to production because {how}",
                           "run against production explicitly (--env prod) or configure staging for this venture")
