"""Krippendorff's α for many weightings of the same unit profiles at once (float64).

Row b of ``weights`` says how many times each distinct profile is counted in replicate b (a
bootstrap resample, or the multiplicities themselves for a point estimate). Everything α needs
is a sum of per-profile terms, so the terms are computed once (``profile_terms``) and each
replicate is a weighted sum, i.e. a matrix product, instead of a pass over the raw data.
Undefined replicates (no variation, D_e = 0) come back as NaN.

Per level: nominal needs the category totals n_c; interval only the moments Σv and Σv² (so it
scales to continuous values); ratio needs n_c and the q × q distances; ordinal needs the whole
coincidence matrix per replicate because its distances depend on the marginals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from workbench.core.agreement.levels import Level
from workbench.core.agreement.matrix import FloatArray
from workbench.core.agreement.matrix import IntArray
from workbench.core.agreement.matrix import UnitProfiles

# Largest dense intermediate (elements) built in one go; beyond it the code loops per replicate.
DENSE_LIMIT = 1 << 22


def _distance(kind: Level, values: FloatArray | None, a: IntArray, b: IntArray) -> FloatArray:
    """δ² between category indices a and b, element-wise (indices must be valid)."""
    if kind in ("nominal", "ordinal") or values is None:
        return np.asarray(a != b, dtype=np.float64)
    va, vb = values[a], values[b]
    if kind == "interval":
        return np.asarray((va - vb) ** 2, dtype=np.float64)
    total = va + vb
    ratio = np.divide(va - vb, total, out=np.zeros_like(total), where=total != 0)
    return np.asarray(ratio**2, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class ProfileTerms:
    """Per-profile terms of α for one level, ready to be weighted by replicates."""

    kind: Level
    q: int
    prof: UnitProfiles
    values: FloatArray | None
    size: FloatArray  # pairable values per profile
    observed: FloatArray  # Σ_ck o_ck δ²_ck of one unit (unused for ordinal)
    moments: FloatArray  # centred Σv and Σv² per profile (interval only)
    dense: FloatArray | None  # profiles × categories counts, when small enough
    coincidence: FloatArray | None  # profiles × q² coincidences (ordinal), when small enough
    mixed: FloatArray  # 1 where a profile holds more than one category
    first: IntArray  # a category of each profile (its only one when not mixed)


def profile_terms(
    prof: UnitProfiles, q: int, kind: Level, values: FloatArray | None
) -> ProfileTerms:
    """Compute the per-profile terms of α once for a set of pairable profiles."""
    slots, width = prof.slots, prof.slots.shape[1]
    size = prof.size.astype(np.float64)
    valid = slots >= 0
    observed = np.zeros(prof.count)
    if kind != "ordinal":
        for a in range(width):
            for b in range(a + 1, width):
                both = valid[:, a] & valid[:, b]
                d = _distance(kind, values, slots[:, a].clip(0), slots[:, b].clip(0))
                observed += np.where(both, d, 0.0)
        observed = 2.0 * observed / (size - 1)  # both orders of each pair
    moments = np.zeros((prof.count, 2))
    if kind == "interval" and values is not None:
        # Centring on the pooled mean keeps n Σv² - (Σv)² free of cancellation.
        raw = np.where(valid, values[slots.clip(0)], 0.0)
        mean = float((raw.sum(axis=1) * prof.mult).sum() / (size * prof.mult).sum())
        centred = np.where(valid, raw - mean, 0.0)
        moments = np.stack([centred.sum(axis=1), (centred**2).sum(axis=1)], axis=1)
    dense = prof.dense(q).astype(np.float64) if prof.count * q <= DENSE_LIMIT else None
    coincidence = None
    if kind == "ordinal" and dense is not None and prof.count * q * q <= DENSE_LIMIT:
        per = dense[:, :, None] * dense[:, None, :] - dense[:, :, None] * np.eye(q)
        coincidence = (per / (size - 1)[:, None, None]).reshape(prof.count, q * q)
    last = slots[np.arange(prof.count), prof.size - 1]
    return ProfileTerms(
        kind=kind,
        q=q,
        prof=prof,
        values=values,
        size=size,
        observed=observed,
        moments=moments,
        dense=dense,
        coincidence=coincidence,
        mixed=(slots[:, 0] != last).astype(np.float64),
        first=slots[:, 0],
    )


def _category_totals(terms: ProfileTerms, weights: FloatArray) -> FloatArray:
    """Replicates × categories totals n_c."""
    if terms.dense is not None:
        return weights @ terms.dense
    valid = terms.prof.slots >= 0
    owner, cats = np.nonzero(valid)[0], terms.prof.slots[valid]
    return np.stack([np.bincount(cats, weights=w[owner], minlength=terms.q) for w in weights])


def _coincidences(terms: ProfileTerms, weights: FloatArray) -> FloatArray:
    """Replicates × q × q coincidence matrices."""
    q = terms.q
    if terms.coincidence is not None:
        return (weights @ terms.coincidence).reshape(-1, q, q)
    slots, width = terms.prof.slots, terms.prof.slots.shape[1]
    flat_parts, owner_parts = [], []
    for a in range(width):
        for b in range(width):
            both = (slots[:, a] >= 0) & (slots[:, b] >= 0) & (a != b)
            flat_parts.append(slots[both, a] * q + slots[both, b])
            owner_parts.append(np.nonzero(both)[0])
    flat, owner = np.concatenate(flat_parts), np.concatenate(owner_parts)
    inv = 1.0 / (terms.size - 1)
    out = [np.bincount(flat, weights=(w * inv)[owner], minlength=q * q) for w in weights]
    return np.asarray(np.stack(out), dtype=np.float64).reshape(-1, q, q)


def _varied(terms: ProfileTerms, weights: FloatArray) -> npt.NDArray[np.bool_]:
    """Replicates whose pairable values span at least two categories (so D_e > 0 exactly).

    Decided on category indices rather than on the float D_e, which can come out as a tiny
    non-zero number when every value is the same.
    """
    varied = weights @ terms.mixed > 0
    if varied.all():
        return varied
    present = weights > 0
    top = np.where(present, terms.first[None, :], -1).max(axis=1)
    bottom = np.where(present, terms.first[None, :], np.iinfo(np.int64).max).min(axis=1)
    spread: npt.NDArray[np.bool_] = varied | (top != bottom)
    return spread


def _ordinal(terms: ProfileTerms, weights: FloatArray) -> tuple[FloatArray, FloatArray]:
    o = _coincidences(terms, weights)
    n_c = o.sum(axis=2)
    cum = np.cumsum(n_c, axis=1)
    idx = np.arange(terms.q)
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    between = cum[:, hi] - cum[:, lo] + n_c[:, lo]
    delta = (between - (n_c[:, :, None] + n_c[:, None, :]) / 2.0) ** 2
    observed = (o * delta).sum(axis=(1, 2))
    expected = (n_c[:, :, None] * n_c[:, None, :] * delta).sum(axis=(1, 2))
    return observed, expected


def _expected(terms: ProfileTerms, weights: FloatArray, n: FloatArray) -> FloatArray:
    """Σ_ck n_c n_k δ²_ck per replicate for the fixed-distance levels."""
    if terms.kind == "interval":
        s1, s2 = (weights @ terms.moments).T
        return np.asarray(2.0 * (n * s2 - s1 * s1), dtype=np.float64)
    n_c = _category_totals(terms, weights)
    if terms.kind == "nominal":
        return np.asarray(n * n - (n_c * n_c).sum(axis=1), dtype=np.float64)
    expected = np.zeros(weights.shape[0])
    idx = np.arange(terms.q)
    step = max(1, DENSE_LIMIT // max(terms.q, 1))
    for start in range(0, terms.q, step):
        rows = idx[start : start + step]
        dist = _distance(terms.kind, terms.values, rows[:, None], idx[None, :])
        expected += (n_c[:, rows] * (n_c @ dist.T)).sum(axis=1)
    return expected


def alpha_replicates(terms: ProfileTerms, weights: FloatArray) -> FloatArray:
    """α for each row of ``weights`` (replicates × profiles); NaN where undefined."""
    n = weights @ terms.size
    if terms.kind == "ordinal":
        observed, expected = _ordinal(terms, weights)
    else:
        observed = weights @ terms.observed
        expected = _expected(terms, weights, n)
    out = np.full(weights.shape[0], np.nan)
    ok = _varied(terms, weights) & (expected > 0)
    out[ok] = 1.0 - (n[ok] - 1.0) * observed[ok] / expected[ok]
    return out
