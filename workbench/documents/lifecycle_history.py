"""The history of documents deleted, re-segmented, split and merged, and undoing them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm import defer

from workbench.core.errors import Conflict
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.documents import deletion as document_delete
from workbench.documents import passage_layout
from workbench.models import AuditEvent
from workbench.models import Project
from workbench.models import User

UNDOABLE = ("delete", "resegment", "split", "merge")
ACTIONS = (*UNDOABLE, "undo")
HISTORY_LIMIT = 200


@dataclass
class Entry:
    """One lifecycle event as the history page shows it."""

    event: AuditEvent
    who: str
    undone_by: int | None = None

    @property
    def can_undo(self) -> bool:
        """Tell whether the event is of a kind that can be undone and has not been."""
        return self.event.action in UNDOABLE and self.undone_by is None


def entries(session: Session, project: Project) -> list[Entry]:
    """The project's document lifecycle events, newest first, with what undid them."""
    rows = session.execute(
        select(AuditEvent, User.display_name)
        .options(defer(AuditEvent.before))  # the snapshots stay in the database
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.project_id == project.id,
            AuditEvent.entity == "document",
            AuditEvent.action.in_(ACTIONS),
        )
        .order_by(AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    result = [Entry(event, str(name or "—")) for event, name in rows]
    undone = {
        int(e.event.after["undoes"]): e.event.id
        for e in result
        if e.event.action == "undo" and e.event.after and "undoes" in e.event.after
    }
    for entry in result:
        entry.undone_by = undone.get(entry.event.id)
    return result


def _event(session: Session, project: Project, event_id: int) -> AuditEvent:
    event = session.get(AuditEvent, event_id)
    if event is None or event.project_id != project.id or event.entity != "document":
        raise NotFound(_("History entry %(event_id)s is not in this project.", event_id=event_id))
    return event


LEFT_OUT_LABELS = {
    "annotation": "codings",
    "passage_state": "passage states",
    "assignment": "assignments",
    "document_link": "links",
    "alignment_pair": "aligned pairs",
    "quotation": "traced quotations",
    "alignment_pair_stale": "aligned pairs",
    "quotation_stale": "traced quotations",
}
# Why each kind of row can be left out: what it belongs to is gone for good.
_GONE = {
    "document_link": "to a document that no longer exists",
    "alignment_pair": "of a link to a document that no longer exists",
    "quotation": "to a document that no longer exists",
    "alignment_pair_stale": (
        "naming passages of the other document that changed since (the link is aligned afresh)"
    ),
    "quotation_stale": "on passages of the other document that changed since (trace it again)",
}


class Undone(NamedTuple):
    """An undone change: the document, what could not come back, and where codings of codes
    merged since went."""

    document_id: int
    left_out: list[str]
    merged: list[str]


def undo(session: Session, project: Project, actor: User, event_id: int) -> Undone:
    """Undo a deletion or a change of passages; say the document and what became of its rows.

    Only rows whose account, round or linked document no longer exists are left out, and they
    are named.
    """
    event = _event(session, project, event_id)
    if event.action not in UNDOABLE:
        raise Conflict(_("Only deletions, re-segmentations, splits and merges can be undone."))
    done = session.scalars(
        select(AuditEvent.after).where(
            AuditEvent.project_id == project.id,
            AuditEvent.entity == "document",
            AuditEvent.action == "undo",
            AuditEvent.id > event.id,
        )
    ).all()
    if any(isinstance(a, dict) and a.get("undoes") == event.id for a in done):
        raise Conflict(_("This change has already been undone."))
    if event.action == "delete":
        document_id, restored = document_delete.undo_delete(session, project, actor, event)
    else:
        document_id = int(event.entity_id or 0)
        restored = passage_layout.undo(session, project, actor, event)
    notes = [
        f"{n} {LEFT_OUT_LABELS.get(name, name)} "
        + _GONE.get(name, "of an account or round that no longer exists")
        for name, n in sorted(restored.left_out.items())
    ]
    return Undone(document_id, notes, merge_notes(restored.merged))


def merge_notes(merged: dict[str, dict[str, int]]) -> list[str]:
    """What happened to restored codings of codes merged since the change that is undone."""
    notes = []
    for name, counts in sorted(merged.items()):
        decisions = name == "consensus_annotation"
        placed = counts.get("moved", 0) + counts.get("folded", 0)
        if placed:
            message = (
                _(
                    "%(n)s consensus decisions on codes merged since were put on the codes they "
                    "were merged into (%(folded)s of them joined a decision already there)",
                    n=placed,
                    folded=counts.get("folded", 0),
                )
                if decisions
                else _(
                    "%(n)s codings of codes merged since were put on the codes they were merged "
                    "into (%(folded)s of them joined a coding already there)",
                    n=placed,
                    folded=counts.get("folded", 0),
                )
            )
            notes.append(message)
        if counts.get("stayed"):
            message = (
                _(
                    "%(n)s consensus decisions stay on codes merged since: the code they were "
                    "merged into holds another stance there (restore the merged code to see them)",
                    n=counts["stayed"],
                )
                if decisions
                else _(
                    "%(n)s codings stay on codes merged since: the code they were merged into "
                    "holds another stance or selection there (restore the merged code to see "
                    "them)",
                    n=counts["stayed"],
                )
            )
            notes.append(message)
        if counts.get("deleted"):
            notes.append(
                _(
                    "%(n)s consensus decisions are on codes deleted since: restore a code to see "
                    "them",
                    n=counts["deleted"],
                )
                if decisions
                else _(
                    "%(n)s codings are on codes deleted since: restore a code to see them",
                    n=counts["deleted"],
                )
            )
    return notes
