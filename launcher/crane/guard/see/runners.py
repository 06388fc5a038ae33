"""Programs that run other programs in their own way: interpreters, terminal multiplexers,
schedulers, editors, git. Pure functions on words that say what runs; the analyser judges it.

- interpreters (`python`, `node`, `ruby`, `perl`, `php`, `deno`, `tsx`, `ts-node`, `awk`, ...):
  inline code (`-c`, `-e`, `-r`, `deno eval`), a script file operand, or code read from stdin;
- `tmux new|new-session|new-window|split-window|respawn-pane|run-shell|send-keys`,
  `screen -dm … cmd`, `screen -X stuff`: a shell command;
- `at`/`batch` (commands from stdin or `-f file`), `crontab FILE|-` (jobs);
- `vim`/`ex`/`nvim` `-c CMD`, `+CMD`, `--cmd CMD`: `!cmd`, `system("…")`;
- `expect -c`/script files: `spawn cmd …` lines;
- git: aliases (`-c alias.x=…`, `git config alias.x …`, `[alias]` in the git config files),
  config keys that name programs, and the hooks that a subcommand runs.

Standard library only.
"""

from __future__ import annotations

import os
import re

from crane._record import Record
from crane.guard.see.shell import Word, joined

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

_NONE: frozenset[str] = frozenset()


def _s(*names: str) -> frozenset[str]:
    return frozenset(names)


class Interp(Record):
    """How an interpreter's command line is read."""

    __slots__ = ("values", "code", "stop", "lang")
    values: frozenset[str]  # options taking the next word
    code: frozenset[str]  # options whose value is code (`-c`, `-e`)
    stop: frozenset[str]  # options after which no script file follows (`-m module`)
    lang: str

    def __init__(self, lang: str, values: frozenset[str] = _NONE, code: frozenset[str] = _NONE,
                 stop: frozenset[str] = _NONE) -> None:
        self._set(values=values, code=code, stop=stop, lang=lang)


_PYTHON = Interp("python", _s("-W", "-X", "-Q"), _s("-c"), _s("-m"))
_NODE = Interp(
    "js",
    _s("-r", "--require", "--import", "--loader", "--experimental-loader", "--env-file", "--input-type", "-C",
       "--conditions", "--title", "--inspect-port", "--watch-path", "--test-reporter", "--test-name-pattern"),
    _s("-e", "--eval", "-p", "--print"),
    _s("--test", "--version", "-v", "--help", "-h", "--check", "-c"),
)
INTERPRETERS: dict[str, Interp] = {
    **dict.fromkeys(("python", "python3", "python2", "pypy", "pypy3", "pythonw"), _PYTHON),
    "node": _NODE, "nodejs": _NODE,
    "ruby": Interp("ruby", _s("-I", "-r", "-C", "-E", "-F", "--encoding"), _s("-e")),
    "perl": Interp("perl", _s("-I", "-M", "-m", "-x", "-i"), _s("-e", "-E"), _s("-v", "-c")),
    "php": Interp("php", _s("-c", "-d", "-z", "-S", "-t"), _s("-r", "-B", "-R", "-E"), _s("-S", "-v", "-l", "-a")),
    "tsx": Interp("js", _s("--tsconfig", "--env-file", "-r", "--require", "--import"), _s("-e", "--eval", "-p")),
    "ts-node": Interp("js", _s("-P", "--project", "-r", "--require", "-O", "--compiler-options", "-C",
                               "--compiler", "--cwd"), _s("-e", "--eval", "-p", "--print")),
    "ts-node-esm": Interp("js", _s("-P", "--project", "-r", "--require"), _s("-e", "--eval")),
    "esno": Interp("js"), "esrun": Interp("js"), "zx": Interp("js", _s("--shell", "--prefix"), _s("--eval")),
    "vite-node": Interp("js", _s("-r", "--root", "-c", "--config")),
    "osascript": Interp("other", _s("-l"), _s("-e")),
    "rscript": Interp("other", _NONE, _s("-e")),
    "lua": Interp("other", _s("-l"), _s("-e")),
}
AWKS = frozenset({"awk", "gawk", "mawk", "nawk", "busybox-awk"})
EDITORS = frozenset({"vim", "vi", "nvim", "ex", "view", "gvim", "evim", "vimdiff", "nvi", "elvis"})


