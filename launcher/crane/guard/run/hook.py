"""crane's PreToolUse decision for Claude Code: `evaluate` (one decision path) and the in-process hook.

Under `crane launch` the session's guard supervisor (supervisor.py) runs `evaluate` for every call
and the hook command is the thin client (client.py); `main` here is the in-process path the
client falls back to without a supervisor (a hand-installed hook, the weaker mode). Either way one
tool call arrives as JSON, is classified, decided and audited, and is answered in the form Claude
Code (2.1.197 .. 2.1.332, observed) actually honours:

- allow:              exit 0, nothing on stdout (the normal permission flow; crane never
                      auto-approves)
- ask:                exit 0, stdout `{"hookSpecificOutput": {"hookEventName": "PreToolUse",
                      "permissionDecision": "ask", "permissionDecisionReason": "..."}}`
                      (without hookEventName the client silently runs the tool)
- deny / intercepted: exit 2, the reason on stderr, NOTHING on stdout (JSON plus exit 2 was
                      mishandled by some client versions)

FAIL CLOSED. Claude Code runs the tool when a hook exits with anything but 0 or 2, prints
non-JSON, or times out. So every failure in here becomes exit 2 with
`crane guard error: ...; the tool call was blocked`, plus an alert (alerts.py):

- `evaluate()` catches everything (BaseException: a classifier calling sys.exit must not
  escape), and `main()` catches whatever is left, writes the answer itself and leaves with
  `os._exit`, so interpreter shutdown (flushing a closed pipe, atexit, stray threads) cannot
  change the exit code afterwards.
- A deadline (default 3 s, CRANE_GUARD_DEADLINE or the profile's `deadline_seconds`, capped at
  MAX_DEADLINE) is enforced by a daemon `threading.Timer` that writes the reason and an alert
  and calls `os._exit(2)`; it fires even while the main thread waits in C code (a locked sqlite,
  a hung socket, a read on a stdin that never closes) because those release the GIL.
- Code that holds the GIL and never lets go (a runaway regex in C) would starve that thread, so
  a kernel interval timer (SIGALRM, whose default action terminates the process) is armed for
  the deadline plus HARD_KILL_GRACE; the shell wrapper from install.py turns that death into exit 2.
- Failures before this module runs (interpreter missing, import error) are the wrapper's job.

Import discipline: standard library and crane's own modules only, and cheap ones first. The run
state (sqlite3 / socket) is opened only for external writes; urllib only when an alert is POSTed.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time

from crane._record import Record
from crane.errors import CraneError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any, NoReturn

    from crane.guard.model import Classification
    from crane.guard.rules.config import GuardConfig
    from crane.guard.run.redact import Redactor
    from crane.guard.run.state import RunState

    Classifier = Callable[..., Classification]  # classify(tool_name, tool_input, *, cwd, config)
    ConfigLoader = Callable[[Mapping[str, str]], GuardConfig]
    StoreOpener = Callable[..., RunState]  # open_store(config, *, timeout)

EXIT_OK = 0
EXIT_BLOCK = 2
DEFAULT_DEADLINE = 3.0
# The installed settings give the hook a client-side timeout of 10 s (install.HOOK_TIMEOUT);
# deadline + grace must stay below it, or the client's timeout ("proceed") would come first.
MAX_DEADLINE = 7.0
HARD_KILL_GRACE = 1.5
MAX_REASON = 4000
ERROR_SUFFIX = "; the tool call was blocked"
ERROR_ADVICE = "Do not try to work around the guard; tell the user."
DEBUG_MODULES_VAR = "CRANE_GUARD_DEBUG_MODULES"

FILE_TOOLS = ("Write", "Edit", "MultiEdit")
SHELL_TOOLS = ("Bash", "PowerShell")


class HookInputError(CraneError):
    """The hook's stdin is not a PreToolUse call it understands (the call is then blocked)."""


class GuardRuntimeError(CraneError):
    """A part of the guard failed (classifier missing or returned garbage, bad deadline, ...)."""


class DeadlinePassed(GuardRuntimeError):
    """The deadline answered this call ("blocked") and raised its alert; nothing more to record."""


