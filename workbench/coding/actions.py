"""Coding use cases: apply and remove codes, stance, memos, spans, the coder's passage state.

Applying is idempotent: the (passage, coder, code) triple is unique in the schema and the insert
is an upsert, so a double click or a second tab never makes a duplicate or an error. This is the
hot path of the workbench: it reads codes from the per-version code index and keeps round trips
to a minimum.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks.code_index import CodeSnapshot, code_index
from workbench.core.errors import NotFound, ValidationError
from workbench.models import Annotation, Passage, PassageState, Project, User
from workbench.models._common import utcnow

_UNSET: Any = object()


@dataclass(frozen=True)
class Span:
    """A selection inside a passage, in code points: start inclusive, end exclusive."""

    start: int
    end: int


def get_passage(session: Session, project: Project, passage_id: int) -> Passage:
    """Return a passage of this project or raise NotFound."""
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(f"Passage {passage_id} is not in this project.")
    return passage


def get_code(session: Session, project: Project, code_id: int) -> CodeSnapshot:
    """Return a live, applicable code of this project or raise NotFound / ValidationError."""
    code = code_index(session, project.id).by_id.get(code_id)
    if code is None or code.deleted:
        raise NotFound(f"Code {code_id} is not in this project's codebook.")
    if not code.is_codable:
        raise ValidationError(f"'{code.name}' is a folder of codes and cannot be applied.")
    return code


def load_target(
    session: Session, project: Project, passage_id: int, code_id: int
) -> tuple[Passage, CodeSnapshot]:
    """Return the passage and the code, refusing ones from other projects or deleted codes."""
    passage = get_passage(session, project, passage_id)
    code = get_code(session, project, code_id)
    if not passage.codable:
        raise ValidationError("This passage is marked not codable.")
    return passage, code


def check_stance(project: Project, code: CodeSnapshot, stance: int | None) -> int | None:
    """Validate a stance value against the project's scale."""
    if stance is None:
        return None
    if not code.takes_stance:
        raise ValidationError(f"'{code.name}' takes no stance.")
    allowed = {int(s["value"]) for s in project.stance_scale}
    if stance not in allowed:
        values = ", ".join(str(v) for v in sorted(allowed))
        raise ValidationError(f"Stance {stance} is outside the scale ({values}).")
    return stance


def check_memo(memo: str, limit: int) -> str:
    """Refuse memos over the configured size."""
    if len(memo) > limit:
        raise ValidationError(
            f"Memos are limited to {limit:,} characters; this one has {len(memo):,}."
        )
    return memo


def check_span(passage: Passage, span: Span | None) -> Span | None:
    """Validate a span against the passage text (code-point offsets)."""
    if span is None:
        return None
    length = len(passage.text)
    if not (0 <= span.start < span.end <= length):
        raise ValidationError(
            f"The selection {span.start}-{span.end} lies outside the passage (0-{length})."
        )
    return span


class _Ann(NamedTuple):
    id: int
    code_id: int
    stance: int | None
    memo: str
    span_start: int | None
    span_end: int | None
    code_revision: int


_ANN = cast(Table, Annotation.__table__)
_STATE = cast(Table, PassageState.__table__)
# Prebuilt statements: building a select() costs more than running it on SQLite.
_EXISTING = select(
    _ANN.c.id,
    _ANN.c.code_id,
    _ANN.c.stance,
    _ANN.c.memo,
    _ANN.c.span_start,
    _ANN.c.span_end,
    _ANN.c.code_revision,
).where(
    _ANN.c.passage_id == bindparam("p_passage"),
    _ANN.c.coder_id == bindparam("p_coder"),
    _ANN.c.code_id == bindparam("p_code"),
)
_UPDATE = (
    update(_ANN)
    .where(_ANN.c.id == bindparam("p_id"))
    .values(
        stance=bindparam("p_stance"),
        memo=bindparam("p_memo"),
        span_start=bindparam("p_span_start"),
        span_end=bindparam("p_span_end"),
        code_revision=bindparam("p_revision"),
        codebook_version=bindparam("p_version"),
        updated_at=bindparam("p_now"),
    )
)
_DELETE = delete(_ANN).where(_ANN.c.id == bindparam("p_id"))
_LEFT = (
    select(_ANN.c.id)
    .where(_ANN.c.passage_id == bindparam("p_passage"), _ANN.c.coder_id == bindparam("p_coder"))
    .limit(1)
)
_STATE_GET = select(_STATE.c.id, _STATE.c.coded).where(
    _STATE.c.passage_id == bindparam("p_passage"), _STATE.c.coder_id == bindparam("p_coder")
)
_STATE_SET = (
    update(_STATE)
    .where(_STATE.c.id == bindparam("p_id"))
    .values(coded=bindparam("p_coded"), updated_at=bindparam("p_now"))
)


