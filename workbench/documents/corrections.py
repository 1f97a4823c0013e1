"""A lead's corrections to what was imported: a document's metadata, a passage's codability.

Each change is recorded in the project's history with what it was before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.documents.catalog import get_document
from workbench.documents.catalog import get_passage
from workbench.documents.catalog import update_metadata
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User

Changed = dict[str, tuple[object, object]]  # field → (before, after)


def _record(
    session: Session, project: Project, actor: User, changed: Changed, **event: Any
) -> None:
    before = {k: v[0] for k, v in changed.items()}
    after = {k: v[1] for k, v in changed.items()}
    audit.record(session, project.id, actor, audit.Change(before=before, after=after, **event))


def correct_metadata(
    session: Session, project: Project, actor: User, doc_id: int, values: dict[str, str]
) -> Document:
    """Save corrections to a document's metadata; return the document."""
    doc = get_document(session, project, doc_id)
    changed = update_metadata(doc, values)
    if changed:
        event = {"entity": "document", "entity_id": doc.id, "action": "metadata"}
        _record(session, project, actor, changed, **event)
    return doc


def set_codable(
    session: Session, project: Project, actor: User, passage_id: int, codable: bool
) -> Passage:
    """Mark a passage codable or not; return the passage."""
    passage = get_passage(session, project, passage_id)
    if passage.codable != codable:
        changed: Changed = {"codable": (passage.codable, codable)}
        event = {"entity": "passage", "entity_id": passage.id, "passage_id": passage.id}
        _record(session, project, actor, changed, action="codable", **event)
        passage.codable = codable
    return passage
