"""The append-only history: every service that changes codings or the codebook records here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import cast

from sqlalchemy import Table
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.models import AuditEvent
from workbench.models import User
from workbench.models._common import utcnow

_INSERT = insert(cast(Table, AuditEvent.__table__))


@dataclass(frozen=True, slots=True)
class Change:
    """What one history event says: the entity, what was done to it, its state before and after."""

    entity: str
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    entity_id: int | None = None
    passage_id: int | None = None


def record(session: Session, project_id: int, actor: User | None, change: Change) -> None:
    """Append one event to the project's history, in the session's transaction."""
    # A prebuilt Core insert on the session's own connection: the same transaction as the
    # change it records, without the unit-of-work cost on the hot coding path.
    session.connection().execute(
        _INSERT,
        {
            "project_id": project_id,
            "actor_id": actor.id if actor else None,
            "at": utcnow(),
            "entity": change.entity,
            "entity_id": change.entity_id,
            "passage_id": change.passage_id,
            "action": change.action,
            "before": change.before,
            "after": change.after,
        },
    )


def passage_history(
    session: Session, project_id: int, passage_id: int, *, coder_id: int | None = None
) -> list[tuple[AuditEvent, str | None]]:
    """Return a passage's events, newest first, with the actor's name; optionally one coder's."""
    stmt = (
        select(AuditEvent, User.display_name)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.project_id == project_id, AuditEvent.passage_id == passage_id)
        .order_by(AuditEvent.id.desc())
    )
    if coder_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == coder_id)
    return [(event, name) for event, name in session.execute(stmt).all()]
