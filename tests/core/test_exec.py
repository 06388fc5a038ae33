"""Handing over to the child: exec for real, and the subprocess fallback's signals and exit codes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crane.errors import CommandNotFound
from crane.launch import run_subprocess
from tests.core.helpers import PY, run_crane, subprocess_env, write_venture

HARNESS = textwrap.dedent("""
    import json, os, sys
    from crane.launch import run_subprocess
    code = run_subprocess(json.loads(sys.argv[1]), dict(os.environ))
    print(f"harness-exit {code}", flush=True)
    sys.exit(code)
""")


def _harness(tmp_path: Path, child: str) -> subprocess.Popen[str]:
    script = tmp_path / "harness.py"
    script.write_text(HARNESS, encoding="utf-8")
    return subprocess.Popen([PY, str(script), json.dumps([PY, "-c", child])], env=subprocess_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("code", [0, 1, 42, 255])
def test_fallback_returns_the_exact_exit_code(tmp_path: Path, code: int) -> None:
    proc = _harness(tmp_path, f"import sys; sys.exit({code})")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == code, err
    assert f"harness-exit {code}" in out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGSEGV])
def test_fallback_maps_death_by_signal_to_128_plus_n(tmp_path: Path, sig: signal.Signals) -> None:
    proc = _harness(tmp_path, f"import os; os.kill(os.getpid(), {int(sig)})")
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + sig, err
    assert f"harness-exit {128 + sig}" in out


READY_THEN_WAIT = "print('ready', flush=True); import time; time.sleep(30)"
HANDLES_TERM = textwrap.dedent("""
    import signal, sys, time
    def bye(signum, frame):
        print(f"child got {signum}", flush=True)
        sys.exit(99)
    signal.signal(signal.SIGTERM, bye)
    print('ready', flush=True)
    time.sleep(30)
""")


def _signal_when_ready(proc: subprocess.Popen[str], sig: signal.Signals) -> str:
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    return out


@pytest.mark.parametrize(("sig", "expected"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_fallback_forwards_sigterm_and_sigint(tmp_path: Path, sig: signal.Signals, expected: int) -> None:
    proc = _harness(tmp_path, READY_THEN_WAIT)
    out = _signal_when_ready(proc, sig)
    # The harness itself survived (it printed and exited normally); the CHILD died of the signal.
    assert f"harness-exit {expected}" in out
    assert proc.returncode == expected


def test_fallback_forwards_to_a_child_that_handles_the_signal(tmp_path: Path) -> None:
    proc = _harness(tmp_path, HANDLES_TERM)
    out = _signal_when_ready(proc, signal.SIGTERM)
    assert "child got 15" in out
    assert "harness-exit 99" in out and proc.returncode == 99


def test_fallback_restores_signal_handlers() -> None:
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    assert run_subprocess([PY, "-c", "pass"], subprocess_env()) == 0
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before


def test_fallback_missing_command_is_127() -> None:
    with pytest.raises(CommandNotFound) as info:
        run_subprocess(["crane-no-such-command-xyz"], subprocess_env())
    assert info.value.exit_code == 127


# --- the real exec path, through `crane run` ----------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_venture(tmp_path / "profiles", "ex")
    return tmp_path


@pytest.mark.parametrize("code", [0, 1, 42])
def test_run_passes_the_exit_code_through(project: Path, code: int) -> None:
    rc, _, err = run_crane("run", "-v", "ex", "--", PY, "-c", f"import sys; sys.exit({code})", cwd=project)
    assert rc == code, err
    assert err == ""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_run_child_death_by_signal_is_crane_death_by_signal(project: Path, sig: signal.Signals) -> None:
    rc, _, _ = run_crane("run", "-v", "ex", "--", PY, "-c", f"import os; os.kill(os.getpid(), {int(sig)})",
                         cwd=project)
    assert rc == -sig  # crane became the child: the caller sees the signal itself, as with a shell


def test_run_execs_in_place(project: Path) -> None:
    """Exec, not spawn: the child has crane's PID, so signals and the terminal belong to it."""
    proc = subprocess.Popen([PY, "-c", "from crane.cli.main import entry; entry()", "run", "-v", "ex", "--", PY,
                             "-c", "import os; print(os.getpid())"], cwd=project, env=subprocess_env(),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
    out, _ = proc.communicate(timeout=30)
    assert int(out) == proc.pid


def test_run_sigterm_reaches_the_child(project: Path) -> None:
    proc = subprocess.Popen([PY, "-c", "from crane.cli.main import entry; entry()", "run", "-v", "ex", "--", PY,
                             "-c", HANDLES_TERM], cwd=project, env=subprocess_env(), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = _signal_when_ready(proc, signal.SIGTERM)
    assert "child got 15" in out and proc.returncode == 99


def test_output_is_flushed_before_exec(project: Path) -> None:
    # "ex" has no staging: a warning is printed before the exec, and must come out before the child's output.
    proc = subprocess.run([PY, "-c", "from crane.cli.main import entry; entry()", "run", "-v", "ex", "-e", "stg",
                           "--", PY, "-c", "import sys; print('child-output', file=sys.stderr)"],
                          cwd=project, env=subprocess_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, timeout=30)
    lines = proc.stdout.splitlines()
    assert lines == ["Warning: staging not available for ex; using production secrets and API", "child-output"]


def test_run_missing_command_is_127(project: Path) -> None:
    rc, _, err = run_crane("run", "-v", "ex", "--", "crane-no-such-command-xyz", cwd=project)
    assert rc == 127
    assert "crane-no-such-command-xyz" in err and "Traceback" not in err


def test_stdin_is_the_childs(project: Path) -> None:
    proc = subprocess.run([PY, "-c", "from crane.cli.main import entry; entry()", "run", "-v", "ex", "--", PY, "-c",
                           "import sys; print(sys.stdin.read().upper())"], cwd=project, env=subprocess_env(),
                          input="piped in", capture_output=True, text=True, timeout=30)
    assert proc.stdout.strip() == "PIPED IN"


if sys.platform == "win32":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX exec and signals")
