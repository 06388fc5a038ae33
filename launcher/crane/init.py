"""`crane init`: a new venture's profile and the project's `.crane.toml`, written only when the
result is a valid profile and nothing would be overwritten.

Pure planning (`plan_init`) and writing (`write_init`) are separate, so the CLI can ask questions,
show what it will create, and tests can check the texts. Nothing here prompts or prints.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from crane.errors import CraneError, UsageError
from crane.profiles import find_profile, load_profile, search_dirs, valid_venture_code
from crane.resolve import MARKER_FILE

DOTENV_HEADER = "# {env} secrets for {code}: one KEY=value per line (never commit this file)\n"


class AlreadyExists(CraneError):
    """`crane init` never overwrites a profile, a secrets file or a `.crane.toml`."""


@dataclass(frozen=True)
class InitSpec:
    code: str
    name: str
    prod_api: str
    staging_api: str | None
    provider: str  # "dotenv" | "infisical"
    project_id: str | None = None  # infisical
    infisical_host: str | None = None
    prod_environment: str = "prod"
    dev_environment: str = "dev"
    prod_path: str | None = None  # default /<code>
    dev_path: str | None = None  # default /<code>/staging
    default_env: str | None = None  # `env` in .crane.toml


@dataclass(frozen=True)
class InitPlan:
    profile: str  # absolute path of <code>.toml
    profile_text: str
    marker: str | None  # absolute path of .crane.toml, None when not written
    marker_text: str
    dotenv_files: Mapping[str, str] = field(default_factory=dict)  # absolute path -> initial text


def _s(value: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    return json.dumps(value, ensure_ascii=False)


def profile_text(spec: InitSpec) -> str:
    lines = [f"# crane profile for {spec.code}; every field: docs/configuration.md", f"name = {_s(spec.name)}", "",
             "[api]", f"prod = {_s(spec.prod_api)}"]
    if spec.staging_api:
        lines.append(f"dev = {_s(spec.staging_api)}")
    else:
        lines.append("# dev = \"https://staging.api.example\"   # no staging: asking for it falls back to production")
    lines += ["", "[secrets]", f"provider = {_s(spec.provider)}", ""]
    if spec.provider == "dotenv":
        lines += ["[secrets.dotenv]", f"prod = {_s(f'{spec.code}/prod.env')}"]
        if spec.staging_api:
            lines.append(f"dev = {_s(f'{spec.code}/staging.env')}")
    else:
        assert spec.project_id is not None
        lines += ["[secrets.infisical]"]
        if spec.infisical_host:
            lines.append(f"host = {_s(spec.infisical_host)}")
        lines += [f"project_id = {_s(spec.project_id)}",
                  f"staging = {'true' if spec.staging_api else 'false'}",
                  f"prod_environment = {_s(spec.prod_environment)}",
                  f"prod_path = {_s(spec.prod_path or f'/{spec.code}')}"]
        if spec.staging_api:
            lines += [f"dev_environment = {_s(spec.dev_environment)}",
                      f"dev_path = {_s(spec.dev_path or f'/{spec.code}/staging')}"]
    return "\n".join(lines) + "\n"


def marker_text(spec: InitSpec) -> str:
    text = f"venture = {_s(spec.code)}\n"
    if spec.default_env:
        text += f"env = {_s(spec.default_env)}\n"
    return text


def plan_init(spec: InitSpec, profiles_dir: str, project_dir: str | None,
              environ: Mapping[str, str] | None = None) -> InitPlan:
    """What `crane init` would write; raises when a value is invalid or a file already exists."""
    environ = os.environ if environ is None else environ
    if not valid_venture_code(spec.code):
        raise UsageError(f"invalid venture code {spec.code!r}", "codes match [a-z0-9][a-z0-9_-]* (e.g. acme)")
    if spec.provider not in ("dotenv", "infisical"):
        raise UsageError(f"unknown provider {spec.provider!r}", "use dotenv or infisical")
    if spec.provider == "infisical" and not (spec.project_id or "").strip():
        raise UsageError("an Infisical venture needs its project id", "pass --project-id ID")
    profiles_dir = os.path.realpath(os.path.expanduser(profiles_dir))
    profile = os.path.join(profiles_dir, f"{spec.code}.toml")
    text = profile_text(spec)
    _validate(spec.code, text)
    marker = os.path.join(os.path.abspath(project_dir), MARKER_FILE) if project_dir is not None else None
    if marker is not None and spec.default_env:
        from crane.envname import ACCEPTED, normalize

        if not normalize(spec.default_env).known or not spec.default_env.strip():
            raise UsageError(f"--default-env: unknown environment {spec.default_env!r}", f"accepted: {ACCEPTED}")

    existing = [p for p in (profile, marker) if p is not None and os.path.lexists(p)]
    # A profile for the same code elsewhere on the search path would shadow or be shadowed by this one.
    seen_from = project_dir or os.getcwd()
    other = find_profile(spec.code, search_dirs(profiles_dir, environ, seen_from))
    if other is not None and os.path.realpath(other) != profile:
        existing.append(other)
    if existing:
        raise AlreadyExists(f"not overwriting {existing[0]}: it already exists",
                            "choose another venture code, or edit the existing file")

    dotenv: dict[str, str] = {}
    if spec.provider == "dotenv":
        envs = [("prod", "production")] + ([("staging", "staging")] if spec.staging_api else [])
        for file_env, label in envs:
            path = os.path.join(profiles_dir, spec.code, f"{file_env}.env")
            if not os.path.lexists(path):  # existing secrets files are the user's: kept as they are
                dotenv[path] = DOTENV_HEADER.format(env=label, code=spec.code)

    return InitPlan(profile, text, marker, marker_text(spec), dotenv)


def next_steps(spec: InitSpec, plan: InitPlan, project_dir: str | None,
               environ: Mapping[str, str] | None = None) -> list[str]:
    """What to run next, spelled so that it works from the current directory (after writing)."""
    environ = os.environ if environ is None else environ
    here = os.getcwd()
    flags = ""
    if plan.marker is None or project_dir is None or os.path.realpath(project_dir) != os.path.realpath(here):
        flags += f" --venture {spec.code}"
    found = find_profile(spec.code, search_dirs(None, environ, here))
    if found is None or os.path.realpath(found) != plan.profile:
        flags += f" --profiles-dir {os.path.dirname(plan.profile)}"
    steps: list[str] = []
    if spec.provider == "dotenv":
        folder = os.path.join(os.path.dirname(plan.profile), spec.code)
        steps.append(f"put your secrets in {os.path.join(folder, 'prod.env')}"
                     + (" and staging.env next to it" if spec.staging_api else ""))
    else:
        steps.append(f"crane login{flags}")
    staging = spec.staging_api and not spec.default_env
    steps.append(f"crane preflight{flags}{' --env staging' if staging else ''}")
    return steps


def _validate(code: str, text: str) -> None:
    """The generated profile must load like any other (a bad URL is reported as the field it is)."""
    with tempfile.TemporaryDirectory(prefix="crane-init-") as tmp:
        path = os.path.join(tmp, f"{code}.toml")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        try:
            load_profile(path)
        except CraneError as exc:
            field_problem = exc.message.removeprefix(f"{os.path.realpath(path)}: ")
            raise UsageError(f"the profile would be invalid: {field_problem}", exc.hint) from None


def _make_private_dirs(directory: str) -> None:
    """Create `directory` and any missing parents 0700 (os.makedirs gives the parents the umask's mode)."""
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError as exc:
            raise CraneError(f"cannot create {path}: {exc.strerror}") from None


def write_init(plan: InitPlan) -> list[str]:
    """Create the files (exclusively: a file that appeared meanwhile is not overwritten)."""
    written: list[str] = []
    files = [(plan.profile, plan.profile_text, 0o600), *((p, t, 0o600) for p, t in plan.dotenv_files.items())]
    if plan.marker is not None:
        files.append((plan.marker, plan.marker_text, 0o600))
    for path, text, mode in files:
        _make_private_dirs(os.path.dirname(path))
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        except FileExistsError:
            raise AlreadyExists(f"not overwriting {path}: it already exists") from None
        except OSError as exc:
            raise CraneError(f"cannot create {path}: {exc.strerror}") from None
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        written.append(path)
    return written
