"""Reliability data: a units × coders matrix of category indices, and its distinct unit profiles.

A cell holds the position of the coder's value in ``categories`` or -1 when the coder did not
code the unit (``None`` or NaN on input). The category tuple fixes the order used by ordinal
statistics and the number of categories ``q`` used by Gwet's AC1/AC2. When no categories are
given they are the distinct observed values: sorted numerically when all are numbers (then the
matrix is *ordered*), otherwise sorted as strings (then only nominal statistics apply).

Every multi-rater coefficient depends on a unit only through the multiset of values it received,
so units are collapsed into distinct *profiles* (sorted value indices) with multiplicities. That
makes the coefficients independent of row order and lets the bootstrap resample profiles.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from numbers import Real
from typing import Any
from typing import SupportsFloat
from typing import cast

import numpy as np
import numpy.typing as npt

from workbench.core.i18n import _

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Category = Hashable


@dataclass(frozen=True, eq=False)
class RatingMatrix:
    """Units × coders matrix of category indices (-1 = not coded) with its category list."""

    index: IntArray
    categories: tuple[Category, ...]
    coders: tuple[str, ...]
    ordered: bool

    def __post_init__(self) -> None:
        # A private read-only copy, so the cached profiles below can never go stale.
        index = np.array(self.index, dtype=np.int64)
        index.setflags(write=False)
        object.__setattr__(self, "index", index)
        if self.index.ndim != 2 or self.index.shape[1] != len(self.coders):
            raise ValueError("index must be units × coders with one column per coder")
        if self.index.size and (self.index.min() < -1 or self.index.max() >= len(self.categories)):
            raise ValueError("index holds a value outside the category list")

    @property
    def n_units(self) -> int:
        """Number of rows, including units nobody coded."""
        return int(self.index.shape[0])

    @property
    def n_categories(self) -> int:
        """Number of categories q (declared, or observed when none were declared)."""
        return len(self.categories)

    def active_coders(self) -> int:
        """Number of coders who coded at least one unit."""
        return int((self.columns >= 0).any(axis=1).sum())

    def numeric_values(self) -> FloatArray:
        """The categories as floats; ValueError when a category is not a finite number."""
        if {type(c) for c in self.categories} <= {int, float}:  # fast path for big value sets
            fast = np.array(self.categories, dtype=np.float64)
            if np.isfinite(fast).all():
                return fast
        out = np.empty(len(self.categories), dtype=np.float64)
        for i, cat in enumerate(self.categories):
            if isinstance(cat, bool) or not isinstance(cat, Real) or not math.isfinite(float(cat)):
                raise ValueError(
                    _("category %(category)s is not a finite number", category=repr(cat))
                )
            out[i] = float(cat)
        return out

    @cached_property
    def profiles(self) -> UnitProfiles:
        """Distinct profiles of the units with at least one rating (computed once)."""
        return _profiles(self, len(self.categories))

    @cached_property
    def columns(self) -> IntArray:
        """The index transposed to coders × units, contiguous per coder (computed once)."""
        return np.ascontiguousarray(self.index.T)

    @cached_property
    def rated(self) -> IntArray:
        """Number of ratings each unit received (computed once)."""
        # Summing along the contiguous coder rows is several times faster than along axis 1.
        counts: IntArray = (self.columns >= 0).sum(axis=0).astype(np.int64)
        return counts

    def select_units(self, rows: npt.NDArray[Any]) -> RatingMatrix:
        """The same matrix restricted to some units (a boolean mask or row indices)."""
        return RatingMatrix(self.index[rows], self.categories, self.coders, self.ordered)

    def select_coders(self, columns: Sequence[int]) -> RatingMatrix:
        """The same matrix restricted to the given coder columns."""
        cols = list(columns)
        coders = tuple(self.coders[c] for c in cols)
        return RatingMatrix(self.index[:, cols], self.categories, coders, self.ordered)


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _as_float(value: object) -> float:
    # Only called on values _is_number accepted.
    return float(cast(SupportsFloat, value))


def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def rating_matrix(
    rows: Sequence[Sequence[Any]],
    *,
    coders: Sequence[str] | None = None,
    categories: Sequence[Category] | None = None,
) -> RatingMatrix:
    """Build a RatingMatrix from units × coders rows; None or NaN marks a missing rating."""
    width = len(coders) if coders is not None else (len(rows[0]) if len(rows) else 0)
    for u, row in enumerate(rows):
        if len(row) != width:
            raise ValueError(
                _(
                    "unit %(unit)s has %(ratings)s ratings, expected %(expected)s",
                    unit=u,
                    ratings=len(row),
                    expected=width,
                )
            )
    names = tuple(coders) if coders is not None else tuple(f"coder{j + 1}" for j in range(width))
    if len(set(names)) != len(names):
        raise ValueError(_("coder names must be unique"))
    if categories is not None:
        cats = tuple(categories)
        if len(set(cats)) != len(cats):
            raise ValueError("categories must be unique")
        ordered = True
    else:
        seen = {v for row in rows for v in row if not _is_missing(v)}
        numbers = [v for v in seen if _is_number(v)]
        labels = [v for v in seen if isinstance(v, str)]
        if len(numbers) == len(seen):
            cats, ordered = tuple(sorted(numbers, key=_as_float)), True
        elif len(labels) == len(seen):
            cats, ordered = tuple(sorted(labels)), False
        else:
            raise ValueError("values mix numbers and labels; pass an explicit category list")
    position = {c: i for i, c in enumerate(cats)}
    index = np.full((len(rows), width), -1, dtype=np.int64)
    for u, row in enumerate(rows):
        for j, value in enumerate(row):
            if _is_missing(value):
                continue
            try:
                index[u, j] = position[value]
            except KeyError:
                raise ValueError(
                    _(
                        "unit %(unit)s, coder %(coder)s: "
                        "value %(value)s is not a declared category",
                        unit=u,
                        coder=repr(names[j]),
                        value=repr(value),
                    )
                ) from None
    return RatingMatrix(index, cats, names, ordered)


@dataclass(frozen=True, eq=False)
class UnitProfiles:
    """Distinct units as sorted value indices (-1 padding last) with how many units share each."""

    slots: IntArray
    mult: IntArray
    size: IntArray

    @property
    def count(self) -> int:
        """Number of distinct profiles."""
        return int(self.mult.shape[0])

    @property
    def units(self) -> int:
        """Number of units the profiles stand for."""
        return int(self.mult.sum())

    def dense(self, q: int) -> IntArray:
        """Profiles × categories matrix of how many coders gave each category."""
        out = np.zeros((self.count, q), dtype=np.int64)
        rows = np.arange(self.count)
        for a in range(self.slots.shape[1]):
            valid = self.slots[:, a] >= 0
            out[rows[valid], self.slots[valid, a]] += 1
        return out


def unit_profiles(matrix: RatingMatrix, *, min_values: int = 1) -> UnitProfiles:
    """Distinct profiles of the units that received at least ``min_values`` ratings."""
    prof = matrix.profiles
    if min_values <= 1:
        return prof
    keep = prof.size >= min_values
    return UnitProfiles(prof.slots[keep], prof.mult[keep], prof.size[keep])


# Profile keys below this many possible values are tallied with bincount instead of sorting.
_TALLY_LIMIT = 1 << 20


def _profiles(matrix: RatingMatrix, q: int) -> UnitProfiles:
    width = matrix.index.shape[1]
    keep = matrix.rated >= 1
    rated = matrix.index[keep]
    if rated.shape[0] == 0 or q == 0:
        empty = np.zeros(0, dtype=np.int64)
        return UnitProfiles(np.zeros((0, width), dtype=np.int64), empty, empty)
    base = width + 1
    if q * math.log2(base) <= math.log2(_TALLY_LIMIT):
        # Few categories: key each unit by its per-category counts (no row sort needed) and
        # tally the keys; then rebuild the sorted slots of the distinct keys only.
        columns = matrix.columns[:, keep]
        key = np.zeros(rated.shape[0], dtype=np.int64)
        for c in range(q):
            key = key * base + (columns == c).sum(axis=0)
        tally = np.bincount(key, minlength=base**q)
        keys = np.nonzero(tally)[0]
        counts = np.zeros((keys.size, q), dtype=np.int64)
        rest = keys.copy()
        for c in range(q - 1, -1, -1):
            counts[:, c] = rest % base
            rest //= base
        slots = np.full((keys.size, width), -1, dtype=np.int64)
        for p, row in enumerate(counts):
            values = np.repeat(np.arange(q - 1, -1, -1), row[::-1])
            slots[p, : values.size] = values
        mult = tally[keys]
    else:
        ordered = -np.sort(-rated, axis=1)  # descending, so the -1 padding comes last
        if width * math.log2(q + 1) < 62:
            powers = (q + 1) ** np.arange(width, dtype=np.int64)
            _sorted, first, mult = np.unique(
                (ordered + 1) @ powers, return_index=True, return_counts=True
            )
            slots = ordered[first]
        else:
            slots, mult = np.unique(ordered, axis=0, return_counts=True)
    size_p = (slots >= 0).sum(axis=1).astype(np.int64)
    return UnitProfiles(slots, mult.astype(np.int64), size_p)