class InterpCall(Record):
    """What an interpreter command line runs."""

    __slots__ = ("codes", "file", "from_stdin", "args")
    codes: tuple[Word, ...]  # inline code
    file: Word | None  # a script file
    from_stdin: bool  # code comes from stdin (no code, no file, or `-`)
    args: tuple[Word, ...]  # words after the script file

    def __init__(self, codes: tuple[Word, ...] = (), file: Word | None = None, from_stdin: bool = False,
                 args: tuple[Word, ...] = ()) -> None:
        self._set(codes=codes, file=file, from_stdin=from_stdin, args=args)


def interpreter_call(spec: Interp, args: Sequence[Word]) -> InterpCall:
    codes: list[Word] = []
    i = 0
    while i < len(args):
        word = args[i]
        value = word.value
        if value is None:
            return InterpCall(tuple(codes), word, False, tuple(args[i + 1 :]))
        if value == "-":
            return InterpCall(tuple(codes), None, True)
        if value == "--":
            i += 1
            break
        if not value.startswith("-"):
            break
        name, eq, inline = value.partition("=")
        if name in spec.stop:
            return InterpCall(tuple(codes))
        if name in spec.code:
            if eq:
                codes.append(Word(inline, inline))
            elif i + 1 < len(args):
                codes.append(args[i + 1])
                i += 1
        elif name in spec.values and not eq:
            i += 1
        elif not name.startswith("--") and len(name) > 2 and name[:2] in spec.code:
            codes.append(Word(name[2:], name[2:]))  # `-c'print(1)'`, `-eCODE`
        elif not name.startswith("--") and len(name) > 2 and name[:2] in spec.stop:
            return InterpCall(tuple(codes))  # `-mpre_commit`
        i += 1
    if codes:
        return InterpCall(tuple(codes))
    if i < len(args):
        return InterpCall((), args[i], False, tuple(args[i + 1 :]))
    return InterpCall((), None, True)


def awk_program(args: Sequence[Word]) -> tuple[Word | None, Word | None]:
    """(program text, program file) of an awk command line."""
    i = 0
    while i < len(args):
        value = args[i].value
        if value is None:
            return args[i], None
        if value in ("-f", "--file") and i + 1 < len(args):
            return None, args[i + 1]
        if value in ("-e", "--source") and i + 1 < len(args):
            return args[i + 1], None
        if value in ("-F", "-v", "--assign", "--field-separator", "-i", "--include", "-l", "--load") and \
                i + 1 < len(args):
            i += 2
            continue
        if value == "--":
            return (args[i + 1], None) if i + 1 < len(args) else (None, None)
        if value.startswith("-") and len(value) > 1:
            i += 1
            continue
        return args[i], None
    return None, None


def editor_commands(args: Sequence[Word]) -> list[Word]:
    """The commands `vim -c CMD`, `+CMD`, `--cmd CMD` run."""
    found: list[Word] = []
    for i, word in enumerate(args):
        value = word.value
        if (value in ("-c", "--cmd") or value is not None and re.fullmatch(r"-[a-zA-Z]+c", value)) and \
                i + 1 < len(args):
            found.append(args[i + 1])
        elif value is not None and value.startswith("+") and len(value) > 1 and not value[1:].isdigit():
            found.append(Word(value[1:], word.raw))
        elif value is None and word.raw.startswith(("+", "'+", '"+')):
            found.append(word)
    return found


_VIM_FUNCTION = re.compile(r"\b(?:system|systemlist|jobstart|termopen)\s*\(")
_VIM_UNSEEN = re.compile(r"^\s*:?\s*(?:ter(?:minal)?|py[3x]?(?:do|file)?|python3?|lua(?:do|file)?|perl|ruby"
                         r"|exe(?:cute)?|so(?:urce)?|mak(?:e)?)\b")


