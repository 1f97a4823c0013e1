"""A document's lifecycle as the lead confirms it: delete, re-segment, split, merge.

Each change of passages is described first (``LayoutChange``), shown as a preview, and applied
only if nothing changed since the preview (the fingerprint the preview page carried).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.core.i18n import _
from workbench.documents import deletion
from workbench.documents import passage_edits
from workbench.documents import passage_layout
from workbench.documents import resegment
from workbench.documents.catalog import get_document
from workbench.documents.catalog import get_passage
from workbench.documents.passage_layout import Layout
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True)
class LayoutChange:
    """A new cut of a document's passages, what it was asked as, and what to say once done."""

    doc: Document
    layout: Layout
    done: str  # the message once applied
    passage: Passage | None = None  # the passage split or merged
    mode: str | None = None  # the segmentation asked for
    spread: bool = False  # crossing codings go on every piece


def resegment_change(
    session: Session, project: Project, doc_id: int, mode: str, *, spread: bool
) -> LayoutChange:
    """Cut the document into passages in another segmentation."""
    doc = get_document(session, project, doc_id)
    layout = resegment.layout_for(doc, mode, spread=spread)
    label = _(resegment.MODE_SHORT[layout.details["mode"]])
    done = _("The document is now cut into %(mode)s.", mode=label)
    return LayoutChange(doc, layout, done, mode=mode, spread=spread)


def _passage(session: Session, project: Project, passage_id: int) -> tuple[Passage, Document]:
    passage = get_passage(session, project, passage_id)
    return passage, get_document(session, project, passage.document_id)


def split_change(session: Session, project: Project, passage_id: int, at: int) -> LayoutChange:
    """Cut a passage in two before character ``at``."""
    passage, doc = _passage(session, project, passage_id)
    layout = passage_edits.split_layout(session, doc, passage, at)
    done = _("Passage %(n)s was split in two.", n=passage.ordinal + 1)
    return LayoutChange(doc, layout, done, passage)


def merge_change(session: Session, project: Project, passage_id: int) -> LayoutChange:
    """Join a passage with the next one."""
    passage, doc = _passage(session, project, passage_id)
    layout = passage_edits.merge_layout(session, doc, passage)
    n = passage.ordinal + 1
    done = _("Passages %(n)s and %(next)s were merged.", n=n, next=n + 1)
    return LayoutChange(doc, layout, done, passage)


def apply_change(
    session: Session, project: Project, actor: User, change: LayoutChange, fingerprint: str
) -> None:
    """Apply a previewed change; raise Conflict if the document changed since the preview."""
    passage_layout.apply(session, project, actor, change.doc, change.layout, fingerprint)


def delete(session: Session, project: Project, actor: User, doc_id: int) -> str:
    """Delete a document and everything coded on it (the history keeps a copy); return its title."""
    doc = get_document(session, project, doc_id)
    title = doc.title
    deletion.delete_document(session, project, actor, doc)
    return title
