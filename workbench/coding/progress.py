"""Coding progress: how many codable passages each coder has marked coded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True)
class Progress:
    """Coded out of total, with the share as a whole percentage."""

    done: int
    total: int

    @property
    def percent(self) -> int:
        """Return the share done as a whole percentage (0 when there is nothing to do)."""
        return int(100 * self.done / self.total) if self.total else 0


def coded_state(passage_id: Any, coder_id: Any) -> ColumnElement[bool]:
    """The join condition of a passage to its coder's state, when that state says "coded"."""
    return and_(
        PassageState.passage_id == passage_id,
        PassageState.coder_id == coder_id,
        PassageState.coded.is_(True),
    )


def documents_progress(
    session: Session, project: Project, user: User, doc_ids: list[int]
) -> dict[int, Progress]:
    """Return the user's progress on each listed document in one query."""
    if not doc_ids:
        return {}
    stmt = (
        select(
            Passage.document_id,
            func.count(Passage.id),
            func.count(PassageState.id),
        )
        .outerjoin(PassageState, coded_state(Passage.id, user.id))
        .where(Passage.document_id.in_(doc_ids), Passage.codable.is_(True))
        .group_by(Passage.document_id)
    )
    found = {doc: Progress(done, total) for doc, total, done in session.execute(stmt).all()}
    return {doc_id: found.get(doc_id, Progress(0, 0)) for doc_id in doc_ids}


def document_progress(session: Session, document_id: int, coder_id: int) -> Progress:
    """Return one coder's progress on one document."""
    total = session.scalar(
        select(func.count(Passage.id)).where(
            Passage.document_id == document_id, Passage.codable.is_(True)
        )
    )
    done = session.scalar(
        select(func.count(PassageState.id))
        .join(Passage, Passage.id == PassageState.passage_id)
        .where(
            Passage.document_id == document_id,
            Passage.codable.is_(True),
            PassageState.coder_id == coder_id,
            PassageState.coded.is_(True),
        )
    )
    return Progress(done or 0, total or 0)
