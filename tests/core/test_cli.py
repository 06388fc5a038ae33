"""The real CLI in a subprocess, like a user: wiring, selection, launches, exit codes and messages."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
from pathlib import Path

import pytest

from tests.core.helpers import DUMP_ENV, ENTRY, PY, REPO, run_crane, subprocess_env, write_dotenv, write_venture

FALLBACK = "Warning: staging not available for {code}; using production secrets and API"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A working directory with ./profiles: `stg` has staging, `solo` has not, `strict` refuses fallback."""
    profiles = tmp_path / "profiles"
    write_venture(profiles, "stg", name="Staging Co", prod={"STG_KEY": "prod-1", "SHARED": "p"},
                  staging={"STG_KEY": "staging-1", "SHARED": "s"}, required=["STG_KEY"])
    write_venture(profiles, "solo", name="Solo Co", prod={"SOLO_KEY": "solo-prod"})
    write_venture(profiles, "strict", staging_fallback=False)
    return tmp_path


def _child_env(out: str) -> dict[str, str]:
    env: dict[str, str] = json.loads(out)
    return env


# --- wiring -------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["preflight", "run", "launch", "export", "ventures"])
def test_every_command_is_wired(command: str) -> None:
    rc, out, err = run_crane(command, "--help")
    assert rc == 0, err
    assert "Example: crane" in out or command == "ventures"


def test_version_and_no_args() -> None:
    rc, out, _ = run_crane("--version")
    assert rc == 0 and out.startswith("crane ")
    rc, out, err = run_crane()
    assert rc in (0, 2) and "preflight" in out + err


def test_unknown_option_is_a_usage_error_without_traceback(project: Path) -> None:
    rc, out, err = run_crane("preflight", "--bogus", cwd=project)
    assert rc == 2
    assert "--bogus" in err and "Traceback" not in err


# --- run ----------------------------------------------------------------------------------------


def test_run_injects_secrets_and_session_variables(project: Path) -> None:
    rc, out, err = run_crane("run", "--venture", "stg", "--env", "staging", "--", *DUMP_ENV, cwd=project,
                             env={"SHARED": "from-parent", "INFISICAL_TOKEN": "crane-own-token"})
    assert rc == 0, err
    env = _child_env(out)
    assert env["STG_KEY"] == "staging-1"
    assert env["SHARED"] == "s"  # a secret overrides the parent's variable
    assert "INFISICAL_TOKEN" not in env
    assert env["CRANE_ENV"] == env["CRANE_ENV_REQUESTED"] == "dev"
    assert env["CRANE_VENTURE_CODE"] == "stg" and env["CRANE_VENTURE_NAME"] == "Staging Co"
    assert Path(env["CRANE_PROFILE"]) == (project / "profiles" / "stg.toml").resolve()
    assert env["CRANE_INJECTED"] == "SHARED,STG_KEY"
    assert len(env["CRANE_RUN_ID"]) == 36
    assert "CRANE_AGENT" not in env
    assert err == ""


def test_run_without_a_command_is_a_usage_error(project: Path) -> None:
    rc, _, err = run_crane("run", "-v", "stg", cwd=project)
    assert rc == 2 and "nothing to run" in err


def test_env_flag_overrides_crane_env(project: Path) -> None:
    rc, out, _ = run_crane("run", "-v", "stg", "-e", "PROD", "--", *DUMP_ENV, cwd=project, env={"CRANE_ENV": "stg"})
    assert rc == 0 and _child_env(out)["STG_KEY"] == "prod-1"
    rc, out, _ = run_crane("run", "-v", "stg", "-e", " Stage ", "--", *DUMP_ENV, cwd=project,
                           env={"CRANE_ENV": "prod"})
    assert rc == 0 and _child_env(out)["STG_KEY"] == "staging-1"


@pytest.mark.parametrize("alias", ["staging", "STAGE", " stg ", "Development", "dev"])
def test_crane_env_aliases_reach_staging(project: Path, alias: str) -> None:
    rc, out, err = run_crane("run", "-v", "stg", "--", *DUMP_ENV, cwd=project, env={"CRANE_ENV": alias})
    assert rc == 0 and err == ""
    assert _child_env(out)["CRANE_ENV"] == "dev"


def test_junk_env_warns_once_and_uses_production(project: Path) -> None:
    rc, out, err = run_crane("run", "-v", "stg", "--", *DUMP_ENV, cwd=project, env={"CRANE_ENV": "stagingg"})
    assert rc == 0
    assert _child_env(out)["CRANE_ENV"] == "prod"
    lines = err.splitlines()
    assert len(lines) == 1 and "'stagingg'" in lines[0] and "production" in lines[0] and "staging" in lines[0]