@functools.cache
def _upserts(dialect: str) -> tuple[Any, Any]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING id, for annotations and passage states."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    ann = (
        insert(_ANN)
        .on_conflict_do_nothing(index_elements=["passage_id", "coder_id", "code_id"])
        .returning(_ANN.c.id)
    )
    state = (
        insert(_STATE)
        .on_conflict_do_nothing(index_elements=["passage_id", "coder_id"])
        .returning(_STATE.c.id)
    )
    return ann, state


def _snapshot(ann: _Ann) -> dict[str, Any]:
    return {
        "code_id": ann.code_id,
        "stance": ann.stance,
        "memo": ann.memo,
        "span": [ann.span_start, ann.span_end] if ann.span_start is not None else None,
    }


def mark_state(
    session: Session, project: Project, passage: Passage, coder: User, coded: bool
) -> bool:
    """Set the coder's state of a passage; return whether it changed."""
    conn = session.connection()
    now = utcnow()
    _ann_insert, state_insert = _upserts(conn.dialect.name)
    row = {
        "project_id": project.id,
        "passage_id": passage.id,
        "coder_id": coder.id,
        "coded": coded,
        "memo": "",
        "updated_at": now,
    }
    # RETURNING tells reliably whether the row was new (rowcount does not, on every driver).
    if conn.execute(state_insert, row).first() is not None:
        return True
    state = conn.execute(_STATE_GET, {"p_passage": passage.id, "p_coder": coder.id}).one()
    if state.coded == coded:
        return False
    conn.execute(_STATE_SET, {"p_id": state.id, "p_coded": coded, "p_now": now})
    return True


def _existing(session: Session, passage_id: int, coder_id: int, code_id: int) -> _Ann | None:
    row = (
        session.connection()
        .execute(_EXISTING, {"p_passage": passage_id, "p_coder": coder_id, "p_code": code_id})
        .first()
    )
    return _Ann(*row) if row is not None else None


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
    return _apply(
        session,
        project,
        coder,
        passage,
        code,
        stance=stance,
        memo=memo,
        span=span,
        codebook_version=codebook_version,
        memo_limit=memo_limit,
    )


