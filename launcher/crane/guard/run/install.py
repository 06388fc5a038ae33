"""Wiring the guard into Claude Code: the hook command, the settings JSON, the project install,
and the self-check that proves a production write from a staging session is really blocked.

The hook command is shell form, because that is what lets us catch failures that happen before
any crane code runs. Claude Code runs it with `sh -c` (dash on Debian: POSIX only):

    '<python>' -I -c 'from crane.guard.run.hook import main; main()' || { rc=$?; [ "$rc" -eq 2 ] ||
    echo "crane guard failed to run (exit $rc); the tool call was blocked" >&2; exit 2; }

- `-c` rather than `-m`: runpy costs ~2 ms on every tool call, a tenth of the hook's budget.
- `-I` (isolated mode): PYTHONPATH, PYTHON* variables, the user site and the current directory
  are ignored, so a `crane/` directory or a PYTHONPATH planted in the agent's working tree
  cannot replace the guard.
- Every non-zero status becomes 2 (blocked): 127 (interpreter gone), 1 (import error or
  crash), 128+N (killed, e.g. by the hook's own SIGALRM backstop). A deliberate 2 passes through
  without extra noise, so the model sees only the guard's reason.

Nothing here prints; the CLI renders the returned data.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crane.errors import CraneError

# Client-side timeout for the hook, in seconds (Claude Code's unit). The hook's own deadline
# (<= hook.MAX_DEADLINE) plus its hard-kill grace must stay well below this, because on
# timeout the client runs the tool.
HOOK_TIMEOUT = 10
HOOK_MODULE = "crane.guard.run.hook"
CLIENT_MODULE = "crane.guard.run.client"
HOOK_CODE = f"from {CLIENT_MODULE} import main; main()"
SETTINGS_LOCAL = Path(".claude") / "settings.local.json"
SELF_CHECK_COMMAND = "npx wrangler deploy --env production"
SELF_CHECK_HARMLESS = "git status"


class InstallError(CraneError):
    """The Claude Code settings file cannot be updated safely."""


_BY_HAND = "fix or remove the file by hand; crane never overwrites a settings file it cannot read"


def hook_command(python: str = sys.executable, *, agent: str = "claude", socket: str | None = None,
                 pid: str | int | None = None, drop_dir: str | None = None) -> str:
    """The shell-form command the agent runs for every tool call (see the module docstring).

    It runs the hook client (client.py). With `socket` and `pid` (a `crane launch` session) the
    client asks that guard supervisor and nothing else: they are in the command itself, which the
    agent cannot change mid-session, rather than only in the environment. Without them (a hand
    install) the client uses CRANE_GUARD_SOCKET if set, else the in-process hook (weaker mode).
    """
    if not python:
        raise InstallError("no Python interpreter to run the guard hook with")
    args = f" --agent {shlex.quote(agent)}"
    if socket:
        args += f" --socket {shlex.quote(socket)}"
    if pid:
        args += f" --pid {shlex.quote(str(pid))}"
    if drop_dir:
        args += f" --drop-dir {shlex.quote(drop_dir)}"
    # Kept short: the client quotes this whole command in front of every block reason the model
    # reads ("PreToolUse:Bash hook error: [<command>]: <stderr>").
    return (
        f"{shlex.quote(python)} -I -c {shlex.quote(HOOK_CODE)}{args} || "
        '{ rc=$?; [ "$rc" -eq 2 ] || echo "crane guard failed to run (exit $rc); the tool call was blocked" >&2; '
        "exit 2; }"
    )


def hook_handler(command: str | None = None, *, timeout: int = HOOK_TIMEOUT) -> dict[str, Any]:
    # onFailure "block": a hook that cannot start, is killed, times out or exits with an
    # unexpected code blocks the tool. Observed on this project's machines: 2.1.294 ignores it,
    # 2.1.295 (the oldest that honours it), 2.1.330, 2.1.331 and 2.1.332 block on exit 1, a timeout
    # and a SIGKILL. Older clients ignore it, so the shell wrapper and the guard's own deadline
    # stay. Never `async`: onFailure does not apply then.
    return {"type": "command", "command": command if command is not None else hook_command(), "timeout": timeout,
            "onFailure": "block"}


def settings_json(command: str | None = None, *, timeout: int = HOOK_TIMEOUT) -> dict[str, Any]:
    """Settings that run the guard before every tool (for `claude --settings` or a settings file).

    `disableAllHooks: false` is there for `--settings`: flag settings outrank the project's,
    local and user settings, so a `{"disableAllHooks": true}` the agent writes into
    `.claude/settings.local.json` (also mid-session) cannot switch the guard off (observed on
    2.1.332). Managed policy still outranks it; the self-check looks for that.
    """
    return {"disableAllHooks": False,
            "hooks": {"PreToolUse": [{"matcher": "*", "hooks": [hook_handler(command, timeout=timeout)]}]}}


# A project's `.claude/settings*.json` can set `env`, and Claude Code gives it to hook processes
# (observed on 2.1.332: `LD_PRELOAD` from settings.local.json reached the hook). A preloaded
# library could make the hook exit 0 before any crane code runs. Flag settings win per key, so
# `crane launch` pins these to the values the session started with (empty: unset for ld.so), and
# pins crane's own variables, which the hook and the agent's config module read.
PINNED_ENV = ("LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH", "LOCPATH", "DYLD_INSERT_LIBRARIES",
              "DYLD_LIBRARY_PATH", "BASH_ENV", "ENV", "CRANE_GUARD_SELF_CHECK")


def pinned_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The `env` of crane's `--settings`: the session's values of PINNED_ENV and every CRANE_* variable."""
    pins = {name: environ.get(name, "") for name in PINNED_ENV}
    pins.update({k: v for k, v in environ.items() if k.startswith("CRANE_")})
    pins["CRANE_GUARD_SELF_CHECK"] = ""
    return pins


