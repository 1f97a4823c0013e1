"""What a coder or lead sees in the coding view: passages, codings (blind-aware), state, flags.

Blindness is enforced here, in the queries: a coder in a blind project never loads another
coder's annotations, whatever the URL asks for.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from itertools import pairwise
from typing import Any
from typing import NamedTuple

from sqlalchemy import BindParameter
from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import distinct
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
from workbench.core.errors import Forbidden
from workbench.core.i18n import _
from workbench.core.suggest.dictionary import Hit
from workbench.core.suggest.dictionary import keyword_hits
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
    # The scope's passages in the order to show them (the uncertainty order of the quality
    # area); None: document order.
    passage_order: list[int] | None = None

    def scope_text(self) -> str:
        """Encode the scope (document, round, assigned) for the coding actions to send back."""
        parts = [f"doc:{self.doc_id}"] if self.doc_id else []
        parts += [f"round:{self.round_id}"] if self.round_id else []
        parts += ["assigned:1"] if self.assigned else []
        return " ".join(parts) or "all:"


class PassageView(NamedTuple):
    """What the coding view shows of a passage: plain values, read without the ORM."""

    id: int
    document_id: int
    ordinal: int
    text: str
    speaker: str | None
    delegation: str | None
    language: str | None
    original_language: str | None
    codable: bool

    @classmethod
    def of(cls, passage: Passage) -> PassageView:
        """The view of a loaded passage (the one a coding action acted on)."""
        return cls(*(getattr(passage, name) for name in cls._fields))


_PASSAGE_COLUMNS = tuple(getattr(Passage, name) for name in PassageView._fields)


@dataclass
class Chip:
    """One of the viewer's codings shown on a passage."""

    annotation: Ann
    code: CodeSnapshot
    outdated: bool


@dataclass
class PassageRow:
    """A passage with the viewer's codings and state, and how many codings others made there.

    Other coders' codings are only counted here (and only when the viewer may see them); the
    view loads them on demand, passage by passage (``others_of``)."""

    passage: PassageView
    document_title: str
    mine: list[Chip] = field(default_factory=list)
    coded: bool = False
    memo: str = ""
    # (text, colours of the viewer's spans, ids of codes whose keywords it is part of)
    segments: list[tuple[str, list[str], list[int]]] = field(default_factory=list)
    others: int = 0  # other coders' codings on the passage (0 when the viewer may not see them)
    other_coders: int = 0


@dataclass
class OtherCoding:
    """Another coder's coding, as the lead (or anyone in open coding) sees it on demand."""

    annotation: Ann
    code: CodeSnapshot
    coder_name: str
    outdated: bool


