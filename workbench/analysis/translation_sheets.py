"""The Alignment and Quotations sheets: aligned pairs of linked versions, traced quotations.

Both appear only in a project that has linked versions (Alignment) or traced quotations
(Quotations), so an export of any other project is unchanged. Codes on each side of a pair are
those of the export's coders (or the consensus layer) on the pair's passages.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import func
from sqlalchemy import select

from workbench.analysis.sheet_context import Context
from workbench.core.i18n import N_
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Quotation
from workbench.translations import alignments
from workbench.translations import tracing

ALIGNMENT_COLUMNS = [
    Column("link_id", N_("Link between the two versions"), 8),
    Column("source_document", N_("Source version (title)"), 28),
    Column("target_document", N_("Target version (title)"), 28),
    Column("pair", N_("Pair number, in reading order"), 7),
    Column("relation", N_("1-1, 1-n, n-1, n-n, source-only or target-only"), 11),
    Column("corrected", N_("Corrected by the lead (join, split or re-pair)"), 9),
    Column("source_passages", N_("Passage numbers (¶) of the source side"), 12),
    Column("target_passages", N_("Passage numbers (¶) of the target side"), 12),
    Column("source_text", N_("Text of the source side"), 50, wrap=True),
    Column("target_text", N_("Text of the target side"), 50, wrap=True),
    Column("source_codes", N_("Codes on the source passages: code (coder: stance)"), 30, wrap=True),
    Column("target_codes", N_("Codes on the target passages: code (coder: stance)"), 30, wrap=True),
]
QUOTATION_COLUMNS = [
    Column("report_id", N_("Report (document id)"), 9),
    Column("report", N_("Report (title)"), 28),
    Column("report_text", N_("The report's words"), 50, wrap=True),
    Column("quoted", N_("Inside quotation marks (1) or reported speech (0)"), 8),
    Column("statement_id", N_("Statement (document id)"), 9),
    Column("statement", N_("Statement (title)"), 28),
    Column("statement_text", N_("The statement's sentence(s)"), 50, wrap=True),
    Column("kind", N_("exact, near or paraphrase"), 10),
    Column("score", N_("Similarity, 0-100"), 8),
]


def translation_tables(ctx: Context) -> list[Table]:
    """The Alignment and Quotations tables, each only when the project has such data."""
    session, project = ctx.session, ctx.project
    tables: list[Table] = []
    has_links = session.scalar(
        select(func.count())
        .select_from(DocumentLink)
        .where(DocumentLink.project_id == project.id, DocumentLink.kind == "translation")
    )
    if has_links:
        tables.append(
            Table(
                "alignment",
                "Alignment",
                "One row per aligned pair of two linked versions, with both texts and codes",
                ALIGNMENT_COLUMNS,
                lambda: _alignment_rows(ctx),
            )
        )
    has_quotes = session.scalar(
        select(func.count()).select_from(Quotation).where(Quotation.project_id == project.id)
    )
    if has_quotes:
        tables.append(
            Table(
                "quotations",
                "Quotations",
                "One row per traced quotation of a statement in a report",
                QUOTATION_COLUMNS,
                lambda: _quotation_rows(ctx),
            )
        )
    return tables


def _codes(ctx: Context, passage_ids: set[int]) -> dict[int, list[str]]:
    names = dict(
        ctx.session.execute(select(Code.id, Code.name).where(Code.project_id == ctx.project.id))
        .tuples()
        .all()
    )
    found: dict[int, list[str]] = defaultdict(list)
    if not passage_ids:
        return found
    if ctx.coders:
        for a in ctx.session.scalars(
            select(Annotation)
            .where(Annotation.passage_id.in_(passage_ids), Annotation.coder_id.in_(ctx.coder_ids))
            .order_by(Annotation.id)
        ):
            stance = "" if a.stance is None else f": {a.stance:+d}"
            coder = ctx.usernames.get(a.coder_id, a.coder_id)
            found[a.passage_id].append(f"{names.get(a.code_id, a.code_id)} ({coder}{stance})")
    else:
        for c in ctx.session.scalars(
            select(ConsensusAnnotation)
            .where(ConsensusAnnotation.passage_id.in_(passage_ids))
            .order_by(ConsensusAnnotation.id)
        ):
            stance = "" if c.stance is None else f": {c.stance:+d}"
            found[c.passage_id].append(f"{names.get(c.code_id, c.code_id)} (consensus{stance})")
    return found


def _alignment_rows(ctx: Context) -> Iterator[Row]:
    session = ctx.session
    links = list(
        session.scalars(
            select(DocumentLink)
            .where(DocumentLink.project_id == ctx.project.id, DocumentLink.kind == "translation")
            .order_by(DocumentLink.id)
        )
    )
    for link in links:
        titles = {
            d.id: d.title
            for d in session.scalars(
                select(Document).where(Document.id.in_([link.source_id, link.target_id]))
            )
        }
        pairs = alignments.views(session, link)
        codes = _codes(ctx, {u.passage_id for p in pairs for u in [*p.source, *p.target]})
        for p in pairs:
            yield [
                link.id,
                titles.get(link.source_id, ""),
                titles.get(link.target_id, ""),
                p.position + 1,
                p.relation,
                int(p.corrected),
                " ".join(sorted({f"¶{u.ordinal}" for u in p.source}, key=lambda s: int(s[1:]))),
                " ".join(sorted({f"¶{u.ordinal}" for u in p.target}, key=lambda s: int(s[1:]))),
                "\n".join(u.text for u in p.source),
                "\n".join(u.text for u in p.target),
                "; ".join(dict.fromkeys(c for u in p.source for c in codes.get(u.passage_id, []))),
                "; ".join(dict.fromkeys(c for u in p.target for c in codes.get(u.passage_id, []))),
            ]


def _quotation_rows(ctx: Context) -> Iterator[Row]:
    session = ctx.session
    reports = list(
        session.scalars(
            select(Document)
            .where(
                Document.project_id == ctx.project.id, Document.id.in_(select(Quotation.report_id))
            )
            .order_by(Document.id)
        )
    )
    for report in reports:
        for q in tracing.quotations_of(session, report):
            if q.report_id != report.id:
                continue
            yield [
                q.report_id,
                q.report_title,
                q.report_text,
                int(q.quoted),
                q.statement_id,
                q.statement_title,
                q.statement_text,
                q.kind,
                q.score,
            ]
