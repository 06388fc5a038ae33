"""Scenarios that `crane launch codex` and `crane launch gemini` must both pass, written once.

Each scenario takes the client's stand-in (its script and its log of tool results), the client's
shell tool call (`exec_command` for Codex, `shell` for Gemini) and `launch(profiles)`, which runs
`crane launch` for that client; the per-client test files call them.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.scripted_server import Call, ScriptedServer
from tests.e2e.test_crane_launch_claude import write_venture

ShellCall = Callable[[str], Call]
Launch = Callable[[Path], Any]  # profiles dir -> the finished `crane launch`

STICKY_SCOPE = '[guard]\ndry_run_scope = ["wrangler.r2.object.put"]\n'


def sticky_dry_run(stub: ScriptedServer, shell: ShellCall, launch: Launch, tmp_path: Path, workdir: Path) -> None:
    """A dry run intercepts the first write, and stickily a second, different one; a local one runs."""
    stub.set_script([
        [shell(f"touch {workdir}/UPLOADED && npx wrangler r2 object put assets/logo.png --file x --remote")],
        [shell(f"touch {workdir}/PUSHED && git push origin main")],
        [shell(f"touch {workdir}/LOCAL_OK")],
    ])
    proc = launch(write_venture(tmp_path, STICKY_SCOPE))
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "UPLOADED").exists()
    assert not (workdir / "PUSHED").exists(), "the sticky dry run did not catch the second write"
    assert (workdir / "LOCAL_OK").exists()
    first, second, third = stub.tool_results
    for result in (first, second):
        assert "crane dry-run: NOT executed" in result["output"]
    assert "earlier write in this run was intercepted" in second["output"]
    assert "blocked" not in third["output"]


def broken_state_store(stub: ScriptedServer, shell: ShellCall, launch: Launch, tmp_path: Path,
                       workdir: Path) -> None:
    """The agent itself wrecks the run state on disk after the first interception (no sandbox
    here); the sticky dry run must still catch the next, different write, and a production
    write must still be refused."""
    state_db = tmp_path / "state" / "state.db"
    stub.set_script([
        [shell(f"touch {workdir}/UPLOADED && npx wrangler r2 object put a/b.png --file x --remote")],
        [shell(f"mkdir -p {state_db.parent} && printf 'not a database' > {state_db} && rm -f {state_db}-*")],
        [shell(f"touch {workdir}/PUSHED && git push origin main")],
    ])
    proc = launch(write_venture(tmp_path, STICKY_SCOPE))
    assert proc.returncode == 0, proc.stderr
    assert not (workdir / "UPLOADED").exists() and not (workdir / "PUSHED").exists()
    first, _, third = stub.tool_results
    assert "crane dry-run: NOT executed" in first["output"]
    assert "NOT executed" in third["output"] or "crane guard error" in third["output"]


# Code run inside the hook process before it decides (`adapter` is the agent's adapter module),
# and what the model must then be told.
ADAPTER_FAILURES = pytest.mark.parametrize(("code", "expected"), [
    # the adapter dies by SIGKILL while deciding
    ("import os, signal\nadapter.translate = lambda data: os.kill(os.getpid(), signal.SIGKILL)",
     "crane guard failed to run (exit 137)"),
    # the adapter raises
    ("def translate(data):\n    raise RuntimeError('adapter bug')\nadapter.translate = translate", "adapter bug"),
    # the adapter hangs: the guard's own deadline answers, well before the client's hook timeout
    ("import time\nadapter.translate = lambda data: time.sleep(120)", "no decision within the guard's"),
], ids=["crash", "exception", "slow"])


def sabotaged_hook_command(agent: str, code: str) -> str:
    """The real hook for `agent`, with `code` run first inside the hook process."""
    hook = (f"import crane.agents.{agent} as adapter\n" + code +
            f"\nfrom crane.guard.run.hook import main\nmain(agent='{agent}')")
    return f"{shlex.quote(sys.executable)} -I -c {shlex.quote(hook)} --agent {agent}"
