"""Percentile bootstrap confidence interval for Krippendorff's α, resampling units.

Each replicate draws as many units as there are pairable units, uniformly with replacement, from
the pairable units (units coded once contribute nothing to α, so they are left out of the pool),
and recomputes α. Units are exchangeable within a profile (the multiset of values a unit got), so
drawing N units and tallying their profiles is the same distribution as one multinomial draw of
N over the profiles with probabilities mult/N; that is what is done when profiles are few, and
explicit unit indices are drawn otherwise. Either way a replicate's α is a weighted sum of
per-profile contributions (see ``alpha_batch``), never a pass over the raw data.

The interval is the (1 - c)/2 and (1 + c)/2 quantiles (numpy's default linear interpolation) of
the replicates in which α is defined; replicates with D_e = 0 are dropped and counted apart. No
pairable unit, or no defined replicate, gives None. The random stream comes from
``numpy.random.default_rng(seed)``, and the result does not depend on the order of the units,
so the same data and seed reproduce the same interval.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from workbench.core.agreement.alpha_batch import DENSE_LIMIT
from workbench.core.agreement.alpha_batch import alpha_replicates
from workbench.core.agreement.alpha_batch import profile_terms
from workbench.core.agreement.levels import check_level
from workbench.core.agreement.levels import level_values
from workbench.core.agreement.matrix import FloatArray
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import UnitProfiles
from workbench.core.agreement.matrix import unit_profiles

DEFAULT_SEED = 20_250_101
DEFAULT_REPLICATES = 1000


@dataclass(frozen=True)
class Resampling:
    """How a bootstrap resamples: replicates (0 means no interval), seed and confidence level."""

    replicates: int = DEFAULT_REPLICATES
    seed: int | np.random.Generator = DEFAULT_SEED
    confidence: float = 0.95


DEFAULT_RESAMPLING = Resampling()


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile bootstrap interval and how many replicates it rests on."""

    low: float
    high: float
    confidence: float
    replicates: int
    defined: int


def make_rng(seed: int | np.random.Generator) -> np.random.Generator:
    """A Generator from a seed (or the Generator itself)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def derived_rng(seed: int, *labels: str) -> np.random.Generator:
    """A Generator for one labelled statistic, stable whatever else is computed with the seed."""
    keys = tuple(
        int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")
        for label in labels
    )
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=keys))


def _draw_counts(
    rng: np.random.Generator, prof: UnitProfiles, replicates: int, row_cost: int
) -> Iterator[FloatArray]:
    """Replicates × profiles counts of resampled units, in chunks of bounded memory.

    ``row_cost`` is the size of the per-replicate intermediate the caller will build.
    """
    n = prof.units
    if prof.count * 4 <= n:
        pvals = prof.mult / n
        step = max(1, DENSE_LIMIT // max(prof.count, row_cost))
        for start in range(0, replicates, step):
            size = min(step, replicates - start)
            yield rng.multinomial(n, pvals, size=size).astype(np.float64)
        return
    owner = np.repeat(np.arange(prof.count), prof.mult)
    step = max(1, DENSE_LIMIT // max(n, row_cost))
    for start in range(0, replicates, step):
        size = min(step, replicates - start)
        draws = owner[rng.integers(0, n, size=(size, n))]
        # One bincount per replicate keeps the tally array small enough to stay in cache.
        counts = np.stack([np.bincount(row, minlength=prof.count) for row in draws])
        yield counts.astype(np.float64)


def alpha_replicate_values(
    matrix: RatingMatrix, level: str = "nominal", resampling: Resampling = DEFAULT_RESAMPLING
) -> FloatArray:
    """α of each bootstrap replicate (NaN where undefined); empty without a pairable unit."""
    kind = check_level(level)
    values = level_values(matrix, kind)
    prof = unit_profiles(matrix, min_values=2)
    replicates = resampling.replicates
    if prof.count == 0 or replicates <= 0:
        return np.zeros(0)
    rng = make_rng(resampling.seed)
    q = matrix.n_categories
    terms = profile_terms(prof, q, kind, values)
    row_cost = q * q if kind in ("ordinal", "ratio") else q
    parts = [alpha_replicates(terms, w) for w in _draw_counts(rng, prof, replicates, row_cost)]
    return np.concatenate(parts)


def alpha_bootstrap(
    matrix: RatingMatrix, level: str = "nominal", resampling: Resampling = DEFAULT_RESAMPLING
) -> BootstrapInterval | None:
    """Percentile bootstrap interval of Krippendorff's α, resampling pairable units."""
    confidence = resampling.confidence
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    draws = alpha_replicate_values(matrix, level, resampling)
    defined = draws[~np.isnan(draws)]
    if defined.size == 0:
        return None
    tail = (1 - confidence) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return BootstrapInterval(
        float(low), float(high), confidence, resampling.replicates, int(defined.size)
    )
