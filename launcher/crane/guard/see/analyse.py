"""Walk a parsed shell command and say what each simple command in it would do.

The walk follows the shell's semantics where they matter for the verdict:

- `cd dir && …` and `export CLOUDFLARE_ENV=…; …` change what later commands see; subshells,
  pipeline stages and `$( )` keep their changes to themselves; a change inside an `if`/loop/
  function body may or may not happen, so afterwards every value it could have counts;
- wrappers (`env`, `sudo`, `npx`, `timeout`, `xargs`, ...) are unwrapped until the real program
  shows; shell strings (`bash -c`, `su -c`, `env -S`, `watch`), heredocs and piped text fed to a
  shell, package.json scripts, Makefile recipes and sourced files are parsed in turn;
- what cannot be known (a program name computed at run time, `eval`, a script piped in from the
  network, a parse error, text past the caps, a NUL byte) is an external write with an unknown
  target, or production if its text names production anywhere: the whole text is scanned (up to
  `MAX_MENTION_SCAN`; a longer text is assumed to name production);
- the wrangler environment computed at run time is assumed to be production (see
  `crane.guard.see.wrangler`). `CLOUDFLARE_ENV` becomes `COMPUTED` when something the text does not
  show may assign it: `read`/`printf -v`/`mapfile`/`readarray`/`getopts` naming it (or a
  computed name), `export`/`declare`/`typeset`/`local`/`readonly`/`set` with a computed word,
  any assignment after a nameref (`declare -n`), `${CLOUDFLARE_ENV:=…}`, `eval`, a `source`d file
  that cannot be read, a `for` loop over it; and the last stage of a pipeline may run in this
  shell (`lastpipe`), so what it sets counts afterwards.

Every nested text and every hop costs depth; past the caps the verdict is "too complex to
analyse" (an external write), never a hang.
"""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase

from crane._record import Record
from crane.guard.model import TARGET_RANK, Finding
from crane.guard.rules.engine import Arg, RuleSet, Verdict, evaluate, httpie_parts
from crane.guard.see import code, protected, runners, scripts, tasks
from crane.guard.see.prefilter import (
    EVAL_COMMANDS,
    MAKE_COMMANDS,
    SHELLS,
    SOURCE_COMMANDS,
    command_basename,
    glob_could_name,
    sensitive_programs,
)
from crane.guard.see.resources import wrangler_production
from crane.guard.see.shell import TOO_COMPLEX, Block, Command, Pipeline, Problem, Word, joined, parse
from crane.guard.see.targets import expand_braces, mentions_production, url_target
from crane.guard.see.wrangler import COMPUTED, ENV_VAR, wrangler_target
from crane.guard.see.wrappers import SUBCOMMAND_WRAPPERS, WRAPPERS, Unwrapped, strip_package_version, unwrap, unwrap_env

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from crane.guard.model import Kind, Target
    from crane.guard.rules.config import GuardConfig
    from crane.guard.see.shell import Stmt

    _Handler = Callable[[str, "Invocation", "Ctx"], None]

MAX_DEPTH = 10  # nested shell texts, scripts and wrapper hops
MAX_TEXTS = 256  # nested texts parsed for one tool call (a build script may start a hundred commands)
MAX_UNWRAP = 24  # wrappers around one command
MAX_GO_FILES = 32  # Go files read for one `go run ./dir`
MAX_MENTION_SCAN = 1024 * 1024  # longer unanalysable text is assumed to name production
NAMEREF = "\x00nameref"  # Ctx.env key: a nameref exists, so any assignment may set any variable
# Builtins that assign variables named in their arguments (`read X`, `printf -v X`, ...).
ASSIGNING_BUILTINS = frozenset({"read", "printf", "mapfile", "readarray", "getopts"})
DECLARATION_BUILTINS = frozenset({"export", "declare", "typeset", "local", "readonly", "set"})
_ASSIGN_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)=")

# Built-in rule names for verdicts that come from the shell itself rather than rules.toml.
RULE_PARSE_ERROR = "shell.parse-error"
RULE_TOO_COMPLEX = "shell.too-complex"
RULE_COMPUTED = "shell.computed"
RULE_INLINE_CODE = "shell.inline-code"
RULE_REDIRECT = "shell.redirect"
RULE_SOCKET = "socket.write"
_PY_IMPORT = re.compile(r"(?:^|[;\n])\s*(?:import\s+([\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+(?:\s+as\s+\w+)?)*)"
                        r"|from\s+([\w.]+)\s+import\s*\(?\s*([\w\s,]*))")
_PY_RUN_FILE = re.compile(r"(?:run_path\s*\(|exec\s*\(\s*open\s*\()\s*[\"']([^\"']+)[\"']")
_JS_LOCAL_REQUIRE = re.compile(r"(?:require\s*\(|import\s*\(|from)\s*[\"'](\.{1,2}/[^\"']+)[\"']")
_UNPACKERS = frozenset({"tar", "gtar", "bsdtar", "unzip", "7z", "7za", "cpio"})
_ARCHIVE_SUFFIXES = (".tar", ".tgz", ".tar.gz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".zip", ".jar", ".whl")
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024


def _archive_members(path: str) -> list[str]:
    """The member names of a tar or zip archive (bounded); empty when it cannot be read."""
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_ARCHIVE_BYTES:
            return []
        import tarfile
        import zipfile

        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return archive.namelist()[:10000]
        if tarfile.is_tarfile(path):
            with tarfile.open(path) as archive:
                names: list[str] = []
                for member in archive:
                    names.append(member.name)
                    if len(names) >= 10000:
                        break
                return names
    except (OSError, EOFError, ValueError, RuntimeError):
        return []
    except Exception:  # noqa: BLE001 (tarfile/zipfile raise their own errors on bad data)
        return []
    return []


_NODE_PRELOADS = frozenset({"-r", "--require", "--import", "--loader", "--experimental-loader"})
PATH_AS_WRITTEN = "\0PATH"  # pseudo variable: a PATH this command set, as written
_MAKE_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_.-]*)\s*(?::{1,3}=|\?=|\+=|!=|=)")
_MAKE_SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "ash", "mksh"})
# bash's network redirections (`> /dev/tcp/host/port`); the path is bash's, not a file.
_DEV_SOCKET = re.compile(r"/dev/(tcp|udp)/([^/]*)")
RULE_CODE_HTTP = "code.http"  # a mutating HTTP request in code (inline or a script file)
# Marker programs the readers put into the texts they hand back (tasks, awk): something unseen.
UNSEEN_CODE = "__crane_unseen_code"
UNSEEN_INPUT = "__crane_unseen_input"

HARMLESS_DEVICES = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty", "/dev/fd/")
SCRIPT_SUFFIXES = (".sh", ".bash", ".zsh", ".ksh")
# Code that starts other programs (compiled on first use: inline code is rare).
_SPAWNS = (
    r"subprocess|os\.system|os\.popen|os\.exec|os\.spawn|child_process|exec(Sync|File)?\s*\(|spawn(Sync)?\s*\("
    r"|system\s*\(|popen|`|Deno\.(run|Command)|Bun\.(spawn|\$)|\$\(|%x|IO\.popen|shell_exec|passthru|proc_open"
)


class Input(Record):
    """What a command reads on stdin: known text, or None when it cannot be known."""

    __slots__ = ("text", "source")
    text: str | None
    source: str  # "heredoc", "pipe", "file"

    def __init__(self, text: str | None, source: str) -> None:
        self._set(text=text, source=source)


class Ctx:
    """What the shell state looks like at one point of the command text (mutable: cd, export)."""

    __slots__ = ("cwd", "env", "depth", "origin")

    def __init__(
        self, cwd: str | None, env: dict[str, frozenset[str | None]] | None = None, depth: int = 0, origin: str = ""
    ) -> None:
        self.cwd = cwd
        self.env: dict[str, frozenset[str | None]] = {} if env is None else env  # set by the text so far
        self.depth = depth
        self.origin = origin  # where this text came from, e.g. 'package.json script "deploy"'

    def child(self) -> Ctx:
        """The state a subshell starts with; what it changes stays in it."""
        return Ctx(self.cwd, dict(self.env), self.depth, self.origin)

    def absorb(self, branch: Ctx, inherited: Mapping[str, str]) -> None:
        """After a branch that may or may not have run: every value it could leave counts."""
        if branch.cwd != self.cwd:
            self.cwd = None
        for name, values in branch.env.items():
            before = self.env.get(name, frozenset({inherited.get(name)}))
            self.env[name] = before | values


class Invocation(Record):
    """One command about to run: its words and the world it runs in."""

    __slots__ = ("argv", "cwd", "text", "env", "clear_env", "stdin", "extra_args", "strip_version", "depth")
    argv: tuple[Word, ...]
    cwd: str | None
    text: str
    env: dict[str, frozenset[str | None]]
    clear_env: bool
    stdin: Input | None
    extra_args: bool  # xargs/parallel append words we cannot see
    strip_version: bool  # npx-style: `wrangler@4` is wrangler
    depth: int

    def __init__(
        self,
        argv: tuple[Word, ...],
        cwd: str | None,
        text: str,
        env: dict[str, frozenset[str | None]],
        clear_env: bool = False,
        stdin: Input | None = None,
        extra_args: bool = False,
        strip_version: bool = False,
        depth: int = 0,
    ) -> None:
        self._set(argv=argv, cwd=cwd, text=text, env=env, clear_env=clear_env, stdin=stdin, extra_args=extra_args,
                  strip_version=strip_version, depth=depth)


def _brace_expanded(inv: Invocation) -> Invocation:
    """The words bash's brace expansion makes of unquoted words: `-e{staging,production}` is
    `-estaging -eproduction`, `{wrangler,deploy}` is `wrangler deploy` (bounded)."""
    if not any(w.glob and w.value is not None and "{" in w.value for w in inv.argv):
        return inv
    words: list[Word] = []
    for word in inv.argv:
        value = word.value
        if not word.glob or value is None or "{" not in value or value != word.raw:
            words.append(word)
            continue
        # Still marked: a target position treats any expanded word as computed (the safe side).
        words.extend(Word(part, word.raw, True) for part in expand_braces(value))
    return inv.replace(argv=tuple(words))


_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")
_VARIABLE_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
# `node node_modules/wrangler/bin/wrangler.js`, `node node_modules/.bin/wrangler`: a package's program.
_PACKAGE_BIN = re.compile(r"node_modules/(?:\.bin/(?P<bin>[^/]+)$|(?P<package>(?:@[^/]+/)?[^/.][^/]*)/)")
# A Windows path (not a bash escape such as `c\\at`): a drive, `.\\`, several separators, a suffix.
_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:|\.{1,2})?\\|\\.*\\|\.(?:cmd|exe|bat|ps1)$", re.IGNORECASE)
_BWRAP_ARITY = {
    **dict.fromkeys(("--bind", "--ro-bind", "--dev-bind", "--bind-try", "--ro-bind-try", "--dev-bind-try",
                     "--symlink", "--setenv", "--chmod", "--file", "--bind-data", "--ro-bind-data"), 2),
    **dict.fromkeys(("--chdir", "--unsetenv", "--tmpfs", "--proc", "--dev", "--dir", "--uid", "--gid", "--hostname",
                     "--seccomp", "--lock-file", "--sync-fd", "--info-fd", "--json-status-fd", "--cap-add",
                     "--cap-drop", "--userns", "--userns2", "--pidns", "--argv0", "--remount-ro", "--perms", "--size",
                     "--mqueue", "--exec-label", "--file-label", "--block-fd", "--userns-block-fd", "--add-seccomp-fd"),
                    1),
}
# `eval "$(TOOL …)"` for tools that print shell settings from their own state (not project files:
# direnv and mise read `.envrc`/`mise.toml`, which the agent can write, so they are not here).
_SHELL_SETUP = re.compile(
    r'"?\$\((?:ssh-agent(?:\s+-[sc])?|(?:/\S+/)?brew\s+shellenv|pyenv\s+(?:init|virtualenv-init)\s+-(?:\s+\w+)?'
    r"|rbenv\s+init\s+-(?:\s+\w+)?|nodenv\s+init\s+-(?:\s+\w+)?|fnm\s+env(?:\s+--[\w-]+(?:=\w+)?)*"
    r'|dircolors(?:\s+-b)?|opam\s+env|keychain\s+--eval(?:\s+[\w.-]+)*)\)"?'
)
_CODE_CHDIR = re.compile(r"\bchdir\s*\(|\bcwd\s*[:=]|\bDir\.chdir|\bcd\s*\(|\.cwd\s*\(")
_MAKE_SHELL = re.compile(r"\$[({]shell\s+([^)}]*)[)}]")
_PRE_COMMIT_MODULE = re.compile(r"-m\s*pre_commit\b")
# `sh -c "$(cat deploy.sh)"`, `"$(< deploy.sh)"`: text the guard can read.
_CAT_SUBSTITUTION = re.compile(r'"?\$\((?:cat\s+|<\s*)([A-Za-z0-9_./~-]+)\s*\)"?')
# `cd` operands that are computed but knowable (see Analyser.known_path).
_KNOWN_DIR = re.compile(
    r'"?(?P<head>\$\(git rev-parse --show-toplevel\)|\$[A-Za-z_][A-Za-z0-9_]*|\$\{[A-Za-z_][A-Za-z0-9_]*\})'
    r'(?P<rest>/[A-Za-z0-9_./-]*)?"?'
)
# `${NAME:=value}` / `${NAME=value}` assign NAME while expanding.
_ASSIGNING_EXPANSION = re.compile(r"\$\{[!#]?[A-Za-z_][A-Za-z0-9_]*(?:\[[^]]*\])?:?=")

_PWSH_VALUE_OPTIONS = frozenset({
    "-executionpolicy", "-ex", "-ep", "-workingdirectory", "-wd", "-configurationname", "-config",
    "-inputformat", "-inp", "-if", "-outputformat", "-o", "-of", "-windowstyle", "-w", "-settingsfile",
    "-settings", "-custompipename", "-version", "-v", "-psconsolefile",
})


_CONTAINER_VALUE_OPTIONS = frozenset({
    "-e", "--env", "--env-file", "-v", "--volume", "-w", "--workdir", "--name", "-p", "--publish", "--network",
    "--net", "-u", "--user", "--entrypoint", "--platform", "-l", "--label", "--mount", "-m", "--memory",
    "--cpus", "--restart", "--add-host", "--hostname", "-h", "--device", "--gpus", "--pull", "--ulimit",
    "--log-driver", "--log-opt", "--security-opt", "--cap-add", "--cap-drop", "--tmpfs", "--shm-size",
    "--volumes-from", "--link", "--dns", "--expose", "--label-file", "--cidfile", "--detach-keys", "--ipc",
    "--pid", "--runtime", "--stop-signal", "--stop-timeout", "--health-cmd", "--isolation",
})


# Programs whose options yargs parses: `--e x` is `-e x`, `--dryRun` is `--dry-run`.
YARGS_PROGRAMS = frozenset({"wrangler"})
_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def yargs_words(words: Sequence[Arg], value_options: Sequence[str] = ()) -> list[Arg]:
    """Options as yargs reads them, in the spelling the rules use (the raw text is kept).

    `--e x` is the alias `-e x`; `--dryRun` is `--dry-run`; a string option followed by another
    option gets the empty string (`--env --e production` is `--env= -e production`).
    """
    out: list[Arg] = []
    ended = False
    for index, word in enumerate(words):
        value = word.value
        if ended or value is None or not value.startswith("-") or value in ("-", "--"):
            ended = ended or value == "--"
            out.append(word)
            continue
        name, eq, inline = value.partition("=")
        if name.startswith("--"):
            name = name[1:] if len(name) == 3 else _CAMEL.sub(lambda m: "-" + m.group(1).lower(), name)
        following = words[index + 1].value if index + 1 < len(words) else None
        if not eq and name in value_options and following is not None and following.startswith("-") and \
                len(following) > 1 and not following[1:2].isdigit():
            eq = "="  # yargs does not take an option as a string option's value
        out.append(Arg(name + eq + inline, word.raw))
    return out


