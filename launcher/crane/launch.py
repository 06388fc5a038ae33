"""Building the child's environment (pure) and handing the process over to it.

`build_child_env` is dict in, dict out: parent environment, minus crane's own credentials and any
outer crane session's injected secrets, plus this session's secrets, plus crane's `CRANE_*`
variables. It never prints; it returns warnings for the caller.

`exec_child` replaces crane with the child (`os.execvpe`) so signals, the terminal and the exit
code belong to the agent. Where exec is unavailable it runs a subprocess, forwards SIGINT/SIGTERM
and returns the child's exact exit code (128+N when the child died of signal N, like a shell).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from crane.errors import CommandNotFound, NestedLaunchError, SecretsError
from crane.secrets import validate_names
from crane.secrets.loader_vars import refuse_loader_vars

if TYPE_CHECKING:
    from crane.resolve import Resolution

# crane's own credentials: they fetched the secrets and must never reach the agent.
CREDENTIAL_VARS = frozenset({
    "INFISICAL_TOKEN",
    "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID",
    "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET",
    "INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN",
})
# Never overwritten by a secret: the child's basic plumbing, and crane's own variables (a secret
# named CRANE_ENV would contradict the resolution the session was started with).
RESERVED_VARS = frozenset({"PATH", "HOME", "SHELL", "USER", "TERM", "PWD"})
RESERVED_PREFIXES = ("LC_", "XDG_", "CRANE_")
# Session variables crane sets; an outer session's values are dropped before setting ours.
SESSION_VARS = frozenset({
    "CRANE_ENV", "CRANE_ENV_REQUESTED", "CRANE_VENTURE", "CRANE_VENTURE_CODE", "CRANE_VENTURE_NAME",
    "CRANE_PROFILE", "CRANE_RUN_ID", "CRANE_INJECTED", "CRANE_AGENT", "CRANE_DRY_RUN",
})

KNOWN_AGENTS: dict[str, str] = {  # agent name -> install command shown when it is missing
    "claude": "npm install -g @anthropic-ai/claude-code",
    "codex": "npm install -g @openai/codex",
    "gemini": "npm install -g @google/gemini-cli",
}


@dataclass(frozen=True)
class ChildEnv:
    env: dict[str, str]
    run_id: str
    warnings: tuple[str, ...]


def is_reserved(name: str) -> bool:
    return name in RESERVED_VARS or name.startswith(RESERVED_PREFIXES)


def check_nesting(parent: Mapping[str, str], nested: bool) -> None:
    """Refuse a launch inside a crane child unless --nested says it is meant; never from an agent."""
    if parent.get("CRANE_RUN_ID") and parent.get("CRANE_AGENT") == "1":
        # An agent could otherwise fetch any venture's secrets with `crane run --nested -- printenv`.
        raise NestedLaunchError(
            "crane cannot be started from inside an agent session (CRANE_AGENT=1)",
            "start the other session from your own shell",
        )
    if parent.get("CRANE_RUN_ID") and not nested:
        outer = parent.get("CRANE_VENTURE_CODE", "?")
        raise NestedLaunchError(
            f"already inside a crane session (venture {outer}, run {parent['CRANE_RUN_ID']})",
            "pass --nested to start another session; the outer session's secrets are removed first",
        )


def build_child_env(
    parent: Mapping[str, str],
    secrets: Mapping[str, str],
    resolution: Resolution,
    *,
    agent: bool = False,
    nested: bool = False,
    dry_run: bool = False,
    run_id: str | None = None,
) -> ChildEnv:
    check_nesting(parent, nested)
    context = f"venture {resolution.venture}, {resolution.environment_name}"
    validate_names(secrets, context)
    refuse_loader_vars(secrets, resolution.profile.allow_loader_vars, context, resolution.profile.path)
    warnings: list[str] = []
    env = {k: v for k, v in parent.items() if k not in CREDENTIAL_VARS and k not in SESSION_VARS}
    if nested:
        # One venture's or environment's secrets must never leak into another session.
        for name in parent.get("CRANE_INJECTED", "").split(","):
            if name.strip():
                env.pop(name.strip(), None)
    injected = []
    for name, value in secrets.items():
        if is_reserved(name) or name in CREDENTIAL_VARS:
            warnings.append(f"Warning: secret {name} not injected: {name} is reserved")
            continue
        env[name] = value
        injected.append(name)
    run_id = run_id or str(uuid.uuid4())
    env.update({
        "CRANE_ENV": resolution.effective_env,
        "CRANE_ENV_REQUESTED": resolution.requested_env,
        "CRANE_VENTURE": resolution.venture,
        "CRANE_VENTURE_CODE": resolution.venture,
        "CRANE_VENTURE_NAME": resolution.venture_name,
        "CRANE_PROFILE": str(resolution.profile.path),
        "CRANE_RUN_ID": run_id,
        "CRANE_INJECTED": ",".join(sorted(injected)),
    })
    if agent:
        env["CRANE_AGENT"] = "1"
    if dry_run:
        env["CRANE_DRY_RUN"] = "1"
    return ChildEnv(env, run_id, tuple(warnings))


# A session that asked for staging keeps the staging guard after a fallback to production
# (CRANE_ENV_REQUESTED=dev; crane.guard.rules.config): preflight and the launch summary say so.
FALLBACK_GUARD = "guard: staging rules, production writes denied (staging was asked for)"


def find_command(name: str, env: Mapping[str, str]) -> str:
    """The executable for `name` on the child's PATH; 127 with the install command when missing."""
    found = shutil.which(name, path=env.get("PATH", os.defpath))
    if found:
        return found
    hint = f"install it with: {KNOWN_AGENTS[name]}" if name in KNOWN_AGENTS else "check the name and PATH"
    raise CommandNotFound(f"command not found: {name}", hint)


