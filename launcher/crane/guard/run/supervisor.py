"""The session's guard supervisor: one warm process per `crane launch` that answers every hook call.

Started by `crane launch` (crane/monitor.py) as `<python> -I -c 'from crane.guard.run.supervisor
import main; main()'`, outside the agent's reach. Its configuration arrives on stdin (never in
argv or a file): the agent's environment snapshot (which carries the run id, the profile path,
and the injected secrets that make up the redaction set), the socket path and the drop dir for
client alerts. Then it:

1. reads the profile and the shipped rules ONCE, from their bytes (no parsed-TOML cache), and
   validates them; later edits on disk do not change this session's guard;
2. warms the classifier (the shell parser), binds the Unix socket (mode 0600, alone in a 0700
   directory) and reports `READY` on stdout;
3. answers each connection in its own thread with `hook.evaluate` (the one decision path) under
   the session's deadline, keeping the sticky dry-run flag in memory under a lock (written
   through to the configured store for the record): a deleted or corrupted `state.db` cannot
   unset it, and 100 concurrent calls set it exactly once.

It ends on SIGTERM (sent by `crane launch` when the agent exits) or when its parent dies
(PR_SET_PDEATHSIG, plus a getppid check), removing its socket and filing client-dropped alerts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from crane.guard.run import client as wire
from crane.guard.run.state import RunState

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from crane.guard.rules.config import GuardConfig
    from crane.guard.run.hook import Classifier, HookResult

READY = b"READY\n"
MAX_HEADER = 4096
READ_TIMEOUT = 10.0  # a connection that sends nothing is dropped (its client fails closed)
CLAIMED_GRACE = 1.0  # seconds for a call decided in time to finish writing its audit line
WARMUP_CALLS = ("npx wrangler deploy --env production", "git status")


# ---------------------------------------------------------------------------------------------
# Sticky state


class SessionState:
    """The run's sticky dry-run flags: in memory (authoritative), one caller at a time."""

    def __init__(self, write_through: Callable[[GuardConfig, str, int], None] | None = None) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}
        self._write_through = write_through

    def open(self, config: GuardConfig, *, timeout: float = 1.0) -> RunState:
        """A handle for one decision; it holds the lock until closed (read, decide, set: atomic)."""
        if not self._lock.acquire(timeout=timeout):
            from crane.guard.run.state import GuardStateError

            raise GuardStateError("run state: the session's sticky flag is busy")
        return _Handle(self, config)


class _Handle(RunState):
    def __init__(self, state: SessionState, config: GuardConfig) -> None:
        self._state = state
        self._config = config
        self._open = True

    def is_dry_run_active(self, run_id: str) -> bool:
        return self._state._until.get(run_id, 0.0) > time.monotonic()

    def activate_dry_run(self, run_id: str, ttl_seconds: int) -> bool:
        newly = not self.is_dry_run_active(run_id)
        self._state._until[run_id] = time.monotonic() + ttl_seconds
        if self._state._write_through is not None:
            self._state._write_through(self._config, run_id, ttl_seconds)
        return newly

    def close(self) -> None:
        if self._open:
            self._open = False
            self._state._lock.release()


def record_in_store(config: GuardConfig, run_id: str, ttl_seconds: int) -> None:
    """Mirror a set flag into the configured store (SQLite/Redis) for the record.

    The decision never depends on it: a store that fails is an alert, and the flag stays set in
    memory (the stricter answer).
    """
    try:
        from crane.guard.run.state import open_state

        with open_state(config, timeout=1.0) as store:
            store.activate_dry_run(run_id, ttl_seconds)
    except Exception as exc:
        from crane.guard.run.alerts import GUARD_ERROR, build_alert, raise_alert
        from crane.guard.run.redact import Redactor

        record = build_alert(kind=GUARD_ERROR, error=f"sticky flag not recorded in the run state: {exc}",
                             run_id=run_id, tool=None, venture=config.venture, env=config.env)
        raise_alert(record, state_dir=config.state_dir, redactor=Redactor(), webhook=config.alert_webhook)


