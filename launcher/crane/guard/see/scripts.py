"""Commands that come from files: package.json scripts, Makefile recipes, shell scripts, .env files.

`npm run deploy` deploys whatever `scripts.deploy` in package.json says, so the guard reads it
(and the pre/post scripts npm runs around it) and classifies the body like any other command.
This module parses the package managers' command lines (pure functions) and reads the files
(bounded in size and in how far it searches); the analyser does the recursion.

Standard library only.
"""

from __future__ import annotations

import json
import os
import re

from crane._record import Record
from crane.guard.see.prefilter import PACKAGE_MANAGERS, WORKSPACE_RUNNERS
from crane.guard.see.shell import Word, joined

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Literal

    CallKind = Literal["script", "script_or_bin", "argv", "shell", "builtin", "file"]

__all__ = ["PACKAGE_MANAGERS", "WORKSPACE_RUNNERS", "PmCall", "parse_package_manager"]

MAX_FILE_BYTES = 1024 * 1024
MAX_PARENT_LEVELS = 64
MAX_WORKSPACE_DIRS = 300
MAX_WORKSPACE_DEPTH = 4
MAX_MAKE_LINES = 400


class PmCall(Record):
    """One thing a package-manager command line runs."""

    __slots__ = ("kind", "name", "args", "chdir", "workspaces", "lifecycle", "name_word")
    kind: CallKind
    name: str | None  # script name (script, script_or_bin)
    args: tuple[Word, ...]  # extra script arguments, or the argv to run
    chdir: Word | None  # --prefix / -C / --dir / --cwd
    workspaces: bool  # runs in workspace packages (-w, --filter, -r, yarn workspace ...)
    lifecycle: tuple[str, ...]  # scripts a builtin runs (npm install -> postinstall, ...)
    name_word: Word | None  # the script name as written (computed when value is None)

    def __init__(
        self,
        kind: CallKind,
        name: str | None = None,
        args: tuple[Word, ...] = (),
        chdir: Word | None = None,
        workspaces: bool = False,
        lifecycle: tuple[str, ...] = (),
        name_word: Word | None = None,
    ) -> None:
        self._set(kind=kind, name=name, args=args, chdir=chdir, workspaces=workspaces, lifecycle=lifecycle,
                  name_word=name_word)


# npm runs these scripts around its own commands.
LIFECYCLE: dict[str, tuple[str, ...]] = {
    "install": ("preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare"),
    "publish": ("prepublishOnly", "prepack", "prepare", "postpack", "publish", "postpublish"),
    "pack": ("prepack", "prepare", "postpack"),
    "version": ("preversion", "version", "postversion"),
}
_INSTALL_WORDS = frozenset({
    "install", "i", "in", "ins", "inst", "insta", "instal", "isnt", "isnta", "isntal", "isntall", "ci",
    "add", "clean-install", "install-clean", "ic",
})
_SCRIPT_ALIASES = {"t": "test", "tst": "test", "test": "test", "start": "start", "stop": "stop", "restart": "restart"}

_PNPM_BUILTINS = frozenset({
    "add", "install", "i", "update", "up", "upgrade", "remove", "rm", "uninstall", "un", "link", "ln",
    "unlink", "import", "rebuild", "rb", "prune", "fetch", "patch", "patch-commit", "patch-remove",
    "audit", "list", "ls", "ll", "la", "outdated", "why", "licenses", "create", "init", "publish",
    "pack", "deploy", "env", "store", "root", "bin", "setup", "config", "c", "get", "set", "server",
    "doctor", "cat-file", "cat-index", "find-hash", "self-update", "approve-builds", "ignored-builds",
    "dedupe", "help", "recursive", "multi", "m", "install-test", "it", "node", "cache", "owner",
    "dist-tag", "whoami", "login", "logout", "adduser", "version",
})
_YARN_BUILTINS = frozenset({
    "add", "install", "remove", "upgrade", "up", "info", "init", "link", "unlink", "pack", "publish",
    "version", "why", "config", "cache", "bin", "set", "plugin", "constraints", "dedupe", "explain",
    "node", "patch", "patch-commit", "rebuild", "search", "stage", "unplug", "audit", "autoclean",
    "check", "global", "import", "licenses", "list", "login", "logout", "outdated", "owner",
    "policies", "tag", "team", "generate-lock-entry", "create", "help", "npm", "upgrade-interactive",
    "dlx", "exec", "run", "workspace", "workspaces",
})
_BUN_BUILTINS = frozenset({
    "install", "i", "add", "a", "remove", "rm", "update", "outdated", "link", "unlink", "pm", "init",
    "create", "c", "build", "test", "repl", "upgrade", "publish", "patch", "patch-commit", "audit",
    "info", "why", "completions", "discord", "help", "feedback",
})
_SCRIPT_FILE = r"(^|/)[^/]*\.(m?[jt]sx?|cjs|cts|mts)$|/"  # compiled on first use (re caches it)


