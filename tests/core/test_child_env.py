"""The child's environment: `launch.build_child_env`, dict in, dict out, table-tested."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crane.errors import NestedLaunchError, SecretsError
from crane.launch import build_child_env
from crane.resolve import Request, Resolution, resolve
from crane.secrets.loader_vars import is_loader_var
from tests.core.helpers import write_venture

CREDENTIALS = ["INFISICAL_TOKEN", "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID", "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET",
               "INFISICAL_UNIVERSAL_AUTH_ACCESS_TOKEN"]
RESERVED = ["PATH", "HOME", "SHELL", "USER", "TERM", "PWD", "LC_ALL", "LC_CTYPE", "XDG_CONFIG_HOME",
            "XDG_RUNTIME_DIR", "CRANE_ENV", "CRANE_ENV_REQUESTED", "CRANE_VENTURE_CODE", "CRANE_PROFILE",
            "CRANE_RUN_ID", "CRANE_INJECTED", "CRANE_AGENT", "CRANE_SOMETHING_NEW"]


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Resolution]:
    root = tmp_path_factory.mktemp("childenv")
    write_venture(root, "stg", name="Staging Co", staging={"K": "v"})
    write_venture(root, "solo", name="Solo Co")

    def res(code: str, env: str) -> Resolution:
        return resolve(Request(venture_flag=code, env_flag=env, profiles_dir=str(root), environ={}, cwd=root))

    return {"staging": res("stg", "staging"), "prod": res("stg", "prod"), "fallback": res("solo", "staging")}


# parent env, secrets, must be in the child (subset), must be absent, words in the warnings
CASES: list[tuple[dict[str, str], dict[str, str], dict[str, str], set[str], list[str]]] = [
    ({"PATH": "/usr/bin"}, {"PATH": "/evil", "API_KEY": "k"}, {"PATH": "/usr/bin", "API_KEY": "k"}, set(),
     ["PATH"]),
    ({"INFISICAL_TOKEN": "t"}, {"API_KEY": "k"}, {"API_KEY": "k"}, {"INFISICAL_TOKEN"}, []),
    (dict.fromkeys(CREDENTIALS, "cred"), {"A": "1"}, {"A": "1"}, set(CREDENTIALS), []),
    ({"INFISICAL_API_URL": "https://i.example"}, {"A": "1"}, {"INFISICAL_API_URL": "https://i.example"}, set(), []),
    ({"API_KEY": "from-parent", "KEEP": "me"}, {"API_KEY": "from-secret"}, {"API_KEY": "from-secret", "KEEP": "me"},
     set(), []),
    ({}, {"INFISICAL_TOKEN": "leak"}, {}, {"INFISICAL_TOKEN"}, ["INFISICAL_TOKEN"]),
    ({"HOME": "/home/u"}, {"HOME": "/tmp/x"}, {"HOME": "/home/u"}, set(), ["HOME"]),
    ({}, {"SHELL": "/bin/evil"}, {}, {"SHELL"}, ["SHELL"]),
    ({"LC_ALL": "C.UTF-8"}, {"LC_ALL": "xx"}, {"LC_ALL": "C.UTF-8"}, set(), ["LC_ALL"]),
    ({}, {"XDG_DATA_HOME": "/x"}, {}, {"XDG_DATA_HOME"}, ["XDG_DATA_HOME"]),
    ({}, {"CRANE_ENV": "dev"}, {"CRANE_ENV": "prod"}, set(), ["CRANE_ENV"]),
    ({}, {"CRANE_AGENT": "0"}, {}, {"CRANE_AGENT"}, ["CRANE_AGENT"]),
    # An outer session's variables never survive into this one.
    ({"CRANE_ENV": "dev", "CRANE_VENTURE_CODE": "other", "CRANE_AGENT": "1", "CRANE_DRY_RUN": "1"}, {"A": "1"},
     {"CRANE_ENV": "prod", "CRANE_VENTURE_CODE": "stg"}, {"CRANE_AGENT", "CRANE_DRY_RUN"}, []),
    ({"NODE_OPTIONS": "--x"}, {"EMPTY": ""}, {"NODE_OPTIONS": "--x", "EMPTY": ""}, set(), []),
]


@pytest.mark.parametrize(("parent", "secrets", "present", "absent", "warned"), CASES)
def test_child_env(sessions: dict[str, Resolution], parent: dict[str, str], secrets: dict[str, str],
                   present: dict[str, str], absent: set[str], warned: list[str]) -> None:
    child = build_child_env(parent, secrets, sessions["prod"])
    assert present.items() <= child.env.items()
    assert not (absent & child.env.keys())
    for word in warned:
        assert any(word in w for w in child.warnings), child.warnings
    if not warned:
        assert child.warnings == ()
    # Warnings name keys, never values.
    for value in secrets.values():
        if len(value) > 2:
            assert not any(value in w for w in child.warnings)


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_names_are_never_overwritten(sessions: dict[str, Resolution], name: str) -> None:
    child = build_child_env({name: "parent-value"}, {name: "SECRET-VALUE", "OK": "1"}, sessions["prod"], nested=True)
    assert child.env.get(name) != "SECRET-VALUE"
    assert [w for w in child.warnings if name in w]
    assert name not in child.env["CRANE_INJECTED"].split(",")
    assert not any("SECRET-VALUE" in w for w in child.warnings)


@pytest.mark.parametrize(
    ("session", "env", "requested"),
    [("staging", "dev", "dev"), ("prod", "prod", "prod"), ("fallback", "prod", "dev")],
)
def test_crane_variables(sessions: dict[str, Resolution], session: str, env: str, requested: str) -> None:
    res = sessions[session]
    child = build_child_env({"PATH": "/bin"}, {"B_KEY": "b", "A_KEY": "a", "PATH": "x"}, res)
    e = child.env
    assert e["CRANE_ENV"] == env
    assert e["CRANE_ENV_REQUESTED"] == requested
    assert e["CRANE_VENTURE_CODE"] == res.venture
    assert e["CRANE_VENTURE_NAME"] == ("Solo Co" if session == "fallback" else "Staging Co")
    assert Path(e["CRANE_PROFILE"]).is_absolute()
    assert Path(e["CRANE_PROFILE"]) == Path(res.profile.path)
    assert e["CRANE_INJECTED"] == "A_KEY,B_KEY"
    assert str(uuid.UUID(e["CRANE_RUN_ID"])) == e["CRANE_RUN_ID"] == child.run_id
    assert "CRANE_AGENT" not in e


def test_run_id_is_fresh_and_agent_marker(sessions: dict[str, Resolution]) -> None:
    a = build_child_env({}, {"A": "1"}, sessions["prod"])
    b = build_child_env({}, {"A": "1"}, sessions["prod"], agent=True)
    assert a.run_id != b.run_id
    assert b.env["CRANE_AGENT"] == "1" and "CRANE_AGENT" not in a.env


def test_pure_inputs_untouched_and_silent(sessions: dict[str, Resolution],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    parent = {"PATH": "/bin", "INFISICAL_TOKEN": "t", "CRANE_INJECTED": "X"}
    secrets = {"PATH": "/evil", "A": "1"}
    before = (dict(parent), dict(secrets))
    build_child_env(parent, secrets, sessions["prod"], nested=True)
    assert (parent, secrets) == before
    captured = capsys.readouterr()
    assert captured.out == captured.err == ""


def test_nested_refused_without_flag(sessions: dict[str, Resolution]) -> None:
    parent = {"CRANE_RUN_ID": str(uuid.uuid4()), "CRANE_VENTURE_CODE": "outer"}
    with pytest.raises(NestedLaunchError) as info:
        build_child_env(parent, {"A": "1"}, sessions["prod"])
    assert info.value.exit_code == 1
    assert "--nested" in (info.value.hint or "")


def test_nested_drops_the_outer_sessions_secrets_first(sessions: dict[str, Resolution]) -> None:
    parent = {"CRANE_RUN_ID": "outer-run", "CRANE_INJECTED": "OUTER_A,OUTER_B,SHARED", "OUTER_A": "a",
              "OUTER_B": "b", "SHARED": "outer", "MINE": "kept", "CRANE_ENV": "dev"}
    child = build_child_env(parent, {"SHARED": "inner", "INNER": "i"}, sessions["prod"], nested=True)
    assert "OUTER_A" not in child.env and "OUTER_B" not in child.env
    assert child.env["SHARED"] == "inner"
    assert child.env["MINE"] == "kept"
    assert child.env["CRANE_INJECTED"] == "INNER,SHARED"
    assert child.env["CRANE_RUN_ID"] != "outer-run"
    assert child.env["CRANE_ENV"] == "prod"


@pytest.mark.parametrize(
    ("secrets", "named"),
    [({"1BAD": "CANARY-x"}, "1BAD"), ({"A-B": "CANARY-x"}, "A-B"), ({"A B": "CANARY-x"}, "A B"),
     ({"": "CANARY-x"}, "''"), ({"GOOD": "CANARY-\0-x"}, "GOOD")],
)
def test_invalid_names_and_nul_values_are_refused(sessions: dict[str, Resolution], secrets: dict[str, str],
                                                  named: str) -> None:
    with pytest.raises(SecretsError) as info:
        build_child_env({}, secrets, sessions["prod"])
    assert info.value.exit_code == 1
    assert named in info.value.message
    assert "CANARY" not in info.value.message + (info.value.hint or "")


NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True)
VALUES = st.text(st.characters(exclude_characters="\0", codec="utf-8"), max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parent=st.dictionaries(NAMES, VALUES, max_size=8), secrets=st.dictionaries(NAMES, VALUES, max_size=8))
def test_child_env_rules_hold_for_any_input(sessions: dict[str, Resolution], parent: Mapping[str, str],
                                            secrets: Mapping[str, str]) -> None:
    parent = {k: v for k, v in parent.items() if k != "CRANE_RUN_ID"}
    loaders = sorted(k for k in secrets if is_loader_var(k))
    if loaders:  # e.g. ENV, PS1, LD_X: refused as a whole, naming the key, never the value
        with pytest.raises(SecretsError) as info:
            build_child_env(parent, secrets, sessions["fallback"])
        assert loaders[0] in info.value.message
        return
    child = build_child_env(parent, secrets, sessions["fallback"]).env
    reserved = {k for k in secrets if k in RESERVED or k.startswith(("LC_", "XDG_", "CRANE_")) or
                k in ("PATH", "HOME", "SHELL", "USER", "TERM", "PWD") or k in CREDENTIALS}
    for key, value in secrets.items():
        if key not in reserved:
            assert child[key] == value
    for key in reserved:
        if key.startswith("CRANE_") or key in CREDENTIALS:
            continue
        assert child.get(key) == parent.get(key)
    for key, value in parent.items():
        if key not in secrets and not key.startswith("CRANE_") and key not in CREDENTIALS:
            assert child[key] == value
    assert not set(CREDENTIALS) & child.keys()
    assert child["CRANE_ENV"] == "prod" and child["CRANE_ENV_REQUESTED"] == "dev"
    injected = {n for n in child["CRANE_INJECTED"].split(",") if n}
    assert injected == set(secrets) - reserved
