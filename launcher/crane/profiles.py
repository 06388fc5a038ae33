"""Venture profiles: one TOML file per venture, found along a documented search path.

Standard library only (tomllib), because the config module and the guard hook read profiles too:
there is exactly one parser, and it validates everything it is given, naming file and field.

Search order for `<code>.toml` (the first directory that holds it wins):
  1. `--profiles-dir`
  2. `CRANE_PROFILES_DIR` (os.pathsep-separated list allowed)
  3. `./profiles`, then `profiles/` in each parent of the working directory (project-local)
  4. the user config dir: `<config>/crane/profiles` (e.g. ~/.config/crane/profiles)
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crane.envname import DEV, PROD, Env
from crane.errors import ProfileError, UsageError
from crane.paths import user_config_dir

PROVIDERS = ("dotenv", "infisical")
VENTURE_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
DEFAULT_INFISICAL_HOST = "https://app.infisical.com"
DEFAULT_CACHE_MAX_AGE = 24 * 3600
DEFAULT_FETCH_TIMEOUT = 10.0


@dataclass(frozen=True)
class SearchDir:
    path: Path
    origin: str  # "--profiles-dir", "CRANE_PROFILES_DIR", "project", "user config"


@dataclass(frozen=True)
class DotenvConfig:
    files: Mapping[Env, Path]  # absolute; "dev" only when staging has a file


@dataclass(frozen=True)
class InfisicalConfig:
    host: str
    project_id: str
    staging: bool
    environments: Mapping[Env, str]  # crane env -> Infisical environment slug
    paths: Mapping[Env, str]  # crane env -> secret path
    timeout: float  # total time budget for one fetch, seconds
    cache_max_age: int  # seconds an offline copy may be used


@dataclass(frozen=True)
class Profile:
    code: str
    path: Path
    name: str
    urls: Mapping[Env, Mapping[str, str]]  # "api" is always present for prod
    provider: str
    required: tuple[str, ...]
    shared_keys: tuple[str, ...]
    staging_fallback: bool
    dotenv: DotenvConfig | None = None
    infisical: InfisicalConfig | None = None
    guard: Mapping[str, Any] = field(default_factory=dict)  # validated by crane.guard.config

    def staging_gaps(self) -> list[str]:
        """What this venture lacks to run in staging (empty when staging is available)."""
        gaps = []
        if "api" not in self.urls.get(DEV, {}):
            gaps.append("no staging API URL ([api] dev)")
        if self.provider == "dotenv" and (self.dotenv is None or DEV not in self.dotenv.files):
            gaps.append("no staging secrets file ([secrets.dotenv] dev)")
        if self.provider == "infisical" and (self.infisical is None or not self.infisical.staging):
            gaps.append("staging disabled ([secrets.infisical] staging = false)")
        return gaps


# ---------------------------------------------------------------------------------------------
# Discovery


def search_dirs(
    flag_dir: str | None = None, environ: Mapping[str, str] | None = None, cwd: Path | None = None
) -> list[SearchDir]:
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    dirs: list[SearchDir] = []
    if flag_dir:
        dirs.append(SearchDir(Path(flag_dir).expanduser().resolve(), "--profiles-dir"))
    for part in environ.get("CRANE_PROFILES_DIR", "").split(os.pathsep):
        if part.strip():
            dirs.append(SearchDir(Path(part.strip()).expanduser().resolve(), "CRANE_PROFILES_DIR"))
    for parent in (cwd, *cwd.parents):
        candidate = parent / "profiles"
        if candidate.is_dir():
            dirs.append(SearchDir(candidate, "project"))
    dirs.append(SearchDir(user_config_dir() / "profiles", "user config"))
    return dirs


def find_profile(code: str, dirs: Sequence[SearchDir]) -> Path | None:
    for d in dirs:
        candidate = d.path / f"{code}.toml"
        if candidate.is_file():
            return candidate
    return None


def list_ventures(dirs: Sequence[SearchDir]) -> dict[str, Path]:
    """Every venture code visible along the search path, first directory winning."""
    found: dict[str, Path] = {}
    for d in dirs:
        if not d.path.is_dir():
            continue
        for entry in sorted(d.path.glob("*.toml")):
            if VENTURE_CODE.match(entry.stem) and entry.stem not in found:
                found[entry.stem] = entry
    return found


def unknown_venture(code: str, known: Sequence[str], dirs: Sequence[SearchDir]) -> UsageError:
    close = difflib.get_close_matches(code, known, n=1)
    msg = f"unknown venture {code!r}"
    if close:
        msg += f" (did you mean {close[0]!r}?)"
    where = ", ".join(str(d.path) for d in dirs)
    hint = f"known ventures: {', '.join(known) or 'none'}; searched: {where}"
    return UsageError(msg, hint)


# ---------------------------------------------------------------------------------------------
# Parsing

_cache: dict[Path, tuple[float, Profile]] = {}


def load_profile(path: Path) -> Profile:
    """Parse and validate one profile (memoised on the file's modification time)."""
    path = path.resolve()
    try:
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise ProfileError(str(path), f"cannot read profile: {exc.strerror}") from None
    hit = _cache.get(path)
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(str(path), f"invalid TOML: {exc}") from None
    except OSError as exc:
        raise ProfileError(str(path), f"cannot read profile: {exc.strerror}") from None
    profile = _Parser(path, data).profile()
    _cache[path] = (mtime, profile)
    return profile


class _Parser:
    """Walks the TOML tree; every complaint names the file and the dotted field."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.code = path.stem

    def fail(self, field_name: str, problem: str, hint: str | None = None) -> ProfileError:
        return ProfileError(str(self.path), f"{field_name}: {problem}", hint)

    def table(self, parent: Mapping[str, Any], key: str, dotted: str) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(dotted, "must be a table")
        return value

    def only(self, table: Mapping[str, Any], allowed: Sequence[str], dotted: str) -> None:
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
                name = f"{dotted}.{key}" if dotted else key
                raise self.fail(name, "unknown field", hint)

    def string(self, table: Mapping[str, Any], key: str, dotted: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(dotted, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(dotted, "must be a non-empty string")
        return value.strip()

    def boolean(self, table: Mapping[str, Any], key: str, dotted: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(dotted, "must be true or false")
        return value

    def names(self, table: Mapping[str, Any], key: str, dotted: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(dotted, "must be a list of names")
        return tuple(value)

    def url(self, value: Any, dotted: str) -> str:
        if not isinstance(value, str):
            raise self.fail(dotted, "must be a URL string")
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(dotted, f"malformed URL {value!r}", "expected http(s)://host[/path]")
        return value.strip().rstrip("/")

    def seconds(self, table: Mapping[str, Any], key: str, dotted: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(dotted, "must be a number of seconds or a duration like '90s', '30m', '24h', '2d'")
        if isinstance(value, str):
            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
            if not match:
                raise self.fail(dotted, f"cannot read duration {value!r}", "use e.g. '90s', '30m', '24h', '2d'")
            value = float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]
        if value <= 0:
            raise self.fail(dotted, "must be positive")
        return float(value)

    def profile(self) -> Profile:
        if not VENTURE_CODE.match(self.code):
            raise self.fail("(file name)", f"venture code {self.code!r} must match [a-z0-9][a-z0-9_-]*")
        d = self.data
        self.only(d, ("name", "staging_fallback", "api", "urls", "secrets", "guard"), "")
        name = self.string(d, "name", "name") or self.code
        urls = self.urls()
        secrets = self.table(d, "secrets", "secrets")
        self.only(secrets, ("provider", "required", "shared_keys", "dotenv", "infisical"), "secrets")
        provider = self.string(secrets, "provider", "secrets.provider", required=True)
        if provider not in PROVIDERS:
            raise self.fail("secrets.provider", f"unknown provider {provider!r}", f"known: {', '.join(PROVIDERS)}")
        dotenv = self.dotenv(secrets) if provider == "dotenv" else None
        infisical = self.infisical(secrets) if provider == "infisical" else None
        return Profile(
            code=self.code,
            path=self.path,
            name=name,
            urls=urls,
            provider=provider,
            required=self.names(secrets, "required", "secrets.required"),
            shared_keys=self.names(secrets, "shared_keys", "secrets.shared_keys"),
            staging_fallback=self.boolean(d, "staging_fallback", "staging_fallback", True),
            dotenv=dotenv,
            infisical=infisical,
            guard=self.table(d, "guard", "guard"),
        )

    def urls(self) -> dict[Env, dict[str, str]]:
        api = self.table(self.data, "api", "api")
        self.only(api, ("prod", "dev"), "api")
        if "prod" not in api:
            raise self.fail("api.prod", "is required (the production API base URL)")
        named = self.table(self.data, "urls", "urls")
        self.only(named, ("prod", "dev"), "urls")
        urls: dict[Env, dict[str, str]] = {}
        for env in (PROD, DEV):
            table = self.table(named, env, f"urls.{env}")
            env_urls = {key: self.url(value, f"urls.{env}.{key}") for key, value in table.items()}
            if "api" in env_urls:
                raise self.fail(f"urls.{env}.api", f"set the API base in [api] {env} instead")
            if env in api:
                env_urls["api"] = self.url(api[env], f"api.{env}")
            if env_urls:
                urls[env] = env_urls
        return urls

    def dotenv(self, secrets: Mapping[str, Any]) -> DotenvConfig:
        table = self.table(secrets, "dotenv", "secrets.dotenv")
        self.only(table, ("prod", "dev"), "secrets.dotenv")
        files: dict[Env, Path] = {}
        for env in (PROD, DEV):
            value = self.string(table, env, f"secrets.dotenv.{env}", required=env == PROD)
            if value is not None:
                files[env] = (self.path.parent / value).resolve()
        return DotenvConfig(files)

    def infisical(self, secrets: Mapping[str, Any]) -> InfisicalConfig:
        t = self.table(secrets, "infisical", "secrets.infisical")
        dotted = "secrets.infisical"
        self.only(
            t,
            ("host", "project_id", "staging", "prod_environment", "prod_path", "dev_environment", "dev_path",
             "timeout", "cache_max_age"),
            dotted,
        )
        host = self.url(t.get("host", DEFAULT_INFISICAL_HOST), f"{dotted}.host")
        project_id = self.string(t, "project_id", f"{dotted}.project_id", required=True)
        assert project_id is not None
        paths: dict[Env, str] = {}
        for env, default in ((PROD, f"/{self.code}"), (DEV, f"/{self.code}/staging")):
            value = self.string(t, f"{env}_path", f"{dotted}.{env}_path") or default
            if not value.startswith("/"):
                raise self.fail(f"{dotted}.{env}_path", f"must be an absolute secret path, got {value!r}")
            paths[env] = value.rstrip("/") or "/"
        return InfisicalConfig(
            host=host,
            project_id=project_id,
            staging=self.boolean(t, "staging", f"{dotted}.staging", False),
            environments={
                PROD: self.string(t, "prod_environment", f"{dotted}.prod_environment") or "prod",
                DEV: self.string(t, "dev_environment", f"{dotted}.dev_environment") or "dev",
            },
            paths=paths,
            timeout=self.seconds(t, "timeout", f"{dotted}.timeout", DEFAULT_FETCH_TIMEOUT),
            cache_max_age=int(self.seconds(t, "cache_max_age", f"{dotted}.cache_max_age", DEFAULT_CACHE_MAX_AGE)),
        )
