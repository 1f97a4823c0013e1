"""A stance scale typed as text: one level a line, its value a whole number the schema holds."""

from __future__ import annotations

import pytest

from workbench.codebooks.stance import parse_scale
from workbench.core.errors import ValidationError


def test_levels_are_read_with_their_signs() -> None:
    levels = parse_scale("-2 strongly rejects\n\n+1 supports\n0 neutral")
    assert [(level.value, level.label) for level in levels] == [
        (-2, "strongly rejects"),
        (1, "supports"),
        (0, "neutral"),
    ]


@pytest.mark.parametrize("value", ["99999999999999999999", "1_000", "٣", "--1", "+-1", "x"])
def test_a_value_no_coding_could_store_is_refused_by_line(value: str) -> None:
    with pytest.raises(ValidationError, match="line 2: start with a whole number"):
        parse_scale(f"0 neutral\n{value} odd")
