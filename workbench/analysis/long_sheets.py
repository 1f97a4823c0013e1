"""The export's long tables: annotations, passage states, documents, the codebook.

Like the passage matrix (``sheets``), each table streams its rows from one ordered query of
plain columns; timestamps are written as ISO 8601 in UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import Select, String, case, func, literal, select, type_coerce

from workbench.analysis import layers as analysis
from workbench.analysis.sheets import Context, scoped, stream
from workbench.codebooks import codes as codebooks
from workbench.core import codebook as cb
from workbench.formats.tables import Column, Row, Table
from workbench.formats.varnames import NameRegistry
from workbench.models import (
    Annotation,
    ConsensusAnnotation,
    ConsensusState,
    Document,
    Passage,
    PassageState,
)

ANNOTATION_COLUMNS = (
    Column("annotation_id", "Annotation id in the workbench", 10),
    Column("layer", "coder, or consensus for the adjudicated layer", 10),
    Column("coder", "Username of the coder (empty for the consensus)", 14),
    Column("coder_name", "Display name of the coder", 18),
    Column("document_id", "Document id", 10),
    Column("document_title", "Document title", 30),
    Column("passage_id", "Passage id (join key with Passages)", 10),
    Column(
        "passage_ordinal",
        "Number of the passage in its document, as the workbench shows it (¶N; 1 = first)",
        9,
    ),
    Column("code_key", "Stable GUID of the code", 20),
    Column("code_path", "Code with its parents, separated by ' > '", 34),
    Column("stance", "Stance value on the project's scale (empty: none given)", 8),
    Column("stance_label", "Label of the stance value", 18),
    Column("memo", "The coder's memo on this coding", 40, wrap=True),
    Column("span_start", "Start of the selection in the passage (code points; empty = whole)", 9),
    Column("span_end", "End of the selection in the passage (code points, exclusive)", 9),
    Column("span_text", "The selected text", 30, wrap=True),
    Column("codebook_version", "Codebook version the coding was made or last changed under", 9),
    Column("code_revision", "Revision of the code's definition the coding was made under", 9),
    Column("created_at", "When the coding was made (UTC, ISO 8601)", 20),
    Column("updated_at", "When the coding last changed (UTC, ISO 8601)", 20),
)


def _iso(value: Any) -> str:
    """ISO 8601 in UTC; SQLite hands the stored text over as is ("YYYY-MM-DD HH:MM:SS...")."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.replace(" ", "T", 1) + (
            "" if value.endswith("Z") or "+" in value[10:] else "Z"
        )
    return str(value.isoformat()).replace("+00:00", "Z")


def _raw(column: Any) -> Any:
    """A timestamp column without the ORM type's conversion to datetime (see _iso)."""
    return type_coerce(column, String)


def _rank(column: Any, ranks: dict[int, int]) -> Any:
    """An ORDER BY expression putting ids in the given order."""
    if not ranks:
        return literal(0)
    return case(ranks, value=column, else_=len(ranks))


def _span_text(text_col: Any, start: Any, end: Any) -> Any:
    return case((start.is_not(None), func.substr(text_col, start + 1, end - start)), else_=None)


