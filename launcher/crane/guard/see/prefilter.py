"""The cheap first look at a shell command: is it *definitely* harmless?

Most Bash calls (`ls -la`, `pytest -q tests/`, `cat README.md`) need no parsing. `is_harmless`
answers True only for commands the full classifier would also call a plain read, so the hook
can skip loading tree-sitter for them. It must never clear anything that could write; when in
doubt it says False and the command is parsed.

A command is cleared only if ALL of these hold:

1. It is at most 4096 characters of printable ASCII from a small alphabet: letters, digits,
   space, tab and `- _ . / : = , @ + % ^ ~ * ?`, quotes `' "`, and the operators `; & |`.
   So nothing dynamic or structural: no `$`, backtick, backslash, parentheses, braces,
   brackets, `< >` redirects or heredocs, `!`, `#`, newlines. (The redirects `2>&1`,
   `>/dev/null`, `2>/dev/null` and `&>/dev/null` after a word are allowed: they write nothing.)
2. Quotes are balanced, operators are only `;`, `&`, `&&`, `|`, `||` with a command on each
   side (a trailing `;` or `&` is fine), and every command starts (after `NAME=value` words)
   with a plain name (a letter, digit, `_ . /`, then also `+ -`) that is not a shell reserved word
   (`if`, `for`, `time`, ...), a declaration builtin (`export`, `declare`, ...) nor `.` (source).
   No `=|` anywhere and no word starting with `=`. (These exclusions follow tree-sitter-bash:
   what it cannot parse is an external write for the classifier, so the prefilter must not
   clear it. The property test in tests/guard/test_prefilter.py found each of them.)
3. No *sensitive program* is named anywhere, quotes removed and case ignored:
   - every program of the loaded rules (shipped and the profile's), e.g. wrangler, git, curl, rm;
   - shells and string runners (bash, sh, zsh, pwsh, eval, source, busybox), because their
     input is a program the string does not show;
   - package-script runners (npm, pnpm, yarn, bun, npx, turbo, lerna, nx) and make, because
     package.json scripts and Makefiles can deploy;
   - every wrapper the classifier unwraps (env, sudo, xargs, timeout, ...);
   - interpreters and other runners (python, node, awk, vim, tmux, at, just, ...: RUNNER_NAMES),
     because the classifier reads their script files and inline code. `python -m MODULE` for a
     few check/test modules (READ_ONLY_MODULES) is cleared like a read-only git subcommand.
   A command whose program is a path (`./deploy`, `bin/release`) is never cleared: the
   classifier reads the script file.
   A name made of letters and digits counts when it appears as a whole run of letters and digits
   (`deploy.sh` names `sh`, `git-lfs` names `git`, `github` does not name `gh`); other names
   (`drizzle-kit`) count as any substring. Quote removal first makes `w'r'angler` name wrangler.
4. No unquoted glob word (`*`, `?`) could expand to a sensitive program name (`wr*ler`, `b?sh`).
5. None of `SENSITIVE_SUBSTRINGS` appears anywhere (keyring files, a `bin/python` path).

Cheap by construction: this runs on every Bash tool call, so it imports only `re`, `os` and
`fnmatch` (which the hook has loaded anyway) and finds the rules' program names with a regular
expression over rules.toml instead of a TOML parser (a test checks both agree).
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from functools import lru_cache

from crane.guard.rules.data import programs_of, shipped_document

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

MAX_CHARS = 4096

SHELLS = frozenset({
    "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "yash", "posh", "fish", "csh", "tcsh",
    "pwsh", "powershell",
})
SOURCE_COMMANDS = frozenset({"source", "."})
EVAL_COMMANDS = frozenset({"eval", "iex", "invoke-expression"})
MAKE_COMMANDS = frozenset({"make", "gmake"})
SCRIPT_RUNNERS = frozenset({"npm", "pnpm", "yarn", "bun", "npx", "pnpx", "bunx", "turbo", "lerna", "nx"})
# Interpreters whose inline code (`python -c`, `node -e`) may start other programs.
INTERPRETERS: dict[str, tuple[str, ...]] = {
    "python": ("-c",), "python3": ("-c",), "python2": ("-c",), "pypy": ("-c",), "pypy3": ("-c",),
    "node": ("-e", "--eval", "-p", "--print"), "nodejs": ("-e", "--eval", "-p", "--print"),
    "deno": (), "perl": ("-e", "-E"), "ruby": ("-e",), "php": ("-r",), "osascript": ("-e",),
}
OTHER_HANDLED = frozenset({"env", "busybox", "find", "fd", "fdfind"})
PACKAGE_MANAGERS = frozenset({"npm", "pnpm", "yarn", "bun"})
WORKSPACE_RUNNERS = frozenset({"turbo", "lerna", "nx"})
# Programs `crane.guard.see.wrappers` unwraps (kept equal to its tables by a test).
WRAPPER_NAMES = frozenset({
    "nohup", "time", "nice", "timeout", "sudo", "doas", "setsid", "stdbuf", "command", "builtin", "exec",
    "coproc", "busybox", "ionice", "taskset", "chrt", "unshare", "flock", "caffeinate", "unbuffer",
    "chronic", "torsocks", "proxychains", "proxychains4", "firejail", "strace", "ltrace", "xargs",
    "parallel", "watch", "su", "runuser", "script", "cross-env", "cross-env-shell", "dotenv", "env-cmd",
    "npx", "pnpx", "bunx", "uvx", "uv", "poetry", "pipenv", "pipx", "op", "doppler", "infisical",
    "aws-vault", "dotenvx", "direnv", "mise", "asdf", "nix", "devbox",
    "chroot", "setpriv", "nsenter", "prlimit", "systemd-run", "numactl", "cgexec", "xvfb-run", "dbus-run-session",
    "fakeroot", "eatmydata", "nocache", "rlwrap", "sshpass", "faketime", "pkexec", "entr", "tsp", "nq",
    "daemonize", "catchsegv", "valgrind", "setarch", "linux32", "linux64", "systemd-inhibit", "ssh-agent",
    "start-stop-daemon", "gdb", "corepack", "with-contenv", "s6-setuidgid", "chpst", "bwrap", "sg", "sem", "retry",
    "bundle", "pdm", "hatch", "rye", "pixi", "conda", "mamba", "micromamba", "flox", "fnm", "volta", "rbenv",
    "pyenv", "nvm", "opam", "sops", "chamber", "heroku",
})
# Programs that run code or commands their own way (crane.guard.see.runners and the analyser's
# handlers: interpreters, awk, editors, multiplexers, schedulers, task runners); kept equal to
# those tables by a test.
RUNNER_NAMES = frozenset({
    "python", "python3", "python2", "pypy", "pypy3", "pythonw", "node", "nodejs", "ruby", "perl", "php", "tsx",
    "ts-node", "ts-node-esm", "esno", "esrun", "zx", "vite-node", "osascript", "rscript", "lua", "deno",
    "awk", "gawk", "mawk", "nawk", "busybox-awk", "vim", "vi", "nvim", "ex", "view", "gvim", "evim", "vimdiff",
    "nvi", "elvis", "tmux", "screen", "at", "batch", "crontab", "expect", "just", "task", "go-task", "cargo",
    "concurrently", "npm-run-all", "run-s", "run-p", "nodemon", "bwrap", "hyperfine", "watchexec", "lint-staged",
    "pre-commit", "prek", "nix-shell",
    # options that run a command (runners.COMMAND_OPTIONS, ssh's -o ProxyCommand)
    "tar", "gtar", "zip", "scp", "sftp", "ssh", "autossh", "mosh", "rsync",
    # unpackers: their destination and members may be protected paths
    "bsdtar", "unzip", "7z", "7za", "cpio",
    "hash", "enable", "less",
    # interpreters crane has no reader for (runners.OTHER_INTERPRETERS)
    "tclsh", "wish", "julia", "guile", "racket", "sbcl", "clisp", "ecl", "elixir", "iex", "erl", "escript",
    "groovy", "jshell", "kotlin", "kotlinc", "scala", "swift", "ocaml", "runghc", "runhaskell", "ghci",
    "octave", "gnuplot", "pry", "irb", "crystal", "nim", "dart", "qjs", "jjs",
    "rhino", "tcc", "csi", "chicken", "gst", "io", "pike", "raku", "rakudo", "perl6", "hy", "fish", "xonsh",
    "nu", "elvish", "tcsh", "csh", "ion", "oil", "osh", "ysh", "rc", "es",
})

# Text that needs the full classifier wherever it appears: OS keyring files (`keyrings/`,
# `login.keychain-db`, KWallet) are credential reads, and a `bin/python` path may be crane's own
# interpreter (crane.guard.see.protected).
SENSITIVE_SUBSTRINGS = ("keyring", "keychain", "kwallet", "bin/python",
                        # cloud credential stores (crane.guard.see.protected.CREDENTIAL_STORE_WORDS)
                        ".wrangler", ".aws", "gcloud", ".azure", ".netrc", ".docker")
_MARK = "\x01"  # stands for a null redirect; it must follow the program name
_ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t-_./:=,@+%^~*?'\";&|" + _MARK)
_OPERATORS = frozenset(";&|")
_VALID_OPERATORS = frozenset({";", "&", "&&", "|", "||"})
_RESERVED = frozenset({
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do",
    "done", "in", "function", "time", "coproc", "{", "}", "!", "[[", "]]", ".",
    # tree-sitter-bash parses these builtins' arguments specially (`declare 1@2` is an error)
    "declare", "export", "local", "readonly", "typeset", "unset",
})
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# Variables that make programs run something (crane.guard.see.runners.PROGRAM_VARIABLES, kept
# equal by a test; not imported: the hook's prefilter path stays small).
PROGRAM_VARIABLES = frozenset({
    "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_PAGER", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_ASKPASS",
    "GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND", "PAGER", "MANPAGER", "SYSTEMD_PAGER", "EDITOR", "VISUAL",
    "FCEDIT", "SSH_ASKPASS", "SUDO_ASKPASS", "PROMPT_COMMAND", "BROWSER", "RSYNC_RSH", "CVS_RSH",
    "LESSOPEN", "LESSCLOSE", "DIFFTOOL", "MERGETOOL", "BASH_ENV", "NODE_OPTIONS", "LD_PRELOAD", "LD_AUDIT",
    "PERL5OPT", "RUBYOPT",
})
# Redirects that write nothing, after a word: `2>&1`, `>/dev/null`, `2> /dev/null`, `&>/dev/null`.
_NULL_REDIRECT = re.compile(r"(?<=[^\s;&|])[ \t]+(?:[0-9]?>&[0-9]|(?:[0-9]?>|&>)[ \t]*/dev/null)(?=$|[ \t;&|])")
_PIECES = re.compile(r"[a-z0-9]+")
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_./][A-Za-z0-9_./+-]*")

_Token = tuple[str, str]  # (as written, quotes removed)


# Subcommands that only read, for rule programs an agent calls all the time. A simple command
# `git status ...` is cleared without parsing when the subcommand follows the plain program name
# directly (no global options: `git -c alias.st='!sh ...' st` must still be parsed) and nothing
# else in it names a sensitive program. The property tests hold the full classifier to it.
READ_ONLY_SUBCOMMANDS: dict[str, frozenset[str]] = {
    "git": frozenset({"status", "log", "diff", "show", "blame", "describe", "shortlog", "rev-parse", "ls-files"}),
}
# `python -m MODULE` for modules that only build, test or check (interpreters are sensitive: their
# script files and inline code are read by the classifier).
READ_ONLY_MODULES = frozenset({"pytest", "mypy", "ruff", "unittest", "black", "isort", "flake8", "pylint",
                               "pyflakes", "pydoc", "coverage", "compileall", "py_compile", "tabnanny", "doctest"})
_MODULE_RUNNERS = frozenset({"python", "python3"})


@lru_cache(maxsize=1)
def shipped_program_names() -> frozenset[str]:
    """The `program` names in rules.toml."""
    return frozenset().union(*(programs_of(rule) or () for rule in shipped_document().get("rules", [])))


def rule_program_names(extra_rules: Sequence[Mapping[str, Any]] = ()) -> frozenset[str] | None:
    """Programs of the shipped and the profile's rules; None if a profile rule is malformed."""
    names = set(shipped_program_names())
    for rule in extra_rules:
        programs = programs_of(rule)
        if programs is None:
            return None  # the full path reports the error
        names.update(programs)
    return frozenset(names)


