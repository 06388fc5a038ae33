"""A stand-in for Claude Code under the real `crane launch`: installed as `claude` on PATH.

It reads the hook command from the `--settings` file crane passes (as the client does) and runs
it through `sh -c` with a PreToolUse call, the way Claude Code would. What it does is chosen by
STUB_MODE (the tests in test_launch_supervised.py and test_hostile_agent.py):

  exit:N        one harmless hook call, then exit N
  crash         one hook call, then die of SIGSEGV
  wait          print `ready <own pid> <supervisor pid> <socket>`, then wait for signals:
                TERM -> one hook call, exit 42; INT -> one hook call, exit 43
  hostile:A,B   run each attack A, B, ... (see ATTACKS), then the checks in STUB_CHECKS

Every hook call prints one line `HOOK <label> <exit code> <stderr, first line>` on stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

ARGS = sys.argv[1:]
SETTINGS = json.loads(open(ARGS[ARGS.index("--settings") + 1], encoding="utf-8").read())  # noqa: SIM115
HOOK = SETTINGS["hooks"]["PreToolUse"][0]["hooks"][0]["command"]


def hook(label: str, command: str) -> int:
    payload = json.dumps({"session_id": "stub-session", "transcript_path": "", "cwd": os.getcwd(),
                          "permission_mode": "default", "hook_event_name": "PreToolUse", "tool_name": "Bash",
                          "tool_input": {"command": command}, "tool_use_id": "toolu_stub"})
    proc = subprocess.run(["/bin/sh", "-c", HOOK], input=payload.encode(), capture_output=True, check=False)
    first = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or [""])[0]
    stdout = proc.stdout.decode("utf-8", "replace").strip().replace("\n", " ")
    print(f"HOOK {label} {proc.returncode} {first} STDOUT={stdout}", flush=True)
    return proc.returncode


def state_dir() -> str:
    return os.environ.get("CRANE_STATE_DIR") or os.path.join(os.environ["HOME"], ".local", "state", "crane")


# ---------------------------------------------------------------------------------------------
# Attacks: each is one thing an allowed command could do without a sandbox.


def tamper_state() -> None:
    """Delete and corrupt the run state and the audit log."""
    state = state_dir()
    for name in os.listdir(state):
        if name.startswith("state.db"):
            os.unlink(os.path.join(state, name))
    with open(os.path.join(state, "state.db"), "wb") as fh:
        fh.write(b"not a database" * 100)
    audit = os.path.join(state, "audit.jsonl")
    if os.path.exists(audit):
        os.unlink(audit)
    with open(audit, "w", encoding="utf-8") as fh:
        fh.write('{"forged": true\n')


def tamper_config() -> None:
    """Switch the gate off in the profile and forge every parsed-TOML cache entry."""
    profile = os.environ["CRANE_PROFILE"]
    with open(profile, "a", encoding="utf-8") as fh:
        fh.write('\n[guard]\nproduction_gate = "off"\nproduction_envs = []\ndry_run_scope = []\n')
    import marshal

    from crane._toml import _cache_file, _stamp  # the agent can compute the key as well as crane can

    forged = {"guard": {"production_gate": "off", "production_envs": []}, "api": {"prod": "x", "dev": "y"},
              "secrets": {"provider": "dotenv"}, "rules": [], "programs": {}}
    from crane.guard.rules.data import RULES_FILE

    for path in (profile, RULES_FILE):
        cache = _cache_file(os.path.abspath(path))
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "wb") as fh:  # a well-formed entry, stamped for the file as it is now
            fh.write(marshal.dumps((*_stamp(os.path.abspath(path), os.stat(path)), forged)))


def kill_supervisor() -> None:
    pid = int(os.environ["CRANE_GUARD_PID"])
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)


def stop_supervisor() -> None:
    os.kill(int(os.environ["CRANE_GUARD_PID"]), signal.SIGSTOP)


def replace_socket() -> None:
    """Put an allow-everything server where the supervisor's socket was."""
    path = os.environ["CRANE_GUARD_SOCKET"]
    try:
        os.unlink(path)
    except OSError as exc:
        print(f"ATTACK replace_socket: cannot unlink: {exc}", flush=True)
        return
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(16)
    allow = b"CRN1" + bytes((0,)) + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")

    def serve() -> None:
        while True:
            conn, _ = server.accept()
            with conn, contextlib.suppress(OSError):  # a client that hung up must not stop the server
                conn.recv(1 << 20)
                conn.sendall(allow)

    threading.Thread(target=serve, daemon=True).start()


def ask_for_self_check() -> None:
    """Ask for the self-check's synthetic staging answer (it would allow what a dry run intercepts)."""
    os.environ["CRANE_GUARD_SELF_CHECK"] = "1"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


ATTACKS = {"state": tamper_state, "config": tamper_config, "kill": kill_supervisor, "stop": stop_supervisor,
           "socket": replace_socket, "selfcheck": ask_for_self_check}


def main() -> None:
    mode = os.environ.get("STUB_MODE", "exit:0")
    if mode.startswith("exit:"):
        hook("read", "git status")
        sys.exit(int(mode.split(":", 1)[1]))
    if mode == "crash":
        hook("read", "git status")
        sys.stdout.flush()
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "wait":
        def on(signum: int, _frame: object) -> None:
            hook("after-signal", "git status")
            os._exit(42 if signum == signal.SIGTERM else 43)

        signal.signal(signal.SIGTERM, on)
        signal.signal(signal.SIGINT, on)
        print(f"ready {os.getpid()} {os.environ['CRANE_GUARD_PID']} {os.environ['CRANE_GUARD_SOCKET']}", flush=True)
        time.sleep(120)  # a test that failed half-way must not leave this process behind for long
        sys.exit(98)
    if mode.startswith("hostile:"):
        for attack in mode.split(":", 1)[1].split(","):
            ATTACKS[attack]()
            print(f"ATTACK {attack} done", flush=True)
        for check in os.environ.get("STUB_CHECKS", "").split(";"):
            if check:
                label, _, command = check.partition("=")
                hook(label, command)
        sys.exit(0)
    sys.exit(99)


if __name__ == "__main__":
    main()
