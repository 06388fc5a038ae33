"""Per-agent preparation for `crane launch`: install crane's guard where the agent supports it.

One module per agent (claude.py, codex.py, gemini.py): each is a thin adapter for that client's
hook protocol and install route; the decision path behind them is the same guard.

- Claude Code: `--settings <file>` (one session, the user's settings untouched).
- Codex CLI: `-c` overrides (hook, its trust entry, hooks on, TTY exec off), checked with the
  client's own `hooks/list` before exec; the session context as `developer_instructions`.
- Gemini CLI: a crane-made GEMINI_CLI_HOME for the session and `--skip-trust`; the session
  context through a SessionStart hook in the same settings.

Each also gets crane's MCP server for the session (`crane mcp`) where the client takes one.

Each self-checks the hook (a synthetic production write from staging must be denied) before the
agent starts, and refuses to start the agent (CraneError, exit 1) when the guard cannot be made
active. Another command gets no guard (the sandbox still applies), and `--dry-run` with it is
refused: a dry run that intercepts nothing would be a lie.

This package is imported by the hook (through codex.py/gemini.py), so nothing heavy at run time.
"""

from __future__ import annotations

import os

from crane._record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from crane.resolve import Resolution

    Say = Callable[[str], None]

GUARDED_AGENTS = ("claude", "codex", "gemini")


class Prepared(Record):
    """How to start the agent: its argv, changes to its environment (None removes a name), and
    for the sandbox: paths the agent must see but not change (`readonly`: the hook wrapper, the
    settings that install it) and paths the client itself writes (`writable`: its session home)."""

    __slots__ = ("argv", "env", "readonly", "writable")
    argv: list[str]
    env: dict[str, str | None]
    readonly: tuple[str, ...]
    writable: tuple[str, ...]

    def __init__(self, argv: list[str], env: dict[str, str | None], *, readonly: tuple[str, ...] = (),
                 writable: tuple[str, ...] = ()) -> None:
        self._set(argv=argv, env=env, readonly=readonly, writable=writable)

    def apply(self, env: Mapping[str, str]) -> dict[str, str]:
        out = dict(env)
        for key, value in self.env.items():
            if value is None:
                out.pop(key, None)
            else:
                out[key] = value
        return out


def agent_name(argv0: str) -> str:
    return os.path.basename(argv0)

# Agents whose guard runs through the session's guard supervisor (crane/monitor.py): crane
# launch keeps running beside them instead of exec'ing them.
SUPERVISED = frozenset(GUARDED_AGENTS)


def is_supervised(argv0: str) -> bool:
    return os.path.basename(argv0) in SUPERVISED


def prepare_agent(argv: list[str], env: Mapping[str, str], res: Resolution, *, guard: bool, dry_run: bool,
                  say: Say) -> Prepared:
    from crane.errors import CraneError

    name = agent_name(argv[0])
    if dry_run and not guard:
        raise CraneError(f"--dry-run cannot be honoured for {name} with --no-guard: without the guard nothing "
                         "would intercept its writes", "drop one of the two options")
    if not guard:
        say(f"WARNING: crane guard DISABLED (--no-guard): {name} may write to {res.environment_name} unchecked")
        return Prepared(argv, {})
    if name == "claude":
        from crane.agents.claude import prepare

        return Prepared(prepare(argv, env, res, dry_run=dry_run, say=say), {})
    if name in ("codex", "gemini"):
        import importlib

        from crane.context import context_text

        module = importlib.import_module(f"crane.agents.{name}")
        prepared: Prepared = module.prepare(argv, env, say, hook_dir=session_dir(env),
                                            context=context_text(res, env, dry_run=dry_run))
        return prepared
    if dry_run:
        raise CraneError(f"--dry-run cannot be honoured for {name}: crane has no hook mechanism for it, so "
                         "nothing would intercept its writes",
                         f"crane guards {', '.join(GUARDED_AGENTS)}; run {name} without --dry-run")
    say(f"NOTE: crane's guard does not apply to {name} (crane hooks into {', '.join(GUARDED_AGENTS)} only); "
        "its writes are not gated (the sandbox, where active, still applies)")
    return Prepared(argv, {})


def session_dir(env: Mapping[str, str]) -> Path:
    """This run's private directory under crane's state dir (crane.sessions): hook wrappers, agent homes."""
    from pathlib import Path

    from crane.paths import user_state_dir
    from crane.sessions import session_dir as run_dir

    try:
        return run_dir(Path(env.get("CRANE_STATE_DIR") or user_state_dir()), env["CRANE_RUN_ID"])
    except OSError as exc:  # no wrapper, no guard: refuse before anything starts
        from crane.dirs import unusable

        raise unusable("state", exc, env) from None