def _apply(
    session: Session,
    project: Project,
    coder: User,
    passage: Passage,
    code: CodeSnapshot,
    *,
    stance: int | None = _UNSET,
    memo: str | None = None,
    span: Span | None = _UNSET,
    codebook_version: int = 0,
    memo_limit: int = 20_000,
) -> int:
    if stance is not _UNSET:
        stance = check_stance(project, code, stance)
    if span is not _UNSET:
        span = check_span(passage, span)
    if memo is not None:
        memo = check_memo(memo, memo_limit)
    conn = session.connection()
    now = utcnow()
    ann_insert, _state_insert = _upserts(conn.dialect.name)
    fresh = _Ann(
        0,
        code.id,
        None if stance is _UNSET else stance,
        memo or "",
        None if span is _UNSET or span is None else span.start,
        None if span is _UNSET or span is None else span.end,
        code.revision,
    )
    new_id = conn.execute(
        ann_insert,
        {
            "project_id": project.id,
            "passage_id": passage.id,
            "coder_id": coder.id,
            "code_id": code.id,
            "stance": fresh.stance,
            "memo": fresh.memo,
            "span_start": fresh.span_start,
            "span_end": fresh.span_end,
            "codebook_version": codebook_version,
            "code_revision": code.revision,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar()
    if new_id is not None:
        audit.record(
            session,
            project_id=project.id,
            actor=coder,
            entity="annotation",
            entity_id=new_id,
            passage_id=passage.id,
            action="apply",
            after=_snapshot(fresh),
        )
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
                _UPDATE,
                {
                    "p_id": old.id,
                    "p_stance": new.stance,
                    "p_memo": new.memo,
                    "p_span_start": new.span_start,
                    "p_span_end": new.span_end,
                    "p_revision": code.revision,
                    "p_version": codebook_version,
                    "p_now": now,
                },
            )
            audit.record(
                session,
                project_id=project.id,
                actor=coder,
                entity="annotation",
                entity_id=old.id,
                passage_id=passage.id,
                action="update",
                before=before,
                after=after,
            )
        ann_id = old.id
    mark_state(session, project, passage, coder, True)
    return ann_id


def _remove(session: Session, project: Project, coder: User, passage_id: int, ann: _Ann) -> None:
    audit.record(
        session,
        project_id=project.id,
        actor=coder,
        entity="annotation",
        entity_id=ann.id,
        passage_id=passage_id,
        action="remove",
        before=_snapshot(ann),
    )
    conn = session.connection()
    conn.execute(_DELETE, {"p_id": ann.id})
    # Removing the coder's last code returns the passage to "not yet coded": a passage with no
    # code is "nothing applies" only when the coder says so by marking it done afterwards.
    params = {"p_passage": passage_id, "p_coder": coder.id}
    if conn.execute(_LEFT, params).first() is not None:
        return
    state = conn.execute(_STATE_GET, params).first()
    if state is not None and state.coded:
        conn.execute(_STATE_SET, {"p_id": state.id, "p_coded": False, "p_now": utcnow()})
        audit.record(
            session,
            project_id=project.id,
            actor=coder,
            entity="passage_state",
            passage_id=passage_id,
            action="reopen",
            after={"coded": False, "reason": "last code removed"},
        )


def remove_code(
    session: Session, project: Project, coder: User, passage_id: int, code_id: int
) -> bool:
    """Remove the coder's application of a code (idempotent); return whether one was removed."""
    get_passage(session, project, passage_id)
    if code_index(session, project.id).by_id.get(code_id) is None:
        raise NotFound(f"Code {code_id} is not in this project's codebook.")
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
    ann = _existing(session, passage.id, coder.id, code.id)
    if ann is not None:
        _remove(session, project, coder, passage.id, ann)
        return False
    _apply(session, project, coder, passage, code, codebook_version=codebook_version)
    return True


def set_done(
    session: Session, project: Project, coder: User, passage_id: int, coded: bool
) -> Passage:
    """Mark a passage coded by this coder (codes or "nothing applies"), or reopen it."""
    passage = get_passage(session, project, passage_id)
    if not passage.codable:
        raise ValidationError("This passage is marked not codable.")
    if mark_state(session, project, passage, coder, coded):
        audit.record(
            session,
            project_id=project.id,
            actor=coder,
            entity="passage_state",
            passage_id=passage.id,
            action="done" if coded else "reopen",
            after={"coded": coded},
        )
    return passage


def set_passage_memo(
    session: Session, project: Project, coder: User, passage_id: int, memo: str, *, limit: int
) -> None:
    """Save the coder's memo on a passage (kept with their state, not as a coding)."""
    passage = get_passage(session, project, passage_id)
    memo = check_memo(memo, limit)
    state = session.scalar(
        select(PassageState).where(
            PassageState.passage_id == passage.id, PassageState.coder_id == coder.id
        )
    )
    if state is None:
        state = PassageState(
            project_id=project.id, passage_id=passage.id, coder_id=coder.id, coded=False
        )
        session.add(state)
    before = state.memo or ""
    if before != memo:
        state.memo = memo
        state.updated_at = utcnow()
        audit.record(
            session,
            project_id=project.id,
            actor=coder,
            entity="passage_memo",
            passage_id=passage.id,
            action="memo",
            before={"memo": before},
            after={"memo": memo},
        )
