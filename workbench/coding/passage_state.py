"""A coder's state of a passage: coded or not ("nothing applies" is an answer), and their memo.

The state is written with the prebuilt Core statements of ``coding.statements`` only: an upsert
makes the row, an update changes it, so two tabs of one coder never make two rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.coding import statements as sql
from workbench.coding.targets import check_memo
from workbench.coding.targets import codable_passage
from workbench.coding.targets import get_passage
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User
from workbench.models._common import utcnow


def log_change(
    session: Session,
    project: Project,
    coder: User,
    passage_id: int,
    entity: str,
    action: str,
    **details: Any,
) -> None:
    """Record a coder's change to a passage in the project's history."""
    audit.record(
        session, project.id, coder, audit.Change(entity, action, passage_id=passage_id, **details)
    )


def _upsert(session: Session, project: Project, passage_id: int, coder: User, **row: Any) -> bool:
    """Make the coder's state row if there is none; return whether it was made now."""
    conn = session.connection()
    values = {
        "project_id": project.id,
        "passage_id": passage_id,
        "coder_id": coder.id,
        "coded": False,
        "memo": "",
        "updated_at": utcnow(),
    }
    # RETURNING tells reliably whether the row was new (rowcount does not, on every driver).
    return conn.execute(sql.STATE_UPSERT, values | row).first() is not None


def _current(session: Session, passage_id: int, coder: User) -> Any:
    params = {"p_passage": passage_id, "p_coder": coder.id}
    return session.connection().execute(sql.STATE_GET, params).first()


def mark_state(
    session: Session, project: Project, passage: Passage, coder: User, coded: bool
) -> bool:
    """Set the coder's state of a passage; return whether it changed."""
    conn = session.connection()
    values = {
        "project_id": project.id,
        "passage_id": passage.id,
        "coder_id": coder.id,
        "coded": coded,
        "memo": "",
        "updated_at": utcnow(),
    }
    return conn.execute(sql.STATE_MARK, values).first() is not None


def reopen_if_uncoded(session: Session, project: Project, coder: User, passage_id: int) -> None:
    """Return a passage to "not yet coded" once the coder's last code on it is gone."""
    # A passage with no code is "nothing applies" only when the coder says so by marking it
    # done afterwards.
    params = {"p_passage": passage_id, "p_coder": coder.id, "p_now": utcnow()}
    if session.connection().execute(sql.STATE_REOPEN, params).first() is not None:
        after = {"coded": False, "reason": "last code removed"}
        log_change(session, project, coder, passage_id, "passage_state", "reopen", after=after)


def set_done(
    session: Session, project: Project, coder: User, passage_id: int, coded: bool
) -> Passage:
    """Mark a passage coded by this coder (codes or "nothing applies"), or reopen it."""
    passage = codable_passage(session, project, passage_id)
    if mark_state(session, project, passage, coder, coded):
        action = "done" if coded else "reopen"
        log_change(
            session, project, coder, passage.id, "passage_state", action, after={"coded": coded}
        )
    return passage


def set_passage_memo(
    session: Session, project: Project, coder: User, passage_id: int, memo: str, *, limit: int
) -> None:
    """Save the coder's memo on a passage (kept with their state, not as a coding)."""
    passage = get_passage(session, project, passage_id)
    memo = check_memo(memo, limit)
    if _upsert(session, project, passage.id, coder, memo=memo):
        before = ""
    else:
        state = _current(session, passage.id, coder)
        before = state.memo or ""
        if before != memo:
            params = {"p_id": state.id, "p_memo": memo, "p_now": utcnow()}
            session.connection().execute(sql.STATE_MEMO, params)
    if before != memo:
        log_change(
            session,
            project,
            coder,
            passage.id,
            "passage_memo",
            "memo",
            before={"memo": before},
            after={"memo": memo},
        )
