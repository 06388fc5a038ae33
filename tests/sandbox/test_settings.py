"""The profile's [sandbox] table: valid forms load, bad ones name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from crane.errors import ProfileError
from crane.profiles import load_profile
from tests.sandbox.helpers import write_venture


def test_no_table_means_defaults(tmp_path: Path) -> None:
    assert load_profile(write_venture(tmp_path)).sandbox is None


def test_valid_table(tmp_path: Path) -> None:
    profile = load_profile(write_venture(tmp_path, sandbox='mode = "required"\nhide = ["~/.config/gh", '
                                                          '"$SSH_AUTH_SOCK"]\nexpose = ["/home/x/.aws"]'))
    assert profile.sandbox is not None
    assert (profile.sandbox.mode, profile.sandbox.hide, profile.sandbox.expose) == (
        "required", ("~/.config/gh", "$SSH_AUTH_SOCK"), ("/home/x/.aws",))


@pytest.mark.parametrize(("body", "field", "words"), [
    ('mode = "sometimes"', "sandbox.mode", "must be one of"),
    ("mode = true", "sandbox.mode", "must be one of"),
    ('hide = "~/.aws"', "sandbox.hide", "list of paths"),
    ('hide = ["relative/path"]', "sandbox.hide[0]", "absolute path"),
    ('expose = ["~/.aws", ""]', "sandbox.expose", "list of paths"),
    ('mdoe = "off"', "sandbox.mdoe", "unknown field"),
])
def test_bad_values_name_file_and_field(tmp_path: Path, body: str, field: str, words: str) -> None:
    path = write_venture(tmp_path, sandbox=body)
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert str(path) in err.value.message and f"{field}:" in err.value.message and words in err.value.message
    assert "relative/path" not in err.value.message or field.endswith("[0]")  # names the field, not a secret


def test_sandbox_must_be_a_table(tmp_path: Path) -> None:
    path = tmp_path / "beta.toml"
    path.write_text('sandbox = "on"\n[api]\nprod = "https://api.example"\n[secrets]\nprovider = "dotenv"\n'
                    '[secrets.dotenv]\nprod = "p.env"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match="sandbox: must be a table"):
        load_profile(path)