# command-line parsing ----------------------------------------------------------------------


class _Where(Record):
    """Where a package-manager call runs: an explicit directory, and/or across workspaces."""

    __slots__ = ("chdir", "workspaces")
    chdir: Word | None
    workspaces: bool

    def __init__(self, chdir: Word | None = None, workspaces: bool = False) -> None:
        self._set(chdir=chdir, workspaces=workspaces)


class _Split(Record):
    __slots__ = ("options", "positionals", "after_dashdash")
    options: tuple[tuple[str, Word | None], ...]
    positionals: tuple[Word, ...]
    after_dashdash: tuple[Word, ...]

    def __init__(
        self, options: tuple[tuple[str, Word | None], ...], positionals: tuple[Word, ...], after: tuple[Word, ...]
    ) -> None:
        self._set(options=options, positionals=positionals, after_dashdash=after)


def _split(words: Sequence[Word], value_options: frozenset[str]) -> _Split:
    options: list[tuple[str, Word | None]] = []
    positionals: list[Word] = []
    i = 0
    while i < len(words):
        word = words[i]
        value = word.value
        if value == "--":
            return _Split(tuple(options), tuple(positionals), tuple(words[i + 1 :]))
        if value is not None and value.startswith("-") and len(value) > 1:
            option, i = _take_option(words, i, value_options)
            options.append(option)
        else:
            positionals.append(word)
            i += 1
    return _Split(tuple(options), tuple(positionals), ())


def _leading(words: Sequence[Word], value_options: frozenset[str]) -> tuple[list[tuple[str, Word | None]], int]:
    """Options before the first positional (the subcommand), and the subcommand's index."""
    options: list[tuple[str, Word | None]] = []
    i = 0
    while i < len(words):
        value = words[i].value
        if value is None or not value.startswith("-") or value == "-" or value == "--":
            break
        option, i = _take_option(words, i, value_options)
        options.append(option)
    return options, i


def _take_option(words: Sequence[Word], i: int, value_options: frozenset[str]) -> tuple[tuple[str, Word | None], int]:
    """The option at `words[i]` with its value (`--x=v`, or `--x v` for value options), and the next index."""
    name, eq, inline = (words[i].value or "").partition("=")
    if eq:
        return (name, Word(inline, inline)), i + 1
    if name in value_options and i + 1 < len(words):
        return (name, words[i + 1]), i + 2
    return (name, None), i + 1


def _value(options: Sequence[tuple[str, Word | None]], names: frozenset[str]) -> Word | None:
    found = [v for n, v in options if n in names and v is not None]
    return found[-1] if found else None


def _has(options: Sequence[tuple[str, Word | None]], names: frozenset[str]) -> bool:
    return any(n in names for n, _ in options)


def _script_args(rest: Sequence[Word]) -> list[tuple[Word, ...]]:
    """pnpm/yarn/bun pass everything after the script name; a leading `--` may or may not reach it."""
    if rest and rest[0].value == "--":
        return [tuple(rest[1:]), tuple(rest)]
    return [tuple(rest)]