class HookResult(Record):
    """What the hook answers: exit code and the exact bytes for stdout and stderr."""

    __slots__ = ("exit_code", "stdout", "stderr", "decision")
    exit_code: int
    stdout: str
    stderr: str
    decision: str

    def __init__(self, exit_code: int, stdout: str = "", stderr: str = "", decision: str = "deny") -> None:
        self._set(exit_code=exit_code, stdout=stdout, stderr=stderr, decision=decision)


class ToolCall(Record):
    __slots__ = ("tool_name", "tool_input", "cwd", "session_id", "tool_use_id", "permission_mode")
    tool_name: str
    tool_input: Mapping[str, Any]
    cwd: str
    session_id: str | None
    tool_use_id: str | None
    permission_mode: str | None

    def __init__(self, tool_name: str, tool_input: Mapping[str, Any], cwd: str, session_id: str | None,
                 tool_use_id: str | None, permission_mode: str | None = None) -> None:
        self._set(tool_name=tool_name, tool_input=tool_input, cwd=cwd, session_id=session_id,
                  tool_use_id=tool_use_id, permission_mode=permission_mode)


class _Context:
    """What is known so far about this call; alerts raised at any point report it."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ
        self.redactor: Redactor | None = None
        self.run_id: str | None = None
        self.session_id: str | None = None
        self.tool: str | None = None
        self.command: str | None = None
        self.venture: str | None = None
        self.env: str | None = None
        self.state_dir: str | None = None
        self.webhook: str | None = None

    def redact(self, text: str) -> str:
        return self.redactor.redact(text) if self.redactor is not None else text


# ---------------------------------------------------------------------------------------------
# Input


AGENTS = ("claude", "codex", "gemini")


def agent_protocol(agent: str) -> Any:
    """The hook-protocol module of a non-Claude agent (`crane.agents.<agent>`: translate, render)."""
    if agent not in AGENTS or agent == "claude":
        raise GuardRuntimeError(f"no hook protocol for agent {agent!r} (known: {', '.join(AGENTS)})")
    import importlib

    return importlib.import_module(f"crane.agents.{agent}")


def parse_hook_input(raw: bytes, agent: str = "claude") -> ToolCall:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HookInputError(f"malformed hook input (not UTF-8 JSON): {exc}") from None
    if not isinstance(data, dict):
        raise HookInputError("malformed hook input: expected a JSON object")
    if agent != "claude":
        # The agent's adapter maps its client's input onto Claude Code's vocabulary, which the
        # classifier speaks; a tool it does not know is refused there (fail closed).
        try:
            data = agent_protocol(agent).translate(data)
        except ValueError as exc:
            raise HookInputError(str(exc)) from None
    event = data.get("hook_event_name")
    if event is not None and event != "PreToolUse":
        raise HookInputError(f"crane's guard handles PreToolUse only, got hook_event_name {event!r}")
    tool_name = data.get("tool_name")
    if not isinstance(tool_name, str) or not tool_name:
        raise HookInputError("malformed hook input: missing tool_name")
    tool_input = data.get("tool_input")
    if not isinstance(tool_input, dict):
        raise HookInputError(f"malformed hook input: tool_input of {tool_name} is not an object")
    cwd = data.get("cwd")
    if not isinstance(cwd, str) or not cwd:
        raise HookInputError("malformed hook input: missing cwd")
    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) and value else None

    return ToolCall(
        tool_name=tool_name,
        tool_input=tool_input,
        cwd=cwd,
        session_id=text("session_id"),
        tool_use_id=text("tool_use_id"),
        permission_mode=text("permission_mode"),
    )


def summarize(tool_name: str, tool_input: Mapping[str, Any]) -> str:
    """The audit log's `command`: a Bash command, else a short summary (never file contents).

    Also checks the fields crane relies on for the tools it knows: a known tool with the wrong
    shape means the client changed under us, and that must block, not pass.
    """

    # `bash`, `BASH ` are checked like `Bash`, as the classifier treats them (without importing
    # it here: a classifier that cannot load must fail with its own message, later).
    tool_name = next((t for t in (*SHELL_TOOLS, *FILE_TOOLS, "NotebookEdit")
                      if t.lower() == tool_name.strip().lower()), tool_name)

    def need(key: str) -> str:
        value = tool_input.get(key)
        if not isinstance(value, str):
            raise HookInputError(f"unexpected {tool_name} input: field {key!r} missing or not a string")
        return value

    if tool_name in SHELL_TOOLS:
        return need("command")
    if tool_name in FILE_TOOLS:
        path = need("file_path")
        if tool_name == "MultiEdit" and not isinstance(tool_input.get("edits"), list):
            raise HookInputError("unexpected MultiEdit input: field 'edits' missing or not a list")
        return path
    if tool_name == "NotebookEdit":
        return need("notebook_path")
    if tool_name == "WebFetch":
        return need("url")
    if tool_name.startswith("mcp__"):
        return tool_name
    for key in ("file_path", "path", "notebook_path", "url", "pattern", "command", "query"):
        value = tool_input.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


# ---------------------------------------------------------------------------------------------
# Deadline


def _valid_deadline(value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise GuardRuntimeError(f"guard deadline must be a positive number of seconds, got {value!r}")
    return min(value, MAX_DEADLINE)


def initial_deadline(environ: Mapping[str, str]) -> float:
    """The deadline before the config is loaded (a broken value is reported by the config load)."""
    try:
        return _valid_deadline(float(environ.get("CRANE_GUARD_DEADLINE", "") or DEFAULT_DEADLINE))
    except (ValueError, GuardRuntimeError):
        return DEFAULT_DEADLINE


class Watchdog:
    """Blocks the call (exit 2) when no decision is made in time; see the module docstring."""

    def __init__(self, ctx: _Context) -> None:
        # Imported now, in the main thread: the timer thread must not need the import lock,
        # which a main thread stuck mid-import could be holding.
        from crane.guard.run import alerts, redact  # noqa: F401

        self._ctx = ctx
        self._start = time.monotonic()
        self._timer: threading.Timer | None = None
        self._seconds = DEFAULT_DEADLINE
        # Exactly one of "the main thread answers" and "the deadline answers" may win: without
        # this latch a late timer could print "blocked" while the main thread exits 0 (the tool
        # runs), or block a call the audit log records as allowed.
        self._latch = threading.Lock()
        self._settled = False
        self._fired = False

    def arm(self, seconds: float) -> None:
        """(Re)arm for `seconds` counted from the hook's start."""
        with self._latch:
            if self._settled or self._fired:
                return
        self._seconds = seconds
        remaining = max(0.0, self._start + seconds - time.monotonic())
        if self._timer is not None:
            self._timer.cancel()
        timer = threading.Timer(remaining, self._fire)
        timer.daemon = True
        timer.start()
        self._timer = timer
        import signal

        if hasattr(signal, "setitimer"):
            # SIGALRM's default action kills the process even if no Python code can run.
            signal.setitimer(signal.ITIMER_REAL, remaining + HARD_KILL_GRACE)

    def claim(self) -> bool:
        """Whether the decision may still be recorded (the deadline has not answered yet).

        The in-process hook keeps its deadline armed through the audit write and settles after;
        the supervisor's latch (supervisor.CallLatch) settles here.
        """
        with self._latch:
            return not self._fired

    def settle(self) -> bool:
        """Disarm before the answer is written. False when the deadline already won: its
        "blocked" answer is being written and the process is about to exit 2."""
        with self._latch:
            if self._fired:
                return False
            self._settled = True
        if self._timer is not None:
            self._timer.cancel()
        import signal

        if hasattr(signal, "setitimer"):
            signal.setitimer(signal.ITIMER_REAL, 0)
        return True

    def wait_for_deadline_answer(self) -> None:
        """Let the firing timer finish its message and alert; it ends the process itself."""
        if self._timer is not None:
            self._timer.join(HARD_KILL_GRACE + 1.0)

    def _fire(self) -> None:
        with self._latch:
            if self._settled:
                return  # the main thread is already answering
            self._fired = True
        ctx = self._ctx
        message = (
            f"crane guard error: no decision within the guard's {self._seconds:g} s deadline"
            f"{ERROR_SUFFIX}. {ERROR_ADVICE}\n"
        )
        try:  # noqa: SIM105 (contextlib is one import more on every hook run)
            os.write(2, message.encode("utf-8"))
        except OSError:
            pass
        try:
            outcome = _raise_alert(ctx, "guard_timeout", f"deadline of {self._seconds:g} s exceeded",
                                   webhook_timeout=min(1.0, HARD_KILL_GRACE - 0.4))
            os.write(2, f"({ctx.redact(outcome)})\n".encode())
        except BaseException:  # noqa: S110 (the answer is already "blocked"; exit regardless)
            pass
        os._exit(EXIT_BLOCK)