def is_crane_handler(handler: Any) -> bool:
    """Whether a settings hook handler is crane's guard (any interpreter path, any version)."""
    if not isinstance(handler, dict):
        return False
    command = handler.get("command")
    return isinstance(command, str) and any(m in command for m in (HOOK_MODULE, CLIENT_MODULE, "crane-hook"))


# ---------------------------------------------------------------------------------------------
# Project install


@dataclass(frozen=True)
class InstallResult:
    path: Path
    changed: bool  # False when the file already held exactly this hook


def merge_settings(
    settings: Mapping[str, Any], command: str | None = None, *, source: str = "settings"
) -> dict[str, Any]:
    """`settings` with crane's guard as one `"*"` PreToolUse group at the end, everything else kept.

    Earlier crane handlers (another interpreter path, a narrowed matcher) are removed first, so
    running this again changes nothing and there is never more than one crane guard.
    """
    merged: dict[str, Any] = json.loads(json.dumps(settings))  # deep copy of plain JSON data
    hooks = merged.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InstallError(f"{source}: field 'hooks' must be an object", _BY_HAND)
    pre = hooks.setdefault("PreToolUse", [])
    if not isinstance(pre, list):
        raise InstallError(
            f"{source}: field 'hooks.PreToolUse' must be an array", _BY_HAND
        )
    ours = hook_handler(command)

    def is_ours(handler: Any) -> bool:
        return is_crane_handler(handler) or (isinstance(handler, dict) and handler.get("command") == ours["command"])

    kept: list[Any] = []
    for index, group in enumerate(pre):
        if not isinstance(group, dict) or not isinstance(group.get("hooks", []), list):
            raise InstallError(
                f"{source}: hooks.PreToolUse[{index}] must be an object with a 'hooks' array", _BY_HAND
            )
        handlers = group.get("hooks", [])
        remaining = [h for h in handlers if not is_ours(h)]
        if len(remaining) == len(handlers):
            kept.append(group)
        elif remaining:
            kept.append({**group, "hooks": remaining})
        # A group that held only crane's handler is dropped; the canonical one is appended below.
    kept.append({"matcher": "*", "hooks": [ours]})
    hooks["PreToolUse"] = kept
    return merged


