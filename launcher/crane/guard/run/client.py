"""The hook command's client: forward one hook call to the session's guard supervisor, relay its answer.

Run by the agent for every tool call, as `<python> -I -c 'from crane.guard.run.client import
main; main()' --agent claude [--socket PATH --pid N]` inside the fail-closed shell wrapper of
install.py. The supervisor (supervisor.py, started by `crane launch`) holds the rules, the
profile, the run state, the audit log and the warm parser; this side only moves bytes, so its
import path is the interpreter's start-up plus `_socket` (no `socket`, `json`, `struct` or
`signal` modules: each of them pulls in `enum` or more).

Wire format (both directions length-prefixed, big-endian):
  request:  b"CRN1" | u32 header length | header (ASCII `key=value` lines: agent, check) |
            u32 body length | body (the hook's stdin, unchanged)
  answer:   b"CRN1" | u8 exit code (0 or 2) | u32 length | stdout | u32 length | stderr

FAIL CLOSED: no supervisor at the path, a peer that is not the supervisor crane started (checked
with SO_PEERCRED where the platform has it), no answer before CLIENT_DEADLINE, a short, long or
garbled answer, an exit code other than 0 or 2: exit 2, the reason on stderr, nothing on stdout,
and an alert dropped into CRANE_GUARD_DROP_DIR (the supervisor and `crane launch` file it into the
alerts log, marked client-reported). A kernel timer (SIGALRM, default action: terminate) backs
the deadline up; the shell wrapper turns that death into exit 2 as well.

Without a socket (neither `--socket` nor CRANE_GUARD_SOCKET: the hook was installed by hand with
`crane guard install`), the call runs the in-process hook (hook.py): the weaker mode, in which
everything the guard reads is within the agent's reach.
"""

from __future__ import annotations

import os
import sys

MAGIC = b"CRN1"
SOCKET_VAR = "CRANE_GUARD_SOCKET"
PID_VAR = "CRANE_GUARD_PID"
DROP_DIR_VAR = "CRANE_GUARD_DROP_DIR"
CHECK_VAR = "CRANE_GUARD_SELF_CHECK"  # set by crane's self-check: a synthetic staging call
# Seconds for connect + send + answer. The supervisor answers within its own deadline (at most
# hook.MAX_DEADLINE = 7 s); the agent's hook timeout is 10 s (install.HOOK_TIMEOUT).
CLIENT_DEADLINE = 8.0
BACKSTOP = 9.0  # SIGALRM: the process dies even if Python code cannot run any more
MAX_BODY = 1 << 28
MAX_ANSWER = 1 << 24
EXIT_OK = 0
EXIT_BLOCK = 2
ERROR_SUFFIX = "; the tool call was blocked"

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import NoReturn


class ClientError(Exception):
    """The supervisor's answer cannot be had or trusted; the call is blocked."""


def u32(n: int) -> bytes:
    return n.to_bytes(4, "big")


def encode_request(header: Mapping[str, str], body: bytes) -> bytes:
    head = "".join(f"{k}={v}\n" for k, v in header.items()).encode("ascii")
    return MAGIC + u32(len(head)) + head + u32(len(body)) + body


def encode_answer(exit_code: int, stdout: bytes, stderr: bytes) -> bytes:
    return MAGIC + bytes((exit_code,)) + u32(len(stdout)) + stdout + u32(len(stderr)) + stderr


def decode_answer(data: bytes) -> tuple[int, bytes, bytes]:
    """(exit code, stdout, stderr) of a complete answer; ClientError unless it is exactly one answer."""
    if len(data) < 13 or data[:4] != MAGIC:
        raise ClientError(f"garbled answer from the guard supervisor ({len(data)} bytes)")
    code = data[4]
    n = int.from_bytes(data[5:9], "big")
    if 9 + n + 4 > len(data):
        raise ClientError("short answer from the guard supervisor")
    stdout = data[9:9 + n]
    m = int.from_bytes(data[9 + n:13 + n], "big")
    if 13 + n + m != len(data):
        raise ClientError("garbled answer from the guard supervisor (length mismatch)")
    if code not in (EXIT_OK, EXIT_BLOCK):
        raise ClientError(f"the guard supervisor answered with exit code {code}")
    if code == EXIT_BLOCK and stdout:
        raise ClientError("the guard supervisor answered a block with output on stdout")
    return code, stdout, data[13 + n:]


