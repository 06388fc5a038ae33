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
    assert "Environment: production (fallback: staging is not available)" in lines
    assert "API: https://api.solo.example" in lines
    assert any(line.startswith("Fallback: staging not available for solo") for line in lines)
    assert "[warn] environment: production, although staging was requested" in out
    assert lines[-1] == "Result: ready, with fallback: production secrets and API"
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


def test_requested_value_and_its_source_are_shown_as_given(project: Path) -> None:
    rc, out, _ = run_crane("preflight", "-v", "stg", "-e", "Stg", cwd=project)
    assert rc == 0 and "Requested: staging (from --env: 'Stg')" in out.splitlines()
    rc, out, err = run_crane("preflight", "-v", "stg", cwd=project, env={"CRANE_ENV": "staging2"})
    assert rc == 0
    lines = out.splitlines()
    assert "Requested: 'staging2' (from CRANE_ENV): not an environment name, so production" in lines
    assert "Environment: production" in lines
    assert "[warn] environment: production: CRANE_ENV 'staging2' is not an environment name" in out
    assert lines[-1] == "Result: ready, with warnings (see above)"
    assert "'staging2'" in err  # the warning, on stderr
    rc, out, _ = run_crane("preflight", "-v", "stg", cwd=project, env={"CRANE_ENV": None})
    assert "Requested: production (default)" in out.splitlines()


def test_first_screen_speaks_one_vocabulary(project: Path) -> None:
    """`production`/`staging` for people; the codes `prod`/`dev` only where a code is meant."""
    for args in (("-e", "staging"), ("-e", "prod"), ()):
        rc, out, _ = run_crane("preflight", "-v", "stg", *args, cwd=project)
        assert rc == 0
        head = out.split("Secrets source:")[0]
        assert not {"prod", "dev"} & set(head.replace(",", " ").replace(":", " ").split()), head
        assert "Effective" not in out


def test_each_path_is_printed_once(project: Path) -> None:
    rc, out, _ = run_crane("preflight", "-v", "stg", "-e", "staging", cwd=project)
    assert rc == 0
    profile = str((project / "profiles" / "stg.toml").resolve())
    dotenv = str((project / "profiles" / "stg" / "staging.env").resolve())
    assert out.count(profile) == 1 and out.count(dotenv) == 1


def test_long_secret_name_lists_wrap(tmp_path: Path) -> None:
    names = {f"SERVICE_NUMBER_{i:02d}_API_TOKEN": f"v{i}" for i in range(30)}
    write_venture(tmp_path / "profiles", "many", prod=names)
    rc, out, _ = run_crane("preflight", "-v", "many", cwd=tmp_path, env={"COLUMNS": "80"})
    assert rc == 0
    start = out.index("Secrets (30): ")
    block = out[start:out.index("\nURL") if "\nURL" in out else out.index("\nChecks:")]
    lines = block.splitlines()
    assert len(lines) > 1 and all(len(line) <= 80 for line in lines)
    assert all(line.startswith("    ") for line in lines[1:])
    listed = block.removeprefix("Secrets (30): ").replace("\n", " ").replace(",", " ").split()
    assert listed == sorted(names)


def test_json_carries_the_fallback_status(project: Path) -> None:
    rc, out, _ = run_crane("preflight", "-v", "solo", "-e", "staging", "--json", cwd=project)
    assert rc == 0
    data = _json(out)
    assert data["status"] == "ready_with_fallback" and data["ok"] is True
    assert data["result"] == "ready, with fallback: production secrets and API"
    (env_check,) = [c for c in data["checks"] if c["name"] == "environment"]
    assert env_check["warning"] is True
    assert (data["requested_value"], data["requested_from"]) == ("staging", "--env")
    rc, out, _ = run_crane("preflight", "-v", "stg", "-e", "staging", "--json", cwd=project)
    assert _json(out)["status"] == "ready"


def test_junk_env_flag_is_exit_2_before_anything_is_fetched(project: Path) -> None:
    rc, out, err = run_crane("preflight", "-v", "stg", "--env", "staging2", cwd=project)
    assert rc == 2 and out == ""
    assert "crane: error: --env: unknown environment 'staging2' (did you mean 'staging'?)" in err
    assert "Traceback" not in err


def _on_a_terminal(args: list[str], cwd: Path, env: dict[str, str | None], stream: str = "stdout") -> str:
    """Run crane with `stream` (stdout or stderr) on a pseudo-terminal; returns what it printed there."""
    import pty
    import subprocess

    from tests.core.helpers import ENTRY, subprocess_env

    leader, follower = pty.openpty()
    streams = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, stream: follower}
    try:
        proc = subprocess.run([PY, "-c", ENTRY, *args], cwd=cwd, env=subprocess_env({"TERM": "xterm", **env}),
                              stdin=subprocess.DEVNULL, timeout=60, check=False, **streams)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the terminal's other side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0, proc.stderr
    return b"".join(chunks).decode()


def test_colour_on_a_terminal_only_and_never_with_no_color(project: Path) -> None:
    staging = _on_a_terminal(["preflight", "-v", "stg", "-e", "staging"], project, {"NO_COLOR": None})
    production = _on_a_terminal(["preflight", "-v", "stg", "-e", "prod"], project, {"NO_COLOR": None})
    staging_banner = staging.splitlines()[0]
    production_banner = production.splitlines()[0]
    assert "\033[" in staging_banner and "staging" in staging_banner
    assert "\033[" in production_banner and "production" in production_banner
    assert staging_banner.replace("staging", "") != production_banner.replace("production", "")  # other colours
    plain = _on_a_terminal(["preflight", "-v", "stg", "-e", "staging"], project, {"NO_COLOR": "1"})
    assert "\033[" not in plain and plain.splitlines()[0] == "Environment: staging"
    rc, piped, _ = run_crane("preflight", "-v", "stg", cwd=project, env={"NO_COLOR": None, "TERM": "xterm"})
    assert rc == 0 and "\033[" not in piped


def test_launch_banner_is_coloured_by_environment_on_a_terminal(project: Path) -> None:
    """The one-line banner `crane launch` prints on stderr: production and staging never look alike."""

    def banner(env_name: str, no_color: str | None) -> str:
        err = _on_a_terminal(["launch", "-v", "stg", "-e", env_name, PY, "-c", "pass"], project,
                             {"NO_COLOR": no_color}, stream="stderr")
        (line,) = [x for x in err.splitlines() if x.startswith("crane: Environment:")]
        return line

    prod, staging = banner("prod", None), banner("staging", None)
    assert "\033[" in prod and "\033[" in staging
    assert prod.split("production")[0] != staging.split("staging")[0]
    assert "\033[" not in banner("staging", "1")


def test_project_file_path_is_printed_once(project: Path) -> None:
    (project / ".crane.toml").write_text('venture = "stg"\nenv = "stg"\n', encoding="utf-8")
    rc, out, err = run_crane("preflight", cwd=project, env={"CRANE_ENV": None, "CRANE_VENTURE": None})
    assert rc == 0, err
    marker = str(project / ".crane.toml")
    assert out.count(marker) == 1
    lines = out.splitlines()
    assert "Environment: staging" in lines
    assert "Requested: staging (from .crane.toml: 'stg')" in lines
    assert f"Venture: stg (stg), chosen by {marker}" in lines
