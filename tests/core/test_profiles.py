"""Profiles: the search path, validation errors that name file and field, and broken-profile isolation."""

from __future__ import annotations

from pathlib import Path

import pytest

from crane.errors import ProfileError, UsageError
from crane.profiles import load_profile, search_dirs
from crane.resolve import Request, resolve
from tests.core.helpers import REPO, run_crane, write_venture

GOOD = """\
[api]
prod = "https://api.x.example"
[secrets]
provider = "dotenv"
[secrets.dotenv]
prod = "x/prod.env"
"""


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- search path --------------------------------------------------------------------------------


@pytest.fixture
def layers(tmp_path: Path, fence: Path) -> dict[str, Path]:
    """The same venture `v` in every layer of the search path, each with its own API URL."""
    project = tmp_path / "project"
    cwd = project / "sub" / "dir"
    cwd.mkdir(parents=True)
    dirs = {
        "flag": tmp_path / "flag",
        "env": tmp_path / "env",
        "cwd": cwd / "profiles",
        "parent": project / "profiles",
        "user": fence / ".config" / "crane" / "profiles",
    }
    for layer, d in dirs.items():
        _write(d / "v.toml", GOOD.replace("api.x.example", f"api.{layer}.example"))
    dirs["workdir"] = cwd
    return dirs


def _api(layers: dict[str, Path], use: set[str]) -> str:
    for layer, d in layers.items():
        if layer not in use and layer != "workdir":
            (d / "v.toml").unlink(missing_ok=True)
    res = resolve(Request(venture_flag="v", profiles_dir=str(layers["flag"]) if "flag" in use else None,
                          environ={"CRANE_PROFILES_DIR": str(layers["env"])}, cwd=layers["workdir"]))
    return res.api_base


@pytest.mark.parametrize(
    ("present", "winner"),
    [
        ({"flag", "env", "cwd", "parent", "user"}, "flag"),
        ({"env", "cwd", "parent", "user"}, "env"),
        ({"cwd", "parent", "user"}, "cwd"),
        ({"parent", "user"}, "parent"),
        ({"user"}, "user"),
    ],
)
def test_search_order_first_directory_with_the_file_wins(layers: dict[str, Path], present: set[str],
                                                         winner: str) -> None:
    assert _api(layers, present) == f"https://api.{winner}.example"


def test_search_dirs_lists_every_layer_in_order(layers: dict[str, Path], fence: Path) -> None:
    env = {"CRANE_PROFILES_DIR": f"{layers['env']}:{layers['env'].parent / 'second'}"}
    dirs = search_dirs(str(layers["flag"]), env, layers["workdir"])
    origins = [d.origin for d in dirs]
    assert origins[:3] == ["--profiles-dir", "CRANE_PROFILES_DIR", "CRANE_PROFILES_DIR"]
    assert origins[-1] == "user config"
    assert [Path(d.path) for d in dirs if d.origin == "project"][:2] == [layers["cwd"], layers["parent"]]
    assert Path(dirs[-1].path) == fence / ".config" / "crane" / "profiles"


def test_profiles_dir_list_in_env(tmp_path: Path) -> None:
    write_venture(tmp_path / "b", "second")
    env = {"CRANE_PROFILES_DIR": f"{tmp_path / 'a'}:{tmp_path / 'b'}"}
    res = resolve(Request(venture_flag="second", environ=env, cwd=tmp_path))
    assert Path(res.profile.path) == (tmp_path / "b" / "second.toml").resolve()


# --- validation ---------------------------------------------------------------------------------

BAD_PROFILES = [  # text, words the one-line message must contain
    ("[api]\nprod = \n", ["invalid TOML", "line 2"]),
    ('name = "x"\n\n\n[api\n', ["invalid TOML", "line 4"]),
    (GOOD.replace('"dotenv"', '"vault"'), ["secrets.provider", "'vault'"]),
    (GOOD.replace("https://api.x.example", "api.x.example"), ["api.prod", "malformed URL"]),
    (GOOD.replace("https://api.x.example", "ftp://api.x.example"), ["api.prod", "malformed URL"]),
    (GOOD.replace("https://api.x.example", "https://"), ["api.prod", "malformed URL"]),
    (GOOD.replace("https://api.x.example", "https://api .x.example"), ["api.prod", "malformed URL"]),
    (GOOD.replace("https://api.x.example", "https://api.x.example:44x3"), ["api.prod", "malformed URL"]),
    (GOOD.replace("https://api.x.example", "https://:8080"), ["api.prod", "malformed URL"]),
    (GOOD.replace("https://api.x.example", "https://user@"), ["api.prod", "malformed URL"]),
    (GOOD + '[urls.dev]\nctx = "nope"\n', ["urls.dev.ctx", "malformed URL"]),
    (GOOD.replace('prod = "https://api.x.example"', ""), ["api.prod", "required"]),
    ("stagign_fallback = false\n" + GOOD, ["stagign_fallback", "unknown field"]),
    ('staging_fallback = "no"\n' + GOOD, ["staging_fallback", "true or false"]),
    (GOOD.replace('provider = "dotenv"', 'provider = "dotenv"\nrequired = "KEY"'), ["secrets.required"]),
    (GOOD.replace('prod = "x/prod.env"', ""), ["secrets.dotenv.prod", "required"]),
    (GOOD.replace('[secrets]\nprovider = "dotenv"', "[secrets]"), ["secrets.provider", "required"]),
]


