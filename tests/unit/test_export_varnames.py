"""Column names safe for R, Stata, SPSS and pandas."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from workbench.formats.varnames import MAX_LENGTH
from workbench.formats.varnames import NameRegistry
from workbench.formats.varnames import is_safe_name
from workbench.formats.varnames import safe_name


def test_names_are_ascii_start_with_a_letter_and_fit_stata() -> None:
    assert safe_name("Public-private partnership") == "public_private_partnership"
    assert safe_name("Sécurité & coopération") == "securite_cooperation"
    assert safe_name("2nd round") == "v_2nd_round"
    assert safe_name("主权", "code3") == "code3"  # no Latin letters left: the fallback
    assert safe_name("in") == "in_"  # a Stata/R keyword
    assert len(safe_name("x" * 80)) == MAX_LENGTH


def test_registry_makes_names_unique_ignoring_case_and_keeps_suffixes() -> None:
    names = NameRegistry(("text",))
    assert names.take("Text") == "text_2"
    assert names.take("Capacity building", suffix="_p") == "capacity_building_p"
    assert names.take("Capacity-building", suffix="_p") == "capacity_building_2_p"
    long = names.take("a" * 50, suffix="_s")
    assert len(long) == MAX_LENGTH and long.endswith("_s")
    again = names.take("a" * 50, suffix="_s")
    assert again != long and len(again) <= MAX_LENGTH and again.endswith("_2_s")


@given(st.lists(st.text(min_size=0, max_size=60), min_size=1, max_size=30))
def test_any_text_gives_unique_safe_names(texts: list[str]) -> None:
    names = NameRegistry()
    made = [names.take(t, suffix="_p") for t in texts]
    assert all(is_safe_name(n) for n in made)
    assert len({n.lower() for n in made}) == len(made)
