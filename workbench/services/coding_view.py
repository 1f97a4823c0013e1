"""What a coder or lead sees in the coding view: passages, codings (blind-aware), state, flags."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from workbench.models import (
    Annotation,
    Assignment,
    Code,
    Document,
    Passage,
    PassageState,
    Project,
    User,
)
from workbench.services.documents import like_pattern
from workbench.services.progress import Progress

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


@dataclass
class Chip:
    """One coding shown on a passage."""

    annotation: Annotation
    code: Code
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


def sees_others(project: Project, role: str) -> bool:
    """Blind mode hides other coders' codings from coders; leads always see everyone's."""
    return role == "lead" or not project.blind


def _scope(project: Project, viewer: User, f: ViewFilters) -> Select[tuple[Passage, str]]:
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
        cond = [Assignment.passage_id == Passage.id, Assignment.coder_id == viewer.id]
        if f.round_id is not None:
            cond.append(Assignment.round_id == f.round_id)
        stmt = stmt.where(exists().where(*cond))
    mine_done = exists().where(
        PassageState.passage_id == Passage.id,
        PassageState.coder_id == viewer.id,
        PassageState.coded.is_(True),
    )
    if f.status == "todo":
        stmt = stmt.where(Passage.codable.is_(True), ~mine_done)
    elif f.status == "done":
        stmt = stmt.where(mine_done)
    if f.code_id is not None:
        stmt = stmt.where(
            exists().where(
                Annotation.passage_id == Passage.id,
                Annotation.code_id == f.code_id,
                Annotation.coder_id == viewer.id,
            )
        )
    if f.speaker:
        stmt = stmt.where(Passage.speaker == f.speaker)
    if f.delegation:
        stmt = stmt.where(Passage.delegation == f.delegation)
    if f.language:
        stmt = stmt.where(
            or_(Passage.language == f.language, Passage.original_language == f.language)
        )
    if f.q:
        stmt = stmt.where(Passage.text.like(like_pattern(f.q), escape="\\"))
    return stmt


def scope_progress(session: Session, project: Project, viewer: User, f: ViewFilters) -> Progress:
    """Return the viewer's progress over the view's scope (document or round), ignoring status."""
    base = ViewFilters(doc_id=f.doc_id, round_id=f.round_id, assigned=f.assigned)
    sub = _scope(project, viewer, base).where(Passage.codable.is_(True)).subquery()
    total = session.scalar(select(func.count()).select_from(sub)) or 0
    done = (
        session.scalar(
            select(func.count())
            .select_from(sub)
            .join(
                PassageState,
                and_(
                    PassageState.passage_id == sub.c.id,
                    PassageState.coder_id == viewer.id,
                    PassageState.coded.is_(True),
                ),
            )
        )
        or 0
    )
    return Progress(done, total)


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
    stmt = _scope(project, viewer, f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    found = session.execute(
        stmt.order_by(Passage.document_id, Passage.ordinal).limit(PAGE).offset((page - 1) * PAGE)
    ).all()
    rows = [PassageRow(passage=p, document_title=title) for p, title in found]
    if not rows:
        return rows, total
    by_id = {r.passage.id: r for r in rows}
    ids = list(by_id)
    codes = {c.id: c for c in session.scalars(select(Code).where(Code.project_id == project.id))}
    ann_stmt = (
        select(Annotation, User.display_name)
        .join(User, User.id == Annotation.coder_id)
        .where(Annotation.passage_id.in_(ids))
        .order_by(Annotation.id)
    )
    if not sees_others(project, role):
        ann_stmt = ann_stmt.where(Annotation.coder_id == viewer.id)
    spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for ann, name in session.execute(ann_stmt).all():
        code = codes[ann.code_id]
        if code.deleted_at is not None:
            continue
        mine = ann.coder_id == viewer.id
        chip = Chip(ann, code, name, mine, ann.code_revision < code.revision)
        row = by_id[ann.passage_id]
        (row.mine if mine else row.others).append(chip)
        if mine and ann.span_start is not None and ann.span_end is not None:
            spans[ann.passage_id].append((ann.span_start, ann.span_end, code.colour))
    for state in session.scalars(
        select(PassageState).where(
            PassageState.passage_id.in_(ids), PassageState.coder_id == viewer.id
        )
    ):
        row = by_id[state.passage_id]
        row.coded = state.coded
        row.memo = state.memo
    for row in rows:
        row.segments = segments(row.passage.text, spans.get(row.passage.id, []))
    return rows, total


def one_row(
    session: Session, project: Project, viewer: User, role: str, passage_id: int
) -> PassageRow:
    """Return the row of a single passage, as the view would show it."""
    rows, _ = load_rows(session, project, viewer, role, ViewFilters(passage_ids=[passage_id]))
    return rows[0]
