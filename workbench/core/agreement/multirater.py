"""Multi-rater coefficients with missing data, following Gwet (2014), Handbook of Inter-Rater
Reliability, 4th ed., ch. 2-3: percent agreement, Fleiss' κ, Gwet's AC1 and AC2.

Notation: unit i received r_i ratings, r_ik of them in category k; q categories; n' units with
r_i >= 2 (pairable); n units with r_i >= 1.

- Percent agreement p_a = (1/n') Σ_{i: r_i>=2} Σ_k r_ik (r*_ik - 1) / (r_i (r_i - 1)), with
  r*_ik = Σ_l w_kl r_il: the share of agreeing ordered coder pairs within a unit, averaged over
  pairable units (identity weights; AC2 uses linear or quadratic weights).
- Category shares π_k = (1/n) Σ_{i: r_i>=1} r_ik / r_i: units rated once count here (Gwet's
  definition, also used by irrCAC), but not in p_a.
- Fleiss' κ: p_e = Σ_k π_k². Gwet's AC1/AC2: p_e = T_w / (q (q - 1)) Σ_k π_k (1 - π_k), with
  T_w the sum of the q × q agreement weights and q the number of categories in the matrix's
  category list (declared, else observed).
- Coefficient = (p_a - p_e) / (1 - p_e). No pairable unit, or p_e = 1 (0/0), gives None. AC1/AC2
  with q >= 2 is defined even when every rating is the same (then it is 1: that is Gwet's design
  and the reason AC1 does not collapse on skewed data); with q < 2 it is None.
- Arithmetic runs on integer sums grouped by r_i, with exact fractions, rounded once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from workbench.core.agreement.matrix import IntArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import unit_profiles
from workbench.core.agreement.weights import WeightScheme
from workbench.core.agreement.weights import check_scheme
from workbench.core.agreement.weights import disagreement
from workbench.core.agreement.weights import max_disagreement
from workbench.core.agreement.weights import weight_total


@dataclass(frozen=True)
class _Shares:
    agreement: Fraction  # p_a
    pi: tuple[Fraction, ...]  # π_k


def _shares(matrix: RatingMatrix, scheme: WeightScheme | None) -> _Shares | None:
    """p_a and π_k from the distinct unit profiles; None when no unit is pairable."""
    prof = unit_profiles(matrix, min_values=1)
    if not (prof.size >= 2).any():
        return None
    q = matrix.n_categories
    slots, mult, size = prof.slots, prof.mult, prof.size
    width = slots.shape[1]
    # Per profile: agreeing ordered pairs (identity) or summed integer disagreement (weighted).
    per_profile = np.zeros(prof.count, dtype=np.int64)
    for a in range(width):
        for b in range(width):
            if a == b:
                continue
            valid = (slots[:, a] >= 0) & (slots[:, b] >= 0)
            if scheme is None:
                per_profile += valid & (slots[:, a] == slots[:, b])
            else:
                d = disagreement(scheme, slots[:, a], slots[:, b])
                per_profile += np.where(valid, d, 0)
    # With one category every disagreement is 0, so any positive scale gives the same result.
    d_max = max(max_disagreement(scheme, q), 1) if scheme is not None else 1
    agreement = Fraction(0)
    pi_sum = [Fraction(0)] * q
    pairable = 0
    for m in np.unique(size).tolist():
        group = size == m
        g_mult = mult[group]
        category_totals = _category_totals(slots[group], g_mult, q)
        for k, total in enumerate(category_totals):
            if total:
                pi_sum[k] += Fraction(total, m)
        if m < 2:
            continue
        units = int(g_mult.sum())
        pairable += units
        summed = int((g_mult * per_profile[group]).sum())
        if scheme is None:
            agreement += Fraction(summed, m * (m - 1))
        else:
            agreement += units - Fraction(summed, d_max * m * (m - 1))
    n = prof.units
    return _Shares(agreement / pairable, tuple(s / n for s in pi_sum))


def _category_totals(slots: IntArray, mult: IntArray, q: int) -> list[int]:
    """Σ over profiles of mult × (ratings in category k), as exact integers."""
    valid = slots >= 0
    weights = np.broadcast_to(mult[:, None], slots.shape)[valid].astype(np.float64)
    totals = np.bincount(slots[valid], weights=weights, minlength=q)
    return [int(v) for v in np.rint(totals).astype(np.int64)]


def _coefficient(pa: Fraction, pe: Fraction) -> float | None:
    return None if pe == 1 else float((pa - pe) / (1 - pe))


def percent_agreement(matrix: RatingMatrix) -> float | None:
    """Mean over pairable units of the share of agreeing coder pairs."""
    shares = _shares(matrix, None)
    return None if shares is None else float(shares.agreement)


def fleiss_kappa(matrix: RatingMatrix) -> float | None:
    """Fleiss' κ generalised to missing data (Gwet, 2014)."""
    shares = _shares(matrix, None)
    if shares is None:
        return None
    return _coefficient(shares.agreement, sum((p * p for p in shares.pi), Fraction(0)))


def _gwet(matrix: RatingMatrix, scheme: WeightScheme | None) -> float | None:
    q = matrix.n_categories
    if q < 2:
        return None
    shares = _shares(matrix, scheme)
    if shares is None:
        return None
    spread = sum((p * (1 - p) for p in shares.pi), Fraction(0))
    pe = weight_total(scheme, q) / (q * (q - 1)) * spread
    return _coefficient(shares.agreement, pe)


def gwet_ac1(matrix: RatingMatrix) -> float | None:
    """Gwet's AC1 with missing data (Gwet, 2014)."""
    return _gwet(matrix, None)


def gwet_ac2(matrix: RatingMatrix, scheme: str = "quadratic") -> float | None:
    """Gwet's AC2: AC1 with linear or quadratic weights over ordered categories."""
    if not matrix.ordered:
        raise ValueError("AC2 needs ordered categories; pass the category order")
    return _gwet(matrix, check_scheme(scheme))
