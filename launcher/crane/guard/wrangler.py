"""Which wrangler environment a command targets, and whether that is production.

Order (wrangler 4.x): `--env NAME` / `-e NAME` / `--env=NAME` / `-e=NAME` wins; then
`CLOUDFLARE_ENV` (inline `CLOUDFLARE_ENV=x cmd`, `env CLOUDFLARE_ENV=x`, exported earlier in the
same command, or inherited by the hook). An empty name (`--env=""`) is the top level.

A named environment is production when it is in `guard.production_envs`, else staging. The top
level is judged from the wrangler config that wrangler itself would read (`--config/-c`, else
wrangler.json / wrangler.jsonc / wrangler.toml in the working directory or above): if the config
defines one of the production environments (`[env.production]`), the top level is the staging
default; otherwise the top level *is* production. No config found: unknown.

Standard library only.
"""

from __future__ import annotations

import json
import os

from crane._record import Record
from crane.guard.targets import env_target, worst
from crane.profiles import parents

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from crane.guard.config import GuardConfig
    from crane.guard.model import Target
    from crane.guard.rules import ParsedArgs

CONFIG_NAMES = ("wrangler.json", "wrangler.jsonc", "wrangler.toml")  # wrangler's own order
# Vite-plugin builds leave a pointer to a generated, flattened config (one environment baked in).
REDIRECT_CONFIG = os.path.join(".wrangler", "deploy", "config.json")
MAX_CONFIG_BYTES = 2 * 1024 * 1024
MAX_PARENT_LEVELS = 64
ENV_VAR = "CLOUDFLARE_ENV"


class EnvChoice(Record):
    """One environment the command may run against: a name, or None for the top level."""

    __slots__ = ("name", "source")
    name: str | None
    source: str  # "--env", "CLOUDFLARE_ENV"

    def __init__(self, name: str | None, source: str) -> None:
        self._set(name=name, source=source)


def wrangler_target(
    args: ParsedArgs,
    cloudflare_env: frozenset[str | None],
    cwd: str | None,
    config: GuardConfig,
) -> tuple[Target, str]:
    """(target, why) for a wrangler command with these arguments.

    `cloudflare_env` holds the values CLOUDFLARE_ENV may have for this command (None: unset;
    several when the command string sets it on some paths only; `COMPUTED` when computed).
    """
    choices = _choices(args, cloudflare_env)
    if choices is None:
        return "unknown", "--env computed at run time"
    judged = [_judge(choice, args, cwd, config) for choice in choices]
    target = worst(t for t, _ in judged)
    why = next(w for t, w in judged if t == target)
    if args.dynamic and not args.values(("--env", "-e")) and target in ("staging", "local"):
        return "unknown", "arguments computed at run time may select another environment"
    return target, why


COMPUTED = "\x00computed"


def _choices(args: ParsedArgs, cloudflare_env: frozenset[str | None]) -> list[EnvChoice] | None:
    flags = args.values(("--env", "-e"))
    if flags:
        names = [f.value for f in flags]
        if None in names:
            return None
        return [EnvChoice(name or None, "--env") for name in names]
    if COMPUTED in cloudflare_env:
        return None
    return [EnvChoice(v or None, ENV_VAR) for v in sorted(cloudflare_env, key=lambda v: v or "")]


def _judge(choice: EnvChoice, args: ParsedArgs, cwd: str | None, config: GuardConfig) -> tuple[Target, str]:
    if choice.name is not None:
        target = env_target(choice.name, config)
        shown = f"--env {choice.name}" if choice.source == "--env" else f"{ENV_VAR}={choice.name}"
        return target, shown
    return top_level_target(args, cwd, config)


def top_level_target(args: ParsedArgs, cwd: str | None, config: GuardConfig) -> tuple[Target, str]:
    """The target of the top-level environment, judged from the wrangler config."""
    found = find_config(args, cwd)
    if isinstance(found, str):
        return "unknown", f"no environment given and {found}"
    path, document = found
    name = os.path.basename(path)
    if document is None:
        return "unknown", f"no environment given and {name} could not be read"
    envs = document.get("env")
    defined = set(envs) if isinstance(envs, dict) else set()
    production = {p.lower() for p in config.production_envs}
    hits = sorted(e for e in defined if str(e).lower() in production)
    if hits:
        return "staging", f"no environment given: top level of {name} (production is [env.{hits[0]}])"
    return "production", f"no environment given: top level of {name} is production"


def find_config(args: ParsedArgs, cwd: str | None) -> tuple[str, dict[str, Any] | None] | str:
    """(path, parsed document or None if unreadable), or a reason why there is none."""
    base = cwd
    for value in args.values(("--cwd",)):
        if value.value is None:
            return "its --cwd is computed at run time"
        base = _join(base, value.value)
    explicit = args.values(("--config", "-c"))
    if explicit:
        path = explicit[-1].value
        if path is None:
            return "its --config is computed at run time"
        if base is None and not os.path.isabs(path):
            return "the working directory is not known"
        full = _join(base, path) or path
        return (full, read_config(full)) if os.path.isfile(full) else f"{path} does not exist"
    if base is None:
        return "the working directory is not known"
    for directory in parents(base, MAX_PARENT_LEVELS):
        if os.path.isfile(os.path.join(directory, REDIRECT_CONFIG)):
            return "the project deploys a generated config (.wrangler/deploy/config.json)"
        for name in CONFIG_NAMES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                return path, read_config(path)
    return "no wrangler.json/jsonc/toml was found"


def _join(base: str | None, path: str) -> str | None:
    path = os.path.expanduser(path)
    if os.path.isabs(path):
        return os.path.normpath(path)
    return os.path.normpath(os.path.join(base, path)) if base is not None else None


def read_config(path: str) -> dict[str, Any] | None:
    """A wrangler.toml/json/jsonc as a dict; None if it cannot be read or parsed."""
    try:
        if os.path.getsize(path) > MAX_CONFIG_BYTES:
            return None
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        if path.endswith(".toml"):
            import tomllib

            document: object = tomllib.loads(text)
        else:
            document = json.loads(strip_jsonc(text))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas -> JSON. Strings are left alone, escapes included."""
    return _drop_trailing_commas(_drop_comments(text))


def _drop_comments(text: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
        elif text.startswith("//", i):
            newline = text.find("\n", i)
            i = n if newline < 0 else newline
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2)
            i = n if close < 0 else close + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _drop_trailing_commas(text: str) -> str:
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == '"':
            end = _string_end(text, i)
            out.append(text[i:end])
            i = end
            continue
        if ch == ",":
            j = i + 1
            while j < n and text[j] in " \t\r\n":
                j += 1
            if j < n and text[j] in "}]":
                i += 1
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _string_end(text: str, start: int) -> int:
    """Index just past the JSON string that opens at `start` (or the end of the text)."""
    i = start + 1
    n = len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return n
