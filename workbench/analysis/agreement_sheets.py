"""The Agreement, Methods and Disagreements sheets: the agreement report of the export's scope.

Agreement records are built as the agreement package defines them: for every (passage, coder)
marked coded, one record per annotation, or one with no code for "nothing applies". The
agreement integration (``reliability.reports``) computes the report with the export's
filters, so the workbook says what the Agreement page says; it holds every record in memory,
so above INTEGRATION_LIMIT annotations the export streams the records of the passages two or
more coders coded instead (a passage coded by one coder carries no information about
agreement).
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select

from workbench.analysis import layers as analysis
from workbench.analysis.sheet_context import CODE_KEY
from workbench.analysis.sheet_context import PASSAGE_KEYS
from workbench.analysis.sheet_context import Context
from workbench.analysis.sheet_context import grouped
from workbench.core.agreement import CodingRecord
from workbench.core.agreement import build_report
from workbench.core.agreement import methods_paragraph
from workbench.core.agreement import methods_table
from workbench.core.agreement.errors import AgreementInputError
from workbench.core.errors import ValidationError
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.formats.scope import Layer
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.varnames import NameRegistry
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports

INTEGRATION_LIMIT = 250_000


AGREEMENT_COLUMNS = (
    ("code", N_("Code path"), 34),
    ("units", N_("Passages coded by at least one coder"), 8),
    ("pairable_units", N_("Passages coded by at least two coders"), 9),
    ("coders", N_("Coders"), 7),
    ("flag", N_("reliable (alpha >= .800), tentative (>= .667), unreliable or undefined"), 11),
    ("stance_units", N_("Passages where at least two coders gave this code a stance"), 9),
    ("prevalence", N_("Applications / coded (passage, coder) pairs"), 10),
    ("alpha", N_("Krippendorff's alpha on presence (nominal)"), 9),
    ("alpha_ci95_low", N_("Lower bound of the 95% bootstrap interval of alpha"), 9),
    ("alpha_ci95_high", N_("Upper bound of the 95% bootstrap interval of alpha"), 9),
    ("percent_agreement", N_("Share of coder pairs agreeing on presence"), 9),
    ("cohen_kappa_mean", N_("Mean pairwise Cohen's kappa on presence"), 9),
    ("fleiss_kappa", N_("Fleiss' kappa on presence"), 9),
    ("gwet_ac1", N_("Gwet's AC1 on presence"), 9),
    ("stance_alpha_ordinal", N_("Krippendorff's alpha on the stance (ordinal)"), 9),
    ("stance_alpha_interval", N_("Krippendorff's alpha on the stance (interval)"), 9),
    ("codebook_version", N_("Codebook version the report was made under"), 9),
    (
        "disagreements_resolved",
        N_("Adjudicated passages in scope whose coders disagreed on this code"),
        9,
    ),
)


@dataclass
class AgreementResult:
    """The methods paragraph and the per-code table (possibly empty, with a reason)."""

    paragraph: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str = ""


def agreement_context(ctx: Context) -> Context:
    """The context over every coder in scope, whatever layer the export shows."""
    coders = analysis.coders_in_project(ctx.session, ctx.project)
    if ctx.scope.coder_ids:
        coders = [u for u in coders if u.id in ctx.scope.coder_ids]
    return replace(ctx, scope=replace(ctx.scope, layer=Layer("coders")), coders=coders)


def pairable(ctx: Context) -> Select[Any]:
    """Ids of passages at least two coders in scope marked coded."""
    return (
        select(PassageState.passage_id)
        .where(
            PassageState.project_id == ctx.project.id,
            PassageState.coded.is_(True),
            PassageState.coder_id.in_(ctx.coder_ids),
        )
        .group_by(PassageState.passage_id)
        .having(func.count(PassageState.coder_id) >= 2)
    )


def coding_records(ctx: Context) -> list[CodingRecord]:
    """Records of the pairable passages (see the module docstring)."""
    paths = {c.id: c.path for c in ctx.codes}
    names = ctx.usernames
    only = pairable(ctx)
    conds = analysis.passage_conditions(ctx.project, ctx.scope)
    states = ctx.session.execute(
        select(PassageState.passage_id, PassageState.coder_id)
        .join(Passage, Passage.id == PassageState.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .where(*conds, PassageState.passage_id.in_(only), PassageState.coded.is_(True))
        .where(PassageState.coder_id.in_(ctx.coder_ids))
        .execution_options(yield_per=5000)
    )
    coded = {(p, c) for p, c in states}
    applied: set[tuple[int, int]] = set()
    records: list[CodingRecord] = []
    rows = ctx.session.execute(
        select(Annotation.passage_id, Annotation.coder_id, Annotation.code_id, Annotation.stance)
        .join(Passage, Passage.id == Annotation.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .where(*conds, Annotation.passage_id.in_(only), Annotation.coder_id.in_(ctx.coder_ids))
        .where(Annotation.code_id.in_(ctx.code_ids))
        .execution_options(yield_per=5000)
    )
    for passage_id, coder_id, code_id, stance in rows:
        if (passage_id, coder_id) in coded:
            records.append(CodingRecord(passage_id, names[coder_id], paths[code_id], stance))
            applied.add((passage_id, coder_id))
    records.extend(CodingRecord(p, names[c], None) for p, c in coded - applied)
    return records


def _scope_of(ctx: Context) -> agreement_data.Scope:
    """The agreement integration's scope for the export's filters (dates become documents)."""
    scope = ctx.scope
    doc_ids: tuple[int, ...] | None = scope.document_ids or None
    if scope.date_from or scope.date_to:
        stmt = select(Document.id).where(Document.project_id == ctx.project.id)
        if scope.document_ids:
            stmt = stmt.where(Document.id.in_(scope.document_ids))
        if scope.date_from:
            stmt = stmt.where(Document.date >= scope.date_from)
        if scope.date_to:
            stmt = stmt.where(Document.date <= scope.date_upper())
        doc_ids = tuple(ctx.session.scalars(stmt)) or (-1,)
    return agreement_data.Scope(
        coder_ids=tuple(ctx.coder_ids),
        doc_ids=doc_ids,
        code_ids=tuple(ctx.code_ids) if scope.code_ids else None,
    )


def _annotation_count(ctx: Context) -> int:
    return int(
        ctx.session.scalar(
            select(func.count(Annotation.id)).where(
                Annotation.project_id == ctx.project.id, Annotation.coder_id.in_(ctx.coder_ids)
            )
        )
        or 0
    )


def agreement(ctx: Context) -> AgreementResult:
    """The reliability paragraph and per-code table for the coders in scope."""
    if len(ctx.coders) < 2:
        return AgreementResult(note="Agreement needs at least two coders in scope.")
    if not ctx.codes:
        return AgreementResult(note="No codable code in scope.")
    if _annotation_count(ctx) <= INTEGRATION_LIMIT:
        try:
            report = agreement_reports.project_report(
                ctx.session,
                ctx.project,
                _scope_of(ctx),
                bootstrap=ctx.scope.bootstrap,
                breakdowns=False,
            )
        except ValidationError as exc:
            return AgreementResult(note=str(exc))
        if not report.report.passages:
            return AgreementResult(note="No passage in scope was coded.")
        paragraph, rows = agreement_reports.methods_from(report, None)
        return AgreementResult(paragraph, rows)
    # Large projects: stream only the passages two or more coders coded (constant memory).
    records = coding_records(ctx)
    if not records:
        return AgreementResult(note="No passage in scope was coded by two or more coders.")
    try:
        big = build_report(
            records,
            codes=[c.path for c in ctx.codes],
            stance_scale=[s.value for s in ctx.scale],
            bootstrap=ctx.scope.bootstrap,
        )
    except AgreementInputError as exc:
        return AgreementResult(note=f"Agreement could not be computed: {exc}")
    return AgreementResult(
        methods_paragraph(big, codebook_version=str(ctx.version)),
        methods_table(big),
        note=f"Over {INTEGRATION_LIMIT:,} annotations: computed on the passages coded by two or "
        "more coders only (the others carry no information about agreement).",
    )


def agreement_table(result: Callable[[], AgreementResult]) -> Table:
    """One row per code with the figures a reliability table reports."""
    names = [name for name, _, _ in AGREEMENT_COLUMNS]
    return Table(
        "agreement",
        "Agreement",
        "Inter-coder agreement per code on the passages coded by two or more coders",
        [Column(n, d, w) for n, d, w in AGREEMENT_COLUMNS],
        lambda: ([row.get(n) for n in names] for row in result().rows),
    )


def methods_table_sheet(result: Callable[[], AgreementResult]) -> Table:
    """The methods paragraph, ready to paste into a paper."""

    def rows() -> Iterator[Row]:
        found = result()
        yield ["methods_paragraph", found.paragraph or found.note]
        if found.paragraph and found.note:
            yield ["note", found.note]

    return Table(
        "methods",
        "Methods",
        "A methods-section paragraph describing the reliability assessment",
        [Column("item", N_("What the text is"), 18), Column("text", N_("Text"), 120, wrap=True)],
        rows,
        autofilter=False,
    )


def disagreements_table(ctx: Context) -> Table:
    """One row per (passage, code) where the coders who coded the passage disagree."""
    registry = NameRegistry(
        (
            "passage_id",
            "document_id",
            "document_title",
            "passage_ordinal",
            "speaker",
            "delegation",
            "code_key",
            "code_path",
            "kind",
            "judgements",
            "text",
        )
    )
    per_coder = [
        (
            u,
            registry.take(u.username, "coder", suffix="_p"),
            registry.take(u.username, "coder", suffix="_s"),
        )
        for u in ctx.coders
    ]
    columns = [
        *PASSAGE_KEYS,
        Column("speaker", N_("Speaker"), 20),
        Column("delegation", N_("Delegation"), 16),
        CODE_KEY,
        Column("code_path", N_("Code path"), 34),
        Column(
            "kind",
            N_("presence: coders disagree whether the code applies; stance: on its stance"),
            10,
        ),
        Column("judgements", N_("Each coder's judgement"), 40, wrap=True),
        Column("text", N_("Passage text"), 70, wrap=True),
    ]
    for u, p_name, s_name in per_coder:
        presence = _("Presence by %(coder)s (empty: not coded)", coder=u.display_name)
        columns.append(Column(p_name, presence, 8))
        columns.append(Column(s_name, _("Stance by %(coder)s", coder=u.display_name), 8))

    people = [(u.id, u.display_name) for u in ctx.coders]
    codes = [(c.id, c.key, c.path, c.takes_stance) for c in ctx.codes]

    def judgement(name: str, applied: bool, stance: int | None) -> str:
        if not applied:
            return f"{name}: not applied"
        return f"{name}: applied" + ("" if stance is None else f", stance {stance:+d}")

    def rows() -> Iterator[Row]:
        if len(people) < 2:
            return
        for passage, coded, applied in grouped(ctx, only=pairable(ctx)):
            judges = [(i, applied.get(i, {})) for i, _ in people if i in coded]
            if len(judges) < 2:
                continue
            used = set().union(*(mine.keys() for _, mine in judges))
            for code_id, key, path, takes_stance in codes:
                if code_id not in used:
                    continue  # nobody applied it: all agree it is absent
                present = [code_id in mine for _, mine in judges]
                if not all(present):
                    kind = "presence"
                elif takes_stance and len({mine[code_id] for _, mine in judges}) > 1:
                    kind = "stance"
                else:
                    continue
                words: list[str] = []
                cells: list[Any] = []
                for coder_id, name in people:
                    if coder_id not in coded:
                        cells += [None, None]
                        continue
                    mine = applied.get(coder_id, {})
                    on = code_id in mine
                    stance = mine.get(code_id)
                    words.append(judgement(name, on, stance))
                    cells += [1, stance] if on else [0, None]
                yield [
                    passage[2],
                    passage[0],
                    passage[3],
                    passage[1] + 1,
                    passage[8],
                    passage[9],
                    key,
                    path,
                    kind,
                    "; ".join(words),
                    passage[16],
                    *cells,
                ]

    return Table(
        "disagreements",
        "Disagreements",
        "Where the coders who coded a passage disagree on a code's presence or stance",
        columns,
        rows,
    )
