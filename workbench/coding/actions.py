"""Coding use cases: apply and remove codes, with stance, memo and span; the passage state.

Applying is idempotent: the (passage, coder, code) triple is unique in the schema and the insert
is an upsert, so a double click or a second tab never makes a duplicate or an error. This is the
hot path of the workbench: it reads codes from the per-version code index, writes with the
prebuilt statements of ``coding.statements`` and keeps round trips to a minimum.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from workbench.codebooks.code_index import CodeSnapshot
from workbench.codebooks.code_index import code_index
from workbench.coding import statements as sql
from workbench.coding.passage_state import log_change
from workbench.coding.passage_state import mark_state
from workbench.coding.passage_state import reopen_if_uncoded
from workbench.coding.passage_state import set_done
from workbench.coding.passage_state import set_passage_memo
from workbench.coding.statements import Ann
from workbench.coding.targets import Span
from workbench.coding.targets import check_memo
from workbench.coding.targets import check_span
from workbench.coding.targets import check_stance
from workbench.coding.targets import get_code
from workbench.coding.targets import get_passage
from workbench.coding.targets import load_target
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User
from workbench.models._common import utcnow

# The coding services under one name: callers write ``coding.apply_code``, ``coding.set_done``.
__all__ = [
    "Span",
    "apply_code",
    "check_memo",
    "check_stance",
    "get_code",
    "get_passage",
    "load_target",
    "mark_state",
    "remove_code",
    "set_done",
    "set_passage_memo",
    "toggle_code",
]

_UNSET: Any = object()


@dataclass(frozen=True)
class _Changes:
    """What an application sets besides the code itself; unset fields keep what is stored."""

    stance: int | None = _UNSET
    memo: str | None = None
    span: Span | None = _UNSET
    codebook_version: int = 0
    memo_limit: int = 20_000


def _snapshot(ann: Ann) -> dict[str, Any]:
    return {
        "code_id": ann.code_id,
        "stance": ann.stance,
        "memo": ann.memo,
        "span": [ann.span_start, ann.span_end] if ann.span_start is not None else None,
    }


def _log(
    session: Session,
    project: Project,
    coder: User,
    passage_id: int,
    action: str,
    ann_id: int,
    **states: dict[str, Any] | None,
) -> None:
    """Record a change to one annotation: its state before and after, as the history keeps it."""
    log_change(
        session, project, coder, passage_id, "annotation", action, entity_id=ann_id, **states
    )


def _existing(session: Session, passage_id: int, coder_id: int, code_id: int) -> Ann | None:
    params = {"p_passage": passage_id, "p_coder": coder_id, "p_code": code_id}
    row = session.connection().execute(sql.EXISTING, params).first()
    return Ann._make(row) if row is not None else None


def apply_code(
    session: Session,
    project: Project,
    coder: User,
    passage_id: int,
    code_id: int,
    *,
    stance: int | None = _UNSET,
    memo: str | None = None,
    span: Span | None = _UNSET,
    codebook_version: int = 0,
    memo_limit: int = 20_000,
) -> int:
    """Apply a code to a passage (idempotent); optional stance, memo and span update it.

    Returns the annotation's id.
    """
    passage, code = load_target(session, project, passage_id, code_id)
    changes = _Changes(stance, memo, span, codebook_version, memo_limit)
    return _apply(session, project, coder, passage, code, changes)


def _values(project: Project, fresh: Ann, codebook_version: int, now: Any) -> dict[str, Any]:
    """The parameters of an annotation's insert, for a new application ``fresh``."""
    return {
        "project_id": project.id,
        "passage_id": fresh.passage_id,
        "coder_id": fresh.coder_id,
        "code_id": fresh.code_id,
        "stance": fresh.stance,
        "memo": fresh.memo,
        "span_start": fresh.span_start,
        "span_end": fresh.span_end,
        "codebook_version": codebook_version,
        "code_revision": fresh.code_revision,
        "created_at": now,
        "updated_at": now,
    }