def vim_shell(command: str) -> tuple[str | None, bool]:
    """(shell text, unseen) for one vim command: `!cmd`, `r !cmd`, `w !cmd`, `call system("cmd")`."""
    parts = command.split("|")
    for index, part in enumerate(parts):
        bang = re.match(r"^\s*:?\s*(?:sil(?:ent)?!?\s+)?[.%$,0-9']*\s*(?:r(?:ead)?|w(?:rite)?)?\s*!(.*)$", part,
                        re.DOTALL)
        if bang and bang.group(1).strip():
            # `:!cmd` takes the rest of the line, `|` included.
            return "|".join((bang.group(1), *parts[index + 1 :])).lstrip("!").strip(), False
        if _VIM_FUNCTION.search(part) or _VIM_UNSEEN.match(part):
            return None, True
    return None, False


# tmux subcommands (and aliases) that take a shell command as their trailing words.
_TMUX_COMMANDS = {
    "new-session": "new-session", "new": "new-session", "new-window": "new-window", "neww": "new-window",
    "split-window": "split-window", "splitw": "split-window", "respawn-pane": "respawn-pane",
    "respawnp": "respawn-pane", "respawn-window": "respawn-window", "respawnw": "respawn-window",
    "run-shell": "run-shell", "run": "run-shell", "send-keys": "send-keys", "send": "send-keys",
    "display-popup": "display-popup", "popup": "display-popup", "pipe-pane": "pipe-pane", "pipep": "pipe-pane",
    "if-shell": "if-shell", "if": "if-shell",
}
_TMUX_VALUES = _s("-s", "-n", "-c", "-t", "-x", "-y", "-e", "-F", "-f", "-l", "-L", "-S", "-d", "-w", "-h", "-T",
                  "-N", "-b", "-M")
_TMUX_FLAGS_ONLY = _s("-d", "-P", "-A", "-D", "-E", "-X", "-h", "-v", "-b", "-f", "-k", "-Z", "-l", "-H", "-R",
                      "-K", "-M", "-B", "-I", "-o", "-C", "-u", "-2", "-N")
_KEY_NAMES = re.compile(r"^(?:Enter|C-[a-zA-Z]|M-[a-zA-Z]|Escape|Tab|Space|BSpace|KPEnter)$")


def tmux_shell_commands(args: Sequence[Word]) -> list[Word]:
    """Shell commands a tmux command line runs (`tmux new -d 'cmd'`, `tmux send-keys -t x 'cmd' Enter`)."""
    i = 0
    while i < len(args) and (args[i].value or "").startswith("-"):
        i += 2 if args[i].value in ("-L", "-S", "-f", "-T") else 1  # tmux's own options
    found: list[Word] = []
    while i < len(args):
        sub = _TMUX_COMMANDS.get(args[i].value or "")
        j = i + 1
        end = j
        while end < len(args) and args[end].value not in (";", "\\;"):
            end += 1
        if sub is not None:
            words = list(args[j:end])
            k = 0
            while k < len(words) and (words[k].value or "").startswith("-") and words[k].value != "-":
                flag = words[k].value or ""
                k += 2 if flag in _TMUX_VALUES and flag not in _TMUX_FLAGS_ONLY else 1
            rest = words[k:]
            if sub == "send-keys":
                rest = [w for w in rest if not _KEY_NAMES.match(w.value or "")]
            if sub == "if-shell":
                found.extend(rest)  # the condition and both branches are shell/tmux commands
            elif rest:
                found.append(joined(rest))
        i = end + 1
    return found


def screen_command(args: Sequence[Word]) -> tuple[list[Word], list[Word]]:
    """(argv of the program screen starts, texts typed by `-X stuff`)."""
    i = 0
    typed: list[Word] = []
    while i < len(args):
        value = args[i].value
        if value is None or not value.startswith("-"):
            break
        if value == "-X" and i + 2 < len(args) and args[i + 1].value == "stuff":
            typed.append(args[i + 2])
            i += 3
            continue
        if value in ("-S", "-c", "-e", "-h", "-p", "-s", "-t", "-T", "-L", "-Logfile", "-X") or \
                (value.endswith("S") and value[1:].isalpha()):
            i += 2
            continue
        i += 1
    return list(args[i:]), typed