# ---------------------------------------------------------------------------------------------
# Evaluation


def evaluate(
    raw: bytes,
    environ: Mapping[str, str],
    *,
    classifier: Classifier | None = None,
    load_config: ConfigLoader | None = None,
    ctx: _Context | None = None,
    watchdog: Watchdog | None = None,
    open_store: StoreOpener | None = None,
    agent: str = "claude",
) -> HookResult:
    """The whole decision for one hook input; never raises, every failure is a blocking result.

    `classifier` and `load_config` default to `crane.guard.see.classify.classify` and
    `crane.guard.rules.config.load_guard_config`; tests inject their own. `open_store(config,
    timeout)` gives the run state for the sticky flag (default `state.open_state`; the session
    supervisor passes its own, held in memory under a lock). `agent` names the client's hook
    protocol (claude, codex, gemini): how the input is read and the answer written.
    """
    ctx = ctx if ctx is not None else _Context(environ)
    try:
        return _evaluate(raw, environ, classifier, load_config, ctx, watchdog, open_store, agent)
    except DeadlinePassed as exc:
        return HookResult(EXIT_BLOCK, stderr=f"crane guard error: {exc.message}{ERROR_SUFFIX}\n")
    except BaseException as exc:  # fail closed on anything, even SystemExit/KeyboardInterrupt
        return guard_failure(ctx, exc)


