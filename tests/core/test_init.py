"""`crane init`: the files it writes, what it refuses, its questions, and that its next command works."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from crane.profiles import load_profile
from tests.core.helpers import ENTRY, PY, run_crane, subprocess_env

PROD = "https://api.acme.example"
STAGING = "https://staging.api.acme.example"


@pytest.fixture
def home(tmp_path: Path) -> dict[str, str | None]:
    """A private config dir (where init writes profiles by default) and no inherited crane settings."""
    return {"XDG_CONFIG_HOME": str(tmp_path / "config"), "CRANE_PROFILES_DIR": None, "CRANE_VENTURE": None,
            "CRANE_ENV": None}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    path = tmp_path / "project"
    path.mkdir()
    return path


def _profiles(tmp_path: Path) -> Path:
    return tmp_path / "config" / "crane" / "profiles"


def test_dotenv_venture_from_flags(tmp_path: Path, project: Path, home: dict[str, str | None]) -> None:
    rc, out, err = run_crane("init", "-v", "acme", "--name", "Acme Inc", "--prod-api", PROD, "--staging-api", STAGING,
                             cwd=project, env=home)
    assert rc == 0, err
    profiles = _profiles(tmp_path)
    profile = load_profile(profiles / "acme.toml")
    assert (profile.name, profile.provider) == ("Acme Inc", "dotenv")
    assert profile.urls["prod"]["api"] == PROD and profile.urls["dev"]["api"] == STAGING
    assert profile.staging_gaps() == []
    assert (project / ".crane.toml").read_text(encoding="utf-8") == 'venture = "acme"\n'
    for name in ("prod.env", "staging.env"):
        path = profiles / "acme" / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert path.read_text(encoding="utf-8").startswith("#")
    for directory in (profiles / "acme", profiles, profiles.parent):  # parents crane created, too
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    lines = out.splitlines()
    assert f"created {(profiles / 'acme.toml').resolve()}" in lines
    assert f"created {project / '.crane.toml'}" in lines
    assert lines[-1] == "  2. crane preflight --env staging"

    # The next command, as printed, works once the secrets are in.
    (profiles / "acme" / "staging.env").write_text("ACME_KEY=staging-value\n", encoding="utf-8")
    rc, out, err = run_crane("preflight", "--env", "staging", cwd=project, env=home)
    assert rc == 0, out + err
    assert "Environment: staging" in out and f"API: {STAGING}" in out


def test_infisical_venture_without_staging(tmp_path: Path, project: Path, home: dict[str, str | None]) -> None:
    rc, out, err = run_crane("init", "-v", "beta", "--prod-api", PROD, "--provider", "infisical", "--project-id",
                             "proj-123", "--prod-environment", "production", "--prod-path", "/apps/beta",
                             "--infisical-host", "https://infisical.internal.example", "--default-env", "prod",
                             cwd=project, env=home)
    assert rc == 0, err
    profile = load_profile(_profiles(tmp_path) / "beta.toml")
    assert profile.provider == "infisical" and profile.infisical is not None
    assert profile.infisical.project_id == "proj-123"
    assert profile.infisical.host == "https://infisical.internal.example"
    assert profile.infisical.environments["prod"] == "production"
    assert profile.infisical.paths["prod"] == "/apps/beta"
    assert profile.infisical.staging is False and profile.staging_gaps()
    assert (project / ".crane.toml").read_text(encoding="utf-8") == 'venture = "beta"\nenv = "prod"\n'
    assert not (_profiles(tmp_path) / "beta").exists()  # no dotenv files for an Infisical venture
    assert out.splitlines()[-2:] == ["  1. crane login", "  2. crane preflight"]


def test_infisical_staging_slugs_and_paths(tmp_path: Path, project: Path, home: dict[str, str | None]) -> None:
    rc, _, err = run_crane("init", "-v", "gamma", "--prod-api", PROD, "--staging-api", STAGING, "--provider",
                           "infisical", "--project-id", "p1", "--dev-environment", "staging",
                           "--dev-path", "/gamma/stg", "--no-project-file", cwd=project, env=home)
    assert rc == 0, err
    profile = load_profile(_profiles(tmp_path) / "gamma.toml")
    assert profile.infisical is not None and profile.infisical.staging is True
    assert profile.infisical.environments == {"prod": "prod", "dev": "staging"}
    assert profile.infisical.paths == {"prod": "/gamma", "dev": "/gamma/stg"}
    assert not (project / ".crane.toml").exists()


def test_refuses_to_overwrite_and_writes_nothing(tmp_path: Path, project: Path, home: dict[str, str | None]) -> None:
    (project / ".crane.toml").write_text('venture = "old"\n', encoding="utf-8")
    rc, out, err = run_crane("init", "-v", "acme", "--prod-api", PROD, cwd=project, env=home)
    assert rc == 1 and out == ""
    assert f"not overwriting {project / '.crane.toml'}" in err
    assert (project / ".crane.toml").read_text(encoding="utf-8") == 'venture = "old"\n'
    assert not _profiles(tmp_path).exists()  # all or nothing

    (project / ".crane.toml").unlink()
    assert run_crane("init", "-v", "acme", "--prod-api", PROD, cwd=project, env=home).rc == 0
    before = (_profiles(tmp_path) / "acme.toml").read_text(encoding="utf-8")
    (project / ".crane.toml").unlink()
    rc, _, err = run_crane("init", "-v", "acme", "--prod-api", "https://other.example", cwd=project, env=home)
    assert rc == 1 and "not overwriting" in err and "acme.toml" in err
    assert (_profiles(tmp_path) / "acme.toml").read_text(encoding="utf-8") == before


def test_refuses_a_code_that_another_profile_already_has(tmp_path: Path, project: Path,
                                                          home: dict[str, str | None]) -> None:
    (project / "profiles").mkdir()
    (project / "profiles" / "acme.toml").write_text('[api]\nprod = "https://x.example"\n', encoding="utf-8")
    rc, _, err = run_crane("init", "-v", "acme", "--prod-api", PROD, cwd=project, env=home)
    assert rc == 1 and str(project / "profiles" / "acme.toml") in err
    assert not _profiles(tmp_path).exists()


@pytest.mark.parametrize(("args", "words"), [
    (["--prod-api", PROD], "crane init needs --venture"),
    (["-v", "acme"], "crane init needs --prod-api"),
    (["-v", "acme", "--prod-api", PROD, "--provider", "infisical"], "--project-id"),
    (["-v", "Acme!", "--prod-api", PROD], "invalid venture code 'Acme!'"),
    (["-v", "acme", "--prod-api", "api.acme.example"], "api.prod: malformed URL"),
    (["-v", "acme", "--prod-api", PROD, "--staging-api", "ftp://x"], "api.dev: malformed URL"),
    (["-v", "acme", "--prod-api", PROD, "--provider", "vault"], "unknown provider 'vault'"),
    (["-v", "acme", "--prod-api", PROD, "--default-env", "staging2"], "unknown environment 'staging2'"),
])
def test_bad_or_missing_values_are_usage_errors(tmp_path: Path, project: Path, home: dict[str, str | None],
                                                args: list[str], words: str) -> None:
    rc, out, err = run_crane("init", *args, cwd=project, env=home)
    assert rc == 2 and out == "", err
    assert words in err and "Traceback" not in err
    assert not _profiles(tmp_path).exists() and not (project / ".crane.toml").exists()


def test_a_profiles_dir_off_the_search_path_is_named_in_the_next_command(tmp_path: Path, project: Path,
                                                                         home: dict[str, str | None]) -> None:
    elsewhere = tmp_path / "elsewhere"
    rc, out, err = run_crane("init", "-v", "acme", "--prod-api", PROD, "--profiles-dir", str(elsewhere),
                             "--project", str(project), cwd=tmp_path, env=home)
    assert rc == 0, err
    step = out.splitlines()[-1]
    assert step == f"  2. crane preflight --venture acme --profiles-dir {elsewhere.resolve()}"
    (elsewhere / "acme" / "prod.env").write_text("ACME_KEY=v\n", encoding="utf-8")
    rc, out, err = run_crane(*step.split()[2:], cwd=tmp_path, env=home)
    assert rc == 0, out + err


def test_questions_at_a_terminal(tmp_path: Path, project: Path, home: dict[str, str | None]) -> None:
    import pty

    leader, follower = pty.openpty()
    answers = "acme\nAcme\n" + PROD + "\n\ninfisical\nproj-9\n\n\n\n"
    os.write(leader, answers.encode())
    proc = subprocess.run([PY, "-c", ENTRY, "init"], cwd=project, env=subprocess_env(home), stdin=follower,
                          capture_output=True, text=True, timeout=60, check=False)
    os.close(follower)
    os.close(leader)
    assert proc.returncode == 0, proc.stderr
    for question in ("Venture code", "Production API base URL", "Staging API base URL", "Secrets provider",
                     "Infisical project id", "Secret path for production [/acme]"):
        assert question in proc.stderr
    profile = load_profile(_profiles(tmp_path) / "acme.toml")
    assert profile.name == "Acme" and profile.infisical is not None
    assert profile.infisical.project_id == "proj-9" and profile.infisical.paths["prod"] == "/acme"
    assert profile.infisical.host == "https://app.infisical.com" and profile.staging_gaps()
    assert "crane preflight" in proc.stdout
