"""Coded-segment retrieval: the passages carrying a code in a layer, with their context.

The Analysis page lists them a page at a time; the CSV download streams every one of them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.analysis.layers import layer_rows
from workbench.codebooks import codes as codebooks
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.documents.search import passage_text_matches
from workbench.formats.cells import safe_csv
from workbench.formats.scope import ExportScope
from workbench.models import Code
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User

SNIPPET = 160
PAGE = 50


@dataclass
class Segment:
    """A passage carrying the code, with its codings in the layer and its context."""

    passage: Passage
    document_title: str
    codings: list[dict[str, Any]]
    before: str = ""
    after: str = ""


@dataclass
class SegmentFilters:
    """Filters of the coded-segment retrieval."""

    code_id: int | None = None
    delegation: str = ""
    speaker: str = ""
    language: str = ""
    q: str = ""
    stance: int | None = None


def _segment_ids(
    session: Session, project: Project, scope: ExportScope, f: SegmentFilters
) -> Select[Any]:
    rows = layer_rows(session, project, scope)
    if f.code_id is not None:
        rows = rows.where(rows.selected_columns.code_id == f.code_id)
    if f.stance is not None:
        rows = rows.where(rows.selected_columns.stance == f.stance)
    if f.delegation:
        rows = rows.where(Passage.delegation == f.delegation)
    if f.speaker:
        rows = rows.where(Passage.speaker == f.speaker)
    if f.language:
        rows = rows.where(
            or_(Passage.language == f.language, Passage.original_language == f.language)
        )
    if f.q:
        rows = rows.where(passage_text_matches(f.q, project.id))
    sub = rows.subquery()
    return select(sub.c.passage_id).distinct()


def segments(
    session: Session,
    project: Project,
    scope: ExportScope,
    f: SegmentFilters,
    *,
    page: int = 1,
    per_page: int = PAGE,
) -> tuple[list[Segment], int]:
    """One page of passages carrying the code in the layer, with context; and the total."""
    ids = _segment_ids(session, project, scope, f).subquery()
    total = int(session.scalar(select(func.count()).select_from(ids)) or 0)
    stmt = (
        select(Passage, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id.in_(select(ids.c.passage_id)))
        .order_by(Passage.document_id, Passage.ordinal)
        .limit(per_page)
        .offset((max(page, 1) - 1) * per_page)
    )
    found = [(p, title) for p, title in session.execute(stmt)]
    return _with_context(session, project, scope, f, found), total


def iter_segments(
    session: Session, project: Project, scope: ExportScope, f: SegmentFilters, batch: int = 500
) -> Iterator[Segment]:
    """Every matching segment in document order, in batches (for the CSV download)."""
    page = 1
    while True:
        found, _total = segments(session, project, scope, f, page=page, per_page=batch)
        yield from found
        if len(found) < batch:
            return
        page += 1


def _snippet(text: str, tail: bool) -> str:
    if len(text) <= SNIPPET:
        return text
    return "…" + text[-SNIPPET:] if tail else text[:SNIPPET] + "…"


def _with_context(
    session: Session,
    project: Project,
    scope: ExportScope,
    f: SegmentFilters,
    found: list[tuple[Passage, str]],
) -> list[Segment]:
    if not found:
        return []
    ids = [p.id for p, _ in found]
    codings: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    rows = layer_rows(session, project, scope).where(Passage.id.in_(ids))
    if f.code_id is not None:
        rows = rows.where(rows.selected_columns.code_id == f.code_id)
    names = dict(session.execute(select(User.id, User.display_name)).tuples().all())
    code_names = {c.id: c.name for c in codebooks.all_codes(session, project)}
    for passage_id, code_id, stance, coder_id in session.execute(rows):
        codings[passage_id].append(
            {
                "coder": names.get(coder_id, "consensus") if coder_id else "consensus",
                "code": code_names.get(code_id, "?"),
                "stance": stance,
            }
        )
    wanted = {(p.document_id, p.ordinal + d) for p, _ in found for d in (-1, 1)}
    neighbours: dict[tuple[int, int], str] = {}
    docs = {doc for doc, _ in wanted}
    for doc_id, ordinal, text in session.execute(
        select(Passage.document_id, Passage.ordinal, Passage.text).where(
            Passage.document_id.in_(docs),
            Passage.ordinal.in_({o for _doc, o in wanted}),
        )
    ):
        if (doc_id, ordinal) in wanted:
            neighbours[(doc_id, ordinal)] = text
    return [
        Segment(
            passage=p,
            document_title=title,
            codings=sorted(codings[p.id], key=lambda c: (c["coder"], c["code"])),
            before=_snippet(neighbours.get((p.document_id, p.ordinal - 1), ""), tail=True),
            after=_snippet(neighbours.get((p.document_id, p.ordinal + 1), ""), tail=False),
        )
        for p, title in found
    ]


def filter_choices(session: Session, project: Project) -> dict[str, list[str]]:
    """Distinct delegations, speakers and languages of the project's passages."""
    out: dict[str, list[str]] = {}
    for name, column in (
        ("delegations", Passage.delegation),
        ("speakers", Passage.speaker),
        ("languages", Passage.language),
    ):
        out[name] = [
            v
            for v in session.scalars(
                select(column)
                .where(Passage.project_id == project.id, column.is_not(None))
                .distinct()
                .order_by(column)
            )
            if v
        ]
    return out


def code_by_id(session: Session, project: Project, code_id: int) -> Code:
    """A live code of the project or NotFound."""
    code = session.get(Code, code_id)
    if code is None or code.project_id != project.id or code.deleted_at is not None:
        raise NotFound(_("Code %(code)s is not in this project's codebook.", code=code_id))
    return code


SEGMENT_COLUMNS = (
    "document", "passage_ordinal", "passage_id", "speaker", "delegation", "language",
    "codings", "text", "previous_passage", "next_passage",
)  # fmt: skip


def csv_lines(
    session: Session, project: Project, scope: ExportScope, f: SegmentFilters
) -> Iterator[str]:
    """Every matching segment as CSV lines (UTF-8 BOM first, formula-guarded), one per yield."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    out.write("\ufeff")
    writer.writerow(SEGMENT_COLUMNS)
    for seg in iter_segments(session, project, scope, f):
        p = seg.passage
        codings = "; ".join(
            f"{c['coder']}: {c['code']}"
            + (f" ({c['stance']:+d})" if c["stance"] is not None else "")
            for c in seg.codings
        )
        values = (seg.document_title, p.ordinal + 1, p.id, p.speaker, p.delegation, p.language,
                  codings, p.text, seg.before, seg.after)  # fmt: skip
        writer.writerow(safe_csv(v) for v in values)
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def stream_csv(
    reading: Callable[[], AbstractContextManager[Session]],
    project_id: int,
    scope: ExportScope,
    f: SegmentFilters,
) -> Iterator[str]:
    """The CSV lines read in a session of their own (``reading``): they stream after the view."""
    with reading() as session:
        project = session.get(Project, project_id)
        assert project is not None
        yield from csv_lines(session, project, scope, f)