def sensitive_programs(rule_programs: Iterable[str]) -> frozenset[str]:
    """Every program name whose mere presence means the command must be parsed."""
    return frozenset(rule_programs).union(
        SHELLS, SOURCE_COMMANDS, EVAL_COMMANDS, MAKE_COMMANDS, SCRIPT_RUNNERS, PACKAGE_MANAGERS,
        WORKSPACE_RUNNERS, OTHER_HANDLED, WRAPPER_NAMES, RUNNER_NAMES,
    )


def is_harmless(command: str, sensitive: Iterable[str]) -> bool:
    """True only when the full classifier would find nothing but reads in `command`."""
    if len(command) > MAX_CHARS or _MARK in command or "=|" in command:
        return False  # `x=|y` is a tree-sitter-bash parse error
    lowered = command.lower()
    if any(word in lowered for word in SENSITIVE_SUBSTRINGS):
        return False  # keyring files, or an interpreter that may be crane's own
    text = _NULL_REDIRECT.sub(f" {_MARK} ", command)
    if not _ALLOWED.issuperset(text):
        return False
    segments = _segments(text)
    if segments is None:
        return False
    names = frozenset(sensitive)
    if any(_runs_a_path(segment) for segment in segments):
        return False  # `./deploy`, `bin/release`: a script file the classifier reads
    tokens = [token for segment in segments for token in segment]
    if any(raw.split("=", 1)[0] in PROGRAM_VARIABLES for raw, _ in tokens if _ASSIGNMENT.match(raw)):
        return False  # `PAGER=./run man ls`: the variable names a program the classifier judges
    if any(raw.startswith("=") for raw, _ in tokens):
        return False  # a last argument `==` or `=~` is a tree-sitter-bash parse error
    if any(_read_only_call(segment) for segment in segments):
        # Judge everything but the cleared program names: `git status && wrangler deploy` still
        # names wrangler, and `git diff wrangler.toml` names it too (conservatively).
        tokens = [token for segment in segments for token in (segment[1:] if _read_only_call(segment) else segment)]
        text = " ".join(raw for raw, _ in tokens)
    return _names_nothing(text, names) and not any(glob_could_name(value, names) for _, value in tokens)