def exec_child(argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Become the child; returns only on platforms without exec (with the child's exit code)."""
    if not argv:
        raise SecretsError("nothing to run")
    sys.stdout.flush()
    sys.stderr.flush()
    if hasattr(os, "execvpe") and os.name == "posix":
        try:
            os.execvpe(argv[0], list(argv), dict(env))
        except OSError as exc:
            # The executable vanished between lookup and exec, or is not executable.
            raise CommandNotFound(f"cannot execute {argv[0]}: {exc.strerror}") from None
    return run_subprocess(argv, env)


class Child(Protocol):
    """What run_subprocess needs of a started child: a Popen, or a sandboxed agent (crane.sandbox.process)."""

    def send_signal(self, signum: int) -> None: ...
    def wait(self) -> int: ...


Start = Callable[[Sequence[str], Mapping[str, str], "Callable[[], None] | None"], Child]


def _popen(argv: Sequence[str], env: Mapping[str, str], preexec_fn: Callable[[], None] | None) -> Child:
    return subprocess.Popen(list(argv), env=dict(env), preexec_fn=preexec_fn)  # noqa: PLW1509


def run_subprocess(argv: Sequence[str], env: Mapping[str, str], *,
                   preexec_fn: Callable[[], None] | None = None,
                   on_start: Callable[[Child], None] | None = None,
                   start: Start | None = None) -> int:
    """Run the child and mirror it: forward SIGINT/SIGTERM/SIGHUP, return its exact exit code.

    `preexec_fn` runs in the child before exec (monitor.py: a parent-death signal); `on_start`
    right after the child started (monitor.py: watch the guard supervisor); `start` may put the
    child in the sandbox (crane.sandbox.process), whose signals then go to the agent inside.
    """
    # At a terminal, Ctrl-C already reaches the child through its process group; forwarding it
    # too would deliver it twice, so crane only ignores it there. SIGTERM and SIGHUP are always
    # forwarded.
    interactive = sys.stdin is not None and sys.stdin.isatty()
    forwarded = (signal.SIGINT, signal.SIGTERM, *((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ()))
    previous = {sig: signal.getsignal(sig) for sig in forwarded}
    proc: Child | None = None
    pending: list[int] = []  # arrived while the child was being started

    def forward(signum: int, _frame: object) -> None:
        if interactive and signum == signal.SIGINT:
            return
        if proc is None:
            pending.append(signum)
        else:
            proc.send_signal(signum)

    # Handlers go in before the child starts: a SIGTERM in between must not kill crane and
    # leave the child running unsupervised.
    for sig in forwarded:
        signal.signal(sig, forward)
    try:
        try:
            proc = (start or _popen)(argv, env, preexec_fn)
        except FileNotFoundError:
            raise CommandNotFound(f"command not found: {argv[0]}") from None
        except OSError as exc:  # not executable, a directory ...
            raise CommandNotFound(f"cannot execute {argv[0]}: {exc.strerror}") from None
        for signum in pending:
            proc.send_signal(signum)
        if on_start is not None:
            on_start(proc)
        code = proc.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code  # -N means "killed by signal N"
