"""Programs that run another program: `env A=1 cmd`, `sudo -u x cmd`, `timeout 5 cmd`, `npx cmd`...

`unwrap()` takes the words of a command whose program is a wrapper and returns what actually
runs, plus what the wrapper changes on the way (variables, directory, shell strings it runs).
Pure functions on words; the analyser loops until no wrapper is left.

When a wrapper meets an option it does not know, that option may take a value; both readings
(the next word is the command, or it is the option's value) are returned so that neither can
hide a write.
"""

from __future__ import annotations

import re

from crane._record import Record
from crane.guard.see.shell import Word, joined

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
# env takes any operand with a `=` as an assignment, whatever the name (`BASH_FUNC_f%%=() {…}`).
ENV_ASSIGNMENT = re.compile(r"^[^=]+=")
_NONE: frozenset[str] = frozenset()


class WrapperSpec(Record):
    __slots__ = (
        "value_options", "flags", "skip", "assignments", "chdir", "shell_options", "env_files", "joins_shell",
        "extra_args", "query", "strip_version",
    )
    value_options: frozenset[str]  # options that take the next word
    flags: frozenset[str]  # known options without a value
    skip: int  # positionals before the command (timeout's DURATION, taskset's mask)
    assignments: bool  # NAME=VALUE words before the command (env, cross-env, sudo)
    chdir: frozenset[str]  # options naming the command's working directory
    shell_options: frozenset[str]  # options whose value is a shell command (su -c)
    env_files: frozenset[str]  # options naming a dotenv file (dotenv -e .env)
    joins_shell: bool  # the command words are joined and run by `sh -c` (watch)
    extra_args: bool  # appends words we cannot see (xargs, parallel)
    query: frozenset[str]  # options that make it a lookup, not a run (`command -v`)
    strip_version: bool  # `npx wrangler@4` runs wrangler

    def __init__(
        self,
        value_options: frozenset[str] = _NONE,
        flags: frozenset[str] = _NONE,
        *,
        skip: int = 0,
        assignments: bool = False,
        chdir: frozenset[str] = _NONE,
        shell_options: frozenset[str] = _NONE,
        env_files: frozenset[str] = _NONE,
        joins_shell: bool = False,
        extra_args: bool = False,
        query: frozenset[str] = _NONE,
        strip_version: bool = False,
    ) -> None:
        self._set(
            value_options=value_options, flags=flags, skip=skip, assignments=assignments, chdir=chdir,
            shell_options=shell_options, env_files=env_files, joins_shell=joins_shell, extra_args=extra_args,
            query=query, strip_version=strip_version,
        )


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


_SUDO_VALUES = _s(
    "-u", "--user", "-g", "--group", "-h", "--host", "-p", "--prompt", "-C", "--close-from",
    "-D", "--chdir", "-r", "--role", "-t", "--type", "-U", "--other-user", "-T", "--command-timeout",
    "-R", "--chroot",
)
_SUDO_FLAGS = _s(
    "-E", "--preserve-env", "-H", "--set-home", "-n", "--non-interactive", "-S", "--stdin", "-b",
    "--background", "-i", "--login", "-s", "--shell", "-k", "--reset-timestamp", "-P",
    "--preserve-groups", "-A", "--askpass", "-B", "--bell", "-N", "--no-update",
)
_NPX_VALUES = _s(
    "-p", "--package", "--registry", "--cache", "--userconfig", "-w", "--workspace", "--prefix",
    "--node-options", "--script-shell", "--loglevel",
)
_NPX_FLAGS = _s("-y", "--yes", "--no", "--no-install", "--ignore-existing", "-q", "--quiet", "--silent", "-s")

