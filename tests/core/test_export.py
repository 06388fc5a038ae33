"""`crane export`: values out, in formats that read back exactly; refused inside an agent session."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crane.cli.export import Format, render
from tests.core.helpers import run_crane, write_venture

TRICKY = {
    "PLAIN": "abc123",
    "SPACES": "  leading and trailing  ",
    "DQUOTE": 'say "hi"',
    "SQUOTE": "it's",
    "BOTH": "\"'\"'",
    "NEWLINES": "line1\nline2\n\nline4",
    "DOLLAR": "$HOME $1 $$ cost$5",
    "BACKSLASH": "C:\\path\\to\\n\\t\\\\x",
    "BACKTICK": "`whoami` $(id)",
    "HASH": "a # not a comment",
    "EQUALS": "a=b=c",
    "UNICODE": "zażółć 🎉",
    "EMPTY": "",
    "TRAILING_BACKSLASH": "ends with \\",
}

NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)
VALUES = st.text(st.characters(exclude_characters="\0", codec="utf-8"), max_size=40)
SECRETS = st.dictionaries(NAMES, VALUES, min_size=1, max_size=6)


def _read_dotenv(text: str, interpolate: bool) -> dict[str, str | None]:
    from dotenv import dotenv_values

    return dict(dotenv_values(stream=io.StringIO(text), interpolate=interpolate))


def _source_shell(text: str, tmp_path: Path, names: list[str]) -> dict[str, str]:
    script = tmp_path / "secrets.sh"
    script.write_text(text + "\n", encoding="utf-8")
    dump = "import json, os, sys; print(json.dumps({k: os.environ[k] for k in sys.argv[1:]}))"
    proc = subprocess.run(["sh", "-c", f'. "$1"; shift; exec "$0" -c \'{dump}\' "$@"', "python3", str(script),
                           *names], capture_output=True, text=True, check=True, timeout=30)
    result: dict[str, str] = json.loads(proc.stdout)
    return result


# --- the renderer -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(SECRETS)
def test_dotenv_round_trips_any_value(secrets: dict[str, str]) -> None:
    assert _read_dotenv(render(secrets, Format.dotenv), interpolate=False) == secrets


@settings(max_examples=200, deadline=None)
@given(SECRETS.filter(lambda s: not any("${" in v for v in s.values())))
def test_dotenv_round_trips_with_default_interpolation(secrets: dict[str, str]) -> None:
    # python-dotenv expands ${NAME} in every quoting style and has no escape for it, so only
    # values without "${" can survive a reader that interpolates (see the report in issue #2).
    assert _read_dotenv(render(secrets, Format.dotenv), interpolate=True) == secrets


@settings(max_examples=100, deadline=None)
@given(SECRETS)
def test_dotenv_round_trips_through_a_file(tmp_path_factory: pytest.TempPathFactory, secrets: dict[str, str]) -> None:
    path = tmp_path_factory.mktemp("dotenv") / "x.env"
    path.write_text(render(secrets, Format.dotenv) + "\n", encoding="utf-8")
    from dotenv import dotenv_values

    assert dict(dotenv_values(path, interpolate=False, encoding="utf-8")) == secrets


@settings(deadline=None)
@given(SECRETS)
def test_json_round_trips(secrets: dict[str, str]) -> None:
    assert json.loads(render(secrets, Format.json)) == secrets


@settings(max_examples=30, deadline=None)
@given(st.dictionaries(st.from_regex(r"X_[A-Z0-9_]{0,10}", fullmatch=True), VALUES, min_size=1, max_size=5))
def test_shell_round_trips_through_sh(tmp_path_factory: pytest.TempPathFactory, secrets: dict[str, str]) -> None:
    tmp = tmp_path_factory.mktemp("sh")
    assert _source_shell(render(secrets, Format.shell), tmp, sorted(secrets)) == secrets


# --- the command --------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_venture(tmp_path / "profiles", "stg", prod=TRICKY, staging={"ONLY_STAGING": "s-1"})
    write_venture(tmp_path / "profiles", "solo", prod={"SOLO": "solo-prod"})
    return tmp_path


def test_export_dotenv_reads_back(project: Path) -> None:
    rc, out, err = run_crane("export", "-v", "stg", cwd=project)
    assert rc == 0, err
    assert _read_dotenv(out, interpolate=True) == TRICKY
    assert err == ""


def test_export_json_reads_back(project: Path) -> None:
    rc, out, _ = run_crane("export", "-v", "stg", "--format", "json", cwd=project)
    assert rc == 0 and json.loads(out) == TRICKY


def test_export_shell_sourced_by_sh(project: Path, tmp_path: Path) -> None:
    rc, out, _ = run_crane("export", "-v", "stg", "-f", "shell", cwd=project)
    assert rc == 0
    assert _source_shell(out, tmp_path, sorted(TRICKY)) == TRICKY


def test_export_follows_the_environment_and_fallback(project: Path) -> None:
    rc, out, _ = run_crane("export", "-v", "stg", "-e", "staging", "-f", "json", cwd=project)
    assert rc == 0 and json.loads(out) == {"ONLY_STAGING": "s-1"}
    rc, out, err = run_crane("export", "-v", "solo", "-e", "staging", "-f", "json", cwd=project)
    assert rc == 0 and json.loads(out) == {"SOLO": "solo-prod"}
    assert err.splitlines() == ["Warning: staging not available for solo; using production secrets and API"]
    rc, out, err = run_crane("export", "-v", "solo", "-e", "staging", "--no-fallback", cwd=project)
    assert rc == 1 and out == ""


@pytest.mark.parametrize("agent", ["1", "true"])
def test_export_refused_inside_an_agent_session(project: Path, agent: str) -> None:
    rc, out, err = run_crane("export", "-v", "stg", cwd=project, env={"CRANE_AGENT": agent})
    assert rc == 1 and out == ""
    assert "refused" in err and "abc123" not in err


def test_export_unknown_format_is_a_usage_error(project: Path) -> None:
    rc, out, _ = run_crane("export", "-v", "stg", "-f", "yaml", cwd=project)
    assert rc == 2 and out == ""