def _scope(project: Project, viewer_id: int, f: ViewFilters) -> Select[Any]:
    stmt = (
        select(*_PASSAGE_COLUMNS, Document.title)
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
        stmt,
        project_id=project.id,
        speaker=f.speaker,
        delegation=f.delegation,
        language=f.language,
        q=f.q,
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


def scope_delegations(
    session: Session, project: Project, viewer: User, f: ViewFilters
) -> list[str]:
    """Return the delegations that speak in the view's scope (document, round or assignment).

    The filter offers what the scope holds; for a document this reads its passages only, not
    every passage of the project."""
    base = ViewFilters(doc_id=f.doc_id, round_id=f.round_id, assigned=f.assigned)
    stmt = (
        _scope(project, viewer.id, base)
        .with_only_columns(Passage.delegation)
        .where(Passage.delegation.is_not(None))
        .distinct()
    )
    return sorted(d for d in session.scalars(stmt) if d)


def segments(
    text: str, spans: list[tuple[int, int, str]], hits: Sequence[Hit] = ()
) -> list[tuple[str, list[str], list[int]]]:
    """Cut a passage's text at span and keyword-hit edges; each piece lists the colours of the
    spans covering it and the codes whose keywords it is part of."""
    if not spans and not hits:
        return [(text, [], [])]
    cuts = sorted(
        {0, len(text), *[s for s, _, _ in spans], *[e for _, e, _ in spans]}
        | {h.start for h in hits}
        | {h.end for h in hits}
    )
    out = []
    for a, b in pairwise(cuts):
        if a >= b:
            continue
        covering = [colour for s, e, colour in spans if s <= a and b <= e]
        keyword_codes = sorted({int(h.code) for h in hits if h.start <= a and b <= h.end})
        out.append((text[a:b], covering, keyword_codes))
    return out


def keyword_map(codes: Mapping[int, CodeSnapshot]) -> dict[str, tuple[str, ...]]:
    """code id (as text) -> English and Chinese keywords, for the live codable codes with any."""
    return {
        str(c.id): (*c.keywords_en, *c.keywords_zh)
        for c in codes.values()
        if c.is_codable and not c.deleted and (c.keywords_en or c.keywords_zh)
    }


# The read side of the coding view, prebuilt like the hot path's statements: the viewer's own
# codings and states on a page of passages, and the number of other coders' codings there.
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_MINE_ON = (
    select(*sql.ANN_COLUMNS)
    .where(sql.ANN.c.passage_id.in_(_IDS), sql.ANN.c.coder_id == bindparam("viewer"))
    .order_by(sql.ANN.c.id)
)
_STATES_ON = sql.STATE_ROWS.where(
    sql.STATE.c.passage_id.in_(_IDS), sql.STATE.c.coder_id == bindparam("viewer")
)
_OTHERS_ON = (
    select(sql.ANN.c.passage_id, func.count(), func.count(distinct(sql.ANN.c.coder_id)))
    .where(sql.ANN.c.passage_id.in_(_IDS), sql.ANN.c.coder_id != bindparam("viewer"))
    .group_by(sql.ANN.c.passage_id)
)
# One passage (the row a coding action sends back): every coding on it, or the viewer's only.
_ONE_ALL = (
    select(*sql.ANN_COLUMNS)
    .where(sql.ANN.c.passage_id == bindparam("passage"))
    .order_by(sql.ANN.c.id)
)
_ONE_MINE = _ONE_ALL.where(sql.ANN.c.coder_id == bindparam("viewer"))
# The answer to a coding action in a one-document view, in one statement: the viewer's progress
# over the document and state of the passage (one row), joined to the passage's codings (every
# coder's, or the viewer's only). A passage without codings still gives that one row, with NULL
# codings; the progress's four columns come first.
_PROGRESS = sql.DOC_PROGRESS_AND_STATE.subquery("progress")
_ON_PASSAGE = sql.ANN.c.passage_id == bindparam("passage")


def _answer(codings_on: ColumnElement[bool]) -> Select[Any]:
    return (
        select(*_PROGRESS.c, *sql.ANN_COLUMNS)
        .select_from(_PROGRESS.outerjoin(sql.ANN, codings_on))
        .order_by(sql.ANN.c.id)
    )


_ANSWER_ALL = _answer(_ON_PASSAGE)
_ANSWER_MINE = _answer(_ON_PASSAGE & (sql.ANN.c.coder_id == bindparam("viewer")))
_PROGRESS_WIDTH = len(_PROGRESS.c)
# Other coders' codings of one passage, with their names, loaded when the viewer asks for them.
_OTHERS_OF = sql.ONE_ALL.where(sql.ANN.c.coder_id != bindparam("viewer"))


def _fill(
    session: Session,
    project: Project,
    viewer: User,
    role: str,
    rows: list[PassageRow],
    states: list[tuple[int, bool, str | None]] | None = None,
    codings: list[Ann] | None = None,
) -> None:
    """Attach the viewer's codings and states, span segments and the others' counts to rows.

    ``states`` and ``codings``: a single row's passage's states for the viewer and its codings
    (every coder's where the viewer sees others, else the viewer's), when the caller read them."""
    if not rows:
        return
    by_id = {r.passage.id: r for r in rows}
    codes = code_index(session, project.id).by_id
    viewer_id = viewer.id
    everyone = sees_others(project, role)
    conn = session.connection()
    counts: dict[int, tuple[int, int]] = {}
    if len(by_id) == 1:
        (passage_id,) = by_id
        params = {"passage": passage_id, "viewer": viewer_id}
        if codings is None:
            found: Sequence[Any] = conn.execute(_ONE_ALL if everyone else _ONE_MINE, params).all()
        else:
            found = codings
        if states is None:
            states = [tuple(s) for s in conn.execute(sql.ONE_STATE, params).all()]
        theirs = [a for a in found if a.coder_id != viewer_id and _shown(codes.get(a.code_id))]
        counts[passage_id] = (len(theirs), len({a.coder_id for a in theirs}))
        found = [a for a in found if a.coder_id == viewer_id]
    else:
        many: dict[str, object] = {"ids": list(by_id), "viewer": viewer_id}
        found = conn.execute(_MINE_ON, many).all()
        states = [tuple(s) for s in conn.execute(_STATES_ON, many).all()]
        if everyone:
            hidden = [c.id for c in codes.values() if c.deleted]
            stmt = _OTHERS_ON.where(sql.ANN.c.code_id.not_in(hidden)) if hidden else _OTHERS_ON
            counts = {p: (n, coders) for p, n, coders in conn.execute(stmt, many).all()}
    spans: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for values in found:
        ann = Ann._make(values)
        code = codes.get(ann.code_id)
        if code is None or code.deleted:
            continue
        row = by_id[ann.passage_id]
        row.mine.append(Chip(ann, code, ann.code_revision < code.revision))
        if ann.span_start is not None and ann.span_end is not None:
            spans[ann.passage_id].append((ann.span_start, ann.span_end, code.colour))
    for passage_id, coded, memo in states:
        by_id[passage_id].coded = coded
        by_id[passage_id].memo = memo or ""
    keywords = keyword_map(codes)
    for row in rows:
        text = row.passage.text
        hits = keyword_hits(text, keywords) if keywords and row.passage.codable else []
        row.segments = segments(text, spans.get(row.passage.id, []), hits)
        row.others, row.other_coders = counts.get(row.passage.id, (0, 0))


def _shown(code: CodeSnapshot | None) -> bool:
    """Codings of a deleted code are kept for history but not shown on passages."""
    return code is not None and not code.deleted


def others_of(
    session: Session, project: Project, viewer: User, role: str, passage: Passage
) -> list[OtherCoding]:
    """Return the other coders' codings of a passage, for a viewer who may see them.

    In blind coding a coder never gets here: the refusal is raised before anything is read."""
    if not sees_others(project, role):
        raise Forbidden(_("Coding is blind in this project: other coders' codings are hidden."))
    codes = code_index(session, project.id).by_id
    params = {"passage": passage.id, "viewer": viewer.id}
    out = []
    for *values, name in session.connection().execute(_OTHERS_OF, params).all():
        ann = Ann._make(values)
        code = codes.get(ann.code_id)
        if code is not None and not code.deleted:
            out.append(OtherCoding(ann, code, name, ann.code_revision < code.revision))
    out.sort(key=lambda o: (o.coder_name.casefold(), o.code.path.casefold()))
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
    stmt = _scope(project, viewer.id, f)
    if f.passage_order is not None:
        return _ordered_rows(session, project, viewer, role, stmt, f.passage_order, page)
    found = session.execute(
        stmt.order_by(Passage.document_id, Passage.ordinal).limit(PAGE).offset((page - 1) * PAGE)
    ).all()
    rows = [PassageRow(passage=PassageView._make(r[:-1]), document_title=r[-1]) for r in found]
    # A first page that is not full is the whole scope: no need to count it again.
    if page == 1 and len(rows) < PAGE:
        total = len(rows)
    else:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    _fill(session, project, viewer, role, rows)
    return rows, total


def _ordered_rows(
    session: Session,
    project: Project,
    viewer: User,
    role: str,
    stmt: Select[Any],
    order: list[int],
    page: int,
) -> tuple[list[PassageRow], int]:
    """One page of the scope's passages in the given order (ids outside the scope are left out)."""
    chosen = order[(page - 1) * PAGE : page * PAGE]
    rank = {pid: i for i, pid in enumerate(chosen)}
    found = sorted(
        session.execute(stmt.where(Passage.id.in_(chosen))).all(), key=lambda r: rank[r[0]]
    )
    rows = [PassageRow(passage=PassageView._make(r[:-1]), document_title=r[-1]) for r in found]
    _fill(session, project, viewer, role, rows)
    return rows, len(order)


def scope_texts(
    session: Session, project: Project, viewer: User, f: ViewFilters
) -> list[tuple[int, str, bool]]:
    """(id, text, codable) of every passage in the view's scope, in document order."""
    stmt = (
        _scope(project, viewer.id, f)
        .with_only_columns(Passage.id, Passage.text, Passage.codable)
        .order_by(Passage.document_id, Passage.ordinal)
    )
    return [(int(pid), str(text), bool(codable)) for pid, text, codable in session.execute(stmt)]


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
    row = PassageRow(passage=PassageView.of(passage), document_title=title or "")
    _fill(session, project, viewer, role, [row])
    return row


def action_row(
    session: Session, project: Project, viewer: User, role: str, passage: Passage, f: ViewFilters
) -> tuple[PassageRow, Progress]:
    """The row of a passage just acted on, and the viewer's progress over the view's scope.

    In a one-document view (the common case) the progress, the passage's state and its codings
    come in one statement: two round trips fewer on every coding action."""
    if f.doc_id is None or f.round_id is not None or f.assigned:
        row = one_row(session, project, viewer, role, passage, with_title=f.doc_id is None)
        return row, scope_progress(session, project, viewer, f)
    params = {"viewer": viewer.id, "doc": f.doc_id, "project": project.id, "passage": passage.id}
    answer = _ANSWER_ALL if sees_others(project, role) else _ANSWER_MINE
    read = session.connection().execute(answer, params).all()
    total, done, coded, memo = read[0][:_PROGRESS_WIDTH]
    # The codings' id is NULL only on the one row of a passage without codings.
    codings = [Ann._make(r[_PROGRESS_WIDTH:]) for r in read if r[_PROGRESS_WIDTH] is not None]
    row = PassageRow(passage=PassageView.of(passage), document_title="")
    # No state row: the subqueries give NULL (a stored state always says coded or not).
    states = [] if coded is None else [(passage.id, bool(coded), memo)]
    _fill(session, project, viewer, role, [row], states, codings)
    return row, Progress(int(done or 0), int(total or 0))