WRAPPERS: dict[str, WrapperSpec] = {
    "nohup": WrapperSpec(),
    "time": WrapperSpec(_s("-f", "--format", "-o", "--output"), _s("-p", "-v", "--verbose", "-a", "--append")),
    "nice": WrapperSpec(_s("-n", "--adjustment")),
    "timeout": WrapperSpec(
        _s("-s", "--signal", "-k", "--kill-after"),
        _s("--preserve-status", "--foreground", "-v", "--verbose"),
        skip=1,
    ),
    "sudo": WrapperSpec(_SUDO_VALUES, _SUDO_FLAGS, assignments=True, chdir=_s("-D", "--chdir")),
    "doas": WrapperSpec(_s("-u", "-C"), _s("-n", "-s", "-L"), assignments=True),
    "setsid": WrapperSpec(flags=_s("-f", "--fork", "-w", "--wait", "-c", "--ctty")),
    "stdbuf": WrapperSpec(_s("-i", "-o", "-e", "--input", "--output", "--error")),
    "command": WrapperSpec(flags=_s("-p"), query=_s("-v", "-V")),
    "builtin": WrapperSpec(),
    "exec": WrapperSpec(_s("-a"), _s("-c", "-l")),
    "coproc": WrapperSpec(),
    "busybox": WrapperSpec(),
    "ionice": WrapperSpec(
        _s("-c", "--class", "-n", "--classdata", "-p", "--pid", "-P", "--pgid", "-u", "--uid"), _s("-t")
    ),
    "taskset": WrapperSpec(flags=_s("-a", "--all-tasks", "-c", "--cpu-list"), skip=1),
    "chrt": WrapperSpec(flags=_s("-a", "-b", "-d", "-e", "-f", "-i", "-o", "-r", "-R", "-v"), skip=1),
    "unshare": WrapperSpec(flags=_s("-m", "-u", "-i", "-n", "-p", "-U", "-r", "-f", "--fork")),
    "flock": WrapperSpec(
        _s("-w", "--timeout", "-E", "--conflict-exit-code"),
        _s("-s", "--shared", "-x", "-e", "--exclusive", "-u", "--unlock", "-n", "--nonblock", "-o", "--close"),
        skip=1,
        shell_options=_s("-c", "--command"),
    ),
    "caffeinate": WrapperSpec(_s("-t", "-w"), _s("-d", "-i", "-m", "-s", "-u")),
    "unbuffer": WrapperSpec(flags=_s("-p")),
    "chronic": WrapperSpec(flags=_s("-e", "-v")),
    "torsocks": WrapperSpec(_s("-u", "-p", "-a", "-P"), _s("-i", "-q", "-d")),
    "proxychains": WrapperSpec(_s("-f"), _s("-q")),
    "proxychains4": WrapperSpec(_s("-f"), _s("-q")),
    "firejail": WrapperSpec(),
    "strace": WrapperSpec(
        _s("-o", "-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-O", "-S", "-P", "-X"),
        _s("-f", "-ff", "-c", "-t", "-tt", "-T", "-v", "-y", "-q"),
    ),
    "ltrace": WrapperSpec(
        _s("-o", "-e", "-p", "-s", "-u", "-a", "-n", "-l", "-L"), _s("-f", "-c", "-t", "-tt", "-T", "-S")
    ),
    "xargs": WrapperSpec(
        _s(
            "-I", "-n", "-P", "-L", "-s", "-d", "-E", "-a", "--arg-file", "--delimiter", "--max-args",
            "--max-procs", "--max-lines", "--max-chars", "--eof", "--replace", "--process-slot-var",
        ),
        _s(
            "-0", "--null", "-r", "--no-run-if-empty", "-t", "--verbose", "-p", "--interactive", "-x",
            "--exit", "-o", "--open-tty", "-i", "-e", "-l",
        ),
        extra_args=True,
    ),
    "parallel": WrapperSpec(
        _s("-j", "--jobs", "-S", "--sshlogin", "--joblog", "-a", "--arg-file", "--delay"),
        _s("-k", "--keep-order", "--dry-run", "-0", "--null", "-q", "--quote"),
        extra_args=True,
    ),
    "watch": WrapperSpec(
        _s("-n", "--interval", "-d", "--differences"),
        _s("-t", "--no-title", "-e", "--errexit", "-g", "--chgexit", "-b", "--beep", "-c", "--color",
           "-x", "--exec", "-p", "--precise"),
        joins_shell=True,
    ),
    "su": WrapperSpec(
        _s("-s", "--shell", "-g", "--group", "-G", "--supp-group", "-w", "--whitelist-environment"),
        _s("-", "-l", "--login", "-m", "-p", "--preserve-environment", "-P", "--pty"),
        skip=1,
        shell_options=_s("-c", "--command", "--session-command"),
    ),
    "runuser": WrapperSpec(
        _s("-u", "--user", "-g", "--group", "-G", "-s", "--shell", "-w"),
        _s("-", "-l", "--login", "-m", "-p", "-P", "--pty"),
        shell_options=_s("-c", "--command"),
    ),
    "script": WrapperSpec(
        _s("-E", "--echo", "-I", "--log-in", "-O", "--log-out", "-B", "--log-io", "-T", "--log-timing",
           "-m", "--logging-format"),
        _s("-a", "--append", "-e", "--return", "-f", "--flush", "-q", "--quiet"),
        skip=1,
        shell_options=_s("-c", "--command"),
    ),
    "cross-env": WrapperSpec(assignments=True),
    "cross-env-shell": WrapperSpec(assignments=True, joins_shell=True),
    "dotenv": WrapperSpec(_s("-e", "-c", "-v", "-p"), _s("-o", "--debug", "--quiet"), env_files=_s("-e")),
    "env-cmd": WrapperSpec(
        _s("-f", "--file", "-e", "--environments", "-r", "--rc-file"),
        _s("--fallback", "--no-override", "--silent", "--use-shell", "--expand-envs", "--verbose"),
        env_files=_s("-f", "--file"),
    ),
    "npx": WrapperSpec(_NPX_VALUES, _NPX_FLAGS, shell_options=_s("-c", "--call"), strip_version=True),
    "pnpx": WrapperSpec(_NPX_VALUES, _NPX_FLAGS, shell_options=_s("-c"), strip_version=True),
    "bunx": WrapperSpec(
        _s("-p", "--package"), _s("--bun", "--silent", "--verbose", "--no-install"), strip_version=True
    ),
    "uvx": WrapperSpec(_s("--from", "--with", "--python", "-p"), strip_version=True),
    # More programs that run the command they are given (issue 8; docs/guard.md lists them).
    "chroot": WrapperSpec(_s("--userspec", "--groups"), _s("--skip-chdir"), skip=1),
    "setpriv": WrapperSpec(
        _s("--reuid", "--regid", "--groups", "--inh-caps", "--ambient-caps", "--bounding-set", "--securebits",
           "--pdeathsig", "--selinux-label", "--apparmor-profile", "--landlock-access", "--landlock-rule"),
        _s("--keep-groups", "--clear-groups", "--init-groups", "--nnp", "--no-new-privs", "--reset-env", "-d"),
    ),
    "nsenter": WrapperSpec(
        _s("-t", "--target", "-S", "--setuid", "-G", "--setgid", "-r", "--root", "-w", "--wd"),
        _s("-m", "-u", "-i", "-n", "-p", "-U", "-C", "-T", "-a", "--all", "-F", "--no-fork", "--preserve-credentials"),
    ),
    "prlimit": WrapperSpec(_s("-p", "--pid", "-o", "--output"), _s("--noheadings", "--raw", "--verbose")),
    "systemd-run": WrapperSpec(
        _s("-u", "--unit", "-p", "--property", "-E", "--setenv", "--description", "--slice", "-M", "--machine",
           "--uid", "--gid", "--nice", "--working-directory", "-H", "--host", "--on-active", "--on-boot",
           "--on-calendar", "--timer-property", "--path-property", "--socket-property", "--service-type"),
        _s("--user", "--system", "--scope", "-t", "--pty", "-P", "--pipe", "-q", "--quiet", "--wait", "-G",
           "--collect", "-S", "--shell", "-r", "--remain-after-exit", "--same-dir", "-d", "--no-block"),
        chdir=_s("--working-directory"),
    ),
    "numactl": WrapperSpec(
        _s("-N", "--cpunodebind", "-m", "--membind", "-C", "--physcpubind", "-p", "--preferred", "-i",
           "--interleave"), _s("-l", "--localalloc", "-a", "--all"),
    ),
    "cgexec": WrapperSpec(_s("-g"), _s("--sticky")),
    "xvfb-run": WrapperSpec(_s("-n", "--server-num", "-s", "--server-args", "-e", "--error-file", "-f",
                               "--auth-file", "-p", "--xauth-protocol", "-w", "--wait"), _s("-a", "--auto-servernum")),
    "dbus-run-session": WrapperSpec(_s("--config-file", "--dbus-daemon")),
    "fakeroot": WrapperSpec(_s("-l", "--lib", "--faked", "-s", "-i"), _s("-u", "--unknown-is-real")),
    "eatmydata": WrapperSpec(),
    "nocache": WrapperSpec(),
    "rlwrap": WrapperSpec(_s("-a", "-b", "-f", "-H", "-l", "-p", "-P", "-s", "-S", "-w", "-z"),
                          _s("-A", "-c", "-C", "-i", "-m", "-n", "-N", "-o", "-r", "-R", "-t", "-U", "-W")),
    "sshpass": WrapperSpec(_s("-p", "-f", "-d", "-e", "-P")),
    "faketime": WrapperSpec(_s("-m", "-p"), _s("-f"), skip=1),
    "pkexec": WrapperSpec(_s("--user"), _s("--disable-internal-agent", "--keep-cwd")),
    "entr": WrapperSpec(flags=_s("-a", "-c", "-cc", "-d", "-n", "-p", "-r", "-z"), shell_options=_s("-s")),
    "tsp": WrapperSpec(_s("-L", "-D", "-W", "-N"), _s("-n", "-g", "-f", "-B", "-E")),
    "nq": WrapperSpec(flags=_s("-c", "-q")),
    "daemonize": WrapperSpec(_s("-a", "-c", "-e", "-E", "-o", "-p", "-l", "-u"), _s("-v"), chdir=_s("-c")),
    "catchsegv": WrapperSpec(),
    "valgrind": WrapperSpec(),
    "setarch": WrapperSpec(flags=_s("-R", "-L", "-B", "-X", "-F", "-Z", "-S", "-T", "-v", "--verbose"), skip=1),
    "linux32": WrapperSpec(), "linux64": WrapperSpec(),
    "systemd-inhibit": WrapperSpec(_s("--what", "--who", "--why", "--mode")),
    "ssh-agent": WrapperSpec(_s("-a", "-E", "-t", "-P"), _s("-c", "-s", "-D", "-d")),
    "start-stop-daemon": WrapperSpec(
        _s("-x", "--exec", "-n", "--name", "-p", "--pidfile", "-u", "--user", "-c", "--chuid", "-d", "--chdir",
           "-r", "--chroot", "-N", "--nicelevel", "-a", "--startas", "-g", "--group"),
        _s("-S", "--start", "-b", "--background", "-m", "--make-pidfile", "-o", "--oknodo", "-q", "--quiet"),
        chdir=_s("-d", "--chdir"),
    ),
    "gdb": WrapperSpec(_s("-ex", "-x", "-p", "-iex", "-ix", "-cd", "-d"), _s("-batch", "-q", "-nx", "--args")),
    "corepack": WrapperSpec(strip_version=True),
    "with-contenv": WrapperSpec(),
    "s6-setuidgid": WrapperSpec(skip=1),
    "chpst": WrapperSpec(_s("-u", "-U", "-e", "-/", "-n", "-l", "-L", "-m", "-d", "-o", "-p", "-f", "-c"),
                         _s("-P", "-0", "-1", "-2", "-v")),
    "sg": WrapperSpec(skip=1, shell_options=_s("-c")),
    "sem": WrapperSpec(_s("-j", "--jobs", "--id", "--timeout"), _s("--fg", "--wait", "--bg")),
    "retry": WrapperSpec(_s("-t", "--times", "-d", "--delay", "-u", "--until", "-w", "--while")),
}

