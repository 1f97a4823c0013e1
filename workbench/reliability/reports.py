"""Agreement reports of stored codings: the project's or a round's report, breakdowns, methods.

The report is the agreement package's, computed on the records ``records`` loads, with the
consensus (or a gold round) as its reference layer and the count of resolved disagreements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench import i18n
from workbench.codebooks import codes as codebooks
from workbench.core import i18n as messages
from workbench.core.agreement import DEFAULT_SEED
from workbench.core.agreement import AgreementInputError
from workbench.core.agreement import AgreementReport
from workbench.core.agreement import build_report
from workbench.core.agreement import methods_paragraph
from workbench.core.agreement import methods_table
from workbench.core.errors import ValidationError
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.models import Annotation
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.reliability.records import CONSENSUS
from workbench.reliability.records import Scope
from workbench.reliability.records import adjudicated_ids
from workbench.reliability.records import consensus_records
from workbench.reliability.records import differing_codes
from workbench.reliability.records import get_round
from workbench.reliability.records import load
from workbench.reliability.records import passage_codings
from workbench.reliability.records import scope_for
from workbench.reliability.records import scoped

BREAKDOWN_KEYS = ("language", "original_language", "speech", "delegation", "doc_type", "document")
MAX_BOOTSTRAP = 10_000
MAX_SHOWN = f"{MAX_BOOTSTRAP:,}"


@dataclass
class ProjectReport:
    """An agreement report with its labels, scope and provenance."""

    report: AgreementReport
    codes: list[str]
    code_ids: dict[str, int]
    coders: dict[str, str]
    scope: Scope
    round: ReliabilityRound | None
    codebook_version: int
    resolved: int
    reference_label: str | None  # "consensus", "gold" or None when there is no consensus yet
    resolved_per_code: dict[str, int] = field(default_factory=dict)  # code path -> passages
    # Coder codings in the scope, and how many of them were made by accepting a suggestion.
    codings: int = 0
    assisted: int = 0


def _resolved_disagreements(
    session: Session, project: Project, scope: Scope
) -> dict[int, set[str]]:
    """Adjudicated passages whose coders disagreed, each with the code paths they differed on."""
    done = adjudicated_ids(session, project, scope)
    if not done:
        return {}
    out: dict[int, set[str]] = {}
    for pid, codings in passage_codings(
        session, project, replace(scope, pairable_only=True)
    ).items():
        if pid in done:
            differing = differing_codes(codings)
            if differing:
                out[pid] = differing
    return out


def resolved_count(session: Session, project: Project, scope: Scope) -> int:
    """How many disagreements of the scope were adjudicated: passages whose coders differed
    (in presence or stance of some code) and that carry a consensus. A passage the lead
    confirmed although its coders agreed is no resolved disagreement."""
    return len(_resolved_disagreements(session, project, scope))


def resolved_per_code(session: Session, project: Project, scope: Scope) -> dict[str, int]:
    """Per code path: adjudicated passages of the scope whose coders disagreed on that code
    (in presence or stance). A code nobody disagreed on has none."""
    out: dict[str, int] = defaultdict(int)
    for paths in _resolved_disagreements(session, project, scope).values():
        for path in paths:
            out[path] += 1
    return dict(out)


def breakdown(
    session: Session, project: Project, scope: Scope, key: str
) -> tuple[list[str], dict[str, dict[str, Any]]]:
    """Presence coefficients (no interval) per value of one metadata key: codes and groups."""
    if key not in BREAKDOWN_KEYS:
        raise ValidationError(_("by: choose one of %(keys)s.", keys=", ".join(BREAKDOWN_KEYS)))
    data = load(session, project, scope)
    try:
        report = build_report(
            data.records,
            codes=data.codes,
            unit_meta=data.unit_meta,
            bootstrap=0,
            stance_scale=data.stance_scale,
            breakdown_by=[key],
        )
    except AgreementInputError as exc:
        raise ValidationError(_("The codings cannot be analysed: %(reason)s", reason=exc)) from None
    return data.codes, dict(report.breakdowns.get(key, {}))


def check_bootstrap(bootstrap: int, seed: int) -> None:
    """Refuse bootstrap counts and seeds the report cannot use."""
    if not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise ValidationError(
            _("bootstrap: give a number of replicates from 0 to %(max)s.", max=MAX_SHOWN)
        )
    if not 0 <= seed < 2**63:
        raise ValidationError(_("seed: give a whole number from 0 up."))


def project_report(
    session: Session,
    project: Project,
    scope: Scope,
    *,
    bootstrap: int = 1000,
    seed: int = DEFAULT_SEED,
    breakdowns: bool = True,
) -> ProjectReport:
    """The full agreement report of a scope, against the consensus (or gold) layer if any."""
    check_bootstrap(bootstrap, seed)
    data = load(session, project, scope, meta=breakdowns)
    reference = consensus_records(session, project, scope)
    rnd = get_round(session, project, scope.round_id) if scope.round_id is not None else None
    try:
        report = build_report(
            data.records,
            codes=data.codes,
            bootstrap=bootstrap,
            seed=seed,
            reference=reference or None,
            stance_scale=data.stance_scale,
        )
        if breakdowns:
            # Breakdowns carry point estimates only: a bootstrap per (key, value, code) would
            # cost minutes on a large project, and each code's own interval is unaffected.
            split = build_report(
                data.records,
                codes=data.codes,
                unit_meta=data.unit_meta,
                bootstrap=0,
                seed=seed,
                stance_scale=data.stance_scale,
                breakdown_by=BREAKDOWN_KEYS,
            )
            report = replace(report, breakdowns=split.breakdowns)
    except AgreementInputError as exc:
        raise ValidationError(_("The codings cannot be analysed: %(reason)s", reason=exc)) from None
    return ProjectReport(
        report=report,
        codes=data.codes,
        code_ids=data.code_ids,
        coders=data.coders,
        scope=scope,
        round=rnd,
        codebook_version=rnd.codebook_version
        if rnd is not None
        else codebooks.current_version(session, project),
        resolved=resolved_count(session, project, scope),
        reference_label=None if not reference else ("gold" if rnd and rnd.is_gold else CONSENSUS),
        resolved_per_code=resolved_per_code(session, project, scope) if reference else {},
        codings=len([r for r in data.records if r.code]),
        assisted=assisted_count(session, project, scope),
    )


def assisted_count(session: Session, project: Project, scope: Scope) -> int:
    """Coder codings in the scope that were applied by accepting a coding suggestion."""
    stmt = scoped(
        select(func.count(Annotation.id)).where(Annotation.suggestion_accepted.is_(True)),
        Annotation.passage_id,
        Annotation.project_id,
        project,
        scope,
    )
    if scope.coder_ids is not None:
        stmt = stmt.where(Annotation.coder_id.in_(scope.coder_ids))
    return int(session.scalar(stmt) or 0)


def report_payload(pr: ProjectReport, project: Project) -> dict[str, Any]:
    """The report as JSON with its provenance (the web's JSON and the CLI print this)."""
    return {
        "project": project.slug,
        "round_id": pr.round.id if pr.round else None,
        "codebook_version": pr.codebook_version,
        "reference_layer": pr.reference_label,
        "disagreements_resolved": pr.resolved,
        "disagreements_resolved_per_code": {c: pr.resolved_per_code.get(c, 0) for c in pr.codes},
        "coder_names": pr.coders,
        **pr.report.to_json(),
    }


# Column labels of the methods table: translated where shown (the page in the interface's
# language, the Markdown in the paragraph's); the keys are the table's stable names.
METHODS_COLUMNS = (
    ("code", N_("Code")),
    ("alpha", "α"),
    ("alpha_ci95_low", N_("95% CI low")),
    ("alpha_ci95_high", N_("95% CI high")),
    ("percent_agreement", N_("% agreement")),
    ("cohen_kappa_mean", N_("mean κ")),
    ("gwet_ac1", "AC1"),
    ("units", N_("units")),
    ("pairable_units", N_("pairable")),
    ("coders", N_("coders")),
    ("stance_alpha_ordinal", N_("stance α (ordinal)")),
    ("flag", N_("flag")),
    ("codebook_version", N_("codebook version")),
    ("disagreements_resolved", N_("disagreements resolved")),
)
FLAG_LABELS = {
    "reliable": N_("reliable"),
    "tentative": N_("tentative"),
    "unreliable": N_("unreliable"),
    "undefined": N_("undefined"),
}


def methods_columns() -> list[tuple[str, str]]:
    """The methods table's keys with their labels in the current language."""
    return [(key, _(label)) for key, label in METHODS_COLUMNS]


def methods_from(
    pr: ProjectReport, digits: int | None = 3, language: str = i18n.DEFAULT
) -> tuple[str, list[dict[str, Any]]]:
    """The methods paragraph (in the given language) and table of a computed report."""
    version = str(pr.codebook_version) if pr.codebook_version else None
    paragraph = methods_paragraph(
        pr.report, version, pr.resolved, language, codings=pr.codings, assisted=pr.assisted
    )
    rows = methods_table(pr.report, digits)
    for row in rows:
        row["codebook_version"] = pr.codebook_version
        row["disagreements_resolved"] = pr.resolved_per_code.get(str(row.get("code")), 0)
    return paragraph, rows


def methods_for(
    session: Session,
    project: Project,
    round_id: int | None = None,
    *,
    bootstrap: int = 1000,
    digits: int | None = None,
    language: str = i18n.DEFAULT,
) -> tuple[str, list[dict[str, Any]]]:
    """The methods-section paragraph and table of the project or of one round (for exports).

    Table figures keep full precision unless ``digits`` is given; the paragraph uses three."""
    scope = scope_for(session, project, round_id=round_id)
    pr = project_report(session, project, scope, bootstrap=bootstrap, breakdowns=False)
    return methods_from(pr, digits, language)


def _cell(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    if key == "flag" and value in FLAG_LABELS:
        return _(FLAG_LABELS[value])
    return str(value).replace("|", "\\|")


def methods_markdown(
    paragraph: str, rows: list[dict[str, Any]], language: str = i18n.DEFAULT
) -> str:
    """The methods paragraph and table as Markdown, labelled in the paragraph's language."""
    # The Markdown goes into a paper with its paragraph, so its headings follow the paragraph's
    # language, not the interface's.
    token = messages.activate(i18n.catalog(language) if language in i18n.LANGUAGES else None)
    try:
        head = [label for _key, label in methods_columns()]
        lines = [paragraph, "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in rows:
            cells = [_cell(key, row.get(key)) for key, _label in METHODS_COLUMNS]
            lines.append("| " + " | ".join(cells) + " |")
    finally:
        messages.restore(token)
    return "\n".join(lines) + "\n"
