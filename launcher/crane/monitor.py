"""A guarded launch's process plumbing: the guard supervisor beside the agent, both tied to crane.

`crane launch` of a guarded agent does not exec the agent. It (P) starts the guard supervisor
(S, guard/run/supervisor.py) as a separate process, hands it its configuration over a pipe,
waits until S reports its socket bound, runs the agent as its child (through `start`: in the
sandbox, crane/sandbox/process.py), forwards SIGTERM/SIGHUP (and SIGINT when not at a terminal), returns
the agent's exit code exactly (128+N for death by signal N), then stops S and removes its
directories.

Lifetime: S and the agent each get a parent-death signal (prctl PR_SET_PDEATHSIG, Linux): if P
is SIGKILLed, S stops (and cleans up) and the agent is killed, as killing the exec'd agent did
before. S runs in its own session, away from the terminal's Ctrl-C and Ctrl-Z. If S ends before
the agent, P raises a `supervisor_died` alert at once; every later tool call is denied by the
client (fail closed).

Directories (both private, 0700, short paths under $XDG_RUNTIME_DIR or the temp dir, removed at
the end): the socket's own directory (CRANE_GUARD_SOCKET=<dir>/guard.sock, nothing else in it:
the sandbox binds it read-only) and the drop dir for client alerts (CRANE_GUARD_DROP_DIR: the
sandbox binds it read-write).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crane.errors import CraneError

if TYPE_CHECKING:
    from crane.guard.run.install import CheckResult
    from crane.launch import Start

Say = Callable[[str], None]

SOCKET_NAME = "guard.sock"
READY_TIMEOUT = 60.0  # seconds for S to load rules and profile, warm the parser and bind
STOP_TIMEOUT = 5.0
SUPERVISOR_CODE = "from crane.guard.run.supervisor import main; main()"


class SupervisorError(CraneError):
    """The guard supervisor could not be started (the agent is then not started either)."""


def _runtime_base(environ: Mapping[str, str]) -> str:
    """A short, private-enough base for the session's directories (Unix sockets allow ~107 bytes)."""
    runtime = environ.get("XDG_RUNTIME_DIR", "")
    if runtime and os.path.isabs(runtime) and os.path.isdir(runtime) and os.access(runtime, os.W_OK):
        return runtime
    return tempfile.gettempdir()


@dataclass
class Supervisor:
    proc: subprocess.Popen[bytes]
    socket_dir: str
    drop_dir: str
    environ: dict[str, str]  # the agent's environment S was configured with
    stopping: threading.Event = field(default_factory=threading.Event)
    watcher: threading.Thread | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def socket_path(self) -> str:
        return os.path.join(self.socket_dir, SOCKET_NAME)

    def env_vars(self) -> dict[str, str]:
        """What the agent's environment gets, so the hook client can find (and check) S."""
        from crane.guard.run.client import DROP_DIR_VAR, PID_VAR, SOCKET_VAR

        return {SOCKET_VAR: self.socket_path, PID_VAR: str(self.pid), DROP_DIR_VAR: self.drop_dir}

    def seal(self) -> None:
        """End the self-check window: S answers every later call as the session's own."""
        from crane.guard.run.client import ClientError, ask_supervisor

        try:
            ask_supervisor(self.socket_path, {"op": "seal"}, b"", expected_pid=self.pid)
        except ClientError as exc:
            raise SupervisorError(f"the guard supervisor did not take the end of the self-check: {exc}") from None

    def watch(self) -> None:
        """Raise a `supervisor_died` alert the moment S ends before it was asked to."""

        def run() -> None:
            code = self.proc.wait()
            if not self.stopping.is_set():
                _alert(self.environ, "supervisor_died",
                       f"the guard supervisor (pid {self.pid}) ended with status {code} while the agent "
                       "was running; every later tool call is blocked")

        self.watcher = threading.Thread(target=run, name="crane-supervisor-watch", daemon=True)
        self.watcher.start()

    def stop(self) -> None:
        """Stop S (SIGTERM, then SIGKILL), file dropped client alerts, remove both directories."""
        self.stopping.set()
        if self.proc.poll() is None:
            try:
                self.proc.terminate()
                self.proc.send_signal(signal.SIGCONT)  # a stopped supervisor gets the TERM only when it runs
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            except OSError:
                pass
        if self.watcher is not None:
            self.watcher.join(1.0)
        try:
            _file_dropped(self.environ, self.drop_dir)
        finally:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            shutil.rmtree(self.drop_dir, ignore_errors=True)


def _guard_context(environ: Mapping[str, str]) -> tuple[str, str | None, str | None, str | None]:
    from crane.paths import state_path

    state = environ.get("CRANE_STATE_DIR", "").strip() or state_path()
    return state, environ.get("CRANE_RUN_ID"), environ.get("CRANE_VENTURE_CODE"), environ.get("CRANE_ENV")


