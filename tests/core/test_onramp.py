"""The newcomer's path: the demo script, and the README's examples as written."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.core.helpers import REPO, run_crane, subprocess_env

FAKE_VALUES = ("not-a-real-secret",)  # every value in profiles/demo and profiles/solo ends with this


def _venv() -> Path:
    return Path(sys.executable).parent.parent


def test_demo_shows_what_crane_is_for_in_about_a_screen() -> None:
    venv = _venv()
    stamp = venv / ".crane-installed"
    if not stamp.exists() or stamp.stat().st_mtime < (REPO / "pyproject.toml").stat().st_mtime:
        if os.environ.get("CI"):
            pytest.fail(f"{venv} is not bootstrapped (scripts/bootstrap.sh), so the demo would reinstall")
        pytest.skip(f"{venv} is not bootstrapped for this pyproject.toml: the demo would pip install")
    proc = subprocess.run(["bash", str(REPO / "scripts" / "demo.sh")], cwd=REPO, capture_output=True, text=True,
                          env=subprocess_env({"CRANE_VENV": str(venv), "CRANE_STATE_DIR": None,
                                              "CRANE_PROFILES_DIR": None}),
                          stdin=subprocess.DEVNULL, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert len(out.splitlines()) <= 60, out  # about a screen
    for expected in (
        "Environment: staging",  # 1. the preflight
        "Result: ready",
        "CRANE_ENV = dev | api = https://staging-api.demo.example",  # 2. a child with staging secrets
        "DEMO_API_KEY is the staging one: True",
        "Warning: staging not available for solo; using production secrets and API",  # 3. coherent fallback
        "CRANE_ENV = prod | requested = dev | api = https://api.solo.example",
        "guard: BLOCKED: crane: NOT executed: wrangler deploy --env production",  # 4. the guard denies
        "ran: wrangler deploy --env staging",  # ... and lets the staging deploy through
        "guard: BLOCKED: crane dry-run: NOT executed: wrangler deploy",  # 5. dry run intercepts
        "2 write(s) intercepted, NOT executed",
    ):
        assert expected in out, f"{expected!r} missing from the demo:\n{out}"
    assert "ran: wrangler deploy --env production" not in out and "ran: wrangler deploy\n" not in out
    for value in FAKE_VALUES:
        assert value not in out  # names, never values
    assert "Traceback" not in out


def _readme_examples() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Using it", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    crane ")]


def test_readme_examples_name_ventures_that_exist() -> None:
    examples = _readme_examples()
    assert len(examples) >= 5
    known = {p.stem for p in (REPO / "profiles").glob("*.toml")}
    for example in examples:
        words = shlex.split(example, comments=True)
        if "--venture" in words:
            assert words[words.index("--venture") + 1] in known, example


@pytest.mark.parametrize("example", [e for e in _readme_examples() if " claude" not in e])
def test_readme_examples_run_as_written(example: str) -> None:
    words = shlex.split(example, comments=True)
    assert words[0] == "crane"
    rc, out, err = run_crane(*words[1:], cwd=REPO, env={"CRANE_PROFILES_DIR": None, "CRANE_ENV": None})
    assert rc == 0, f"{example}\n{out}{err}"
    if "export" not in words:
        assert "not-a-real-secret" not in out + err
