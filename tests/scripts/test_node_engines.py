"""scripts/node_engines.py: one clear line per installed test client whose engines.node range
the machine's Node does not meet, generic over whatever clients the cache holds."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "node_engines.py"
sys.path.insert(0, str(SCRIPT.parent))
from node_engines import parse_version, satisfies  # type: ignore[import-not-found]  # noqa: E402


@pytest.mark.parametrize(("version", "spec", "expected"), [
    ("20.20.2", ">=22.0.0", False),
    ("22.0.0", ">=22.0.0", True),
    ("20.20.2", ">=20", True),
    ("16.0.0", ">=16", True),
    ("18.17.0", "^18.17.0 || >=20", True),
    ("19.0.0", "^18.17.0 || >=20", False),
    ("20.1.0", ">= 20", True),
    ("20.1.0", "20.x", True),
    ("21.0.0", "20.x", False),
    ("18.2.0", "~18.1", False),
    ("18.1.9", "~18.1", True),
    ("0.2.5", "^0.2.3", True),
    ("0.3.0", "^0.2.3", False),
    ("18.0.0", "16 - 18", True),
    ("19.0.0", "16 - 18", False),
    ("20.0.0", ">=18 <21", True),
    ("21.0.0", ">=18 <21", False),
    ("20.0.0", "*", True),
    ("20.0.0", "latest please", None),
])
def test_ranges(version: str, spec: str, expected: bool | None) -> None:
    parsed = parse_version(version)
    assert parsed is not None
    assert satisfies(parsed, spec) is expected


def _client(root: Path, directory: str, name: str, version: str, engines: dict[str, str] | None) -> None:
    base = root / directory
    package = base / "node_modules" / name
    package.mkdir(parents=True)
    (base / "package.json").write_text(json.dumps({"dependencies": {name: f"^{version}"}}))
    manifest: dict[str, object] = {"name": name, "version": version}
    if engines is not None:
        manifest["engines"] = engines
    (package / "package.json").write_text(json.dumps(manifest))


def _run(root: Path, node_version: str) -> subprocess.CompletedProcess[str]:
    """The script as install-system-deps.sh runs it, with a stand-in `node` first on PATH."""
    bin_dir = root.parent / "bin"
    bin_dir.mkdir(exist_ok=True)
    node = bin_dir / "node"
    node.write_text(f"#!/bin/sh\necho {node_version}\n")
    node.chmod(node.stat().st_mode | stat.S_IXUSR)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "CRANE_TEST_CACHE": str(root)}
    return subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env, timeout=120,
                          check=False)


def test_one_line_per_client_that_needs_a_newer_node(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _client(root, "claude-code-9.9.9", "@anthropic-ai/claude-code", "9.9.9", {"node": ">=22.0.0"})
    _client(root, "codex-1.0.0", "@openai/codex", "1.0.0", {"node": ">=16"})
    _client(root, "gemini-cli-1.0.0", "@google/gemini-cli", "1.0.0", {"node": ">=24"})
    _client(root, "plain-1.0.0", "plain", "1.0.0", None)
    proc = _run(root, "v20.20.2")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2, lines
    assert lines[0].startswith("NODE TOO OLD: Node v20.20.2 does not meet engines.node '>=22.0.0' of "
                               "@anthropic-ai/claude-code 9.9.9")
    assert "@google/gemini-cli 1.0.0" in lines[1] and "'>=24'" in lines[1]


def test_silent_when_node_is_new_enough(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _client(root, "claude-code-9.9.9", "@anthropic-ai/claude-code", "9.9.9", {"node": ">=22.0.0"})
    proc = _run(root, "v22.3.0")
    assert (proc.returncode, proc.stdout) == (0, "")


def test_an_unreadable_range_is_said_not_guessed(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    _client(root, "odd-1.0.0", "odd", "1.0.0", {"node": "whatever works"})
    proc = _run(root, "v20.0.0")
    assert proc.stdout.startswith("node check: cannot read engines.node 'whatever works' of odd 1.0.0")
