"""Result types of the per-code agreement report, each with a JSON-ready ``to_json``.

Reliability flags follow Krippendorff (2004, p. 241) on the presence α of a code:
α >= 0.800 "reliable", 0.667 <= α < 0.800 "tentative", below "unreliable", undefined α
"undefined". Flags compare the unrounded α.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.core.agreement.coefficients import CoefficientSet
from workbench.core.agreement.json_record import JsonRecord

RELIABLE_ALPHA = 0.800
TENTATIVE_ALPHA = 0.667


def reliability_flag(alpha: float | None) -> str:
    """The reliability flag for an α value."""
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE_ALPHA:
        return "reliable"
    return "tentative" if alpha >= TENTATIVE_ALPHA else "unreliable"


@dataclass(frozen=True)
class StanceAgreement(JsonRecord):
    """Agreement on the stance of one code, over passages where >= 2 coders gave a stance."""

    units: int
    coders: int
    values_count: int
    percent_agreement: float | None
    alpha_ordinal: float | None
    alpha_ordinal_ci95: tuple[float, float] | None
    alpha_interval: float | None
    weighted_kappa_quadratic: float | None
    gwet_ac2_quadratic: float | None


@dataclass(frozen=True)
class CodeReport(JsonRecord):
    """Presence and stance agreement for one code."""

    code: str
    applications: int
    prevalence: float | None
    flag: str
    presence: CoefficientSet
    stance: StanceAgreement


@dataclass(frozen=True)
class CoderPairAgreement(JsonRecord):
    """Cohen's κ on presence for one coder pair, per code and pooled over codes."""

    coders: tuple[str, str]
    shared_passages: int
    kappa_by_code: dict[str, float | None]
    pooled_kappa: float | None
    pooled_agreement: float | None


@dataclass(frozen=True)
class CodeAccuracy(JsonRecord):
    """A coder against the reference layer on one code's presence."""

    units: int
    accuracy: float | None
    kappa: float | None


@dataclass(frozen=True)
class ReferenceAgreement(JsonRecord):
    """A coder against the reference layer: per code and pooled over codes."""

    coder: str
    units: int
    accuracy: float | None
    kappa: float | None
    by_code: dict[str, CodeAccuracy]


@dataclass(frozen=True)
class AgreementReport(JsonRecord):
    """Per-code agreement over a set of coding records."""

    codes: tuple[str, ...]
    coders: tuple[str, ...]
    passages: int
    pairable_passages: int
    coded_pairs: int
    stance_scale: tuple[float, ...]
    bootstrap: int
    seed: int
    per_code: dict[str, CodeReport]
    coder_pairs: dict[str, CoderPairAgreement]
    reference: dict[str, ReferenceAgreement] | None
    breakdowns: dict[str, dict[str, dict[str, CoefficientSet]]]