@pytest.mark.parametrize(("text", "words"), BAD_PROFILES)
def test_bad_profiles_name_file_and_field(tmp_path: Path, text: str, words: list[str]) -> None:
    path = _write(tmp_path / "x.toml", text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    message = info.value.message
    assert str(path) in message
    for word in words:
        assert word in message
    assert info.value.exit_code == 2


@pytest.mark.parametrize(("text", "words"), BAD_PROFILES[:5])
def test_bad_profiles_through_the_cli_exit_2_without_traceback(tmp_path: Path, text: str,
                                                               words: list[str]) -> None:
    _write(tmp_path / "profiles" / "x.toml", text)
    rc, out, err = run_crane("preflight", "--venture", "x", cwd=tmp_path)
    assert rc == 2
    assert "Traceback" not in err
    assert err.startswith("crane: error: ")
    for word in words:
        assert word in err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    _write(tmp_path / "profiles" / "x.toml", "[api\n")
    for args, env in ((("--debug", "preflight", "-v", "x"), {}), (("preflight", "-v", "x"), {"CRANE_DEBUG": "1"})):
        rc, _, err = run_crane(*args, env=env, cwd=tmp_path)
        assert "Traceback" in err
        assert "ProfileError" in err
        assert rc != 0


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "https://[::1]:8443/base", "https://api.x.example/v1",
                                 "HTTPS://API.X.EXAMPLE"])
def test_good_urls_are_accepted_without_trailing_slash(tmp_path: Path, url: str) -> None:
    path = _write(tmp_path / "x.toml", GOOD.replace("https://api.x.example", url + "/"))
    assert load_profile(path).urls["prod"]["api"] == url


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.toml", GOOD.replace("[secrets]\n", "[secrets]\nrequird = []\n"))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert "secrets.requird" in info.value.message
    assert "required" in (info.value.hint or "")


def test_profile_fields_are_read(tmp_path: Path) -> None:
    path = write_venture(tmp_path, "rich-one", name="Rich One", staging={"A": "1"}, required=["A"],
                         staging_fallback=False, urls={"prod": {"ctx": "https://ctx.example/"},
                                                       "dev": {"ctx": "https://stg.ctx.example"}})
    p = load_profile(path)
    assert (p.code, p.name, p.provider, p.required, p.staging_fallback) == (
        "rich-one", "Rich One", "dotenv", ("A",), False)
    assert p.urls["prod"] == {"ctx": "https://ctx.example", "api": "https://api.rich-one.example"}
    assert p.urls["dev"]["api"] == "https://staging-api.rich-one.example"
    assert p.dotenv is not None and Path(p.dotenv.files["dev"]) == (tmp_path / "rich-one" / "staging.env").resolve()
    assert p.staging_gaps() == []


def test_repo_demo_profile_is_valid_and_has_staging() -> None:
    p = load_profile(REPO / "profiles" / "demo.toml")
    assert p.staging_gaps() == []
    assert p.urls["prod"]["api"] == "https://api.demo.example"
    assert p.urls["dev"]["api"] == "https://staging-api.demo.example"
    assert "DEMO_API_KEY" in p.required


# --- isolation of a broken profile --------------------------------------------------------------


def test_a_broken_profile_breaks_only_its_own_venture(tmp_path: Path) -> None:
    profiles = tmp_path / "profiles"
    write_venture(profiles, "good")
    _write(profiles / "broken.toml", "[api]\nprod = \n")
    _write(profiles / "worse.toml", GOOD.replace('"dotenv"', '"nope"'))

    rc, out, err = run_crane("ventures", cwd=tmp_path)
    assert rc == 0, err
    header, *rows = out.splitlines()
    assert header.split() == ["VENTURE", "NAME", "SECRETS", "ENVIRONMENTS", "PROFILE"]
    lines = {line.split()[0]: line for line in rows}
    assert set(lines) == {"good", "broken", "worse"}
    assert lines["good"].split()[:4] == ["good", "good", "dotenv", "production"]
    assert lines["good"].index(str((profiles / "good.toml").resolve())) == header.index("PROFILE")
    assert "BROKEN" in lines["broken"] and "line 2" in lines["broken"]
    assert "BROKEN" in lines["worse"] and "BROKEN" not in lines["good"]

    rc, out, err = run_crane("ventures", "--json", cwd=tmp_path)
    rows = {row["venture"]: row for row in __import__("json").loads(out)}
    assert rows["good"]["error"] is None and rows["good"]["provider"] == "dotenv"
    assert rows["broken"]["error"] and rows["worse"]["error"]

    assert run_crane("preflight", "-v", "good", cwd=tmp_path).rc == 0
    assert run_crane("preflight", "-v", "broken", cwd=tmp_path).rc == 2
    # The config module is not disturbed by a neighbour's broken file either.
    res = resolve(Request(venture_flag="good", environ={}, cwd=tmp_path))
    assert res.api_base == "https://api.good.example"


def test_unknown_venture_did_you_mean_exit_2(tmp_path: Path) -> None:
    write_venture(tmp_path / "profiles", "alpha")
    write_venture(tmp_path / "profiles", "beta")
    rc, out, err = run_crane("preflight", "--venture", "alpah", cwd=tmp_path)
    assert rc == 2
    assert "did you mean 'alpha'" in err
    assert "alpha, beta" in err
    assert "Traceback" not in err and out == ""


def test_unknown_venture_everywhere_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        resolve(Request(venture_flag="ghost", environ={}, cwd=tmp_path))


def test_invalid_crane_toml_marker_exit_2(tmp_path: Path) -> None:
    write_venture(tmp_path / "profiles", "alpha")
    _write(tmp_path / ".crane.toml", "venture = \n")
    rc, _, err = run_crane("preflight", cwd=tmp_path)
    assert rc == 2 and ".crane.toml" in err and "Traceback" not in err
    _write(tmp_path / ".crane.toml", "venture = 3\n")
    rc, _, err = run_crane("preflight", cwd=tmp_path)
    assert rc == 2 and "venture" in err
