"""Find the pinned Codex and Gemini CLI clients, and run them (through `crane launch`, or with
crane's install route applied by hand) against the local stand-ins of their model APIs.

Hermetic: a throw-away HOME (and CODEX_HOME), the model API pointed at 127.0.0.1, Codex's
plugins and update check off (it would contact a marketplace at start-up), and the caller's own
Codex/Gemini/OpenAI/crane variables removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INSTALL_SCRIPT = REPO / "scripts" / "install-agent-client.sh"
ENTRY = "from crane.cli.main import entry; entry()"
PINNED = {"codex": ("0.171.0", "CRANE_CODEX_VERSION", "codex", "codex"),
          "gemini": ("0.61.0", "CRANE_GEMINI_VERSION", "gemini-cli", "gemini")}
_CACHE_ROOT = Path(os.environ.get("CRANE_TEST_CACHE") or Path.home() / ".cache" / "crane-test")
_SCRUBBED_PREFIXES = ("CRANE_", "CODEX_", "GEMINI_", "GOOGLE_", "OPENAI_", "ANTHROPIC_", "OTEL_")
RUN_TIMEOUT = 240


class ClientUnavailable(RuntimeError):
    pass


def pinned_version(agent: str) -> str:
    version, override, _, _ = PINNED[agent]
    return os.environ.get(override) or version


def find_client(agent: str) -> Path:
    """`$CRANE_TEST_<AGENT>`, the install script's cache, or the install script itself."""
    version = pinned_version(agent)
    _, override, short, binary = PINNED[agent]
    explicit = os.environ.get(f"CRANE_TEST_{agent.upper()}")
    if explicit:
        path = Path(explicit)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise ClientUnavailable(f"CRANE_TEST_{agent.upper()}={explicit} is not an executable file")
    else:
        path = _CACHE_ROOT / f"{short}-{version}" / "node_modules" / ".bin" / binary
        if not path.is_file():
            proc = subprocess.run(["sh", str(INSTALL_SCRIPT), agent], capture_output=True, text=True, timeout=600,
                                  stdin=subprocess.DEVNULL, check=False,
                                  env={**os.environ, override: version, "CRANE_TEST_CACHE": str(_CACHE_ROOT)})
            lines = proc.stdout.strip().splitlines()
            if proc.returncode != 0 or not lines:
                raise ClientUnavailable(f"{INSTALL_SCRIPT.name} {agent} failed (exit {proc.returncode}): "
                                        f"{proc.stderr.strip()[-1500:]}")
            path = Path(lines[-1])
    reported = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL, check=False, env=base_env(Path(os.environ["HOME"])))
    if version not in reported.stdout.split():
        raise ClientUnavailable(f"{path} reports {reported.stdout.strip()!r}, expected {version}")
    return path


def base_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update(HOME=str(home), NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env.update(extra or {})
    return env


# -- Codex ------------------------------------------------------------------------------------


def codex_model_args(stub_url: str) -> list[str]:
    """`codex exec` arguments that keep it on the stand-in and off the network."""
    provider = (f'model_providers.stub={{name="stub", base_url="{stub_url}/v1", wire_api="responses", '
                'env_key="STUB_API_KEY"}')
    return ["exec", "--skip-git-repo-check", "-c", "model_provider=stub", "-c", "model=gpt-stub", "-c", provider,
            "-c", "features.plugins=false", "-c", "check_for_update_on_startup=false",
            "--dangerously-bypass-approvals-and-sandbox", "do it"]


def codex_env(tmp_path: Path, codex: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    home = tmp_path / "home"
    (home / ".codex").mkdir(parents=True, exist_ok=True)
    return base_env(home, {"CODEX_HOME": str(home / ".codex"), "STUB_API_KEY": "stand-in",
                           "PATH": f"{codex.parent}{os.pathsep}{os.environ.get('PATH', '')}", **(extra or {})})


# -- Gemini -----------------------------------------------------------------------------------


def gemini_model_args() -> list[str]:
    return ["-p", "do it", "--approval-mode", "yolo"]


def gemini_env(tmp_path: Path, gemini: Path, stub_url: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The user's HOME with a ~/.gemini/settings.json choosing API-key auth (the stand-in)."""
    home = tmp_path / "home"
    (home / ".gemini").mkdir(parents=True, exist_ok=True)
    settings = home / ".gemini" / "settings.json"
    if not settings.exists():
        settings.write_text(json.dumps({"security": {"auth": {"selectedType": "gemini-api-key"}}}))
    return base_env(home, {"GEMINI_API_KEY": "stand-in", "GOOGLE_GEMINI_BASE_URL": stub_url,
                           "PATH": f"{gemini.parent}{os.pathsep}{os.environ.get('PATH', '')}", **(extra or {})})


# -- running ----------------------------------------------------------------------------------


def crane_launch(crane_args: Sequence[str], agent: str, agent_args: Sequence[str], env: Mapping[str, str],
                 cwd: Path) -> subprocess.CompletedProcess[str]:
    """`crane launch CRANE_ARGS AGENT -- AGENT_ARGS` as a user runs it (crane from this checkout)."""
    env = {**env, "PYTHONPATH": str(REPO / "launcher")}
    argv = [sys.executable, "-c", ENTRY, "launch", *crane_args, agent, "--", *agent_args]
    return subprocess.run(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=RUN_TIMEOUT, check=False)


def run(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=RUN_TIMEOUT, check=False)
