"""Deleting a document, with what goes with it listed first, and undoing the deletion.

The deletion is a hard delete that keeps a snapshot of every removed row in the history (an
``audit_event`` with entity "document" and action "delete"); undo inserts the same rows back.
A soft delete was not chosen: every query of the workbench (coding, queues, agreement,
adjudication, analysis, search, exports) would have to filter deleted documents, and one
forgotten filter would leak deleted codings into a report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import ScalarSelect
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench import models as m
from workbench.core.errors import Conflict
from workbench.core.i18n import _
from workbench.documents import snapshot as document_snapshot


@dataclass
class DeletionImpact:
    """What deleting a document takes with it, for the confirmation page."""

    document: m.Document
    passages: int = 0
    annotations: int = 0
    by_coder: list[tuple[str, int]] = field(default_factory=list)
    coded_states: int = 0
    memos: int = 0
    consensus_passages: int = 0
    consensus_codes: int = 0
    assignments: int = 0
    rounds: list[tuple[str, int]] = field(default_factory=list)

    @property
    def anything_coded(self) -> bool:
        """Tell whether any coding, decision or assignment goes with the document."""
        return bool(
            self.annotations
            or self.coded_states
            or self.memos
            or self.consensus_passages
            or self.assignments
        )


def _in_document(document_id: int) -> ScalarSelect[int]:
    return select(m.Passage.id).where(m.Passage.document_id == document_id).scalar_subquery()


def deletion_impact(session: Session, document: m.Document) -> DeletionImpact:
    """Count the codings, decisions and assignments on a document, by coder and by round."""
    ids = _in_document(document.id)
    impact = DeletionImpact(document=document)
    impact.passages = (
        session.scalar(select(func.count()).where(m.Passage.document_id == document.id)) or 0
    )
    per_coder = session.execute(
        select(m.User.display_name, func.count(m.Annotation.id))
        .join(m.User, m.User.id == m.Annotation.coder_id)
        .where(m.Annotation.passage_id.in_(ids))
        .group_by(m.User.id, m.User.display_name)
        .order_by(m.User.display_name)
    ).all()
    impact.by_coder = [(str(name), int(n)) for name, n in per_coder]
    impact.annotations = sum(n for _, n in impact.by_coder)
    states = session.execute(
        select(m.PassageState.coded, m.PassageState.memo).where(m.PassageState.passage_id.in_(ids))
    ).all()
    impact.coded_states = sum(1 for coded, _ in states if coded)
    impact.memos = sum(1 for _, memo in states if memo)
    impact.memos += (
        session.scalar(
            select(func.count()).where(m.Annotation.passage_id.in_(ids), m.Annotation.memo != "")
        )
        or 0
    )
    impact.consensus_passages = (
        session.scalar(select(func.count()).where(m.ConsensusState.passage_id.in_(ids))) or 0
    )
    impact.consensus_codes = (
        session.scalar(select(func.count()).where(m.ConsensusAnnotation.passage_id.in_(ids))) or 0
    )
    rounds: Counter[str] = Counter()
    for round_name, n in session.execute(
        select(m.ReliabilityRound.name, func.count(m.Assignment.id))
        .outerjoin(m.ReliabilityRound, m.ReliabilityRound.id == m.Assignment.round_id)
        .where(m.Assignment.passage_id.in_(ids))
        .group_by(m.ReliabilityRound.id, m.ReliabilityRound.name)
    ):
        impact.assignments += int(n)
        if round_name is not None:
            rounds[str(round_name)] += int(n)
    impact.rounds = sorted(rounds.items())
    return impact


def delete_document(
    session: Session, project: m.Project, actor: m.User, document: m.Document
) -> int:
    """Delete a document and everything coded on it; the history keeps it all for undo."""
    document_snapshot.lock(session, document.id)
    impact = deletion_impact(session, document)
    snap = document_snapshot.capture(session, document.id)
    snap |= document_snapshot.capture_links(session, document.id)
    document_snapshot.remove_passages(session, document.id)
    session.execute(delete(m.Document).where(m.Document.id == document.id))
    session.expunge(document)
    return document_snapshot.record_event(
        session,
        project_id=project.id,
        actor=actor,
        document_id=document.id,
        action="delete",
        before={"snapshot": snap},
        after={
            "title": document.title,
            "passages": impact.passages,
            "annotations": impact.annotations,
            "consensus": impact.consensus_passages,
            "assignments": impact.assignments,
        },
    )


def undo_delete(
    session: Session, project: m.Project, actor: m.User, event: m.AuditEvent
) -> tuple[int, document_snapshot.Restored]:
    """Put a deleted document back with every row it had; return its id and what the restore
    did (rows left out, codings of codes merged since).

    Rows are left out only when what they belong to is gone for good (a coder's account, a
    reliability round), as the database would have removed them with it.
    """
    snap = (event.before or {}).get("snapshot")
    if not snap or not snap.get("document"):
        raise Conflict(_("This history entry holds no copy of the document to restore."))
    row = snap["document"][0]
    clash = session.scalar(
        select(m.Document.title).where(
            m.Document.project_id == project.id, m.Document.content_hash == row["content_hash"]
        )
    )
    if clash is not None:
        raise Conflict(
            _(
                "The same text is in the project again as “%(clash)s” (imported after "
                "the deletion). Delete that document first if you want the old one "
                "back with its codings.",
                clash=clash,
            )
        )
    restored = document_snapshot.restore(session, snap, since=event.at)
    document_snapshot.restore_links(session, snap, int(row["id"]), restored)
    document_id = restored.id_of("document", int(row["id"]))
    document_snapshot.record_event(
        session,
        project_id=project.id,
        actor=actor,
        document_id=document_id,
        action="undo",
        before=None,
        after={"undoes": event.id, "undone": "delete", "title": row["title"]}
        | ({"left_out": restored.left_out} if restored.left_out else {})
        | ({"merged": restored.merged} if restored.merged else {}),
    )
    return document_id, restored
