"""Secret names that change how programs load code (LD_PRELOAD, NODE_OPTIONS, BASH_ENV, ...) are
refused unless the profile allows the exact name: exit 1, naming the key, never the value."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from crane.errors import SecretsError
from crane.launch import build_child_env
from crane.resolve import Request, Resolution, resolve
from crane.secrets.loader_vars import is_loader_var
from tests.core.helpers import DUMP_ENV, run_crane, write_venture


def canary() -> str:
    return f"CANARY-{uuid.uuid4()}"


REFUSED = [
    "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "LD_BIND_NOW", "DYLD_INSERT_LIBRARIES", "DYLD_LIBRARY_PATH",
    "NODE_OPTIONS", "NODE_PATH", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "PYTHONWARNINGS", "PERL5OPT",
    "PERL5LIB", "RUBYOPT", "RUBYLIB", "BASH_ENV", "ENV", "PROMPT_COMMAND", "PS4", "GIT_SSH_COMMAND", "GIT_SSH",
    "GIT_CONFIG_COUNT", "GIT_CONFIG_KEY_0", "GIT_CONFIG_VALUE_0", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_GLOBAL",
    "GIT_EXEC_PATH", "GIT_ASKPASS", "SSH_ASKPASS", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "CLASSPATH",
    "EDITOR", "VISUAL", "PAGER", "GIT_PAGER", "LESSOPEN", "GCONV_PATH", "OPENSSL_CONF", "LUA_INIT",
    "DOTNET_STARTUP_HOOKS", "ld_preload", "Node_Options",
]
HARMLESS = ["PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "NODE_ENV", "LDAP_URL", "GIT_AUTHOR_NAME",
            "ENVIRONMENT", "GITHUB_TOKEN", "API_KEY", "EDITOR_URL", "LD", "OLD_PRELOAD"]


def _venture(root: Path, code: str, prod: dict[str, str], allow: list[str] | None = None) -> Path:
    toml = write_venture(root, code, prod=prod)
    if allow is not None:
        listed = ", ".join(f'"{name}"' for name in allow)
        text = toml.read_text(encoding="utf-8").replace('provider = "dotenv"\n',
                                                         f'provider = "dotenv"\nallow_loader_vars = [{listed}]\n')
        toml.write_text(text, encoding="utf-8")
    return toml


def _resolution(root: Path, code: str) -> Resolution:
    return resolve(Request(venture_flag=code, env_flag="prod", profiles_dir=str(root), environ={}, cwd=root))


@pytest.mark.parametrize("name", REFUSED)
def test_loader_names_are_refused_naming_the_key_never_the_value(tmp_path: Path, name: str) -> None:
    _venture(tmp_path, "acme", {"API_KEY": "k"})
    value = canary()
    with pytest.raises(SecretsError) as info:
        build_child_env({}, {"API_KEY": "k", name: value}, _resolution(tmp_path, "acme"))
    err = info.value
    assert err.exit_code == 1
    assert name in err.message and "load code" in err.message
    assert "allow_loader_vars" in (err.hint or "") and "acme.toml" in (err.hint or "")
    assert value not in err.message + (err.hint or "")


@pytest.mark.parametrize("name", HARMLESS)
def test_lookalike_names_are_ordinary_secrets(tmp_path: Path, name: str) -> None:
    assert not is_loader_var(name)
    _venture(tmp_path, "acme", {"API_KEY": "k"})
    child = build_child_env({}, {name: "v"}, _resolution(tmp_path, "acme"))
    assert child.env[name] == "v"


def test_the_profile_allows_exact_names_only(tmp_path: Path) -> None:
    _venture(tmp_path, "acme", {"API_KEY": "k"}, allow=["NODE_OPTIONS"])
    res = _resolution(tmp_path, "acme")
    assert res.profile.allow_loader_vars == ("NODE_OPTIONS",)
    assert build_child_env({}, {"NODE_OPTIONS": "--max-old-space-size=4096"}, res).env["NODE_OPTIONS"] == (
        "--max-old-space-size=4096")
    with pytest.raises(SecretsError, match="LD_PRELOAD") as info:
        build_child_env({}, {"NODE_OPTIONS": "x", "LD_PRELOAD": "y", "BASH_ENV": "z"}, res)
    assert "BASH_ENV" in info.value.message and "NODE_OPTIONS" not in info.value.message


def test_run_preflight_and_export_refuse_with_exit_1_and_no_canary(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    values = {"API_KEY": canary(), "LD_PRELOAD": canary(), "NODE_OPTIONS": canary()}
    _venture(root, "acme", values)
    marker = tmp_path / "launched"
    common = ("-v", "acme", "--profiles-dir", str(root))
    results = {
        "run": run_crane("run", *common, "--", "touch", str(marker)),
        "launch": run_crane("launch", *common, "touch", str(marker)),
        "preflight": run_crane("preflight", *common),
        "preflight-json": run_crane("preflight", *common, "--json"),
        "export": run_crane("export", *common),
    }
    for command, result in results.items():
        assert result.rc == 1, (command, result.err)
        assert "LD_PRELOAD" in result.output and "NODE_OPTIONS" in result.output, command
        for value in values.values():
            assert value not in result.output, command
        assert "Traceback" not in result.output and "bug in crane" not in result.output
    assert not marker.exists()


def test_an_allowed_name_reaches_the_child(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    value = canary()
    _venture(root, "acme", {"API_KEY": "k", "PERL5OPT": value}, allow=["PERL5OPT"])
    result = run_crane("run", "-v", "acme", "--profiles-dir", str(root), "--", *DUMP_ENV)
    assert result.rc == 0, result.err
    assert json.loads(result.out)["PERL5OPT"] == value  # the child's environment is where it belongs
    assert value not in result.err


def test_a_malformed_allow_list_is_a_profile_error(tmp_path: Path) -> None:
    root = tmp_path / "profiles"
    toml = _venture(root, "acme", {"API_KEY": "k"})
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'provider = "dotenv"\n', 'provider = "dotenv"\nallow_loader_vars = "NODE_OPTIONS"\n'), encoding="utf-8")
    result = run_crane("run", "-v", "acme", "--profiles-dir", str(root), "--", "true")
    assert result.rc == 2
    assert "secrets.allow_loader_vars" in result.err
