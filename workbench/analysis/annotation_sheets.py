"""The Annotations and Coded sheets: every coding, and every coder's state of every passage.

Each table streams its rows from one ordered query of plain columns; timestamps are written as
ISO 8601 in UTC.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import func
from sqlalchemy import literal
from sqlalchemy import type_coerce

from workbench.analysis.sheet_context import CODER
from workbench.analysis.sheet_context import PASSAGE_KEYS
from workbench.analysis.sheet_context import Context
from workbench.analysis.sheet_context import in_scope
from workbench.analysis.sheet_context import stream
from workbench.core.i18n import N_
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.tables import column_table
from workbench.models import Annotation
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState

ANNOTATION_COLUMNS = column_table("annotations")


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
    labels: dict[int, str] = {}
    for s in ctx.scale:
        labels.setdefault(s.value, s.label)  # the first label of a value, as ctx.stance_label

    def coding(code_id: int, stance: int | None, memo: str | None) -> list[Any]:
        """The code, stance and memo cells of an annotation row, alike in every layer."""
        label = labels.get(stance, "") if stance is not None else ""
        return [keys[code_id], paths[code_id], stance, label, memo or ""]

    def coder_rows() -> Iterator[Row]:
        a = Annotation
        stmt = in_scope(
            ctx,
            a,
            *(a.id, a.coder_id, Document.title, a.passage_id, a.code_id, a.stance, a.memo),
            *(a.span_start, a.span_end, _span_text(Passage.text, a.span_start, a.span_end)),
            *(a.codebook_version, a.code_revision, _raw(a.created_at), _raw(a.updated_at)),
            *(a.suggestion_shown, a.suggestion_accepted),
            where=[a.coder_id.in_(ctx.coder_ids), a.code_id.in_(ctx.code_ids)],
        )
        # Within a passage: coders by username, codes in codebook order, sorted by the database.
        coder_rank = {u.id: i for i, u in enumerate(ctx.coders)}
        stmt = stmt.order_by(_rank(a.coder_id, coder_rank), _rank(a.code_id, order))
        users, names = ctx.usernames, ctx.display
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
                *coding(r[6], r[7], r[8]),
                r[9],
                r[10],
                r[11],
                r[12],
                r[13],
                _iso(r[14]),
                _iso(r[15]),
                int(bool(r[16])),
                int(bool(r[17])),
            ]

    def consensus_rows() -> Iterator[Row]:
        c = ConsensusAnnotation
        columns = (c.id, Document.title, c.passage_id, c.code_id, c.stance, c.memo)
        where = [c.code_id.in_(ctx.code_ids)]
        stmt = in_scope(ctx, c, *columns, _raw(c.resolved_at), where=where)
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
                    *coding(r[5], r[6], r[7]),
                    None,
                    None,
                    None,
                    None,
                    None,
                    _iso(r[8]),
                    _iso(r[8]),
                    None,
                    None,
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
        *PASSAGE_KEYS,
        Column("layer", N_("coder, or consensus"), 10),
        CODER,
        Column(
            "coded",
            N_("1 = marked coded (with no annotation: 'nothing applies'), 0 = reopened"),
            8,
        ),
        Column(
            "passage_memo",
            N_("The coder's memo on the passage (for the consensus: the lead's consensus memo)"),
            40,
            wrap=True,
        ),
        Column("updated_at", N_("When the state last changed (UTC)"), 20),
    ]

    def rows() -> Iterator[Row]:
        if ctx.coders:
            s = PassageState
            columns = (s.passage_id, Document.title, s.coder_id, s.coded, s.memo)
            where = [s.coder_id.in_(ctx.coder_ids)]
            stmt = in_scope(ctx, s, *columns, _raw(s.updated_at), where=where)
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
            cs = ConsensusState
            shown = (cs.passage_id, Document.title, _raw(cs.resolved_at), cs.memo)
            adjudicated = in_scope(ctx, cs, *shown)
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
