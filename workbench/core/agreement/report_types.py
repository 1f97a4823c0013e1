"""Result types of the per-code agreement report, each with a JSON-ready ``to_json``.

Reliability flags follow Krippendorff (2004, p. 241) on the presence α of a code:
α >= 0.800 "reliable", 0.667 <= α < 0.800 "tentative", below "unreliable", undefined α
"undefined". Flags compare the unrounded α.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workbench.core.agreement.coefficients import CoefficientSet

RELIABLE_ALPHA = 0.800
TENTATIVE_ALPHA = 0.667


def reliability_flag(alpha: float | None) -> str:
    """The reliability flag for an α value."""
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE_ALPHA:
        return "reliable"
    return "tentative" if alpha >= TENTATIVE_ALPHA else "unreliable"


def _interval(ci: tuple[float, float] | None) -> list[float] | None:
    return list(ci) if ci is not None else None


@dataclass(frozen=True)
class StanceAgreement:
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

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "units": self.units,
            "coders": self.coders,
            "values_count": self.values_count,
            "percent_agreement": self.percent_agreement,
            "alpha_ordinal": self.alpha_ordinal,
            "alpha_ordinal_ci95": _interval(self.alpha_ordinal_ci95),
            "alpha_interval": self.alpha_interval,
            "weighted_kappa_quadratic": self.weighted_kappa_quadratic,
            "gwet_ac2_quadratic": self.gwet_ac2_quadratic,
        }


@dataclass(frozen=True)
class CodeReport:
    """Presence and stance agreement for one code."""

    code: str
    applications: int
    prevalence: float | None
    flag: str
    presence: CoefficientSet
    stance: StanceAgreement

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "code": self.code,
            "applications": self.applications,
            "prevalence": self.prevalence,
            "flag": self.flag,
            "presence": self.presence.to_json(),
            "stance": self.stance.to_json(),
        }


@dataclass(frozen=True)
class CoderPairAgreement:
    """Cohen's κ on presence for one coder pair, per code and pooled over codes."""

    coders: tuple[str, str]
    shared_passages: int
    kappa_by_code: dict[str, float | None]
    pooled_kappa: float | None
    pooled_agreement: float | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "coders": list(self.coders),
            "shared_passages": self.shared_passages,
            "kappa_by_code": dict(self.kappa_by_code),
            "pooled_kappa": self.pooled_kappa,
            "pooled_agreement": self.pooled_agreement,
        }


@dataclass(frozen=True)
class CodeAccuracy:
    """A coder against the reference layer on one code's presence."""

    units: int
    accuracy: float | None
    kappa: float | None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {"units": self.units, "accuracy": self.accuracy, "kappa": self.kappa}


@dataclass(frozen=True)
class ReferenceAgreement:
    """A coder against the reference layer: per code and pooled over codes."""

    coder: str
    units: int
    accuracy: float | None
    kappa: float | None
    by_code: dict[str, CodeAccuracy]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "coder": self.coder,
            "units": self.units,
            "accuracy": self.accuracy,
            "kappa": self.kappa,
            "by_code": {code: acc.to_json() for code, acc in self.by_code.items()},
        }


@dataclass(frozen=True)
class AgreementReport:
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

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; undefined statistics are None."""
        return {
            "codes": list(self.codes),
            "coders": list(self.coders),
            "passages": self.passages,
            "pairable_passages": self.pairable_passages,
            "coded_pairs": self.coded_pairs,
            "stance_scale": list(self.stance_scale),
            "bootstrap": self.bootstrap,
            "seed": self.seed,
            "per_code": {code: rep.to_json() for code, rep in self.per_code.items()},
            "coder_pairs": {key: pair.to_json() for key, pair in self.coder_pairs.items()},
            "reference": None
            if self.reference is None
            else {coder: ref.to_json() for coder, ref in self.reference.items()},
            "breakdowns": {
                key: {
                    value: {code: cs.to_json() for code, cs in by_code.items()}
                    for value, by_code in groups.items()
                }
                for key, groups in self.breakdowns.items()
            },
        }