def test_junk_env_flag_is_a_usage_error_and_runs_nothing(project: Path) -> None:
    marker = project / "ran"
    rc, out, err = run_crane("run", "-v", "stg", "--env", "staging2", "--", PY, "-c",
                             f"open({str(marker)!r}, 'w')", cwd=project)
    assert rc == 2 and out == "" and not marker.exists()
    assert "--env: unknown environment 'staging2' (did you mean 'staging'?)" in err
    assert "prod-1" not in out + err and "Traceback" not in err


def test_strict_env_exits_2(project: Path) -> None:
    rc, out, err = run_crane("run", "-v", "stg", "--", *DUMP_ENV, cwd=project,
                             env={"CRANE_ENV": "stagingg", "CRANE_STRICT_ENV": "1"})
    assert rc == 2 and out == ""
    assert "stagingg" in err and "Traceback" not in err


def test_fallback_run_is_coherent(project: Path) -> None:
    rc, out, err = run_crane("run", "-v", "solo", "-e", "staging", "--", *DUMP_ENV, cwd=project)
    assert rc == 0
    assert err.splitlines() == [FALLBACK.format(code="solo")]
    env = _child_env(out)
    assert env["CRANE_ENV"] == "prod" and env["CRANE_ENV_REQUESTED"] == "dev"
    assert env["SOLO_KEY"] == "solo-prod"


@pytest.mark.parametrize(
    ("args", "env", "why"),
    [(["-v", "solo", "-e", "staging", "--no-fallback"], {}, "--no-fallback"),
     (["-v", "strict", "-e", "staging"], {}, "staging_fallback = false"),
     (["-v", "strict"], {"CRANE_ENV": "dev"}, "staging_fallback = false")],
)
def test_refused_fallback_exits_1(project: Path, args: list[str], env: dict[str, str], why: str) -> None:
    rc, out, err = run_crane("run", *args, "--", *DUMP_ENV, cwd=project, env=env)
    assert rc == 1 and out == ""
    assert why in err and "Traceback" not in err


def test_venture_from_env_and_marker(project: Path) -> None:
    sub = project / "deep" / "er"
    sub.mkdir(parents=True)
    (project / ".crane.toml").write_text('venture = "solo"\n', encoding="utf-8")
    rc, out, _ = run_crane("run", "--", *DUMP_ENV, cwd=sub, env={"CRANE_PROFILES_DIR": str(project / "profiles")})
    assert rc == 0 and _child_env(out)["CRANE_VENTURE_CODE"] == "solo"
    rc, out, _ = run_crane("run", "--", *DUMP_ENV, cwd=sub,
                           env={"CRANE_PROFILES_DIR": str(project / "profiles"), "CRANE_VENTURE": "stg"})
    assert rc == 0 and _child_env(out)["CRANE_VENTURE_CODE"] == "stg"


@pytest.mark.parametrize("command", [["preflight"], ["run", "--", "true"], ["export"], ["launch", "sh"]])
def test_no_venture_without_terminal_exits_2_listing_ventures(project: Path, command: list[str]) -> None:
    rc, out, err = run_crane(*command, cwd=project)
    assert rc == 2 and out == ""
    assert "no venture selected" in err
    assert "solo" in err and "stg" in err and "strict" in err


def _with_terminal(project: Path, args: list[str]) -> tuple[subprocess.Popen[bytes], int]:
    master, slave = os.openpty()
    proc = subprocess.Popen([PY, "-c", ENTRY, *args], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=project, env=subprocess_env())
    os.close(slave)
    return proc, master


@pytest.mark.parametrize("answer", ["2", "stg"])
def test_menu_at_a_terminal(project: Path, answer: str) -> None:
    child = "import os; print(os.environ['CRANE_VENTURE_CODE'])"
    proc, master = _with_terminal(project, ["run", "--", PY, "-c", child])
    try:
        os.write(master, f"{answer}\n".encode())
        out, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 0, err
    assert b"1) solo" in err and b"2) stg" in err
    assert out == b"stg\n"  # stdout belongs to the child: no prompt residue


def test_interrupt_at_the_menu_exits_130(project: Path) -> None:
    proc, master = _with_terminal(project, ["preflight"])
    try:
        assert proc.stderr is not None
        seen = b""
        while b"Venture" not in seen:
            ready, _, _ = select.select([proc.stderr], [], [], 20)
            assert ready, seen
            seen += os.read(proc.stderr.fileno(), 4096)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 130
    assert b"Traceback" not in err


# --- secrets problems ---------------------------------------------------------------------------


def test_missing_required_names_venture_env_source_and_keys(project: Path) -> None:
    write_dotenv(project / "profiles" / "stg" / "staging.env", {"OTHER": "x"})
    rc, out, err = run_crane("run", "-v", "stg", "-e", "staging", "--", "true", cwd=project)
    assert rc == 1 and out == ""
    for word in ("STG_KEY", "stg", "staging", str(project / "profiles" / "stg" / "staging.env")):
        assert word in err


