"""Browsing documents: filtered, paginated lists, the reader, and the lead's corrections."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from typing import TypeVar

from sqlalchemy import CompoundSelect
from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import exists
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import union
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm import Session
from sqlalchemy.orm import defer
from sqlalchemy.sql.elements import BindParameter

from workbench.core import limits
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents.search import documents_holding
from workbench.documents.search import id_in
from workbench.documents.search import passage_text_matches
from workbench.documents.search import text_matches
from workbench.models import DOC_TYPES
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project

DATE_RE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
EDITABLE_FIELDS = ("title", "date", "doc_type", "meeting_symbol", "language", "source")


@dataclass
class DocumentFilters:
    """The filters of the document list, as parsed from the query string."""

    q: str = ""
    language: str = ""
    doc_type: str = ""
    delegation: str = ""
    date_from: str = ""
    date_to: str = ""
    page: int = 1


@dataclass
class DocumentPage:
    """One page of the document list with its totals and the filter choices."""

    documents: list[Document]
    total: int
    page: int
    pages: int
    languages: list[str] = field(default_factory=list)
    doc_types: list[str] = field(default_factory=list)
    delegations: list[str] = field(default_factory=list)


S = TypeVar("S", bound=Select[Any])


def narrow_passages(
    stmt: S, *, project_id: int, speaker: str, delegation: str, language: str, q: str
) -> S:
    """Keep the project's passages of a speaker, a delegation, a language (spoken or original),
    a text; ``stmt`` already keeps to the project's passages."""
    if speaker:
        stmt = stmt.where(Passage.speaker == speaker)
    if delegation:
        stmt = stmt.where(Passage.delegation == delegation)
    if language:
        stmt = stmt.where(or_(Passage.language == language, Passage.original_language == language))
    if q:
        stmt = stmt.where(passage_text_matches(q, project_id))
    return stmt


def _filtered(
    project: Project, f: DocumentFilters, found: Sequence[int] | None = None, *, page_size: int = 50
) -> Select[tuple[Document]]:
    stmt = select(Document).where(Document.project_id == project.id)
    if f.language:
        stmt = stmt.where(Document.language == f.language)
    if f.doc_type:
        stmt = stmt.where(Document.doc_type == f.doc_type)
    if f.date_from:
        stmt = stmt.where(Document.date >= f.date_from)
    if f.date_to:
        # Dates are ISO text; a bare year or month compares below its own days, so pad it.
        stmt = stmt.where(Document.date <= f.date_to + "-99")
    if f.delegation:
        stmt = stmt.where(
            exists().where(Passage.document_id == Document.id, Passage.delegation == f.delegation)
        )
    if found is not None:
        # Beyond a page of matches, the page is read in the list's order from its index
        # (ix_document_project_order), stopping after the page, rather than every matching
        # document row being read to sort it (3,200 rows for "terrorism").
        stmt = stmt.where(id_in(Document.id, found, look_up=len(found) <= page_size))
    return stmt


def _narrowed(f: DocumentFilters) -> bool:
    """Whether a filter other than the text search narrows the list."""
    return bool(f.language or f.doc_type or f.delegation or f.date_from or f.date_to)


def _searched(dialect: str, project: Project, q: str) -> CompoundSelect[tuple[int]]:
    """The ids of the documents whose text or title holds the query."""
    # One set of ids (passages' documents, then titles) rather than an OR of two tests,
    # which PostgreSQL can only run as a subquery per document.
    in_title = select(Document.id).where(
        Document.project_id == project.id, text_matches(Document.title, q)
    )
    return union(*documents_holding(dialect, project.id, q), in_title)


