"""The session's guard supervisor and the thin hook client, as real processes.

A supervisor is started the way `crane launch` starts it (crane.monitor.start_supervisor: its
configuration over a pipe, READY once the socket is bound); calls go through the real hook
command (`sh -c`, the client, the fail-closed wrapper). Properties only, never timings.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from crane.guard.run import client
from crane.guard.run.install import hook_command, policy_problems, self_check
from crane.monitor import Supervisor, SupervisorError, start_supervisor

from .conftest import base_env, encode, hook_input, read_jsonl, write_profile

PROD_WRITE = "npx wrangler deploy --env production"
DRY_WRITE = "npx wrangler r2 object put bucket/key-{i} --file f{i} --remote"


@pytest.fixture(autouse=True)
def _needs_installed_crane(isolated_python: str, classify_available: object) -> None:
    """The supervisor and the client run with `python -I`: crane must be installed."""


def session_env(tmp_path: Path, *, env: str = "dev", dry_run: bool = False, guard: str = "",
                **extra: str) -> dict[str, str]:
    profile = write_profile(tmp_path / "profiles", guard=guard)
    values = {
        "CRANE_PROFILE": str(profile), "CRANE_ENV": env, "CRANE_VENTURE_CODE": "demo",
        "CRANE_RUN_ID": "run-" + uuid.uuid4().hex, "CRANE_AGENT": "1", "CRANE_DRY_RUN": "1" if dry_run else "0",
        "CRANE_INJECTED": "DEMO_API_KEY", "DEMO_API_KEY": "canary-" + uuid.uuid4().hex,
    }
    values.update(extra)
    return base_env(tmp_path, **values)


def start(started: list[Supervisor], env: dict[str, str]) -> tuple[Supervisor, dict[str, str], str]:
    sup = start_supervisor(env)
    started.append(sup)
    agent_env = {**env, **sup.env_vars()}
    return sup, agent_env, hook_command(sys.executable, socket=sup.socket_path, pid=sup.pid)


def call(command: str, hook: str, env: dict[str, str], cwd: Path,
         **payload: object) -> subprocess.CompletedProcess[bytes]:
    data = hook_input(command=command, cwd=str(cwd), **payload)
    return subprocess.run(["/bin/sh", "-c", hook], input=encode(data), capture_output=True, env=env, cwd=cwd,
                          timeout=60, check=False)


def test_supervisor_denies_a_production_write_from_staging_and_allows_reads(tmp_path: Path,
                                                                            started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    sup, agent_env, hook = start(started, env)
    assert stat.S_IMODE(os.stat(sup.socket_dir).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(sup.drop_dir).st_mode) == 0o700
    assert os.listdir(sup.socket_dir) == ["guard.sock"]  # alone in its directory (bound read-only)
    denied = call(PROD_WRITE, hook, agent_env, tmp_path)
    assert denied.returncode == 2 and denied.stdout == b""
    assert denied.stderr.startswith(b"crane: NOT executed"), denied.stderr
    read = call("git status", hook, agent_env, tmp_path)
    assert (read.returncode, read.stdout, read.stderr) == (0, b"", b"")
    rows = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert [r["decision"] for r in rows] == ["deny", "allow"]
    assert {r["run_id"] for r in rows} == {env["CRANE_RUN_ID"]}


def test_an_ask_is_relayed_byte_for_byte(tmp_path: Path, started: list[Supervisor]) -> None:
    _, agent_env, hook = start(started, session_env(tmp_path, env="prod"))
    asked = call(PROD_WRITE, hook, agent_env, tmp_path)
    assert asked.returncode == 0
    answer = json.loads(asked.stdout)
    assert answer["hookSpecificOutput"]["permissionDecision"] == "ask"
    assert answer["hookSpecificOutput"]["hookEventName"] == "PreToolUse"


def test_edits_on_disk_do_not_change_the_running_guard(tmp_path: Path, started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    _, agent_env, hook = start(started, env)
    profile = Path(env["CRANE_PROFILE"])
    # The agent switches the gate off, corrupts the TOML cache and the profile: the session's guard
    # was read at start and stays as it was.
    profile.write_text(profile.read_text() + '[guard]\nproduction_gate = "off"\nproduction_envs = []\n')
    cache = Path(env["HOME"]) / ".cache" / "crane" / "toml"
    cache.mkdir(parents=True, exist_ok=True)
    for name in os.listdir(cache):
        (cache / name).write_bytes(b"garbage")
    assert call(PROD_WRITE, hook, agent_env, tmp_path).returncode == 2
    profile.write_text("this is not TOML [[[")
    again = call(PROD_WRITE, hook, agent_env, tmp_path)
    assert again.returncode == 2 and again.stderr.startswith(b"crane: NOT executed")


def test_sticky_flag_survives_a_deleted_state_db(tmp_path: Path, started: list[Supervisor]) -> None:
    # The first interception sets the flag; the agent then deletes the run state (and the WAL).
    _, agent_env, hook = start(started, session_env(tmp_path, dry_run=True))
    assert call(DRY_WRITE.format(i=1), hook, agent_env, tmp_path).returncode == 2
    state_files = [n for n in os.listdir(tmp_path / "state") if n.startswith("state.db")]
    assert state_files  # written through, for the record
    for name in state_files:
        os.unlink(tmp_path / "state" / name)
    later = call("curl -X POST https://api.example.com/items/1", hook, agent_env, tmp_path)
    assert later.returncode == 2 and b"NOT executed" in later.stderr
    assert b"earlier write in this run was intercepted" in later.stderr


def test_100_calls_at_once_are_all_answered_consistently_with_one_sticky_flag(
        tmp_path: Path, started: list[Supervisor]) -> None:
    env = session_env(tmp_path, dry_run=True)
    _, agent_env, hook = start(started, env)
    commands = [DRY_WRITE.format(i=i) if i % 2 else "git status" for i in range(100)]
    barrier = threading.Barrier(len(commands))

    def one(command: str) -> tuple[str, subprocess.CompletedProcess[bytes]]:
        barrier.wait()
        return command, call(command, hook, agent_env, tmp_path)

    with ThreadPoolExecutor(len(commands)) as pool:
        results = list(pool.map(one, commands))
    for command, proc in results:
        if command == "git status":
            assert (proc.returncode, proc.stdout) == (0, b""), proc.stderr
        else:
            assert proc.returncode == 2 and proc.stdout == b"", proc.stderr
            assert b"NOT executed" in proc.stderr and b"crane guard error" not in proc.stderr, proc.stderr
    rows = read_jsonl(tmp_path / "state" / "audit.jsonl")
    assert len(rows) == 100
    assert sum(1 for r in rows if r.get("sticky_set")) == 1
    assert {r["decision"] for r in rows if r["classification"] == "external_write"} == {"intercepted"}


def test_secrets_never_reach_the_supervisors_argv_or_environment(tmp_path: Path,
                                                                   started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    sup, _, _ = start(started, env)
    canary = env["DEMO_API_KEY"].encode()
    assert canary not in Path(f"/proc/{sup.pid}/cmdline").read_bytes()
    assert canary not in Path(f"/proc/{sup.pid}/environ").read_bytes()


def test_the_self_check_goes_through_the_client_and_the_supervisor(tmp_path: Path,
                                                                    started: list[Supervisor]) -> None:
    # A production dry-run session: the self-check still asks as a staging session (and leaves
    # the session's state and audit alone).
    env = session_env(tmp_path, env="prod", dry_run=True)
    _, agent_env, hook = start(started, env)
    result = self_check(hook, agent_env)
    assert result.ok, result.problems
    assert not (tmp_path / "state" / "audit.jsonl").exists()


def test_a_profile_that_cannot_be_read_stops_the_launch_naming_the_file(tmp_path: Path) -> None:
    env = session_env(tmp_path, guard='[guard]\nproduction_gate = "sometimes"\n')
    with pytest.raises(SupervisorError) as info:
        start_supervisor(env)
    assert "did not start" in info.value.message and "guard.production_gate" in info.value.message
    assert env["CRANE_PROFILE"] in info.value.message


# ---------------------------------------------------------------------------------------------
# Fail closed: the client against a missing, dead, stopped or fake supervisor


def drop_alerts(sup: Supervisor) -> list[str]:
    return sorted(os.listdir(sup.drop_dir))


def assert_failed_closed(proc: subprocess.CompletedProcess[bytes], words: str) -> None:
    assert proc.returncode == 2 and proc.stdout == b"", proc
    assert proc.stderr.startswith(b"crane guard error: "), proc.stderr
    assert words.encode() in proc.stderr, proc.stderr


def test_dead_supervisor_blocks_and_alerts(tmp_path: Path, started: list[Supervisor]) -> None:
    env = session_env(tmp_path)
    sup, agent_env, hook = start(started, env)
    sup.watch()
    os.kill(sup.pid, signal.SIGKILL)
    sup.proc.wait()
    proc = call("git status", hook, agent_env, tmp_path)
    assert_failed_closed(proc, "unreachable")
    assert len(drop_alerts(sup)) == 1
    sup.stop()
    kinds = [a["kind"] for a in read_jsonl(tmp_path / "state" / "alerts.jsonl")]
    assert "supervisor_died" in kinds and "client_error" in kinds
    client_alert = next(a for a in read_jsonl(tmp_path / "state" / "alerts.jsonl") if a["kind"] == "client_error")
    assert client_alert["client_reported"] is True and client_alert["run_id"] == env["CRANE_RUN_ID"]
    assert not os.path.exists(sup.socket_dir) and not os.path.exists(sup.drop_dir)


def test_stopped_supervisor_blocks_at_the_clients_deadline(tmp_path: Path, started: list[Supervisor]) -> None:
    sup, agent_env, hook = start(started, session_env(tmp_path))
    os.kill(sup.pid, signal.SIGSTOP)
    try:
        proc = call("git status", hook, agent_env, tmp_path)
    finally:
        os.kill(sup.pid, signal.SIGCONT)
    assert_failed_closed(proc, f"no answer from the guard supervisor within {client.CLIENT_DEADLINE:g} s")


class FakeServer:
    """Something else listening where the supervisor's socket was: it answers whatever it is told."""

    def __init__(self, path: str, answer: bytes) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(8)
        self.answer = answer
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    conn.recv(1 << 20)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


