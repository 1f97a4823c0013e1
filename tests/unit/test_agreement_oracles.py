"""Agreement coefficients against independent implementations on random data with missing values.

Oracles: ``krippendorff`` (α), ``statsmodels.stats.inter_rater`` (Cohen's κ, weighted κ,
Fleiss' κ on complete data) and ``irrCAC.raw.CAC`` (Gwet 2014's estimators with missing data).

Definitions checked to match before comparing:
- irrCAC's ``pa`` (reported with gwet()/fleiss()) is Gwet's p_a over units with >= 2 ratings:
  our percent agreement.
- irrCAC's fleiss() uses π_k averaged over every unit with >= 1 rating, as we do, so Fleiss' κ
  with missing data matches exactly. statsmodels' fleiss_kappa needs complete data.
- irrCAC's gwet() takes q from ``categories``; we pass our category list so q agrees. Its
  linear/quadratic weights use category values; with equally spaced integer categories they
  equal our position-based weights.
- Scott's π is Fleiss' κ for two raters only on complete data: with missing data irrCAC's
  fleiss() lets units coded by one rater into π_k while π uses only units both coded, so the
  comparison uses complete two-rater data.
- irrCAC rounds to ``digits``; we ask for 15.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from collections.abc import Iterator
from typing import Any

import krippendorff
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from irrCAC.raw import CAC
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss_kappa
from statsmodels.stats.inter_rater import to_table

from workbench.core.agreement import cohen_kappa
from workbench.core.agreement import cohen_kappa_pairwise
from workbench.core.agreement import fleiss_kappa
from workbench.core.agreement import gwet_ac1
from workbench.core.agreement import gwet_ac2
from workbench.core.agreement import krippendorff_alpha
from workbench.core.agreement import percent_agreement
from workbench.core.agreement import rating_matrix
from workbench.core.agreement import scott_pi
from workbench.core.agreement import weighted_kappa
from workbench.core.agreement.alpha import EXACT_CATEGORY_LIMIT
from workbench.core.agreement.alpha_batch import alpha_replicates
from workbench.core.agreement.alpha_batch import profile_terms
from workbench.core.agreement.levels import check_level
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import unit_profiles

TOL = 1e-9
# irrCAC modifies a slice of its own data frame and pandas warns about it.
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.SettingWithCopyWarning")
LEVELS = ("nominal", "ordinal", "interval", "ratio")


def _matrix(data: np.ndarray, categories: list[int]) -> RatingMatrix:
    rows = [[None if np.isnan(v) else int(v) for v in row] for row in data]
    return rating_matrix(rows, categories=categories)


def _random_sets(
    seed: int, count: int, *, missing: float = 0.3, max_q: int = 6
) -> Iterator[tuple[np.ndarray, list[int]]]:
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        units, coders, q = rng.integers(3, 40), rng.integers(2, 7), rng.integers(2, max_q + 1)
        # Skewed category probabilities make ties, rare categories and unused ones common.
        probs = rng.dirichlet(np.ones(q) * 0.7)
        data = (rng.choice(q, size=(units, coders), p=probs) + 1).astype(float)
        data[rng.random((units, coders)) < missing] = np.nan
        if ((~np.isnan(data)).sum(axis=1) >= 2).any():
            made += 1
            yield data, list(range(1, q + 1))


def _assert_close(ours: float | None, reference: float) -> None:
    if ours is None:
        assert np.isnan(reference) or not np.isfinite(reference)
    else:
        assert ours == pytest.approx(reference, abs=TOL)


def _krippendorff_reference(data: np.ndarray, categories: list[int], level: str) -> float | None:
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = krippendorff.alpha(
                data.T, level_of_measurement=check_level(level), value_domain=categories
            )
    except ValueError:  # it refuses data without a pairable unit or a one-value domain
        return None
    return None if np.isnan(value) else float(value)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_matches_krippendorff_package_with_missing_data(level: str) -> None:
    compared = 0
    for data, cats in _random_sets(seed=11, count=150):
        ours = krippendorff_alpha(_matrix(data, cats), level)
        reference = _krippendorff_reference(data, cats, level)
        if reference is None:
            # The package returns NaN or refuses where α is 0/0; we must say None then.
            assert ours is None
            continue
        assert ours is not None
        assert ours == pytest.approx(reference, abs=TOL)
        compared += 1
    assert compared > 100


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 4)), min_size=3, max_size=3),
        min_size=1,
        max_size=25,
    ),
    level=st.sampled_from(LEVELS),
)
def test_alpha_matches_krippendorff_package_on_generated_data(
    data: list[list[int | None]], level: str
) -> None:
    cats = [0, 1, 2, 3, 4]
    ours = krippendorff_alpha(rating_matrix(data, categories=cats), level)
    array = np.array([[np.nan if v is None else v for v in row] for row in data], dtype=float)
    reference = _krippendorff_reference(array, cats, level)
    if reference is None or ours is None:
        assert ours is None and reference is None
    else:
        assert ours == pytest.approx(reference, abs=TOL)


@pytest.mark.parametrize("level", LEVELS)
def test_alpha_float_path_matches_package_for_many_categories(level: str) -> None:
    rng = np.random.default_rng(5)
    values = rng.choice(np.arange(1, 200), size=(120, 4)).astype(float)
    values[rng.random(values.shape) < 0.25] = np.nan
    cats = sorted({int(v) for v in values[~np.isnan(values)]})
    assert len(cats) > EXACT_CATEGORY_LIMIT  # so the float64 replicate code computes it
    ours = krippendorff_alpha(_matrix(values, cats), level)
    reference = _krippendorff_reference(values, cats, level)
    assert ours is not None and reference is not None
    assert ours == pytest.approx(reference, abs=TOL)


@pytest.mark.parametrize("level", LEVELS)
def test_exact_and_float_alpha_agree(level: str) -> None:
    for data, cats in _random_sets(seed=3, count=60):
        matrix = _matrix(data, cats)
        prof = unit_profiles(matrix, min_values=2)
        values = None if level in ("nominal", "ordinal") else matrix.numeric_values()
        weights = prof.mult[None, :].astype(float)
        terms = profile_terms(prof, len(cats), check_level(level), values)
        batch = alpha_replicates(terms, weights)[0]
        exact = krippendorff_alpha(matrix, level)
        if exact is None:
            assert np.isnan(batch)
        else:
            assert batch == pytest.approx(exact, abs=1e-12)


def _pair_table(data: np.ndarray, q: int) -> np.ndarray:
    both = data[~np.isnan(data).any(axis=1)]
    table, _ = to_table(both.astype(int), bins=np.arange(1, q + 2))
    return table


def test_cohen_and_weighted_kappa_match_statsmodels() -> None:
    compared = 0
    for data, cats in _random_sets(seed=21, count=200):
        pair = data[:, :2]
        matrix = _matrix(pair, cats)
        table = _pair_table(pair, len(cats))
        for wt in (None, "linear", "quadratic"):
            ours = cohen_kappa(matrix) if wt is None else weighted_kappa(matrix, wt)
            if table.sum() == 0:  # statsmodels refuses an empty table
                assert ours is None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                reference = float(cohens_kappa(table, wt=wt, return_results=False))
            _assert_close(ours, reference)
            compared += ours is not None
    assert compared > 300


def test_pairwise_kappa_matches_statsmodels_for_every_pair() -> None:
    for data, cats in _random_sets(seed=8, count=40):
        pairwise = cohen_kappa_pairwise(_matrix(data, cats))
        for key, ours in pairwise.items():
            i, j = (int(name.removeprefix("coder")) - 1 for name in key.split("|"))
            table = _pair_table(data[:, [i, j]], len(cats))
            if table.sum() == 0:
                assert ours is None
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _assert_close(ours, float(cohens_kappa(table, return_results=False)))


def test_fleiss_kappa_matches_statsmodels_on_complete_data() -> None:
    for data, cats in _random_sets(seed=4, count=100, missing=0.0):
        counts, _ = aggregate_raters(data.astype(int), n_cat=None)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reference = float(sm_fleiss_kappa(counts))
        _assert_close(fleiss_kappa(_matrix(data, cats)), reference)


def _cac(data: np.ndarray, cats: list[int], weights: str = "identity") -> CAC:
    return CAC(pd.DataFrame(data), weights=weights, categories=[float(c) for c in cats], digits=15)


def _irr(method: Callable[[], dict[str, Any]], key: str = "coefficient_value") -> float:
    """An irrCAC estimate; its ZeroDivisionError on p_e = 1 is the 0/0 we call undefined."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return float(method()["est"][key])
        except ZeroDivisionError:
            return float("nan")


