"""`import crane; crane.get_api_base()` inside the sandbox, with crane's cache dir hidden."""

from __future__ import annotations

import os
from pathlib import Path

from tests.core.helpers import PY, run_crane
from tests.sandbox.conftest import bwrap_or_skip
from tests.sandbox.helpers import write_venture

PROBE = """
import os, sys, crane
from crane.paths import cache_path
seen = sorted(os.listdir(cache_path()))
print("api", crane.get_api_base())
print("env", crane.get_crane_env())
print("cache-before", ",".join(seen))
"""


def test_get_api_base_inside_with_the_cache_hidden(tmp_path: Path) -> None:
    bwrap_or_skip()
    project = tmp_path / "proj"
    profiles = project / "profiles"
    write_venture(profiles)
    real_cache = Path(os.environ["XDG_CACHE_HOME"]) / "crane"
    (real_cache / "offline").mkdir(parents=True)
    (real_cache / "offline" / "planted.fernet").write_bytes(b"not for the agent")
    probe = project / "probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    agent = project / "agent.sh"
    agent.write_text(f"#!/bin/sh\n{PY} {probe} && {PY} {probe}\n", encoding="utf-8")  # twice: cold, then cached
    agent.chmod(0o755)
    r = run_crane("launch", "--venture", "alpha", "--env", "staging", "--profiles-dir", str(profiles), str(agent),
                  cwd=project)
    assert r.rc == 0, r.err
    assert "| sandboxed (bubblewrap" in r.err
    lines = r.out.splitlines()
    assert lines.count("api https://staging-api.alpha.example") == 2, r.out
    assert lines.count("env dev") == 2
    assert lines[2] == "cache-before " and "offline" not in r.out  # the real cache is not there
    assert lines[5] == "cache-before toml"  # the first run cached into the session's private dir
    assert (real_cache / "offline" / "planted.fernet").read_bytes() == b"not for the agent"
