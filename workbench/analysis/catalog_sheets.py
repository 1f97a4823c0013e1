"""The Documents and Codebook sheets: what was coded, and with which codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select

from workbench.analysis import layers as analysis
from workbench.analysis.sheet_context import Context
from workbench.codebooks import codes as codebooks
from workbench.core import codebook as cb
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.tables import column_table
from workbench.formats.varnames import NameRegistry
from workbench.models import Annotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState


def documents_table(ctx: Context) -> Table:
    """One row per document in scope with its metadata and coding progress."""
    prefix = NameRegistry(
        (
            "document_id",
            "title",
            "filename",
            "language",
            "doc_type",
            "date",
            "meeting_symbol",
            "source",
            "segmentation",
            "extra",
            "content_sha256",
            "passages",
            "codable_passages",
            "coded_passages",
            "annotations",
            "adjudicated_passages",
        )
    )
    columns = [
        Column("document_id", N_("Document id"), 10),
        Column("title", N_("Title"), 34),
        Column("filename", N_("File the document was imported from"), 24),
        Column("language", N_("Language (ISO 639-1)"), 9),
        Column("doc_type", N_("un_record, mission_statement or news_report"), 14),
        Column("date", N_("Date (ISO, may be partial)"), 11),
        Column("meeting_symbol", N_("UN meeting symbol"), 14),
        Column("source", N_("Source (URL or citation)"), 24),
        Column("segmentation", N_("paragraph or sentence passages"), 11),
        Column("extra", N_("Other metadata from the import table (JSON)"), 24),
        Column("content_sha256", N_("SHA-256 of the normalised text (identifies the content)"), 20),
        Column("passages", N_("Number of passages"), 9),
        Column("codable_passages", N_("Passages that are coding units"), 9),
        Column("coded_passages", N_("Codable passages coded by at least one coder in scope"), 9),
        Column("annotations", N_("Annotations by the coders in scope"), 9),
        Column("adjudicated_passages", N_("Passages with a consensus (adjudicated)"), 9),
    ]
    per_coder = [(u, prefix.take(u.username, "coder", suffix="_coded")) for u in ctx.coders]
    columns += [
        Column(
            name,
            _("Passages coded by %(name)s (%(user)s)", name=u.display_name, user=u.username),
            9,
        )
        for u, name in per_coder
    ]

    def grouped_counts(stmt: Select[Any]) -> dict[Any, int]:
        return {
            tuple(r[:-1]) if len(r) > 2 else r[0]: int(r[-1]) for r in ctx.session.execute(stmt)
        }

    def rows() -> Iterator[Row]:
        conds = analysis.passage_conditions(ctx.project, ctx.scope)
        base = select(Passage.document_id).join(Document, Document.id == Passage.document_id)
        codable = grouped_counts(
            base.add_columns(func.count())
            .where(*conds, Passage.codable.is_(True))
            .group_by(Passage.document_id)
        )
        coded_any = grouped_counts(
            select(Passage.document_id, func.count(func.distinct(PassageState.passage_id)))
            .select_from(PassageState)
            .join(Passage, Passage.id == PassageState.passage_id)
            .join(Document, Document.id == Passage.document_id)
            .where(*conds, PassageState.coded.is_(True), PassageState.coder_id.in_(ctx.coder_ids))
            .group_by(Passage.document_id)
        )
        by_coder = grouped_counts(
            select(Passage.document_id, PassageState.coder_id, func.count())
            .select_from(PassageState)
            .join(Passage, Passage.id == PassageState.passage_id)
            .join(Document, Document.id == Passage.document_id)
            .where(*conds, PassageState.coded.is_(True), PassageState.coder_id.in_(ctx.coder_ids))
            .group_by(Passage.document_id, PassageState.coder_id)
        )
        annotations = grouped_counts(
            select(Passage.document_id, func.count())
            .select_from(Annotation)
            .join(Passage, Passage.id == Annotation.passage_id)
            .join(Document, Document.id == Passage.document_id)
            .where(
                *conds,
                Annotation.coder_id.in_(ctx.coder_ids),
                Annotation.code_id.in_(ctx.code_ids),
            )
            .group_by(Passage.document_id)
        )
        adjudicated = grouped_counts(
            select(Passage.document_id, func.count())
            .select_from(ConsensusState)
            .join(Passage, Passage.id == ConsensusState.passage_id)
            .join(Document, Document.id == Passage.document_id)
            .where(*conds)
            .group_by(Passage.document_id)
        )
        docs = select(
            Document.id,
            Document.title,
            Document.filename,
            Document.language,
            Document.doc_type,
            Document.date,
            Document.meeting_symbol,
            Document.source,
            Document.segmentation,
            Document.extra,
            Document.content_hash,
            Document.passage_count,
        ).where(Document.project_id == ctx.project.id)
        if ctx.scope.document_ids:
            docs = docs.where(Document.id.in_(ctx.scope.document_ids))
        if ctx.scope.date_from:
            docs = docs.where(Document.date >= ctx.scope.date_from)
        if ctx.scope.date_to:
            docs = docs.where(Document.date <= ctx.scope.date_upper())
        for d in ctx.session.execute(docs.order_by(Document.id)):
            extra = json.dumps(d[9], ensure_ascii=False, sort_keys=True) if d[9] else ""
            yield [
                *d[:9],
                extra,
                d[10],
                d[11],
                codable.get(d[0], 0),
                coded_any.get(d[0], 0),
                annotations.get(d[0], 0),
                adjudicated.get(d[0], 0),
                *[by_coder.get((d[0], u.id), 0) for u, _ in per_coder],
            ]

    return Table(
        "documents",
        "Documents",
        "One row per document with its metadata and coding progress",
        columns,
        rows,
    )


CODEBOOK_COLUMNS = column_table("codebook")


def codebook_tables(ctx: Context) -> list[Table]:
    """The codebook (every live code, every field) and the stance scale."""
    live = codebooks.live_codes(ctx.session, ctx.project)
    spec = codebooks.to_spec(ctx.session, ctx.project)
    revisions = {c.key: c.revision for c in live}

    def code_rows() -> Iterator[Row]:
        for code in cb.in_tree_order(spec).codes:
            yield [
                code.key,
                cb.path(spec, code.key),
                code.name,
                cb.path(spec, code.parent_key) if code.parent_key else "",
                code.definition,
                code.inclusion,
                code.exclusion,
                code.examples_positive,
                code.examples_negative,
                "; ".join(code.keywords_en),
                "; ".join(code.keywords_zh),
                code.colour,
                code.shortcut or "",
                "TRUE" if code.takes_stance else "FALSE",
                "TRUE" if code.is_codable else "FALSE",
                code.sort_order,
                revisions.get(code.key, 1),
                code.name_zh,
                code.definition_zh,
                code.inclusion_zh,
                code.exclusion_zh,
            ]

    return [
        Table(
            "codebook",
            "Codebook",
            f"Every code of codebook version {ctx.version} with all its fields",
            list(CODEBOOK_COLUMNS),
            code_rows,
        ),
        Table(
            "stance_scale",
            "Stance scale",
            "The stance scale coders use",
            [Column("value", N_("Stance value"), 8), Column("label", N_("What it means"), 28)],
            lambda: [[s.value, s.label] for s in ctx.scale],
        ),
    ]