_NPM_VALUES = frozenset({
    "--prefix", "-C", "-w", "--workspace", "--registry", "--cache", "--userconfig", "--loglevel", "--tag",
    "--otp", "--access", "-p", "--package", "-c", "--call", "--script-shell",
})


def parse_npm(words: Sequence[Word]) -> list[PmCall]:
    split = _split(words, _NPM_VALUES)
    chdir = _value(split.options, frozenset({"--prefix", "-C"}))
    workspaces = _has(split.options, frozenset({"-w", "--workspace", "--workspaces", "-ws"}))
    pos = split.positionals
    if not pos:
        return [PmCall("builtin", chdir=chdir)]
    sub = pos[0].value
    if sub is None:
        return [PmCall("script", None, chdir=chdir, name_word=pos[0])]
    where = _Where(chdir, workspaces)
    if sub in ("run", "run-script", "rum", "urn"):
        if len(pos) < 2:
            return [PmCall("builtin", chdir=chdir)]  # lists the scripts
        # npm keeps its own options (`npm run deploy --env=x` sets npm's `env`); only positionals
        # and what follows `--` reach the script.
        return [_script(pos[1], (*pos[2:], *split.after_dashdash), where)]
    if sub in _SCRIPT_ALIASES:
        return _named_scripts(_SCRIPT_ALIASES[sub], (*pos[1:], *split.after_dashdash), where)
    if sub in ("exec", "x"):
        return _npm_exec(words, split, where)
    return [_builtin(sub, where)]


def _npm_exec(words: Sequence[Word], split: _Split, where: _Where) -> list[PmCall]:
    calls: list[PmCall] = []
    shell = _value(split.options, frozenset({"-c", "--call"}))
    if shell is not None:
        calls.append(_call("shell", (shell,), where))
    command = split.positionals[1:]
    if split.after_dashdash:
        # npm stops reading its own options at `--`; the positionals before it (the package or
        # program, `npm exec wrangler -- deploy`) and the words after it form the command.
        calls.append(_call("argv", (*command, *split.after_dashdash), where))
        return calls
    if command:
        # Without `--`, npm may take the options for itself or pass them on: consider both.
        start = next(i for i, w in enumerate(words) if w is command[0])
        calls.append(_call("argv", tuple(command), where))
        calls.append(_call("argv", tuple(words[start:]), where))
    return calls


def _call(kind: CallKind, args: Sequence[Word], where: _Where) -> PmCall:
    return PmCall(kind, None, tuple(args), where.chdir, where.workspaces)


def _script(name: Word, args: Sequence[Word], where: _Where, kind: CallKind = "script") -> PmCall:
    return PmCall(kind, name.value, tuple(args), where.chdir, where.workspaces, name_word=name)


def _named_scripts(name: str, args: Sequence[Word], where: _Where) -> list[PmCall]:
    names = ("stop", "restart", "start") if name == "restart" else (name,)
    return [PmCall("script", n, tuple(args), where.chdir, where.workspaces) for n in names]


def _builtin(sub: str, where: _Where, argv: Sequence[Word] = ()) -> PmCall:
    """The package manager's own command; `argv` (from the subcommand on) is matched against rules."""
    key = "install" if sub in _INSTALL_WORDS else sub
    if sub in _INSTALL_TEST_WORDS:  # `npm it`: install, then test
        return PmCall("builtin", sub, tuple(argv), where.chdir, where.workspaces,
                      (*LIFECYCLE["install"], "pretest", "test", "posttest"))
    if sub in ("rebuild", "rb"):  # runs the install scripts again
        return PmCall("builtin", sub, tuple(argv), where.chdir, where.workspaces,
                      ("preinstall", "install", "postinstall", "prepare"))
    return PmCall("builtin", sub, tuple(argv), where.chdir, where.workspaces, LIFECYCLE.get(key, ()))


_INSTALL_TEST_WORDS = frozenset({"it", "install-test", "cit", "install-ci-test", "install-clean-test"})