def _read_only_call(segment: list[_Token]) -> bool:
    if len(segment) < 2:
        return False
    (raw_program, program), (_, subcommand) = segment[0], segment[1]
    if program in _MODULE_RUNNERS and raw_program == program and subcommand == "-m":
        return len(segment) > 2 and segment[2][0] == segment[2][1] and segment[2][1] in READ_ONLY_MODULES
    allowed = READ_ONLY_SUBCOMMANDS.get(program)
    return allowed is not None and raw_program == program and subcommand in allowed


def _runs_a_path(segment: list[_Token]) -> bool:
    for raw, _ in segment:
        if _ASSIGNMENT.match(raw):
            continue
        return "/" in raw
    return False


def _segments(text: str) -> list[list[_Token]] | None:
    """The simple commands of `text` as token lists; None if the structure is not plain."""
    segments: list[list[_Token]] = []
    operators: list[str] = []
    tokens: list[_Token] = []
    raw: list[str] = []
    value: list[str] = []
    quote = ""
    in_token = False
    i = 0
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
            else:
                value.append(char)
            raw.append(char)
            i += 1
            continue
        if char in "'\"":
            quote = char
            in_token = True
            raw.append(char)
        elif char in " \t":
            if in_token:
                tokens.append(("".join(raw), "".join(value)))
                raw, value, in_token = [], [], False
        elif char in _OPERATORS:
            if in_token:
                tokens.append(("".join(raw), "".join(value)))
                raw, value, in_token = [], [], False
            end = i
            while end < len(text) and text[end] in _OPERATORS:
                end += 1
            operators.append(text[i:end])
            segments.append(tokens)
            tokens = []
            i = end
            continue
        else:
            in_token = True
            raw.append(char)
            value.append(char)
        i += 1
    if quote:
        return None
    if in_token:
        tokens.append(("".join(raw), "".join(value)))
    segments.append(tokens)
    return segments if _well_formed(segments, operators) else None


