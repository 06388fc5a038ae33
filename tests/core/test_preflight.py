"""`crane preflight`: the text and JSON a person or a tool reads, and its exit code."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.core.helpers import PY, REPO, run_crane, write_dotenv, write_venture


@pytest.fixture
def project(tmp_path: Path) -> Path:
    profiles = tmp_path / "profiles"
    write_venture(profiles, "stg", prod={"STG_KEY": "prod-SECRETVAL-1", "STG_DB": "prod-SECRETVAL-2"},
                  staging={"STG_KEY": "staging-SECRETVAL-1", "STG_DB": "staging-SECRETVAL-2",
                           "STG_EXTRA": "staging-SECRETVAL-3"},
                  required=["STG_KEY"], urls={"dev": {"ctx": "https://staging-ctx.example"}})
    write_venture(profiles, "solo", prod={"SOLO_KEY": "solo-SECRETVAL"})
    return tmp_path


def _json(out: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(out)
    return data


def test_text_for_staging(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "stg", "-e", "staging", cwd=project)
    assert rc == 0, out + err
    lines = out.splitlines()
    assert "Environment: staging" in lines
    assert "API: https://staging-api.stg.example" in lines
    assert "Secrets (3): STG_DB, STG_EXTRA, STG_KEY" in lines
    assert "URL ctx: https://staging-ctx.example" in lines
    assert "SECRETVAL" not in out + err
    assert err == ""


def test_text_for_production_and_fallback(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "stg", cwd=project)
    assert rc == 0
    assert "Environment: production" in out.splitlines()
    assert "API: https://api.stg.example" in out.splitlines()
    assert "Secrets (2): STG_DB, STG_KEY" in out.splitlines()

    rc, out, err = run_crane("preflight", "-v", "solo", "-e", "staging", cwd=project)
    assert rc == 0
    lines = out.splitlines()
    assert "Environment: production" in lines and "API: https://api.solo.example" in lines
    assert any(line.startswith("Fallback: staging not available for solo") for line in lines)
    assert err.splitlines() == ["Warning: staging not available for solo; using production secrets and API"]
    assert "SECRETVAL" not in out + err


def test_json_shape_and_values(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "stg", "-e", "stage", "--json", cwd=project)
    assert rc == 0, err
    data = _json(out)
    assert data["environment"] == "dev"
    assert data["environment_name"] == "staging"
    assert data["requested_environment"] == "dev"
    assert data["api_base"] == "https://staging-api.stg.example"
    assert data["venture"] == "stg"
    assert Path(data["profile"]) == (project / "profiles" / "stg.toml").resolve()
    assert data["fallback"] is None
    secrets = data["secrets"]
    assert secrets["provider"] == "dotenv"
    assert secrets["environment"] == "dev"
    assert Path(secrets["path"]) == (project / "profiles" / "stg" / "staging.env").resolve()
    assert secrets["names"] == ["STG_DB", "STG_EXTRA", "STG_KEY"]
    assert isinstance(data["checks"], list) and data["checks"]
    for check in data["checks"]:
        assert {"name", "ok", "detail"} <= check.keys()
        assert isinstance(check["ok"], bool) and isinstance(check["name"], str)
    assert "SECRETVAL" not in out


def test_json_fallback_reason_and_clean_stdout(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "solo", "-e", "staging", "--json", cwd=project,
                             env={"CRANE_ENV": "junk"})
    assert rc == 0
    data = _json(out)  # warnings never reach stdout
    assert data["environment"] == "prod" and data["requested_environment"] == "dev"
    assert data["environment_name"] == "production"
    assert data["api_base"] == "https://api.solo.example"
    assert isinstance(data["fallback"], str) and "solo" in data["fallback"]
    assert data["secrets"]["environment"] == "prod" and data["secrets"]["path"].endswith("prod.env")
    assert "Warning: staging not available for solo" in err


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failing_check_exits_1(project: Path, as_json: bool) -> None:
    write_dotenv(project / "profiles" / "stg" / "prod.env", {"STG_DB": "prod-SECRETVAL-2"})  # STG_KEY is required
    rc, out, err = run_crane("preflight", "-v", "stg", *(["--json"] if as_json else []), cwd=project)
    assert rc == 1
    if as_json:
        data = _json(out)
        failed = [c for c in data["checks"] if not c["ok"]]
        assert any("STG_KEY" in c["detail"] for c in failed)
    else:
        assert "FAIL" in out and "STG_KEY" in out and "NOT ready" in out
    assert "SECRETVAL" not in out + err


def test_zero_secrets_fails_the_preflight(project: Path) -> None:
    (project / "profiles" / "solo" / "prod.env").write_text("", encoding="utf-8")
    rc, out, _ = run_crane("preflight", "-v", "solo", "--json", cwd=project)
    assert rc == 1
    assert _json(out)["secrets"]["names"] is None


def test_refused_fallback_exits_1(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "solo", "-e", "staging", "--no-fallback", cwd=project)
    assert rc == 1 and "--no-fallback" in err


def test_agent_flag_makes_a_missing_agent_a_failure(project: Path, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    env = {"PATH": str(bin_dir)}
    rc, out, _ = run_crane("preflight", "-v", "stg", cwd=project, env=env)
    assert rc == 0  # agents are informational without --agent
    rc, out, _ = run_crane("preflight", "-v", "stg", "--agent", "claude", "--json", cwd=project, env=env)
    assert rc == 1
    (check,) = [c for c in _json(out)["checks"] if c["name"] == "agent claude"]
    assert check["ok"] is False and "@anthropic-ai/claude-code" in check["detail"]

    fake = bin_dir / "claude"
    fake.write_text(f"#!{PY}\n", encoding="utf-8")
    fake.chmod(0o755)
    rc, out, _ = run_crane("preflight", "-v", "stg", "--agent", "claude", "--json", cwd=project, env=env)
    assert rc == 0
    (check,) = [c for c in _json(out)["checks"] if c["name"] == "agent claude"]
    assert check["ok"] is True and check["detail"] == str(fake)


def test_usage_errors_are_exit_2_not_a_failed_check(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "nope", "--json", cwd=project)
    assert rc == 2 and out == ""
    rc, out, err = run_crane("preflight", "-v", "stg", "--json", cwd=project,
                             env={"CRANE_ENV": "nope", "CRANE_STRICT_ENV": "1"})
    assert rc == 2 and out == ""


def test_repo_demo_preflight() -> None:
    rc, out, err = run_crane("preflight", "-v", "demo", "-e", "staging", cwd=REPO)
    assert rc == 0, out + err
    assert "Environment: staging" in out and "API: https://staging-api.demo.example" in out
    assert "demo-staging-key" not in out + err
    rc, out, _ = run_crane("preflight", "-v", "demo", "--json", cwd=REPO, env={"CRANE_ENV": "production"})
    data = _json(out)
    assert (data["environment"], data["api_base"]) == ("prod", "https://api.demo.example")
    assert data["secrets"]["names"] == ["DEMO_API_KEY", "DEMO_DATABASE_URL"]


def test_preflight_does_not_need_a_path(project: Path) -> None:
    env = {k: None for k in os.environ if k == "PATH"}
    rc, out, _ = run_crane("preflight", "-v", "stg", cwd=project, env=env)
    assert rc == 0 and "Environment: production" in out