def at_job_file(args: Sequence[Word]) -> tuple[bool, Word | None]:
    """(reads its commands from stdin, the `-f FILE` it reads them from); `-l`/`-r`/`-c` only look."""
    for i, word in enumerate(args):
        if word.value in ("-l", "-r", "-d", "-c", "-V"):
            return False, None
        if word.value == "-f" and i + 1 < len(args):
            return False, args[i + 1]
    return True, None


def crontab_source(args: Sequence[Word]) -> tuple[bool, Word | None, bool]:
    """(installs jobs from stdin, from this file, only looks: `-l`/`-r`)."""
    values = [w.value for w in args]
    if any(v in ("-l", "-r", "-e") for v in values):
        return False, None, True
    operands = [w for w in args if not (w.value or "").startswith("-") or w.value == "-"]
    files = [w for i, w in enumerate(operands) if not (i > 0 and args[args.index(w) - 1].value == "-u")]
    if not files or files[-1].value == "-":
        return True, None, False
    return False, files[-1], False


def crontab_commands(text: str) -> list[str]:
    """The commands of crontab lines (after the five time fields or an @keyword)."""
    commands: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or re.match(r"^[A-Za-z_][A-Za-z0-9_]*\s*=", line):
            continue
        if line.startswith("@"):
            commands.append(line.split(None, 1)[1] if " " in line else "")
            continue
        fields = line.split(None, 5)
        if len(fields) == 6:
            commands.append(fields[5])
    return commands


_EXPECT_SPAWN = re.compile(r"^\s*(?:spawn|exec|system)\s+(?:-\w+\s+)*(.+)$", re.MULTILINE)


def expect_commands(script: str) -> tuple[list[str], bool]:
    """(commands `spawn`/`exec`/`system` in an expect/Tcl script start, something dynamic in them)."""
    found: list[str] = []
    dynamic = False
    for match in _EXPECT_SPAWN.finditer(script):
        body = match.group(1).strip().rstrip(";")
        if "$" in body or "[" in body:
            dynamic = True
        found.append(body.replace("{", "'").replace("}", "'"))
    return found, dynamic


def expect_script(args: Sequence[Word]) -> tuple[Word | None, Word | None]:
    """(inline script of `expect -c`, script file)."""
    for i, word in enumerate(args):
        if word.value == "-c" and i + 1 < len(args):
            return args[i + 1], None
        if word.value == "-f" and i + 1 < len(args):
            return None, args[i + 1]
        if word.value is not None and not word.value.startswith("-"):
            return None, word
    return None, None


# git -------------------------------------------------------------------------------------------