def _evaluate(
    raw: bytes,
    environ: Mapping[str, str],
    classifier: Classifier | None,
    load_config: ConfigLoader | None,
    ctx: _Context,
    watchdog: Watchdog | None,
    open_store: StoreOpener | None = None,
    agent: str = "claude",
) -> HookResult:
    from crane.guard.run.redact import Redactor

    ctx.redactor = Redactor.from_environ(environ)
    call = parse_hook_input(raw, agent)
    ctx.tool = call.tool_name
    ctx.session_id = call.session_id
    ctx.run_id = environ.get("CRANE_RUN_ID") or call.session_id  # for alerts, before the config
    ctx.command = summarize(call.tool_name, call.tool_input)

    if load_config is None:
        from crane.guard.rules.config import load_guard_config

        config = load_guard_config(environ, cwd=call.cwd)  # the cwd finds a hand-started client's project
    else:
        config = load_config(environ)
    ctx.venture, ctx.env = config.venture, config.env
    ctx.state_dir, ctx.webhook = os.fspath(config.state_dir), config.alert_webhook
    deadline = _valid_deadline(float(config.deadline_seconds))
    if watchdog is not None:
        watchdog.arm(deadline)
    run_id = config.run_id or call.session_id
    if not run_id:
        raise HookInputError("no run id: CRANE_RUN_ID is not set and the hook input has no session_id")
    ctx.run_id = run_id

    if classifier is None:
        classifier = load_classifier()
    classification = classifier(call.tool_name, call.tool_input, cwd=call.cwd, config=config)
    _check_classification(classification)

    from crane.guard.run.decide import decide

    newly_set = False
    if classification.kind == "external_write":
        # Only external writes can be affected by the sticky flag, so only they pay for the store.
        if open_store is None:
            from crane.guard.run.state import open_state

            open_store = open_state
        store = open_store(config, timeout=min(1.0, deadline / 3))
        try:
            sticky = store.is_dry_run_active(run_id)
            verdict = decide(classification, config, sticky_active=sticky, command=ctx.command, redact=ctx.redact)
            if verdict.activate_sticky:
                newly_set = store.activate_dry_run(run_id, config.sticky_ttl_seconds)
        finally:
            store.close()
    else:
        verdict = decide(classification, config, sticky_active=False, command=ctx.command, redact=ctx.redact)

    reason = _clip(ctx.redact(verdict.reason))  # redact first: a clipped secret escapes redaction
    record: dict[str, Any] = _audit_base(ctx)
    record.update(
        cwd=call.cwd,
        tool_use_id=call.tool_use_id,
        permission_mode=call.permission_mode,
        classification=classification.kind,
        target=classification.target,
        rule=verdict.rule,
        why=classification.reason or None,
        decision=verdict.decision,
        reason=reason,
        dry_run=verdict.dry_run,
        sticky_set=newly_set,
    )
    from crane.guard.run.audit import append_audit

    if watchdog is not None and not watchdog.claim():
        # The deadline has answered this call already ("blocked"): record nothing that says otherwise.
        raise DeadlinePassed("no decision within the guard's deadline")
    # An audit that cannot be written is a broken guard: the exception blocks the call.
    append_audit(ctx.state_dir, ctx.redactor.redact_obj(record))
    return answer(verdict.decision, reason, agent)