ALLOW = client.encode_answer(0, b"", b"")


@pytest.mark.parametrize(("answer", "words"), [
    (b"", "garbled answer"),
    (b"HTTP/1.1 200 OK\r\n\r\n{}", "garbled answer"),
    (client.encode_answer(0, b"", b"")[:-2], "garbled answer"),
    (client.encode_answer(0, b"", b"") + b"x", "length mismatch"),
    (client.encode_answer(1, b"", b""), "exit code 1"),
    (client.encode_answer(2, b"{}", b""), "block with output on stdout"),
])
def test_garbled_answers_block(tmp_path: Path, answer: bytes, words: str) -> None:
    path = str(tmp_path / "s")
    server = FakeServer(path, answer)
    try:
        proc = call("git status", hook_command(sys.executable, socket=path), base_env(tmp_path), tmp_path)
    finally:
        server.close()
    assert_failed_closed(proc, words)


def test_an_impostor_at_the_socket_is_not_believed(tmp_path: Path, started: list[Supervisor]) -> None:
    sup, agent_env, hook = start(started, session_env(tmp_path))
    # Without a sandbox the agent can replace the socket with its own allow-everything server.
    os.unlink(sup.socket_path)
    server = FakeServer(sup.socket_path, ALLOW)
    try:
        proc = call(PROD_WRITE, hook, agent_env, tmp_path)
    finally:
        server.close()
    assert_failed_closed(proc, "is not crane's guard supervisor")
    assert len(drop_alerts(sup)) == 1