# Config keys whose value is a program or shell command git runs (`*` matches one part).
GIT_PROGRAM_KEYS = (
    "alias.*", "core.sshcommand", "core.fsmonitor", "core.pager", "core.editor", "core.askpass",
    "core.hookspath", "sequence.editor", "diff.external", "diff.*.command", "diff.*.textconv",
    "merge.*.driver", "filter.*.clean", "filter.*.smudge", "filter.*.process", "gpg.program",
    "gpg.*.program", "credential.helper", "credential.*.helper", "pager.*", "remote.*.receivepack",
    "remote.*.uploadpack", "remote.*.vcs", "uploadpack.packobjectshook", "difftool.*.cmd",
    "mergetool.*.cmd", "include.path", "includeif.*.path", "interactive.difffilter", "web.browser",
    "browser.*.cmd", "man.*.cmd", "sendemail.sendmailcmd", "sendemail.smtpserver", "core.gitproxy",
    "instaweb.httpd", "ssh.variant", "submodule.*.update",
)
# Which hooks a git subcommand runs (reference-transaction: any ref update).
GIT_HOOKS: dict[str, tuple[str, ...]] = {
    "commit": ("pre-commit", "prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction",
               "post-index-change"),
    "merge": ("pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge", "reference-transaction"),
    "pull": ("pre-merge-commit", "prepare-commit-msg", "commit-msg", "post-merge", "post-checkout", "post-rewrite",
             "pre-rebase", "reference-transaction"),
    "checkout": ("post-checkout", "reference-transaction", "post-index-change"),
    "switch": ("post-checkout", "reference-transaction", "post-index-change"),
    "clone": ("post-checkout", "reference-transaction"),
    "worktree": ("post-checkout", "reference-transaction"),
    "rebase": ("pre-rebase", "post-rewrite", "post-checkout", "prepare-commit-msg", "commit-msg",
               "reference-transaction"),
    "am": ("applypatch-msg", "pre-applypatch", "post-applypatch", "prepare-commit-msg", "commit-msg",
           "post-rewrite", "reference-transaction"),
    "cherry-pick": ("prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction"),
    "revert": ("prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction"),
    "push": ("pre-push", "reference-transaction"),
    "reset": ("reference-transaction", "post-index-change"),
    "gc": ("pre-auto-gc",),
    "receive-pack": ("pre-receive", "update", "post-receive", "post-update", "push-to-checkout"),
}
# With --no-verify (-n for commit) these are skipped.
GIT_VERIFY_HOOKS = frozenset({"pre-commit", "commit-msg", "pre-merge-commit", "pre-push", "applypatch-msg",
                              "pre-applypatch"})


def git_key_runs_program(key: str) -> bool:
    from fnmatch import fnmatchcase

    key = key.lower()
    return any(fnmatchcase(key, pattern) for pattern in GIT_PROGRAM_KEYS)


def read_git_config(path: str) -> dict[str, str]:
    """`section.sub.key` -> value from a git config file (a simple reader: enough for aliases,
    core.hooksPath and the program keys; later values win, like git)."""
    from crane.guard.see.scripts import read_text

    text = read_text(path)
    values: dict[str, str] = {}
    if text is None:
        return values
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = re.match(r'^\[\s*([A-Za-z0-9.-]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]\s*(.*)$', line)
        if header:
            name, sub = header.group(1).lower(), header.group(2)
            section = f"{name}.{sub}" if sub is not None else name
            line = header.group(3).strip()
            if not line:
                continue
        key, eq, value = line.partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if section:
            values[f"{section}.{key.strip().lower()}"] = value if eq else "true"
    return values


def git_dir(cwd: str) -> str | None:
    """The `.git` directory of the work tree around `cwd` (a `.git` file names it: worktrees)."""
    from crane.guard.see.scripts import ancestors, read_text

    for directory in ancestors(cwd):
        dot_git = os.path.join(directory, ".git")
        if os.path.isdir(dot_git):
            return dot_git
        if os.path.isfile(dot_git):
            text = read_text(dot_git) or ""
            match = re.match(r"gitdir:\s*(.+)", text.strip())
            if match:
                target = match.group(1).strip()
                return target if os.path.isabs(target) else os.path.normpath(os.path.join(directory, target))
            return None
    return None


# git subcommands that run a command given on their command line.
def git_subcommand_commands(sub: str, args: Sequence[Word]) -> list[tuple[str, Word | tuple[Word, ...]]]:
    """("shell", text) or ("argv", words) that `git bisect run`, `git rebase --exec`,
    `git submodule foreach`, `git filter-branch --*-filter` and `git difftool --extcmd` run."""
    found: list[tuple[str, Word | tuple[Word, ...]]] = []
    values = [w.value for w in args]
    if sub == "bisect" and values[:1] == ["run"] and len(args) > 1:
        found.append(("argv", tuple(args[1:])))
    elif sub == "submodule":
        operands = [w for w in args if not (w.value or "").startswith("-")]
        if operands and operands[0].value == "foreach" and len(operands) > 1:
            found.append(("shell", joined(operands[1:])))
    else:
        shell_options = {
            "rebase": ("-x", "--exec"), "filter-branch": ("--env-filter", "--tree-filter", "--index-filter",
                                                          "--parent-filter", "--msg-filter", "--commit-filter",
                                                          "--tag-name-filter"),
            "difftool": ("-x", "--extcmd"), "mergetool": ("--tool-cmd",),
        }.get(sub, ())
        for i, word in enumerate(args):
            value = word.value or ""
            name, eq, inline = value.partition("=")
            if name in shell_options:
                if eq:
                    found.append(("shell", Word(inline, inline)))
                elif i + 1 < len(args):
                    found.append(("shell", args[i + 1]))
            elif word.value is None and any(word.raw.startswith(o + "=") for o in shell_options):
                found.append(("shell", word))
    return found


