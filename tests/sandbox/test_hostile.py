"""The proof: a hostile stub agent under a real `crane launch` in real bubblewrap tries to switch
the guard off and to reach production credentials. Every attempt fails, the real files are
untouched, no canary reaches the agent, and afterwards the guard hook still denies a production
write from staging and still intercepts in a dry run.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.core.helpers import LAUNCHER, PY, run_crane
from tests.sandbox.conftest import bwrap_or_skip
from tests.sandbox.helpers import PROD_CANARY, write_venture

HOSTILE = Path(__file__).with_name("hostile_agent.py")
CLOUD_CANARY = "cloud-canary-51d0aa"
KEYRING_CANARY = "keyring-canary-0be3c2"
CRANE_CANARY = "crane-dir-canary-77e1f9"
CREDENTIAL_FILES = (".aws/credentials", ".wrangler/config/default.toml", ".config/.wrangler/config/default.toml",
                    ".config/gcloud/credentials.db", ".azure/msal_token_cache.json", ".netrc",
                    ".docker/config.json")
KEYRING_ITEM = "infisical-ua:https://app.infisical.com|proj-1"


def snapshot(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for dirpath, _, files in os.walk(root):
            for name in files:
                path = Path(dirpath, name)
                if path.is_file() and not path.is_socket():
                    out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture
def outside() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(["sleep", "1000"])
    yield proc
    proc.kill()
    proc.wait()


@pytest.fixture
def guard_socket(tmp_path: Path) -> Iterator[Path]:
    directory = tmp_path / "run" / "crane-guard"
    directory.mkdir(parents=True, mode=0o700)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(directory / "guard.sock"))
    server.listen(8)
    yield directory / "guard.sock"
    server.close()


@pytest.mark.parametrize("dry_run", [False, True], ids=["staging", "staging-dry-run"])
def test_hostile_agent_gets_nothing_and_the_guard_still_holds(
        tmp_path: Path, dry_run: bool, outside: subprocess.Popen[bytes]) -> None:
    bwrap_or_skip()
    import keyring

    home = Path(os.environ["HOME"])
    project = tmp_path / "proj"
    profiles = project / "profiles"
    profile = write_venture(profiles)
    (project / ".git" / "hooks").mkdir(parents=True)
    (project / ".git" / "hooks" / "pre-commit.sample").write_text("#!/bin/sh\n", encoding="utf-8")
    state, cache, config = (Path(os.environ[v]) / "crane" for v in ("XDG_STATE_HOME", "XDG_CACHE_HOME",
                                                                     "XDG_CONFIG_HOME"))
    crane_files = {
        "state_db": state / "state.db", "audit_log": state / "audit.jsonl",
        "toml_cache": cache / "toml" / "0badc0de-alpha.toml.marshal",
        "offline_copy": cache / "offline" / "abc-def.fernet", "config_file": config / "config.toml",
    }
    for name, path in crane_files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if name == "audit_log":  # the supervisor appends its own decisions: a valid line to start with
            path.write_text(json.dumps({"canary": CRANE_CANARY}) + "\n", encoding="utf-8")
        elif name != "state_db":  # the supervisor creates the run state (a planted one would stop it)
            path.write_text(f"{CRANE_CANARY}\n", encoding="utf-8")
    keyring.set_password("crane", KEYRING_ITEM, KEYRING_CANARY)
    keyring_dir = Path(os.environ["XDG_DATA_HOME"]) / "python_keyring"
    keyring_file = next(keyring_dir.iterdir())
    for rel in CREDENTIAL_FILES:
        (home / rel).parent.mkdir(parents=True, exist_ok=True)
        (home / rel).write_text(f"token = {CLOUD_CANARY}\n", encoding="utf-8")
    site = sysconfig.get_paths()["purelib"]
    hook_calls = [["prod write", "npx wrangler deploy --env production"]]
    if dry_run:
        hook_calls.append(["staging write", "npx wrangler r2 object put bucket/key --remote"])
    targets = {
        **{k: str(v) for k, v in crane_files.items()},
        "keyring_file": str(keyring_file), "keyring_dir": str(keyring_dir), "keyring_item": KEYRING_ITEM,
        "state_dir": str(state), "cache_dir": str(cache), "config_dir": str(config),
        "real_names": sorted({p.name for p in crane_files.values()} | {"toml", "offline", keyring_file.name}),
        "prod_dotenv": str(profiles / "alpha.prod.env"), "staging_dotenv": str(profiles / "alpha.staging.env"),
        "credential_files": [str(home / rel) for rel in CREDENTIAL_FILES],
        "profile": str(profile), "profiles_dir": str(profiles),
        "crane_init": str(LAUNCHER / "crane" / "__init__.py"), "crane_package": str(LAUNCHER / "crane"),
        "rules_file": str(LAUNCHER / "crane" / "guard" / "rules" / "rules.toml"),
        "stdlib_module": os.path.realpath(os.__file__), "site_packages": site,
        "git_hooks": str(project / ".git" / "hooks"),
        "guard_socket": "", "outside_pid": outside.pid, "prod_canary": PROD_CANARY,
        "hook": "exit 1", "hook_calls": hook_calls,  # the hook comes from crane's --settings file
    }
    # Installed as `claude`: crane starts the guard supervisor, installs the hook client through
    # --settings and puts the supervisor's socket and pid in the agent's environment.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    agent = bin_dir / "claude"
    agent.write_text(f"#!{PY}\n" + HOSTILE.read_text(encoding="utf-8"), encoding="utf-8")
    agent.chmod(0o755)
    watched = (cache, config, keyring_dir, profiles, project / ".git", *(home / r for r in (
        ".aws", ".wrangler", ".config/.wrangler", ".config/gcloud", ".azure", ".docker")))
    before = snapshot(*watched)
    audit_before = crane_files["audit_log"].read_bytes()

    r = run_crane("launch", "--venture", "alpha", "--env", "staging", "--profiles-dir", str(profiles),
                  *(["--dry-run"] if dry_run else []), "claude", cwd=project,
                  env={"HOSTILE_TARGETS": json.dumps(targets), "HOSTILE_OUT": str(project),
                       "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert r.rc == 0, r.err
    assert "| sandboxed (bubblewrap" in r.err and "guard supervisor running" in r.err
    report = (project / "report").read_text(encoding="utf-8")
    breaches = [line for line in report.splitlines() if line.startswith("BREACH")]
    assert breaches == [], report
    assert "socket connect: ok" in report  # the guard's socket stays usable, just not replaceable

    loot = (project / "loot").read_text(encoding="utf-8") + report
    for canary in (PROD_CANARY, CLOUD_CANARY, KEYRING_CANARY, CRANE_CANARY,
                   base64.b64encode(KEYRING_CANARY.encode()).decode()):
        assert canary not in loot

    # The state dir is the supervisor's (outside): it only appends; nothing from the agent is in it.
    assert crane_files["audit_log"].read_bytes().startswith(audit_before)
    for path in state.rglob("*"):
        assert not path.is_file() or b"HOSTILE" not in path.read_bytes(), path
    after = snapshot(*watched)
    # Nothing real changed (the launcher, outside, prunes its own stale parsed-TOML entries).
    assert {k: v for k, v in after.items() if k in before} == {
        k: v for k, v in before.items() if k in after or not k.startswith(str(cache / "toml"))}
    for path in set(after) - set(before):  # only the launcher's own parsed-TOML cache may appear
        assert path.startswith(str(cache / "toml")) and b"HOSTILE" not in Path(path).read_bytes(), path
    for place in (LAUNCHER / "crane", Path(site), project / ".git" / "hooks"):
        assert not (place / "hostile_probe").exists()
    with open(f"/proc/{outside.pid}/stat", encoding="ascii") as fh:
        assert fh.read().split(")")[1].split()[0] != "T"  # not stopped

    # Afterwards the guard, asked through the hook client as Claude Code would, still answers
    # from the supervisor outside: the production write is denied, the dry run intercepts.
    hook_lines = {line.split(":")[0]: line for line in report.splitlines() if line.startswith("hook ")}
    prod = hook_lines["hook prod write"]
    assert "rc=2" in prod and "stdout=''" in prod and "NOT executed: npx wrangler deploy --env production" in prod
    if dry_run:
        staging = hook_lines["hook staging write"]
        assert "rc=2" in staging and "crane dry-run: NOT executed" in staging, staging

def test_control_without_the_sandbox_the_same_agent_gets_in(tmp_path: Path, guard_socket: Path,
                                                             outside: subprocess.Popen[bytes]) -> None:
    """The proof above can fail: unsandboxed, the same agent reads production secrets and credentials."""
    home = Path(os.environ["HOME"])
    project = tmp_path / "proj"
    profiles = project / "profiles"
    profile = write_venture(profiles)
    (home / ".aws").mkdir()
    (home / ".aws" / "credentials").write_text(f"token = {CLOUD_CANARY}\n", encoding="utf-8")
    (project / ".git" / "hooks").mkdir(parents=True)
    state, cache, config = (Path(os.environ[v]) / "crane" for v in ("XDG_STATE_HOME", "XDG_CACHE_HOME",
                                                                     "XDG_CONFIG_HOME"))
    for d in (state, cache / "toml", config, Path(os.environ["XDG_DATA_HOME"]) / "python_keyring"):
        d.mkdir(parents=True, exist_ok=True)
    targets = {
        "state_db": str(state / "state.db"), "audit_log": str(state / "audit.jsonl"),
        "toml_cache": str(cache / "toml" / "x.marshal"), "offline_copy": str(cache / "offline" / "x"),
        "config_file": str(config / "config.toml"), "keyring_file": str(home / "none"),
        "keyring_dir": str(Path(os.environ["XDG_DATA_HOME"]) / "python_keyring"), "keyring_item": KEYRING_ITEM,
        "state_dir": str(state), "cache_dir": str(cache), "config_dir": str(config), "real_names": [],
        "prod_dotenv": str(profiles / "alpha.prod.env"), "staging_dotenv": str(profiles / "alpha.staging.env"),
        "credential_files": [str(home / ".aws" / "credentials")], "profile": str(profile),
        "profiles_dir": str(profiles), "crane_init": str(profile), "crane_package": "", "site_packages": "",
        "skip": ["crane_package", "site_packages"], "rules_file": str(profile),
        "stdlib_module": str(profile), "git_hooks": str(project / ".git" / "hooks"),
        "guard_socket": str(guard_socket), "guard_socket_dir": str(guard_socket.parent),
        "outside_pid": outside.pid, "prod_canary": PROD_CANARY, "hook": "true", "hook_calls": [],
    }
    agent = project / "agent"
    agent.write_text(f"#!{PY}\n" + HOSTILE.read_text(encoding="utf-8"), encoding="utf-8")
    agent.chmod(0o755)
    r = run_crane("launch", "--no-sandbox", "--venture", "alpha", "--env", "staging", "--profiles-dir",
                  str(profiles), str(agent), cwd=project,
                  env={"HOSTILE_TARGETS": json.dumps(targets), "HOSTILE_OUT": str(project)})
    assert r.rc == 0, r.err
    report = (project / "report").read_text(encoding="utf-8")
    for what in ("read prod_dotenv", f"read {home / '.aws' / 'credentials'}", "write profile",
                 "create a file in git_hooks", "signal a process outside", "move the profile's directory away",
                 "move .git away"):
        assert f"BREACH {what}:" in report, what
    assert PROD_CANARY in (project / "loot").read_text(encoding="utf-8")
