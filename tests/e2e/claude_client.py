"""Find and run the real Claude Code client against :class:`AnthropicStub`.

``run_claude`` runs one ``claude -p`` session, hermetically: a throw-away HOME (so the
developer's ``~/.claude`` settings, hooks and credentials never take part), the API pointed at
the stub, every switch that makes the client phone home turned off, and the caller's own
Anthropic/Claude/crane variables removed from the environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .anthropic_stub import AnthropicStub

PINNED_VERSION = "2.1.332"
REPO_ROOT = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install-claude-code.sh"
INSTALL_TIMEOUT_S = 600
# Set to a fresh value for every run_claude call; see _kill_run.
RUN_TOKEN_VAR = "CRANE_TEST_RUN_TOKEN"
# Read once, at import (collection) time: tests/conftest.py's fence points HOME at a fresh
# temp dir for every test, and a cache under that HOME would mean a download per test.
_CACHE_ROOT = Path(os.environ.get("CRANE_TEST_CACHE") or Path.home() / ".cache" / "crane-test")

# Variables of the calling environment that would change what the client does or where it
# sends requests (a developer's API key, Bedrock/Vertex switches, CLAUDECODE=1 when pytest runs
# inside Claude Code, a real crane profile read by the guard under test).
_SCRUBBED_PREFIXES = ("ANTHROPIC_", "CLAUDE", "OTEL_", "CRANE_")

# The test machines have no internet: anything the client fetches on its own (update checks,
# telemetry, feature flags, the MCP registry, error reports) would at best add noise and at
# worst wait on a network timeout.
_QUIET_ENV = {
    "DISABLE_TELEMETRY": "1",
    "DISABLE_AUTOUPDATER": "1",
    "DISABLE_UPDATES": "1",
    "DISABLE_ERROR_REPORTING": "1",
    "DISABLE_GROWTHBOOK": "1",
    "DISABLE_INSTALLATION_CHECKS": "1",
    "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
    "CLAUDE_CODE_DISABLE_FEEDBACK_SURVEY": "1",
    "CLAUDE_CODE_DISABLE_TERMINAL_TITLE": "1",
    "CLAUDE_CODE_IDE_SKIP_AUTO_INSTALL": "1",
    # The stub never fails on purpose; a failed request should end the run at once rather
    # than sit through the client's retry back-off, and a stalled one should not wait 10 min.
    "CLAUDE_CODE_MAX_RETRIES": "0",
    "API_TIMEOUT_MS": "30000",
}


class ClaudeUnavailable(RuntimeError):
    """The pinned Claude Code client cannot be found or installed."""


class ClaudeTimeout(AssertionError):
    """A ``claude`` run outlived its timeout; carries what it had printed so far."""


@dataclass(frozen=True)
class Result:
    returncode: int
    stdout: str
    stderr: str
    # The final ``--output-format json`` object, None when stdout did not hold one.
    json_output: dict[str, Any] | None

    @property
    def permission_denials(self) -> list[dict[str, Any]]:
        denials = (self.json_output or {}).get("permission_denials")
        return denials if isinstance(denials, list) else []

    def describe(self) -> str:
        """The run's outputs, for assertion messages."""
        return f"returncode={self.returncode}\n--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}"


# -- locating the client ------------------------------------------------------------------


def pinned_version() -> str:
    # Same override the install script honours, so both agree on what "pinned" means.
    return os.environ.get("CRANE_CLAUDE_CODE_VERSION") or PINNED_VERSION


def default_install_dir(version: str | None = None) -> Path:
    return _CACHE_ROOT / f"claude-code-{version or pinned_version()}"