def test_zero_secrets_exits_1(project: Path) -> None:
    (project / "profiles" / "solo" / "prod.env").write_text("# nothing here\n", encoding="utf-8")
    rc, _, err = run_crane("run", "-v", "solo", "--", "true", cwd=project)
    assert rc == 1
    assert "no secrets" in err and "solo" in err and "production" in err and "prod.env" in err


def test_missing_secrets_file_exits_1(project: Path) -> None:
    (project / "profiles" / "solo" / "prod.env").unlink()
    rc, _, err = run_crane("run", "-v", "solo", "--", "true", cwd=project)
    assert rc == 1 and "prod.env" in err


@pytest.mark.parametrize(
    ("content", "named"),
    [("1BAD=SECRETVAL-one\n", "1BAD"), ("A-B=SECRETVAL-two\n", "A-B"), ("OK=1\nNUL=SECRETVAL\0-three\n", "NUL"),
     ('OK=1\nBROKEN="unterminated SECRETVAL-four\n', "line 2"), ("DANGLING\n", "DANGLING")],
)
def test_bad_secret_files_exit_1_naming_the_key(project: Path, content: str, named: str) -> None:
    (project / "profiles" / "solo" / "prod.env").write_text(content, encoding="utf-8")
    rc, out, err = run_crane("run", "-v", "solo", "--", "true", cwd=project)
    assert rc == 1 and out == ""
    assert named in err
    assert "SECRETVAL" not in err and "Traceback" not in err


def test_reserved_secret_is_not_injected_and_named(project: Path) -> None:
    write_dotenv(project / "profiles" / "solo" / "prod.env", {"SOLO_KEY": "k", "PATH": "/evil", "LC_ALL": "xx"})
    rc, out, err = run_crane("run", "-v", "solo", "--", *DUMP_ENV, cwd=project)
    assert rc == 0
    env = _child_env(out)
    assert env["PATH"] != "/evil" and env.get("LC_ALL") != "xx"
    assert "PATH" in err and "LC_ALL" in err and "/evil" not in err


# --- nesting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "--"], ["launch"]])
def test_nested_launch_refused(project: Path, command: list[str]) -> None:
    rc, out, err = run_crane(*command[:1], "-v", "stg", *command[1:], *DUMP_ENV, cwd=project,
                             env={"CRANE_RUN_ID": "outer-run", "CRANE_VENTURE_CODE": "solo"})
    assert rc == 1 and out == ""
    assert "--nested" in err and "outer-run" in err


def test_nested_launch_through_a_real_outer_session(project: Path) -> None:
    inner = ["run", "--nested", "-v", "stg", "--", *DUMP_ENV]
    rc, out, err = run_crane("run", "-v", "solo", "--", PY, "-c", ENTRY, *inner, cwd=project)
    assert rc == 0, err
    env = _child_env(out)
    assert "SOLO_KEY" not in env  # the outer session's secret was removed
    assert env["STG_KEY"] == "prod-1" and env["CRANE_VENTURE_CODE"] == "stg"
    assert env["CRANE_INJECTED"] == "SHARED,STG_KEY"
    refused = run_crane("run", "-v", "solo", "--", PY, "-c", ENTRY, "run", "-v", "stg", "--", "true", cwd=project)
    assert refused.rc == 1 and "already inside a crane session" in refused.err


# --- launch -------------------------------------------------------------------------------------


def test_launch_unknown_agent_is_run_as_a_command(project: Path) -> None:
    rc, out, err = run_crane("launch", "-v", "stg", PY, "--", "-c", "import os; print(os.environ['CRANE_AGENT'])",
                             cwd=project)
    assert rc == 0, err
    assert out.strip() == "1"
    assert "Environment: production" in err and "API: https://api.stg.example" in err


def test_launch_passes_the_exit_code(project: Path) -> None:
    rc, _, _ = run_crane("launch", "-v", "stg", PY, "--", "-c", "raise SystemExit(42)", cwd=project)
    assert rc == 42


@pytest.mark.parametrize(("agent", "install"), [("claude", "@anthropic-ai/claude-code"), ("codex", "@openai/codex"),
                                                ("gemini", "@google/gemini-cli")])
def test_launch_missing_known_agent_exits_127_with_install_command(project: Path, tmp_path: Path, agent: str,
                                                                   install: str) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    rc, out, err = run_crane("launch", "-v", "stg", agent, cwd=project, env={"PATH": str(empty)})
    assert rc == 127 and out == ""
    assert agent in err and f"npm install -g {install}" in err


