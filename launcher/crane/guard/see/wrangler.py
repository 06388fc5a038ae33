"""Which wrangler environment a command targets, and whether that is production.

Order (wrangler 4.x): `--env NAME` / `-e NAME` / `--env=NAME` / `-e=NAME` wins; then
`CLOUDFLARE_ENV` (inline `CLOUDFLARE_ENV=x cmd`, `env CLOUDFLARE_ENV=x`, exported earlier in the
same command, or inherited by the hook). An empty name (`--env=""`) is the top level.

A named environment is production when it is in `guard.production_envs`, else staging. The top
level is judged from the wrangler config that wrangler itself would read (`--config/-c`, else
wrangler.json / wrangler.jsonc / wrangler.toml in the working directory or above): if the config
defines one of the production environments (`[env.production]`), the top level is the staging
default; otherwise the top level *is* production. No config found: unknown.

Computed at run time means production. When the environment could have been set or changed by
something the text does not show, a staging session must not be able to reach production
through it, so the target is production ("environment computed at run time: assumed
production"):

- a computed `--env` value (`--env $E`, `--env prod$(…)uction`, a `for` variable);
- a `CLOUDFLARE_ENV` that something dynamic may have assigned (`CLOUDFLARE_ENV=$E`, `read`,
  `printf -v`, `mapfile`, `getopts`, a nameref, `export $(cat .env)`, `eval`, an unreadable
  `source`: the analyser records these as `COMPUTED`);
- a word the shell may turn into options: an unquoted expansion or glob anywhere (`$A` with
  `A='--env production'`; word splitting), or a computed argument that may start with `-`
  (`"$A"`);
- arguments the guard cannot see (`xargs`, `parallel`, `find -exec`: `unseen`), including the
  `{}` placeholders they fill in;
- a computed `--config` / `--cwd` when the top level decides.

Standard library only.
"""

from __future__ import annotations

import json
import os

from crane._record import Record
from crane.guard.see.targets import env_target, worst
from crane.profiles import parents

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from crane.guard.model import Target
    from crane.guard.rules.config import GuardConfig
    from crane.guard.rules.engine import ParsedArgs

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


COMPUTED = "\x00computed"
ASSUMED = "environment computed at run time: assumed production"
OPEN_ARGS = "arguments computed at run time may select the environment: assumed production"
UNSEEN_ARGS = "arguments supplied at run time (xargs, -exec) may select the environment: assumed production"


def wrangler_target(
    args: ParsedArgs,
    cloudflare_env: frozenset[str | None],
    cwd: str | None,
    config: GuardConfig,
    *,
    unseen: bool = False,
) -> tuple[Target, str]:
    """(target, why) for a wrangler command with these arguments.

    `cloudflare_env` holds the values CLOUDFLARE_ENV may have for this command (None: unset;
    several when the command string sets it on some paths only; `COMPUTED` when computed).
    `unseen`: more arguments are appended at run time (xargs). Anything computed that could pick
    the environment makes the target production (see the module docstring).
    """
    if unseen:
        return "production", UNSEEN_ARGS
    choices = _choices(args, cloudflare_env)
    if choices is None:
        return "production", ASSUMED
    if _may_add_options(args):
        return "production", OPEN_ARGS
    judged = [_judge(choice, args, cwd, config) for choice in choices]
    target = worst(t for t, _ in judged)
    why = next(w for t, w in judged if t == target)
    return target, why


_GLOBS = frozenset("*?[{")
UNKNOWN_LOCATION = "the working directory is not known"


def _is_glob(raw: str) -> bool:
    """Does this word, as written, hold an unquoted glob or brace character?"""
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == "\\" and quote == '"':
                i += 1
        elif ch == "\\":
            i += 1
        elif ch in "'\"":
            quote = ch
        elif ch in _GLOBS:
            return True
        i += 1
    return False


def _may_add_options(args: ParsedArgs) -> bool:
    """Could the shell turn some argument into options (`--env production`) the text does not show?"""
    if any(_opens(p.raw, computed=p.value is None) for p in args.positionals):
        return True
    return any(o.value is not None and _opens(o.value.raw, computed=False) for o in args.options)


def _opens(raw: str, *, computed: bool) -> bool:
    """Could this word (`raw`, as written) expand into options?

    An unquoted `$…`/backtick (word splitting), a glob or brace expansion with no static prefix,
    or a computed word whose value may start with `-` (`"$A"`).
    """
    first: str | None = None  # the first character of the value; "" when that is computed
    quote = ""
    i = 0
    while i < len(raw):
        ch = raw[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            elif first is None:
                first = ch
        elif ch == "\\" and i + 1 < len(raw):
            i += 1
            if first is None:
                first = raw[i]
        elif quote == '"':
            if ch == '"':
                quote = ""
            elif first is None:
                first = "" if ch in "$`" else ch
        elif ch in "'\"":
            quote = ch
        elif ch in "$`":
            return True  # unquoted: word splitting can make any words of its value
        elif ch in _GLOBS:
            if first in (None, "", "-"):
                return True  # may expand to file names such as `--env=production`
        elif first is None:
            first = ch
        i += 1
    return computed and first in (None, "", "-")


def _choices(args: ParsedArgs, cloudflare_env: frozenset[str | None]) -> list[EnvChoice] | None:
    given = args.values(("--env", "-e"))
    flags = [f.value for f in given]
    late = _after_dashdash(args)
    if None in flags or None in late or any(_is_glob(f.raw) for f in given):
        return None  # computed, or a glob that may match a planted file (`--env prod*`)
    chosen = [EnvChoice(name or None, "--env") for name in (*flags, *late)]
    if flags:
        return chosen
    if COMPUTED in cloudflare_env:
        return None
    # Without a real --env, CLOUDFLARE_ENV (or the top level) decides; one after `--` may too.
    return chosen + [EnvChoice(v or None, ENV_VAR) for v in sorted(cloudflare_env, key=lambda v: v or "")]


def _after_dashdash(args: ParsedArgs) -> list[str | None]:
    """`--env NAME` among the positionals, i.e. after a `--`.

    Runners differ on whether they pass a `--` on or drop it (`npx wrangler -- deploy --env x`,
    `pnpm exec wrangler -- …`): count such an environment as possibly chosen.
    """
    found: list[str | None] = []
    words = args.positionals
    for i, word in enumerate(words):
        value = word.value
        if value in ("--env", "-e", "--e") and i + 1 < len(words):
            found.append(None if _is_glob(words[i + 1].raw) else words[i + 1].value)
        elif value is not None and value.startswith(("--env=", "-e=", "--e=")):
            found.append(None if _is_glob(word.raw) else value.partition("=")[2])
    return found


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
        if "computed at run time" in found or found == UNKNOWN_LOCATION:
            # `cd -`, `cd "$DIR"`, CDPATH: the config that decides could be any, production's too.
            return "production", f"no environment given and {found}: assumed production"
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
        if value.value is None or _is_glob(value.raw):
            return "its --cwd is computed at run time"
        base = _join(base, value.value)
    explicit = args.values(("--config", "-c"))
    if explicit:
        path = explicit[-1].value
        if path is None:
            return "its --config is computed at run time"
        if _is_glob(explicit[-1].raw):
            return "its --config is a glob, computed at run time"
        if base is None and not os.path.isabs(path):
            return UNKNOWN_LOCATION
        full = _join(base, path) or path
        return (full, read_config(full)) if os.path.isfile(full) else f"{path} does not exist"
    if base is None:
        return UNKNOWN_LOCATION
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
