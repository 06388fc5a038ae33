"""Shared helpers for the core suite: run the real CLI like a user, and write throwaway ventures."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

import pytest

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "launcher"
ENTRY = "from crane.cli.main import entry; entry()"
PY = sys.executable

STAGING_API = "https://staging-api.{code}.example"
PROD_API = "https://api.{code}.example"


class CliResult(NamedTuple):
    rc: int
    out: str
    err: str

    @property
    def output(self) -> str:
        return self.out + self.err


def subprocess_env(extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The (fenced) test environment plus PYTHONPATH for crane; a None value removes a variable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(LAUNCHER), env.get("PYTHONPATH", "")) if p)
    env.pop("PYTHONSTARTUP", None)
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def run_crane(
    *args: str,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | str | None = None,
    timeout: float = 60,
) -> CliResult:
    """Run `crane ARGS...` in a fresh interpreter, stdin not a terminal; returns (rc, stdout, stderr)."""
    proc = subprocess.run(
        [PY, "-c", ENTRY, *args],
        env=subprocess_env(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def run_python(code: str, *, env: Mapping[str, str | None] | None = None, cwd: Path | str | None = None,
               timeout: float = 60) -> CliResult:
    proc = subprocess.run([PY, "-c", code], env=subprocess_env(env), cwd=cwd, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def dotenv_quote(value: str) -> str:
    """Single-quoted dotenv value as python-dotenv reads it back (only \\\\ and \\' are escapes)."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def write_dotenv(path: Path, secrets: Mapping[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{key}={dotenv_quote(value)}" for key, value in secrets.items()]
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def write_venture(
    root: Path,
    code: str,
    *,
    prod: Mapping[str, str] | None = None,
    staging: Mapping[str, str] | None = None,
    staging_api: bool | None = None,
    staging_file: bool | None = None,
    required: Sequence[str] = (),
    staging_fallback: bool | None = None,
    name: str | None = None,
    urls: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """A dotenv venture `<root>/<code>.toml` with `<root>/<code>/{prod,staging}.env`.

    Staging is configured (API URL and secrets file) when `staging` is given, unless
    `staging_api` / `staging_file` say otherwise.
    """
    root.mkdir(parents=True, exist_ok=True)
    prod = {f"{code.upper().replace('-', '_')}_KEY": f"{code}-prod-value"} if prod is None else prod
    has_api = staging is not None if staging_api is None else staging_api
    has_file = staging is not None if staging_file is None else staging_file
    lines = []
    if name is not None:
        lines.append(f'name = "{name}"')
    if staging_fallback is not None:
        lines.append(f"staging_fallback = {'true' if staging_fallback else 'false'}")
    lines += ["[api]", f'prod = "{PROD_API.format(code=code)}"']
    if has_api:
        lines.append(f'dev = "{STAGING_API.format(code=code)}"')
    for env, table in (urls or {}).items():
        lines.append(f"[urls.{env}]")
        lines += [f'{key} = "{url}"' for key, url in table.items()]
    lines += ["[secrets]", 'provider = "dotenv"']
    if required:
        lines.append("required = [" + ", ".join(f'"{r}"' for r in required) + "]")
    lines += ["[secrets.dotenv]", f'prod = "{code}/prod.env"']
    if has_file:
        lines.append(f'dev = "{code}/staging.env"')
    write_dotenv(root / code / "prod.env", prod)
    if staging is not None:
        write_dotenv(root / code / "staging.env", staging)
    toml = root / f"{code}.toml"
    toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return toml


# A child that reports the environment it was given, as JSON on stdout.
DUMP_ENV = [PY, "-c", "import json, os; print(json.dumps(dict(os.environ)))"]

PROD_ALIASES = ["prod", "production", "prd", "live"]
DEV_ALIASES = ["dev", "staging", "stage", "stg", "development"]
ALL_ALIASES = PROD_ALIASES + DEV_ALIASES


def fake_claude_path(tmp_path: Path, body: str) -> str:
    """A PATH whose `claude` is a shell script running `body`, for tests that run crane's real hook
    with `python -I` (skipped locally, failed in CI, when crane is not installed in this interpreter)."""
    if subprocess.run([sys.executable, "-I", "-c", "import crane.guard.run.hook"], capture_output=True).returncode:
        message = "crane is not installed in this interpreter (pip install -e .): the hook cannot run isolated"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    claude = bin_dir / "claude"
    claude.write_text(f"#!/bin/sh\n{body}\n")
    claude.chmod(claude.stat().st_mode | stat.S_IXUSR)
    return f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
