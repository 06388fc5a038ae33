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

from crane._record import Record
from crane.guard.model import TARGET_RANK, Finding
from crane.guard.rules.engine import Arg, RuleSet, Verdict, evaluate, httpie_parts
from crane.guard.see import protected, scripts
from crane.guard.see.prefilter import (
    EVAL_COMMANDS,
    INTERPRETERS,
    MAKE_COMMANDS,
    SHELLS,
    SOURCE_COMMANDS,
    command_basename,
    glob_could_name,
    sensitive_programs,
)
from crane.guard.see.resources import wrangler_production
from crane.guard.see.shell import TOO_COMPLEX, Block, Command, Pipeline, Problem, Word, joined, parse
from crane.guard.see.targets import mentions_production, url_target
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
MAX_TEXTS = 64  # nested texts parsed for one tool call
MAX_UNWRAP = 24  # wrappers around one command
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
            last = ctx
            for stage in stmt.stages:
                piped = self.output_of(previous, ctx) if previous is not None else stdin
                last = ctx.child()
                self.walk(stage, last, piped)
                previous = stage
            if last is not ctx:
                # With `shopt -s lastpipe` the last stage runs in this shell: its changes may stay.
                ctx.absorb(last, self.environ)
        else:
            self.block(stmt, ctx, stdin)

    def block(self, block: Block, ctx: Ctx, stdin: Input | None) -> None:
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
            self.add("local_write", "local", RULE_REDIRECT, "", cmd.text, f"writes {target.raw}", ctx)
            self.protect_path(self.path_text(target), False, "", cmd.text, ctx.cwd, ctx)
            self.remember_write(target, redirect.op, cmd, ctx)
        return own

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

    def output_of(self, stage: Stmt, ctx: Ctx) -> Input:
        """What a pipeline stage writes, when it is fixed text (`echo`, `printf`, `cat <<EOF`)."""
        if not isinstance(stage, Command) or not stage.words or stage.words[0].value is None:
            return Input(None, "pipe")
        name = program_name(stage.words[0].value)
        args = stage.words[1:]
        has_text, body = stage.stdin_text
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
        rule = RULE_TOO_COMPLEX if problem.reason == TOO_COMPLEX else RULE_PARSE_ERROR
        self.unknowable(problem.text, problem.reason, rule, "", ctx)

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
        for _ in range(MAX_UNWRAP):
            if not inv.argv:
                return
            head = inv.argv[0]
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
            raw_name = program_name(head.raw.strip("'\""), strip_version)
            if raw_name in self.known:
                return raw_name
        return name

    def dispatch(self, name: str, inv: Invocation, ctx: Ctx) -> Invocation | None:
        """Handle `inv` whose program is `name`; return the wrapped command if there is one."""
        args = inv.argv[1:]
        if name in ("cd", "pushd", "popd", "chdir"):
            self.change_directory(name, args, ctx)
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
        if name in ASSIGNING_BUILTINS or name in DECLARATION_BUILTINS:
            self.dynamic_assignment(name, inv, ctx)
        self.crane_reached(name, inv, ctx)
        if name in INTERPRETERS:
            self.inline_code(name, inv, ctx)
        head = inv.argv[0].value or ""
        if "/" in head and head.endswith(SCRIPT_SUFFIXES):
            self.script_file(inv.argv[0], inv, ctx, same_shell=False)
            return None
        self.apply_rules(name, inv, ctx)
        if name in ("docker", "podman"):
            self.container_command(inv, ctx)
        elif name in ("find", "fd", "fdfind"):
            self.exec_tails(name, inv, ctx)
        elif name not in self.rule_programs:
            self.dashdash_tail(inv, ctx)
        return None

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
        table["trap"] = self.trap
        return table

    def change_directory(self, name: str, args: Sequence[Word], ctx: Ctx) -> None:
        operands = [w for w in args if not (w.value or "").startswith("-") or w.value == "-"]
        if name == "popd" or (operands and operands[0].value == "-"):
            ctx.cwd = None
            return
        if not operands:
            home = self.environ.get("HOME")
            ctx.cwd = home if name != "pushd" else ctx.cwd
            return
        word = operands[0]
        if word.value is None or ctx.cwd is None and not os.path.isabs(os.path.expanduser(word.value)):
            ctx.cwd = None
            return
        ctx.cwd = os.path.normpath(self.path(word, ctx.cwd) or word.value)

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
        inner = inv.replace(
            argv=u.argv,
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
        if word.value is None:
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
        self.unknowable(inv.text, f"{name} runs a command built at run time", RULE_COMPUTED, name, ctx)
        self.forget_environment(ctx)

    @staticmethod
    def forget_environment(ctx: Ctx) -> None:
        """Code we cannot see ran in this shell (`eval`, an unreadable `source`): it may set anything."""
        ctx.env[ENV_VAR] = frozenset({COMPUTED})
        ctx.env[NAMEREF] = frozenset({COMPUTED})

    def alias(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        for word in inv.argv[1:]:
            if word.value is not None and "=" in word.value:
                body = word.value.partition("=")[2]
                self.shell_text(Word(body, body), inv, ctx, "alias")

    def trap(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = [w for w in inv.argv[1:] if w.value != "--"]
        if args and not (args[0].value or "").startswith("-"):
            self.shell_text(args[0], inv, ctx, "trap")

    def inline_code(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """`python -c`, `node -e` ...: flag code that starts a program a rule knows about."""
        flags = INTERPRETERS[name]
        args = inv.argv[1:]
        codes: list[Word] = []
        for i, word in enumerate(args):
            if word.value in flags and i + 1 < len(args):
                codes.append(args[i + 1])
            elif word.value is not None and word.value.startswith("--eval="):
                codes.append(Word(word.value[7:], word.raw))
        if name == "deno" and len(args) > 1 and args[0].value == "eval":
            codes.append(args[1])
        operands = [a for a in args if not (a.value or "-").startswith("-")]
        if not codes and inv.stdin is not None and not operands:
            codes.append(Word(inv.stdin.text, inv.stdin.text or "<stdin>"))
        for code in codes:
            text = code.value if code.value is not None else code.raw
            self.guarded_code(name, text, ctx)
            if not re.search(_SPAWNS, text):
                continue
            mentioned = self.mentioned_programs(text)
            if not mentioned:
                continue
            external = any(r.kind == "external_write" for p in mentioned for r in self.rules.for_program(p))
            reason = f"inline {name} code starts {', '.join(sorted(mentioned))}"
            if external:
                self.unknowable(text, reason, RULE_INLINE_CODE, name, ctx)
            else:
                self.add("local_write", "local", RULE_INLINE_CODE, name, text, reason, ctx)

    def mentioned_programs(self, text: str) -> set[str]:
        lowered = text.lower()
        found: set[str] = set()
        for program in self.rule_programs | scripts.PACKAGE_MANAGERS:
            if re.search(rf"(?<![A-Za-z0-9_-]){re.escape(program)}(?![A-Za-z0-9_-])", lowered):
                found.add(program)
        return found

    # package managers and make ----------------------------------------------------------------

    def package(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        args = inv.argv[1:]
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
                self.add("read", "local", None, name, inv.text, "runs a source file", ctx)

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
        directory = inv.cwd
        makefile: str | None = None
        targets: list[str] = []
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
                    makefile = operand.value
            elif value.startswith(("--directory=", "-C")) and len(value) > 2:
                directory = self.path(Word(value.split("=", 1)[-1] if "=" in value else value[2:], value), directory)
            elif value.startswith(("--file=", "--makefile=")):
                makefile = value.split("=", 1)[1]
            elif not value.startswith("-") and "=" not in value:
                targets.append(value)
            i += 1
        if directory is None:
            self.unknowable(inv.text, "make directory not known", RULE_COMPUTED, name, ctx)
            return
        recipes = scripts.make_recipes(directory, makefile, targets)
        for line in recipes or ():
            self.run_text(line, self.nested_ctx(inv, ctx, "Makefile recipe", cwd=directory))

    # rules ------------------------------------------------------------------------------------

    def apply_rules(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        self.guard_paths(name, inv, ctx)
        facts = self.rules.facts(name)
        words = [Arg(w.value, w.raw) for w in inv.argv[1:]]
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
            target, why = url_target(self.urls(verdict), self.config)
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

    def urls(self, verdict: Verdict) -> list[str | None]:
        args = verdict.args
        if verdict.rule.check == "httpie":
            _, url, _ = httpie_parts(args)
            return [url.value] if url is not None else []
        found = [a.value for a in args.positionals[len(verdict.rule.subcommand) :]]
        found += [a.value for a in args.values(verdict.rule.url_options)]
        return found

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
                tail = args[i + 1 : end]
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
            resolved = [a.value if a.value is not None else self.expand_variables(a.raw, inv) for a in words]
            judged = [url_target(resolved, self.config)]
        # Exact option names (no fnmatch patterns to compile on the hook's path).
        texts = [o.value.value or o.value.raw for o in args.options if o.name in _CONNECTION_OPTIONS and o.value]
        for option in args.options:
            if option.name in ("-K", "--config") and option.value is not None:
                config_file = option.value
                text = self.read_file(Word(config_file.value, config_file.raw), inv.cwd) if config_file.value else None
                texts.append(text if text is not None else "")
        mention = mentions_production(texts, self.config) if texts else None
        if mention:
            judged.append(("production", f"{mention} (connection options or curl config)"))
        best = max(judged, key=lambda t: TARGET_RANK[t[0]])
        if best[0] == "unknown" and (session := self.session_target(verdict, inv)) is not None:
            return session
        return best

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
        if why is not None:
            self.add("external_write", "production", protected.RULE_PROTECTED, program, text, why, ctx)

    def guard_paths(self, name: str, inv: Invocation, ctx: Ctx) -> None:
        """A file-writing program, or git, aimed at a protected path."""
        if name not in protected.PATH_WRITERS:
            return
        words = [self.path_text(w) for w in inv.argv[1:]]
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

    def path_text(self, word: Word) -> str | None:
        """A word's value; when computed, its text with inherited variables filled in
        (`$HOME/.claude/settings.json`), or as written, which still shows protected names."""
        if word.value is not None:
            return word.value
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
_VARIABLE = r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)"


def _variable() -> re.Pattern[str]:
    """`$NAME` / `${NAME}` (compiled on first use: most commands have no computed words)."""
    return re.compile(_VARIABLE)  # the re module caches it


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
    analyser.run_text(command, Ctx(cwd))
    return analyser.findings

