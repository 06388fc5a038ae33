"""`import crane` stays light (stdlib only), and crane's directories agree with platformdirs."""

from __future__ import annotations

import json
from pathlib import Path

import platformdirs
import pytest

from crane import paths
from tests.core.helpers import run_python, write_venture

HEAVY = ("typer", "click", "rich", "pydantic", "keyring", "infisical_sdk", "requests", "dotenv", "cryptography",
         "tree_sitter", "tree_sitter_bash", "redis", "platformdirs")


def _loaded(code: str, env: dict[str, str | None] | None = None, cwd: Path | None = None) -> set[str]:
    rc, out, err = run_python(f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))", env=env, cwd=cwd)
    assert rc == 0, err
    modules: list[str] = json.loads(out.splitlines()[-1])
    return {m.split(".")[0] for m in modules}


def test_import_crane_is_stdlib_only() -> None:
    assert not _loaded("import crane") & set(HEAVY)


def test_the_config_module_calls_stay_stdlib_only(tmp_path: Path) -> None:
    write_venture(tmp_path / "profiles", "light", staging={"K": "v"}, urls={"dev": {"ctx": "https://c.example"}})
    code = ("import crane; crane.get_crane_env(); crane.get_environment_name(); crane.get_api_base(); "
            "crane.get_url('ctx')")
    loaded = _loaded(code, env={"CRANE_VENTURE": "light", "CRANE_ENV": "staging"}, cwd=tmp_path)
    assert not loaded & set(HEAVY)
    assert "crane" in loaded


@pytest.mark.parametrize("module", ["crane.envname", "crane.paths", "crane.profiles", "crane.resolve", "crane.errors",
                                    "crane.launch", "crane.checks", "crane.secrets"])
def test_core_modules_do_not_import_third_party_packages(module: str) -> None:
    assert not _loaded(f"import {module}") & set(HEAVY)


# --- directories --------------------------------------------------------------------------------


def _compare() -> None:
    assert paths.user_config_dir() == Path(platformdirs.user_config_dir("crane", appauthor=False))
    assert paths.user_state_dir() == Path(platformdirs.user_state_dir("crane", appauthor=False))
    assert paths.user_cache_dir() == Path(platformdirs.user_cache_dir("crane", appauthor=False))


def test_paths_agree_with_platformdirs_under_the_fence() -> None:
    _compare()


def test_paths_agree_with_platformdirs_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    _compare()


def test_paths_agree_with_platformdirs_with_custom_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    _compare()


def test_crane_overrides_move_state_and_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CRANE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CRANE_CACHE_DIR", str(tmp_path / "cache"))
    assert paths.user_state_dir() == tmp_path / "state"
    assert paths.user_cache_dir() == tmp_path / "cache"


def test_relative_xdg_values_are_ignored(monkeypatch: pytest.MonkeyPatch, fence: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/dir")
    assert paths.user_config_dir() == fence / ".config" / "crane"