def _replace_strings(argv: Sequence[Word]) -> tuple[str, ...]:
    """What xargs/parallel replace in the command's words: `{}` (and parallel's `{.}`, `{1}`, …),
    or the string given to `-I`/`--replace`."""
    found = ["{}", "{.}", "{/}", "{//}", "{/.}", "{#}", "{%}"] + [f"{{{n}}}" for n in range(1, 10)]
    for i, word in enumerate(argv):
        value = word.value or ""
        if value in ("-I", "--replace") and i + 1 < len(argv) and argv[i + 1].value:
            found.append(argv[i + 1].value or "{}")
        elif value.startswith("-I") and len(value) > 2:
            found.append(value[2:])
        elif value.startswith(("--replace=", "-i")) and "=" in value or value.startswith("-i") and len(value) > 2:
            found.append(value.split("=", 1)[-1] if "=" in value else value[2:])
    return tuple(found)


# Commands that compile programs, and that create a virtualenv (see analyse_command).
_BUILDS = re.compile(
    r"\b(?:go\s+(?:build|install)|cargo\s+(?:build|install)|gcc|g\+\+|clang(?:\+\+)?|cc|c\+\+|rustc|make|cmake"
    r"|ninja|zig\s+build|dotnet\s+(?:build|publish)|swift\s+build|javac|mvn|gradle|gradlew|bazel|meson|scons|ghc"
    r"|tsc|esbuild|bun\s+build|deno\s+compile|pyinstaller|nuitka)\b"
)
_FETCHES = re.compile(
    r"\b(?:curl|wget|aria2c|tar|bsdtar|unzip|7z|7za|gunzip|bunzip2|unxz|unzstd|cpio|rsync|scp|sftp|git\s+clone"
    r"|docker\s+cp|podman\s+cp|http|xh|gh\s+release\s+download|npm\s+pack|pip\s+download)\b"
)
_MAKES_VENV = re.compile(r"\b(?:venv|virtualenv|uv\s+venv|conda\s+create)\b")
_VENV_ACTIVATE = re.compile(r"/bin/activate(?:\.fish|\.csh)?$")
# Where installed programs live: a known program there is itself, not a script to read.
_INSTALLED_PROGRAM = re.compile(r"/node_modules/|^/(?:usr/(?:local/)?)?s?bin/|^/opt/homebrew/bin/|^/nix/store/")
_BINARY_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\x00asm")


def _is_binary(path: str) -> bool:
    """An executable format or NUL bytes in the first 4 KiB (text scripts have neither)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.startswith(_BINARY_MAGIC) or b"\x00" in head


def _own_directory(text: str, directory: str | None) -> str:
    """A script's `$(dirname "$0")` / `${0%/*}` is the directory it was read from."""
    if directory is None:
        return text
    return _OWN_DIRECTORY.sub(lambda _: directory, text)


_OWN_DIRECTORY = re.compile(
    r'\$\(\s*dirname\s+(?:--\s+)?"?\$(?:0|\{0\}|\{?BASH_SOURCE(?:\[0\])?\}?)"?\s*\)'
    r'|\$\{(?:0|BASH_SOURCE(?:\[0\])?)%/\*\}'
)


def _decoded(name: str, options: list[str | None], text: str | None) -> str | None:
    """`base64 -d` / `xxd -r -p` of known text; None when it is not a decoding or not text."""
    if text is None or None in options:
        return None
    flags = " ".join(o or "" for o in options)
    try:
        if name in ("base64", "basenc") and re.search(r"(?:^|\s)(?:-d|-D|--decode|-[a-zA-Z]*d)\b", flags):
            import base64

            cleaned = "".join(text.split())
            if "--base64url" in flags:
                return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4)).decode("utf-8")
            return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4)).decode("utf-8")
        if name == "xxd" and "-r" in flags and "-p" in flags:
            return bytes.fromhex("".join(text.split())).decode("utf-8")
    except ValueError:
        return None
    return None


def program_name(value: str, strip_version: bool = False) -> str:
    base = command_basename(value)
    return command_basename(strip_package_version(base)) if strip_version else base


