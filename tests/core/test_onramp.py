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
    assert len(out.splitlines()) <= 61, out  # about a screen (the sandbox check is the 61st line)
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


# --- shell completion ---------------------------------------------------------------------------


def _venv_path() -> str:
    return f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def test_bash_completion_through_a_real_bash() -> None:
    script = ('source <(crane completion bash)\n'
              'COMP_WORDS=(crane pre); COMP_CWORD=1; _crane_completion crane; echo "${COMPREPLY[*]}"\n'
              'COMP_WORDS=(crane launch --no); COMP_CWORD=2; _crane_completion crane; echo "${COMPREPLY[*]}"\n')
    proc = subprocess.run(["bash", "-c", script], env=subprocess_env({"PATH": _venv_path()}), capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["preflight", "--no-fallback --no-guard --no-sandbox"]


@pytest.mark.parametrize(("shell", "env", "expected"), [
    ("zsh", {"_TYPER_COMPLETE_ARGS": "crane pre"}, "preflight"),
    ("fish", {"_TYPER_COMPLETE_ARGS": "crane pre", "_TYPER_COMPLETE_FISH_ACTION": "get-args"}, "preflight"),
])
def test_zsh_and_fish_completion_protocol(shell: str, env: dict[str, str], expected: str) -> None:
    rc, script, _ = run_crane("completion", shell)
    assert rc == 0 and "_CRANE_COMPLETE=complete_" + shell in script  # what the shell will call
    rc, out, err = run_crane(env={**env, "_CRANE_COMPLETE": f"complete_{shell}"})
    assert rc == 0, err
    assert expected in out


def test_completion_is_offered_by_typer_and_rejects_other_shells() -> None:
    rc, out, _ = run_crane("--help")
    assert rc == 0 and "--install-completion" in out and "--show-completion" in out
    rc, _, err = run_crane("completion", "tcsh")
    assert rc == 2 and "tcsh" in err


# --- docs ---------------------------------------------------------------------------------------


def test_help_and_docs_say_where_the_docs_are() -> None:
    rc, out, _ = run_crane("--help")
    words = " ".join(out.split())  # the epilog is wrapped to the terminal
    assert rc == 0 and "crane docs" in words and "crane init" in words
    rc, out, err = run_crane("docs")
    assert rc == 0, err
    assert out.splitlines()[0] == f"crane's documentation (Markdown) is in {REPO / 'docs'}:"
    for name in ("guide.md", "configuration.md", "guard.md"):
        assert str(REPO / "docs" / name) in out


def test_the_wheel_carries_the_docs(tmp_path: Path) -> None:
    """Built from this checkout with the project's build backend; `crane docs` from the unpacked wheel."""
    import zipfile

    proc = subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path / "dist")],
                          cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert {"crane/_docs/guide.md", "crane/_docs/configuration.md", "crane/_docs/guard.md"} <= names
        zf.extractall(tmp_path / "site")
    code = "from crane.cli.main import entry; entry()"
    proc = subprocess.run([sys.executable, "-c", code, "docs"], cwd=tmp_path, capture_output=True, text=True,
                          env=subprocess_env({"PYTHONPATH": str(tmp_path / "site")}), timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert f"{tmp_path / 'site' / 'crane' / '_docs'}:" in proc.stdout