def test_gwet_family_and_fleiss_match_irrcac_with_missing_data() -> None:
    for data, cats in _random_sets(seed=17, count=120):
        matrix = _matrix(data, cats)
        plain = _cac(data, cats)
        _assert_close(percent_agreement(matrix), _irr(plain.gwet, "pa"))
        _assert_close(gwet_ac1(matrix), _irr(plain.gwet))
        _assert_close(fleiss_kappa(matrix), _irr(plain.fleiss))
        for scheme in ("linear", "quadratic"):
            _assert_close(gwet_ac2(matrix, scheme), _irr(_cac(data, cats, scheme).gwet))


def test_scott_pi_matches_irrcac_fleiss_for_two_complete_raters() -> None:
    for data, cats in _random_sets(seed=29, count=120, missing=0.0):
        pair = data[:, :2]
        ours = scott_pi(_matrix(pair, cats))
        if ours is None:
            # Both raters used one and the same category: π is 0/0. irrCAC's float p_e can land
            # a hair below 1 there and print 1.0, so there is nothing to compare.
            assert np.unique(pair).size == 1
            continue
        _assert_close(ours, _irr(_cac(pair, cats).fleiss))


def test_alpha_matches_irrcac_krippendorff() -> None:
    # A second, independently written α (Gwet's formulation) as a cross-check. Where every
    # pairable value is the same, irrCAC prints 1.0 while α is 0/0; we return None by design.
    compared = 0
    for data, cats in _random_sets(seed=31, count=60):
        ours = krippendorff_alpha(_matrix(data, cats))
        reference = _irr(_cac(data, cats).krippendorff)
        if ours is None:
            paired = data[(~np.isnan(data)).sum(axis=1) >= 2]
            assert np.unique(paired[~np.isnan(paired)]).size == 1
            continue
        _assert_close(ours, reference)
        compared += 1
    assert compared > 40