def client_version(claude: Path) -> str:
    """What ``claude --version`` prints, e.g. ``2.1.330 (Claude Code)``."""
    # A throw-away HOME: even --version must not touch the developer's ~/.claude.
    with tempfile.TemporaryDirectory(prefix="crane-claude-version-") as home:
        try:
            proc = subprocess.run(
                [str(claude), "--version"],
                capture_output=True,
                text=True,
                timeout=60,
                stdin=subprocess.DEVNULL,
                env={**_base_env(), **_QUIET_ENV, "HOME": home},
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ClaudeUnavailable(f"{claude} --version failed: {exc}") from exc
    if proc.returncode != 0:
        raise ClaudeUnavailable(f"{claude} --version exited {proc.returncode}: {proc.stderr.strip()}")
    return proc.stdout.strip()


def _reports_version(claude: Path, version: str) -> bool:
    # Whole-word match: "2.1.33" must not pass for "2.1.330".
    return version in client_version(claude).split()


def _run_install_script(version: str) -> Path:
    if not INSTALL_SCRIPT.is_file():
        raise ClaudeUnavailable(f"install script missing: {INSTALL_SCRIPT}")
    try:
        proc = subprocess.run(
            ["sh", str(INSTALL_SCRIPT)],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
            # Pass the cache root explicitly so the script installs where find_claude looks.
            env={**os.environ, "CRANE_CLAUDE_CODE_VERSION": version, "CRANE_TEST_CACHE": str(_CACHE_ROOT)},
        )
    except subprocess.TimeoutExpired as exc:
        raise ClaudeUnavailable(f"{INSTALL_SCRIPT} did not finish within {INSTALL_TIMEOUT_S}s") from exc
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise ClaudeUnavailable(
            f"{INSTALL_SCRIPT} failed (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}"
        )
    return Path(lines[-1])


def find_claude(*, install: bool = True) -> Path:
    """The pinned Claude Code binary.

    Order: ``$CRANE_TEST_CLAUDE``; the install script's cache directory; running the install
    script (when ``install``). Raises :class:`ClaudeUnavailable` with the reason otherwise,
    including when the binary found reports a different version than the pinned one: the
    contract tests describe that version's behaviour.
    """
    version = pinned_version()
    explicit = os.environ.get("CRANE_TEST_CLAUDE")
    if explicit:
        claude = Path(explicit).expanduser()
        if not (claude.is_file() and os.access(claude, os.X_OK)):
            raise ClaudeUnavailable(f"CRANE_TEST_CLAUDE={explicit} is not an executable file")
        origin = "CRANE_TEST_CLAUDE"
    else:
        cached = default_install_dir(version) / "node_modules" / ".bin" / "claude"
        if cached.is_file() and os.access(cached, os.X_OK):
            claude, origin = cached, "the test cache"
        elif install:
            claude, origin = _run_install_script(version), str(INSTALL_SCRIPT)
        else:
            raise ClaudeUnavailable(
                f"no Claude Code client: set CRANE_TEST_CLAUDE or run {INSTALL_SCRIPT.relative_to(REPO_ROOT)}"
            )
    if not _reports_version(claude, version):
        raise ClaudeUnavailable(
            f"{claude} (from {origin}) reports {client_version(claude)!r}, expected {version}; "
            "set CRANE_CLAUDE_CODE_VERSION to test another version on purpose"
        )
    return claude


# -- settings -------------------------------------------------------------------------------


def hook_settings(command: str, *, matcher: str = "*", timeout: int = 10) -> dict[str, Any]:
    """``--settings`` content with a single PreToolUse command hook (``timeout`` in seconds)."""
    return {
        "hooks": {
            "PreToolUse": [
                {"matcher": matcher, "hooks": [{"type": "command", "command": command, "timeout": timeout}]}
            ]
        }
    }


def fail_closed_wrapper(command: str, message: str = "guard failed") -> str:
    """The shell form that turns any non-zero exit of ``command`` into a block (exit 2)."""
    return f"{command} || {{ echo {shlex.quote(message)} >&2; exit 2; }}"


# -- running ----------------------------------------------------------------------------------


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}


def _no_proxy(existing: str | None) -> str:
    hosts = ["127.0.0.1", "localhost"]
    if existing:
        hosts += [h for h in existing.split(",") if h and h not in hosts]
    return ",".join(hosts)