_SED_ADDRESS = r"(?:[0-9$]+|/[^/\n]*/)?(?:\s*,\s*(?:[0-9$]+|/[^/\n]*/))?"
_SED_EXECUTE = re.compile(r"(?:^|[;\n{}])\s*" + _SED_ADDRESS + r"\s*!?\s*e(?:\s+([^;\n}]+)|\s*(?=$|[;\n}]))")
_SED_SUBSTITUTE_E = re.compile(
    r"(?:^|[;\n{}])\s*" + _SED_ADDRESS + r"\s*s(.)(?:(?!\1).|\\.)*\1(?:(?!\1).|\\.)*\1[gpiImM0-9w]*e"
)


def sed_commands(script: str) -> tuple[list[str], bool]:
    """(commands GNU sed's `e COMMAND` runs, whether `e`/`s///e` runs text from the input)."""
    commands: list[str] = []
    unseen = _SED_SUBSTITUTE_E.search(script) is not None
    for match in _SED_EXECUTE.finditer(script):
        if match.group(1):
            commands.append(match.group(1).strip())
        else:
            unseen = True
    return commands, unseen


def sed_scripts(args: Sequence[Word]) -> tuple[list[Word], list[Word]]:
    """(script texts, script files) of a sed command line."""
    texts: list[Word] = []
    files: list[Word] = []
    operands: list[Word] = []
    i = 0
    while i < len(args):
        value = args[i].value
        if value in ("-e", "--expression") and i + 1 < len(args):
            texts.append(args[i + 1])
            i += 2
            continue
        if value in ("-f", "--file") and i + 1 < len(args):
            files.append(args[i + 1])
            i += 2
            continue
        if value is not None and value.startswith(("--expression=", "--file=")):
            (texts if value.startswith("--e") else files).append(Word(value.split("=", 1)[1], value))
        elif value in ("-l", "--line-length", "-s", "--separate"):
            i += 2 if value in ("-l", "--line-length") else 1
            continue
        elif value is None or not value.startswith("-") or value == "-":
            operands.append(args[i])
        i += 1
    if not texts and not files and operands:
        texts.append(operands[0])
    return texts, files


def hyperfine_commands(args: Sequence[Word]) -> list[Word]:
    """Shell commands hyperfine benchmarks, prepares and cleans up with."""
    found: list[Word] = []
    i = 0
    shell_options = ("-p", "--prepare", "-c", "--cleanup", "-s", "--setup", "--conclude")
    value_options = ("-w", "--warmup", "-m", "--min-runs", "-M", "--max-runs", "-r", "--runs", "-n",
                     "--command-name", "-L", "--parameter-list", "-P", "--parameter-scan", "-D",
                     "--parameter-step-size", "-S", "--shell", "--export-asciidoc", "--export-csv",
                     "--export-json", "--export-markdown", "--export-orgmode", "--style", "--sort", "-u",
                     "--time-unit", "--output", "--input", "--reference")
    while i < len(args):
        value = args[i].value
        if value in shell_options and i + 1 < len(args):
            found.append(args[i + 1])
            i += 2
            continue
        if value in value_options:
            i += 4 if value in ("-P", "--parameter-scan") else 3 if value in ("-L", "--parameter-list") else 2
            continue
        if value is None or not value.startswith("-"):
            found.append(args[i])
        i += 1
    return found


