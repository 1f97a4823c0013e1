"""Two-coder coefficients: Cohen's κ (plain and weighted) and Scott's π, plus pairwise κ.

Conventions:
- Only units that both coders coded enter a two-coder coefficient.
- Cohen's κ = (p_o - p_e) / (1 - p_e) with p_e from each coder's own marginals (Cohen, 1960);
  Scott's π uses the pooled marginals of the two coders (Scott, 1955).
- Weighted κ = 1 - Σ d·o / Σ d·e (Cohen, 1968) with linear or quadratic disagreement on the
  positions of the ordered category list (see ``weights``).
- A coefficient whose chance term leaves 0/0 (no shared unit, or both coders used one and the
  same category throughout) is undefined and returned as None.
- The one-number functions need exactly two coder columns and return None otherwise; for more
  coders use ``cohen_kappa_pairwise`` (keys ``"A|B"`` in column order) and ``mean_kappa``
  (Light's κ: the plain mean of the defined pairwise values).
- Arithmetic is done on integer counts with exact fractions and rounded once at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import numpy as np

from workbench.core.agreement.matrix import IntArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.weights import WeightScheme
from workbench.core.agreement.weights import check_scheme
from workbench.core.agreement.weights import disagreement


def pair_table(matrix: RatingMatrix, a: int, b: int) -> IntArray:
    """q × q counts of units coded by both columns a (rows) and b (columns)."""
    q = matrix.n_categories
    x, y = matrix.columns[a], matrix.columns[b]
    if (q + 1) ** 2 <= 1 << 22:
        # Tallying with "missing" as an extra category avoids masking, then drops it.
        flat = np.bincount((x + 1) * (q + 1) + (y + 1), minlength=(q + 1) ** 2)
        return flat.reshape(q + 1, q + 1)[1:, 1:].astype(np.int64)
    both = (x >= 0) & (y >= 0)
    flat = np.bincount(x[both] * q + y[both], minlength=q * q)
    return flat.reshape(q, q).astype(np.int64)


def _as_float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def kappa_from_table(table: IntArray) -> float | None:
    """Cohen's κ from a two-coder contingency table."""
    n = int(table.sum())
    agree = int(np.trace(table))
    chance = sum(int(r) * int(c) for r, c in zip(table.sum(axis=1), table.sum(axis=0), strict=True))
    den = n * n - chance
    return None if n == 0 or den == 0 else float(Fraction(n * agree - chance, den))


def scott_pi_from_table(table: IntArray) -> float | None:
    """Scott's π from a two-coder contingency table."""
    n = int(table.sum())
    agree = int(np.trace(table))
    pooled = sum(int(v) ** 2 for v in table.sum(axis=1) + table.sum(axis=0))
    den = 4 * n * n - pooled
    return None if n == 0 or den == 0 else float(Fraction(4 * n * agree - pooled, den))


def _expected_disagreement(scheme: WeightScheme, rows: list[int], cols: list[int]) -> int:
    """Σ_ij d(i, j) r_i c_j in exact integers, in O(q)."""
    n = sum(rows)
    if scheme == "quadratic":
        r1 = sum(i * r for i, r in enumerate(rows))
        c1 = sum(j * c for j, c in enumerate(cols))
        r2 = sum(i * i * r for i, r in enumerate(rows))
        c2 = sum(j * j * c for j, c in enumerate(cols))
        return n * r2 + n * c2 - 2 * r1 * c1
    # Linear: for each column j, Σ_i r_i |i - j| from running totals below and above j.
    below_n = below_s = 0
    above_n, above_s = n, sum(i * r for i, r in enumerate(rows))
    total = 0
    for j, c in enumerate(cols):
        above_n -= rows[j]
        above_s -= j * rows[j]
        total += c * (j * below_n - below_s + above_s - j * above_n)
        below_n += rows[j]
        below_s += j * rows[j]
    return total


def weighted_kappa_from_table(table: IntArray, scheme: str) -> float | None:
    """Cohen's weighted κ (linear or quadratic) from a table over ordered categories."""
    kind = check_scheme(scheme)
    n = int(table.sum())
    q = table.shape[0]
    pos = np.arange(q, dtype=np.int64)
    observed = int((disagreement(kind, pos[:, None], pos[None, :]) * table).sum())
    rows = [int(v) for v in table.sum(axis=1)]
    cols = [int(v) for v in table.sum(axis=0)]
    expected = _expected_disagreement(kind, rows, cols)
    return None if n == 0 or expected == 0 else float(1 - Fraction(n * observed, expected))


def _only_pair(matrix: RatingMatrix) -> IntArray | None:
    return pair_table(matrix, 0, 1) if len(matrix.coders) == 2 else None


def cohen_kappa(matrix: RatingMatrix) -> float | None:
    """Cohen's κ for a matrix with exactly two coder columns (else None)."""
    table = _only_pair(matrix)
    return None if table is None else kappa_from_table(table)


def scott_pi(matrix: RatingMatrix) -> float | None:
    """Scott's π for a matrix with exactly two coder columns (else None)."""
    table = _only_pair(matrix)
    return None if table is None else scott_pi_from_table(table)


def weighted_kappa(matrix: RatingMatrix, scheme: str = "quadratic") -> float | None:
    """Cohen's weighted κ for exactly two coders over the matrix's ordered categories."""
    if not matrix.ordered:
        raise ValueError("weighted κ needs ordered categories; pass the category order")
    table = _only_pair(matrix)
    return None if table is None else weighted_kappa_from_table(table, scheme)


def pair_key(a: str, b: str) -> str:
    """The report key of a coder pair."""
    return f"{a}|{b}"


def coder_pairs(n: int) -> list[tuple[int, int]]:
    """All pairs (i < j) of n coder columns, in column order."""
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def cohen_kappa_pairwise(matrix: RatingMatrix) -> dict[str, float | None]:
    """Cohen's κ for every pair of coder columns, keyed ``"A|B"``."""
    return {
        pair_key(matrix.coders[i], matrix.coders[j]): kappa_from_table(pair_table(matrix, i, j))
        for i, j in coder_pairs(len(matrix.coders))
    }


def mean_kappa(values: Iterable[float | None]) -> float | None:
    """Mean of the defined values (Light's κ for pairwise Cohen κ); None when none is defined."""
    defined = [Fraction(v) for v in values if v is not None]
    return float(sum(defined) / len(defined)) if defined else None
