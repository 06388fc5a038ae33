"""Paths an agent must not write: the guard's own configuration and what it trusts.

An agent does not change its own guard. A write (by a file tool, a redirection, `cp`/`mv`/`tee`/
`sed -i`/`install`/`ln`/`rm`/`chmod`/..., or inline code naming the path) to any of these is
denied in every mode, with the rule `guard.protected-path`:

- crane's config, state and cache directories (`crane.paths`, `CRANE_STATE_DIR`, the guard's
  state dir) and the session's profile (`CRANE_PROFILE`);
- agent settings that install or configure hooks: `.claude/settings*.json`, anything under
  `.gemini/` or `.codex/`;
- what runs code on git operations: `.git/hooks/`, `.git/config`, the directory `core.hooksPath`
  names (repository or global), `.husky/`; and `git config core.hooksPath`;
- for `rm`/`mv`/`rmdir`: a directory that holds any of the above (`rm -rf .claude`).

Credential stores (keyring files: Secret Service, `python_keyring`, macOS keychains, KWallet) are
matched here too, for any access: the rule `keyring.read`.

Standard library only; paths are resolved with the hook's own environment (HOME, XDG_*).
"""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase
from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from crane.guard.rules.config import GuardConfig

RULE_PROTECTED = "guard.protected-path"
RULE_KEYRING = "keyring.read"
RULE_CRANE = "crane.secrets"
MAX_GITCONFIG_BYTES = 256 * 1024

GIT_HOOKS = frozenset({
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit", "prepare-commit-msg",
    "commit-msg", "post-commit", "pre-rebase", "post-checkout", "post-merge", "pre-push", "pre-receive", "update",
    "proc-receive", "post-receive", "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc",
    "post-rewrite", "sendemail-validate", "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit", "post-index-change",
})
# Directories (by name) whose every file is protected, and (directory, file glob) pairs.
_PROTECTED_DIRS = (".gemini", ".codex", ".husky")
_PROTECTED_FILES = ((".claude", "settings*.json"),)
# Directories that hold a guard's configuration: deleting or moving them disables it.
_GUARD_DIRS = (".claude", ".gemini", ".codex")

# Where OS keyrings keep their data (any access reads stored credentials).
_KEYRING_PATH = (
    r"(?:^|/)(?:\.local/share/keyrings|\.gnome2/keyrings|python_keyring|\.local/share/kwalletd|\.kde4?/share/apps/"
    r"kwallet|Library/Keychains)(?:/|$)|\.keyring$|\.kwl$|\.keychain(?:-db)?$|(?:^|/)(?:crypted_pass|keyring_pass)\.cfg$"
)
# Inline code that writes files (Python, Node, Perl, Ruby, PHP, Deno, shell).
_WRITE_VERBS = (
    r"write|unlink|remove|rename|replace|rmtree|copy|move|chmod|symlink|truncate|mkdir|rmdir|append|dump"
    r"|open\s*\([^)]*['\"][wax+]|>>?|\brm\b|\bcp\b|\bmv\b|\bln\b|\btee\b|sed\s+-i"
)
_CRANE_CODE = (r"(?:^|[^\w.])(?:from\s+crane\b|import\s+crane\b|__import__\(\s*['\"]crane"
               r"|require\(\s*['\"]crane|importlib\.import_module\(\s*['\"]crane)")
_KEYRING_CODE = (r"(?:^|[^\w.])(?:import\s+keyring\b|from\s+keyring\b|__import__\(\s*['\"]keyring"
                 r"|keyring\.get_(?:password|credential)|import_module\(\s*['\"]keyring)")


@lru_cache(maxsize=16)
def _pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """Patterns compiled on first use: the hook imports this module for Read calls too."""
    return re.compile(source, flags)


def crane_dirs(config: GuardConfig) -> tuple[str, ...]:
    """crane's own directories and files: config, state, cache, the guard's state, the profile."""
    from crane.paths import cache_path, config_path, state_path

    found = (config_path(), state_path(), cache_path(), config.state_dir, config.profile_path or "",
             os.environ.get("CRANE_PROFILE", "").strip())
    return _resolved(found)


@lru_cache(maxsize=8)
def _resolved(paths: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_real(p) for p in paths if p))


def _real(path: str) -> str:
    return os.path.realpath(os.path.expanduser(path))