def _well_formed(segments: list[list[_Token]], operators: list[str]) -> bool:
    if not operators:
        return _plain_start(segments[0])
    if any(op not in _VALID_OPERATORS for op in operators):
        return False
    for index, tokens in enumerate(segments):
        if tokens:
            if not _plain_start(tokens):
                return False
            continue
        # Only the very end may be empty, and only after `;` or `&` (`sleep 1 &`, `ls;`).
        if index != len(segments) - 1 or operators[-1] not in (";", "&"):
            return False
    return True


def _plain_start(tokens: list[_Token]) -> bool:
    """A command starts with a plain program name (tree-sitter-bash rejects e.g. `a@b` there)."""
    for raw, _ in tokens:
        if _ASSIGNMENT.match(raw):
            continue
        return raw not in _RESERVED and _PLAIN_NAME.fullmatch(raw) is not None
    return not any(raw == _MARK for raw, _ in tokens)


def _names_nothing(text: str, names: frozenset[str]) -> bool:
    unquoted = text.replace("'", "").replace('"', "").lower()
    pieces = set(_PIECES.findall(unquoted))
    for name in names:
        if name.isalnum():
            if name in pieces:
                return False
        elif any(c.isalnum() for c in name) and name in unquoted:
            return False
        # "." (source) has no letters: rule 2 catches it where a command starts.
    return True


def command_basename(value: str) -> str:
    """The name a program is known by: `./node_modules/.bin/Wrangler.cmd` -> `wrangler`."""
    # `./` is a directory, not `.`: nothing is stripped before the last slash.
    base = value.replace("\\", "/").rsplit("/", 1)[-1].lower()
    for suffix in (".exe", ".cmd", ".bat", ".ps1"):
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return base


def glob_could_name(value: str, names: Iterable[str]) -> bool:
    """Could the shell expand this glob word (`wr*ler`, `b?sh`) into one of `names`?"""
    if not any(c in value for c in "*?[{"):
        return False
    base = command_basename(value)
    return any(fnmatchcase(name, base) for name in names)