def build_env(stub: AnthropicStub, home: Path, env_extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = _base_env()
    env.update(_QUIET_ENV)
    env.update(
        {
            "HOME": str(home),
            # Keep every per-user directory inside the throw-away HOME too.
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "ANTHROPIC_BASE_URL": stub.url,
            "ANTHROPIC_API_KEY": "dummy",
            # An HTTP(S)_PROXY inherited from CI must not swallow requests to the stub.
            "NO_PROXY": _no_proxy(os.environ.get("NO_PROXY")),
            "no_proxy": _no_proxy(os.environ.get("no_proxy")),
        }
    )
    if env_extra:
        env.update(env_extra)
    return env


def _settings_file(settings: Mapping[str, Any] | str | os.PathLike[str], home: Path) -> Path:
    if isinstance(settings, Mapping):
        # A file, not inline JSON: the reference notes inline JSON is re-split on Windows.
        path = home / "crane-test-settings.json"
        path.write_text(json.dumps(settings), encoding="utf-8")
        return path
    return Path(settings)


def _parse_json_output(stdout: str) -> dict[str, Any] | None:
    # The result object is normally all of stdout; fall back to the last line that parses in
    # case the client ever prints a warning before it.
    candidates = [stdout.strip(), *reversed(stdout.strip().splitlines())]
    for text in candidates:
        try:
            value = json.loads(text)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return None


def _tagged_processes(token: str) -> list[int]:
    """Pids whose environment carries this run's token (Linux /proc; empty elsewhere)."""
    needle = f"{RUN_TOKEN_VAR}={token}".encode()
    proc_root = Path("/proc")
    if not proc_root.is_dir():
        return []
    pids = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if needle in environ.split(b"\0"):
            pids.append(int(entry.name))
    return pids


def _kill_run(proc: subprocess.Popen[str], token: str, *, timed_out: bool) -> None:
    """Kill what this run left behind: the client on timeout, and every tagged descendant.

    The client starts each hook in a session of its own, so killing the client's process
    group misses a hung hook; the run token reaches hooks and Bash commands (they inherit the
    client's environment) and finds them even after they were re-parented to init.
    """
    if timed_out:
        # The group is still led by the live client here, so its id cannot have been reused.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    for pid in _tagged_processes(token):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def run_claude(
    prompt: str,
    *,
    settings: Mapping[str, Any] | str | os.PathLike[str],
    cwd: str | os.PathLike[str],
    stub: AnthropicStub,
    env_extra: Mapping[str, str] | None = None,
    allowed_tools: Sequence[str] = ("Bash",),
    timeout: float = 120,
    claude: str | os.PathLike[str] | None = None,
    extra_args: Sequence[str] = (),
    home: str | os.PathLike[str] | None = None,
) -> Result:
    """Run ``claude -p PROMPT --settings FILE --output-format json --allowedTools ...``.

    ``settings`` is a dict (written to a file) or a path. ``claude`` defaults to
    :func:`find_claude`. ``home`` keeps HOME (and the session transcript in it) for inspection;
    by default a temporary HOME is created and removed. Raises :class:`ClaudeTimeout` when the
    run exceeds ``timeout`` seconds, after killing the client and everything it started.
    """
    if prompt.startswith("-"):
        raise ValueError("a prompt starting with '-' would be read as an option")
    claude_bin = Path(claude) if claude is not None else find_claude()
    owned_home = home is None
    home_dir = Path(tempfile.mkdtemp(prefix="crane-claude-home-")) if home is None else Path(home)
    try:
        home_dir.mkdir(parents=True, exist_ok=True)
        settings_path = _settings_file(settings, home_dir)
        argv = [
            str(claude_bin),
            "-p",
            prompt,
            "--settings",
            str(settings_path),
            "--output-format",
            "json",
            *extra_args,
        ]
        if allowed_tools:
            # One comma-separated value last: --allowedTools is variadic and would swallow any
            # positional argument after it.
            argv += ["--allowedTools", ",".join(allowed_tools)]
        token = uuid.uuid4().hex
        proc = subprocess.Popen(
            argv,
            cwd=os.fspath(cwd),
            env={**build_env(stub, home_dir, env_extra), RUN_TOKEN_VAR: token},
            # -p reads piped stdin as extra prompt; give it an immediate EOF.
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_run(proc, token, timed_out=True)
            try:
                stdout, stderr = proc.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                # Something untagged (e.g. started with `env -i`) still holds the pipes.
                stdout, stderr = "", "(output unavailable: a child process kept the pipes open)"
            raise ClaudeTimeout(
                f"claude did not finish within {timeout}s\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
                f"\n--- stub requests ---\n{stub.describe_requests()}"
            ) from None
        finally:
            # Background Bash commands and stray hooks must not outlive the run.
            _kill_run(proc, token, timed_out=False)
        return Result(proc.returncode, stdout, stderr, _parse_json_output(stdout))
    finally:
        if owned_home:
            shutil.rmtree(home_dir, ignore_errors=True)