def install_project(project_dir: Path, command: str | None = None) -> InstallResult:
    """Add the guard to `<project>/.claude/settings.local.json`, keeping the user's settings.

    A file that is not a JSON object is an error naming the file; it is never overwritten.
    """
    path = Path(project_dir) / SETTINGS_LOCAL
    current: dict[str, Any] = {}
    if path.exists():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InstallError(f"{path}: cannot read: {exc}") from None
        if text.strip():
            try:
                loaded = json.loads(text)
            except ValueError as exc:
                raise InstallError(f"{path}: not valid JSON ({exc})", _BY_HAND) from None
            if not isinstance(loaded, dict):
                raise InstallError(f"{path}: expected a JSON object", _BY_HAND)
            current = loaded
    merged = merge_settings(current, command, source=str(path))
    if merged == current:
        return InstallResult(path, changed=False)
    _write_atomically(path, json.dumps(merged, indent=2) + "\n")
    return InstallResult(path, changed=True)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, tmp = tempfile.mkstemp(prefix=".settings.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)  # readers see the old file or the new one, never half of one
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ---------------------------------------------------------------------------------------------
# Self-check


@dataclass(frozen=True)
class ProbeResult:
    name: str
    tool_command: str
    exit_code: int | None  # None: the hook did not finish in time
    stdout: str
    stderr: str
    problem: str | None  # None when the hook behaved as required

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    probes: tuple[ProbeResult, ...] = field(default_factory=tuple)
    seconds: float = 0.0

    @property
    def problems(self) -> list[str]:
        return [f"{p.name}: {p.problem}" for p in self.probes if p.problem]


# Claude Code (Node, `shell: true`) runs hook commands with /bin/sh, whatever PATH says.
_SHELL = "/bin/sh" if os.path.exists("/bin/sh") else "sh"


def _is_guard_failure(stderr: str) -> bool:
    return "crane guard error" in stderr or "crane guard failed to run" in stderr


def _probe(
    name: str, tool_command: str, command: str, env: Mapping[str, str], cwd: Path, timeout: float,
    agent: str = "claude",
) -> tuple[int | None, str, str]:
    payload: dict[str, Any] = {
        "session_id": f"crane-self-check-{uuid.uuid4().hex[:12]}",
        "transcript_path": "",
        "cwd": str(cwd),
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": "Bash",
        "tool_input": {"command": tool_command, "description": f"crane self-check: {name}"},
        "tool_use_id": "toolu_crane_self_check",
    }
    if agent != "claude":  # the call in that client's own shape, through its adapter
        from crane.guard.run.hook import agent_protocol

        payload = agent_protocol(agent).probe_input(tool_command, str(cwd))
    try:
        # Exactly as the client runs it: the shell-form command through `sh -c`, JSON on stdin.
        proc = subprocess.run(
            [_SHELL, "-c", command],
            input=json.dumps(payload).encode(),
            capture_output=True,
            env=dict(env),
            cwd=cwd,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        def text(raw: bytes | str | None) -> str:
            return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else (raw or "")

        return None, text(exc.stdout), text(exc.stderr)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")


def self_check(command: str, environ: Mapping[str, str], *, timeout: float = HOOK_TIMEOUT,
               agent: str = "claude") -> CheckResult:
    """Prove the installed hook blocks a production write from a staging session.

    Runs `command` the way Claude Code does, with a synthetic Bash call `npx wrangler deploy
    --env production`, the caller's environment (so its CRANE_PROFILE and state settings apply)
    plus CRANE_ENV=dev, a fresh run id, no dry run and a temporary state dir. Passes only if the
    hook exits 2 with nothing on stdout and not because of its own failure. An `ask` would mean
    the gate is wrong (a staging session must not even offer a production write). A second
    probe checks that `git status` is allowed, so a guard that blocks everything is caught too.
    `agent` (codex, gemini) sends the calls in that client's hook shape instead of Claude Code's.
    """
    started = time.monotonic()
    probes: list[ProbeResult] = []
    with tempfile.TemporaryDirectory(prefix="crane-self-check-") as tmp:
        tmp_path = Path(tmp)
        env = dict(environ)
        env.update(
            CRANE_ENV="dev",
            CRANE_DRY_RUN="0",
            CRANE_STATE_DIR=str(tmp_path / "state"),
            CRANE_RUN_ID=f"crane-self-check-{uuid.uuid4().hex[:12]}",
            # Through a supervisor the variables above do not count (it decides with the
            # session's config): this asks it for the same synthetic staging call instead.
            CRANE_GUARD_SELF_CHECK="1",
        )
        workdir = tmp_path / "project"
        workdir.mkdir()

        name = "production write from a staging session"
        code, out, err = _probe(name, SELF_CHECK_COMMAND, command, env, workdir, timeout, agent)
        problem: str | None = None
        if code is None:
            problem = f"the hook did not answer within {timeout:g} s (Claude Code would run the tool)"
        elif code == 0 and '"ask"' in out:
            problem = "the hook asked instead of denying (a staging session must not offer production writes)"
        elif code == 0:
            problem = "the hook allowed it"
        elif code != 2:
            problem = f"the hook exited {code} (Claude Code treats that as 'proceed')"
        elif out.strip():
            problem = "the hook printed to stdout while exiting 2 (some client versions mishandle that)"
        elif not err.strip():
            problem = "the hook exited 2 with nothing on stderr (Codex and Gemini CLI then run the tool)"
        elif _is_guard_failure(err):
            problem = f"blocked only because the guard itself failed: {err.strip()}"
        probes.append(ProbeResult(name, SELF_CHECK_COMMAND, code, out, err, problem))

        name = "harmless read"
        code, out, err = _probe(name, SELF_CHECK_HARMLESS, command, env, workdir, timeout, agent)
        problem = None
        if code is None:
            problem = f"the hook did not answer within {timeout:g} s"
        elif code != 0:
            problem = f"the hook blocked it (exit {code}): {err.strip()}"
        elif out.strip():
            problem = f"the hook answered with output (expected silence): {out.strip()[:200]}"
        probes.append(ProbeResult(name, SELF_CHECK_HARMLESS, code, out, err, problem))
    # What the client will run, not only what the hook does: a managed policy can keep Claude
    # Code from running crane's hook at all. (Codex and Gemini have their own checks: agents/.)
    if agent == "claude":
        policy = policy_problems(environ)
        probes.append(ProbeResult("no settings layer above crane's switches the hook off", "", 0, "", "",
                                  "; ".join(policy) or None))
    return CheckResult(all(p.ok for p in probes), tuple(probes), time.monotonic() - started)


# ---------------------------------------------------------------------------------------------
# Settings layers crane cannot outrank


# Claude Code's file-based managed policy (it outranks `--settings`). MDM profiles (macOS plist,
# Windows HKLM) and server-managed settings outrank it too and cannot be read from here.
MANAGED_PATHS_VAR = "CRANE_CLAUDE_MANAGED_PATHS"  # os.pathsep-separated override, for tests
if sys.platform == "darwin":
    MANAGED_DIRS: tuple[str, ...] = ("/Library/Application Support/ClaudeCode",)
elif sys.platform == "win32":
    MANAGED_DIRS = ("C:\\ProgramData\\ClaudeCode",)
else:
    MANAGED_DIRS = ("/etc/claude-code",)


def managed_settings_files(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The managed-settings files that exist: `managed-settings.json` and `managed-settings.d/*.json`."""
    environ = os.environ if environ is None else environ
    override = environ.get(MANAGED_PATHS_VAR)
    dirs = [Path(d) for d in override.split(os.pathsep) if d] if override is not None else [
        Path(d) for d in MANAGED_DIRS]
    found: list[Path] = []
    for directory in dirs:
        main = directory / "managed-settings.json"
        if main.is_file():
            found.append(main)
        drop_in = directory / "managed-settings.d"
        if drop_in.is_dir():
            found.extend(sorted(p for p in drop_in.glob("*.json") if p.is_file()))
    return found


def policy_problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Why Claude Code would not run crane's `--settings` hook, naming the file and key; [] if none."""
    problems: list[str] = []
    for path in managed_settings_files(environ):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            problems.append(f"{path}: cannot read managed settings ({type(exc).__name__}); crane cannot tell "
                            "whether they switch its hook off")
            continue
        if not isinstance(data, dict):
            continue
        if data.get("allowManagedHooksOnly") is True:
            problems.append(f"{path}: allowManagedHooksOnly is true: Claude Code runs only managed hooks, "
                            "not crane's")
        if data.get("disableAllHooks") is True:
            problems.append(f"{path}: disableAllHooks is true in managed policy, which crane's settings "
                            "cannot outrank")
    return problems