_PNPM_VALUES = frozenset({
    "-C", "--dir", "--filter", "-F", "--filter-prod", "--workspace-concurrency", "--reporter", "--loglevel",
    "--registry", "--tag", "--otp", "--access", "--publish-branch", "--resume-from", "--test-pattern",
    "--changed-files-ignore-pattern",
})


def parse_pnpm(words: Sequence[Word]) -> list[PmCall]:
    options, index = _leading(words, _PNPM_VALUES)
    chdir = _value(options, frozenset({"-C", "--dir"}))
    workspaces = _has(options, frozenset({"--filter", "-F", "--filter-prod", "-r", "--recursive"}))
    if index >= len(words):
        return [PmCall("builtin", chdir=chdir)]
    sub_word = words[index]
    rest = words[index + 1 :]
    where = _Where(chdir, workspaces)
    sub = sub_word.value
    if sub is None:
        return [_script(sub_word, (), where)]
    if sub in ("run", "run-script"):
        more, at = _leading(rest, _PNPM_VALUES)
        where = _Where(chdir, workspaces or _has(more, frozenset({"--filter", "-F", "-r", "--recursive"})))
        if at >= len(rest):
            return [PmCall("builtin", chdir=chdir)]
        return [_script(rest[at], args, where) for args in _script_args(rest[at + 1 :])]
    if sub in _SCRIPT_ALIASES:
        return [c for args in _script_args(rest) for c in _named_scripts(_SCRIPT_ALIASES[sub], args, where)]
    if sub in ("exec", "dlx"):
        values = frozenset({"--package", "--resume-from", "--report-summary"})
        return _exec_like(rest, values, frozenset({"-c", "--shell-mode"}), where)
    if sub in _PNPM_BUILTINS:
        return [_builtin(sub, where, words[index:])]
    return [_script(sub_word, args, where, "script_or_bin") for args in _script_args(rest)]


def _exec_like(
    rest: Sequence[Word], values: frozenset[str], shell_flags: frozenset[str], where: _Where
) -> list[PmCall]:
    options, at = _leading(rest, values)
    argv = tuple(rest[at:])
    if argv and argv[0].value == "--":
        argv = argv[1:]
    if _has(options, shell_flags):
        return [_call("shell", (joined(argv),), where)]
    return [_call("argv", argv, where)]



_YARN_VALUES = frozenset({
    "--cwd", "--registry", "--tag", "--otp", "--access", "--new-version", "--modules-folder", "--cache-folder",
})
_FOREACH_VALUES = frozenset({"--include", "--exclude", "--from", "--since", "-j", "--jobs"})


def parse_yarn(words: Sequence[Word], workspaces: bool = False) -> list[PmCall]:
    options, index = _leading(words, _YARN_VALUES)
    chdir = _value(options, frozenset({"--cwd"}))
    where = _Where(chdir, workspaces)
    if index >= len(words):
        return [_builtin("install", where, ())]
    sub_word = words[index]
    rest = words[index + 1 :]
    sub = sub_word.value
    if sub is None:
        return [_script(sub_word, (), where)]
    if sub == "run":
        if not rest:
            return [PmCall("builtin", chdir=chdir)]
        return [_script(rest[0], args, where, "script_or_bin") for args in _script_args(rest[1:])]
    if sub in ("test", "start"):
        return [c for args in _script_args(rest) for c in _named_scripts(sub, args, where)]
    if sub == "exec":
        return [_call("shell", (joined(rest),), where)]
    if sub == "dlx":
        return _exec_like(rest, frozenset({"-p", "--package"}), frozenset(), where)
    if sub == "workspace" and rest:
        return parse_yarn(rest[1:], workspaces=True)
    if sub == "workspaces":
        return _yarn_workspaces(rest)
    if sub in _YARN_BUILTINS:
        return [_builtin(sub, where, words[index:])]
    return [_script(sub_word, args, where, "script_or_bin") for args in _script_args(rest)]


