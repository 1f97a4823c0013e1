"""Agreement coefficients against worked examples with published values."""

from __future__ import annotations

import pytest

from workbench.core.agreement import Resampling
from workbench.core.agreement import coefficient_set
from workbench.core.agreement import cohen_kappa
from workbench.core.agreement import fleiss_kappa
from workbench.core.agreement import gwet_ac1
from workbench.core.agreement import krippendorff_alpha
from workbench.core.agreement import percent_agreement
from workbench.core.agreement import rating_matrix
from workbench.core.agreement import weighted_kappa

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, section C ("Nominal data, any number of observers,
# missing data"): observers A-D (columns) × units 1-12 (rows); None = no value recorded.
KRIPPENDORFF_2011: list[list[int | None]] = [
    [1, 1, None, 1],
    [2, 2, 3, 2],
    [3, 3, 3, 3],
    [3, 3, 3, 3],
    [2, 2, 2, 2],
    [1, 2, 3, 4],
    [4, 4, 4, 4],
    [1, 1, 2, 1],
    [2, 2, 2, 2],
    [None, 5, 5, 5],
    [None, None, 1, 1],
    [None, 3, None, None],
]


@pytest.mark.parametrize(
    ("level", "published"),
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_alpha_at_each_level(level: str, published: float) -> None:
    matrix = rating_matrix(KRIPPENDORFF_2011, coders=["A", "B", "C", "D"])
    alpha = krippendorff_alpha(matrix, level)
    assert alpha is not None
    assert round(alpha, 3) == published


def test_krippendorff_2011_counts_pairable_values() -> None:
    # The paper's coincidence matrix has n.. = 40 pairable values in 11 pairable units.
    result = coefficient_set(rating_matrix(KRIPPENDORFF_2011), bootstrap=Resampling(0))
    assert result.values_count == 40
    assert result.pairable_units == 11
    assert result.units == 12


# Gwet, K. L. (2014). Handbook of Inter-Rater Reliability, 4th ed., ch. 2, analyses the same
# 4 raters × 12 subjects with missing ratings: AC1 = 0.7754, Fleiss' generalised κ = 0.7612,
# percent agreement p_a = 0.8182 (also printed in the irrCAC documentation, dataset raw_4raters).
def test_gwet_2014_ac1_fleiss_and_percent_agreement_with_missing_data() -> None:
    matrix = rating_matrix(KRIPPENDORFF_2011, categories=[1, 2, 3, 4, 5])
    assert round(gwet_ac1(matrix) or 0, 4) == 0.7754
    assert round(fleiss_kappa(matrix) or 0, 4) == 0.7612
    assert round(percent_agreement(matrix) or 0, 4) == 0.8182


# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin 76(5), 378-382: 30 patients, 6 psychiatrists each, 5 diagnoses (1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); κ = 0.430. Rows as in the
# `diagnoses` data of the R package irr (Gamer et al.), which reproduces Fleiss' table.
FLEISS_1971 = [
    [4, 4, 4, 4, 4, 4],
    [2, 2, 2, 5, 5, 5],
    [2, 3, 3, 3, 3, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4],
    [1, 1, 3, 3, 3, 3],
    [3, 3, 3, 3, 5, 5],
    [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [1, 4, 4, 4, 4, 4],
    [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3],
    [1, 4, 4, 4, 4, 4],
    [2, 2, 4, 4, 4, 5],
    [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5],
    [1, 1, 1, 1, 1, 2],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5],
    [2, 4, 4, 4, 4, 4],
    [2, 2, 4, 5, 5, 5],
    [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5],
    [2, 2, 2, 2, 2, 4],
    [1, 1, 1, 1, 5, 5],
    [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3],
    [5, 5, 5, 5, 5, 5],
]


def test_fleiss_1971_psychiatric_diagnoses() -> None:
    kappa = fleiss_kappa(rating_matrix(FLEISS_1971))
    assert kappa is not None
    assert round(kappa, 3) == 0.430
    # R irr::kappam.fleiss(diagnoses) prints 0.4302445 (7 significant digits).
    assert kappa == pytest.approx(0.4302445, abs=5e-8)


def test_cohen_kappa_two_by_two_textbook_example() -> None:
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals read by A and B;
    # yes/yes 20, A yes/B no 5, A no/B yes 10, no/no 15. p_o = 0.70, p_e = 0.50, κ = 0.40.
    rows = [["yes", "yes"]] * 20 + [["yes", "no"]] * 5 + [["no", "yes"]] * 10 + [["no", "no"]] * 15
    assert cohen_kappa(rating_matrix(rows, coders=["A", "B"])) == 0.4


# R package irr (Gamer, Lemon, Fellows & Singh), data `anxiety` (20 subjects, 3 raters, scores
# 1-6); kappa2(anxiety[, 2:3]) = -0.006289308, with "equal" (linear) weights 0.1459075 and
# "squared" (quadratic) weights 0.2520325. irr drops the unused level 5, so the ordered
# category list is 1, 2, 3, 4, 6. (The R outputs are recorded in statsmodels' test suite.)
ANXIETY_RATERS_2_3 = [
    [3, 2], [6, 1], [4, 4], [6, 4], [2, 3], [4, 2], [2, 1], [4, 6], [3, 1], [3, 1],
    [2, 1], [3, 2], [3, 3], [3, 3], [2, 1], [2, 1], [1, 3], [3, 3], [3, 2], [4, 2],
]  # fmt: skip


def test_cohen_kappa_and_weighted_kappa_on_irr_anxiety() -> None:
    matrix = rating_matrix(ANXIETY_RATERS_2_3, categories=[1, 2, 3, 4, 6])
    assert cohen_kappa(matrix) == pytest.approx(-0.006289308, abs=5e-10)
    assert weighted_kappa(matrix, "linear") == pytest.approx(0.1459075, abs=5e-8)
    assert weighted_kappa(matrix, "quadratic") == pytest.approx(0.2520325, abs=5e-8)