# `<program> <subcommand> … cmd`: runners whose subcommand hands over to another program.
SUBCOMMAND_WRAPPERS: dict[tuple[str, str], WrapperSpec] = {
    ("uv", "run"): WrapperSpec(
        _s("--with", "-w", "--python", "-p", "--project", "--directory", "--package", "--env-file",
           "--extra", "--group", "--index"),
        _s("--no-project", "--isolated", "--frozen", "--locked", "--no-sync", "-q", "--quiet", "--all-extras"),
        chdir=_s("--directory"),
        env_files=_s("--env-file"),
    ),
    ("uv", "tool"): WrapperSpec(_s("--from", "--with", "--python", "-p"), skip=1),
    ("poetry", "run"): WrapperSpec(_s("-C", "--directory", "-P", "--project"), chdir=_s("-C", "--directory")),
    ("pipenv", "run"): WrapperSpec(),
    ("pipx", "run"): WrapperSpec(_s("--spec", "--python", "--pip-args"), _s("--no-cache", "--verbose")),
    ("op", "run"): WrapperSpec(_s("--env-file", "--account"), _s("--no-masking"), env_files=_s("--env-file")),
    ("doppler", "run"): WrapperSpec(
        _s("-p", "--project", "-c", "--config", "--command", "--mount", "--token"), shell_options=_s("--command")
    ),
    ("infisical", "run"): WrapperSpec(
        _s("--env", "--path", "--projectId", "--token", "--tags", "--domain", "--command"),
        _s("--watch", "--silent", "--recursive"),
        shell_options=_s("--command"),
    ),
    ("aws-vault", "exec"): WrapperSpec(
        _s("-d", "--duration", "-t", "--mfa-token", "-r", "--region"),
        _s("-j", "--json", "-n", "--no-session", "--server", "--ec2-server", "--ecs-server"),
        skip=1,
    ),
    ("dotenvx", "run"): WrapperSpec(
        _s("-f", "--env-file", "-e", "--env", "--convention"),
        _s("--overload", "-o", "--strict", "--quiet", "--verbose", "--debug"),
        env_files=_s("-f", "--env-file"),
    ),
    ("direnv", "exec"): WrapperSpec(skip=1),
    ("mise", "exec"): WrapperSpec(_s("-C", "--cd", "-j", "--jobs"), chdir=_s("-C", "--cd")),
    ("mise", "x"): WrapperSpec(_s("-C", "--cd", "-j", "--jobs"), chdir=_s("-C", "--cd")),
    ("asdf", "exec"): WrapperSpec(),
    ("devbox", "run"): WrapperSpec(_s("-c", "--config")),
    ("bundle", "exec"): WrapperSpec(_s("--gemfile"), _s("--keep-file-descriptors")),
    ("pdm", "run"): WrapperSpec(_s("-p", "--project"), _s("-g", "--global", "-s", "--site-packages")),
    ("hatch", "run"): WrapperSpec(),
    ("rye", "run"): WrapperSpec(),
    ("pixi", "run"): WrapperSpec(_s("-e", "--environment", "--manifest-path")),
    ("conda", "run"): WrapperSpec(_s("-n", "--name", "-p", "--prefix", "--cwd"),
                                  _s("--no-capture-output", "--live-stream")),
    ("mamba", "run"): WrapperSpec(_s("-n", "--name", "-p", "--prefix", "--cwd"), _s("--no-capture-output")),
    ("micromamba", "run"): WrapperSpec(_s("-n", "--name", "-p", "--prefix", "--cwd")),
    ("flox", "activate"): WrapperSpec(_s("-d", "--dir")),
    ("fnm", "exec"): WrapperSpec(_s("--using")),
    ("volta", "run"): WrapperSpec(_s("--node", "--npm", "--yarn", "--pnpm")),
    ("rbenv", "exec"): WrapperSpec(),
    ("pyenv", "exec"): WrapperSpec(),
    ("nvm", "exec"): WrapperSpec(skip=1),
    ("opam", "exec"): WrapperSpec(),
    ("sops", "exec-env"): WrapperSpec(skip=1, joins_shell=True),
    ("chamber", "exec"): WrapperSpec(),
    ("heroku", "local:run"): WrapperSpec(),
}