def _apply(
    session: Session,
    project: Project,
    coder: User,
    passage: Passage,
    code: CodeSnapshot,
    changes: _Changes,
) -> int:
    stance, span, memo = changes.stance, changes.span, changes.memo
    if stance is not _UNSET:
        stance = check_stance(project, code, stance)
    if span is not _UNSET:
        span = check_span(passage, span)
    if memo is not None:
        memo = check_memo(memo, changes.memo_limit)
    conn = session.connection()
    now = utcnow()
    fresh = Ann(
        0,
        passage.id,
        coder.id,
        code.id,
        None if stance is _UNSET else stance,
        memo or "",
        None if span is _UNSET or span is None else span.start,
        None if span is _UNSET or span is None else span.end,
        code.revision,
    )
    values = _values(project, fresh, changes.codebook_version, now)
    postgresql = conn.dialect.name == "postgresql"
    if postgresql:
        # One round trip: the upsert, its history event and the passage's state together.
        history = sql.history_params(
            project.id, coder.id, passage.id, "apply", after=_snapshot(fresh)
        )
        new_id = conn.execute(sql.LOGGED_APPLY, values | history).scalar()
    else:
        new_id = conn.execute(sql.ANN_UPSERT, values).scalar()
        if new_id is not None:
            _log(session, project, coder, passage.id, "apply", int(new_id), after=_snapshot(fresh))
    if new_id is not None:
        ann_id = int(new_id)
    else:
        old = _existing(session, passage.id, coder.id, code.id)
        assert old is not None
        new = old._replace(
            stance=old.stance if stance is _UNSET else stance,
            memo=old.memo if memo is None else memo,
            span_start=old.span_start if span is _UNSET else (span.start if span else None),
            span_end=old.span_end if span is _UNSET else (span.end if span else None),
        )
        before, after = _snapshot(old), _snapshot(new)
        if after != before:
            # Changing a coding under a newer definition confirms it under that definition.
            conn.execute(
                sql.UPDATE,
                {
                    "p_id": old.id,
                    "p_stance": new.stance,
                    "p_memo": new.memo,
                    "p_span_start": new.span_start,
                    "p_span_end": new.span_end,
                    "p_revision": code.revision,
                    "p_version": changes.codebook_version,
                    "p_now": now,
                },
            )
            _log(session, project, coder, passage.id, "update", old.id, before=before, after=after)
        ann_id = old.id
    if not postgresql:  # PostgreSQL marked it in LOGGED_APPLY
        mark_state(session, project, passage, coder, True)
    return ann_id


def _remove(session: Session, project: Project, coder: User, passage_id: int, ann: Ann) -> None:
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # One round trip: the delete and its history event in one statement.
        history = sql.history_params(
            project.id, coder.id, passage_id, "remove", before=_snapshot(ann)
        )
        conn.execute(sql.LOGGED_DELETE, {"p_id": ann.id} | history)
    else:
        _log(session, project, coder, passage_id, "remove", ann.id, before=_snapshot(ann))
        conn.execute(sql.DELETE, {"p_id": ann.id})
    reopen_if_uncoded(session, project, coder, passage_id)


def remove_code(
    session: Session, project: Project, coder: User, passage_id: int, code_id: int
) -> bool:
    """Remove the coder's application of a code (idempotent); return whether one was removed."""
    get_passage(session, project, passage_id)
    if code_index(session, project.id).by_id.get(code_id) is None:
        raise NotFound(_("Code %(id)s is not in this project's codebook.", id=code_id))
    ann = _existing(session, passage_id, coder.id, code_id)
    if ann is None:
        return False
    _remove(session, project, coder, passage_id, ann)
    return True


def toggle_code(
    session: Session,
    project: Project,
    coder: User,
    passage_id: int,
    code_id: int,
    *,
    codebook_version: int = 0,
) -> bool:
    """Apply the code if the coder has not, remove it if they have; return whether it is now on."""
    passage, code = load_target(session, project, passage_id, code_id)
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # One round trip instead of two or three: the test, the write, its history and the
        # passage's state together (statements.LOGGED_TOGGLE).
        fresh = Ann(0, passage.id, coder.id, code.id, None, "", None, None, code.revision)
        values = _values(project, fresh, codebook_version, utcnow())
        return bool(
            conn.execute(sql.LOGGED_TOGGLE, values | {"h_after": _snapshot(fresh)}).scalar()
        )
    ann = _existing(session, passage.id, coder.id, code.id)
    if ann is not None:
        _remove(session, project, coder, passage.id, ann)
        return False
    _apply(session, project, coder, passage, code, _Changes(codebook_version=codebook_version))
    return True
