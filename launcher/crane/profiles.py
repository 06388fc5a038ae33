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

import os

from crane._record import Record
from crane._toml import TomlError, load_toml
from crane.envname import DEV, PROD
from crane.errors import ProfileError, UsageError
from crane.paths import config_path

# Hot path (get_api_base, the guard hook): no typing, dataclasses, re or urllib at run time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from crane.envname import Env
    from crane.sandbox.settings import SandboxSettings

    StrPath = str | os.PathLike[str]

PROVIDERS = ("dotenv", "infisical")
_CODE_FIRST = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_CODE_REST = _CODE_FIRST | {"_", "-"}


def valid_venture_code(code: str) -> bool:
    """Venture codes match [a-z0-9][a-z0-9_-]* (checked without `re`, which the hot path avoids)."""
    return bool(code) and code[0] in _CODE_FIRST and all(c in _CODE_REST for c in code)


def did_you_mean(word: str, options: Sequence[str]) -> str | None:
    import difflib

    close = difflib.get_close_matches(word, list(options), n=1)
    return close[0] if close else None
DEFAULT_INFISICAL_HOST = "https://app.infisical.com"
DEFAULT_CACHE_MAX_AGE = 24 * 3600
DEFAULT_FETCH_TIMEOUT = 10.0


class SearchDir(Record):
    __slots__ = ("path", "origin")
    path: str
    origin: str  # "--profiles-dir", "CRANE_PROFILES_DIR", "project", "user config"

    def __init__(self, path: str, origin: str) -> None:
        self._set(path=path, origin=origin)


class DotenvConfig(Record):
    __slots__ = ("files",)
    files: Mapping[Env, str]  # absolute; "dev" only when staging has a file

    def __init__(self, files: Mapping[Env, str]) -> None:
        self._set(files=files)


class InfisicalConfig(Record):
    __slots__ = ("host", "project_id", "staging", "environments", "paths", "timeout", "cache_max_age")
    host: str
    project_id: str
    staging: bool
    environments: Mapping[Env, str]  # crane env -> Infisical environment slug
    paths: Mapping[Env, str]  # crane env -> secret path
    timeout: float  # total time budget for one fetch, seconds
    cache_max_age: int  # seconds an offline copy may be used

    def __init__(self, host: str, project_id: str, staging: bool, environments: Mapping[Env, str],
                 paths: Mapping[Env, str], timeout: float, cache_max_age: int) -> None:
        self._set(host=host, project_id=project_id, staging=staging, environments=environments, paths=paths,
                  timeout=timeout, cache_max_age=cache_max_age)


class Profile(Record):
    __slots__ = ("code", "path", "name", "urls", "provider", "required", "shared_keys", "staging_fallback",
                 "dotenv", "infisical", "guard", "smoke", "allow_loader_vars", "sandbox")
    code: str
    path: str  # absolute
    name: str
    urls: Mapping[Env, Mapping[str, str]]  # "api" is always present for prod
    provider: str
    required: tuple[str, ...]
    shared_keys: tuple[str, ...]
    staging_fallback: bool
    dotenv: DotenvConfig | None
    infisical: InfisicalConfig | None
    guard: Mapping[str, Any]  # validated by crane.guard.rules.config
    smoke: tuple[Mapping[str, Any], ...]  # [[smoke]] tables, validated by crane.smoke
    allow_loader_vars: tuple[str, ...]  # loader-changing secret names allowed anyway (secrets/loader_vars.py)
    sandbox: SandboxSettings | None  # None: no [sandbox] table (the defaults)

    def __init__(self, code: str, path: str, name: str, urls: Mapping[Env, Mapping[str, str]], provider: str,
                 required: tuple[str, ...], shared_keys: tuple[str, ...], staging_fallback: bool,
                 dotenv: DotenvConfig | None = None, infisical: InfisicalConfig | None = None,
                 guard: Mapping[str, Any] | None = None, smoke: tuple[Mapping[str, Any], ...] = (),
                 allow_loader_vars: tuple[str, ...] = (), sandbox: SandboxSettings | None = None) -> None:
        self._set(code=code, path=path, name=name, urls=urls, provider=provider, required=required,
                  shared_keys=shared_keys, staging_fallback=staging_fallback, dotenv=dotenv, infisical=infisical,
                  guard=guard if guard is not None else {}, smoke=smoke, allow_loader_vars=allow_loader_vars,
                  sandbox=sandbox)

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