def _yarn_workspaces(rest: Sequence[Word]) -> list[PmCall]:
    if not rest:
        return [PmCall("builtin")]
    verb = rest[0].value
    if verb == "foreach":
        _, at = _leading(rest[1:], _FOREACH_VALUES)
        return parse_yarn(rest[1 + at :], workspaces=True)
    if verb == "run" and len(rest) > 1:
        return [_script(rest[1], rest[2:], _Where(None, True))]
    return [PmCall("builtin")]


_BUN_VALUES = frozenset({
    "--cwd", "--filter", "-F", "--registry", "--tag", "--otp", "--access", "--config", "-c", "--env-file",
    "--preload", "-r",
})


def parse_bun(words: Sequence[Word]) -> list[PmCall]:
    options, index = _leading(words, _BUN_VALUES)
    chdir = _value(options, frozenset({"--cwd"}))
    workspaces = _has(options, frozenset({"--filter", "-F"}))
    where = _Where(chdir, workspaces)
    if index >= len(words):
        return [PmCall("builtin", chdir=chdir)]
    sub_word = words[index]
    rest = words[index + 1 :]
    sub = sub_word.value
    if sub is None:
        return [_script(sub_word, (), where)]
    if sub == "run":
        more, at = _leading(rest, _BUN_VALUES)
        if at >= len(rest):
            return [PmCall("builtin", chdir=chdir)]
        filtered = workspaces or _has(more, frozenset({"--filter", "-F"}))
        return _bun_target(rest[at], rest[at + 1 :], _Where(chdir, filtered))
    if sub == "x":
        return _exec_like(rest, frozenset({"-p", "--package"}), frozenset(), where)
    if sub == "exec":
        return [_call("shell", (joined(rest),), where)]
    if sub in _BUN_BUILTINS:
        return [_builtin(sub, where, words[index:])]
    return _bun_target(sub_word, rest, where)


def _bun_target(name: Word, rest: Sequence[Word], where: _Where) -> list[PmCall]:
    if name.value is not None and re.search(_SCRIPT_FILE, name.value):
        return [_script(name, rest, where, "file")]
    return [_script(name, args, where, "script_or_bin") for args in _script_args(rest)]


_TURBO_VALUES = frozenset({
    "--filter", "-F", "--concurrency", "--cache-dir", "--output-logs", "--log-order", "--env-mode", "--cache",
    "--graph", "--profile", "--summarize", "--log-prefix", "--cwd", "--scope", "--ignore", "--since",
})


def parse_workspace_runner(program: str, words: Sequence[Word]) -> list[PmCall]:
    """turbo/lerna/nx: run package.json scripts (tasks) across the workspace packages."""
    split = _split(words, _TURBO_VALUES)
    pos = list(split.positionals)
    if any(n in ("--dry", "--dry-run", "--dryrun") for n, _ in split.options):
        return []
    if program == "lerna" and pos and pos[0].value == "exec":
        return [_call("argv", split.after_dashdash or tuple(pos[1:]), _Where(None, True))]
    if pos and pos[0].value in ("run", "run-many", "exec"):
        pos = pos[1:]
    elif program != "turbo":
        return []
    calls: list[PmCall] = []
    for task in pos:
        value = task.value
        name = value.split(":")[-1] if value is not None else None  # nx project:target
        calls.append(PmCall("script", name, split.after_dashdash, None, True, name_word=task))
    return calls


def parse_package_manager(program: str, words: Sequence[Word]) -> list[PmCall]:
    if program == "npm":
        return parse_npm(words)
    if program == "pnpm":
        return parse_pnpm(words)
    if program == "yarn":
        return parse_yarn(words)
    if program == "bun":
        return parse_bun(words)
    return parse_workspace_runner(program, words)


def script_text(body: str, args: Sequence[Word]) -> str:
    """What the package manager hands to the shell: the body plus the quoted arguments."""
    if not args:
        return body
    import shlex

    parts = [shlex.quote(w.value) if w.value is not None else w.raw for w in args]
    return body + " " + " ".join(parts)


# files -------------------------------------------------------------------------------------


