"""The standard set of agreement coefficients for one reliability matrix.

Conventions (see the coefficient modules for the formulas):
- ``units`` counts units with at least one rating; ``pairable_units`` those with two or more;
  ``values_count`` is the number of pairable values (Krippendorff's n); ``coders`` counts coder
  columns with at least one rating; ``category_count`` is q, the length of the category list.
- Percent agreement, Fleiss' κ, AC1 and α use every coder; Cohen's κ and Scott's π are reported
  only for exactly two coder columns (None otherwise); ``cohen_kappa_pairwise`` holds κ for every
  pair ("A|B") and ``cohen_kappa_mean`` their plain mean (Light's κ) over defined pairs.
- Percent agreement, κ, π and AC1 treat the categories as nominal whatever ``level`` is; ``level``
  only sets the metric of α and its bootstrap interval.
- Anything undefined (0/0, no pairable unit, a single coder) is None; ``to_json`` keeps it null.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.agreement.alpha import krippendorff_alpha
from workbench.core.agreement.bootstrap import DEFAULT_RESAMPLING
from workbench.core.agreement.bootstrap import Resampling
from workbench.core.agreement.bootstrap import alpha_bootstrap
from workbench.core.agreement.json_record import JsonRecord
from workbench.core.agreement.kappa import cohen_kappa
from workbench.core.agreement.kappa import cohen_kappa_pairwise
from workbench.core.agreement.kappa import mean_kappa
from workbench.core.agreement.kappa import scott_pi
from workbench.core.agreement.levels import check_level
from workbench.core.agreement.matrix import RatingMatrix
from workbench.core.agreement.multirater import fleiss_kappa
from workbench.core.agreement.multirater import gwet_ac1
from workbench.core.agreement.multirater import percent_agreement


@dataclass(frozen=True)
class CoefficientSet(JsonRecord):
    """Agreement coefficients of one units × coders matrix; None marks an undefined value."""

    level: str
    units: int
    pairable_units: int
    coders: int
    values_count: int
    category_count: int
    percent_agreement: float | None
    cohen_kappa: float | None
    cohen_kappa_pairwise: dict[str, float | None]
    cohen_kappa_mean: float | None
    scott_pi: float | None
    fleiss_kappa: float | None
    gwet_ac1: float | None
    alpha: float | None
    alpha_ci95: tuple[float, float] | None
    bootstrap_replicates: int
    bootstrap_defined: int


def coefficient_set(
    matrix: RatingMatrix,
    *,
    level: str = "nominal",
    bootstrap: Resampling = DEFAULT_RESAMPLING,
) -> CoefficientSet:
    """Every coefficient for the matrix, with a bootstrap CI for α unless it has 0 replicates."""
    kind = check_level(level)
    rated = matrix.rated
    pairable = rated >= 2
    pairwise = cohen_kappa_pairwise(matrix)
    alpha = krippendorff_alpha(matrix, kind)
    interval = None
    if bootstrap.replicates > 0 and alpha is not None:
        interval = alpha_bootstrap(matrix, kind, bootstrap)
    return CoefficientSet(
        level=kind,
        units=int((rated >= 1).sum()),
        pairable_units=int(pairable.sum()),
        coders=matrix.active_coders(),
        values_count=int(rated[pairable].sum()),
        category_count=matrix.n_categories,
        percent_agreement=percent_agreement(matrix),
        cohen_kappa=cohen_kappa(matrix),
        cohen_kappa_pairwise=pairwise,
        cohen_kappa_mean=mean_kappa(pairwise.values()),
        scott_pi=scott_pi(matrix),
        fleiss_kappa=fleiss_kappa(matrix),
        gwet_ac1=gwet_ac1(matrix),
        alpha=alpha,
        alpha_ci95=(interval.low, interval.high) if interval is not None else None,
        bootstrap_replicates=bootstrap.replicates if alpha is not None else 0,
        bootstrap_defined=interval.defined if interval is not None else 0,
    )
