"""CRANE_ENV normalisation: every alias, case and whitespace, blanks, junk, strict mode."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crane.envname import display_name, is_truthy, normalize
from tests.core.helpers import ALL_ALIASES, DEV_ALIASES, PROD_ALIASES


def _spellings(alias: str) -> list[str]:
    return [alias, alias.upper(), alias.capitalize(), f"  {alias}  ", f"\t{alias.upper()}\n"]


CASES = (
    [(s, "prod") for a in PROD_ALIASES for s in _spellings(a)]
    + [(s, "dev") for a in DEV_ALIASES for s in _spellings(a)]
)


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_every_alias_in_any_case_and_whitespace(raw: str, expected: str) -> None:
    norm = normalize(raw)
    assert norm.env == expected
    assert norm.known
    assert norm.warning("CRANE_ENV") is None


@pytest.mark.parametrize("raw", [None, "", " ", "\t\n"])
def test_unset_or_blank_means_production_without_warning(raw: str | None) -> None:
    norm = normalize(raw)
    assert norm.env == "prod"
    assert norm.known
    assert norm.warning("CRANE_ENV") is None


@pytest.mark.parametrize("raw", ["prodd", "staging2", "qa", "test", "d e v", "pro-d", "dev,prod", "0", "staging!"])
def test_junk_means_production_with_one_line_warning(raw: str) -> None:
    norm = normalize(raw)
    assert norm.env == "prod"
    assert not norm.known
    warning = norm.warning("CRANE_ENV")
    assert warning is not None
    assert "\n" not in warning
    assert warning.startswith("Warning:")
    assert repr(raw) in warning or raw in warning
    assert "CRANE_ENV" in warning
    for alias in ALL_ALIASES:
        assert alias in warning


def test_warning_names_its_origin() -> None:
    warning = normalize("bogus").warning("--env")
    assert warning is not None and "--env" in warning


def test_display_names() -> None:
    assert display_name("prod") == "production"
    assert display_name("dev") == "staging"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("", False),
     (None, False), ("false", False), ("no", False), ("2", False)],
)
def test_is_truthy(value: str | None, expected: bool) -> None:
    assert is_truthy(value) is expected


@given(st.one_of(st.none(), st.text()))
def test_normalize_never_raises_and_only_answers_prod_or_dev(raw: str | None) -> None:
    norm = normalize(raw)
    assert norm.env in ("prod", "dev")
    folded = (raw or "").strip().lower()
    if folded in DEV_ALIASES:
        assert norm.env == "dev" and norm.known
    elif folded in PROD_ALIASES or not folded:
        assert norm.env == "prod" and norm.known
    else:
        assert norm.env == "prod" and not norm.known
        warning = norm.warning("CRANE_ENV")
        assert warning is not None
        assert "\n" not in warning and "\r" not in warning


@given(st.sampled_from(ALL_ALIASES), st.text(alphabet=" \t\r\n", max_size=3), st.text(alphabet=" \t", max_size=3))
def test_aliases_survive_random_case_and_padding(alias: str, left: str, right: str) -> None:
    mixed = "".join(c.upper() if i % 2 else c for i, c in enumerate(alias))
    assert normalize(left + mixed + right).env == ("dev" if alias in DEV_ALIASES else "prod")
