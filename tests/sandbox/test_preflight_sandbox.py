"""Preflight says whether the agent will be sandboxed and what it will not see (text and JSON)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.core.helpers import run_crane
from tests.sandbox.conftest import bwrap_or_skip
from tests.sandbox.helpers import PROD_CANARY, STAGING_CANARY, write_venture


def _preflight(profiles: Path, *extra: str, env: dict[str, str | None] | None = None) -> tuple[int, str, str]:
    r = run_crane("preflight", "--venture", "alpha", "--profiles-dir", str(profiles), "--env", "staging", *extra,
                  env=env, cwd=profiles.parent)
    assert PROD_CANARY not in r.output and STAGING_CANARY not in r.output
    return r.rc, r.out, r.err


def test_lists_hidden_and_usable(tmp_path: Path) -> None:
    bwrap_or_skip()
    home = Path(os.environ["HOME"])
    (home / ".aws").mkdir()
    (home / ".config" / "gh").mkdir(parents=True)
    profiles = tmp_path / "proj" / "profiles"
    write_venture(profiles)
    rc, out, _ = _preflight(profiles, "--json")
    assert rc == 0
    sandbox = json.loads(out)["sandbox"]
    assert sandbox["active"] is True and sandbox["mode"] == "auto" and sandbox["backend"] == "bubblewrap"
    hidden = {e["path"] for e in sandbox["hidden"]}
    assert os.path.realpath(home / ".aws") in hidden
    assert os.path.realpath(profiles / "alpha.prod.env") in hidden
    assert os.path.realpath(home / ".config" / "gh") in {e["path"] for e in sandbox["usable"]}
    rc, text, _ = _preflight(profiles)
    line = next(line for line in text.splitlines() if "] sandbox: " in line)
    assert line.startswith("  [ok  ] sandbox: bubblewrap (auto) hides ") and "AWS credentials" in line
    assert "leaves usable GitHub CLI login" in line
    assert str(home / ".aws") not in text  # paths are in the JSON; the text stays about a screen


def test_unavailable_auto_is_a_loud_informational_check(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles)
    rc, out, _ = _preflight(profiles, "--json", env={"CRANE_BWRAP": str(tmp_path / "missing-bwrap")})
    report = json.loads(out)
    assert rc == 0 and report["sandbox"]["active"] is False
    check = next(c for c in report["checks"] if c["name"] == "sandbox")
    assert check["ok"] is True and check["warning"] is True and report["status"] == "ready_with_warnings"
    assert "NOT AVAILABLE" in check["detail"] and "audit log" in check["detail"]  # says what is not protected


@pytest.mark.parametrize("as_json", [True, False])
def test_unavailable_required_fails(tmp_path: Path, as_json: bool) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles, sandbox='mode = "required"')
    rc, out, _ = _preflight(profiles, *(["--json"] if as_json else []),
                            env={"CRANE_BWRAP": str(tmp_path / "missing-bwrap")})
    assert rc == 1
    assert ("[FAIL] sandbox: crane sandbox required" in out) if not as_json else (
        json.loads(out)["sandbox"]["active"] is False)
