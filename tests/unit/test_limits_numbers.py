"""Ids, positions and counts typed by people or read from files: ASCII digits in range only."""

from __future__ import annotations

import pytest

from workbench.core import limits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0", 0),
        (" 42 ", 42),
        (str(2**31 - 1), 2**31 - 1),
        (str(2**31), None),  # past the schema's 32-bit integers
        ("9" * 30, None),
        ("²", None),  # str.isdigit() says yes, int() says no
        ("①", None),
        ("٣", None),  # Arabic-Indic three: int() would accept it
        ("-1", None),
        ("1.5", None),
        ("", None),
        ("12\x00", None),
    ],
)
def test_counting_number(text: str, expected: int | None) -> None:
    assert limits.counting_number(text) == expected