class Unwrapped(Record):
    """What a wrapper runs, and how it changes that command's world."""

    __slots__ = (
        "argv", "alternatives", "assignments", "unset", "clear_env", "chdir", "shell_strings", "env_files",
        "extra_args", "query", "strip_version",
    )
    argv: tuple[Word, ...]
    alternatives: tuple[tuple[Word, ...], ...]  # other readings of an unknown option
    assignments: tuple[tuple[str, Word], ...]
    unset: tuple[str, ...]
    clear_env: bool
    chdir: Word | None
    shell_strings: tuple[Word, ...]  # run by a shell (su -c '...', npx -c '...', watch)
    env_files: tuple[Word, ...]
    extra_args: bool
    query: bool
    strip_version: bool

    def __init__(
        self,
        argv: tuple[Word, ...],
        alternatives: tuple[tuple[Word, ...], ...] = (),
        assignments: tuple[tuple[str, Word], ...] = (),
        unset: tuple[str, ...] = (),
        clear_env: bool = False,
        chdir: Word | None = None,
        shell_strings: tuple[Word, ...] = (),
        env_files: tuple[Word, ...] = (),
        extra_args: bool = False,
        query: bool = False,
        strip_version: bool = False,
    ) -> None:
        self._set(
            argv=argv, alternatives=alternatives, assignments=assignments, unset=unset, clear_env=clear_env,
            chdir=chdir, shell_strings=shell_strings, env_files=env_files, extra_args=extra_args, query=query,
            strip_version=strip_version,
        )