WRAPPER = """#!/bin/sh
# crane's guard hook for {agent} (one run). A plain executable path, because the client runs hook
# commands through the account's login shell, which may not be POSIX. The hook's output is taken
# whole and re-emitted on stderr, so the client only ever sees one of two answers:
#   exit 0, no output            -> allow
#   exit 2, a reason on stderr   -> block (nothing on stdout: {agent} would parse stdout first)
# {agent} runs the tool on exit 1, on a crash, on exit 2 with NO output, and on exit 0 with JSON
# it reads as "allow"; every such case becomes a block with a reason here.
out=$({command} 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then exit 0; fi
if [ "$rc" -eq 2 ]; then
    printf '%s\\n' "${{out:-crane guard: the tool call was blocked (the guard gave no reason)}}" >&2
elif [ "$rc" -eq 0 ]; then
    echo "crane guard error: the hook allowed the call but printed output; the tool call was blocked" >&2
else
    echo "crane guard failed to run (exit $rc); the tool call was blocked" >&2
fi
exit 2
"""


def hook_invocation(agent: str, env: Mapping[str, str]) -> str:
    """The shell words that run crane's hook client for `agent`.

    In a `crane launch` session (CRANE_GUARD_SOCKET and CRANE_GUARD_PID in `env`) the client asks
    that session's guard supervisor and nothing else; the socket and pid are written into the
    wrapper, which the agent cannot change, rather than read from its environment.
    """
    import shlex
    import sys

    from crane.guard.run.client import DROP_DIR_VAR, PID_VAR, SOCKET_VAR
    from crane.guard.run.install import HOOK_CODE

    words = [sys.executable, "-I", "-c", HOOK_CODE, "--agent", agent]
    for option, var in (("--socket", SOCKET_VAR), ("--pid", PID_VAR), ("--drop-dir", DROP_DIR_VAR)):
        if env.get(var):
            words += [option, env[var]]
    return shlex.join(words)


def write_hook_wrapper(directory: Path, agent: str, env: Mapping[str, str]) -> Path:
    """`<directory>/crane-<agent>-hook`, an executable `#!/bin/sh` file (0700) that runs the hook."""
    path = directory / f"crane-{agent}-hook"
    tmp = directory / f".crane-{agent}-hook.tmp"
    tmp.write_text(WRAPPER.format(agent=agent, command=hook_invocation(agent, env)), encoding="utf-8")
    os.chmod(tmp, 0o700)
    os.replace(tmp, path)
    return path


def guard_self_check(command: str, env: Mapping[str, str], agent: str) -> None:
    """Run the installed hook as the client would; CraneError when it does not deny as required."""
    from crane.errors import CraneError
    from crane.guard.run.install import self_check

    result = self_check(command, env, agent=agent)
    if not result.ok:
        raise CraneError(f"crane guard self-check failed: {'; '.join(result.problems)}",
                         "fix the guard (crane guard check) or start without it, loudly, with --no-guard")


def client_version(binary: str, env: Mapping[str, str]) -> str:
    import subprocess

    try:
        proc = subprocess.run([binary, "--version"], capture_output=True, text=True, env=dict(env), timeout=60,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"(--version failed: {exc})"
    return (proc.stdout.strip() or proc.stderr.strip()).splitlines()[-1] if proc.returncode == 0 else \
        f"(--version exited {proc.returncode})"


def parse_version(text: str) -> tuple[int, int, int] | None:
    """The first `X.Y.Z` in a client's `--version` output: `codex-cli 0.171.0` -> (0, 171, 0)."""
    import re

    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def version_verdict(text: str, supported: tuple[tuple[int, int, int], tuple[int, int, int]]) -> tuple[bool, str]:
    """(can the guard be installed, what to say) for a client's `--version` output."""
    low, high = supported
    span = f"{'.'.join(map(str, low))} up to (not including) {'.'.join(map(str, high))}"
    version = parse_version(text)
    if version is None:
        return False, f"cannot read the client version from {text!r} (crane supports {span})"
    shown = ".".join(map(str, version))
    if version < low:
        return False, f"version {shown} is older than crane supports ({span}): its hooks cannot be installed"
    if version >= high:
        return True, f"version {shown} is newer than crane has tested ({span}); the guard is installed and verified"
    return True, f"version {shown} (supported: {span})"


def check_version(binary: str, agent: str, supported: tuple[tuple[int, int, int], tuple[int, int, int]],
                  env: Mapping[str, str], say: Say) -> None:
    from crane.errors import CraneError
    from crane.launch import KNOWN_AGENTS

    ok, detail = version_verdict(client_version(binary, env), supported)
    if not ok:
        raise CraneError(f"crane guard cannot be installed into {agent}: {detail}",
                         f"install a supported version ({KNOWN_AGENTS[agent]}@<version>), or start loudly "
                         "with --no-guard")
    if "newer" in detail:
        say(f"WARNING: {agent}: {detail}")