class CallLatch:
    """One call's race between its decision and the supervisor's deadline: exactly one answers.

    Passed to hook.evaluate as its watchdog: `claim()` right before the decision is recorded in
    the audit log; the deadline side calls `expire()`. Without it a late worker could log
    "allow" for a call that was answered "blocked".
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ""  # "", "claimed" or "expired"

    def arm(self, seconds: float) -> None:
        """The supervisor enforces the deadline itself (see Session._evaluate)."""

    def claim(self) -> bool:
        with self._lock:
            if self._state == "":
                self._state = "claimed"
            return self._state == "claimed"

    def expire(self) -> bool:
        """True if the deadline wins; False if the decision was already claimed (it will come)."""
        with self._lock:
            if self._state == "":
                self._state = "expired"
            return self._state == "expired"


# ---------------------------------------------------------------------------------------------
# The session


class Session:
    """Everything the guard needs for this run, loaded once."""

    def __init__(self, environ: Mapping[str, str], *, drop_dir: str | None = None) -> None:
        from crane.guard.rules.config import load_guard_config
        from crane.guard.rules.engine import load_rules, shipped_rules
        from crane.guard.run.hook import load_classifier

        self.environ = dict(environ)
        self.drop_dir = drop_dir
        self.sealed = False  # self-check requests are honoured until `crane launch` seals the session
        self.config = load_guard_config(self.environ)  # the profile, from its bytes
        shipped_rules()  # the whole shipped rules file, parsed and validated now
        load_rules(self.config.extra_rules, self.config.profile_path or "(profile)")
        self.classifier: Classifier = load_classifier()
        from crane.guard.run.state import open_state

        open_state(self.config, timeout=2.0).close()  # a store that cannot be reached fails the launch
        self.state = SessionState(record_in_store)
        from crane.guard.run.redact import Redactor

        self.redactor = Redactor.from_environ(self.environ)

    def warm(self) -> None:
        """Load the parser and the rules' code paths now, not on the agent's first tool call."""
        for command in WARMUP_CALLS:
            self.classifier("Bash", {"command": command}, cwd=os.getcwd(), config=self.config)

    def deadline(self) -> float:
        from crane.guard.run.hook import MAX_DEADLINE

        return min(float(self.config.deadline_seconds), MAX_DEADLINE)

    def answer(self, header: Mapping[str, str], body: bytes) -> HookResult:
        """The decision for one call, within the session's deadline; never raises."""
        from crane.guard.run import hook
        agent = header.get("agent", "claude")
        if header.get("op") == "seal":
            # `crane launch` ran its self-check; from now on nobody gets the synthetic staging
            # answer (a dry-run session would otherwise allow what it intercepts).
            self.sealed = True
            return hook.HookResult(hook.EXIT_OK, decision="allow")
        if header.get("check") == "1" and not self.sealed:
            return self._self_check(body, agent)
        return self._evaluate(body, agent, self.environ, self.config, self.state)

    def _evaluate(self, body: bytes, agent: str, environ: Mapping[str, str], config: GuardConfig,
                  state: SessionState) -> HookResult:
        from crane.guard.run import hook

        ctx = hook._Context(environ)
        latch = CallLatch()
        box: list[HookResult] = []

        def work() -> None:
            box.append(hook.evaluate(body, environ, classifier=self.classifier, load_config=lambda _env: config,
                                     ctx=ctx, open_store=state.open, agent=agent,
                                     watchdog=latch))  # type: ignore[arg-type]

        worker = threading.Thread(target=work, name="crane-guard-call", daemon=True)
        worker.start()
        seconds = min(float(config.deadline_seconds), hook.MAX_DEADLINE)
        worker.join(seconds)
        if not box and not latch.expire():
            worker.join(CLAIMED_GRACE)  # decided in time, still writing its audit line
        if box:
            return box[0]
        # The call is denied now; a worker that finishes later records nothing (see CallLatch).
        message = (f"crane guard error: no decision within the guard's {seconds:g} s deadline{hook.ERROR_SUFFIX}. "
                   f"{hook.ERROR_ADVICE}\n")
        try:
            ctx.state_dir = ctx.state_dir or config.state_dir
            note = hook._raise_alert(ctx, "guard_timeout", f"deadline of {seconds:g} s exceeded")
        except Exception as exc:
            note = f"alert could NOT be recorded: {hook.describe_error(exc)}"
        return hook.HookResult(hook.EXIT_BLOCK, stderr=message + ctx.redact(f"({note})") + "\n")

    def _self_check(self, body: bytes, agent: str) -> HookResult:
        """A synthetic call from a staging session of this venture, with its own throw-away state:
        what crane's self-check sends through the real client path. It never touches the run."""
        import shutil
        import tempfile
        import uuid

        from crane.envname import DEV

        tmp = tempfile.mkdtemp(prefix="crane-self-check-")
        try:
            run_id = f"crane-self-check-{uuid.uuid4().hex[:12]}"
            environ = {**self.environ, "CRANE_ENV": DEV, "CRANE_DRY_RUN": "0", "CRANE_RUN_ID": run_id,
                       "CRANE_STATE_DIR": tmp}
            config = self.config.replace(env=DEV, dry_run=False, run_id=run_id, state_dir=tmp, state_url=None,
                                         alert_webhook=None)
            return self._evaluate(body, agent, environ, config, SessionState())
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def file_dropped_alerts(self) -> int:
        if not self.drop_dir:
            return 0
        from crane.guard.run.alerts import import_dropped

        return import_dropped(self.drop_dir, state_dir=self.config.state_dir, redactor=self.redactor,
                              run_id=self.config.run_id, venture=self.config.venture, env=self.config.env,
                              webhook=self.config.alert_webhook)


# ---------------------------------------------------------------------------------------------
# Wire