def _absolute(path: str) -> str:
    return os.path.realpath(os.path.expanduser(path))


def parents(directory: str, limit: int | None = None) -> list[str]:
    """`directory` (made absolute) and each of its parents, nearest first; at most `limit` of them."""
    chain = [os.path.abspath(directory)]
    while (up := os.path.dirname(chain[-1])) != chain[-1] and (limit is None or len(chain) < limit):
        chain.append(up)
    return chain


def search_dirs(
    flag_dir: StrPath | None = None, environ: Mapping[str, str] | None = None, cwd: StrPath | None = None
) -> list[SearchDir]:
    environ = os.environ if environ is None else environ
    here = os.path.abspath(os.fspath(cwd)) if cwd is not None else os.getcwd()
    dirs: list[SearchDir] = []
    if flag_dir:
        dirs.append(SearchDir(_absolute(os.fspath(flag_dir)), "--profiles-dir"))
    for part in environ.get("CRANE_PROFILES_DIR", "").split(os.pathsep):
        if part.strip():
            dirs.append(SearchDir(_absolute(part.strip()), "CRANE_PROFILES_DIR"))
    for parent in parents(here):
        candidate = os.path.join(parent, "profiles")
        if os.path.isdir(candidate):
            dirs.append(SearchDir(candidate, "project"))
    dirs.append(SearchDir(os.path.join(config_path(), "profiles"), "user config"))
    return dirs


def find_profile(code: str, dirs: Sequence[SearchDir]) -> str | None:
    for d in dirs:
        candidate = os.path.join(d.path, f"{code}.toml")
        if os.path.isfile(candidate):
            return candidate
    return None


def list_ventures(dirs: Sequence[SearchDir]) -> dict[str, str]:
    """Every venture code visible along the search path, first directory winning."""
    found: dict[str, str] = {}
    for d in dirs:
        try:
            entries = sorted(os.listdir(d.path))
        except OSError:
            continue
        for entry in entries:
            code, ext = os.path.splitext(entry)
            if ext == ".toml" and valid_venture_code(code) and code not in found:
                found[code] = os.path.join(d.path, entry)
    return found


def unknown_venture(code: str, known: Sequence[str], dirs: Sequence[SearchDir]) -> UsageError:
    close = did_you_mean(code, known)
    msg = f"unknown venture {code!r}"
    if close:
        msg += f" (did you mean {close!r}?)"
    where = ", ".join(d.path for d in dirs)
    hint = f"known ventures: {', '.join(known) or 'none'}; searched: {where}"
    return UsageError(msg, hint)


# ---------------------------------------------------------------------------------------------
# Parsing

_cache: dict[str, tuple[float, Profile]] = {}


def load_profile(path: StrPath, *, cached: bool = True) -> Profile:
    """Parse and validate one profile (memoised on the file's modification time).

    `cached=False` reads the file's bytes, past every cache (the guard's settings: see load_toml).
    """
    path = os.path.realpath(os.fspath(path))
    try:
        mtime = os.stat(path).st_mtime
    except OSError as exc:
        raise ProfileError(path, f"cannot read profile: {exc.strerror}") from None
    hit = _cache.get(path)
    if cached and hit and hit[0] == mtime:
        return hit[1]
    try:
        data = load_toml(path, cache=cached)
    except TomlError as exc:
        raise ProfileError(path, f"invalid TOML: {exc}") from None
    except OSError as exc:
        raise ProfileError(path, f"cannot read profile: {exc.strerror}") from None
    profile = _Parser(path, data).profile()
    _cache[path] = (mtime, profile)
    return profile