def precommit_entries(directory: str) -> list[str] | None:
    """`entry:` commands of local hooks in .pre-commit-config.yaml (read line by line)."""
    from crane.guard.see.scripts import read_text

    text = read_text(os.path.join(directory, ".pre-commit-config.yaml"))
    if text is None:
        return None
    entries: list[str] = []
    for line in text.splitlines():
        match = re.match(r"^\s*-?\s*entry\s*:\s*(.+?)\s*$", line)
        if match:
            entries.append(match.group(1).strip("'\""))
    return entries


def lint_staged_commands(directory: str) -> list[str] | None:
    """Commands of the lint-staged config (package.json "lint-staged" or .lintstagedrc[.json])."""
    import json

    from crane.guard.see.scripts import read_text

    for name, key in (("package.json", "lint-staged"), (".lintstagedrc", None), (".lintstagedrc.json", None)):
        text = read_text(os.path.join(directory, name))
        if text is None:
            continue
        try:
            document = json.loads(text)
        except (ValueError, RecursionError):
            return ["__crane_unseen_code lint-staged config"] if key is None else None
        config = document.get(key) if key is not None and isinstance(document, dict) else document
        if config is None:
            continue
        if not isinstance(config, dict):
            return ["__crane_unseen_code lint-staged config"]
        commands: list[str] = []
        for value in config.values():
            for command in value if isinstance(value, list) else [value]:
                commands.append(command if isinstance(command, str) else "__crane_unseen_code lint-staged task")
        return commands
    for name in (".lintstagedrc.js", ".lintstagedrc.cjs", ".lintstagedrc.mjs", "lint-staged.config.js",
                 "lint-staged.config.mjs", ".lintstagedrc.yaml", ".lintstagedrc.yml"):
        if os.path.isfile(os.path.join(directory, name)):
            return [f"__crane_unseen_code {name}"]
    return None


# Environment variables whose value some program runs as a shell command (git's editor, pager and
# ssh, man's pager, less's input filter, ssh's askpass, bash's PROMPT_COMMAND, ...): setting one
# in a command is a runner definition, judged like the command it names.
COMMAND_VARIABLES = frozenset({
    "GIT_EDITOR", "GIT_SEQUENCE_EDITOR", "GIT_PAGER", "GIT_SSH_COMMAND", "GIT_SSH", "GIT_ASKPASS",
    "GIT_EXTERNAL_DIFF", "GIT_PROXY_COMMAND", "PAGER", "MANPAGER", "SYSTEMD_PAGER", "EDITOR", "VISUAL",
    "FCEDIT", "SSH_ASKPASS", "SUDO_ASKPASS", "PROMPT_COMMAND", "BROWSER", "RSYNC_RSH", "CVS_RSH",
    "LESSOPEN", "LESSCLOSE", "DIFFTOOL", "MERGETOOL",
})
# A file of shell code that every non-interactive bash reads at start.
SCRIPT_VARIABLES = frozenset({"BASH_ENV"})
# Variables that load code into the programs that read them: unseeable when they do.
LOADER_VARIABLES = {
    "NODE_OPTIONS": re.compile(r"(?:^|\s)(?:-r|--require|--import|--loader|--experimental-loader)\b"),
    "LD_PRELOAD": re.compile(r"\S"),
    "LD_AUDIT": re.compile(r"\S"),
    "PERL5OPT": re.compile(r"-[mMdI]"),
    "RUBYOPT": re.compile(r"-r"),
}
PROGRAM_VARIABLES = COMMAND_VARIABLES | SCRIPT_VARIABLES | frozenset(LOADER_VARIABLES)


def variable_command(name: str, value: str) -> str:
    """The shell command a COMMAND_VARIABLES value runs (`LESSOPEN='|filter %s'`: `filter x`)."""
    if name in ("LESSOPEN", "LESSCLOSE"):
        value = value.lstrip("|-").replace("%s", "x")
    return value


