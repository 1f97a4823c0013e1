"""What a coder or lead sees in the coding view: passages, codings (blind-aware), state, flags.

Blindness is enforced here, in the queries: a coder in a blind project never loads another
coder's annotations, whatever the URL asks for.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field
from itertools import pairwise

from sqlalchemy import Select
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts.project_settings import sees_others
from workbench.codebooks.code_index import CodeSnapshot
from workbench.codebooks.code_index import code_index
from workbench.coding import statements as sql
from workbench.coding.progress import Progress
from workbench.coding.progress import coded_state
from workbench.coding.statements import Ann
from workbench.documents.catalog import narrow_passages
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User

PAGE = 300


@dataclass
class ViewFilters:
    """Filters of the coding view; empty means no filter."""

    doc_id: int | None = None
    round_id: int | None = None
    status: str = ""  # "todo": not yet coded by me; "done": coded by me
    code_id: int | None = None
    speaker: str = ""
    delegation: str = ""
    language: str = ""
    q: str = ""
    assigned: bool = False
    passage_ids: list[int] | None = None

    def scope_text(self) -> str:
        """Encode the scope (document, round, assigned) for the coding actions to send back."""
        parts = [f"doc:{self.doc_id}"] if self.doc_id else []
        parts += [f"round:{self.round_id}"] if self.round_id else []
        parts += ["assigned:1"] if self.assigned else []
        return " ".join(parts) or "all:"


@dataclass
class Chip:
    """One coding shown on a passage."""

    annotation: Ann
    code: CodeSnapshot
    coder_name: str
    mine: bool
    outdated: bool


@dataclass
class PassageRow:
    """A passage with the codings the viewer may see and the viewer's own state."""

    passage: Passage
    document_title: str
    mine: list[Chip] = field(default_factory=list)
    others: list[Chip] = field(default_factory=list)
    coded: bool = False
    memo: str = ""
    segments: list[tuple[str, list[str]]] = field(default_factory=list)


def _scope(project: Project, viewer_id: int, f: ViewFilters) -> Select[tuple[Passage, str]]:
    stmt = (
        select(Passage, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.project_id == project.id)
    )
    if f.doc_id is not None:
        stmt = stmt.where(Passage.document_id == f.doc_id)
    if f.passage_ids is not None:
        stmt = stmt.where(Passage.id.in_(f.passage_ids))
    if f.round_id is not None or f.assigned:
        cond = [Assignment.passage_id == Passage.id, Assignment.coder_id == viewer_id]
        if f.round_id is not None:
            cond.append(Assignment.round_id == f.round_id)
        stmt = stmt.where(exists().where(*cond))
    mine_done = exists().where(coded_state(Passage.id, viewer_id))
    if f.status == "todo":
        stmt = stmt.where(Passage.codable.is_(True), ~mine_done)
    elif f.status == "done":
        stmt = stmt.where(mine_done)
    if f.code_id is not None:
        stmt = stmt.where(
            exists().where(
                Annotation.passage_id == Passage.id,
                Annotation.code_id == f.code_id,
                Annotation.coder_id == viewer_id,
            )
        )
    return narrow_passages(
        stmt, speaker=f.speaker, delegation=f.delegation, language=f.language, q=f.q
    )


def scope_progress(session: Session, project: Project, viewer: User, f: ViewFilters) -> Progress:
    """Return the viewer's progress over the view's scope (document or round), in one query."""
    if f.doc_id is not None and f.round_id is None and not f.assigned:
        # The common case after every coding action: a prebuilt statement.
        params = {"viewer": viewer.id, "doc": f.doc_id, "project": project.id}
        total, done = session.connection().execute(sql.DOC_PROGRESS, params).one()
        return Progress(int(done or 0), int(total or 0))
    base = ViewFilters(doc_id=f.doc_id, round_id=f.round_id, assigned=f.assigned)
    scope = _scope(project, viewer.id, base).where(Passage.codable.is_(True))
    stmt = scope.with_only_columns(func.count(Passage.id), func.count(PassageState.id)).outerjoin(
        PassageState, coded_state(Passage.id, viewer.id)
    )
    total, done = session.execute(stmt).tuples().one()
    return Progress(int(done or 0), int(total or 0))