def read_text(path: str) -> str | None:
    """A small text file's content; None if missing, too large, binary or unreadable."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_FILE_BYTES:
            return None
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if b"\x00" in data:
        return None
    return data.decode("utf-8", "replace")


def read_first(directory: str, names: Sequence[str]) -> str | None:
    """The text of the first of `names` in `directory` that `read_text` can read; None if none."""
    for name in names:
        text = read_text(os.path.join(directory, name))
        if text is not None:
            return text
    return None


def ancestors(start: str) -> list[str]:
    from crane.profiles import parents

    return parents(start, MAX_PARENT_LEVELS)


def nearest_package_dir(cwd: str) -> str | None:
    for directory in ancestors(cwd):
        if os.path.isfile(os.path.join(directory, "package.json")):
            return directory
    return None


def read_scripts(directory: str) -> dict[str, str]:
    text = read_text(os.path.join(directory, "package.json"))
    if text is None:
        return {}
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    scripts = document.get("scripts") if isinstance(document, dict) else None
    if not isinstance(scripts, dict):
        return {}
    return {k: v for k, v in scripts.items() if isinstance(k, str) and isinstance(v, str)}


def workspace_root(cwd: str) -> str:
    """The monorepo root above `cwd` (the highest directory that declares workspaces)."""
    root = nearest_package_dir(cwd) or os.path.abspath(cwd)
    for directory in ancestors(cwd)[:8]:
        markers = ("pnpm-workspace.yaml", "lerna.json", "turbo.json", "nx.json")
        if any(os.path.isfile(os.path.join(directory, m)) for m in markers):
            root = directory
            continue
        text = read_text(os.path.join(directory, "package.json"))
        if text is not None and '"workspaces"' in text:
            root = directory
    return root


def workspace_dirs(cwd: str) -> list[str]:
    """Package directories of the workspace around `cwd` (bounded breadth-first search)."""
    root = workspace_root(cwd)
    found: list[str] = []
    queue: list[tuple[str, int]] = [(root, 0)]
    visited = 0
    while queue and visited < MAX_WORKSPACE_DIRS:
        directory, depth = queue.pop(0)
        visited += 1
        if os.path.isfile(os.path.join(directory, "package.json")):
            found.append(directory)
        if depth >= MAX_WORKSPACE_DEPTH:
            continue
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in ("node_modules", "dist", "build", "target"):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    queue.append((entry.path, depth + 1))
            except OSError:
                continue
    return found


_DOTENV_LINE = r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$"


def read_dotenv(path: str) -> dict[str, str]:
    text = read_text(path)
    if text is None:
        return {}
    values: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(_DOTENV_LINE, line)
        if not match:
            continue
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].strip()
        values[match.group(1)] = value
    return values


# Makefiles ---------------------------------------------------------------------------------

_MAKE_VAR = r"^(?:override\s+|export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:::?=|:::=|\?=|\+=|!=|=)\s*(.*)$"
_MAKE_RULE = r"^([^:#=\t][^:#=]*?)\s*(::?)(?!=)\s*([^=]*)$"
_MAKE_REF = r"\$[({]([A-Za-z_][A-Za-z0-9_.-]*)[)}]"
MAKEFILE_NAMES = ("GNUmakefile", "makefile", "Makefile")


class _MakeRule(Record):
    __slots__ = ("prerequisites", "recipe")
    prerequisites: tuple[str, ...]
    recipe: tuple[str, ...]

    def __init__(self, prerequisites: tuple[str, ...], recipe: tuple[str, ...]) -> None:
        self._set(prerequisites=prerequisites, recipe=recipe)


def _parse_makefile(text: str) -> tuple[dict[str, str], dict[str, _MakeRule], list[str]]:
    variables: dict[str, str] = {"MAKE": "make"}
    rules: dict[str, _MakeRule] = {}
    order: list[str] = []
    current: list[str] = []
    lines = text.replace("\\\r\n", " ").replace("\\\n\t", " ").replace("\\\n", " ").splitlines()
    for line in lines[: MAX_MAKE_LINES * 10]:
        if line.startswith("\t"):
            for target in current:
                rule = rules[target]
                rules[target] = _MakeRule(rule.prerequisites, (*rule.recipe, line[1:]))
            continue
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        var = re.match(_MAKE_VAR, stripped)
        if var and not re.match(_MAKE_RULE, stripped):
            variables[var.group(1)] = var.group(2)
            current = []
            continue
        rule_match = re.match(_MAKE_RULE, stripped)
        if not rule_match:
            current = []
            continue
        targets = rule_match.group(1).split()
        prereq_text, _, inline = rule_match.group(3).partition(";")
        current = targets
        for target in targets:
            rules.setdefault(target, _MakeRule((), ()))
            old = rules[target]
            recipe = (*old.recipe, inline.strip()) if inline.strip() else old.recipe
            rules[target] = _MakeRule((*old.prerequisites, *prereq_text.split()), recipe)
            if target not in order:
                order.append(target)
    return variables, rules, order


def _expand_make(line: str, variables: dict[str, str], target: str, prerequisites: tuple[str, ...]) -> str:
    for _ in range(5):
        expanded = re.sub(_MAKE_REF, lambda m: variables.get(m.group(1), m.group(0)), line)
        if expanded == line:
            break
        line = expanded
    line = line.replace("$@", target).replace("$<", prerequisites[0] if prerequisites else "")
    line = line.replace("$^", " ".join(prerequisites)).replace("$$", "$")
    return line


def make_variable(text: str, name: str) -> str | None:
    """The last value a Makefile assigns to `name` (as written), or None."""
    found = None
    for match in re.finditer(_MAKE_VAR, text, re.MULTILINE):
        if match.group(1) == name:
            found = match.group(2).strip()
    return found


_MAKE_INCLUDE = re.compile(r"^\s*-?(?:s?include)\s+(.+?)\s*$", re.MULTILINE)


def with_make_includes(text: str, directory: str, depth: int = 0) -> str:
    """A Makefile's text with the files it includes (`include x.mk`, `-include`, `sinclude`)
    appended (bounded); an include that cannot be read adds nothing."""
    if depth > 4 or "include" not in text:
        return text

    def included(match: re.Match[str]) -> str:
        # In place: the first rule of an included file may be the default goal.
        parts = [match.group(0)]
        for name in match.group(1).split()[:16]:
            found = read_text(name if os.path.isabs(name) else os.path.join(directory, name))
            if found is not None:
                parts.append(with_make_includes(found, directory, depth + 1))
        return "\n".join(parts)

    return _MAKE_INCLUDE.sub(included, text)


def make_recipes(directory: str, makefile: str | None, targets: Sequence[str]) -> list[str] | None:
    """The shell lines `make TARGET...` would run (prerequisites first); None without a Makefile."""
    text = read_first(directory, (makefile,) if makefile else MAKEFILE_NAMES)
    if text is None:
        return None
    return make_recipes_of(text, targets)


def make_recipes_of(text: str, targets: Sequence[str], overrides: dict[str, str] | None = None) -> list[str]:
    """The shell lines `make TARGET...` would run with this Makefile text (prerequisites first);
    `overrides`: variables set on the command line, which win over the Makefile's."""
    variables, rules, order = _parse_makefile(text)
    variables.update(overrides or {})
    wanted = list(targets) or [t for t in order if not t.startswith(".") and "%" not in t][:1]
    lines: list[str] = []
    seen: set[str] = set()

    def visit(target: str, depth: int) -> None:
        if target in seen or depth > 12 or len(lines) > MAX_MAKE_LINES:
            return
        seen.add(target)
        rule = rules.get(target)
        if rule is None:
            return
        for prerequisite in rule.prerequisites:
            visit(prerequisite, depth + 1)
        for raw in rule.recipe:
            line = raw.lstrip().lstrip("@+-").lstrip()
            if line:
                lines.append(_expand_make(line, variables, target, rule.prerequisites))

    for target in wanted:
        visit(target, 0)
    return lines