def _options(argv: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--") and "=" in arg:
            key, _, value = arg[2:].partition("=")
            found[key] = value
        elif arg.startswith("--") and i + 1 < len(argv):
            found[arg[2:]] = argv[i + 1]
            i += 1
        i += 1
    return found


def _peer_pid(sock: object) -> int | None:
    """The connected peer's pid (SO_PEERCRED, Linux), None where the platform cannot tell."""
    import _socket

    option = getattr(_socket, "SO_PEERCRED", None)
    if option is None:
        return None
    raw = sock.getsockopt(_socket.SOL_SOCKET, option, 12)  # type: ignore[attr-defined]
    return int.from_bytes(raw[:4], sys.byteorder)


def ask_supervisor(path: str, header: Mapping[str, str], body: bytes, *, expected_pid: int | None,
                   deadline: float = CLIENT_DEADLINE) -> tuple[int, bytes, bytes]:
    """Send one call, return the supervisor's (exit code, stdout, stderr); ClientError on any doubt."""
    import _socket
    import time

    end = time.monotonic() + deadline
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.settimeout(deadline)
        try:
            sock.connect(path)
        except OSError as exc:
            raise ClientError(f"the guard supervisor is unreachable at {path}: {exc.strerror or exc}") from None
        if expected_pid is not None:
            pid = _peer_pid(sock)
            # 0: the peer lives outside our PID namespace (the supervisor, seen from inside the
            # sandbox); the agent cannot start a process there.
            if pid is not None and pid not in (expected_pid, 0):
                raise ClientError(f"the process at {path} (pid {pid}) is not crane's guard supervisor "
                                  f"(pid {expected_pid})")
        try:
            sock.sendall(encode_request(header, body))
            chunks = []
            size = 0
            while True:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                chunk = sock.recv(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_ANSWER:
                    raise ClientError("oversized answer from the guard supervisor")
                chunks.append(chunk)
        except TimeoutError:
            raise ClientError(f"no answer from the guard supervisor within {deadline:g} s") from None
        except OSError as exc:
            raise ClientError(f"lost the guard supervisor: {exc.strerror or exc}") from None
    finally:
        sock.close()
    return decode_answer(b"".join(chunks))


def drop_alert(directory: str | None, error: str, agent: str) -> str:
    """Leave a client-side alert where the supervisor and `crane launch` pick it up; a note for stderr."""
    if not directory:
        return "alert could NOT be recorded: no drop directory"
    import time

    name = f"{time.time_ns()}-{os.getpid()}.alert"
    text = f"time_ns={time.time_ns()}\nagent={agent}\nerror={error}\n".replace("\r", " ")
    try:
        fd = os.open(os.path.join(directory, name + ".tmp"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, text.encode("utf-8", "replace"))
        finally:
            os.close(fd)
        os.rename(os.path.join(directory, name + ".tmp"), os.path.join(directory, name))
    except OSError as exc:
        return f"alert could NOT be recorded: {exc.strerror or exc}"
    return "alert recorded"


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data):]


def main() -> NoReturn:
    """Entry point of the hook command. Never returns; exits 0 or 2."""
    code = EXIT_BLOCK
    try:
        try:
            import _signal  # type: ignore[import-not-found]

            # Backstop: SIGALRM's default action ends the process even if no Python code runs.
            _signal.setitimer(_signal.ITIMER_REAL, BACKSTOP)
        except (ImportError, AttributeError, OSError):
            pass
        options = _options(sys.argv[1:])
        agent = options.get("agent", "claude")
        environ = os.environ
        path = options.get("socket") or environ.get(SOCKET_VAR, "")
        if not path:
            from crane.guard.run.hook import main as in_process

            in_process(agent=agent)
        pid_text = options.get("pid") or environ.get(PID_VAR, "")
        try:
            body = sys.stdin.buffer.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise ClientError("hook input too large")
            expected = int(pid_text) if pid_text else None
            header = {"agent": agent}
            if environ.get(CHECK_VAR) == "1":
                header["check"] = "1"
            code, stdout, stderr = ask_supervisor(path, header, body, expected_pid=expected)
        except (ClientError, ValueError, OSError) as exc:
            error = str(exc) or type(exc).__name__
            note = drop_alert(options.get("drop-dir") or environ.get(DROP_DIR_VAR), error, agent)
            code, stdout = EXIT_BLOCK, b""
            stderr = (f"crane guard error: {error}{ERROR_SUFFIX}. Do not try to work around the guard; "
                      f"tell the user.\n({note})\n").encode("utf-8", "replace")
        if stdout:
            try:
                _write_all(1, stdout)
            except OSError:
                code = EXIT_BLOCK  # an "ask" that cannot be delivered must not turn into silence
        if stderr:
            try:  # noqa: SIM105 (contextlib is one import more on every tool call)
                _write_all(2, stderr)
            except OSError:
                pass
    except BaseException:
        code = EXIT_BLOCK
        try:  # noqa: SIM105
            os.write(2, f"crane guard error: internal failure of the hook client{ERROR_SUFFIX}\n".encode())
        except BaseException:  # noqa: S110
            pass
    os._exit(code)
