"""Links between documents: versions of one statement, or a report and the statement it reports."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.core import limits
from workbench.core.errors import Conflict
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import LINK_KINDS
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True, slots=True)
class LinkView:
    """A link as one document sees it: the other document and which side it is on."""

    link_id: int
    kind: str
    other_id: int
    other_title: str
    other_is_source: bool

    @property
    def label(self) -> str:
        """What the other document is to this one, in words."""
        if self.kind == "translation":
            return _("original") if self.other_is_source else _("other version")
        return _("report on it") if self.other_is_source else _("statement reported on")


def find_document(session: Session, project: Project, ref: str) -> Document:
    """A project's document by id or exact title; NotFound or ValidationError otherwise."""
    number = limits.counting_number(ref)
    if number is not None:
        doc = session.get(Document, number)
        if doc is not None and doc.project_id == project.id:
            return doc
    found = list(
        session.scalars(
            select(Document).where(Document.project_id == project.id, Document.title == ref)
        )
    )
    if not found:
        raise NotFound(
            _("No document '%(ref)s' in this project (give its id or exact title).", ref=ref)
        )
    if len(found) > 1:
        ids = ", ".join(str(d.id) for d in found)
        raise ValidationError(
            _(
                "Several documents are titled '%(ref)s' (ids %(ids)s): give the id.",
                ref=ref,
                ids=ids,
            )
        )
    return found[0]


def link_documents(
    session: Session,
    project: Project,
    source: Document,
    target: Document,
    kind: str,
    actor: User | None,
) -> DocumentLink:
    """Link two documents of the project; recorded in the history."""
    if kind not in LINK_KINDS:
        raise ValidationError(
            _(
                "Unknown link kind '%(kind)s': use one of %(kinds)s.",
                kind=kind,
                kinds=", ".join(LINK_KINDS),
            )
        )
    if source.project_id != project.id or target.project_id != project.id:
        raise NotFound(_("Both documents must belong to this project."))
    if source.id == target.id:
        raise ValidationError(_("A document cannot be linked to itself."))
    existing = session.scalar(
        select(DocumentLink).where(
            or_(
                (DocumentLink.source_id == source.id) & (DocumentLink.target_id == target.id),
                (DocumentLink.source_id == target.id) & (DocumentLink.target_id == source.id),
            )
        )
    )
    if existing is not None:
        raise Conflict(
            _(
                "'%(source)s' and '%(target)s' are already linked (as %(kind)s).",
                source=source.title,
                target=target.title,
                kind=existing.kind,
            )
        )
    link = DocumentLink(
        project_id=project.id,
        source_id=source.id,
        target_id=target.id,
        kind=kind,
        created_by_id=actor.id if actor else None,
    )
    session.add(link)
    session.flush()
    audit.record(
        session,
        project.id,
        actor,
        audit.Change("document_link", "link", after=_state(link), entity_id=link.id),
    )
    return link


def unlink(session: Session, project: Project, link_id: int, actor: User | None) -> None:
    """Remove a link, its alignment and nothing else; recorded in the history."""
    link = get_link(session, project, link_id)
    state = _state(link)
    session.delete(link)
    session.flush()
    audit.record(
        session,
        project.id,
        actor,
        audit.Change("document_link", "unlink", before=state, entity_id=link_id),
    )


def get_link(session: Session, project: Project, link_id: int) -> DocumentLink:
    """A link of this project or NotFound."""
    link = session.get(DocumentLink, link_id)
    if link is None or link.project_id != project.id:
        raise NotFound(_("Link %(id)s is not in this project.", id=link_id))
    return link


def links_of(session: Session, document: Document) -> list[LinkView]:
    """Every link of a document, from either side, with the other document's title."""
    rows = session.execute(
        select(DocumentLink, Document)
        .join(
            Document,
            or_(
                (DocumentLink.source_id == document.id) & (Document.id == DocumentLink.target_id),
                (DocumentLink.target_id == document.id) & (Document.id == DocumentLink.source_id),
            ),
        )
        .order_by(DocumentLink.id)
    )
    return [
        LinkView(link.id, link.kind, other.id, other.title, link.target_id == document.id)
        for link, other in rows
    ]


def project_links(session: Session, project: Project) -> list[tuple[DocumentLink, str, str]]:
    """Every link of the project with both titles, oldest first."""
    source = select(Document.title).where(Document.id == DocumentLink.source_id).scalar_subquery()
    target = select(Document.title).where(Document.id == DocumentLink.target_id).scalar_subquery()
    rows = session.execute(
        select(DocumentLink, source, target)
        .where(DocumentLink.project_id == project.id)
        .order_by(DocumentLink.id)
    )
    return [(link, str(s), str(t)) for link, s, t in rows]


def _state(link: DocumentLink) -> dict[str, object]:
    return {"source_id": link.source_id, "target_id": link.target_id, "kind": link.kind}