def absolute(text: str, cwd: str | None) -> str | None:
    """`text` as an absolute, normalised path (None when relative and the directory is unknown)."""
    path = os.path.expanduser(text)
    if not os.path.isabs(path):
        if cwd is None:
            return None
        path = os.path.join(cwd, path)
    return os.path.realpath(path)


def protected_write(text: str, cwd: str | None, config: GuardConfig, *, removes: bool = False) -> str | None:
    """Why writing the path `text` would change the guard or what it trusts; None if it would not.

    `removes`: the write deletes or moves the path (`rm`, `mv` source), so a directory holding a
    protected path counts too.
    """
    if not text:
        return None
    parts = [p for p in text.replace("\\", "/").split("/") if p and p != "."]
    why = _by_name(parts)
    if why is not None:
        return why
    if ("$" in text or "`" in text) and len(parts) >= 2 and parts[-2] == "hooks" and parts[-1] in GIT_HOOKS:
        return f"{text} is a git hook in a directory computed at run time"
    path = absolute(text, cwd)
    if path is None:
        return None
    why = _by_name([p for p in path.split(os.sep) if p])
    if why is not None:
        return why
    for directory in crane_dirs(config):
        if path == directory or path.startswith(directory.rstrip(os.sep) + os.sep):
            return f"{text} is crane's own configuration or state"
        if removes and directory.startswith(path.rstrip(os.sep) + os.sep):
            return f"{text} holds crane's own configuration or state"
    if removes and os.path.basename(path) in _GUARD_DIRS:
        return f"{text} holds the agent's settings"
    if removes and os.path.isdir(path):
        for name in _GUARD_DIRS:
            if os.path.exists(os.path.join(path, name)):
                return f"{text} holds {name}/, the agent's settings"
    why = _home_startup(path, text)
    if why is not None:
        return why
    hooks = hooks_paths(path)
    for directory in hooks:
        if path == directory or path.startswith(directory.rstrip(os.sep) + os.sep):
            return f"{text} is in core.hooksPath ({directory}): git runs it"
    return None


# Files in the home directory that run code for every later command (login shells: Codex runs
# each command through `bash -lc`) or tell git and npm which programs to run.
_HOME_STARTUP = (
    ".gitconfig", ".config/git/config", ".profile", ".bash_profile", ".bash_login", ".bashrc", ".bash_logout",
    ".zshenv", ".zprofile", ".zshrc", ".zlogin", ".config/fish/config.fish", ".npmrc", ".curlrc", ".wgetrc",
)


