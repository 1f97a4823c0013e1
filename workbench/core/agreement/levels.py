"""Levels of measurement for Krippendorff's α and what each needs from the category list."""

from __future__ import annotations

from typing import Literal

from workbench.core.agreement.matrix import FloatArray
from workbench.core.agreement.matrix import RatingMatrix

Level = Literal["nominal", "ordinal", "interval", "ratio"]
LEVELS: tuple[Level, ...] = ("nominal", "ordinal", "interval", "ratio")


def check_level(level: str) -> Level:
    """Return ``level`` if it names a level of measurement, else raise ValueError."""
    for known in LEVELS:
        if level == known:
            return known
    raise ValueError(f"unknown level {level!r}; use one of {', '.join(LEVELS)}")


def level_values(matrix: RatingMatrix, level: str) -> FloatArray | None:
    """Numeric category values the level needs (None for nominal/ordinal); ValueError if unfit."""
    kind = check_level(level)
    if kind == "nominal":
        return None
    if kind == "ordinal":
        if not matrix.ordered:
            raise ValueError("ordinal α needs ordered categories; pass the category order")
        return None
    values = matrix.numeric_values()
    if kind == "ratio" and (values < 0).any():
        raise ValueError("ratio α needs non-negative values (a ratio scale has a true zero)")
    return values
