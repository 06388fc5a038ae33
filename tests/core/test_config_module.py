"""The config module (`import crane`): answers outside a session, and inside a launched child."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.core.helpers import PY, run_crane, run_python, write_venture

REPORT = ("import crane, json; print(json.dumps([crane.get_crane_env(), crane.get_environment_name(), "
          "crane.get_api_base(), crane.get_url('api'), crane.get_url('ctx')]))")


@pytest.fixture
def profiles(tmp_path: Path) -> Path:
    root = tmp_path / "profiles"
    urls = {"prod": {"ctx": "https://ctx.example"}, "dev": {"ctx": "https://staging-ctx.example"}}
    write_venture(root, "stg", staging={"STG_KEY": "s"}, urls=urls)
    write_venture(root, "solo", urls={"prod": {"ctx": "https://ctx.solo.example"}})
    return root


def _report(out: str) -> list[str]:
    answer: list[str] = json.loads(out)
    return answer


@pytest.mark.parametrize(
    ("crane_env", "expected"),
    [(None, ["prod", "production", "https://api.stg.example", "https://api.stg.example", "https://ctx.example"]),
     ("staging", ["dev", "staging", "https://staging-api.stg.example", "https://staging-api.stg.example",
                  "https://staging-ctx.example"]),
     (" PRD ", ["prod", "production", "https://api.stg.example", "https://api.stg.example", "https://ctx.example"])],
)
def test_outside_a_session_with_a_venture(profiles: Path, tmp_path: Path, crane_env: str | None,
                                          expected: list[str]) -> None:
    env = {"CRANE_VENTURE": "stg", "CRANE_PROFILES_DIR": str(profiles), "CRANE_ENV": crane_env}
    rc, out, err = run_python(REPORT, env=env, cwd=tmp_path)
    assert rc == 0, err
    assert _report(out) == expected
    assert err == ""


def test_fallback_venture_outside_a_session_is_production_with_one_warning(profiles: Path, tmp_path: Path) -> None:
    env = {"CRANE_VENTURE": "solo", "CRANE_PROFILES_DIR": str(profiles), "CRANE_ENV": "staging"}
    code = REPORT.replace("crane.get_url('ctx')", "crane.get_url('ctx'), crane.get_api_base()")
    rc, out, err = run_python(code, env=env, cwd=tmp_path)
    assert rc == 0, err
    assert _report(out)[:3] == ["prod", "production", "https://api.solo.example"]
    assert err.splitlines() == ["Warning: staging not available for solo; using production secrets and API"]


@pytest.mark.parametrize(("crane_env", "expected"), [(None, "prod"), ("", "prod"), ("Staging", "dev"),
                                                     ("live", "prod"), ("stg", "dev")])
def test_get_crane_env_without_a_venture(tmp_path: Path, crane_env: str | None, expected: str) -> None:
    code = "import crane; print(crane.get_crane_env(), crane.get_environment_name())"
    rc, out, err = run_python(code, env={"CRANE_ENV": crane_env}, cwd=tmp_path)
    assert rc == 0, err
    assert out.split() == [expected, "staging" if expected == "dev" else "production"]
    assert err == ""


def test_junk_crane_env_warns_once_per_process(tmp_path: Path) -> None:
    code = "import crane; print(crane.get_crane_env(), crane.get_crane_env(), crane.get_environment_name())"
    rc, out, err = run_python(code, env={"CRANE_ENV": "bogus"}, cwd=tmp_path)
    assert rc == 0
    assert out.split() == ["prod", "prod", "production"]
    assert len(err.splitlines()) == 1 and "'bogus'" in err


def test_get_url_unknown_name_is_a_crane_error(profiles: Path, tmp_path: Path) -> None:
    code = ("import crane\ntry:\n    crane.get_url('nope')\nexcept crane.CraneError as e:\n"
            "    print(e.message, '|', e.hint)\n")
    rc, out, err = run_python(code, env={"CRANE_VENTURE": "stg", "CRANE_PROFILES_DIR": str(profiles)}, cwd=tmp_path)
    assert rc == 0, err
    assert "'nope'" in out and "api" in out and "ctx" in out


CHILD = "import crane; print(crane.get_api_base(), crane.get_crane_env(), crane.get_url('api'), crane.get_url('ctx'))"


def test_inside_a_fallback_child_the_api_is_production(profiles: Path, tmp_path: Path) -> None:
    """The split-brain check: staging asked for, production secrets -> the child must say PROD."""
    rc, out, err = run_crane("run", "-v", "solo", "-e", "staging", "--profiles-dir", str(profiles), "--",
                             PY, "-c", CHILD, cwd=tmp_path)
    assert rc == 0, err
    assert out.split() == ["https://api.solo.example", "prod", "https://api.solo.example", "https://ctx.solo.example"]


def test_inside_a_staging_child_the_api_is_staging(profiles: Path, tmp_path: Path) -> None:
    rc, out, err = run_crane("run", "-v", "stg", "-e", "stage", "--profiles-dir", str(profiles), "--",
                             PY, "-c", CHILD, cwd=tmp_path)
    assert rc == 0, err
    assert out.split() == ["https://staging-api.stg.example", "dev", "https://staging-api.stg.example",
                           "https://staging-ctx.example"]


def test_child_answers_from_its_session_not_from_where_it_runs(profiles: Path, tmp_path: Path) -> None:
    """A child that changes directory into another project (other .crane.toml, other profiles)
    still answers for the session crane started."""
    other = tmp_path / "other"
    write_venture(other / "profiles", "stg", staging={"X": "1"})  # same code, different URLs file
    (other / "profiles" / "stg.toml").write_text(
        (other / "profiles" / "stg.toml").read_text().replace("stg.example", "WRONG.example"), encoding="utf-8")
    (other / ".crane.toml").write_text('venture = "stg"\n', encoding="utf-8")
    code = f"import os; os.chdir({str(other)!r}); {CHILD}"
    rc, out, err = run_crane("run", "-v", "stg", "-e", "staging", "--profiles-dir", str(profiles), "--",
                             PY, "-c", code, cwd=tmp_path)
    assert rc == 0, err
    assert out.split()[:2] == ["https://staging-api.stg.example", "dev"]


def test_repo_demo_through_the_config_module(tmp_path: Path) -> None:
    from tests.core.helpers import REPO

    rc, out, err = run_crane("run", "-v", "demo", "-e", "staging", "--", PY, "-c",
                             "import crane; print(crane.get_api_base(), crane.get_url('dashboard'))", cwd=REPO)
    assert rc == 0, err
    assert out.split() == ["https://staging-api.demo.example", "https://staging-dashboard.demo.example"]