def _home_startup(path: str, text: str) -> str | None:
    home = os.environ.get("HOME")
    if not home:
        return None
    home = os.path.realpath(home)
    xdg = os.path.realpath(os.environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config"))
    candidates = {os.path.join(home, name) for name in _HOME_STARTUP} | {os.path.join(xdg, "git", "config")}
    if path in candidates:
        return (f"{text} runs code for every later command or names the programs git/npm/curl run "
                f"(the user's own configuration)")
    return None


def _by_name(parts: list[str]) -> str | None:
    for i, part in enumerate(parts):
        rest = parts[i + 1 :]
        if part in _PROTECTED_DIRS and rest:
            return f"{'/'.join(parts[i:])} is under {part}/"
        for directory, pattern in _PROTECTED_FILES:
            if part == directory and len(rest) == 1 and fnmatchcase(rest[0], pattern):
                return f"{directory}/{rest[0]} configures the agent's hooks"
        if part == ".git" and rest and (rest[0] == "hooks" or rest == ["config"]):
            return f".git/{'/'.join(rest)}: git runs hooks and reads its config from there"
    return None


def hooks_paths(path: str) -> list[str]:
    """The `core.hooksPath` directories that apply to `path`: its repository's and the global one."""
    return list(_hooks_paths_of_dir(path if os.path.isdir(path) else os.path.dirname(path)))


@lru_cache(maxsize=64)
def _hooks_paths_of_dir(directory: str) -> tuple[str, ...]:
    from crane.profiles import parents

    home = os.path.expanduser("~")
    found = _hooks_path_in(os.path.join(home, ".gitconfig"), home)

    for candidate in parents(directory, 64):
        git_config = os.path.join(candidate, ".git", "config")
        if os.path.isfile(git_config):
            found += _hooks_path_in(git_config, candidate)
            break
    return tuple(found)


_HOOKS_PATH = r"(?im)^\s*hookspath\s*=\s*(.+?)\s*$"


def _hooks_path_in(config_file: str, base: str) -> list[str]:
    try:
        with open(config_file, encoding="utf-8", errors="replace") as handle:
            text = handle.read(MAX_GITCONFIG_BYTES)
    except OSError:
        return []
    found = []
    for match in _pattern(_HOOKS_PATH).finditer(text):
        value = match.group(1).strip().strip('"')
        if value:
            full = os.path.expanduser(value)
            resolved = os.path.realpath(full if os.path.isabs(full) else os.path.join(base, full))
            root = os.path.realpath(base)
            if resolved == root or root.startswith(resolved.rstrip(os.sep) + os.sep):
                continue  # a "hooks directory" holding the whole project would protect every file
            found.append(resolved)
    return found


def keyring_file(text: str) -> bool:
    """Does this word name a file of an OS keyring (where crane keeps Infisical credentials), or
    a cloud CLI's own login, which would bypass the session's environment split?"""
    lowered = text.lower()
    if any(n in lowered for n in CREDENTIAL_STORE_WORDS) and \
            _pattern(_CREDENTIAL_STORES).search(text.replace("\\", "/")) is not None:
        return True
    if not any(n in lowered for n in ("keyring", "keychain", "kwallet", "crypted_pass", "kwl")):
        return False  # the cheap test first: Read and Bash calls pass here
    return _pattern(_KEYRING_PATH, re.IGNORECASE).search(text.replace("\\", "/")) is not None


# Cloud credential stores (docs/threat-model: hidden by the sandbox by default): wrangler's OAuth
# login, AWS, gcloud, Azure, .netrc, Docker's registry logins.
CREDENTIAL_STORE_WORDS = (".wrangler", ".aws", "gcloud", ".azure", ".netrc", ".docker")
_CREDENTIAL_STORES = (
    r"(?:^|/|~)(?:\.config/)?\.wrangler/config(?:/|$)|(?:^|/|~)\.aws/(?:credentials|sso/cache|cli/cache)"
    r"|(?:^|/|~)\.config/gcloud(?:/|$)|(?:^|/|~)\.azure(?:/|$)|(?:^|/|~)\.netrc$|(?:^|/|~)\.docker/config\.json$"
)


def code_writes_protected(code: str, config: GuardConfig) -> str | None:
    """Inline code that writes files and names a protected path (in pieces too:
    `os.path.join(home, ".claude", "settings.json")`): why, or None. Deliberately broad."""
    if not _pattern(_WRITE_VERBS, re.IGNORECASE).search(code):
        return None
    lowered = code.lower()
    for needles, what in _CODE_MENTIONS:
        if all(n in lowered for n in needles):
            return f"inline code writes files and names {what}"
    home = os.path.expanduser("~")
    for directory in crane_dirs(config):
        shown = directory.replace(home, "~", 1) if directory.startswith(home) else directory
        if directory.lower() in lowered or shown.lower() in lowered:
            return f"inline code writes files and names crane's {directory}"
    return None


_CODE_MENTIONS = (
    ((".claude", "settings"), ".claude/settings*.json"),
    ((".gemini",), ".gemini/"),
    ((".codex",), ".codex/"),
    ((".husky",), ".husky/"),
    ((".git", "hooks"), ".git/hooks/"),
    ((".git/config",), ".git/config"),
    (("hookspath",), "core.hooksPath"),
)


def crane_code(code: str) -> bool:
    """Inline code that loads crane's own modules (`from crane...`, `import crane`)."""
    return "crane" in code and _pattern(_CRANE_CODE).search(code) is not None


def keyring_code(code: str) -> bool:
    """Inline code that uses Python's keyring module (crane keeps Infisical credentials there)."""
    return "keyring" in code and _pattern(_KEYRING_CODE).search(code) is not None


def interpreter_of_crane(program: str, cwd: str | None) -> bool:
    """Is `program` (written as a path) the interpreter crane itself runs in (its virtualenv's
    `python*`)? Then it reaches crane's code and the credentials crane can read."""
    if "/" not in program:
        return False
    import sys

    path = os.path.expanduser(program)
    if not os.path.isabs(path):
        if cwd is None:
            return False
        path = os.path.join(cwd, path)
    # Not resolved: a virtualenv's python is a link to the system one, which is not crane's.
    own_bin = os.path.dirname(os.path.abspath(sys.executable))
    path = os.path.normpath(path)
    return os.path.dirname(path) == own_bin and os.path.basename(path).startswith("python")


# Programs that write the paths among their operands (all of them: a protected source of `cp`
# is rare, and `mv`/`ln` change the source or make a way to write it).
_ALL_OPERANDS = frozenset({
    "rm", "rmdir", "unlink", "shred", "touch", "truncate", "chmod", "chown", "chgrp", "mkdir", "tee", "patch",
    "mv", "ln", "sed", "perl", "ruby", "find",
})
_INTO_DIRECTORY = frozenset({"cp", "install", "rsync", "mv", "ln"})
_IN_PLACE = frozenset({"sed", "perl", "ruby"})
PATH_WRITERS = _ALL_OPERANDS | _INTO_DIRECTORY | {"dd", "git", "find"}
_REMOVES = frozenset({"rm", "rmdir", "unlink", "shred", "mv"})
_GIT_WRITES_PATHS = frozenset({"checkout", "restore", "rm", "mv", "apply", "am"})


def written_operands(program: str, positionals: list[str], options: dict[str, list[str]]) -> list[tuple[str, bool]]:
    """(path, removes) for the paths a file-writing program would write, as far as its words show."""
    if program == "dd":
        return [(p[3:], False) for p in positionals if p.startswith("of=")]
    if program == "find":
        return []  # its roots are checked by the caller (`find .claude -delete`)
    if program in _IN_PLACE and not any(name in options for name in ("-i", "--in-place")):
        return []  # `sed -n p file` only reads
    found: list[tuple[str, bool]] = []
    if program in _ALL_OPERANDS:
        found = [(p, program in _REMOVES) for p in dict.fromkeys(positionals)]
    if program in _INTO_DIRECTORY:
        targets = [v for name in ("-t", "--target-directory") for v in options.get(name, [])]
        sources = positionals if targets else positionals[:-1]
        targets = targets or positionals[-1:]
        for target in targets:
            found.append((target, False))
            # `cp settings.json .claude/` writes .claude/settings.json
            found += [(target.rstrip("/") + "/" + os.path.basename(s.rstrip("/")), False) for s in sources]
    return found


def git_protected(positionals: list[str]) -> str | None:
    """`git config core.hooksPath …`, or `git checkout/restore/rm … -- <protected path>`."""
    if not positionals:
        return None
    sub = positionals[0]
    if sub == "config":
        rest = [p.lower() for p in positionals[1:]]
        key = next((i for i, p in enumerate(rest) if p == "core.hookspath" or p == "include.path"
                    or p.startswith("includeif.") and p.endswith(".path")), None)
        changes = {"--unset", "--unset-all", "--replace-all", "--add", "set", "unset", "--remove-section"}
        if key is not None and (len(rest) > key + 1 or changes & set(rest)):
            if rest[key] == "core.hookspath":
                return "git config core.hooksPath: git would run hooks from another directory"
            # An included file may set core.hooksPath, core.fsmonitor, aliases: what git trusts.
            return f"git config {rest[key]}: git would read its settings from another file"
    if sub in _GIT_WRITES_PATHS:
        for path in positionals[1:]:
            why = _by_name([p for p in path.replace("\\", "/").split("/") if p and p != "."])
            if why is not None:
                return why
    return None


_PATCH_PATH = re.compile(
    r"^(?:\+\+\+|---)\s+(\S+)|^diff --git\s+(\S+)\s+(\S+)|^(?:rename|copy) (?:to|from)\s+(.+?)\s*$"
    r"|^\*\*\* (?:Add|Update|Delete) File:\s*(.+?)\s*$|^\*\*\* Move to:\s*(.+?)\s*$",
    re.MULTILINE,
)


def patch_protected(text: str) -> str | None:
    """Why a patch (unified, git, or apply_patch format) touches a protected path, or None.

    Each path is judged as written and without its first component (`a/`, `b/`, `-p1`).
    """
    for match in _PATCH_PATH.finditer(text[: 4 * 1024 * 1024]):
        for path in (g for g in match.groups() if g):
            parts = [p for p in path.strip("\"").replace("\\", "/").split("/") if p and p != "."]
            for candidate in (parts, parts[1:]):
                why = _by_name(candidate) if candidate else None
                if why is not None:
                    return f"the patch writes {path}: {why}"
    return None