def segments(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, list[str]]]:
    """Cut a passage's text at span edges; each piece lists the colours of spans covering it."""
    if not spans:
        return [(text, [])]
    cuts = sorted({0, len(text), *[s for s, _, _ in spans], *[e for _, e, _ in spans]})
    out = []
    for a, b in pairwise(cuts):
        if a >= b:
            continue
        covering = [colour for s, e, colour in spans if s <= a and b <= e]
        out.append((text[a:b], covering))
    return out


def _fill(
    session: Session,
    project: Project,
    viewer: User,
    role: str,
    rows: list[PassageRow],
) -> None:
    """Attach codings, states and span segments to the rows, in two queries."""
    if not rows:
        return
    by_id = {r.passage.id: r for r in rows}
    ids = list(by_id)
    codes = code_index(session, project.id).by_id
    viewer_id = viewer.id
    everyone = sees_others(project, role)
    conn = session.connection()
    if len(ids) == 1:
        params = {"passage": ids[0], "viewer": viewer_id}
        found = conn.execute(sql.ONE_ALL if everyone else sql.ONE_MINE, params).all()
        states = conn.execute(sql.ONE_STATE, params).all()
    else:
        ann_stmt = sql.ANN_ROWS.where(sql.ANN.c.passage_id.in_(ids))
        if not everyone:
            ann_stmt = ann_stmt.where(sql.ANN.c.coder_id == viewer_id)
        found = conn.execute(ann_stmt).all()
        states = conn.execute(
            sql.STATE_ROWS.where(sql.STATE.c.passage_id.in_(ids), sql.STATE.c.coder_id == viewer_id)
        ).all()
    spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for *values, name in found:
        ann = Ann._make(values)
        code = codes.get(ann.code_id)
        if code is None or code.deleted:
            continue
        mine = ann.coder_id == viewer_id
        chip = Chip(ann, code, name, mine, ann.code_revision < code.revision)
        row = by_id[ann.passage_id]
        (row.mine if mine else row.others).append(chip)
        if mine and ann.span_start is not None and ann.span_end is not None:
            spans[ann.passage_id].append((ann.span_start, ann.span_end, code.colour))
    for passage_id, coded, memo in states:
        by_id[passage_id].coded = coded
        by_id[passage_id].memo = memo
    for row in rows:
        row.segments = segments(row.passage.text, spans.get(row.passage.id, []))


def load_rows(
    session: Session,
    project: Project,
    viewer: User,
    role: str,
    f: ViewFilters,
    *,
    page: int = 1,
) -> tuple[list[PassageRow], int]:
    """Return one page of the view's passages with their codings, and the total count."""
    stmt = _scope(project, viewer.id, f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    found = session.execute(
        stmt.order_by(Passage.document_id, Passage.ordinal).limit(PAGE).offset((page - 1) * PAGE)
    ).tuples()
    rows = [PassageRow(passage=p, document_title=title) for p, title in found]
    _fill(session, project, viewer, role, rows)
    return rows, total


def one_row(
    session: Session,
    project: Project,
    viewer: User,
    role: str,
    passage: Passage,
    *,
    with_title: bool = True,
) -> PassageRow:
    """Return the row of a single passage, as the view shows it (after a coding action).

    The row keeps its document title for views across documents (a round, a queue); a
    one-document view shows none, so the coding hot path skips that query there."""
    title = (
        session.scalar(select(Document.title).where(Document.id == passage.document_id))
        if with_title
        else None
    )
    row = PassageRow(passage=passage, document_title=title or "")
    _fill(session, project, viewer, role, [row])
    return row