class _Parser:
    """Walks the TOML tree; every complaint names the file and the dotted field."""

    def __init__(self, path: str, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.code = os.path.splitext(os.path.basename(path))[0]

    def fail(self, field_name: str, problem: str, hint: str | None = None) -> ProfileError:
        return ProfileError(self.path, f"{field_name}: {problem}", hint)

    def table(self, parent: Mapping[str, Any], key: str, dotted: str) -> dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(dotted, "must be a table")
        return value

    def only(self, table: Mapping[str, Any], allowed: Sequence[str], dotted: str) -> None:
        for key in table:
            if key not in allowed:
                close = did_you_mean(key, allowed)
                hint = f"did you mean {close!r}?" if close else f"allowed: {', '.join(allowed)}"
                name = f"{dotted}.{key}" if dotted else key
                raise self.fail(name, "unknown field", hint)

    def tables(self, parent: Mapping[str, Any], key: str) -> tuple[dict[str, Any], ...]:
        """An array of tables (`[[key]]`); its entries are validated by the feature that owns them."""
        value = parent.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "must be an array of tables", f"write each entry as [[{key}]]")
        return tuple(value)

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
        url = value.strip()
        scheme, sep, rest = url.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].rpartition("@")[2]
        if host.startswith("["):  # [IPv6]:port
            name, _, after = host[1:].partition("]")
            port: str | None = after[1:] if after.startswith(":") else (None if after else "")
        else:
            name, _, port = host.partition(":")
        bad_port = port is None or (port != "" and not (port.isascii() and port.isdigit()))
        if (not sep or scheme.lower() not in ("http", "https") or not name or bad_port
                or any(c.isspace() for c in url)):
            raise self.fail(dotted, f"malformed URL {value!r}", "expected http(s)://host[:port][/path]")
        return url.rstrip("/")

    def seconds(self, table: Mapping[str, Any], key: str, dotted: str, default: float) -> float:
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise self.fail(dotted, "must be a number of seconds or a duration like '90s', '30m', '24h', '2d'")
        if isinstance(value, str):
            import re

            match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", value)
            if not match:
                raise self.fail(dotted, f"cannot read duration {value!r}", "use e.g. '90s', '30m', '24h', '2d'")
            value = float(match[1]) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match[2]]
        if value <= 0:
            raise self.fail(dotted, "must be positive")
        return float(value)

    def profile(self) -> Profile:
        if not valid_venture_code(self.code):
            raise self.fail("(file name)", f"venture code {self.code!r} must match [a-z0-9][a-z0-9_-]*")
        d = self.data
        self.only(d, ("name", "staging_fallback", "api", "urls", "secrets", "guard", "smoke", "sandbox"), "")
        name = self.string(d, "name", "name") or self.code
        urls = self.urls()
        secrets = self.table(d, "secrets", "secrets")
        self.only(secrets, ("provider", "required", "shared_keys", "dotenv", "infisical", "allow_loader_vars"),
                  "secrets")
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
            smoke=self.tables(d, "smoke"),
            allow_loader_vars=self.names(secrets, "allow_loader_vars", "secrets.allow_loader_vars"),
            sandbox=self.sandbox(),
        )

    def sandbox(self) -> SandboxSettings | None:
        if "sandbox" not in self.data:
            return None  # the hot path (get_api_base) never imports the sandbox package
        from crane.sandbox.settings import parse_settings

        return parse_settings(self.table(self.data, "sandbox", "sandbox"), self.path)

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
        files: dict[Env, str] = {}
        for env in (PROD, DEV):
            value = self.string(table, env, f"secrets.dotenv.{env}", required=env == PROD)
            if value is not None:
                files[env] = os.path.realpath(os.path.join(os.path.dirname(self.path), os.path.expanduser(value)))
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