def strip_package_version(value: str) -> str:
    """`wrangler@4.1.0` -> `wrangler`, `@scope/pkg@1` -> `@scope/pkg`."""
    at = value.rfind("@")
    return value[:at] if at > 0 else value


def unwrap(spec: WrapperSpec, args: Sequence[Word]) -> Unwrapped:
    """Parse a wrapper's own options and find the command it runs in `args`."""
    assignments: list[tuple[str, Word]] = []
    chdir: Word | None = None
    shells: list[Word] = []
    env_files: list[Word] = []
    query = False
    unknown_at: int | None = None  # index just after an unknown option
    i = 0
    skip = spec.skip
    while i < len(args):
        word = args[i]
        value = word.value
        if value is None:
            break
        if value == "--":
            i += 1
            break
        if value.startswith("-") and (len(value) > 1 or value in spec.flags):
            name, inline = _option_name(value)
            if name in spec.query:
                query = True
            consumed, name, option_value = _option_value(spec, name, inline, args, i)
            if option_value is not None:
                if name in spec.chdir:
                    chdir = option_value
                if name in spec.shell_options:
                    shells.append(option_value)
                if name in spec.env_files:
                    env_files.append(option_value)
            elif name not in spec.flags and name not in spec.query and inline is None:
                unknown_at = i + 1
            i += consumed
            continue
        if spec.assignments and ASSIGNMENT.match(value):
            name, _, rest = value.partition("=")
            assignments.append((name, Word(rest, word.raw)))
            i += 1
            continue
        if skip:
            skip -= 1
            i += 1
            continue
        break
    argv = tuple(args[i:])
    alternatives: tuple[tuple[Word, ...], ...] = ()
    if unknown_at is not None and unknown_at == i and len(args) > i + 1 + spec.skip:
        alternatives = (tuple(args[i + 1 :]),)
    if spec.joins_shell and argv:
        shells.append(joined(argv))
        argv = ()
    return Unwrapped(
        argv=argv,
        alternatives=alternatives,
        assignments=tuple(assignments),
        chdir=chdir,
        shell_strings=tuple(shells),
        env_files=tuple(env_files),
        extra_args=spec.extra_args,
        query=query,
        strip_version=spec.strip_version,
    )


