"""Undefined statistics, degenerate inputs and the bootstrap interval."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from workbench.core.agreement import Resampling
from workbench.core.agreement import alpha_bootstrap
from workbench.core.agreement import coefficient_set
from workbench.core.agreement import cohen_kappa
from workbench.core.agreement import fleiss_kappa
from workbench.core.agreement import gwet_ac1
from workbench.core.agreement import gwet_ac2
from workbench.core.agreement import krippendorff_alpha
from workbench.core.agreement import percent_agreement
from workbench.core.agreement import rating_matrix
from workbench.core.agreement import scott_pi
from workbench.core.agreement import weighted_kappa
from workbench.core.agreement.alpha_batch import alpha_replicates
from workbench.core.agreement.alpha_batch import profile_terms
from workbench.core.agreement.bootstrap import _draw_counts
from workbench.core.agreement.bootstrap import alpha_replicate_values
from workbench.core.agreement.levels import check_level
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.matrix import unit_profiles

LEVELS = ("nominal", "ordinal", "interval", "ratio")
TWO_COLUMN_FIELDS = ("cohen_kappa", "scott_pi")
ALL_COEFFICIENTS = (
    "percent_agreement",
    "cohen_kappa",
    "cohen_kappa_mean",
    "scott_pi",
    "fleiss_kappa",
    "gwet_ac1",
    "alpha",
    "alpha_ci95",
)


@pytest.mark.parametrize("level", LEVELS)
def test_all_identical_values_make_alpha_undefined(level: str) -> None:
    matrix = rating_matrix([[3, 3, 3], [3, 3, None], [3, None, None]])
    assert krippendorff_alpha(matrix, level) is None
    assert alpha_bootstrap(matrix, level, Resampling(50)) is None


def test_all_identical_values_leave_kappas_undefined_but_not_ac1_with_two_categories() -> None:
    same = [[1, 1], [1, 1], [1, 1]]
    observed_only = rating_matrix(same)
    declared = rating_matrix(same, categories=[0, 1])
    for matrix in (observed_only, declared):
        assert cohen_kappa(matrix) is None
        assert scott_pi(matrix) is None
        assert fleiss_kappa(matrix) is None
        assert percent_agreement(matrix) == 1.0
    # AC1's chance term is q-based: with two declared categories it is defined (and 1);
    # with a single observed category q = 1 and it is 0/0.
    assert gwet_ac1(declared) == 1.0
    assert gwet_ac1(observed_only) is None


def test_single_coder_gives_none_everywhere() -> None:
    result = coefficient_set(
        rating_matrix([[1], [2], [1]], coders=["A"]), bootstrap=Resampling(100)
    )
    for field in ALL_COEFFICIENTS:
        assert getattr(result, field) is None, field
    assert result.cohen_kappa_pairwise == {}
    assert result.coders == 1
    assert result.pairable_units == 0


def test_no_pairable_unit_gives_none_everywhere() -> None:
    # Two coders who never coded the same unit.
    matrix = rating_matrix([[1, None], [None, 2], [2, None]], coders=["A", "B"])
    result = coefficient_set(matrix, bootstrap=Resampling(100))
    for field in ALL_COEFFICIENTS:
        assert getattr(result, field) is None, field
    assert result.cohen_kappa_pairwise == {"A|B": None}
    assert (result.units, result.pairable_units, result.values_count) == (3, 0, 0)
    assert json.loads(json.dumps(result.to_json(), allow_nan=False))["alpha"] is None


def test_empty_matrix() -> None:
    result = coefficient_set(rating_matrix([], coders=["A", "B"]), bootstrap=Resampling(10))
    assert result.units == 0 and result.alpha is None and result.percent_agreement is None


def test_two_column_statistics_need_exactly_two_coders() -> None:
    matrix = rating_matrix([[1, 2, 1], [2, 2, 1], [1, 1, 2]])
    result = coefficient_set(matrix, bootstrap=Resampling(0))
    for field in TWO_COLUMN_FIELDS:
        assert getattr(result, field) is None
    assert set(result.cohen_kappa_pairwise) == {"coder1|coder2", "coder1|coder3", "coder2|coder3"}
    assert result.fleiss_kappa is not None


def test_perfect_agreement_with_variation_is_one_and_chance_agreement_can_be_zero() -> None:
    perfect = rating_matrix([[1, 1], [2, 2], [1, 1]])
    assert krippendorff_alpha(perfect) == 1.0
    assert cohen_kappa(perfect) == 1.0
    # p_o = 1/2 and p_e = 1/2·1/2 + 1/2·1/2 = 1/2, so κ is exactly 0 (defined, not None).
    chance = rating_matrix([[1, 1], [1, 2], [2, 1], [2, 2]])
    assert cohen_kappa(chance) == 0.0


def test_ordered_statistics_refuse_unordered_labels() -> None:
    labels = rating_matrix([["low", "high"], ["high", "high"]])
    with pytest.raises(ValueError, match="ordered"):
        weighted_kappa(labels)
    with pytest.raises(ValueError, match="ordered"):
        gwet_ac2(labels)
    with pytest.raises(ValueError, match="ordered"):
        krippendorff_alpha(labels, "ordinal")
    with pytest.raises(ValueError, match="number"):
        krippendorff_alpha(labels, "interval")


def test_ratio_level_refuses_negative_values() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha(rating_matrix([[-1, 1], [1, 1]]), "ratio")


def test_values_outside_declared_categories_are_refused() -> None:
    with pytest.raises(ValueError, match="not a declared category"):
        rating_matrix([[1, 7]], categories=[1, 2, 3])


def _typical(seed: int = 0, units: int = 300) -> RatingMatrix:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 4, size=units)
    data = np.where(rng.random((units, 4)) < 0.8, truth[:, None], rng.integers(0, 4, (units, 4)))
    rows = [[int(v) if rng.random() > 0.2 else None for v in row] for row in data]
    return rating_matrix(rows, categories=[0, 1, 2, 3])


@pytest.mark.parametrize("level", LEVELS)
def test_bootstrap_is_reproducible_and_seed_dependent(level: str) -> None:
    matrix = _typical()
    first = alpha_bootstrap(matrix, level, Resampling(1000, 42))
    again = alpha_bootstrap(matrix, level, Resampling(1000, 42))
    other = alpha_bootstrap(matrix, level, Resampling(1000, 43))
    assert first is not None and other is not None
    assert first == again
    assert (first.low, first.high) != (other.low, other.high)
    alpha = krippendorff_alpha(matrix, level)
    assert alpha is not None and first.low < alpha < first.high
    assert first.defined == first.replicates == 1000


def test_bootstrap_does_not_depend_on_unit_order() -> None:
    matrix = _typical(seed=1)
    shuffled = matrix.select_units(np.random.default_rng(9).permutation(matrix.n_units))
    assert alpha_bootstrap(matrix, resampling=Resampling(seed=5)) == alpha_bootstrap(
        shuffled, resampling=Resampling(seed=5)
    )


def test_coefficient_set_interval_brackets_alpha_and_serialises() -> None:
    result = coefficient_set(_typical(seed=2), bootstrap=Resampling(1000, 7))
    assert result.alpha is not None and result.alpha_ci95 is not None
    assert result.alpha_ci95[0] < result.alpha < result.alpha_ci95[1]
    payload = json.loads(json.dumps(result.to_json(), allow_nan=False))
    assert payload["alpha_ci95"] == list(result.alpha_ci95)


@pytest.mark.parametrize("level", LEVELS)
def test_replicate_alpha_equals_alpha_of_the_explicitly_resampled_units(level: str) -> None:
    # The vectorised replicate (weighted sum of profile contributions) must equal α computed
    # from scratch on a data set that physically repeats the drawn units.
    matrix = _typical(seed=3, units=80)
    rng = np.random.default_rng(0)
    rated = (matrix.index >= 0).sum(axis=1) >= 2
    pool = matrix.index[rated]
    values = None if level in ("nominal", "ordinal") else matrix.numeric_values()
    prof = unit_profiles(matrix, min_values=2)
    terms = profile_terms(prof, matrix.n_categories, check_level(level), values)
    keys = {tuple(row): p for p, row in enumerate(prof.slots.tolist())}
    for _ in range(20):
        drawn = pool[rng.integers(0, pool.shape[0], pool.shape[0])]
        weights = np.zeros((1, prof.count))
        for row in drawn:
            weights[0, keys[tuple(sorted(row.tolist(), reverse=True))]] += 1
        resampled = RatingMatrix(drawn, matrix.categories, matrix.coders, True)
        expected = krippendorff_alpha(resampled, level)
        got = alpha_replicates(terms, weights)[0]
        assert expected is not None
        assert got == pytest.approx(expected, abs=1e-12)


def test_both_resampling_branches_draw_n_units_per_replicate() -> None:
    rng = np.random.default_rng(1)
    few = unit_profiles(_typical(seed=4), min_values=2)  # few profiles: multinomial branch
    continuous = rating_matrix(rng.normal(size=(200, 3)).round(6).tolist())
    many = unit_profiles(continuous, min_values=2)  # one profile per unit: index branch
    for prof in (few, many):
        counts = np.concatenate(list(_draw_counts(rng, prof, 30, row_cost=1)))
        assert counts.shape == (30, prof.count)
        assert (counts.sum(axis=1) == prof.units).all()


def test_continuous_interval_bootstrap_centres_on_the_estimate() -> None:
    rng = np.random.default_rng(2)
    truth = rng.normal(size=500)
    data = truth[:, None] + rng.normal(scale=0.5, size=(500, 3))
    matrix = rating_matrix(data.tolist())
    alpha = krippendorff_alpha(matrix, "interval")
    draws = alpha_replicate_values(matrix, "interval", Resampling(400, 1))
    assert alpha is not None and not np.isnan(draws).any()
    assert abs(float(np.mean(draws)) - alpha) < 0.01


def test_undefined_replicates_are_dropped_and_counted() -> None:
    # One unit with disagreement among many unanimous ones: some resamples have no variation.
    rows = [[1, 1]] * 3 + [[1, 2]]
    result = alpha_bootstrap(rating_matrix(rows), resampling=Resampling(2000, 3))
    assert result is not None
    assert 0 < result.defined < result.replicates
    assert math.isfinite(result.low) and math.isfinite(result.high)