def list_documents(
    session: Session, project: Project, f: DocumentFilters, *, page_size: int = 50
) -> DocumentPage:
    """Return one page of the project's documents that match the filters."""
    for value, name in ((f.date_from, "from"), (f.date_to, "to")):
        if value and not DATE_RE.match(value):
            raise ValidationError(
                _("The '%(name)s' date must look like 2020, 2020-07 or 2020-07-10.", name=name)
            )
    # The search is most of the cost of the list: it runs once, and the count and the page
    # read its document ids (a few thousand at most per project) instead of searching again.
    dialect = session.get_bind().dialect.name
    found = session.scalars(_searched(dialect, project, f.q)).all() if f.q else None
    stmt = _filtered(project, f, found, page_size=page_size)
    if found is not None and not _narrowed(f):
        # The search's ids are distinct documents of the project: they are the list.
        total = len(found)
    else:
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // page_size))
    page = min(max(1, f.page), pages)
    docs = session.scalars(
        stmt.options(defer(Document.raw_text), defer(Document.text))
        .order_by(Document.date.desc().nulls_last(), Document.title, Document.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    return DocumentPage(
        documents=list(docs),
        total=total,
        page=page,
        pages=pages,
        languages=_choices(session, "language", project),
        doc_types=_choices(session, "doc_type", project),
        delegations=delegations(session, project),
    )


def delegations(session: Session, project: Project) -> list[str]:
    """Return the delegations that speak in the project's documents."""
    return _choices(session, "delegation", project)


_PROJECT: BindParameter[int] = bindparam("project_id")


def _plain_distinct(column: InstrumentedAttribute[str | None], owner: Any) -> Select[Any]:
    return select(column).where(owner == _PROJECT).distinct()


def _walk(column: InstrumentedAttribute[str | None], owner: Any) -> Select[Any]:
    """The distinct values of a column in a project's rows, read one index probe at a time."""
    # PostgreSQL 15 has no skip scan, so the values are read from an index on (project_id,
    # column) one at a time: each step asks for the first value after the last found, and a
    # few hundred values cost a few hundred index probes, not a pass over every row. DISTINCT
    # took ~40 ms over the corpus's 126,000 passages' delegations and 3-5 ms over its 7,086
    # documents' languages on every project page; walked, ~4 ms and ~1 ms.
    mine = owner == _PROJECT
    first = (
        select(column).where(mine, column.is_not(None)).order_by(column).limit(1)
    ).scalar_subquery()
    found = select(first.label("value")).cte("found", recursive=True)
    following = (
        select(column).where(mine, column > found.c.value).order_by(column).limit(1)
    ).scalar_subquery()
    found = found.union_all(select(following).where(found.c.value.is_not(None)))
    return select(found.c.value).where(found.c.value.is_not(None))


# Built once: a statement's cache key is computed on its first use and kept on it, where a
# statement built per page cost PostgreSQL's list ~10 % of its time in keying alone.
_COLUMNS = {
    "language": (Document.language, Document.project_id),
    "doc_type": (Document.doc_type, Document.project_id),
    "delegation": (Passage.delegation, Passage.project_id),
}
_DISTINCT = {
    "sqlite": {key: _plain_distinct(*pair) for key, pair in _COLUMNS.items()},
    "postgresql": {key: _walk(*pair) for key, pair in _COLUMNS.items()},
}


def _choices(session: Session, key: str, project: Project) -> list[str]:
    """The distinct non-empty values of a column in the project's rows, sorted."""
    # SQLite's planner skips through the index by itself (1 ms for the delegations, against
    # 1.4 ms walked).
    stmt = _DISTINCT[session.get_bind().dialect.name][key]
    rows = session.scalars(stmt, {"project_id": project.id})
    return sorted(str(r) for r in rows if r)


def get_document(session: Session, project: Project, document_id: int) -> Document:
    """Return a document of this project or raise NotFound."""
    doc = session.get(Document, document_id)
    if doc is None or doc.project_id != project.id:
        raise NotFound(
            _("Document %(document_id)s is not in this project.", document_id=document_id)
        )
    return doc


def passages_of(session: Session, document: Document) -> list[Passage]:
    """Return a document's passages in reading order."""
    return list(
        session.scalars(
            select(Passage).where(Passage.document_id == document.id).order_by(Passage.ordinal)
        )
    )


def get_passage(session: Session, project: Project, passage_id: int) -> Passage:
    """Return a passage of this project or raise NotFound."""
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(_("Passage %(passage_id)s is not in this project.", passage_id=passage_id))
    return passage


def update_metadata(document: Document, values: dict[str, str]) -> dict[str, tuple[object, object]]:
    """Apply the lead's metadata corrections; return the fields that changed (before, after)."""
    changed: dict[str, tuple[object, object]] = {}
    for key in EDITABLE_FIELDS:
        if key not in values:
            continue
        value: str | None = values[key].strip() or None
        if key == "title" and not value:
            raise ValidationError(_("title: a document needs a title."))
        if key == "date" and value and not DATE_RE.match(value):
            raise ValidationError(_("date: use 2020, 2020-07 or 2020-07-10."))
        if key == "doc_type" and value and value not in DOC_TYPES:
            raise ValidationError(
                _("doc_type: choose one of %(value)s.", value=", ".join(DOC_TYPES))
            )
        limit = limits.METADATA_FIELDS.get(key, limits.METADATA_VALUE)
        problem = limits.too_long(key, value or "", limit)
        if problem:
            raise ValidationError(problem)
        before = getattr(document, key)
        if before != value:
            setattr(document, key, value)
            changed[key] = (before, value)
    return changed