def _option_name(value: str) -> tuple[str, str | None]:
    if value.startswith("--"):
        name, eq, inline = value.partition("=")
        return name, inline if eq else None
    return value, None


def _option_value(
    spec: WrapperSpec, name: str, inline: str | None, args: Sequence[Word], i: int
) -> tuple[int, str, Word | None]:
    """(words consumed, the option's name, its value if it takes one)."""
    takes_value = spec.value_options | spec.shell_options | spec.chdir | spec.env_files
    if inline is not None:
        return 1, name, Word(inline, inline)
    if name in takes_value:
        return (2, name, args[i + 1]) if i + 1 < len(args) else (1, name, None)
    # Short option with its value attached: `-n5`, `-uuser`, `-c'cmd'`.
    if not name.startswith("--") and len(name) > 2 and name[:2] in takes_value:
        attached = name[2:]
        return 1, name[:2], Word(attached, attached)
    # A cluster of flags ending in a value option: `script -qc CMD`, `su -lc CMD`.
    if not name.startswith("--") and len(name) > 2 and "-" + name[-1] in takes_value and \
            all("-" + letter in spec.flags for letter in name[1:-1]):
        last = "-" + name[-1]
        return (2, last, args[i + 1]) if i + 1 < len(args) else (1, last, None)
    return 1, name, None


