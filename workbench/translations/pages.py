"""Page models of the translations pages: links, an alignment side by side, the comparison."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.agreement import Resampling
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Membership
from workbench.models import Project
from workbench.models import User
from workbench.translations import alignments
from workbench.translations import comparison
from workbench.translations import links
from workbench.translations import tracing


@dataclass(frozen=True, slots=True)
class LinksPage:
    """Every link of the project and the documents that can be linked."""

    links: list[tuple[DocumentLink, str, str]]
    documents: list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class LinkPage:
    """One link: its alignment (versions) or its quotations (report), with the history."""

    link: DocumentLink
    source: Document
    target: Document
    pairs: list[alignments.PairView]
    quotations: list[tracing.QuoteView]
    history: list[AuditEvent]
    coders: list[tuple[int, str]]


@dataclass(frozen=True, slots=True)
class ComparePage:
    """Codes and stances of one coder (or the consensus) across the two versions."""

    link: DocumentLink
    source: Document
    target: Document
    layer: str
    coders: list[tuple[int, str]]
    result: comparison.CrossVersion


@dataclass(frozen=True, slots=True)
class Linked:
    """What the reader shows of a document's links: the other documents, quotations."""

    links: list[links.LinkView]
    quoted_in: int
    quotes_made: int


def linked(session: Session, document: Document) -> Linked:
    """A document's links from either side and how many reports quote it."""
    made = sum(1 for q in tracing.quotations_of(session, document) if q.report_id == document.id)
    return Linked(links.links_of(session, document), tracing.quoted_in(session, document), made)


def links_page(session: Session, project: Project) -> LinksPage:
    """The project's links and its documents for the link form."""
    documents = [
        (doc_id, title)
        for doc_id, title in session.execute(
            select(Document.id, Document.title)
            .where(Document.project_id == project.id)
            .order_by(Document.title)
        ).tuples()
    ]
    return LinksPage(links.project_links(session, project), documents)


def _coders(session: Session, project: Project) -> list[tuple[int, str]]:
    rows = session.execute(
        select(User.id, User.display_name, User.username)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(User.username)
    ).tuples()
    return [(uid, name or username) for uid, name, username in rows]


def link_page(session: Session, project: Project, link_id: int) -> LinkPage:
    """The link's page: pairs side by side, or the report's quotations."""
    link = links.get_link(session, project, link_id)
    source = session.get_one(Document, link.source_id)
    target = session.get_one(Document, link.target_id)
    if link.kind == "translation":
        pairs, quotations = alignments.views(session, link), []
        history = alignments.history(session, link)
    else:
        pairs = []
        quotations = [
            q for q in tracing.quotations_of(session, source) if q.statement_id == target.id
        ]
        history = []
    return LinkPage(link, source, target, pairs, quotations, history, _coders(session, project))


def compare_page(
    session: Session, project: Project, link_id: int, coder_id: int | None
) -> ComparePage:
    """The comparison of a coder's (None: the consensus') codes across the versions."""
    link = links.get_link(session, project, link_id)
    alignments.require_translation(link)
    result = comparison.cross_version(
        session, link, coder_id, resampling=Resampling(replicates=1000)
    )
    layer = (
        "consensus"
        if coder_id is None
        else next(
            (name for uid, name in _coders(session, project) if uid == coder_id), str(coder_id)
        )
    )
    return ComparePage(
        link,
        session.get_one(Document, link.source_id),
        session.get_one(Document, link.target_id),
        layer,
        _coders(session, project),
        result,
    )