# Options whose value a program runs: as a shell command ("command") or as a file of shell code
# ("script"). `--opt=value`, `--opt value`, `-o value` and `-ovalue` are read.
COMMAND_OPTIONS: dict[str, dict[str, str]] = {
    "rsync": {"-e": "command", "--rsh": "command", "--rsync-path": "command"},
    "tar": {"-I": "command", "--use-compress-program": "command", "--to-command": "command",
            "--info-script": "command", "-F": "command", "--new-volume-script": "command",
            "--rsh-command": "command"},
    "gtar": {"-I": "command", "--use-compress-program": "command", "--to-command": "command",
             "--info-script": "command", "-F": "command", "--new-volume-script": "command"},
    "zip": {"-TT": "command", "--unzip-command": "command"},
    "bash": {"--rcfile": "script", "--init-file": "script"},
    "scp": {"-S": "command"},
    "sftp": {"-S": "command"},
}
# ssh's `-o Key=Value` options that run a local command.
SSH_COMMAND_KEYS = frozenset({"proxycommand", "localcommand", "knownhostscommand"})
SSH_PROGRAMS = frozenset({"ssh", "scp", "sftp", "autossh", "mosh"})


def option_commands(program: str, args: Sequence[Word]) -> list[tuple[str, Word]]:
    """(kind, value) of every option of `program` whose value it runs (COMMAND_OPTIONS, ssh's
    `-o ProxyCommand=…`, tar's `--checkpoint-action=exec=…`). A computed value is Word(None, …)."""
    found: list[tuple[str, Word]] = []
    table = COMMAND_OPTIONS.get(program, {})
    i = 0
    while i < len(args):
        word = args[i]
        value = word.value
        following = args[i + 1] if i + 1 < len(args) else None
        i += 1
        if value is None:
            continue
        if program in SSH_PROGRAMS and value.startswith("-o"):
            setting = value[2:] if len(value) > 2 else following.value if following is not None else None
            if len(value) == 2:
                i += 1
            if setting is None:
                if len(value) == 2 and following is not None:
                    found.append(("unseen", following))
                continue
            key, _, rest = setting.replace("=", " ", 1).partition(" ")
            if key.strip().lower() in SSH_COMMAND_KEYS:
                found.append(("command", Word(rest.strip(), rest.strip())))
            continue
        if program in ("tar", "gtar") and value.startswith("--checkpoint-action="):
            action = value.split("=", 1)[1]
            if action.startswith("exec="):
                found.append(("command", Word(action[5:], action[5:])))
            continue
        name, eq, attached = value.partition("=")
        if name in table and name.startswith("--"):
            if eq:
                found.append((table[name], Word(attached, attached)))
            elif following is not None:
                found.append((table[name], following))
                i += 1
            continue
        for option, kind in table.items():
            if not option.startswith("--") and value.startswith(option):
                if value == option and following is not None:
                    found.append((kind, following))
                    i += 1
                elif value != option:
                    found.append((kind, Word(value[len(option):], value[len(option):])))
                break
    return found


# Interpreters crane has no reader for: code they get (an argument, a file, stdin) is unseeable,
# unless they are only asked for their version or help.
OTHER_INTERPRETERS = frozenset({
    "tclsh", "wish", "julia", "guile", "racket", "sbcl", "clisp", "ecl", "elixir", "iex", "erl", "escript",
    "groovy", "jshell", "kotlin", "kotlinc", "scala", "swift", "ocaml", "runghc", "runhaskell", "ghci",
    "octave", "gnuplot", "pry", "irb", "crystal", "nim", "dart", "qjs", "jjs",
    "rhino", "tcc", "csi", "chicken", "gst", "io", "pike", "raku", "rakudo", "perl6", "hy", "fish", "xonsh",
    "nu", "elvish", "tcsh", "csh", "ion", "oil", "osh", "ysh", "rc", "es",
})
INFO_ONLY = frozenset({"--version", "-v", "-V", "--help", "-h", "-version", "-help"})