def unwrap_env(args: Sequence[Word]) -> Unwrapped:
    """GNU/BSD `env [-i] [-u NAME] [-C DIR] [-S STRING] [NAME=VALUE]... [CMD [ARG]...]`."""
    assignments: list[tuple[str, Word]] = []
    unset: list[str] = []
    clear = False
    chdir: Word | None = None
    split: Word | None = None
    i = 0
    while i < len(args):
        value = args[i].value
        if value is None:
            break
        if value in ("-i", "--ignore-environment", "-"):
            clear = True
        elif value == "--":
            # Options end here, but NAME=VALUE operands still follow: `env -- A=1 cmd`.
            i += 1
            while i < len(args) and args[i].value is not None and ENV_ASSIGNMENT.match(args[i].value or ""):
                name, _, rest = (args[i].value or "").partition("=")
                assignments.append((name, Word(rest, args[i].raw)))
                i += 1
            break
        elif value in ("-u", "--unset", "-C", "--chdir", "-S", "--split-string", "-P"):
            operand = args[i + 1] if i + 1 < len(args) else Word("", "")
            i += 1
            if value in ("-u", "--unset"):
                unset.append(operand.value or "")
            elif value in ("-C", "--chdir"):
                chdir = operand
            elif value in ("-S", "--split-string"):
                split = operand
        elif value.startswith(("--unset=", "--chdir=", "--split-string=")):
            key, _, rest = value.partition("=")
            operand = Word(rest, rest)
            if key == "--unset":
                unset.append(rest)
            elif key == "--chdir":
                chdir = operand
            else:
                split = operand
        elif value.startswith("-u") and len(value) > 2:
            unset.append(value[2:])
        elif value.startswith("-S") and len(value) > 2:
            split = Word(value[2:], value[2:])
        elif value.startswith("-C") and len(value) > 2:
            chdir = Word(value[2:], value[2:])
        elif value.startswith("-") and len(value) > 1:
            pass  # -0, -v, --debug, --default-signal...: no effect on what runs
        elif ENV_ASSIGNMENT.match(value):
            name, _, rest = value.partition("=")
            assignments.append((name, Word(rest, args[i].raw)))
        else:
            break
        i += 1
    argv = tuple(args[i:])
    shells: tuple[Word, ...] = ()
    if split is not None:
        # env -S splits its string into words and runs them followed by the remaining words.
        shells = (joined((split, *argv)),)
        argv = ()
    return Unwrapped(argv, (), tuple(assignments), tuple(unset), clear, chdir, shells)