def load_classifier() -> Classifier:
    """`crane.guard.see.classify.classify`, or a GuardRuntimeError saying why it cannot be had."""
    import importlib

    try:
        module = importlib.import_module("crane.guard.see.classify")
        classify = module.classify
    except Exception as exc:
        raise GuardRuntimeError(f"the classifier cannot be loaded: {type(exc).__name__}: {exc}") from exc
    if not callable(classify):
        raise GuardRuntimeError("the classifier cannot be loaded: crane.guard.see.classify.classify is not callable")
    return classify  # type: ignore[no-any-return]


def _check_classification(c: object) -> None:
    from crane.guard.model import KIND_RANK, TARGET_RANK, Classification

    if not isinstance(c, Classification):
        raise GuardRuntimeError(f"the classifier returned {type(c).__name__}, not a Classification")
    if c.kind not in KIND_RANK or c.target not in TARGET_RANK:
        raise GuardRuntimeError(f"the classifier returned an invalid kind/target {c.kind!r}/{c.target!r}")


def _audit_base(ctx: _Context) -> dict[str, Any]:
    from crane.guard.run.audit import clip, utc_now_iso

    return {
        "time": utc_now_iso(),
        "run_id": ctx.run_id,
        "session_id": ctx.session_id,
        "tool": ctx.tool,
        "command": clip(ctx.redact(ctx.command)) if ctx.command is not None else None,
        "venture": ctx.venture,
        "env": ctx.env,
    }


def _clip(text: str) -> str:
    return text if len(text) <= MAX_REASON else text[: MAX_REASON - 1] + "…"


def answer(decision: str, reason: str, agent: str = "claude") -> HookResult:
    """The wire form of a decision (see the module docstring; other agents: their adapter)."""
    if agent != "claude":
        code, out, err = agent_protocol(agent).render(decision, reason)
        return HookResult(code, stdout=out, stderr=err, decision=decision)
    if decision == "allow":
        return HookResult(EXIT_OK, decision="allow")
    if decision == "ask":
        out = {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "ask",
                "permissionDecisionReason": reason,
            }
        }
        return HookResult(EXIT_OK, stdout=json.dumps(out) + "\n", decision="ask")
    if decision in ("deny", "intercepted"):
        return HookResult(EXIT_BLOCK, stderr=reason + "\n", decision=decision)
    raise GuardRuntimeError(f"unknown decision {decision!r}")


# ---------------------------------------------------------------------------------------------
# Failure


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, CraneError):
        return f"{exc.message} ({exc.hint})" if exc.hint else exc.message
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _alert_state_dir(ctx: _Context) -> str | None:
    """The config's state dir, or (when the config could not be loaded) the default one."""
    if ctx.state_dir is not None:
        return ctx.state_dir
    override = ctx.environ.get("CRANE_STATE_DIR", "").strip()
    if override:
        return override
    try:
        from crane.paths import state_path

        return state_path()
    except Exception:
        return None