def test_launch_codex_whose_guard_cannot_be_installed_refuses(project: Path, tmp_path: Path) -> None:
    # A "codex" that is not a Codex CLI crane can hook into: no live unguarded session, exit 1.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "codex"
    fake.write_text(f"#!{PY}\nimport os, sys\nprint(os.environ['CRANE_AGENT'], *sys.argv[1:])\n", encoding="utf-8")
    fake.chmod(0o755)
    env = {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    rc, out, err = run_crane("launch", "-v", "stg", "codex", "--", "--model", "x", cwd=project, env=env)
    assert rc == 1 and out == ""
    assert "crane guard cannot be installed into codex" in err
    rc, out, err = run_crane("launch", "-v", "stg", "--no-guard", "codex", "--", "--model", "x", cwd=project, env=env)
    assert rc == 0, err
    assert out.strip() == "1 --model x"
    assert "crane guard DISABLED" in err


def _argv_agent(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """`myagent`: prints its arguments and the environment crane gave it, as JSON."""
    bin_dir = tmp_path / "agent-bin"
    bin_dir.mkdir(exist_ok=True)
    agent = bin_dir / "myagent"
    agent.write_text(f"#!{PY}\nimport json, os, sys\n"
                     "print(json.dumps({'argv': sys.argv[1:], 'env': os.environ['CRANE_ENV'], "
                     "'dry': os.environ.get('CRANE_DRY_RUN')}))\n", encoding="utf-8")
    agent.chmod(0o755)
    return agent, {"PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


@pytest.mark.parametrize(("args", "argv", "env", "dry"), [
    (["-v", "stg", "myagent", "-e", "staging"], ["-e", "staging"], "prod", None),  # -e is the agent's
    (["-v", "stg", "-e", "staging", "myagent", "--model", "x"], ["--model", "x"], "dev", None),
    (["-v", "stg", "myagent", "--", "--model", "x"], ["--model", "x"], "prod", None),  # the separator is dropped
    (["-v", "stg", "myagent", "--model", "x", "--", "y"], ["--model", "x", "--", "y"], "prod", None),
    (["-v", "stg", "--", "myagent", "--dry-run"], ["--dry-run"], "prod", None),
    (["-v", "stg", "myagent", "--venture", "other", "--nested"], ["--venture", "other", "--nested"], "prod", None),
])
def test_launch_everything_after_the_agent_name_is_the_agents(project: Path, tmp_path: Path, args: list[str],
                                                             argv: list[str], env: str, dry: str | None) -> None:
    _, path = _argv_agent(tmp_path)
    rc, out, err = run_crane("launch", *args, cwd=project, env=path)
    assert rc == 0, err
    seen = json.loads(out)
    assert seen == {"argv": argv, "env": env, "dry": dry}


def test_launch_dry_run_before_the_agent_is_cranes_and_refused_for_an_unhookable_command(
        project: Path, tmp_path: Path) -> None:
    _, path = _argv_agent(tmp_path)
    for extra in ([], ["--no-guard"]):
        rc, out, err = run_crane("launch", "-v", "stg", *extra, "--dry-run", "myagent", "--help", cwd=project,
                                 env=path)
        assert rc == 1 and out == ""
        assert "--dry-run cannot be honoured" in err and "myagent" in err


def test_launch_options_before_the_agent_are_cranes(project: Path, tmp_path: Path) -> None:
    _, path = _argv_agent(tmp_path)
    rc, out, err = run_crane("launch", "--bogus", "myagent", cwd=project, env=path)
    assert rc == 2 and out == "" and "--bogus" in err
    rc, out, err = run_crane("launch", "-v", "stg", "-e", "staging2", "myagent", cwd=project, env=path)
    assert rc == 2 and out == "" and "did you mean 'staging'?" in err
    rc, out, err = run_crane("launch", "-v", "stg", cwd=project, env=path)
    assert rc == 2 and "no agent given" in err


# --- the repo's own demo ------------------------------------------------------------------------


def test_repo_demo_staging_and_production() -> None:
    code = "import os; print(os.environ['DEMO_API_KEY'], os.environ['CRANE_ENV'])"
    rc, out, err = run_crane("run", "-v", "demo", "-e", "staging", "--", PY, "-c", code, cwd=REPO)
    assert rc == 0, err
    assert out.split() == ["demo-staging-key-not-a-real-secret", "dev"]
    rc, out, _ = run_crane("run", "-v", "demo", "--", PY, "-c", code, cwd=REPO)
    assert out.split() == ["demo-prod-key-not-a-real-secret", "prod"]


def test_debug_keeps_the_exit_code(project: Path) -> None:
    rc, _, err = run_crane("--debug", "preflight", "-v", "ghost", cwd=project)
    assert rc == 2
    assert "Traceback" in err and "unknown venture 'ghost'" in err
