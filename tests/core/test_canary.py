"""Canary secrets: every command path, success and each error, and no value in any output.

Values are `CANARY-<uuid>`. Only `crane export` stdout (its purpose) and the launched child's own
environment may contain them; both are checked positively so this test cannot pass by accident.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.core.helpers import ENTRY, PY, run_crane, write_dotenv, write_venture


def canary() -> str:
    return f"CANARY-{uuid.uuid4()}"


C = {name: canary() for name in (
    "stg_prod", "stg_prod_db", "stg_staging", "stg_staging_db", "solo", "strict", "req_other", "badname_ok",
    "badname_bad", "nul", "unparse_ok", "unparse_bad", "dangling_ok", "reserved_path", "reserved_home",
    "reserved_crane", "reserved_cred", "reserved_ok", "parent_token", "outer",
)}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("canary")
    p = root / "profiles"
    write_venture(p, "stg", prod={"STG_KEY": C["stg_prod"], "STG_DB": C["stg_prod_db"]},
                  staging={"STG_KEY": C["stg_staging"], "STG_DB": C["stg_staging_db"]}, required=["STG_KEY"])
    write_venture(p, "solo", prod={"SOLO_KEY": C["solo"]})
    write_venture(p, "strict", prod={"STRICT_KEY": C["strict"]}, staging_fallback=False)
    write_venture(p, "req", prod={"REQ_OTHER": C["req_other"]}, required=["REQ_MISSING"])
    write_venture(p, "empty", prod={})
    (p / "empty" / "prod.env").write_text("# nothing\n", encoding="utf-8")
    write_venture(p, "badname")
    (p / "badname" / "prod.env").write_text(f"OK={C['badname_ok']}\n1BAD={C['badname_bad']}\n", encoding="utf-8")
    write_venture(p, "nul")
    (p / "nul" / "prod.env").write_text(f"NULKEY={C['nul']}\0tail\n", encoding="utf-8")
    write_venture(p, "unparse")
    (p / "unparse" / "prod.env").write_text(f'OK={C["unparse_ok"]}\nBROKEN="{C["unparse_bad"]}\n',
                                            encoding="utf-8")
    write_venture(p, "dangling")
    (p / "dangling" / "prod.env").write_text(f"OK={C['dangling_ok']}\nDANGLING\n", encoding="utf-8")
    write_venture(p, "reserved", prod={"PATH": C["reserved_path"], "HOME": C["reserved_home"],
                                       "CRANE_ENV": C["reserved_crane"], "INFISICAL_TOKEN": C["reserved_cred"],
                                       "OK": C["reserved_ok"]})
    (p / "broken.toml").write_text("[api\n", encoding="utf-8")
    write_dotenv(root / "outer.env", {"OUTER": C["outer"]})
    (root / "empty-bin").mkdir()
    return root


class Case(NamedTuple):
    args: tuple[str, ...]
    rc: int
    env: dict[str, str] = {}


def _child(check: str) -> tuple[str, ...]:
    """A child that proves it got (or did not get) a value, printing nothing secret."""
    return ("--", PY, "-c", f"import os, sys; sys.exit(0 if ({check}) else 3)")


V = ("-v",)
CASES: dict[str, Case] = {
    # preflight
    "preflight-prod": Case(("preflight", *V, "stg"), 0),
    "preflight-staging": Case(("preflight", *V, "stg", "-e", "staging"), 0),
    "preflight-json": Case(("preflight", *V, "stg", "-e", "staging", "--json"), 0),
    "preflight-fallback": Case(("preflight", *V, "solo", "-e", "staging"), 0),
    "preflight-fallback-json": Case(("preflight", *V, "solo", "-e", "stg", "--json"), 0),
    "preflight-refused": Case(("preflight", *V, "strict", "-e", "staging"), 1),
    "preflight-missing-required": Case(("preflight", *V, "req"), 1),
    "preflight-missing-required-json": Case(("preflight", *V, "req", "--json"), 1),
    "preflight-zero": Case(("preflight", *V, "empty", "--json"), 1),
    "preflight-invalid-name": Case(("preflight", *V, "badname"), 1),
    "preflight-nul": Case(("preflight", *V, "nul", "--json"), 1),
    "preflight-unparsable": Case(("preflight", *V, "unparse"), 1),
    "preflight-dangling": Case(("preflight", *V, "dangling"), 1),
    "preflight-reserved": Case(("preflight", *V, "reserved", "--json"), 0),
    "preflight-agent-missing": Case(("preflight", *V, "stg", "--agent", "claude"), 1, {"PATH": "EMPTY_BIN"}),
    "preflight-junk-env": Case(("preflight", *V, "stg"), 0, {"CRANE_ENV": "stagin"}),
    "preflight-strict-env": Case(("preflight", *V, "stg"), 2, {"CRANE_ENV": "stagin", "CRANE_STRICT_ENV": "1"}),
    "preflight-unknown-venture": Case(("preflight", *V, "stgg"), 2),
    "preflight-broken-profile": Case(("preflight", *V, "broken"), 2),
    "preflight-no-venture": Case(("preflight",), 2),
    # ventures
    "ventures": Case(("ventures",), 0),
    "ventures-json": Case(("ventures", "--json"), 0),
    # run
    "run-ok": Case(("run", *V, "stg", *_child(f"os.environ['STG_KEY'] == {C['stg_prod']!r}")), 0),
    "run-ok-staging": Case(("run", *V, "stg", "-e", "staging",
                            *_child(f"os.environ['STG_KEY'] == {C['stg_staging']!r}")), 0),
    "run-child-fails": Case(("run", *V, "stg", "--", PY, "-c", "import sys; print('boom', file=sys.stderr); "
                             "sys.exit(42)"), 42),
    "run-child-killed": Case(("run", *V, "stg", "--", PY, "-c", "import os; os.kill(os.getpid(), 15)"), -15),
    "run-missing-required": Case(("run", *V, "req", "--", "true"), 1),
    "run-zero": Case(("run", *V, "empty", "--", "true"), 1),
    "run-fallback": Case(("run", *V, "solo", "-e", "staging", *_child(f"os.environ['SOLO_KEY'] == {C['solo']!r}")),
                         0),
    "run-refused-fallback": Case(("run", *V, "strict", "-e", "staging", "--", "true"), 1),
    "run-no-fallback-flag": Case(("run", *V, "solo", "-e", "staging", "--no-fallback", "--", "true"), 1),
    "run-nested-refused": Case(("run", *V, "stg", "--", "true"), 1,
                               {"CRANE_RUN_ID": "outer", "CRANE_INJECTED": "OUTER", "OUTER": "OUTER_CANARY"}),
    "run-nested-allowed": Case(("run", "--nested", *V, "stg", *_child("'OUTER' not in os.environ")), 0,
                               {"CRANE_RUN_ID": "outer", "CRANE_INJECTED": "OUTER", "OUTER": "OUTER_CANARY"}),
    "run-invalid-name": Case(("run", *V, "badname", "--", "true"), 1),
    "run-nul": Case(("run", *V, "nul", "--", "true"), 1),
    "run-unparsable": Case(("run", *V, "unparse", "--", "true"), 1),
    "run-dangling": Case(("run", *V, "dangling", "--", "true"), 1),
    "run-reserved": Case(("run", *V, "reserved",
                          *_child(f"os.environ['OK'] == {C['reserved_ok']!r} and "
                                  f"os.environ['PATH'] != {C['reserved_path']!r} and "
                                  "'INFISICAL_TOKEN' not in os.environ")), 0),
    "run-parent-credential-dropped": Case(("run", *V, "stg", *_child("'INFISICAL_TOKEN' not in os.environ")), 0,
                                          {"INFISICAL_TOKEN": "PARENT_TOKEN"}),
    "run-command-missing": Case(("run", *V, "stg", "--", "crane-no-such-command"), 127),
    "run-no-command": Case(("run", *V, "stg"), 2),
    # launch
    "launch-unknown-agent": Case(("launch", *V, "stg", PY, "--", "-c",
                                  "import os, sys; sys.exit(0 if os.environ['CRANE_AGENT'] == '1' else 3)"), 0),
    "launch-missing-known-agent": Case(("launch", *V, "stg", "claude"), 127, {"PATH": "EMPTY_BIN"}),
    "launch-nested-refused": Case(("launch", *V, "stg", "true"), 1, {"CRANE_RUN_ID": "outer"}),
    "launch-missing-required": Case(("launch", *V, "req", "true"), 1),
    # export: refused and failing paths print no value
    "export-refused-in-agent": Case(("export", *V, "stg"), 1, {"CRANE_AGENT": "1"}),
    "export-missing-required": Case(("export", *V, "req"), 1),
    "export-invalid-name": Case(("export", *V, "badname", "-f", "json"), 1),
    "export-refused-fallback": Case(("export", *V, "strict", "-e", "dev"), 1),
    # --debug tracebacks must not carry values either
    "debug-run-missing-required": Case(("--debug", "run", *V, "req", "--", "true"), 1),
    "debug-run-invalid-name": Case(("--debug", "run", *V, "badname", "--", "true"), 1),
    "debug-launch-nul": Case(("--debug", "launch", *V, "nul", "true"), 1),
    "debug-export-unparsable": Case(("--debug", "export", *V, "unparse"), 1),
}


def _env(world: Path, case: Case) -> dict[str, str]:
    env = {"INFISICAL_TOKEN": C["parent_token"]}
    env.update({k: str(world / "empty-bin") if v == "EMPTY_BIN" else v for k, v in case.env.items()})
    if env.get("OUTER") == "OUTER_CANARY":
        env["OUTER"] = C["outer"]
    if env.get("INFISICAL_TOKEN") == "PARENT_TOKEN":
        env["INFISICAL_TOKEN"] = C["parent_token"]
    return env


def _assert_no_canary(text: str, where: str) -> None:
    assert "CANARY" not in text, f"a secret value leaked into {where}:\n{text}"


@pytest.mark.parametrize("name", list(CASES))
def test_no_value_in_any_output(world: Path, name: str) -> None:
    case = CASES[name]
    rc, out, err = run_crane(*case.args, env=_env(world, case), cwd=world)
    assert rc == case.rc, f"{name}: rc {rc}\n{out}\n{err}"
    _assert_no_canary(out, f"stdout of {name}")
    _assert_no_canary(err, f"stderr of {name}")
    if name.startswith("debug-"):
        assert "Traceback" in err  # the traceback path really ran


@pytest.mark.parametrize(("args", "expected"), [
    (("export", *V, "stg"), [C["stg_prod"], C["stg_prod_db"]]),
    (("export", *V, "stg", "-e", "staging", "-f", "json"), [C["stg_staging"], C["stg_staging_db"]]),
    (("export", *V, "solo", "-e", "staging", "-f", "shell"), [C["solo"]]),
])
def test_export_stdout_is_the_one_place_values_appear(world: Path, args: tuple[str, ...], expected: list[str]) -> None:
    rc, out, err = run_crane(*args, env={"INFISICAL_TOKEN": C["parent_token"]}, cwd=world)
    assert rc == 0, err
    for value in expected:
        assert value in out  # positive control: the canaries are real and reachable
    assert C["parent_token"] not in out
    _assert_no_canary(err, "stderr of export")


def test_the_child_sees_its_values_only_in_its_environment(world: Path) -> None:
    dump = world / "child-env.txt"  # in the project directory: the agent's /tmp is private (sandbox)
    code = f"import os; open({str(dump)!r}, 'w').write(repr(sorted(os.environ.items())))"
    rc, out, err = run_crane("launch", *V, "stg", "-e", "staging", PY, "--", "-c", code, cwd=world,
                             env={"INFISICAL_TOKEN": C["parent_token"]})
    assert rc == 0, err
    seen = dump.read_text(encoding="utf-8")
    assert C["stg_staging"] in seen and C["stg_staging_db"] in seen
    assert C["stg_prod"] not in seen  # never the other environment's values
    assert C["parent_token"] not in seen  # crane's own credential stays with crane
    _assert_no_canary(out + err, "launch output")


def test_no_value_in_crane_state_or_cache(world: Path, fence: Path) -> None:
    """Nothing crane writes on its own (state, cache, session files) holds a value."""
    for case in ("run-ok", "preflight-json", "run-fallback", "launch-unknown-agent"):
        run_crane(*CASES[case].args, env=_env(world, CASES[case]), cwd=world)
    run_crane("export", *V, "stg", cwd=world)
    written = [p for p in fence.rglob("*") if p.is_file()]
    for path in written:
        assert b"CANARY" not in path.read_bytes(), f"a secret value was written to {path}"


def test_the_nested_refusal_does_not_echo_the_outer_session(world: Path) -> None:
    inner = ("run", *V, "solo", "--", "true")
    rc, out, err = run_crane("run", *V, "stg", "--", PY, "-c", ENTRY, *inner, cwd=world)
    assert rc == 1
    _assert_no_canary(out + err, "nested refusal")


if os.name != "posix":  # pragma: no cover
    pytestmark = pytest.mark.skip("POSIX")