def _raise_alert(ctx: _Context, kind: str, error: str, *, webhook_timeout: float = 1.0,
                 extra: Mapping[str, Any] | None = None) -> str:
    """Record an alert; returns the note for stderr. Never raises for I/O trouble."""
    from crane.guard.run.alerts import build_alert, raise_alert
    from crane.guard.run.redact import Redactor

    redactor = ctx.redactor if ctx.redactor is not None else Redactor.from_environ(ctx.environ)
    record = build_alert(kind=kind, error=error, run_id=ctx.run_id, tool=ctx.tool, venture=ctx.venture,
                         env=ctx.env, extra={"command": ctx.command, **(extra or {})})
    outcome = raise_alert(record, state_dir=_alert_state_dir(ctx), redactor=redactor, webhook=ctx.webhook,
                          webhook_timeout=webhook_timeout)
    return outcome.note


def guard_failure(ctx: _Context, exc: BaseException) -> HookResult:
    """Block the call because the guard itself failed; alert and (best effort) audit it."""
    error = ctx.redact(describe_error(exc))
    message = f"crane guard error: {error}{ERROR_SUFFIX}. {ERROR_ADVICE}"
    note = ""
    try:
        import traceback

        trace = ctx.redact("".join(traceback.format_exception(exc)))[-3000:]
        note = _raise_alert(ctx, "guard_error", error, extra={"traceback": trace})
    except BaseException as alert_exc:
        note = f"alert could NOT be recorded: {describe_error(alert_exc)}"
    state_dir = _alert_state_dir(ctx)
    if state_dir is not None:
        try:
            from crane.guard.run.audit import append_audit

            record = _audit_base(ctx)
            record.update(decision="deny", rule="guard.error", reason=message)
            if ctx.redactor is not None:
                record = ctx.redactor.redact_obj(record)
            append_audit(state_dir, record)
        except BaseException:  # noqa: S110 (already blocking and alerting; nothing more to do)
            pass
    return HookResult(EXIT_BLOCK, stderr=_clip(ctx.redact(message)) + "\n" + ctx.redact(f"({note})") + "\n")


# ---------------------------------------------------------------------------------------------
# Entry point


def _emit(result: HookResult) -> int:
    code = result.exit_code if result.exit_code in (EXIT_OK, EXIT_BLOCK) else EXIT_BLOCK
    stderr = result.stderr
    if result.stdout:
        try:
            sys.stdout.buffer.write(result.stdout.encode("utf-8"))
            sys.stdout.buffer.flush()
        except BaseException as exc:
            # An "ask" that cannot be delivered must not turn into silence (= proceed).
            code = EXIT_BLOCK
            stderr += f"crane guard error: cannot write the decision: {describe_error(exc)}{ERROR_SUFFIX}\n"
    if stderr:
        try:
            sys.stderr.buffer.write(stderr.encode("utf-8", "replace"))
            sys.stderr.buffer.flush()
        except BaseException:  # noqa: S110 (exit 2 still blocks without a reason)
            pass
    return code


def main(*, classifier: Classifier | None = None, load_config: ConfigLoader | None = None,
         agent: str = "claude") -> NoReturn:
    """Entry point of the in-process path (the hook client without a supervisor, `crane-hook`).

    Never returns; exits 0 or 2.
    """
    code = EXIT_BLOCK
    try:
        environ = os.environ
        ctx = _Context(environ)
        watchdog: Watchdog | None = None
        try:
            watchdog = Watchdog(ctx)
            watchdog.arm(initial_deadline(environ))
            raw = sys.stdin.buffer.read()
            result = evaluate(raw, environ, classifier=classifier, load_config=load_config, ctx=ctx,
                              watchdog=watchdog, agent=agent)
        except BaseException as exc:
            result = guard_failure(ctx, exc)
        if watchdog is not None and not watchdog.settle():
            watchdog.wait_for_deadline_answer()
            os._exit(EXIT_BLOCK)
        code = _emit(result)
        if environ.get(DEBUG_MODULES_VAR, "").strip().lower() in ("1", "true", "yes", "on"):
            sys.stderr.write("crane guard modules: " + " ".join(sorted(sys.modules)) + "\n")
            sys.stderr.flush()
    except BaseException:
        code = EXIT_BLOCK
        try:  # noqa: SIM105 (contextlib is one import more on every hook run)
            os.write(2, f"crane guard error: internal failure{ERROR_SUFFIX}\n".encode())
        except BaseException:  # noqa: S110
            pass
    os._exit(code)


if __name__ == "__main__":
    main()