def annotations_table(ctx: Context, estimate: int) -> Table:
    """One row per annotation of the coders in scope (and of the consensus)."""
    order = {c.id: i for i, c in enumerate(ctx.codes)}
    paths = {c.id: c.path for c in ctx.codes}
    keys = {c.id: c.key for c in ctx.codes}

    def coder_rows() -> Iterator[Row]:
        stmt = select(
            Passage.document_id,
            Passage.ordinal,
            Annotation.id,
            Annotation.coder_id,
            Document.title,
            Annotation.passage_id,
            Annotation.code_id,
            Annotation.stance,
            Annotation.memo,
            Annotation.span_start,
            Annotation.span_end,
            _span_text(Passage.text, Annotation.span_start, Annotation.span_end),
            Annotation.codebook_version,
            Annotation.code_revision,
            _raw(Annotation.created_at),
            _raw(Annotation.updated_at),
        ).where(
            Annotation.project_id == ctx.project.id,
            Annotation.coder_id.in_(ctx.coder_ids),
            Annotation.code_id.in_(ctx.code_ids),
        )
        # Within a passage: coders by username, codes in codebook order, sorted by the database.
        coder_rank = {u.id: i for i, u in enumerate(ctx.coders)}
        stmt = scoped(ctx, stmt, Annotation, Annotation.passage_id).order_by(
            _rank(Annotation.coder_id, coder_rank), _rank(Annotation.code_id, order)
        )
        users, names = ctx.usernames, ctx.display
        labels = {s.value: s.label for s in ctx.scale}
        for r in stream(ctx, stmt):
            yield [
                r[2],
                "coder",
                users.get(r[3], ""),
                names.get(r[3], ""),
                r[0],
                r[4],
                r[5],
                r[1] + 1,
                keys[r[6]],
                paths[r[6]],
                r[7],
                labels.get(r[7], "") if r[7] is not None else "",
                r[8] or "",
                r[9],
                r[10],
                r[11],
                r[12],
                r[13],
                _iso(r[14]),
                _iso(r[15]),
            ]

    def consensus_rows() -> Iterator[Row]:
        stmt = select(
            Passage.document_id,
            Passage.ordinal,
            ConsensusAnnotation.id,
            Document.title,
            ConsensusAnnotation.passage_id,
            ConsensusAnnotation.code_id,
            ConsensusAnnotation.stance,
            ConsensusAnnotation.memo,
            _raw(ConsensusAnnotation.resolved_at),
        ).where(
            ConsensusAnnotation.project_id == ctx.project.id,
            ConsensusAnnotation.code_id.in_(ctx.code_ids),
        )
        stmt = scoped(ctx, stmt, ConsensusAnnotation, ConsensusAnnotation.passage_id)
        for _, group in groupby(stream(ctx, stmt), key=lambda r: r[4]):
            for r in sorted(group, key=lambda r: order.get(r[5], 0)):
                yield [
                    r[2],
                    "consensus",
                    "",
                    "",
                    r[0],
                    r[3],
                    r[4],
                    r[1] + 1,
                    keys[r[5]],
                    paths[r[5]],
                    r[6],
                    ctx.stance_label(r[6]),
                    r[7] or "",
                    None,
                    None,
                    None,
                    None,
                    None,
                    _iso(r[8]),
                    _iso(r[8]),
                ]

    def rows() -> Iterator[Row]:
        if ctx.coders:
            yield from coder_rows()
        if ctx.scope.layer.kind != "coder":
            yield from consensus_rows()

    return Table(
        "annotations",
        "Annotations",
        "One row per coding: who applied which code to which passage, with stance, memo and span",
        list(ANNOTATION_COLUMNS),
        rows,
        estimate,
    )


