"""The figures a methods paragraph reports, gathered once from an AgreementReport.

Each language's paragraph is written from the same facts, so the English and the Chinese text
cannot differ in a number. Numbers are shown to three decimals, rounding halves away from zero
on the exact value of the float (0.5625 -> 0.563; printf-style formatting would give 0.562).
Undefined values are said to be undefined, never written as 0.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from decimal import ROUND_HALF_UP
from decimal import Decimal

from workbench.core.agreement.report_types import RELIABLE_ALPHA
from workbench.core.agreement.report_types import TENTATIVE_ALPHA
from workbench.core.agreement.report_types import AgreementReport
from workbench.core.agreement.report_types import CodeReport


def rounded_decimal(value: float, digits: int) -> Decimal:
    """A float rounded half away from zero on its exact value (never "-0.000")."""
    # Decimal(float) is exact, so only true ties round up, not values that merely print as ties.
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded


def figure(value: float) -> str:
    """A coefficient as the paragraph prints it: three decimals."""
    return str(rounded_decimal(value, 3))


def count(value: int) -> str:
    """A count as the paragraph prints it, with thousands separated by commas in every language."""
    return f"{value:,}"


@dataclass(frozen=True)
class CodeAlpha:
    """One code's presence α as printed, with its 95% interval if there is one."""

    code: str
    alpha: str | None  # None: undefined
    ci: tuple[str, str] | None


@dataclass(frozen=True)
class Presence:
    """What the paragraph says about presence α across codes."""

    codes: int
    undefined: int
    only: CodeAlpha | None = None  # the one code, when there is exactly one
    low: CodeAlpha | None = None
    high: CodeAlpha | None = None
    median: str | None = None
    reliable: int = 0
    tentative: int = 0


@dataclass(frozen=True)
class Stance:
    """What the paragraph says about ordinal α on the stance."""

    scale: tuple[str, str] | None  # first and last value of the scale, signed
    values: tuple[str, ...]  # defined α, printed: one value, or the lowest and the highest
    defined: int
    codes: int


@dataclass(frozen=True)
class MethodsFacts:
    """Every figure of the methods paragraph, already printed."""

    passages: str
    coders: int
    pairable: str
    codebook_version: str | None
    codes: int
    presence: Presence
    bootstrap: str | None  # None: no interval was computed
    seed: int
    stance: Stance | None
    disagreements_resolved: int | None
    assisted: tuple[int, int, str] | None  # (assisted, codings, share in %) when any
    reliable_alpha: str = f"{RELIABLE_ALPHA:.3f}"
    tentative_alpha: str = f"{TENTATIVE_ALPHA:.3f}"


def _code_alpha(rep: CodeReport) -> CodeAlpha:
    alpha, ci = rep.presence.alpha, rep.presence.alpha_ci95
    return CodeAlpha(
        rep.code,
        None if alpha is None else figure(alpha),
        None if alpha is None or ci is None else (figure(ci[0]), figure(ci[1])),
    )


def _presence(report: AgreementReport) -> Presence:
    reps = list(report.per_code.values())
    defined = [r for r in reps if r.presence.alpha is not None]
    undefined = len(reps) - len(defined)
    if len(reps) == 1:
        return Presence(1, undefined, only=_code_alpha(reps[0]))
    if not defined:
        return Presence(len(reps), undefined)
    low = min(defined, key=lambda r: r.presence.alpha or 0.0)
    high = max(defined, key=lambda r: r.presence.alpha or 0.0)
    median = statistics.median(r.presence.alpha for r in defined if r.presence.alpha is not None)
    return Presence(
        len(reps),
        undefined,
        low=_code_alpha(low),
        high=_code_alpha(high),
        median=figure(median),
        reliable=sum(r.flag == "reliable" for r in reps),
        tentative=sum(r.flag == "tentative" for r in reps),
    )


def _stance(report: AgreementReport) -> Stance | None:
    values = [r.stance.alpha_ordinal for r in report.per_code.values()]
    defined = [v for v in values if v is not None]
    if not defined:
        return None
    scale = report.stance_scale
    return Stance(
        scale=(f"{scale[0]:+g}", f"{scale[-1]:+g}") if scale else None,
        values=(figure(defined[0]),)
        if len(defined) == 1
        else (figure(min(defined)), figure(max(defined))),
        defined=len(defined),
        codes=len(values),
    )


def methods_facts(
    report: AgreementReport,
    codebook_version: str | None = None,
    disagreements_resolved: int | None = None,
    codings: int = 0,
    assisted: int = 0,
) -> MethodsFacts:
    """The figures of the methods paragraph of a report (and of its machine-assisted codings)."""
    share = 100 * assisted / codings if codings else 0.0
    return MethodsFacts(
        passages=count(report.passages),
        coders=len(report.coders),
        pairable=count(report.pairable_passages),
        codebook_version=codebook_version or None,
        codes=len(report.codes),
        presence=_presence(report),
        bootstrap=count(report.bootstrap) if report.bootstrap > 0 else None,
        seed=report.seed,
        stance=_stance(report),
        disagreements_resolved=disagreements_resolved,
        assisted=(assisted, codings, f"{share:.1f}") if assisted else None,
    )