def test_the_pid_in_the_hook_command_wins_over_the_environment(tmp_path: Path, started: list[Supervisor]) -> None:
    sup, agent_env, hook = start(started, session_env(tmp_path))
    os.unlink(sup.socket_path)
    server = FakeServer(sup.socket_path, ALLOW)
    try:
        # The agent cannot change the hook command; pointing the environment at its own pid does not help.
        proc = call(PROD_WRITE, hook, {**agent_env, client.PID_VAR: str(os.getpid())}, tmp_path)
    finally:
        server.close()
    assert_failed_closed(proc, "is not crane's guard supervisor")


def test_without_a_socket_the_client_runs_the_in_process_hook(tmp_path: Path) -> None:
    env = session_env(tmp_path)
    proc = call(PROD_WRITE, hook_command(sys.executable), env, tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith(b"crane: NOT executed"), proc.stderr


def test_the_client_imports_only_the_standard_librarys_smallest_parts(tmp_path: Path,
                                                                     started: list[Supervisor]) -> None:
    sup, _, _ = start(started, session_env(tmp_path))
    code = (
        "import sys; before = set(sys.modules)\n"
        "from crane.guard.run import client\n"
        "body = sys.stdin.buffer.read()\n"
        f"code, out, err = client.ask_supervisor({sup.socket_path!r}, {{'agent': 'claude'}}, body, "
        f"expected_pid={sup.pid})\n"
        "assert code == 0, err\n"
        "print(' '.join(sorted(set(sys.modules) - before)))\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], input=encode(hook_input(command="git status")),
                          capture_output=True, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded = set(proc.stdout.decode().split())
    assert loaded - modules_of_import_crane() <= CLIENT_MODULES, loaded
    assert not loaded & HEAVY


# The modules the client may add to what `import crane` loads (the config module's own, checked
# in tests/core/test_imports.py); HEAVY must never be among them.
CLIENT_MODULES = {"crane.guard", "crane.guard.run", "crane.guard.run.client", "_socket", "time", "_signal"}
HEAVY = {"json", "socket", "enum", "typing", "re", "struct", "signal", "tomllib", "sqlite3", "tree_sitter"}


def modules_of_import_crane() -> set[str]:
    code = "import sys; before = set(sys.modules); import crane; print(' '.join(sorted(set(sys.modules) - before)))"
    proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, check=True, timeout=60)
    return set(proc.stdout.decode().split())


def test_client_main_module_set(tmp_path: Path, started: list[Supervisor]) -> None:
    """The entry point itself (argv parsing, the alarm, the relay) adds nothing else."""
    sup, agent_env, _ = start(started, session_env(tmp_path))
    code = (
        "import sys, os; before = set(sys.modules)\n"
        "real_exit = os._exit\n"
        "def report(code):\n"
        "    sys.stderr.write('MODULES ' + ' '.join(sorted(set(sys.modules) - before)) + '\\n'); sys.stderr.flush()\n"
        "    real_exit(code)\n"
        "os._exit = report\n"
        f"sys.argv = ['-c', '--agent', 'claude', '--socket', {sup.socket_path!r}, '--pid', '{sup.pid}']\n"
        "from crane.guard.run.client import main; main()\n"
    )
    proc = subprocess.run([sys.executable, "-I", "-c", code], input=encode(hook_input(command="git status")),
                          capture_output=True, env=agent_env, check=False, timeout=60)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.decode().splitlines() if x.startswith("MODULES"))
    loaded = set(line.split()[1:])
    assert loaded - modules_of_import_crane() <= CLIENT_MODULES, loaded
    assert not loaded & HEAVY