def coded_table(ctx: Context, estimate: int) -> Table:
    """One row per coder and passage with an explicit state (and per adjudicated passage)."""
    columns = [
        Column("passage_id", "Passage id", 10),
        Column("document_id", "Document id", 10),
        Column("document_title", "Document title", 30),
        Column(
            "passage_ordinal",
            "Number of the passage in its document, as the workbench shows it (¶N; 1 = first)",
            9,
        ),
        Column("layer", "coder, or consensus", 10),
        Column("coder", "Username of the coder (empty for the consensus)", 14),
        Column(
            "coded",
            "1 = marked coded (with no annotation: 'nothing applies'), 0 = reopened",
            8,
        ),
        Column(
            "passage_memo",
            "The coder's memo on the passage (for the consensus: the lead's consensus memo)",
            40,
            wrap=True,
        ),
        Column("updated_at", "When the state last changed (UTC)", 20),
    ]

    def rows() -> Iterator[Row]:
        if ctx.coders:
            stmt = select(
                Passage.document_id,
                Passage.ordinal,
                PassageState.passage_id,
                Document.title,
                PassageState.coder_id,
                PassageState.coded,
                PassageState.memo,
                _raw(PassageState.updated_at),
            ).where(
                PassageState.project_id == ctx.project.id,
                PassageState.coder_id.in_(ctx.coder_ids),
            )
            stmt = scoped(ctx, stmt, PassageState, PassageState.passage_id)
            for _, group in groupby(stream(ctx, stmt), key=lambda r: r[2]):
                for r in sorted(group, key=lambda r: ctx.usernames.get(r[4], "").lower()):
                    yield [
                        r[2],
                        r[0],
                        r[3],
                        r[1] + 1,
                        "coder",
                        ctx.usernames.get(r[4], ""),
                        int(bool(r[5])),
                        r[6] or "",
                        _iso(r[7]),
                    ]
        if ctx.scope.layer.kind != "coder":
            adjudicated = select(
                Passage.document_id,
                Passage.ordinal,
                ConsensusState.passage_id,
                Document.title,
                _raw(ConsensusState.resolved_at),
                ConsensusState.memo,
            ).where(ConsensusState.project_id == ctx.project.id)
            adjudicated = scoped(ctx, adjudicated, ConsensusState, ConsensusState.passage_id)
            for r in stream(ctx, adjudicated):
                # The consensus row carries the lead's consensus memo as its passage memo.
                yield [r[2], r[0], r[3], r[1] + 1, "consensus", "", 1, r[5] or "", _iso(r[4])]

    return Table(
        "coded",
        "Coded",
        "Which coder marked which passage coded: tells 'not coded' from 'nothing applies'",
        columns,
        rows,
        estimate,
    )


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
        Column("document_id", "Document id", 10),
        Column("title", "Title", 34),
        Column("filename", "File the document was imported from", 24),
        Column("language", "Language (ISO 639-1)", 9),
        Column("doc_type", "un_record, mission_statement or news_report", 14),
        Column("date", "Date (ISO, may be partial)", 11),
        Column("meeting_symbol", "UN meeting symbol", 14),
        Column("source", "Source (URL or citation)", 24),
        Column("segmentation", "paragraph or sentence passages", 11),
        Column("extra", "Other metadata from the import table (JSON)", 24),
        Column("content_sha256", "SHA-256 of the normalised text (identifies the content)", 20),
        Column("passages", "Number of passages", 9),
        Column("codable_passages", "Passages that are coding units", 9),
        Column("coded_passages", "Codable passages coded by at least one coder in scope", 9),
        Column("annotations", "Annotations by the coders in scope", 9),
        Column("adjudicated_passages", "Passages with a consensus (adjudicated)", 9),
    ]
    per_coder = [(u, prefix.take(u.username, "coder", suffix="_coded")) for u in ctx.coders]
    columns += [
        Column(name, f"Passages coded by {u.display_name} ({u.username})", 9)
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


CODEBOOK_COLUMNS: tuple[tuple[str, str, float, bool], ...] = (
    ("key", "Stable GUID of the code (keep it when editing)", 38, False),
    ("path", "The code with its parents, separated by ' > '", 40, False),
    ("name", "Name of the code", 28, False),
    ("parent_path", "Path of the parent code (empty at the top level)", 32, False),
    ("definition", "What the code means", 60, True),
    ("inclusion", "When to apply it", 48, True),
    ("exclusion", "When not to apply it", 48, True),
    ("examples_positive", "Examples of passages that take the code", 48, True),
    ("examples_negative", "Examples that look similar but do not take it", 48, True),
    ("keywords_en", "English keywords, separated by ';'", 30, False),
    ("keywords_zh", "Chinese keywords, separated by ';'", 24, False),
    ("colour", "Colour (#RRGGBB)", 10, False),
    ("shortcut", "Keyboard shortcut in the coding view", 9, False),
    ("takes_stance", "TRUE when coders set a stance on it", 13, False),
    ("is_codable", "FALSE for folders that only group codes", 11, False),
    ("sort_order", "Position among its siblings", 11, False),
    ("revision", "Revision of the definition (bumped when its meaning changed)", 9, False),
)


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
            ]

    return [
        Table(
            "codebook",
            "Codebook",
            f"Every code of codebook version {ctx.version} with all its fields",
            [Column(n, d, w, wrap) for n, d, w, wrap in CODEBOOK_COLUMNS],
            code_rows,
        ),
        Table(
            "stance_scale",
            "Stance scale",
            "The stance scale coders use",
            [Column("value", "Stance value", 8), Column("label", "What it means", 28)],
            lambda: [[s.value, s.label] for s in ctx.scale],
        ),
    ]
