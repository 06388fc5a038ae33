"""Resolution: the ONE object that says which environment, URLs and secrets source a session gets.

Every command (and the config module) calls `resolve()` and then only reads the result; nothing
re-derives the environment, a URL or a secrets path elsewhere. A venture without staging asked
for staging falls back to production *coherently*: effective environment, API URL and secrets
all switch together, and the reason travels with the object.

Standard library only: `import crane; crane.get_api_base()` runs through here.

Precedence (documented in docs/configuration.md):
  environment: --env > CRANE_ENV > `env` in .crane.toml (cwd or a parent) > production
  venture:     --venture > CRANE_VENTURE > `venture` in .crane.toml > menu (TTY) > error
  profile:     CRANE_PROFILE when it is the chosen venture's (inside a crane child) > search path
"""

from __future__ import annotations

import os

from crane._record import Record
from crane._toml import TomlError, load_toml
from crane.envname import ACCEPTED, ALIASES, DEV, PROD, display_name, is_truthy, normalize
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
    from typing import Any

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
    requested_from: str  # "--env" | "CRANE_ENV" | the .crane.toml path | "default"
    requested_raw: str | None  # the value as given (None for the default)
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

    marker = None if _named_outright(req, environ) else find_project_marker(cwd)
    requested_env, requested_from, raw = requested_environment(req.env_flag, environ, warnings, marker)
    dirs = search_dirs(req.profiles_dir, environ, cwd)
    code, venture_from = _venture(req, environ, marker, dirs)
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
    flag: str | None, environ: Mapping[str, str], warnings: list[str], marker: ProjectMarker | None = None
) -> tuple[Env, str, str | None]:
    """The asked-for environment, where the ask came from, and its raw value. Used on its own by
    the config module when no venture is known.

    A junk `--env` is a usage error (a typo in a flag must not hand out production secrets); a
    junk CRANE_ENV means production plus a warning (agent code stays safe by default), or an
    error under CRANE_STRICT_ENV=1; a junk `env` in .crane.toml is a configuration error."""
    if flag is not None:
        norm = normalize(flag)
        if not norm.known or not flag.strip():
            raise UsageError(f"--env: unknown environment {flag!r}{_suggestion(flag)}", f"accepted: {ACCEPTED}")
        return norm.env, "--env", flag
    if environ.get("CRANE_ENV", "").strip():
        raw = environ["CRANE_ENV"]
        norm = normalize(raw)
        warning = norm.warning("CRANE_ENV")
        if warning:
            if is_truthy(environ.get("CRANE_STRICT_ENV")):
                raise UsageError(f"CRANE_ENV: unknown environment {raw!r}{_suggestion(raw)}",
                                 f"accepted: {ACCEPTED}; CRANE_STRICT_ENV=1 turns unknown names into errors")
            warnings.append(warning)
        return norm.env, "CRANE_ENV", raw
    if marker is not None and marker.env is not None:
        return normalize(marker.env).env, marker.path, marker.env
    return PROD, "default", None


def _suggestion(raw: str) -> str:
    from crane.profiles import did_you_mean

    close = did_you_mean(raw.strip().lower(), list(ALIASES))
    return f" (did you mean {close!r}?)" if close else ""


def _named_outright(req: Request, environ: Mapping[str, str]) -> bool:
    """Environment and venture both given by flag or variable (inside a crane child, always):
    .crane.toml could not change anything, so it is not even looked for."""
    has_env = req.env_flag is not None or bool(environ.get("CRANE_ENV", "").strip())
    has_venture = any(v and v.strip() for v in (req.venture_flag, environ.get("CRANE_VENTURE")))
    return has_env and has_venture


def _venture(req: Request, environ: Mapping[str, str], marker: ProjectMarker | None,
             dirs: Sequence[SearchDir]) -> tuple[str, str]:
    for value, origin in ((req.venture_flag, "--venture"), (environ.get("CRANE_VENTURE"), "CRANE_VENTURE")):
        if value and value.strip():
            return _checked_code(value.strip(), origin), origin
    if marker is not None:
        return marker.venture, marker.path
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


MARKER_FILE = ".crane.toml"
MARKER_KEYS = ("venture", "env")


class ProjectMarker(Record):
    """A project's `.crane.toml`: its venture, and optionally its default environment."""

    __slots__ = ("path", "venture", "env")
    path: str
    venture: str
    env: str | None  # as written (a known name: checked on reading)

    def __init__(self, path: str, venture: str, env: str | None) -> None:
        self._set(path=path, venture=venture, env=env)


def find_project_marker(cwd: StrPath) -> ProjectMarker | None:
    """The nearest `.crane.toml` in `cwd` or a parent, validated (errors name the file and key)."""
    for parent in parents(os.fspath(cwd)):
        path = os.path.join(parent, MARKER_FILE)
        if os.path.isfile(path):
            return read_project_marker(path)
    return None


def read_project_marker(path: str) -> ProjectMarker:
    from crane.profiles import did_you_mean

    try:
        data: dict[str, Any] = load_toml(path)
    except (TomlError, OSError, UnicodeDecodeError) as exc:
        raise ProfileError(path, f"invalid TOML: {exc}") from None
    for key in data:
        if key not in MARKER_KEYS:
            close = did_you_mean(key, MARKER_KEYS)
            raise ProfileError(path, f"{key}: unknown key",
                               f"did you mean {close!r}?" if close else f"allowed: {', '.join(MARKER_KEYS)}")
    value = data.get("venture")
    if not isinstance(value, str) or not value.strip():
        raise ProfileError(path, "venture: must be a non-empty string")
    env = data.get("env")
    if env is not None and not isinstance(env, str):
        raise ProfileError(path, "env: must be a string", f"accepted: {ACCEPTED}")
    if env is not None and (not env.strip() or not normalize(env).known):
        raise ProfileError(path, f"env: unknown environment {env!r}{_suggestion(env)}", f"accepted: {ACCEPTED}")
    return ProjectMarker(path, _checked_code(value.strip(), path), env)


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
