"""Krippendorff's α at the nominal, ordinal, interval and ratio levels, with missing data.

Coincidence-matrix formulation (Krippendorff, 2011, "Computing Krippendorff's Alpha-Reliability"):
a unit u with m_u >= 2 values contributes (n_uc n_uk - [c = k] n_uc) / (m_u - 1) to o_ck; units
with fewer than two values are not pairable and contribute nothing. With n_c = Σ_k o_ck and
n = Σ_c n_c (the pairable values),

    α = 1 - D_o / D_e = 1 - (n - 1) Σ_ck o_ck δ²_ck / Σ_ck n_c n_k δ²_ck.

Metrics δ²_ck: nominal 1 for c ≠ k; ordinal (Σ_{g=c..k} n_g - (n_c + n_k) / 2)², using the
marginals n_g of the coincidence matrix, in the order of the category list; interval
(v_c - v_k)²; ratio ((v_c - v_k) / (v_c + v_k))², which needs non-negative values and is 0 for
two zeros.

Conventions: no pairable unit, or D_e = 0 (all pairable values identical, so 0/0), gives None,
never 0 or 1. Ordinal needs an ordered category list; interval and ratio need numeric categories.
With at most EXACT_CATEGORY_LIMIT categories the point estimate is computed from integer counts
in exact fractions and rounded once; beyond that it uses the float64 replicate code the bootstrap
uses (relative error ~1e-13), which scales to continuous values.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from workbench.core.agreement.alpha_batch import alpha_replicates
from workbench.core.agreement.alpha_batch import profile_terms
from workbench.core.agreement.levels import Level
from workbench.core.agreement.levels import check_level
from workbench.core.agreement.levels import level_values
from workbench.core.agreement.matrix import FloatArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import UnitProfiles
from workbench.core.agreement.matrix import unit_profiles

EXACT_CATEGORY_LIMIT = 64


def krippendorff_alpha(matrix: RatingMatrix, level: str = "nominal") -> float | None:
    """Krippendorff's α of the matrix at the given level of measurement."""
    kind = check_level(level)
    values = level_values(matrix, kind)
    prof = unit_profiles(matrix, min_values=2)
    if prof.count == 0:
        return None
    q = matrix.n_categories
    if q <= EXACT_CATEGORY_LIMIT:
        return _alpha_exact(prof, q, kind, values)
    terms = profile_terms(prof, q, kind, values)
    result = float(alpha_replicates(terms, prof.mult[None, :].astype(np.float64))[0])
    return None if math.isnan(result) else result


def coincidences(prof: UnitProfiles, q: int) -> list[list[Fraction]]:
    """Exact q × q coincidence matrix of pairable profiles."""
    dense = prof.dense(q)
    o = [[Fraction(0)] * q for _ in range(q)]
    for m in np.unique(prof.size).tolist():
        if m < 2:
            continue
        group = prof.size == m
        x = dense[group]
        weighted = x * prof.mult[group][:, None]
        num = weighted.T @ x - np.diag(weighted.sum(axis=0))
        for c, k in zip(*np.nonzero(num), strict=True):
            o[c][k] += Fraction(int(num[c, k]), m - 1)
    return o


def _delta_exact(
    kind: Level, q: int, n_c: list[Fraction], values: FloatArray | None
) -> list[list[Fraction]]:
    """Exact squared distances δ²_ck for the level."""
    delta = [[Fraction(0)] * q for _ in range(q)]
    exact_values = [Fraction(float(v)) for v in values] if values is not None else []
    prefix = [Fraction(0)]
    for count in n_c:
        prefix.append(prefix[-1] + count)
    for c in range(q):
        for k in range(c + 1, q):
            if kind == "nominal":
                d = Fraction(1)
            elif kind == "ordinal":
                d = (prefix[k + 1] - prefix[c] - (n_c[c] + n_c[k]) / 2) ** 2
            elif kind == "interval":
                d = (exact_values[c] - exact_values[k]) ** 2
            else:
                total = exact_values[c] + exact_values[k]
                d = ((exact_values[c] - exact_values[k]) / total) ** 2 if total else Fraction(0)
            delta[c][k] = delta[k][c] = d
    return delta


def _alpha_exact(
    prof: UnitProfiles, q: int, kind: Level, values: FloatArray | None
) -> float | None:
    o = coincidences(prof, q)
    n_c = [sum(row, Fraction(0)) for row in o]
    n = sum(n_c, Fraction(0))
    delta = _delta_exact(kind, q, n_c, values)
    observed = Fraction(0)
    expected = Fraction(0)
    for c in range(q):
        for k in range(q):
            if c == k or delta[c][k] == 0:
                continue
            observed += o[c][k] * delta[c][k]
            expected += n_c[c] * n_c[k] * delta[c][k]
    if expected == 0:
        return None
    return float(1 - (n - 1) * observed / expected)