def _alert(environ: Mapping[str, str], kind: str, error: str) -> None:
    try:
        from crane.guard.run.alerts import build_alert, raise_alert
        from crane.guard.run.redact import Redactor

        state, run_id, venture, env = _guard_context(environ)
        record = build_alert(kind=kind, error=error, run_id=run_id, tool=None, venture=venture, env=env)
        raise_alert(record, state_dir=state, redactor=Redactor.from_environ(environ))
    except Exception:  # noqa: S110 (alerting must never change the session's outcome)
        pass


def _file_dropped(environ: Mapping[str, str], drop_dir: str) -> None:
    try:
        from crane.guard.run.alerts import import_dropped
        from crane.guard.run.redact import Redactor

        state, run_id, venture, env = _guard_context(environ)
        import_dropped(drop_dir, state_dir=state, redactor=Redactor.from_environ(environ), run_id=run_id,
                       venture=venture, env=env)
    except Exception:  # noqa: S110
        pass


def supervisor_argv(python: str = sys.executable) -> list[str]:
    return [python, "-I", "-c", SUPERVISOR_CODE]


def start_supervisor(environ: Mapping[str, str], *, python: str = sys.executable,
                     log_path: str | None = None) -> Supervisor:
    """Start S for an agent whose environment is `environ`; return once its socket is bound.

    `environ` (secrets included: they are the redaction set) goes to S over a pipe, never in
    argv or a file. S's own environment is `environ` without the injected secret values.
    """
    from crane.guard.run.redact import injected_names

    base = _runtime_base(environ)
    socket_dir = tempfile.mkdtemp(prefix="crane-guard-", dir=base)
    drop_dir = tempfile.mkdtemp(prefix="crane-alerts-", dir=base)
    secret_names = set(injected_names(environ))
    own_env = {k: v for k, v in environ.items() if k not in secret_names}
    payload = json.dumps({"environ": dict(environ), "socket": os.path.join(socket_dir, SOCKET_NAME),
                          "drop_dir": drop_dir, "parent_pid": os.getpid()}).encode("utf-8")
    log = (os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") if log_path
           else subprocess.DEVNULL)
    try:
        proc = subprocess.Popen(supervisor_argv(python), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=log, env=own_env, start_new_session=True)
    except OSError as exc:
        shutil.rmtree(socket_dir, ignore_errors=True)
        shutil.rmtree(drop_dir, ignore_errors=True)
        raise SupervisorError(f"cannot start the guard supervisor: {exc.strerror or exc}") from None
    finally:
        if log is not subprocess.DEVNULL:
            log.close()  # type: ignore[union-attr]
    sup = Supervisor(proc, socket_dir, drop_dir, dict(environ))
    try:
        assert proc.stdin is not None and proc.stdout is not None
        try:
            proc.stdin.write(len(payload).to_bytes(4, "big") + payload)
            proc.stdin.close()
        except OSError:
            pass  # it died at once; the ready line below says why (or nothing does)
        line = _read_line(proc.stdout.fileno(), READY_TIMEOUT)
        proc.stdout.close()
        if line != b"READY":
            reason = line[len(b"ERROR "):].decode("utf-8", "replace") if line.startswith(b"ERROR ") else (
                "it did not report ready" if line else "it exited without a word")
            raise SupervisorError(f"the guard supervisor did not start: {reason}",
                                  "fix the guard (crane guard check) or start without it, loudly, with --no-guard")
    except BaseException:
        sup.stop()
        raise
    return sup


def _read_line(fd: int, timeout: float) -> bytes:
    end = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = end - time.monotonic()
        if left <= 0:
            break
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            break
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].strip()


def _die_with_parent(parent: int) -> Callable[[], None]:
    from crane.guard.run.supervisor import set_parent_death_signal

    def preexec() -> None:
        # In the child between fork and exec: SIGKILL when crane dies, as if crane were the agent.
        set_parent_death_signal(signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(137)

    return preexec


def run_agent(argv: Sequence[str], env: Mapping[str, str], supervisor: Supervisor, *,
              start: Start | None = None) -> int:
    """Run the agent as crane's child under `supervisor` (started by `start`: the sandbox, when
    there is one; signals then go to the agent inside); its exit code."""
    from crane.launch import run_subprocess

    try:
        return run_subprocess(list(argv), env, preexec_fn=_die_with_parent(os.getpid()),
                              on_start=lambda _proc: supervisor.watch(), start=start)
    finally:
        supervisor.stop()


def supervised_self_check(environ: Mapping[str, str]) -> CheckResult:
    """The self-check `crane launch` runs, through a throw-away supervisor configured from `environ`.

    A supervisor that does not start is a failed check (its reason as the problem), not an error.
    """
    from crane.guard.run.install import CheckResult, ProbeResult, hook_command, self_check

    try:
        supervisor = start_supervisor(environ)
    except SupervisorError as exc:
        problem = ProbeResult("guard supervisor", "", None, "", "", exc.message)
        return CheckResult(False, (problem,))
    try:
        env = {**environ, **supervisor.env_vars()}
        return self_check(hook_command(socket=supervisor.socket_path, pid=supervisor.pid), env)
    finally:
        supervisor.stop()