# ---------------------------------------------------------------------------------------------
# Settings layers crane cannot outrank


@pytest.mark.parametrize(("content", "words"), [
    ('{"allowManagedHooksOnly": true}', "allowManagedHooksOnly"),
    ('{"disableAllHooks": true}', "disableAllHooks"),
    ("{not json", "cannot read managed settings"),
])
def test_a_managed_policy_that_switches_the_hook_off_fails_the_check(tmp_path: Path, content: str,
                                                                     words: str) -> None:
    managed = tmp_path / "etc-claude-code"
    (managed / "managed-settings.d").mkdir(parents=True)
    path = managed / "managed-settings.d" / "50-org.json"
    path.write_text(content)
    env = {"CRANE_CLAUDE_MANAGED_PATHS": str(managed)}
    [problem] = policy_problems(env)
    assert str(path) in problem and words in problem
    (managed / "managed-settings.json").write_text('{"allowManagedHooksOnly": false, "disableAllHooks": false}')
    assert len(policy_problems(env)) == 1
    shutil.rmtree(managed / "managed-settings.d")
    assert policy_problems(env) == []


def test_the_in_process_path_does_not_believe_a_forged_toml_cache(tmp_path: Path) -> None:
    """The hand-installed (weaker) mode reads rules and profile from their bytes, not the cache."""
    import marshal

    from crane._toml import _cache_file, _stamp
    from crane.guard.rules.data import RULES_FILE

    env = session_env(tmp_path, env="prod", XDG_CACHE_HOME=str(tmp_path / "cache"))
    profile = env["CRANE_PROFILE"]
    forged = {"guard": {"production_gate": "off", "production_envs": []}, "rules": [], "programs": {},
              "api": {"prod": "https://api.example.com"}, "secrets": {"provider": "dotenv"}}
    for path in (profile, RULES_FILE):
        # The key (path, mtime, size) is as easy for the agent to compute as for crane.
        cache = Path(str(_cache_file(os.path.abspath(path))).replace(
            str(Path.home() / ".cache"), str(tmp_path / "cache"), 1))
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_bytes(marshal.dumps((*_stamp(os.path.abspath(path), os.stat(path)), forged)))
    asked = call(PROD_WRITE, hook_command(sys.executable), env, tmp_path)
    assert asked.returncode == 0 and b'"ask"' in asked.stdout, asked


def test_past_the_sessions_deadline_the_call_is_blocked_and_nothing_says_otherwise(
        tmp_path: Path, started: list[Supervisor]) -> None:
    import time

    # A deadline no classification can meet, and a command that takes a while to parse.
    env = session_env(tmp_path, guard="[guard]\ndeadline_seconds = 0.0001\n")
    env.pop("CRANE_GUARD_DEADLINE", None)  # the suite's fence sets the longest deadline; the profile's decides here
    _, agent_env, hook = start(started, env)
    command = "; ".join(f"echo {i} | grep -v x" for i in range(3000))
    proc = call(command, hook, agent_env, tmp_path)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.startswith(b"crane guard error: no decision within the guard's"), proc.stderr
    time.sleep(2)  # room for a late worker to (wrongly) record its decision
    assert read_jsonl(tmp_path / "state" / "audit.jsonl") == []
    assert [a["kind"] for a in read_jsonl(tmp_path / "state" / "alerts.jsonl")] == ["guard_timeout"]
