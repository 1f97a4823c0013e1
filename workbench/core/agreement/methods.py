"""Text and table for the methods section of a paper, written from an AgreementReport.

Numbers are shown to three decimals, rounding halves away from zero on the exact value of the
float (0.5625 -> 0.563; printf-style formatting would give 0.562). The table keeps full precision
unless ``digits`` is given, rounding the same way. Undefined values are said to be undefined in
the text and left as None in the table, never written as 0.
"""

from __future__ import annotations

import statistics
from decimal import ROUND_HALF_UP
from decimal import Decimal
from typing import Any

from workbench.core.agreement.report_types import RELIABLE_ALPHA
from workbench.core.agreement.report_types import TENTATIVE_ALPHA
from workbench.core.agreement.report_types import AgreementReport
from workbench.core.agreement.report_types import CodeReport


def _decimal(value: float, digits: int) -> Decimal:
    # Decimal(float) is exact, so only true ties round up, not values that merely print as ties.
    rounded = Decimal(value).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never print "-0.000"


def _num(value: float) -> str:
    return str(_decimal(value, 3))


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _alpha_with_ci(rep: CodeReport) -> str:
    alpha = rep.presence.alpha
    if alpha is None:
        return "undefined"
    ci = rep.presence.alpha_ci95
    return _num(alpha) + (f" (95% CI [{_num(ci[0])}, {_num(ci[1])}])" if ci is not None else "")


def _presence_sentence(report: AgreementReport) -> str:
    reps = list(report.per_code.values())
    defined = [r for r in reps if r.presence.alpha is not None]
    undefined = len(reps) - len(defined)
    if not reps:
        return "No code was assessed."
    if len(reps) == 1:
        only = reps[0]
        text = f"Krippendorff's α for the presence of “{only.code}” was {_alpha_with_ci(only)}."
        return text + (" It is undefined because the code shows no variation." if undefined else "")
    if not defined:
        return "Krippendorff's α was undefined for every code (no variation in code presence)."
    low = min(defined, key=lambda r: r.presence.alpha or 0.0)
    high = max(defined, key=lambda r: r.presence.alpha or 0.0)
    median = statistics.median(r.presence.alpha for r in defined if r.presence.alpha is not None)
    counts = {flag: sum(r.flag == flag for r in reps) for flag in ("reliable", "tentative")}
    text = (
        f"Krippendorff's α for code presence ranged from {_alpha_with_ci(low)} for “{low.code}” "
        f"to {_alpha_with_ci(high)} for “{high.code}” (median {_num(median)}); "
        f"{counts['reliable']} of {len(reps)} codes reached α ≥ {RELIABLE_ALPHA:.3f} and "
        f"{counts['tentative']} lay between {TENTATIVE_ALPHA:.3f} and {RELIABLE_ALPHA:.3f}."
    )
    if undefined:
        text += f" α was undefined for {_plural(undefined, 'code')} without variation."
    return text


def _stance_sentence(report: AgreementReport) -> str:
    values = [r.stance.alpha_ordinal for r in report.per_code.values()]
    defined = [v for v in values if v is not None]
    if not defined:
        return ""
    scale = report.stance_scale
    span = f"{scale[0]:+g} to {scale[-1]:+g}" if scale else "the stance scale"
    spread = (
        f"was {_num(defined[0])}"
        if len(defined) == 1
        else f"ranged from {_num(min(defined))} to {_num(max(defined))}"
    )
    counted = (
        f" ({len(defined)} of {len(values)} codes with a defined value)" if len(values) > 1 else ""
    )
    return (
        f" Agreement on stance ({span}) was assessed on passages to which at least two coders "
        f"applied the same code, with ordinal Krippendorff's α, which {spread}{counted}."
    )


def methods_paragraph(
    report: AgreementReport,
    codebook_version: str | None = None,
    disagreements_resolved: int | None = None,
) -> str:
    """An English methods-section paragraph describing the reliability assessment."""
    coders = len(report.coders)
    version = f" under codebook version {codebook_version}" if codebook_version else ""
    codes = len(report.codes)
    scope = "For the one code" if codes == 1 else f"For each of the {codes} codes"
    text = (
        f"Intercoder reliability was assessed on {_plural(report.passages, 'passage')} coded "
        f"independently by {_plural(coders, 'coder')}{version}; "
        f"{report.pairable_passages:,} passages were coded by at least two coders. "
        f"{scope}, presence was treated as a "
        "binary nominal variable, and a passage a coder had not coded was treated as missing "
        "rather than as an absence of the code. "
    )
    text += _presence_sentence(report)
    if report.bootstrap > 0:
        text += (
            f" Confidence intervals are percentile intervals from {report.bootstrap:,} bootstrap "
            f"resamples of passages (seed {report.seed})."
        )
    text += _stance_sentence(report)
    if disagreements_resolved is not None:
        verb = "was" if disagreements_resolved == 1 else "were"
        text += (
            f" After the reliability assessment, {_plural(disagreements_resolved, 'disagreement')}"
            f" {verb} resolved by adjudication into a consensus layer."
        )
    return text


def _rounded(value: float | None, digits: int | None) -> float | None:
    return value if value is None or digits is None else float(_decimal(value, digits))


def methods_table(report: AgreementReport, digits: int | None = None) -> list[dict[str, Any]]:
    """One row per code with the figures a reliability table in a paper reports."""
    rows: list[dict[str, Any]] = []
    for code, rep in report.per_code.items():
        p, s = rep.presence, rep.stance
        ci = p.alpha_ci95
        figures = {
            "prevalence": rep.prevalence,
            "alpha": p.alpha,
            "alpha_ci95_low": ci[0] if ci is not None else None,
            "alpha_ci95_high": ci[1] if ci is not None else None,
            "percent_agreement": p.percent_agreement,
            "cohen_kappa_mean": p.cohen_kappa_mean,
            "fleiss_kappa": p.fleiss_kappa,
            "gwet_ac1": p.gwet_ac1,
            "stance_alpha_ordinal": s.alpha_ordinal,
            "stance_alpha_interval": s.alpha_interval,
        }
        row: dict[str, Any] = {
            "code": code,
            "units": p.units,
            "pairable_units": p.pairable_units,
            "coders": p.coders,
            "flag": rep.flag,
            "stance_units": s.units,
        }
        row.update({key: _rounded(value, digits) for key, value in figures.items()})
        rows.append(row)
    return rows