class Analyser:
    def __init__(self, config: GuardConfig, rules: RuleSet, environ: Mapping[str, str]) -> None:
        self.config = config
        self.rules = rules
        self.environ = environ
        self.findings: list[Finding] = []
        self.texts = 0
        self.written: dict[str, str | None] = {}  # files this command writes before it reads them
        self.known = sensitive_programs(rules.program_names)
        self.rule_programs = rules.program_names
        self.handlers = self._handlers()
        self.functions: dict[str, Block] = {}  # shell functions defined so far (by name)
        self.aliases: dict[str, str] = {}  # aliases defined so far: name -> replacement text
        self.active: set[str] = set()  # functions and aliases being expanded (no endless recursion)
        self.git_set: dict[str, str | None] = {}  # `git config KEY VALUE` run earlier in this command
        self.builds = False  # the command compiles something: a missing program may be its product
        self.makes_venv = False  # the command creates a virtualenv: its missing bin/activate is venv's
        self.judged_variables: set[tuple[str, str | None]] = set()  # program-running variables seen

    # texts and statements --------------------------------------------------------------------

    def run_text(self, text: str, ctx: Ctx) -> None:
        if ctx.depth > MAX_DEPTH or self.texts >= MAX_TEXTS:
            self.problem(Problem(TOO_COMPLEX, text), ctx)
            return
        self.texts += 1
        self.walk(parse(text), ctx, None)

    def walk(self, stmt: Stmt, ctx: Ctx, stdin: Input | None) -> None:
        if isinstance(stmt, Problem):
            self.problem(stmt, ctx)
        elif isinstance(stmt, Command):
            self.command(stmt, ctx, stdin)
        elif isinstance(stmt, Pipeline):
            previous: Stmt | None = None
            piped: Input | None = stdin
            last = ctx
            for stage in stmt.stages:
                piped = self.output_of(previous, ctx, piped) if previous is not None else stdin
                last = ctx.child()
                self.walk(stage, last, piped)
                previous = stage
            if last is not ctx:
                # With `shopt -s lastpipe` the last stage runs in this shell: its changes may stay.
                ctx.absorb(last, self.environ)
        else:
            self.block(stmt, ctx, stdin)

    def block(self, block: Block, ctx: Ctx, stdin: Input | None) -> None:
        if block.function:
            self.functions[block.function] = block
        if block.redirects:
            stdin = self.redirects(Command((), (), block.redirects, ""), ctx) or stdin
        inner = ctx if block.scope == "sequence" else ctx.child()
        for item in block.items:
            self.walk(item, inner, stdin)
        if block.scope == "conditional":
            ctx.absorb(inner, self.environ)

    def command(self, cmd: Command, ctx: Ctx, stdin: Input | None) -> None:
        if _ASSIGNING_EXPANSION.search(cmd.text) and (ENV_VAR in cmd.text or NAMEREF in ctx.env):
            ctx.env[ENV_VAR] = frozenset({COMPUTED})  # `: ${CLOUDFLARE_ENV:=production}`
        if cmd.form in ("assign", "declare"):
            for name, word in cmd.assignments:
                self.assign(ctx.env, name, word)
            if cmd.form == "declare":
                self.declaration(cmd.words[1:], ctx)
            return
        if cmd.form == "unset":
            for word in cmd.words[1:]:
                if word.value and not word.value.startswith("-"):
                    ctx.env[word.value] = frozenset({None})
            return
        own_input = self.redirects(cmd, ctx)
        self.keyring_words(cmd, ctx)
        if not cmd.words:
            return
        env = dict(ctx.env)
        for name, word in cmd.assignments:
            self.assign(env, name, word)
        inv = Invocation(cmd.words, ctx.cwd, cmd.text, env, stdin=own_input or stdin, depth=ctx.depth)
        self.invoke(inv, ctx)

    @staticmethod
    def assign(env: dict[str, frozenset[str | None]], name: str, word: Word) -> None:
        env[name] = frozenset({word.value if word.value is not None else COMPUTED})
        if name == "PATH":
            # Kept as written: `PATH=./bin:$PATH` is computed, but its fixed entries still show
            # where a program name may now resolve (see `shadowing_file`).
            raw = word.raw[5:] if word.raw.startswith("PATH=") else word.raw
            env[PATH_AS_WRITTEN] = frozenset({word.value if word.value is not None else raw})
        if NAMEREF in env and name != ENV_VAR:
            env[ENV_VAR] = frozenset({COMPUTED})  # `declare -n r=CLOUDFLARE_ENV; r=production`

    def declaration(self, words: Sequence[Word], ctx: Ctx) -> None:
        """`export`/`declare`/... arguments that are not parsed assignments.

        `export 'CLOUDFLARE_ENV=x'` assigns; a computed word (`export $(cat .env)`) may assign
        anything; `-n` (`declare -n r=CLOUDFLARE_ENV`) makes later assignments reach other names.
        """
        for word in words:
            value = word.value
            if value is None:
                ctx.env[ENV_VAR] = frozenset({COMPUTED})
                continue
            if value.startswith(("-", "+")) and "n" in value[1:] and not value.startswith("--"):
                ctx.env[NAMEREF] = frozenset({COMPUTED})
                ctx.env[ENV_VAR] = frozenset({COMPUTED})
                continue
            match = _ASSIGN_NAME.match(value)
            if match:
                self.assign(ctx.env, match.group(1), Word(value[match.end() :], word.raw))

    def dynamic_assignment(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`read X`, `printf -v X`, `mapfile X`, `getopts o X`, `export …` reached through a wrapper."""
        args = inv.argv[1:]
        if name in DECLARATION_BUILTINS:
            self.declaration(args if name != "set" else [w for w in args if w.value is None], ctx)
            return
        if any(w.value is None or ENV_VAR in w.value for w in args):
            ctx.env[ENV_VAR] = frozenset({COMPUTED})

    def redirects(self, cmd: Command, ctx: Ctx) -> Input | None:
        """Record writes to files; return what the command reads if a redirect says so."""
        own: Input | None = None
        for redirect in cmd.redirects:
            if redirect.is_input_text:
                own = Input(redirect.body, "heredoc")
                continue
            target = redirect.target
            if redirect.op in ("<", "<&") or target is None:
                if redirect.op == "<" and target is not None:
                    own = Input(self.read_file(target, ctx.cwd), "file")
                continue
            value = target.value
            if redirect.op in (">&", "<&") and value is not None and (value.isdigit() or value == "-"):
                continue  # descriptor duplication: `2>&1`
            if value is not None and value.startswith(HARMLESS_DEVICES):
                continue
            if self.socket_redirect(target, cmd, ctx):
                continue
            self.add("local_write", "local", RULE_REDIRECT, "", cmd.text, f"writes {target.raw}", ctx)
            self.protect_path(self.path_text(target, ctx.env), False, "", cmd.text, ctx.cwd, ctx)
            self.remember_write(target, redirect.op, cmd, ctx)
        return own

    def socket_redirect(self, target: Word, cmd: Command, ctx: Ctx) -> bool:
        """`echo x > /dev/tcp/HOST/PORT`: bash opens a network connection and sends the output."""
        value = target.value
        if value is None:
            if not _DEV_SOCKET.search(target.raw):
                return False
            self.unknowable(cmd.text, "a network connection to a host computed at run time", RULE_COMPUTED, "", ctx)
            return True
        match = _DEV_SOCKET.match(value)
        if match is None:
            return False
        host = match.group(2) or ""
        found, why = url_target([host], self.config)
        kind: Kind = "local_write" if found == "local" else "external_write"
        self.add(kind, found, RULE_SOCKET, "", cmd.text, f"bash sends to {host}: {why}", ctx)
        return True

    def remember_write(self, target: Word, op: str, cmd: Command, ctx: Ctx) -> None:
        """`cat > deploy.sh <<EOF … EOF; bash deploy.sh`: the script runs what this command wrote."""
        path = self.path(target, ctx.cwd)
        if path is None:
            return
        content = self.output_of(cmd, ctx).text if op in (">", ">|", "&>") and cmd.words else None
        self.written[os.path.normpath(path)] = content

    def read_file(self, word: Word, cwd: str | None) -> str | None:
        """A file's text, as this command left it if it wrote the file; None if unknown or missing."""
        path = self.path(word, cwd)
        if path is None:
            return None
        path = os.path.normpath(path)
        if path in self.written:
            return self.written[path]
        return scripts.read_text(path)

    def path(self, word: Word, cwd: str | None) -> str | None:
        if word.value is None:
            return None
        value = os.path.expanduser(word.value) if word.value.startswith("~") else word.value
        if os.path.isabs(value):
            return value
        return os.path.join(cwd, value) if cwd is not None else None

    def output_of(self, stage: Stmt, ctx: Ctx, stdin: Input | None = None) -> Input:
        """What a pipeline stage writes, when it is fixed text (`echo`, `printf`, `cat <<EOF`), or
        text this command decodes (`base64 -d`, `xxd -r -p` of known text)."""
        if not isinstance(stage, Command) or not stage.words or stage.words[0].value is None:
            return Input(None, "pipe")
        name = program_name(stage.words[0].value)
        args = stage.words[1:]
        has_text, body = stage.stdin_text
        if name in ("base64", "xxd", "basenc"):
            source = body if has_text else stdin.text if stdin is not None else None
            return Input(_decoded(name, [w.value for w in args], source), "pipe")
        if any(w.value is None for w in args):
            return Input(None, "pipe")
        values = [w.value or "" for w in args]
        if name == "echo":
            while values and values[0] in ("-n", "-e", "-E", "-ne", "-en"):
                values = values[1:]
            return Input(" ".join(values) + "\n", "pipe")
        if name == "printf" and values:
            return Input("\n".join([values[0].replace("\\n", "\n"), *values[1:]]) + "\n", "pipe")
        if name == "cat":
            if not values:
                return Input(body if has_text else None, "pipe")
            texts = [self.read_file(w, ctx.cwd) for w in args if w.value != "-"]
            if any(t is None for t in texts):
                return Input(None, "pipe")
            return Input("".join(t or "" for t in texts), "pipe")
        return Input(None, "pipe")

    # findings ---------------------------------------------------------------------------------

    def add(self, kind: Kind, target: Target, rule: str | None, program: str, text: str, why: str, ctx: Ctx) -> None:
        if ctx.origin:
            why = f"{why} (in {ctx.origin})" if why else f"in {ctx.origin}"
        self.findings.append(Finding(kind, target, rule, program, text.strip()[:500], why))

    def problem(self, problem: Problem, ctx: Ctx) -> None:
        if problem.reason == TOO_COMPLEX:
            # Past a cap the rest is unseen, and what it does may depend on anything set so far
            # (`export CLOUDFLARE_ENV=…` earlier): the safe side is production.
            why = f"{TOO_COMPLEX}: assumed production"
            self.add("external_write", "production", RULE_TOO_COMPLEX, "", problem.text, why, ctx)
            return
        self.unknowable(problem.text, problem.reason, RULE_PARSE_ERROR, "", ctx)

    def unknowable(self, text: str, reason: str, rule: str, program: str, ctx: Ctx) -> None:
        """An external write we cannot see into: unknown target, production if the text names it.

        The whole text is scanned: padding must not hide `--env production` behind a prefix.
        """
        if len(text) > MAX_MENTION_SCAN:
            mention: str | None = "too long to scan for production: assumed production"
        else:
            mention = mentions_production([text], self.config)
        target: Target = "production" if mention else "unknown"
        why = f"{reason}; {mention}" if mention else reason
        self.add("external_write", target, rule, program, text, why, ctx)

    # one command -----------------------------------------------------------------------------

    def invoke(self, inv: Invocation, ctx: Ctx) -> None:
        if inv.depth > MAX_DEPTH:
            self.problem(Problem(TOO_COMPLEX, inv.text), ctx)
            return
        inv = _brace_expanded(inv)
        for _ in range(MAX_UNWRAP):
            if not inv.argv:
                if inv.extra_args:
                    # `… | xargs env`, `xargs sudo`, `xargs timeout 60`: the wrapper's command is
                    # the input's first word.
                    why = "program supplied at run time (xargs, parallel, -exec): assumed production"
                    self.add("external_write", "production", RULE_COMPUTED, "", inv.text, why, ctx)
                return
            head = inv.argv[0]
            if head.value is None and not inv.extra_args and "IFS" not in inv.env:
                known = self.expand_known(head.raw, inv.env)
                if known is not None and re.fullmatch(r"[\w./@+:-]+", known):
                    # `PY=/usr/bin/python3; "$PY" -m x`: the variable was set in this command.
                    inv = inv.replace(argv=(Word(known, head.raw), *inv.argv[1:]))
                    head = inv.argv[0]
                elif known is not None and not head.raw.startswith('"') and re.fullmatch(r"[\w./@+:=,\s-]+", known):
                    # `X="wrangler deploy -e production"; $X`: unquoted, it splits into words.
                    split = tuple(Word(part, part) for part in known.split())
                    if split:
                        inv = inv.replace(argv=(*split, *inv.argv[1:]))
                        head = inv.argv[0]
            if head.value is None and inv.extra_args:
                why = "program supplied at run time (xargs, parallel, -exec): assumed production"
                self.add("external_write", "production", RULE_COMPUTED, head.raw, inv.text, why, ctx)
                return
            if head.value is None:
                self.unknowable(inv.text, "program name computed at run time", RULE_COMPUTED, head.raw, ctx)
                return
            name = self.name_of(head, inv.strip_version)
            if head.glob and glob_could_name(head.value, self.known):
                reason = f"program name {head.raw!r} is expanded by the shell"
                self.unknowable(inv.text, reason, RULE_COMPUTED, name, ctx)
                return
            inv = inv.replace(strip_version=False)
            next_inv = self.dispatch(name, inv, ctx)
            if next_inv is None:
                return
            inv = next_inv
        self.problem(Problem(TOO_COMPLEX, inv.text), ctx)

    def name_of(self, head: Word, strip_version: bool) -> str:
        name = program_name(head.value or "", strip_version)
        if name not in self.known:
            # PowerShell paths (`C:\tools\wrangler.cmd`) lose their backslashes to bash quoting.
            raw = head.raw.strip("'\"")
            raw_name = program_name(raw, strip_version)
            if raw_name in self.known and _WINDOWS_PATH.search(raw):
                return raw_name
        return name

    def dispatch(self, name: str, inv: Invocation, ctx: Ctx) -> Invocation | None:
        """Handle `inv` whose program is `name`; return the wrapped command if there is one."""
        args = inv.argv[1:]
        head = inv.argv[0]
        self.program_variables(inv, ctx)
        self.option_commands(program_name(head.value or ""), inv, ctx)
        self.archive_paths(program_name(head.value or ""), inv, ctx)
        if head.value in self.aliases and head.value not in self.active and head.raw == head.value:
            self.expand_alias(head.value, inv, ctx)
            return None
        if PATH_AS_WRITTEN in inv.env and head.value and "/" not in head.value:
            shadow = self.shadowing_file(head.value, inv)
            if shadow is not None:
                # `PATH=./bin:$PATH ls` with a planted bin/ls: the file runs, not the program.
                self.script_file(Word(shadow, shadow), inv, ctx, same_shell=False)
                if program_name(head.value) not in self.known:
                    return None  # (one named like a known program is also judged as that program)
        if head.value in self.functions and head.value not in self.active:
            # The function body runs with this call's variables (`CLOUDFLARE_ENV=production f`);
            # a program of the same name is judged too (`command` may bypass the function).
            self.call_function(head.value, inv, ctx)
        if name in ("cd", "pushd", "popd", "chdir"):
            self.change_directory(name, args, ctx, inv.env)
            return None
        if name == "env":
            return self.unwrapped(inv, unwrap_env(args), ctx)
        spec = WRAPPERS.get(name)
        if spec is not None:
            return self.unwrapped(inv, unwrap(spec, args), ctx)
        sub = args[0].value if args else None
        sub_spec = SUBCOMMAND_WRAPPERS.get((name, sub or ""))
        if sub_spec is not None:
            return self.unwrapped(inv, unwrap(sub_spec, args[1:]), ctx)
        handler = self.handlers.get(name)
        if handler is not None:
            handler(name, inv, ctx)
            return None
        if name in ("mapfile", "readarray"):
            # `mapfile -C CALLBACK -c N`: the callback is shell code run every N lines.
            values = [w.value for w in args]
            for i, value in enumerate(values):
                if value == "-C" and i + 1 < len(args):
                    self.shell_text(args[i + 1], inv, ctx, f"{name} -C callback")
        if name in ASSIGNING_BUILTINS or name in DECLARATION_BUILTINS:
            self.dynamic_assignment(name, inv, ctx)
        self.crane_reached(name, inv, ctx)
        if name in runners.INTERPRETERS:
            self.interpreter(name, inv, ctx)
        elif name in runners.OTHER_INTERPRETERS:
            self.other_interpreter(name, inv, ctx)
        path = inv.argv[0].value or ""
        if "/" in path and path.endswith(SCRIPT_SUFFIXES):
            self.script_file(inv.argv[0], inv, ctx, same_shell=False)
            return None
        if "/" in path and self.executable_file(inv, ctx) and name not in self.known:
            return None  # (a script named like a known program is also judged as that program)
        if name == "git":
            self.git(inv, ctx)
        elif name == "sed":
            self.sed(inv, ctx)
        elif name == "go" and inv.argv[1:2] and inv.argv[1].value == "run":
            self.go_run(inv, ctx)
        elif name in ("cp", "mv", "ln", "install", "tee"):
            self.remember_copy(name, inv, ctx)
        self.apply_rules(name, inv, ctx)
        if name in ("docker", "podman"):
            self.container_command(inv, ctx)
        elif name in ("find", "fd", "fdfind"):
            self.exec_tails(name, inv, ctx)
        elif name not in self.rule_programs:
            self.dashdash_tail(inv, ctx)
        return None

    def program_variables(self, inv: Invocation, ctx: Ctx) -> None:
        """`GIT_PAGER=./run git log`, `BASH_ENV=./x bash -c ls`, `NODE_OPTIONS='-r ./x' node`: a
        variable this command set that makes a program run something else (runners.PROGRAM_VARIABLES)."""
        for name in [n for n in inv.env if n.startswith("BASH_FUNC_")]:
            # `env 'BASH_FUNC_f%%=() { …; }' bash -c f`: bash imports the function from the environment.
            for value in inv.env[name]:
                if (name, value) in self.judged_variables:
                    continue
                self.judged_variables.add((name, value))
                if value is None or value == COMPUTED:
                    self.unknowable(inv.text, f"{name} computed at run time defines a function", RULE_COMPUTED,
                                    name, ctx)
                else:
                    self.run_text(value.strip().removeprefix("()"), self.nested_ctx(inv, ctx, f"${name}"))
        for name in runners.PROGRAM_VARIABLES & inv.env.keys():
            for value in inv.env[name]:
                if (name, value) in self.judged_variables:
                    continue
                self.judged_variables.add((name, value))
                if value is None or not value.strip():
                    continue
                if value == COMPUTED:
                    self.unknowable(inv.text, f"{name} computed at run time names a program", RULE_COMPUTED, name, ctx)
                elif name in runners.COMMAND_VARIABLES:
                    self.run_text(runners.variable_command(name, value), self.nested_ctx(inv, ctx, f"${name}"))
                elif name in runners.SCRIPT_VARIABLES:
                    self.script_file(Word(value, value), inv, ctx, same_shell=False)
                elif runners.LOADER_VARIABLES[name].search(value):
                    self.unknowable(inv.text, f"{name} loads code into the programs it starts", RULE_COMPUTED, name,
                                    ctx)

    def shadowing_file(self, name: str, inv: Invocation) -> str | None:
        """The file `name` resolves to through a PATH this command set, when one of its fixed
        directories holds it (or this command wrote it there); None otherwise. Directories that
        stay computed (`$(npm bin)`) are not searched: see docs/guard.md, remaining limits."""
        for written in inv.env.get(PATH_AS_WRITTEN, frozenset()):
            for entry in (written or "").strip("'\"").split(":"):
                entry = entry.strip("'\"")
                if entry in ("$PATH", "${PATH}"):
                    break  # the inherited PATH: what it finds is judged by name as usual
                if "$" in entry or "`" in entry:
                    entry = self.known_path(entry, inv.cwd, inv.env) or self.expand_known(entry, inv.env) or ""
                    if not entry:
                        continue
                directory = self.path(Word(entry or ".", entry or "."), inv.cwd)
                if directory is None:
                    continue
                candidate = os.path.normpath(os.path.join(directory, name))
                if candidate in self.written or os.path.isfile(candidate):
                    return candidate
        return None

    def archive_paths(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`tar -xf x.tar -C .claude`, `unzip x.zip -d .git/hooks`, or an archive whose members
        are protected paths (`.claude/settings.local.json` inside x.tar): an unpacking that
        writes what the guard trusts."""
        if name not in _UNPACKERS:
            return
        words = [self.path_text(w, inv.env) or "" for w in inv.argv[1:]]
        if name in ("tar", "gtar", "bsdtar") and not any(
                w.startswith("-") and not w.startswith("--") and "x" in w or w in ("--extract", "--get") or
                (i == 0 and not w.startswith("-") and "x" in w) for i, w in enumerate(words)):
            return  # not an extraction
        if name == "unzip" and any(w in ("-l", "-t", "-v", "-Z", "-p", "-c", "-z") for w in words):
            return  # lists, tests or prints
        if name in ("7z", "7za") and (not words or words[0] not in ("x", "e")):
            return
        destination = "."
        archives: list[str] = []
        for i, value in enumerate(words):
            following = words[i + 1] if i + 1 < len(words) else None
            if value in ("-C", "--directory", "-d", "-D", "--exdir") and following is not None:
                destination = following
            elif value.startswith(("--directory=", "-o")) and name in ("7z", "7za") or value.startswith("--directory="):
                destination = value.split("=", 1)[1] if "=" in value else value[2:]
            elif not value.startswith("-") and value.endswith(_ARCHIVE_SUFFIXES):
                archives.append(value)
            elif value in ("-f", "--file") and following is not None:
                archives.append(following)
            elif value.startswith("-") and not value.startswith("--") and value.endswith("f") and following:
                archives.append(following)  # `tar -xzf x.tgz`
        self.protect_path(destination, False, name, inv.text, inv.cwd, ctx)
        for archive in archives:
            path = self.path(Word(archive, archive), inv.cwd)
            for member in _archive_members(path) if path is not None else ():
                joined_path = os.path.join(destination, member)
                before = len(self.findings)
                self.protect_path(joined_path, False, name, inv.text, inv.cwd, ctx)
                if len(self.findings) > before:
                    return

    def ssh_tunnel(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`ssh -L 8443:api.example.com:443 host`: later requests to localhost reach that host, so the
        tunnel is judged as a connection to it (a production host: production)."""
        specs: list[str] = []
        args = inv.argv[1:]
        for i, word in enumerate(args):
            value = word.value if word.value is not None else word.raw
            following = args[i + 1] if i + 1 < len(args) else None
            if value in ("-L", "-R", "-D", "-W") and following is not None:
                specs.append(following.value if following.value is not None else following.raw)
            elif value[:2] in ("-L", "-R", "-D", "-W") and len(value) > 2:
                specs.append(value[2:])
            elif value.startswith("-") and not value.startswith("--") and value[-1:] in ("L", "R", "D", "W") and \
                    following is not None and value[1:].isalpha():
                specs.append(following.value if following.value is not None else following.raw)  # `-fNL spec`
            elif value.startswith("-o") and re.search(r"(?i)(?:local|remote|dynamic)forward", value + " " + (
                    following.value or "" if following is not None else "")):
                specs.append(value[2:] + " " + ((following.value or "") if following is not None else ""))
        if not specs:
            return
        mention = mentions_production(specs, self.config)
        target: Target = "production" if mention else "unknown"
        where = f"production ({mention})" if mention else "another host"
        why = f"{name} tunnel: later requests to the local end reach {where}"
        self.add("external_write", target, RULE_SOCKET, name, inv.text, why, ctx)

    def hash_builtin(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`hash -p FILE NAME`: NAME now runs FILE, whatever it is called later."""
        args = inv.argv[1:]
        for i, word in enumerate(args):
            if word.value == "-p" and i + 1 < len(args):
                self.script_file(args[i + 1], inv, ctx, same_shell=False)
            elif word.value is None:
                self.unknowable(inv.text, "hash with words computed at run time", RULE_COMPUTED, name, ctx)

    def enable_builtin(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`enable -f lib.so NAME` loads a shared library into the shell as a builtin."""
        if any(w.value is None or (w.value.startswith("-") and "f" in w.value) for w in inv.argv[1:]):
            self.unknowable(inv.text, "enable -f loads code into the shell", RULE_COMPUTED, name, ctx)

    def pager(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`less +'!cmd'`: a start-up command that runs a shell command."""
        for word in inv.argv[1:]:
            value = word.value
            if value is None or value.startswith("+") and "!" in value:
                self.unknowable(inv.text, f"{name} runs a command given at start-up", RULE_COMPUTED, name, ctx)
                return

    def option_commands(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`ssh -o ProxyCommand=./x`, `rsync -e ./x`, `tar --to-command=./x`, `bash --rcfile ./x`:
        options whose value the program runs (runners.option_commands)."""
        if name not in runners.COMMAND_OPTIONS and name not in runners.SSH_PROGRAMS:
            return
        if name in ("ssh", "autossh"):
            self.ssh_tunnel(name, inv, ctx)
        for kind, word in runners.option_commands(name, inv.argv[1:]):
            if word.value is None or kind == "unseen":
                self.unknowable(inv.text, f"{name} runs a command computed at run time", RULE_COMPUTED, name, ctx)
            elif kind == "script":
                self.script_file(word, inv, ctx, same_shell=False)
            else:
                self.run_text(word.value, self.nested_ctx(inv, ctx, f"{name} option"))

    def _handlers(self) -> dict[str, _Handler]:
        table: dict[str, _Handler] = {}
        for shell_name in SHELLS:
            table[shell_name] = self.shell
        for source in SOURCE_COMMANDS:
            table[source] = self.source
        for evaluator in EVAL_COMMANDS:
            table[evaluator] = self.evaluate_string
        for runner in (*scripts.PACKAGE_MANAGERS, *scripts.WORKSPACE_RUNNERS):
            table[runner] = self.package
        for make in MAKE_COMMANDS:
            table[make] = self.make
        table["alias"] = self.alias
        table["hash"] = self.hash_builtin
        table["enable"] = self.enable_builtin
        table["less"] = self.pager
        table["trap"] = self.trap
        for awk in runners.AWKS:
            table[awk] = self.awk
        for editor in runners.EDITORS:
            table[editor] = self.editor
        table.update({
            "tmux": self.tmux, "screen": self.screen, "at": self.at, "batch": self.at, "crontab": self.crontab,
            "expect": self.expect, "deno": self.deno, "just": self.just, "task": self.task, "go-task": self.task,
            "cargo": self.cargo, "concurrently": self.concurrently, "npm-run-all": self.run_all,
            "run-s": self.run_all, "run-p": self.run_all, "nodemon": self.nodemon, "bwrap": self.bwrap,
            "hyperfine": self.hyperfine, "watchexec": self.watchexec, "lint-staged": self.lint_staged,
            "pre-commit": self.pre_commit, "prek": self.pre_commit, "nix-shell": self.nix_shell, "nix": self.nix,
            UNSEEN_CODE: self.unseen_code, UNSEEN_INPUT: self.unseen_code,
        })
        return table

    def change_directory(self, name: str, args: Sequence[Word], ctx: Ctx, env: Mapping[str, frozenset[str | None]]
                         ) -> None:
        """Follow `cd`; where it cannot be known (`cd -`, `popd`, a computed or globbed path, a
        relative path with CDPATH set) the location becomes unknown (None)."""
        operands = [w for w in args if not (w.value or "").startswith("-") or w.value == "-"]
        if name == "popd" or (operands and operands[0].value == "-"):
            ctx.cwd = None
            return
        if not operands:
            home = self.environ.get("HOME")
            ctx.cwd = home if name != "pushd" else ctx.cwd
            return
        word = operands[0]
        value = word.value if word.value is not None else self.known_path(word.raw, ctx.cwd, env)
        if value is None or word.glob or ctx.cwd is None and not os.path.isabs(os.path.expanduser(value)):
            ctx.cwd = None
            return
        if not value.startswith(("/", "./", "../", "~")) and value not in (".", ".."):
            cdpath = env.get("CDPATH", frozenset({self.environ.get("CDPATH")}))
            if any(v for v in cdpath):
                ctx.cwd = None  # `cd app` may go to $CDPATH/app
                return
        ctx.cwd = os.path.normpath(self.path(Word(value, word.raw), ctx.cwd) or value)

    def known_path(self, raw: str, cwd: str | None, env: Mapping[str, frozenset[str | None]]) -> str | None:
        """A computed `cd` operand the guard can still work out: `$(git rev-parse --show-toplevel)`,
        `$PWD`, `$HOME`, or a variable this command set to one value (`D=../app; cd "$D/sub"`)."""
        match = _KNOWN_DIR.fullmatch(raw)
        if match is None:
            return None
        head, rest = match.group("head"), match.group("rest") or ""
        if head.startswith("$("):
            if cwd is None:
                return None
            root = next((d for d in scripts.ancestors(cwd) if os.path.exists(os.path.join(d, ".git"))), None)
            return None if root is None else root + rest
        name = head.strip("${}")
        values = env.get(name)
        if values is None:
            # Of the inherited variables only these are trusted: the agent's shell may differ.
            values = frozenset({cwd if name == "PWD" else self.environ.get("HOME") if name == "HOME" else None})
        if len(values) != 1:
            return None
        (value,) = values
        return None if value is None or value == COMPUTED else value + rest

    def unwrapped(self, inv: Invocation, u: Unwrapped, ctx: Ctx) -> Invocation | None:
        if u.query:
            return None  # `command -v wrangler` only looks the program up
        env = {} if u.clear_env else dict(inv.env)
        for name in u.unset:
            env[name] = frozenset({None})
        cwd = inv.cwd
        if u.chdir is not None:
            cwd = self.path(u.chdir, inv.cwd)
        for env_file in u.env_files:
            path = self.path(env_file, inv.cwd)
            if path is None:
                env[ENV_VAR] = frozenset({COMPUTED})
                continue
            for key, value in scripts.read_dotenv(path).items():
                env[key] = frozenset({value})
        for name, word in u.assignments:
            env[name] = frozenset({word.value if word.value is not None else COMPUTED})
        argv = u.argv
        if u.extra_args and not inv.extra_args:
            if not u.shell_strings and (not argv or argv[0].value in (":::", "::::", ":::+", "::::+")):
                why = "runs commands taken from its input, which cannot be seen: assumed production"
                self.add("external_write", "production", RULE_COMPUTED, program_name(inv.argv[0].value or ""),
                         inv.text, why, ctx)
                return None
            placeholders = _replace_strings(inv.argv)
            argv = tuple(Word(None, w.raw) if w.value and any(p in w.value for p in placeholders) else w
                         for w in argv)
        inner = inv.replace(
            argv=argv,
            cwd=cwd,
            env=env,
            clear_env=inv.clear_env or u.clear_env,
            extra_args=inv.extra_args or u.extra_args,
            strip_version=u.strip_version,
        )
        for shell_string in u.shell_strings:
            self.shell_text(shell_string, inner, ctx, "a shell string")
        if inv.depth < MAX_DEPTH:
            for alternative in u.alternatives:
                self.invoke(inner.replace(argv=alternative, depth=inv.depth + 1), ctx)
        return inner

    def env_values(self, inv: Invocation, name: str) -> frozenset[str | None]:
        if name in inv.env:
            return inv.env[name]
        if inv.clear_env:
            return frozenset({None})
        return frozenset({self.environ.get(name)})

    # nested texts -----------------------------------------------------------------------------

    def nested_ctx(self, inv: Invocation, ctx: Ctx, origin: str, cwd: str | None = None) -> Ctx:
        env = dict(inv.env)
        return Ctx(cwd if cwd is not None else inv.cwd, env, max(ctx.depth, inv.depth) + 1, origin)

    def shell_text(self, word: Word, inv: Invocation, ctx: Ctx, origin: str) -> None:
        if word.value is None and inv.extra_args:
            why = f"{origin} supplied at run time (xargs, parallel, -exec): assumed production"
            self.add("external_write", "production", RULE_COMPUTED, "", inv.text, why, ctx)
            return
        if word.value is None:
            readable = _CAT_SUBSTITUTION.fullmatch(word.raw)
            text = self.read_file(Word(readable.group(1), readable.group(1)), inv.cwd) if readable else None
            if text is not None:
                self.run_text(text, self.nested_ctx(inv, ctx, f"{origin} from {readable.group(1) if readable else ''}"))
                return
            self.unknowable(inv.text, f"{origin} computed at run time", RULE_COMPUTED, "", ctx)
            return
        self.run_text(word.value, self.nested_ctx(inv, ctx, origin))

    def shell(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`bash -c STRING`, `bash FILE`, `bash` / `bash -s` reading a script from stdin."""
        if name in ("pwsh", "powershell"):
            self.powershell(name, inv, ctx)
            return
        args = inv.argv[1:]
        mode = "file"
        i = 0
        while i < len(args):
            value = args[i].value
            if value is None:
                break
            if value in ("--", "-"):
                mode = "stdin" if value == "-" else mode
                i += 1
                break
            if value in ("-o", "+o", "-O", "+O", "--rcfile", "--init-file"):
                i += 2  # these take an option name or a file
                continue
            if len(value) > 1 and value[0] in "-+":
                # `-c` in any cluster (`-lc`, `-ec`) runs the first operand; `-s` reads stdin.
                letters = "" if value.startswith("--") else value[1:]
                if "c" in letters:
                    mode = "command"
                elif "s" in letters and mode != "command":
                    mode = "stdin"
                i += 1
                continue
            break
        operands = args[i:]
        if not operands and inv.extra_args and mode != "stdin":
            # `xargs bash -c`, `xargs sh`: the script comes from the input.
            self.shell_text(Word(None, name), inv, ctx, f"{name} script")
            return
        if mode == "command":
            if operands:
                self.shell_text(operands[0], inv, ctx, f"{name} -c")
        elif mode == "file" and operands:
            self.script_file(operands[0], inv, ctx, same_shell=False)
        else:
            self.shell_stdin(name, inv, ctx)

    def shell_stdin(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        if inv.stdin is None:
            return  # an interactive shell with nothing to read
        if inv.stdin.text is None:
            reason = f"{name} reads a script from a {inv.stdin.source} that cannot be seen"
            self.unknowable(inv.text, reason, RULE_COMPUTED, name, ctx)
            return
        self.run_text(inv.stdin.text, self.nested_ctx(inv, ctx, f"script fed to {name}"))

    def powershell(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`pwsh -Command …`, `-File x.ps1`, `-EncodedCommand` (options are case-insensitive prefixes)."""
        args = inv.argv[1:]
        i = 0
        while i < len(args):
            value = (args[i].value or "").lower()
            if value.startswith("-e") and "encodedcommand".startswith(value[1:]) or value == "-ec":
                self.unknowable(inv.text, f"{name} runs an encoded command", RULE_COMPUTED, name, ctx)
                return
            if value in ("-c", "-command", "-com") or (len(value) > 2 and "-command".startswith(value)):
                self.shell_text(joined(args[i + 1 :]), inv, ctx, f"{name} -Command")
                return
            if value in ("-f", "-file") and i + 1 < len(args):
                self.script_file(args[i + 1], inv, ctx, same_shell=False)
                return
            if value in _PWSH_VALUE_OPTIONS:
                i += 2
                continue
            if value.startswith("-"):
                i += 1
                continue
            break
        if i < len(args):
            # A bare argument: a command for powershell.exe, a script path for pwsh. Read both ways.
            self.shell_text(joined(args[i:]), inv, ctx, name)
        else:
            self.shell_stdin(name, inv, ctx)

    def script_file(self, word: Word, inv: Invocation, ctx: Ctx, *, same_shell: bool) -> None:
        path = self.path(word, inv.cwd)
        if path is None:
            reason = "script path computed at run time" if word.value is None else "script directory not known"
            self.unknowable(inv.text, reason, RULE_COMPUTED, word.raw, ctx)
            if same_shell:
                self.forget_environment(ctx)
            return
        text = self.read_file(word, inv.cwd)
        if text is None:
            if same_shell and self.makes_venv and _VENV_ACTIVATE.search(path) and not os.path.exists(path):
                # `python -m venv .venv && . .venv/bin/activate`: venv's own script, made by this command.
                self.forget_environment(ctx)
                return
            # Missing, unreadable, or written by this very command with content we cannot see.
            self.unknowable(inv.text, f"cannot read script {word.raw}", RULE_COMPUTED, word.raw, ctx)
            if same_shell:
                self.forget_environment(ctx)
            return
        origin = f"script {word.value}"
        if same_shell:
            # `source` runs in the current shell: its cd and exports stay.
            saved = (ctx.depth, ctx.origin)
            ctx.depth, ctx.origin = ctx.depth + 1, origin
            self.run_text(text, ctx)
            ctx.depth, ctx.origin = saved
            return
        self.run_text(text, self.nested_ctx(inv, ctx, origin, cwd=inv.cwd))

    def source(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        if not args:
            return
        self.script_file(args[0], inv, ctx, same_shell=True)

    def evaluate_string(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        if len(args) == 1 and _SHELL_SETUP.fullmatch(args[0].raw):
            # `eval "$(ssh-agent -s)"`, `eval "$(pyenv init -)"`: an installed tool prints variable
            # settings from its own state, not from files in the project. Variables may change.
            self.forget_environment(ctx)
            return
        self.unknowable(inv.text, f"{name} runs a command built at run time", RULE_COMPUTED, name, ctx)
        if all(w.value is not None for w in args) and args:
            # `eval 'wrangler deploy …'` with fixed text: judged too (and still unseeable: what it
            # means may depend on aliases and variables).
            self.run_text(" ".join(w.value or "" for w in args), self.nested_ctx(inv, ctx, name))
        self.forget_environment(ctx)

    @staticmethod
    def forget_environment(ctx: Ctx) -> None:
        """Code we cannot see ran in this shell (`eval`, an unreadable `source`): it may set anything."""
        ctx.env[ENV_VAR] = frozenset({COMPUTED})
        ctx.env[NAMEREF] = frozenset({COMPUTED})

    def alias(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        for word in inv.argv[1:]:
            if word.value is None:
                self.unknowable(inv.text, "alias defined from a value computed at run time", RULE_COMPUTED, name, ctx)
                continue
            if "=" in word.value:
                alias_name, _, body = word.value.partition("=")
                self.aliases[alias_name] = body
                self.shell_text(Word(body, body), inv, ctx, "alias")

    def expand_alias(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`alias d='wrangler deploy'` then `CLOUDFLARE_ENV=production d`: the line as bash rewrites it.

        Expanded whether or not `expand_aliases` is on (the safe side: an alias may run).
        """
        text = " ".join((self.aliases[name], *(w.raw for w in inv.argv[1:])))
        self.active.add(name)
        try:
            self.run_text(text, self.nested_ctx(inv, ctx, f"alias {name}"))
        finally:
            self.active.discard(name)

    def call_function(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        body = self.functions[name]
        inner = self.nested_ctx(inv, ctx, f"function {name}")
        self.active.add(name)
        try:
            for item in body.items:
                self.walk(item, inner, inv.stdin)
        finally:
            self.active.discard(name)
        ctx.absorb(inner, self.environ)  # a function runs in this shell: its cd and exports may stay

    def trap(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = [w for w in inv.argv[1:] if w.value != "--"]
        if args and not (args[0].value or "").startswith("-"):
            self.shell_text(args[0], inv, ctx, "trap")

    # code in other languages ---------------------------------------------------------------

    def interpreter(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`python -c CODE`, `node -e CODE`, `python file.py`, `node file.js`, `tsx x.ts`, code on stdin."""
        spec = runners.INTERPRETERS[name]
        call = runners.interpreter_call(spec, inv.argv[1:])
        if name in ("node", "nodejs") and self.node_run(inv, ctx):
            return
        if spec.lang == "python" and _PRE_COMMIT_MODULE.search(" ".join(w.raw for w in inv.argv[1:3])):
            self.pre_commit("pre-commit", inv.replace(argv=(Word("pre-commit", "pre-commit"), Word("run", "run"))),
                            ctx)
        self.preloaded_code(name, spec.lang, inv, ctx)
        for word in call.codes:
            if word.value is None:
                self.unknowable(inv.text, f"inline {name} code assembled at run time", RULE_INLINE_CODE, name, ctx)
            else:
                self.guarded_code(name, word.value, ctx)  # crane's own modules, the keyring, protected paths
                self.scan_code(word.value, spec.lang, inv, ctx, f"inline {name} code")
                self.project_modules(word.value, spec.lang, inv, ctx)
        if call.file is not None:
            if name in ("node", "nodejs") and self.package_bin(call.file, call.args, inv, ctx):
                return
            self.run_file(call.file, inv, ctx, spec.lang)
            self.script_inline_code(call.args, spec.lang, inv, ctx)
        elif call.from_stdin and not call.codes and inv.stdin is not None:
            if inv.stdin.text is None:
                reason = f"{name} reads code from a {inv.stdin.source} that cannot be seen"
                self.unknowable(inv.text, reason, RULE_INLINE_CODE, name, ctx)
            else:
                self.guarded_code(name, inv.stdin.text, ctx)
                self.scan_code(inv.stdin.text, spec.lang, inv, ctx, f"{name} code from {inv.stdin.source}")

    def other_interpreter(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`julia -e 'run(`…`)'`, `tclsh <<< 'exec …'`: code in a language crane does not read."""
        args = inv.argv[1:]
        if all(w.value in runners.INFO_ONLY for w in args) and (args or inv.stdin is None):
            return
        texts = [w.value if w.value is not None else w.raw for w in args]
        if inv.stdin is not None and inv.stdin.text is not None:
            texts.append(inv.stdin.text)
        self.scan_code("\n".join(texts), "other", inv, ctx, f"{name} code")
        self.unknowable(inv.text, f"{name} runs code crane cannot read", RULE_INLINE_CODE, name, ctx)

    def project_modules(self, code_text: str, lang: str, inv: Invocation, ctx: Ctx) -> None:
        """`python -c 'import deploy_lib'`, `runpy.run_path("x.py")`, `exec(open("x.py").read())`,
        `node -e 'require("./deploy")'`: files of the project that inline code runs (one level)."""
        if inv.cwd is None or lang not in ("python", "js"):
            return
        files: list[str] = []
        if lang == "python":
            for match in _PY_IMPORT.finditer(code_text):
                modules = re.split(r"\s*,\s*", match.group(1) or match.group(2))[:8]
                if match.group(2):  # `from lib import ship`: lib/ship.py may be a module too
                    modules += [f"{match.group(2)}.{n.split()[0]}" for n in match.group(3).split(",")[:8] if n.split()]
                for module in modules:
                    base = os.path.join(inv.cwd, *module.split()[0].split(".")) if module.split() else ""
                    candidates = (base + ".py", os.path.join(base, "__init__.py")) if base else ()
                    files += [c for c in candidates if os.path.isfile(c)]
            files += list(_PY_RUN_FILE.findall(code_text))
        else:
            for module in _JS_LOCAL_REQUIRE.findall(code_text):
                base = os.path.join(inv.cwd, module)
                files += [c for c in (base, base + ".js", base + ".cjs", base + ".mjs", os.path.join(base, "index.js"))
                          if os.path.isfile(c)][:1]
        for file in list(dict.fromkeys(files))[:8]:
            self.run_file(Word(file, file), inv, ctx, lang)

    def preloaded_code(self, name: str, lang: str, inv: Invocation, ctx: Ctx) -> None:
        """Files the interpreter runs besides its script: node's `-r`/`--require`/`--import`/
        `--loader` of a local file, and `python -m MODULE` when MODULE is a file of the project."""
        args = inv.argv[1:]
        for i, word in enumerate(args):
            value = word.value or ""
            if lang == "js" and value.split("=", 1)[0] in _NODE_PRELOADS:
                target = (Word(value.split("=", 1)[1], value) if "=" in value
                          else args[i + 1] if i + 1 < len(args) else None)
                if target is not None and (target.value is None or target.value.startswith((".", "/"))):
                    self.run_file(target, inv, ctx, "js")
            elif lang == "python" and (value == "-m" or value.startswith("-m") and len(value) > 2):
                module = value[2:] if len(value) > 2 else args[i + 1].value if i + 1 < len(args) else None
                if module is None or inv.cwd is None:
                    return
                base = os.path.join(inv.cwd, *module.split("."))
                for candidate in (base + ".py", os.path.join(base, "__main__.py")):
                    if os.path.isfile(candidate):
                        self.run_file(Word(candidate, candidate), inv, ctx, "python")
                        break
                return
            elif not value.startswith("-"):
                return

    def script_inline_code(self, args: Sequence[Word], lang: str, inv: Invocation, ctx: Ctx) -> None:
        """`python manage.py shell -c CODE`, `rails runner CODE`: code passed to the script to run."""
        values = [w.value for w in args]
        for i, value in enumerate(values[:-1]):
            if value in ("shell", "runner", "tinker", "eval") and values[i + 1] in ("-c", "--command", "--execute"):
                word = args[i + 2] if i + 2 < len(args) else None
                if word is not None and word.value is not None:
                    self.scan_code(word.value, lang, inv, ctx, f"code passed to {value}")
                elif word is not None:
                    self.unknowable(inv.text, "code assembled at run time", RULE_INLINE_CODE, value or "", ctx)

    def node_run(self, inv: Invocation, ctx: Ctx) -> bool:
        """`node --run NAME`: a package.json script, like `npm run NAME`."""
        args = inv.argv[1:]
        for i, word in enumerate(args):
            value = word.value or ""
            if value == "--run" and i + 1 < len(args) or value.startswith("--run="):
                name_word = args[i + 1] if value == "--run" else Word(value[6:], value[6:])
                if name_word.value is None:
                    self.unknowable(inv.text, "script name computed at run time", RULE_COMPUTED, "node", ctx)
                else:
                    self.package_script(name_word.value, tuple(args[i + 2 :]), inv.cwd, False, inv, ctx)
                return True
        return False

    def package_bin(self, file: Word, args: Sequence[Word], inv: Invocation, ctx: Ctx) -> bool:
        """`node node_modules/wrangler/bin/wrangler.js deploy` is `wrangler deploy`."""
        match = _PACKAGE_BIN.search(file.value or "")
        if match is None:
            return False
        package = match.group("bin") or match.group("package") or ""
        name = package.rsplit("/", 1)[-1].lower()
        if name not in self.known:
            return False
        self.invoke(inv.replace(argv=(Word(name, file.raw), *args), depth=inv.depth + 1), ctx)
        return True

    def executable_file(self, inv: Invocation, ctx: Ctx) -> bool:
        """`./deploy`, `bin/release`: a text file runs as a script (its shebang names the language;
        none: sh). A binary is a program like any other; a missing one cannot be seen."""
        word = inv.argv[0]
        path = self.path(word, inv.cwd)
        if path is None:
            return False
        normal = os.path.normpath(path)
        if normal not in self.written:
            known = program_name(word.value or "") in self.known
            if known and _INSTALLED_PROGRAM.search(normal):
                return False  # `./node_modules/.bin/wrangler`, `/usr/bin/git`: the program itself, by its name
            if not os.path.isfile(normal):
                # Missing: a known program is judged by its name, and so is what a build in this
                # command produces (`go build -o bin/app && ./bin/app`); any other cannot be seen.
                built = self.builds and code.language(normal) is None
                return not known and not built and self.run_file(word, inv, ctx, None)
            if _is_binary(normal):
                return False  # a compiled program: judged by its name, like any program on PATH
        self.run_file(word, inv, ctx, None)  # a text file (too large to read: unseeable)
        return True

    def run_file(self, word: Word, inv: Invocation, ctx: Ctx, lang: str | None) -> bool:
        """Read a script file (bounded) and judge what it runs: shell text, or code scanned."""
        path = self.path(word, inv.cwd)
        text = self.read_file(word, inv.cwd) if path is not None else None
        if text is None:
            reason = "script path computed at run time" if word.value is None else f"cannot read script {word.raw}"
            self.unknowable(inv.text, reason, RULE_COMPUTED, word.raw, ctx)
            return True
        first = text.split("\n", 1)[0]
        found = code.language(path or "", first)
        if found in ("python", "js", "ruby", "perl", "php", "awk", "other") or lang not in (None, "shell"):
            self.scan_code(text, found or lang or "other", inv, ctx, f"script {word.raw}")
            return True
        directory = os.path.dirname(path) if path is not None else None
        self.run_text(_own_directory(text, directory), self.nested_ctx(inv, ctx, f"script {word.value}"))
        return True

    def scan_code(self, text: str, lang: str, inv: Invocation, ctx: Ctx, origin: str) -> None:
        """Programs the code starts (judged as shell commands) and mutating requests it sends."""
        session = frozenset(n.strip() for n in self.environ.get("CRANE_INJECTED", "").split(",") if n.strip())
        found = code.scan(text, lang, self.environ, session)
        for spawn in found.spawns:
            if spawn.command is None:
                self.unknowable_code(text, inv, f"{origin}: {spawn.why}", ctx)
                continue
            nested = self.nested_ctx(inv, ctx, origin)
            if ENV_VAR in text:
                nested.env[ENV_VAR] = frozenset({COMPUTED})  # `env={"CLOUDFLARE_ENV": …}`, `os.environ[…] = …`
            if _CODE_CHDIR.search(text):
                nested.cwd = None  # `os.chdir(…)`, `cwd=…`: the program runs somewhere else
            self.run_text(spawn.command, nested)
        judged = {spawn.command for spawn in found.spawns}
        for command in code.literal_commands(text, self.literal_programs()):
            # `system "wrangler deploy"`, `exec "wrangler", "deploy"`, `run(`wrangler deploy`)`:
            # a command written out in the code counts, whatever starts it.
            if command not in judged:
                judged.add(command)
                self.run_text(command, self.nested_ctx(inv, ctx, f"{origin} (a command in a string)"))
        for request in found.requests:
            if not request.urls:
                self.unknowable_code(text, inv, f"{origin} sends a mutating HTTP request to a URL built at run time",
                                     ctx)
                continue
            target, why = url_target(list(request.urls), self.config)
            kind: Kind = "local_write" if target == "local" else "external_write"
            self.add(kind, target, RULE_CODE_HTTP, "", inv.text, f"{origin} sends a mutating HTTP request ({why})",
                     ctx)

    def inline_code(self, word: Word, lang: str, origin: str, name: str, inv: Invocation, ctx: Ctx) -> None:
        """Code given as one word (`deno eval CODE`, `bun -e CODE`): scanned, or unknowable when assembled."""
        if word.value is None:
            self.unknowable(inv.text, f"{origin} assembled at run time", RULE_INLINE_CODE, name, ctx)
        else:
            self.scan_code(word.value, lang, inv, ctx, origin)

    def literal_programs(self) -> frozenset[str]:
        """Programs whose name at the start of a string in code makes it a command to judge."""
        return self.rule_programs | SHELLS | frozenset(WRAPPERS) | frozenset({"env", "npx", "npm", "pnpm", "yarn",
                                                                              "bunx", "make"})

    def unknowable_code(self, text: str, inv: Invocation, reason: str, ctx: Ctx) -> None:
        """Like `unknowable`, quoting the command but scanning the whole code for production."""
        mention = "too long to scan for production: assumed production" if len(text) > MAX_MENTION_SCAN else \
            mentions_production([text, inv.text], self.config)
        target: Target = "production" if mention else "unknown"
        self.add("external_write", target, RULE_INLINE_CODE, "", inv.text, f"{reason}; {mention}" if mention else
                 reason, ctx)

    def unseen_code(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        what = joined(inv.argv[1:]).raw if name == UNSEEN_CODE else "input"
        self.unknowable(inv.text, f"runs {what} that crane cannot read", RULE_COMPUTED, name, ctx)

    def awk(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """awk's `system("…")`, `print | "cmd"`, `"cmd" | getline`."""
        program, file = runners.awk_program(inv.argv[1:])
        if file is not None:
            self.run_file(file, inv, ctx, "awk")
        elif program is not None and program.value is None:
            self.unknowable(inv.text, "awk program computed at run time", RULE_INLINE_CODE, name, ctx)
        elif program is not None:
            self.scan_code(program.value or "", "awk", inv, ctx, f"{name} program")

    def editor(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`vim -c '!cmd'`, `ex +'r !cmd'`, `vim -c 'call system("…")'`."""
        for command in runners.editor_commands(inv.argv[1:]):
            if command.value is None:
                self.unknowable(inv.text, f"{name} command computed at run time", RULE_COMPUTED, name, ctx)
                continue
            shell_line, unseen = runners.vim_shell(command.value)
            if shell_line is not None:
                self.run_text(shell_line, self.nested_ctx(inv, ctx, f"{name} command"))
            elif unseen:
                self.scan_code(command.value, "vim", inv, ctx, f"{name} command")
                if not code.scan(command.value, "vim", self.environ).spawns:
                    self.unknowable(inv.text, f"{name} runs code crane cannot follow", RULE_INLINE_CODE, name, ctx)

    def tmux(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        for command in runners.tmux_shell_commands(inv.argv[1:]):
            self.shell_text(command, inv, ctx, "tmux command")

    def screen(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        argv, typed = runners.screen_command(inv.argv[1:])
        for text in typed:
            self.shell_text(text, inv, ctx, "screen stuff")
        if argv:
            self.invoke(inv.replace(argv=tuple(argv), depth=inv.depth + 1), ctx)

    def at(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`at`/`batch` run their job later: commands from stdin or `-f FILE`."""
        from_stdin, file = runners.at_job_file(inv.argv[1:])
        if file is not None:
            self.run_file(file, inv, ctx, "shell")
        elif from_stdin:
            self.job_from_stdin(name, inv, ctx)

    def job_from_stdin(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        if inv.stdin is None or inv.stdin.text is None:
            self.unknowable(inv.text, f"{name} reads its commands from input that cannot be seen", RULE_COMPUTED,
                            name, ctx)
            return
        self.run_text(inv.stdin.text, self.nested_ctx(inv, ctx, f"{name} job"))

    def crontab(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        from_stdin, file, looks = runners.crontab_source(inv.argv[1:])
        if looks:
            return
        text = inv.stdin.text if from_stdin and inv.stdin is not None else None
        if file is not None:
            text = self.read_file(file, inv.cwd)
        if text is None:
            self.unknowable(inv.text, "crontab installs jobs crane cannot see", RULE_COMPUTED, name, ctx)
            return
        for line in runners.crontab_commands(text):
            self.run_text(line, self.nested_ctx(inv, ctx, "crontab job"))

    def expect(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        inline, file = runners.expect_script(inv.argv[1:])
        script = inline.value if inline is not None else self.read_file(file, inv.cwd) if file is not None else None
        if (inline is not None or file is not None) and script is None:
            self.unknowable(inv.text, "expect script cannot be read", RULE_COMPUTED, name, ctx)
            return
        commands, dynamic = runners.expect_commands(script or "")
        for command in commands:
            self.run_text(command, self.nested_ctx(inv, ctx, "expect spawn"))
        if dynamic:
            self.unknowable(script or inv.text, "expect spawns a command built at run time", RULE_COMPUTED, name, ctx)

    def deno(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`deno run npm:wrangler …`, `deno run file.ts`, `deno eval CODE`, `deno task NAME`."""
        args = inv.argv[1:]
        sub = args[0].value if args else None
        if sub in ("eval", "e"):
            operands = [w for w in args[1:] if not (w.value or "").startswith("-")]
            if operands:
                self.inline_code(operands[0], "js", "deno eval code", name, inv, ctx)
            return
        if sub == "task":
            operands = [w for w in args[1:] if not (w.value or "").startswith("-")]
            self.task_lines("deno task", operands[0] if operands else None, inv, ctx,
                            lambda d, n: tasks.deno_tasks(d, n))
            return
        if sub not in ("run", "x", "serve") and not (sub or "").startswith(("npm:", "jsr:", "http")) and \
                not re.search(scripts._SCRIPT_FILE, sub or ""):
            return  # deno fmt, lint, test, check, ...: local
        rest = args[1:] if sub in ("run", "x", "serve") else args
        i = 0
        while i < len(rest) and (rest[i].value or "").startswith("-"):
            option = rest[i].value or ""
            i += 2 if option in ("--config", "-c", "--import-map", "--location", "--seed", "--env-file",
                                "--cert", "--lock", "--inspect-port") else 1
        if i >= len(rest):
            return
        target = rest[i]
        value = target.value
        if value is not None and value.startswith("npm:"):
            package = strip_package_version(value[4:]).rsplit("/", 1)[-1]
            argv = (Word(package, target.raw), *rest[i + 1 :])
            self.invoke(inv.replace(argv=argv, depth=inv.depth + 1, strip_version=True), ctx)
        elif value is None or value.startswith(("http:", "https:", "jsr:", "data:")):
            self.unknowable(inv.text, f"deno runs code crane cannot read ({target.raw})", RULE_COMPUTED, name, ctx)
        else:
            self.run_file(target, inv, ctx, "js")

    def task_lines(self, runner: str, task: Word | None, inv: Invocation, ctx: Ctx,
                   reader: Callable[[str, str], list[str] | None]) -> None:
        if task is not None and task.value is None:
            self.unknowable(inv.text, f"{runner} task computed at run time", RULE_COMPUTED, runner, ctx)
            return
        directory = inv.cwd
        if directory is None:
            self.unknowable(inv.text, f"{runner}: directory not known", RULE_COMPUTED, runner, ctx)
            return
        name = task.value if task is not None and task.value is not None else ""
        for parent in scripts.ancestors(directory)[:8]:
            lines = reader(parent, name)
            if lines is None:
                continue
            for line in lines:
                self.run_text(line, self.nested_ctx(inv, ctx, f"{runner} {name}".strip(), cwd=parent))
            return

    def just(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        justfile: str | None = None
        names: list[str] = []
        i = 0
        while i < len(args):
            value = args[i].value
            if value is None:
                self.unknowable(inv.text, "just arguments computed at run time", RULE_COMPUTED, name, ctx)
                return
            if value in ("-f", "--justfile", "-d", "--working-directory", "--set", "--shell", "--dotenv-path"):
                justfile = args[i + 1].value if value in ("-f", "--justfile") and i + 1 < len(args) else justfile
                i += 3 if value == "--set" else 2
                continue
            if value in ("-n", "--dry-run", "-l", "--list", "--summary", "--show", "-s", "--evaluate", "--help"):
                return
            if not value.startswith("-") and "=" not in value:
                names.append(value)
            i += 1
        directory = inv.cwd
        if directory is None:
            self.unknowable(inv.text, "just: directory not known", RULE_COMPUTED, name, ctx)
            return
        for parent in scripts.ancestors(directory)[:8]:
            lines = tasks.just_recipes(parent, justfile, names[:1] if names else [])
            if lines is None:
                continue
            for line in lines:
                self.run_text(line, self.nested_ctx(inv, ctx, "just recipe", cwd=parent))
            return

    def task(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        operands = [w for w in inv.argv[1:] if not (w.value or "").startswith("-")]
        if any(w.value in ("--dry", "-n", "--list", "-l", "--list-all", "-a", "--summary") for w in inv.argv[1:]):
            return
        self.task_lines("task", operands[0] if operands else None, inv, ctx, tasks.taskfile_tasks)

    def cargo(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        if args and args[0].value in ("make", "run-script") and args[0].value == "make":
            operands = [w for w in args[1:] if not (w.value or "").startswith("-")]
            self.task_lines("cargo make", operands[0] if operands else None, inv, ctx, tasks.cargo_make_tasks)
        self.apply_rules(name, inv, ctx)

    def concurrently(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`concurrently "cmd1" "cmd2"`: each argument is a shell command (`npm:x` a script)."""
        for word in inv.argv[1:]:
            value = word.value
            if value is not None and value.startswith("-"):
                continue
            if value is not None and value.startswith("npm:"):
                self.package_script(value[4:], (), inv.cwd, False, inv, ctx)
                continue
            self.shell_text(word, inv, ctx, "concurrently command")

    def run_all(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`npm-run-all a b`, `run-s a b`, `run-p a b`: package scripts (globs match several)."""
        for word in inv.argv[1:]:
            value = word.value
            if value is None:
                self.unknowable(inv.text, "script name computed at run time", RULE_COMPUTED, name, ctx)
            elif not value.startswith("-"):
                if any(c in value for c in "*?[") and inv.cwd is not None:
                    directory = scripts.nearest_package_dir(inv.cwd)
                    table = scripts.read_scripts(directory) if directory else {}
                    for script in table:
                        if fnmatchcase(script, value.replace(":", "\x00").replace("\x00", ":")):
                            self.package_script(script, (), inv.cwd, False, inv, ctx)
                else:
                    self.package_script(value, (), inv.cwd, False, inv, ctx)

    def sed(self, inv: Invocation, ctx: Ctx) -> None:
        """GNU sed's `e COMMAND` runs a command; `e` alone and `s///e` run text from the input."""
        texts, files = runners.sed_scripts(inv.argv[1:])
        scripts_text = [w.value for w in texts]
        scripts_text += [self.read_file(f, inv.cwd) for f in files]
        for text in scripts_text:
            if text is None:
                if any(w.value is None and "e" in w.raw for w in texts) or files:
                    self.unknowable(inv.text, "sed script that cannot be read", RULE_COMPUTED, "sed", ctx)
                continue
            commands, unseen = runners.sed_commands(text)
            for command in commands:
                self.run_text(command, self.nested_ctx(inv, ctx, "sed e command"))
            if unseen:
                self.unknowable(inv.text, "sed runs commands taken from its input", RULE_COMPUTED, "sed", ctx)

    def nix(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`nix shell|develop INSTALLABLES --command CMD ARGS…`."""
        args = inv.argv[1:]
        if args and args[0].value == "run":
            # `nix run nixpkgs#wrangler -- deploy …`: the installable's program, with the arguments.
            operands = [w for w in args[1:] if not (w.value or "").startswith("-") or w.value == "--"]
            if not operands or operands[0].value is None or operands[0].value == "--":
                self.unknowable(inv.text, "nix run of a program crane cannot name", RULE_COMPUTED, name, ctx)
                return
            flake, _, attribute = operands[0].value.rpartition("#")
            if not (flake == "nixpkgs" or flake.startswith(("nixpkgs/", "github:NixOS/nixpkgs"))):
                # A project's or someone's flake: its app is whatever the flake says.
                self.unknowable(inv.text, f"nix run of the flake app {operands[0].value}", RULE_COMPUTED, name, ctx)
                return
            program = attribute.rsplit(".", 1)[-1] or attribute
            values = [w.value for w in args]
            rest = args[values.index("--") + 1 :] if "--" in values else ()
            self.invoke(inv.replace(argv=(Word(program, program), *rest), depth=inv.depth + 1), ctx)
            return
        if not args or args[0].value not in ("shell", "develop"):
            return
        for i, word in enumerate(args):
            if word.value in ("--command", "-c") and i + 1 < len(args):
                self.invoke(inv.replace(argv=tuple(args[i + 1 :]), depth=inv.depth + 1), ctx)
                return

    def nix_shell(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        for i, word in enumerate(args[:-1]):
            if word.value in ("--run", "--command"):
                self.shell_text(args[i + 1], inv, ctx, f"nix-shell {word.value}")

    def go_run(self, inv: Invocation, ctx: Ctx) -> None:
        """`go run main.go` / `go run ./cmd/deploy`: the Go files are scanned like other code."""
        operands = [w for w in inv.argv[2:] if not (w.value or "").startswith("-")]
        if not operands:
            return
        target = operands[0]
        path = self.path(target, inv.cwd)
        if target.value is None or path is None:
            self.unknowable(inv.text, "go run of a path computed at run time", RULE_COMPUTED, "go", ctx)
            return
        if os.path.isdir(path):
            try:
                files = sorted(e.path for e in os.scandir(path) if e.name.endswith(".go"))[:MAX_GO_FILES]
            except OSError:
                files = []
            for file in files:
                self.run_file(Word(file, file), inv, ctx, "other")
        elif "@" not in (target.value or ""):
            for word in [w for w in operands if (w.value or "").endswith(".go")] or [target]:
                self.run_file(word, inv, ctx, "other")
        else:
            self.unknowable(inv.text, f"go run of a remote module {target.raw}", RULE_COMPUTED, "go", ctx)

    def hyperfine(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        for command in runners.hyperfine_commands(inv.argv[1:]):
            self.shell_text(command, inv, ctx, "hyperfine command")

    def watchexec(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`watchexec [options] -- cmd …` or `watchexec 'cmd'` (run by a shell)."""
        args = inv.argv[1:]
        values = [w.value for w in args]
        if "--" in values:
            tail = args[values.index("--") + 1 :]
            if tail:
                self.invoke(inv.replace(argv=tuple(tail), depth=inv.depth + 1), ctx)
            return
        i = 0
        while i < len(args) and (args[i].value or "").startswith("-"):
            i += 2 if args[i].value in ("-w", "--watch", "-e", "--exts", "-f", "--filter", "-i", "--ignore",
                                        "-d", "--debounce", "-s", "--signal", "--shell", "-E", "--env",
                                        "--workdir", "--on-busy-update", "--delay-run") else 1
        if i < len(args):
            self.shell_text(joined(args[i:]), inv, ctx, "watchexec command")

    def lint_staged(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        self.config_commands("lint-staged", runners.lint_staged_commands, inv, ctx)

    def pre_commit(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = [w.value for w in inv.argv[1:]]
        if args[:1] in (["run"], ["hook-impl"], ["try-repo"]) or not args:
            self.config_commands("pre-commit", runners.precommit_entries, inv, ctx)

    def config_commands(self, runner: str, reader: Callable[[str], list[str] | None], inv: Invocation,
                        ctx: Ctx) -> None:
        """Commands a tool reads from its config file in the project (nearest directory that has one)."""
        if inv.cwd is None:
            return
        for directory in scripts.ancestors(inv.cwd)[:8]:
            commands = reader(directory)
            if commands is None:
                continue
            for command in commands:
                self.run_text(command, self.nested_ctx(inv, ctx, f"{runner} config", cwd=directory))
            return

    def bwrap(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """bubblewrap: options with zero, one or two values, then the command."""
        args = inv.argv[1:]
        i = 0
        while i < len(args):
            value = args[i].value
            if value is None or not value.startswith("--"):
                break
            i += 1 + _BWRAP_ARITY.get(value, 0)
        if i < len(args):
            self.invoke(inv.replace(argv=tuple(args[i:]), depth=inv.depth + 1), ctx)

    def nodemon(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        for i, word in enumerate(args):
            if word.value in ("--exec", "-x") and i + 1 < len(args):
                self.shell_text(args[i + 1], inv, ctx, "nodemon --exec")
                return
        operands = [w for w in args if not (w.value or "").startswith("-")]
        if operands:
            self.run_file(operands[0], inv, ctx, "js")

    # git ------------------------------------------------------------------------------------

    def git(self, inv: Invocation, ctx: Ctx) -> None:
        """Aliases, config keys that name programs (runner definitions) and hooks."""
        args = inv.argv[1:]
        cwd = inv.cwd
        overrides: dict[str, str | None] = {}
        git_dir_word: Word | None = None
        i = 0
        while i < len(args):
            value = args[i].value
            if value is None or not value.startswith("-"):
                break
            if value in ("-c", "--config-env") and i + 1 < len(args) or value.startswith("--config-env="):
                given = args[i + 1] if not value.startswith("--config-env=") else Word(value[13:], value)
                key, _, assigned = (given.value or given.raw).partition("=")
                computed = given.value is None or value.startswith("--config-env")
                overrides[key.lower()] = None if computed else assigned
                i += 1 if value.startswith("--config-env=") else 2
                continue
            if value == "-C" and i + 1 < len(args):
                cwd = self.path(args[i + 1], cwd)
                i += 2
                continue
            if value in ("--git-dir", "--work-tree") and i + 1 < len(args) or \
                    value.startswith(("--git-dir=", "--work-tree=")):
                given = args[i + 1] if "=" not in value else Word(value.split("=", 1)[1], value)
                if value.startswith("--git-dir"):
                    git_dir_word = given
                i += 1 if "=" in value else 2
                continue
            i += 2 if value in ("--namespace", "--exec-path", "--super-prefix") else 1
        overrides.update(self.git_env_config(inv))
        git_dir_value = self.single_value(inv, "GIT_DIR") if git_dir_word is None else git_dir_word.value
        if git_dir_word is not None or "GIT_DIR" in inv.env or self.environ.get("GIT_DIR"):
            # Another repository's hooks and config: read when it can be known, else unseeable.
            path = self.path(Word(git_dir_value, git_dir_value or ""), cwd) if git_dir_value else None
            if path is None:
                self.unknowable(inv.text, "git directory computed at run time", RULE_COMPUTED, "git", ctx)
                return
            cwd = os.path.dirname(os.path.normpath(path)) if os.path.basename(path) == ".git" else path
        for key, setting in overrides.items():
            self.git_runner_definition(key, setting, inv, ctx)
        if i >= len(args):
            return
        sub = args[i].value
        after = args[i + 1 :]
        if sub is None:
            return
        if sub == "config":
            self.git_config_command(after, inv, ctx)
            return
        for _kind, what in runners.git_subcommand_commands(sub, after):
            if isinstance(what, tuple):
                self.invoke(inv.replace(argv=what, depth=inv.depth + 1), ctx)
            else:
                self.shell_text(what, inv, ctx, f"git {sub} command")
        config = self.git_settings(cwd, overrides, inv)
        alias = config.get(f"alias.{sub.lower()}")
        if alias is not None and sub not in runners.GIT_HOOKS and f"git {sub}" not in self.active:
            self.git_alias(sub, alias, after, inv, ctx)
        hooks = runners.GIT_HOOKS.get(sub)
        if hooks and cwd is not None:
            skip_verify = any(w.value in ("--no-verify", "-n") if sub == "commit" else w.value == "--no-verify"
                              for w in after)
            self.git_hooks(sub, hooks, skip_verify, config, cwd, inv, ctx)

    def single_value(self, inv: Invocation, name: str) -> str | None:
        values = self.env_values(inv, name)
        return next(iter(values)) if len(values) == 1 and COMPUTED not in values else None

    def git_env_config(self, inv: Invocation) -> dict[str, str | None]:
        """`GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=alias.x GIT_CONFIG_VALUE_0='!…' git x`, GIT_CONFIG_PARAMETERS."""
        found: dict[str, str | None] = {}
        count = self.single_value(inv, "GIT_CONFIG_COUNT")
        if count is not None and count.isdigit():
            for n in range(min(int(count), 64)):
                key = self.single_value(inv, f"GIT_CONFIG_KEY_{n}")
                if key is not None:
                    found[key.lower()] = self.single_value(inv, f"GIT_CONFIG_VALUE_{n}")
        elif "GIT_CONFIG_COUNT" in inv.env:
            found["alias.*"] = None
        parameters = self.single_value(inv, "GIT_CONFIG_PARAMETERS")
        for key, value in re.findall(r"'([^'=]+)=([^']*)'", parameters or ""):
            found[key.lower()] = value
        return found

    def git_settings(self, cwd: str | None, overrides: Mapping[str, str | None], inv: Invocation
                     ) -> dict[str, str | None]:
        """The git config that applies: global files, the repository's, this command's `git config`, `-c`."""
        settings: dict[str, str | None] = {}
        home = self.single_value(inv, "HOME")
        xdg = self.single_value(inv, "XDG_CONFIG_HOME") or os.path.join(home or "/", ".config")
        paths = [os.path.join(xdg, "git", "config"), os.path.join(home, ".gitconfig") if home else ""]
        for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG"):
            if name in inv.env or self.environ.get(name):
                chosen = self.single_value(inv, name)
                if chosen is None:
                    settings["alias.*"] = None
                else:
                    paths.append(chosen if os.path.isabs(chosen) else os.path.join(cwd or "/", chosen))
        for path in paths:
            if path:
                settings.update(runners.read_git_config(path))
        directory = runners.git_dir(cwd) if cwd is not None else None
        if directory is not None:
            settings.update(runners.read_git_config(os.path.join(directory, "config")))
        settings.update(self.git_set)
        settings.update(overrides)
        return settings

    def git_runner_definition(self, key: str, value: str | None, inv: Invocation, ctx: Ctx) -> None:
        """A git config key that names a program: what it runs is judged when it is defined."""
        if not runners.git_key_runs_program(key):
            return
        key = key.lower()
        if value is None:
            self.unknowable(inv.text, f"git {key} set to a value computed at run time", RULE_COMPUTED, "git", ctx)
            return
        if key == "core.hookspath":
            return  # a directory: read when hooks run
        if key == "include.path" or key.startswith("includeif."):
            # `git -c include.path=FILE st`: the file's aliases and program keys count as set here.
            path = self.path(Word(os.path.expanduser(value), value), inv.cwd)
            included = runners.read_git_config(path) if path is not None and os.path.isfile(path) else None
            if not included:
                self.unknowable(inv.text, f"git {key} includes config crane cannot read", RULE_COMPUTED, "git", ctx)
                return
            if inv.depth < MAX_DEPTH:
                nested = inv.replace(depth=inv.depth + 1)
                for included_key, included_value in list(included.items())[:64]:
                    if included_key.startswith("alias."):
                        self.git_set[included_key] = included_value
                    self.git_runner_definition(included_key, included_value, nested, ctx)
            return
        if key.startswith("alias.") and not value.startswith("!"):
            return  # a git subcommand: judged when used
        if value.strip().lower() in ("", "true", "false", "cat", "less", "more", "vim", "vi", "nano"):
            return
        text = value[1:] if value.startswith("!") else value
        self.run_text(text, self.nested_ctx(inv, ctx, f"git {key}"))

    def git_config_command(self, rest: Sequence[Word], inv: Invocation, ctx: Ctx) -> None:
        operands: list[Word] = []
        i = 0
        reading = False
        while i < len(rest):
            value = rest[i].value
            if value is not None and value.startswith("-"):
                if value in ("--get", "--get-all", "--get-regexp", "-l", "--list", "--unset", "--unset-all",
                             "--remove-section", "--rename-section", "--show-origin", "--get-urlmatch"):
                    reading = True
                i += 2 if value in ("-f", "--file", "--blob", "--type", "--default", "--comment") else 1
                continue
            operands.append(rest[i])
            i += 1
        if operands and operands[0].value in ("set", "get", "unset", "list", "rename-section", "remove-section",
                                              "edit"):
            reading = operands[0].value != "set"
            operands = operands[1:]
        if reading or len(operands) < 2:
            return
        key_word, value_word = operands[0], operands[1]
        if key_word.value is None:
            self.unknowable(inv.text, "git config key computed at run time", RULE_COMPUTED, "git", ctx)
            return
        key = key_word.value.lower()
        self.git_set[key] = value_word.value
        self.git_runner_definition(key, value_word.value, inv, ctx)

    def git_alias(self, sub: str, alias: str | None, rest: Sequence[Word], inv: Invocation, ctx: Ctx) -> None:
        if alias is None:
            self.unknowable(inv.text, f"git alias {sub} computed at run time", RULE_COMPUTED, "git", ctx)
            return
        self.active.add(f"git {sub}")
        try:
            if alias.startswith("!"):
                # git runs `sh -c '<alias> "$@"' <alias> <args>`.
                text = " ".join((alias[1:], *(w.raw for w in rest)))
                self.run_text(text, self.nested_ctx(inv, ctx, f"git alias {sub}"))
            else:
                words = tuple(Word(w, w) for w in code.shlex_split(alias))
                self.invoke(inv.replace(argv=(inv.argv[0], *words, *rest), depth=inv.depth + 1), ctx)
        finally:
            self.active.discard(f"git {sub}")

    def git_hooks(self, sub: str, hooks: Sequence[str], skip_verify: bool, config: Mapping[str, str | None],
                  cwd: str, inv: Invocation, ctx: Ctx) -> None:
        """Read the hooks `git <sub>` runs like script files (husky's wrapper is looked through)."""
        directory = runners.git_dir(cwd)
        root = os.path.dirname(directory) if directory is not None and directory.endswith("/.git") else cwd
        hooks_path = config.get("core.hookspath", "") or ""
        if "core.hookspath" in config and config["core.hookspath"] is None:
            self.unknowable(inv.text, "git hooks directory computed at run time", RULE_COMPUTED, "git", ctx)
            return
        if hooks_path:
            base = os.path.expanduser(hooks_path)
            hooks_dir = base if os.path.isabs(base) else os.path.join(root, base)
        elif directory is not None:
            hooks_dir = os.path.join(directory, "hooks")
        else:
            return
        if os.path.basename(os.path.normpath(hooks_dir)) == "_" and \
                os.path.basename(os.path.dirname(os.path.normpath(hooks_dir))) == ".husky":
            hooks_dir = os.path.dirname(os.path.normpath(hooks_dir))  # husky 9: `.husky/_/h` runs `.husky/<hook>`
        for hook in hooks:
            if skip_verify and hook in runners.GIT_VERIFY_HOOKS:
                continue
            path = os.path.normpath(os.path.join(hooks_dir, hook))
            if path not in self.written and not os.path.isfile(path):
                continue
            hook_inv = inv.replace(argv=(Word(path, path),), cwd=root, depth=inv.depth + 1)
            self.run_file(Word(path, path), hook_inv, self.nested_ctx(hook_inv, ctx, f"git {hook} hook", cwd=root),
                          None)

    # files this command writes before it runs them --------------------------------------------

    def remember_copy(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`cp a run.sh`, `mv`, `ln -s`, `install`, `tee run.sh`: the new file holds known text (or not)."""
        words = [w for w in inv.argv[1:] if not (w.value or "").startswith("-")]
        if name == "tee":
            content = inv.stdin.text if inv.stdin is not None else None
            for word in words:
                self.note_written(word, content, inv.cwd)
            return
        if len(words) < 2:
            return
        destination = words[-1]
        for source in words[:-1]:
            content = self.read_file(source, inv.cwd)
            target = destination
            path = self.path(destination, inv.cwd)
            if path is not None and os.path.isdir(path) and source.value is not None:
                joined_path = os.path.join(destination.value or "", os.path.basename(source.value))
                target = Word(joined_path, joined_path)
            self.note_written(target, content, inv.cwd)

    def note_written(self, word: Word, content: str | None, cwd: str | None) -> None:
        path = self.path(word, cwd)
        if path is not None:
            self.written[os.path.normpath(path)] = content

    # package managers and make ----------------------------------------------------------------

    def package(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
        if name == "bun" and args and args[0].value in ("-e", "--eval", "-p", "--print") and len(args) > 1:
            self.inline_code(args[1], "js", "inline bun code", name, inv, ctx)
            return
        if name in ("yarn", "pnpm", "bun") and args and args[0].value == "node":
            # `yarn node -e CODE`: node with the package manager's environment.
            self.invoke(inv.replace(argv=tuple(args), depth=inv.depth + 1), ctx)
            return
        self.script_shell(name, inv, ctx)
        values = [w.value for w in args]
        if name == "npm" and "explore" in values and "--" in values:
            # `npm explore PKG -- cmd`: runs cmd (through the shell) in the package's directory.
            rest = args[values.index("--") + 1 :]
            if rest:
                self.shell_text(joined(rest), inv.replace(cwd=None), ctx, "npm explore command")
            return
        at = values.index("exec") if name == "pnpm" and "exec" in values else -1
        rest_values = values[at + 1 :]
        shell_mode = [v for v in (*values[:at], *rest_values[:1]) if v in ("-c", "--shell-mode")]
        if at >= 0 and shell_mode:
            # `pnpm -c exec 'cmd'`, `pnpm exec --shell-mode 'cmd'` (pnpm's own option, before the command).
            words = [w for w in args[at + 1 :] if w.value not in ("-c", "--shell-mode")]
            if words:
                self.shell_text(joined(words), inv, ctx, "pnpm exec --shell-mode")
            return
        if name == "yarn" and "run" in values:
            at = values.index("run") + 1
            if at < len(values) and values[at] in ("-T", "--top-level", "-B", "--binaries-only") and at + 1 < len(args):
                # `yarn run -T wrangler …`: a binary, not a script.
                self.invoke(inv.replace(argv=tuple(args[at + 1 :]), depth=inv.depth + 1), ctx)
                return
        for call in scripts.parse_package_manager(name, args):
            cwd = inv.cwd if call.chdir is None else self.path(call.chdir, inv.cwd)
            if call.kind == "builtin":
                # Rules see the subcommand on (`yarn workspace app npm publish` -> `yarn npm publish`).
                self.apply_rules(name, inv.replace(argv=(inv.argv[0], *call.args)) if call.args else inv, ctx)
                for lifecycle in call.lifecycle:
                    self.package_script(lifecycle, (), cwd, call.workspaces, inv, ctx, optional=True)
                if name != "npm" and call.name and call.name not in scripts.LIFECYCLE:
                    # `pnpm deploy` is pnpm's own command, but a "deploy" script is what people mean.
                    self.package_script(call.name, (), cwd, call.workspaces, inv, ctx, optional=True)
            elif call.kind == "script":
                if call.name is None:
                    raw = call.name_word.raw if call.name_word is not None else "?"
                    self.unknowable(inv.text, f"script name {raw} computed at run time", RULE_COMPUTED, name, ctx)
                else:
                    self.package_script(call.name, call.args, cwd, call.workspaces, inv, ctx)
            elif call.kind == "script_or_bin":
                self.script_or_bin(name, call, cwd, inv, ctx)
            elif call.kind == "argv":
                self.invoke(inv.replace(argv=call.args, cwd=cwd, depth=inv.depth + 1, strip_version=True), ctx)
            elif call.kind == "shell":
                self.shell_text(call.args[0], inv.replace(cwd=cwd), ctx, f"{name} shell command")
            else:
                self.run_file(call.name_word or Word(call.name, call.name or ""), inv.replace(cwd=cwd), ctx, "js")

    def script_shell(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """npm's and pnpm's `script-shell` (`--script-shell`, `npm_config_script_shell`, a project
        `.npmrc`): every script then runs through that program."""
        if name not in ("npm", "pnpm", "yarn"):
            return
        found: list[str | None] = []
        for i, word in enumerate(inv.argv[1:]):
            value = word.value
            if value is None:
                continue
            if value == "--script-shell" and i + 2 < len(inv.argv):
                found.append(inv.argv[i + 2].value)
            elif value.startswith("--script-shell="):
                found.append(value.split("=", 1)[1])
        for var, values in inv.env.items():
            if var.lower() == "npm_config_script_shell":
                found.extend(v if v != COMPUTED else None for v in values)
        home = self.environ.get("HOME")
        rc_dirs = [*(scripts.ancestors(inv.cwd)[:8] if inv.cwd is not None else []), *([home] if home else [])]
        if rc_dirs:
            for directory in dict.fromkeys(rc_dirs):
                rc = scripts.read_text(os.path.join(directory, ".npmrc")) if os.path.isfile(
                    os.path.join(directory, ".npmrc")) else None
                match = re.search(r"(?m)^\s*script-shell\s*=\s*(.+?)\s*$", rc or "")
                if match:
                    found.append(match.group(1))
        for shell in found:
            if shell is None:
                self.unknowable(inv.text, "script-shell computed at run time", RULE_COMPUTED, name, ctx)
            elif program_name(shell) not in SHELLS:
                self.script_file(Word(shell, shell), inv, ctx, same_shell=False)

    def script_or_bin(self, name: str, call: scripts.PmCall, cwd: str | None, inv: Invocation, ctx: Ctx) -> None:
        if call.name is None:
            raw = call.name_word.raw if call.name_word is not None else "?"
            self.unknowable(inv.text, f"script name {raw} computed at run time", RULE_COMPUTED, name, ctx)
            return
        if cwd is None or self.find_scripts(call.name, cwd, call.workspaces):
            self.package_script(call.name, call.args, cwd, call.workspaces, inv, ctx)
            return
        if call.name_word is not None:
            # Not a script: pnpm/yarn/bun run the package binary of that name.
            argv = (call.name_word, *call.args)
            self.invoke(inv.replace(argv=argv, cwd=cwd, depth=inv.depth + 1, strip_version=True), ctx)

    def find_scripts(self, script: str, cwd: str, workspaces: bool) -> list[tuple[str, dict[str, str]]]:
        directories = scripts.workspace_dirs(cwd) if workspaces else [scripts.nearest_package_dir(cwd)]
        found: list[tuple[str, dict[str, str]]] = []
        for directory in directories:
            if directory is None:
                continue
            table = scripts.read_scripts(directory)
            if script in table:
                found.append((directory, table))
        return found

    def package_script(
        self,
        script: str,
        args: Sequence[Word],
        cwd: str | None,
        workspaces: bool,
        inv: Invocation,
        ctx: Ctx,
        *,
        optional: bool = False,
    ) -> None:
        if cwd is None:
            if not optional:
                reason = f'script "{script}": package directory not known'
                self.unknowable(inv.text, reason, RULE_COMPUTED, script, ctx)
            return
        found = self.find_scripts(script, cwd, workspaces)
        for directory, table in found:
            # npm runs pre<name> and post<name> around a script; classify them as well.
            for part in (f"pre{script}", script, f"post{script}"):
                body = table.get(part)
                if body is None:
                    continue
                text = scripts.script_text(body, args if part == script else ())
                self.run_text(text, self.nested_ctx(inv, ctx, f'package.json script "{part}"', cwd=directory))
        if not found and not optional:
            self.add("read", "local", None, script, inv.text, f'no package.json script "{script}"', ctx)

    def make(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = list(inv.argv[1:])
        flags = inv.env.get("MAKEFLAGS", frozenset()) | inv.env.get("GNUMAKEFLAGS", frozenset())
        for value in flags:
            if value is None or value == COMPUTED:
                self.unknowable(inv.text, "MAKEFLAGS computed at run time", RULE_COMPUTED, name, ctx)
                return
            # `MAKEFLAGS='ENV=production' make`: its words count like the command line's.
            args = [*(Word(part, part) for part in value.split()), *args]
        directory = inv.cwd
        makefiles: list[Word] = []
        targets: list[str] = []
        overrides: dict[str, str] = {}
        i = 0
        while i < len(args):
            word = args[i]
            value = word.value
            if value is None:
                self.unknowable(inv.text, "make arguments computed at run time", RULE_COMPUTED, name, ctx)
                return
            if value in ("-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base"):
                return
            if value in ("-C", "--directory", "-f", "--file", "--makefile") and i + 1 < len(args):
                operand = args[i + 1]
                i += 1
                if value in ("-C", "--directory"):
                    directory = self.path(operand, directory)
                else:
                    makefiles.append(operand)
            elif value.startswith(("--directory=", "-C")) and len(value) > 2:
                directory = self.path(Word(value.split("=", 1)[-1] if "=" in value else value[2:], value), directory)
            elif value.startswith(("--file=", "--makefile=")):
                makefiles.append(Word(value.split("=", 1)[1], value))
            elif value.startswith("-f") and len(value) > 2 and not value.startswith("--"):
                makefiles.append(Word(value[2:], value))  # `-fdeploy.mk`
            elif (assignment := _MAKE_ASSIGNMENT.match(value)) is not None:
                # Command-line variables override the Makefile's own assignments.
                overrides[assignment.group(1)] = value[assignment.end():]
            elif not value.startswith("-"):
                targets.append(value)
            i += 1
        if directory is None:
            self.unknowable(inv.text, "make directory not known", RULE_COMPUTED, name, ctx)
            return
        # The environment overrides `?=` (and everything with `-e`): take the command's own
        # variables as overrides (the safe side).
        for var, values in inv.env.items():
            if var not in overrides and len(values) == 1 and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", var):
                (known,) = values
                if known is not None and known != COMPUTED:
                    overrides[var] = known
        text = self.makefile_text(name, makefiles, directory, inv, ctx)
        if text is None:
            return
        shell = overrides.get("SHELL") or scripts.make_variable(text, "SHELL")
        if shell is not None and program_name(shell.split()[0] if shell.split() else "") not in _MAKE_SHELLS:
            self.unknowable(inv.text, f"make runs its recipes through SHELL = {shell}", RULE_COMPUTED, name, ctx)
            return
        for line in scripts.make_recipes_of(text, targets, overrides):
            self.run_text(line, self.nested_ctx(inv, ctx, "Makefile recipe", cwd=directory))
        # `$(shell cmd)` runs while make reads the Makefile, whatever the target.
        for command in _MAKE_SHELL.findall(text):
            self.run_text(command, self.nested_ctx(inv, ctx, "Makefile $(shell)", cwd=directory))

    def makefile_text(self, name: str, makefiles: list[Word], directory: str, inv: Invocation, ctx: Ctx
                      ) -> str | None:
        """The Makefiles' text, includes followed; None (after saying why, if it matters) when
        there is nothing to run or it cannot be read."""
        if not makefiles:
            for default in scripts.MAKEFILE_NAMES:
                path = os.path.join(directory, default)
                if os.path.lexists(path):
                    makefiles = [Word(path, path)]
                    break
            else:
                return None
        texts: list[str] = []
        for word in makefiles:
            if word.value in ("-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"):
                text = inv.stdin.text if inv.stdin is not None else None
            else:
                text = self.read_file(word, directory)
            if text is None:
                self.unknowable(inv.text, f"{name} reads a Makefile that cannot be read ({word.raw})", RULE_COMPUTED,
                                name, ctx)
                return None
            texts.append(scripts.with_make_includes(text, directory))
        return "\n".join(texts)

    # rules ------------------------------------------------------------------------------------

    def apply_rules(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        self.guard_paths(name, inv, ctx)
        facts = self.rules.facts(name)
        words = [Arg(w.value, w.raw) for w in inv.argv[1:]]
        if name in YARGS_PROGRAMS:
            words = yargs_words(words, facts.value_options)
        for rule in self.rules.for_program(name):
            verdict = evaluate(rule, words, facts, has_stdin=inv.stdin is not None, unseen_args=inv.extra_args)
            if verdict is not None:
                self.add_verdict(name, verdict, inv, ctx)
                return
        self.add("read", "local", None, name, inv.text, "", ctx)

    def add_verdict(self, name: str, verdict: Verdict, inv: Invocation, ctx: Ctx) -> None:
        rule = verdict.rule
        if verdict.kind == "read":
            self.add("read", "local", None, name, inv.text, f"read ({rule.name} does not apply)", ctx)
            return
        if verdict.kind == "local_write":
            self.add("local_write", "local", rule.name, name, inv.text, verdict.why or "local", ctx)
            return
        kind: Kind = verdict.kind
        target: Target
        if rule.target == "wrangler":
            env = self.env_values(inv, ENV_VAR)
            target, why = wrangler_target(verdict.args, env, inv.cwd, self.config, unseen=inv.extra_args)
        elif rule.target == "url":
            target, why = url_target(self.urls(verdict, inv), self.config)
            target, why = self.http_target(verdict, inv, target, why)
            if target == "local":
                kind = "local_write"
        else:
            target, why = rule.target, ""
        if name == "wrangler" and target != "production":
            named = wrangler_production(rule, verdict.args, self.env_values(inv, ENV_VAR), inv.cwd, self.config)
            if named is not None:
                target, why = named
        if target == "unknown":
            texts = [a.value if a.value is not None else a.raw for a in verdict.args.positionals]
            options = verdict.args.options
            texts += [f"{o.name}={o.value.value or o.value.raw}" for o in options if o.value is not None]
            mention = mentions_production(texts, self.config)
            if mention:
                target, why = "production", mention
            elif (session := self.session_target(verdict, inv)) is not None:
                target, why = session
        self.add(kind, target, rule.name, name, inv.text, why, ctx)

    def urls(self, verdict: Verdict, inv: Invocation) -> list[str | None]:
        args = verdict.args
        if verdict.rule.check == "httpie":
            _, url, _ = httpie_parts(args)
            found = [url] if url is not None else []
        else:
            found = [*args.positionals[len(verdict.rule.subcommand):], *args.values(verdict.rule.url_options)]
        return [a.value if a.value is not None else self.expand_known(a.raw, inv.env) for a in found]

    def expand_known(self, raw: str, env: Mapping[str, frozenset[str | None]]) -> str | None:
        """A word made of fixed text and variables whose values are known: set by this command to
        one fixed value, or the session's own (`CRANE_*`, the injected secrets: `"$CRANE_API_BASE/x"`,
        `$DATABASE_URL`), which name the session's environment, not something unseeable."""
        if "$(" in raw or "`" in raw or "'" in raw or "\\" in raw:
            return None
        session = {n.strip() for n in self.environ.get("CRANE_INJECTED", "").split(",") if n.strip()}
        values: dict[str, str] = {}
        for name in _VARIABLE.findall(raw):
            known = env.get(name)
            if known is not None:
                if len(known) != 1 or None in known or COMPUTED in known:
                    return None
                values[name] = next(iter(known)) or ""
            elif name.startswith("CRANE_") or name in session:
                values[name] = self.environ.get(name, "")  # unset: the request fails, nothing unseen
            else:
                return None
        if not values:
            return None
        return _VARIABLE_REF.sub(lambda m: values[m.group(1) or m.group(2)], raw.replace('"', ""))

    def exec_tails(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`find … -exec cmd {} ;` and `fd -x cmd` run another program."""
        args = inv.argv[1:]
        i = 0
        while i < len(args):
            value = args[i].value
            if value in ("-exec", "-execdir", "-ok", "-okdir", "-x", "--exec", "-X", "--exec-batch"):
                end = i + 1
                while end < len(args) and args[end].value not in (";", "+", "\\;"):
                    end += 1
                tail = tuple(Word(None, w.raw) if w.value and "{}" in w.value else w for w in args[i + 1 : end])
                if tail:
                    self.invoke(inv.replace(argv=tail, extra_args=True, depth=inv.depth + 1), ctx)
                i = end
            i += 1

    def container_command(self, inv: Invocation, ctx: Ctx) -> None:
        """`docker run [opts] IMAGE CMD…`, `docker exec CONTAINER CMD…`, `docker compose run SVC CMD…`."""
        args = list(inv.argv[1:])
        if args and args[0].value in ("compose", "container"):
            args = args[1:]
        if not args or args[0].value not in ("run", "exec"):
            return
        i = 1
        while i < len(args):
            value = args[i].value
            if value is None or not value.startswith("-"):
                break
            i += 2 if value in _CONTAINER_VALUE_OPTIONS else 1
        command = tuple(args[i + 1 :])  # after the image / container / service
        if command:
            # The container has its own environment; its directory is usually this one, mounted.
            self.invoke(inv.replace(argv=command, env={}, clear_env=True, depth=inv.depth + 1), ctx)

    def dashdash_tail(self, inv: Invocation, ctx: Ctx) -> None:
        """`op run -- wrangler deploy`: an unknown program often runs what follows `--`."""
        args = inv.argv[1:]
        for i, word in enumerate(args):
            if word.value != "--" or i + 1 >= len(args):
                continue
            head = args[i + 1]
            if head.value is None or self.name_of(head, True) in self.known:
                self.invoke(inv.replace(argv=args[i + 1 :], depth=inv.depth + 1, strip_version=True), ctx)
            return

    # HTTP and data-client targets the URL alone does not show ------------------------------

    def http_target(self, verdict: Verdict, inv: Invocation, target: Target, why: str) -> tuple[Target, str]:
        """URLs in variables, curl config files (`-K`) and connection overrides (`--connect-to`,
        `--resolve`, a `Host:` header): production when they lead to the profile's production URLs."""
        args = verdict.args
        judged: list[tuple[Target, str]] = [(target, why)]
        words = [*args.positionals[len(verdict.rule.subcommand) :], *args.values(verdict.rule.url_options)]
        if verdict.rule.check == "httpie":
            url = httpie_parts(args)[1]
            words = [url] if url is not None else []
        if any(a.value is None for a in words):
            resolved = [a.value if a.value is not None else self.resolve_word(a.raw, inv) for a in words]
            judged = [url_target(resolved, self.config)]
        # Exact option names (no fnmatch patterns to compile on the hook's path).
        texts = [o.value.value or o.value.raw for o in args.options if o.name in _CONNECTION_OPTIONS and o.value]
        unread = False
        for option in args.options:
            if option.name in ("-K", "--config") and option.value is not None:
                config_file = option.value
                if config_file.value == "-":
                    text = inv.stdin.text if inv.stdin is not None else None
                else:
                    text = self.read_file(Word(config_file.value, config_file.raw), inv.cwd) \
                        if config_file.value else None
                unread = unread or text is None
                texts.append(text if text is not None else "")
        mention = mentions_production(texts, self.config) if texts else None
        if mention:
            judged.append(("production", f"{mention} (connection options or curl config)"))
        best = max(judged, key=lambda t: TARGET_RANK[t[0]])
        if unread and best[0] != "production":
            # Its URLs and options are in a file crane cannot read: where it writes is unseen.
            return "unknown", "curl config file computed at run time or unreadable"
        if best[0] == "unknown" and (session := self.session_target(verdict, inv)) is not None:
            return session
        return best

    def resolve_word(self, raw: str, inv: Invocation) -> str | None:
        """A computed word's value: the session's own variables first (`expand_known`), then any
        variable whose value this command or the environment fixes (`expand_variables`)."""
        known = self.expand_known(raw, inv.env)
        return known if known is not None else self.expand_variables(raw, inv)

    def expand_variables(self, raw: str, inv: Invocation) -> str | None:
        """A word's value when its variables are known (set in this command, or inherited)."""
        text = raw.strip("'\"") if raw[:1] == raw[-1:] and raw[:1] in "'\"" else raw
        if "$(" in text or "`" in text:
            return None
        unknown = False

        def value(match: re.Match[str]) -> str:
            nonlocal unknown
            name = match.group(1) or match.group(2)
            values = inv.env.get(name)
            if values is not None:
                known = [v for v in values if v is not None and v != COMPUTED]
                if len(known) == 1 and len(values) == 1:
                    return known[0]
                unknown = True
                return ""
            inherited = self.environ.get(name)
            if inherited is None or inv.clear_env:
                unknown = True
                return ""
            return inherited

        result = _variable().sub(value, text)
        return None if unknown else result

    def session_target(self, verdict: Verdict, inv: Invocation) -> tuple[Target, str] | None:
        """Arguments computed only from the session's own variables (crane's injected secrets,
        `CRANE_*`): the write lands in the session's environment (`psql "$DATABASE_URL"`)."""
        args = verdict.args
        computed = [a.raw for a in args.positionals if a.value is None]
        computed += [o.value.raw for o in args.options if o.value is not None and o.value.value is None]
        if not computed:
            return None
        own = set(_injected_names(self.environ))
        used: set[str] = set()
        for raw in computed:
            if "$(" in raw or "`" in raw:
                return None
            names = [m.group(1) or m.group(2) for m in _variable().finditer(raw)]
            if not names or not all(n in own or n.startswith("CRANE_") for n in names):
                return None
            if any(n in inv.env for n in names):
                return None  # reassigned in this command: not the session's value any more
            used.update(names)
        target: Target = "staging" if self.config.env == "dev" else "production"
        return target, f"uses the session's own {', '.join(sorted(used))} ({target} session)"

    # the guard's own paths, crane's code and the keyring (crane.guard.see.protected) ---------

    def protect_path(self, path: str | None, removes: bool, program: str, text: str, cwd: str | None,
                     ctx: Ctx) -> None:
        if path is None:
            return
        why = protected.protected_write(path, cwd, self.config, removes=removes)
        if why is None and any(c in path for c in "*?["):
            # `echo x > .clau*/settings.json`: the shell expands a pattern that matches files.
            import glob

            pattern = path if os.path.isabs(path) or cwd is None else os.path.join(cwd, path)
            for match in glob.glob(pattern, include_hidden=True)[:64]:
                why = protected.protected_write(match, cwd, self.config, removes=removes)
                if why is not None:
                    break
        if why is not None:
            self.add("external_write", "production", protected.RULE_PROTECTED, program, text, why, ctx)

    def guard_paths(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """A file-writing program, or git, aimed at a protected path."""
        if name not in protected.PATH_WRITERS:
            return
        words = [self.path_text(w, inv.env) for w in inv.argv[1:]]
        self.patch_files(name, inv, words, ctx)
        if name == "git":
            why = protected.git_protected(_git_positionals(words))
            if why is not None:
                self.add("external_write", "production", protected.RULE_PROTECTED, name, inv.text, why, ctx)
            return
        if name == "find":
            if not any(w in ("-delete", "-fprint", "-fprint0", "-fprintf", "-fls") for w in words):
                return
            for value in words:
                if value is None or value.startswith(("-", "(", "!")):
                    break
                self.protect_path(value, True, name, inv.text, inv.cwd, ctx)
            return
        positionals: list[str] = []
        options: dict[str, list[str]] = {}
        ended = False
        for i, value in enumerate(words):
            if value is None:
                continue
            if ended or not value.startswith("-") or value == "-":
                positionals.append(value)
            elif value == "--":
                ended = True
            elif value in ("-t", "--target-directory"):
                options.setdefault(value, [])
                if i + 1 < len(words) and words[i + 1] is not None:
                    options[value].append(words[i + 1] or "")
            elif value.startswith("--target-directory="):
                options.setdefault("--target-directory", []).append(value.partition("=")[2])
            elif value.startswith("--in-place") or (not value.startswith("--") and "i" in value[1:]):
                options.setdefault("-i", [])  # `sed -i`, `perl -pi -e`
        for path, removes in protected.written_operands(name, positionals, options):
            self.protect_path(path, removes, name, inv.text, inv.cwd, ctx)

    def patch_files(self, name: str, inv: Invocation, words: list[str | None], ctx: Ctx) -> None:
        """`git apply x.diff`, `git am < mbox`, `patch -p1 < x.diff`: a patch that writes a
        protected path (read when crane can read it)."""
        texts: list[str] = []
        if name == "git":
            positionals = _git_positionals(words)
            if not positionals or positionals[0] not in ("apply", "am"):
                return
            if any(w in ("--check", "--stat", "--numstat", "--summary") for w in words):
                return  # only looks at the patch
            files = [p for p in positionals[1:] if p != "-"]
        elif name == "patch":
            files = []
            for i, value in enumerate(words):
                if value in ("-i", "--input") and i + 1 < len(words) and words[i + 1]:
                    files.append(words[i + 1] or "")
                elif value and value.startswith(("--input=", "-i")) and len(value) > 2:
                    files.append(value.split("=", 1)[1] if "=" in value else value[2:])
        else:
            return
        for file in files:
            found = self.read_file(Word(file, file), inv.cwd)
            if found is not None:
                texts.append(found)
        if inv.stdin is not None and inv.stdin.text is not None:
            texts.append(inv.stdin.text)
        for text in texts:
            why = protected.patch_protected(text)
            if why is not None:
                self.add("external_write", "production", protected.RULE_PROTECTED, name, inv.text, why, ctx)
                return

    def path_text(self, word: Word, env: Mapping[str, frozenset[str | None]] | None = None) -> str | None:
        """A word's value; when computed, its text with this command's variables
        (`d=.claude; echo x > $d/settings.json`) or inherited ones filled in
        (`$HOME/.claude/settings.json`), or as written, which still shows protected names."""
        if word.value is not None:
            return word.value
        if env:
            known = self.expand_known(word.raw, env)
            if known is not None:
                return known
        raw = word.raw
        if len(raw) > 1 and raw[0] == raw[-1] and raw[0] in "'\"":
            raw = raw[1:-1]
        if "$(" in raw or "`" in raw:
            return raw

        def value(match: re.Match[str]) -> str:
            found = self.environ.get(match.group(1) or match.group(2))
            return found if found is not None else match.group(0)

        return _variable().sub(value, raw) if "$" in raw else raw

    def guarded_code(self, name: str, code: str, ctx: Ctx) -> None:
        """Inline code that loads crane, uses the keyring module, or writes a protected path."""
        if protected.crane_code(code):
            self.add("external_write", "production", protected.RULE_CRANE, name, code,
                     "inline code loads crane's own modules (crane reads secrets)", ctx)
        if protected.keyring_code(code):
            self.add("external_write", "production", protected.RULE_KEYRING, name, code,
                     "inline code uses the keyring module (where crane keeps credentials)", ctx)
        why = protected.code_writes_protected(code, self.config)
        if why is not None:
            self.add("external_write", "production", protected.RULE_PROTECTED, name, code, why, ctx)

    def crane_reached(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`python -m crane…`, or crane's own interpreter: crane's code, with what it can read."""
        head = inv.argv[0].value or ""
        args = [w.value for w in inv.argv[1:]]
        module = next((args[i + 1] for i, v in enumerate(args[:-1]) if v == "-m"), None)
        module = module or next((v[2:] for v in args if v is not None and v.startswith("-mcrane")), None)
        if module is not None and (module == "crane" or module.startswith("crane.")):
            self.add("external_write", "production", protected.RULE_CRANE, name, inv.text,
                     f"runs crane's own module {module}", ctx)
        elif protected.interpreter_of_crane(head, inv.cwd):
            self.add("external_write", "production", protected.RULE_CRANE, name, inv.text,
                     "runs crane's own interpreter", ctx)

    def keyring_words(self, cmd: Command, ctx: Ctx) -> None:
        """Any command naming a keyring file reads stored credentials."""
        words = [*cmd.words, *(r.target for r in cmd.redirects if r.target is not None)]
        for word in words:
            if word.value is not None and protected.keyring_file(word.value):
                self.add("external_write", "production", protected.RULE_KEYRING, "", cmd.text,
                         f"{word.value} is a keyring file (where crane keeps credentials)", ctx)
                return


_CONNECTION_OPTIONS = ("--connect-to", "--resolve", "-H", "--header", "--url", "--proxy", "-x", "--preproxy")
_VARIABLE_PARTS = r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)"


def _variable() -> re.Pattern[str]:
    """`$NAME` / `${NAME}` (compiled on first use: most commands have no computed words)."""
    return re.compile(_VARIABLE_PARTS)  # the re module caches it


def _injected_names(environ: Mapping[str, str]) -> list[str]:
    return [n for n in re.split(r"[\s,:;]+", environ.get("CRANE_INJECTED", "")) if n]


def _git_positionals(words: Sequence[str | None]) -> list[str]:
    """git's words after its global options (`-C dir`, `-c k=v`, `--git-dir=…`)."""
    out: list[str] = []
    i = 0
    while i < len(words):
        value = words[i]
        if value is None:
            i += 1
            continue
        if not out and value in ("-C", "-c", "--git-dir", "--work-tree", "--namespace", "--config-env"):
            i += 2
            continue
        if not out and value.startswith("-"):
            i += 1
            continue
        out.append(value)
        i += 1
    return out


def analyse_command(
    command: str,
    *,
    cwd: str | None,
    config: GuardConfig,
    rules: RuleSet,
    environ: Mapping[str, str],
) -> list[Finding]:
    """Every finding in one shell command string."""
    analyser = Analyser(config, rules, environ)
    # A missing program may be what a build here produces, unless something here also fetches or
    # unpacks files (`curl -o bin/tool … && go build && bin/tool`).
    analyser.builds = _BUILDS.search(command) is not None and _FETCHES.search(command) is None
    analyser.makes_venv = _MAKES_VENV.search(command) is not None
    analyser.run_text(command, Ctx(cwd))
    return analyser.findings

