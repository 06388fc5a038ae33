"""Fixtures for the guard runtime: a real redis-server per test session, run-state backends
parametrized over SQLite and Redis, hook inputs, and helpers that run the hook as a process."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from crane.guard.rules.config import GuardConfig
from crane.guard.run.state import RunState, open_state
from tests.e2e.conftest import anthropic_stub, claude_bin, workdir  # noqa: F401 (the real-client fixtures)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from crane.monitor import Supervisor

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
LAUNCHER = REPO / "launcher"
FAKE_HOOK = HERE / "fake_hook.py"


# ---------------------------------------------------------------------------------------------
# Redis


class RedisServer:
    def __init__(self, port: int, password: str) -> None:
        self.port = port
        self.password = password

    def url(self, db: int = 0, *, password: str | None = None, username: str = "") -> str:
        pw = self.password if password is None else password
        return f"redis://{username}:{pw}@127.0.0.1:{self.port}/{db}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _redis_exe() -> str | None:
    found = shutil.which("redis-server")
    if found:
        return found
    return "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None


def _ping(port: int, password: str) -> bool:
    from crane.guard.run.resp import RespConnection

    try:
        with RespConnection.connect("127.0.0.1", port, timeout=0.5) as conn:
            conn.command("AUTH", password)
            return conn.command("PING") == "PONG"
    except Exception:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    exe = _redis_exe()
    if exe is None:
        reason = "redis-server is not installed (needed for the Redis run-state backend tests)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    redis_dir = tmp_path_factory.mktemp("redis")
    password = "crane-test-" + uuid.uuid4().hex
    last_error = ""
    for _attempt in range(3):  # a free port can be taken between probe and bind: retry
        port = free_port()
        proc = subprocess.Popen(
            [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--requirepass", password, "--dir", str(redis_dir), "--daemonize", "no", "--databases", "16"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60  # readiness wait, not a speed limit
        while time.monotonic() < deadline and proc.poll() is None:
            if _ping(port, password):
                try:
                    yield RedisServer(port, password)
                finally:
                    proc.terminate()
                    try:
                        proc.wait(5)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                return
            time.sleep(0.05)
        proc.kill()
        out = proc.communicate()[0]
        last_error = out.decode(errors="replace")[-500:]
    pytest.fail(f"redis-server did not start: {last_error}")


# ---------------------------------------------------------------------------------------------
# Run state, both backends


class Backend:
    """How one test reaches one backend: a config to open it, and env vars for hook processes."""

    def __init__(self, name: str, state_dir: Path, state_url: str | None) -> None:
        self.name = name
        self.state_dir = state_dir
        self.state_url = state_url

    def config(self, **changes: Any) -> GuardConfig:
        return GuardConfig(state_dir=self.state_dir, state_url=self.state_url, **changes)

    def open(self, timeout: float = 30.0) -> RunState:  # a hang guard: no test here is about its length
        return open_state(self.config(), timeout=timeout)

    def env(self) -> dict[str, str]:
        env = {"CRANE_STATE_DIR": str(self.state_dir)}
        if self.state_url:
            env["CRANE_STATE_URL"] = self.state_url
        return env


@pytest.fixture(params=["sqlite", "redis"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    state_dir = tmp_path / "state"
    if request.param == "sqlite":
        return Backend("sqlite", state_dir, None)
    server: RedisServer = request.getfixturevalue("redis_server")
    return Backend("redis", state_dir, server.url(db=1))


@pytest.fixture
def run_id() -> str:
    # Unique per test: the Redis server is shared by the whole session.
    return "run-" + uuid.uuid4().hex


# ---------------------------------------------------------------------------------------------
# Hook input and processes


def hook_input(tool_name: str = "Bash", tool_input: Mapping[str, Any] | None = None, *,
               command: str | None = None, session_id: str = "sess-1", cwd: str = "/tmp",
               **extra: Any) -> dict[str, Any]:
    if tool_input is None:
        tool_input = {"command": command if command is not None else "git status", "description": "x"}
    data: dict[str, Any] = {
        "session_id": session_id,
        "transcript_path": "/tmp/t.jsonl",
        "cwd": cwd,
        "permission_mode": "default",
        "hook_event_name": "PreToolUse",
        "tool_name": tool_name,
        "tool_input": dict(tool_input),
        "tool_use_id": "toolu_01",
    }
    data.update(extra)
    return data


def encode(data: Mapping[str, Any]) -> bytes:
    return json.dumps(data).encode()


def base_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The fenced environment plus crane's package path and a private temp dir (alert fallback)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(LAUNCHER), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    tmp = tmp_path / "systmp"
    tmp.mkdir(exist_ok=True)
    env["TMPDIR"] = str(tmp)
    env["CRANE_STATE_DIR"] = str(tmp_path / "state")
    # The deadline is not what most tests are about: give them the longest the hook allows (the
    # real hook caps it at its MAX_DEADLINE; fake_hook.py lifts the cap), so a loaded machine
    # cannot turn an expected answer into a timeout. Deadline tests set their own.
    env["CRANE_GUARD_DEADLINE"] = "120"
    env["FAKE_HOOK_MAX_DEADLINE"] = "120"
    env.update(extra)
    return env


def run_fake_hook(data: Mapping[str, Any] | bytes, env: Mapping[str, str], *,
                  timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    stdin = data if isinstance(data, bytes) else encode(data)
    return subprocess.run([sys.executable, str(FAKE_HOOK)], input=stdin, capture_output=True,
                          env=dict(env), timeout=timeout, check=False)


def write_profile(directory: Path, code: str = "demo", guard: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "prod.env").write_text("DEMO_API_KEY=x\n")
    path = directory / f"{code}.toml"
    path.write_text(
        '[api]\nprod = "https://api.example.com"\ndev = "https://staging-api.example.com"\n'
        '[secrets]\nprovider = "dotenv"\n[secrets.dotenv]\nprod = "prod.env"\n' + guard
    )
    return path


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def classify_available() -> Callable[..., Any]:
    """The real classifier, or a skip while it is still being written."""
    import importlib.util

    if importlib.util.find_spec("crane.guard.see.classify") is None:
        pytest.skip("crane.guard.see.classify is not there yet")
    from crane.guard.run.hook import load_classifier

    return load_classifier()


@pytest.fixture(scope="session")
def isolated_python() -> str:
    """An interpreter that finds crane under `-I` (PYTHONPATH is ignored there): an installed crane."""
    probe = subprocess.run([sys.executable, "-I", "-c", "import crane.guard.run.hook"], capture_output=True,
                           cwd="/", check=False)
    if probe.returncode != 0:
        reason = ("crane is not installed in this interpreter (-I ignores PYTHONPATH); "
                  "run: pip install -e . --no-deps")
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return sys.executable


@pytest.fixture
def started() -> Iterator[list[Supervisor]]:
    """Guard supervisors a test starts (it appends them), stopped after the test."""
    sups: list[Supervisor] = []
    yield sups
    for sup in sups:
        sup.stop()
