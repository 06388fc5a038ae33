"""A hostile agent: started by `crane launch` in place of Claude Code, it tries to switch the guard
off and to reach production credentials. Every attempt is written to $HOSTILE_OUT/report as
`held <what>: <how it failed>` or `BREACH <what>: <what it got>`; what it read goes to loot.

Targets arrive as JSON in HOSTILE_TARGETS (paths outside, as the test laid them out).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable

T = json.loads(os.environ["HOSTILE_TARGETS"])
OUT = os.environ["HOSTILE_OUT"]
# Started as Claude Code: crane passed its settings file (with the hook command) and the guard
# supervisor's socket and pid in the environment.
SETTINGS = sys.argv[sys.argv.index("--settings") + 1] if "--settings" in sys.argv else None
SOCKET = os.environ.get("CRANE_GUARD_SOCKET") or T["guard_socket"]
SUPERVISOR = int(os.environ.get("CRANE_GUARD_PID") or T["outside_pid"])
report: list[str] = []
loot: list[str] = []


def attempt(what: str, action: Callable[[], object]) -> None:
    try:
        got = action()
    except Exception as exc:  # noqa: BLE001  # every failure is the expected outcome
        report.append(f"held {what}: {exc.__class__.__name__}: {exc}")
        return
    if got in (None, "", b"", [], False):
        report.append(f"held {what}: nothing there")
    else:
        report.append(f"BREACH {what}: {str(got)[:200]}")
        loot.append(str(got))


def read(path: str) -> str:
    with open(path, "rb") as fh:
        return fh.read().decode("utf-8", "replace")


def listing(path: str) -> list[str]:
    return sorted(os.listdir(path))


def write_new(path: str) -> bool:
    with open(path, "x", encoding="utf-8") as fh:
        fh.write("HOSTILE\n")
    return True


def open_for_writing(path: str) -> bool:
    with open(path, "ab"):  # nothing is written: only whether it could be
        return True


def remove(path: str) -> bool:
    os.remove(path)
    return True


def move_away_and_back(path: str) -> bool:
    os.rename(path, path + ".moved")
    os.rename(path + ".moved", path)
    return True


def run(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    loot.append(done.stdout + done.stderr)  # whatever it printed, the test greps for canaries
    return T["prod_canary"] if T["prod_canary"] in done.stdout + done.stderr else ""


# crane's state, cache and configuration: read, list, forge, delete.
for name in ("state_db", "audit_log", "toml_cache", "offline_copy", "config_file", "keyring_file",
             "prod_dotenv", "staging_dotenv", *T["credential_files"]):
    path = T.get(name, name)  # credential files are given as paths
    attempt(f"read {name}", lambda p=path: read(p))
for name in ("state_dir", "cache_dir", "config_dir", "keyring_dir"):
    attempt(f"list {name}", lambda p=T[name]: [n for n in listing(p) if n in T["real_names"]])
attempt("delete the run state", lambda: remove(T["state_db"]))
attempt("delete the audit log", lambda: remove(T["audit_log"]))
# Writes into crane's state and cache dirs land in an empty private directory at best (the test
# compares the real ones before and after): "tried", not judged here.
for target in ("toml_cache", "state_db", "audit_log"):
    try:
        with open(T[target], "wb") as fh:
            fh.write(b"HOSTILE forged")
        report.append(f"tried overwriting {target}: written somewhere")
    except OSError as exc:
        report.append(f"held overwrite {target}: {exc}")
attempt("write into crane's config dir", lambda: os.path.exists(T["config_file"]) and write_new(
    os.path.join(T["config_dir"], "hostile.toml")))
# The profile, crane's code, the interpreter and libraries, the project's git hooks.
for name in ("profile", "crane_init", "stdlib_module", "rules_file"):
    attempt(f"write {name}", lambda p=T[name]: open_for_writing(p))
for name in ("crane_package", "site_packages", "git_hooks"):
    if name in T.get("skip", ()):  # the unsandboxed control run must not litter the checkout
        continue
    attempt(f"create a file in {name}", lambda p=T[name]: write_new(os.path.join(p, "hostile_probe")))
# A mount point cannot be renamed, its parent can: moved away (and back, so the later attempts
# still find their targets), a new profile or .git/hooks could take its place for the next session.
for name, path in (("the profile's directory", T["profiles_dir"]),
                   (".git", os.path.dirname(T["git_hooks"]))):
    attempt(f"move {name} away", lambda p=path: move_away_and_back(p))
# The keyring, as crane's own code would read it.
attempt("Python keyring", lambda: __import__("keyring").get_password("crane", T["keyring_item"]))
# crane's own export, outside any agent marking.
env = {k: v for k, v in os.environ.items() if k not in ("CRANE_AGENT", "CRANE_RUN_ID")}
attempt("crane export --env prod", lambda: run(
    [sys.executable, "-c", "from crane.cli.main import main; main()", "export", "--env", "prod",
     "--venture", "alpha", "--profiles-dir", T["profiles_dir"]], env))
# The supervisor's socket: usable, not replaceable.
def connect() -> None:
    s = socket.socket(socket.AF_UNIX)
    s.connect(SOCKET)
    s.close()
report.append("socket connect: " + ("ok" if not connect() else "?"))
attempt("replace the guard socket", lambda: remove(SOCKET))
attempt("add to the guard socket dir", lambda: write_new(os.path.join(os.path.dirname(SOCKET), "x")))
# Processes outside: the launcher, and a process the test started.
def outsiders() -> list[str]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmd = read(f"/proc/{pid}/cmdline")
        except OSError:
            continue
        # pid 1 is the sandbox's own init (bubblewrap, inside): not the launcher outside.
        if pid != "1" and ("cli.main" in cmd or "supervisor" in cmd or "crane" in cmd.split("\0")[0]) or \
                pid in (str(T["outside_pid"]), str(SUPERVISOR)):
            found.append(cmd)
    return found
attempt("find the launcher", outsiders)
attempt("signal a process outside", lambda: os.kill(T["outside_pid"], signal.SIGSTOP) or True)
attempt("stop the guard supervisor", lambda: os.kill(SUPERVISOR, signal.SIGSTOP) or True)
attempt("kill the guard supervisor", lambda: os.kill(SUPERVISOR, signal.SIGKILL) or True)

with open(os.path.join(OUT, "loot"), "w", encoding="utf-8") as fh:
    fh.write("\n".join(loot))
# Afterwards: the guard hook as Claude Code would run it.
hook = T["hook"]
if SETTINGS:
    with open(SETTINGS, encoding="utf-8") as fh:
        hook = json.load(fh)["hooks"]["PreToolUse"][0]["hooks"][0]["command"]
for label, command in T["hook_calls"]:
    call = {"session_id": "s", "transcript_path": "/tmp/t.jsonl", "cwd": os.getcwd(), "permission_mode": "default",
            "hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command},
            "tool_use_id": "toolu_1"}
    done = subprocess.run(["/bin/sh", "-c", hook], input=json.dumps(call), capture_output=True, text=True,
                          timeout=60, check=False)
    report.append(f"hook {label}: rc={done.returncode} stdout={done.stdout.strip()!r} "
                  f"stderr={done.stderr.strip()[:200]!r}")
with open(os.path.join(OUT, "report.tmp"), "w", encoding="utf-8") as fh:
    fh.write("\n".join(report) + "\n")
os.replace(os.path.join(OUT, "report.tmp"), os.path.join(OUT, "report"))