class _Garbled(Exception):
    pass


def _read_exact(conn: Any, n: int) -> bytes:
    chunks = []
    while n:
        chunk = conn.recv(min(n, 1 << 20))
        if not chunk:
            raise _Garbled("request ended early")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_request(conn: Any) -> tuple[dict[str, str], bytes]:
    if _read_exact(conn, 4) != wire.MAGIC:
        raise _Garbled("not a crane hook request")
    size = int.from_bytes(_read_exact(conn, 4), "big")
    if size > MAX_HEADER:
        raise _Garbled("header too large")
    header = dict(line.partition("=")[::2] for line in _read_exact(conn, size).decode("ascii").splitlines())
    size = int.from_bytes(_read_exact(conn, 4), "big")
    if size > wire.MAX_BODY:
        raise _Garbled("hook input too large")
    return header, _read_exact(conn, size)


def serve_connection(session: Session, conn: Any) -> None:
    from crane.guard.run import hook

    try:
        conn.settimeout(READ_TIMEOUT)
        try:
            header, body = read_request(conn)
        except (_Garbled, UnicodeDecodeError, OSError) as exc:
            result = hook.HookResult(hook.EXIT_BLOCK, stderr=f"crane guard error: bad request to the guard "
                                     f"supervisor: {exc}{hook.ERROR_SUFFIX}\n")
        else:
            result = session.answer(header, body)
        code = result.exit_code if result.exit_code in (hook.EXIT_OK, hook.EXIT_BLOCK) else hook.EXIT_BLOCK
        stdout = result.stdout.encode("utf-8") if code == hook.EXIT_OK else b""
        conn.settimeout(READ_TIMEOUT)
        conn.sendall(wire.encode_answer(code, stdout, result.stderr.encode("utf-8", "replace")))
    except OSError:
        pass  # the client gave up; it has already failed closed
    finally:
        conn.close()


def listen(path: str) -> Any:
    import socket

    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # the socket file is born 0600
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    sock.listen(512)
    return sock


def accept_loop(session: Session, sock: Any, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            conn, _ = sock.accept()
        except OSError:
            if stop.is_set():
                return
            time.sleep(0.05)
            continue
        threading.Thread(target=serve_connection, args=(session, conn), name="crane-guard-conn",
                         daemon=True).start()


# ---------------------------------------------------------------------------------------------
# Process


def set_parent_death_signal(sig: int = signal.SIGTERM) -> bool:
    """Ask Linux to send `sig` when the parent dies (prctl PR_SET_PDEATHSIG); False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(1, int(sig), 0, 0, 0)) == 0  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def read_config(stream: Any) -> dict[str, Any]:
    import json

    size = int.from_bytes(stream.read(4), "big")
    data = json.loads(stream.read(size).decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError("supervisor configuration is not an object")
    return data


def _report(line: bytes) -> None:
    with contextlib.suppress(OSError):
        os.write(1, line)


def main() -> None:
    """Entry point; see the module docstring. Exits 0 on a normal stop, 1 if it cannot start."""
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the agent
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGHUP, lambda *_: stop.set())
    socket_path = ""
    try:
        data = read_config(sys.stdin.buffer)
        parent = int(data["parent_pid"])
        set_parent_death_signal()
        if os.getppid() != parent:  # the parent died before the request above took effect
            raise SystemExit(1)
        socket_path = str(data["socket"])
        session = Session(data["environ"], drop_dir=data.get("drop_dir") or None)
        session.warm()
        sock = listen(socket_path)
    except BaseException as exc:
        from crane.guard.run.hook import describe_error

        environ = data.get("environ", {}) if "data" in locals() else {}
        from crane.guard.run.redact import Redactor

        reason = Redactor.from_environ(environ).redact(describe_error(exc)).replace("\n", " ")
        _report(f"ERROR {reason}\n".encode("utf-8", "replace"))
        os._exit(1)
    threading.Thread(target=accept_loop, args=(session, sock, stop), name="crane-guard-accept", daemon=True).start()
    _report(READY)
    os.close(1)
    while not stop.wait(1.0):
        if os.getppid() != parent:
            break
        with contextlib.suppress(Exception):  # filing alerts must never stop the guard
            session.file_dropped_alerts()
    stop.set()
    with contextlib.suppress(OSError):
        sock.close()
        os.unlink(socket_path)
    with contextlib.suppress(Exception):
        session.file_dropped_alerts()
    # Remove the (now empty) directories whoever stopped us: after a SIGKILL of crane nobody else
    # will, and when crane stops us normally it removes them too (rmdir of a non-empty or missing
    # directory fails harmlessly, so an alert dropped in the meantime is kept for crane to file).
    for directory in (os.path.dirname(socket_path), session.drop_dir):
        with contextlib.suppress(OSError, TypeError):
            os.rmdir(directory)  # type: ignore[arg-type]
    os._exit(0)
