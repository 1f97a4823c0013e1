"""Quotations of statements in reports: traced with ``core.quotes``, stored, shown on both sides.

A report is traced against the statements it is linked to (a ``report`` link), or, on request,
against every other document of the project that is not itself a news report. Tracing again
replaces the report's earlier quotations. Each quotation keeps the statement sentence's passage
and offsets, so the statement's page can say "quoted in 2 reports" and show where.

Building the statements' index is most of a trace's time, so the built index is kept per process
for a few statement sets (least recently used first out). Its key is the project and a hash of
everything the index is made from, read afresh on every trace: the statements' ids, titles and
sources and their codable passages' ids, texts, speakers and delegations. Any change to a
statement therefore gives another key, and the next trace builds a new index.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.corpus.sentences import sentence_spans
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.quotes import QuoteIndex
from workbench.core.quotes import Statement
from workbench.core.quotes import speaker_names
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Passage
from workbench.models import Project
from workbench.models import Quotation

REPORT_TYPES = ("news_report",)
INDEX_CACHE_SIZE = 4  # statement sets; an index of 1,000 statements is tens of megabytes

Place = tuple[int, int, int]  # passage id, start, end of one statement sentence


@dataclass(frozen=True, slots=True)
class _Built:
    """A statement set's index and where each of its sentences is."""

    index: QuoteIndex
    places: list[list[Place]]


_built: OrderedDict[tuple[int, str], _Built] = OrderedDict()
_built_lock = threading.Lock()


def clear_index_cache() -> None:
    """Forget every built index (tests, and a process that wants its memory back)."""
    with _built_lock:
        _built.clear()


@dataclass(frozen=True, slots=True)
class QuoteView:
    """One quotation as the command line and the pages show it."""

    report_id: int
    report_title: str
    report_text: str
    statement_id: int
    statement_title: str
    statement_text: str
    kind: str
    score: float
    quoted: bool


def _codable(session: Session, document_id: int) -> list[Passage]:
    return list(
        session.scalars(
            select(Passage)
            .where(Passage.document_id == document_id, Passage.codable.is_(True))
            .order_by(Passage.ordinal)
        )
    )


def statements_for(
    session: Session, project: Project, report: Document, everywhere: bool
) -> list[Document]:
    """The statements a report is traced against: its linked ones, or (everywhere) all others."""
    if everywhere:
        return list(
            session.scalars(
                select(Document)
                .where(
                    Document.project_id == project.id,
                    Document.id != report.id,
                    Document.doc_type.is_(None) | Document.doc_type.not_in(REPORT_TYPES),
                )
                .order_by(Document.id)
            )
        )
    return list(
        session.scalars(
            select(Document)
            .join(DocumentLink, DocumentLink.target_id == Document.id)
            .where(DocumentLink.source_id == report.id, DocumentLink.kind == "report")
            .order_by(Document.id)
        )
    )


def trace(
    session: Session, project: Project, report: Document, *, everywhere: bool = False
) -> list[QuoteView]:
    """Find, store and return the report's quotations of statements."""
    statements = statements_for(session, project, report, everywhere)
    if not statements:
        raise ValidationError(
            _(
                "'%(title)s' is linked to no statement: link it to the statement it reports on "
                "(kind report), or trace it against every statement of the project.",
                title=report.title,
            )
        )
    built = _index_of(session, project, statements)
    places = built.places
    report_passages = _codable(session, report.id)
    found = built.index.trace([p.text for p in report_passages])
    session.execute(delete(Quotation).where(Quotation.report_id == report.id))
    rows = []
    for q in found:
        s_index = int(q.statement)
        first = places[s_index][q.sentence]
        last = places[s_index][q.sentence + q.sentences - 1]
        rows.append(
            Quotation(
                project_id=project.id,
                report_id=report.id,
                statement_id=statements[s_index].id,
                report_passage_id=report_passages[q.passage].id,
                report_start=q.start,
                report_end=q.end,
                report_text=q.report_text,
                statement_passage_id=first[0],
                statement_start=first[1],
                # A quotation across two sentences of different passages keeps the first one's.
                statement_end=last[2] if last[0] == first[0] else first[2],
                statement_text=q.statement_text,
                kind=q.kind,
                score=q.score,
                quoted=q.quoted,
            )
        )
    session.add_all(rows)
    session.flush()
    return quotations_of(session, report)


def _index_of(session: Session, project: Project, statements: list[Document]) -> _Built:
    """The statements' index: the cached one if nothing it is made from changed, else built."""
    rows = session.execute(
        select(Passage.document_id, Passage.id, Passage.text, Passage.speaker, Passage.delegation)
        .where(Passage.document_id.in_([d.id for d in statements]), Passage.codable.is_(True))
        .order_by(Passage.document_id, Passage.ordinal)
    ).all()
    by_document: dict[int, list[tuple[int, str, str | None, str | None]]] = {}
    for document_id, passage_id, text, speaker, delegation in rows:
        by_document.setdefault(document_id, []).append((passage_id, text, speaker, delegation))
    digest = hashlib.blake2b(digest_size=20)
    for doc in statements:
        digest.update(f"\x1d{doc.id}\x1f{doc.title}\x1f{doc.source}".encode())
        for passage_id, text, speaker, delegation in by_document.get(doc.id, []):
            digest.update(f"\x1e{passage_id}\x1f{speaker}\x1f{delegation}\x1f".encode())
            digest.update(text.encode())
    key = (project.id, digest.hexdigest())
    with _built_lock:
        cached = _built.get(key)
        if cached is not None:
            _built.move_to_end(key)
            return cached
    indexed: list[Statement] = []
    places: list[list[Place]] = []  # per statement: where each indexed sentence is
    for doc in statements:
        passages = by_document.get(doc.id, [])
        sentences: list[str] = []
        where: list[Place] = []
        for passage_id, text, _speaker, _delegation in passages:
            for start, end in sentence_spans(text, 0, len(text)):
                sentences.append(text[start:end])
                where.append((passage_id, start, end))
        speakers = [p[2] for p in passages] + [p[3] for p in passages]
        indexed.append(
            Statement(
                str(len(indexed)), speaker_names(doc.title, doc.source, speakers), tuple(sentences)
            )
        )
        places.append(where)
    built = _Built(QuoteIndex(indexed), places)
    with _built_lock:
        _built[key] = built
        while len(_built) > INDEX_CACHE_SIZE:
            _built.popitem(last=False)
    return built


def quotations_of(session: Session, document: Document) -> list[QuoteView]:
    """The quotations a report makes, or those made of a statement, in reading order."""
    report = Document.__table__.alias("report")
    statement = Document.__table__.alias("statement")
    where = (Quotation.report_id == document.id) | (Quotation.statement_id == document.id)
    rows = session.execute(
        select(Quotation, report.c.title, statement.c.title)
        .join(report, report.c.id == Quotation.report_id)
        .join(statement, statement.c.id == Quotation.statement_id)
        .where(where)
        .order_by(
            Quotation.report_id, Quotation.report_passage_id, Quotation.report_start, Quotation.id
        )
    )
    return [
        QuoteView(
            q.report_id,
            str(r_title),
            q.report_text,
            q.statement_id,
            str(s_title),
            q.statement_text,
            q.kind,
            q.score,
            q.quoted,
        )
        for q, r_title, s_title in rows
    ]


def quoted_in(session: Session, statement: Document) -> int:
    """How many reports quote this statement."""
    return int(
        session.scalar(
            select(func.count(func.distinct(Quotation.report_id))).where(
                Quotation.statement_id == statement.id
            )
        )
        or 0
    )
