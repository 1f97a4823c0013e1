"""Text and table for the methods section of a paper, written from an AgreementReport.

The paragraph exists in each language of ``PARAGRAPH_LANGUAGES``, chosen by the caller (by
default the interface's, but a lead may want the other one for a journal): each is written by
its own function from the same ``MethodsFacts``, so the figures agree by construction. The
paragraph is not assembled from catalog messages: academic prose orders its clauses differently
in each language (Chinese puts the code and interval before the coefficient, and has no plural),
and the text must come out in a language other than the interface's, so each language is a
template of its own, like a document. The table keeps full precision unless ``digits`` is given,
rounding the same way as the text; undefined values are left as None, never 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workbench.core.agreement import methods_zh
from workbench.core.agreement.methods_facts import CodeAlpha
from workbench.core.agreement.methods_facts import MethodsFacts
from workbench.core.agreement.methods_facts import count
from workbench.core.agreement.methods_facts import methods_facts
from workbench.core.agreement.methods_facts import rounded_decimal
from workbench.core.agreement.report_types import AgreementReport


def _plural(number: int | str, word: str) -> str:
    shown = count(number) if isinstance(number, int) else number
    return f"{shown} {word}{'' if shown == '1' else 's'}"


def _alpha_with_ci(found: CodeAlpha) -> str:
    if found.alpha is None:
        return "undefined"
    ci = f" (95% CI [{found.ci[0]}, {found.ci[1]}])" if found.ci is not None else ""
    return found.alpha + ci


def _presence_sentence(facts: MethodsFacts) -> str:
    p = facts.presence
    if not p.codes:
        return "No code was assessed."
    if p.only is not None:
        text = f"Krippendorff's α for the presence of “{p.only.code}” was {_alpha_with_ci(p.only)}."
        return text + (
            " It is undefined because the code shows no variation." if p.undefined else ""
        )
    if p.low is None or p.high is None:
        return "Krippendorff's α was undefined for every code (no variation in code presence)."
    text = (
        f"Krippendorff's α for code presence ranged from {_alpha_with_ci(p.low)} "
        f"for “{p.low.code}” to {_alpha_with_ci(p.high)} for “{p.high.code}” "
        f"(median {p.median}); "
        f"{p.reliable} of {p.codes} codes reached α ≥ {facts.reliable_alpha} and "
        f"{p.tentative} lay between {facts.tentative_alpha} and {facts.reliable_alpha}."
    )
    if p.undefined:
        text += f" α was undefined for {_plural(p.undefined, 'code')} without variation."
    return text


def _stance_sentence(facts: MethodsFacts) -> str:
    s = facts.stance
    if s is None:
        return ""
    span = f"{s.scale[0]} to {s.scale[1]}" if s.scale else "the stance scale"
    spread = (
        f"was {s.values[0]}"
        if len(s.values) == 1
        else f"ranged from {s.values[0]} to {s.values[1]}"
    )
    counted = f" ({s.defined} of {s.codes} codes with a defined value)" if s.codes > 1 else ""
    return (
        f" Agreement on stance ({span}) was assessed on passages to which at least two coders "
        f"applied the same code, with ordinal Krippendorff's α, which {spread}{counted}."
    )


def english_paragraph(facts: MethodsFacts) -> str:
    """The methods paragraph in English."""
    version = f" under codebook version {facts.codebook_version}" if facts.codebook_version else ""
    scope = "For the one code" if facts.codes == 1 else f"For each of the {facts.codes} codes"
    text = (
        f"Intercoder reliability was assessed on {_plural(facts.passages, 'passage')} coded "
        f"independently by {_plural(facts.coders, 'coder')}{version}; "
        f"{facts.pairable} passages were coded by at least two coders. "
        f"{scope}, presence was treated as a "
        "binary nominal variable, and a passage a coder had not coded was treated as missing "
        "rather than as an absence of the code. "
    )
    text += _presence_sentence(facts)
    if facts.bootstrap is not None:
        text += (
            f" Confidence intervals are percentile intervals from {facts.bootstrap} bootstrap "
            f"resamples of passages (seed {facts.seed})."
        )
    text += _stance_sentence(facts)
    resolved = facts.disagreements_resolved
    if resolved is not None:
        verb = "was" if resolved == 1 else "were"
        text += (
            f" After the reliability assessment, {_plural(resolved, 'disagreement')}"
            f" {verb} resolved by adjudication into a consensus layer."
        )
    if facts.assisted is not None:
        assisted, codings, share = facts.assisted
        text += (
            f" {assisted} of {codings} codings ({share}%) were made by accepting a machine "
            "suggestion (a per-code classifier enabled only after its cross-validated F1 reached "
            "the project's threshold; never shown in reliability rounds or gold checks); "
            "agreement computed without them is reported separately."
        )
    return text


# The languages the paragraph is written in (keys are the interface's language codes).
PARAGRAPH_LANGUAGES: dict[str, Callable[[MethodsFacts], str]] = {
    "en": english_paragraph,
    "zh_Hans": methods_zh.chinese_paragraph,
}


def paragraph_language(language: str | None) -> str:
    """The paragraph language for an interface language: itself if written, else English."""
    return language if language in PARAGRAPH_LANGUAGES else "en"


def methods_paragraph(
    report: AgreementReport,
    codebook_version: str | None = None,
    disagreements_resolved: int | None = None,
    language: str = "en",
    *,
    codings: int = 0,
    assisted: int = 0,
) -> str:
    """A methods-section paragraph describing the reliability assessment, in a given language."""
    facts = methods_facts(report, codebook_version, disagreements_resolved, codings, assisted)
    return PARAGRAPH_LANGUAGES[paragraph_language(language)](facts)


def _rounded(value: float | None, digits: int | None) -> float | None:
    return value if value is None or digits is None else float(rounded_decimal(value, digits))


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
