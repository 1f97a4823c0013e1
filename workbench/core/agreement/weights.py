"""Linear and quadratic weights for ordinal categories, on category positions.

Weights are defined on the positions 0..q-1 of the ordered category list (not on the category
values), so an unused category in the list still counts as a step. The agreement weight is
``w(k, l) = 1 - d(k, l) / d_max`` with ``d = |k - l|`` (linear) or ``(k - l)**2`` (quadratic)
and ``d_max = d(0, q - 1)``. Disagreements are kept as integers so callers can stay exact.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import numpy as np

from workbench.core.agreement.matrix import IntArray

WeightScheme = Literal["linear", "quadratic"]
WEIGHT_SCHEMES: tuple[WeightScheme, ...] = ("linear", "quadratic")


def check_scheme(scheme: str) -> WeightScheme:
    """Return ``scheme`` if it names a weight scheme, else raise ValueError."""
    for known in WEIGHT_SCHEMES:
        if scheme == known:
            return known
    raise ValueError(f"unknown weights {scheme!r}; use one of {', '.join(WEIGHT_SCHEMES)}")


def disagreement(scheme: WeightScheme, a: IntArray, b: IntArray) -> IntArray:
    """Integer disagreement between category positions, element-wise."""
    diff = np.abs(a - b)
    out: IntArray = diff if scheme == "linear" else diff * diff
    return out


def max_disagreement(scheme: WeightScheme, q: int) -> int:
    """Disagreement between the first and the last of q categories."""
    return q - 1 if scheme == "linear" else (q - 1) ** 2


def total_disagreement(scheme: WeightScheme, q: int) -> int:
    """Sum of disagreements over all ordered pairs of q category positions (closed forms)."""
    if scheme == "linear":
        return (q - 1) * q * (q + 1) // 3
    return q * q * (q * q - 1) // 6


def weight_total(scheme: WeightScheme | None, q: int) -> Fraction:
    """Sum of all q × q agreement weights (Gwet's T_w); identity weights sum to q."""
    if scheme is None:
        return Fraction(q)
    return q * q - Fraction(total_disagreement(scheme, q), max_disagreement(scheme, q))
