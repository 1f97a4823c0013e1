"""Coding use cases: apply and remove codes, stance, memos, spans, the coder's passage state.

Applying is idempotent: the (passage, coder, code) triple is unique in the schema and the insert
is an upsert, so a double click or a second tab never makes a duplicate or an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workbench.models import Annotation, Code, Passage, PassageState, Project, User
from workbench.models._common import utcnow
from workbench.services import audit
from workbench.services.errors import Forbidden, NotFound, ValidationError

_UNSET: Any = object()


@dataclass(frozen=True)
class Span:
    """A selection inside a passage, in code points: start inclusive, end exclusive."""

    start: int
    end: int


def _insert(session: Session, table: Any) -> Any:
    # Both dialects have INSERT ... ON CONFLICT DO NOTHING; it makes the upsert race-free.
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def load_target(
    session: Session, project: Project, passage_id: int, code_id: int
) -> tuple[Passage, Code]:
    """Return the passage and the code, refusing ones from other projects or deleted codes."""
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(f"Passage {passage_id} is not in this project.")
    code = session.get(Code, code_id)
    if code is None or code.project_id != project.id or code.deleted_at is not None:
        raise NotFound(f"Code {code_id} is not in this project's codebook.")
    if not code.is_codable:
        raise ValidationError(f"'{code.name}' is a folder of codes and cannot be applied.")
    if not passage.codable:
        raise ValidationError("This passage is marked not codable.")
    return passage, code


def check_stance(project: Project, code: Code, stance: int | None) -> int | None:
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


def _snapshot(ann: Annotation) -> dict[str, Any]:
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
    stmt = (
        _insert(session, PassageState)
        .values(
            project_id=project.id,
            passage_id=passage.id,
            coder_id=coder.id,
            coded=coded,
            memo="",
            updated_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["passage_id", "coder_id"])
        .returning(PassageState.id)
    )
    # RETURNING tells reliably whether the row was new; rowcount is -1 through the ORM on psycopg.
    if session.execute(stmt).first() is not None:
        return True
    state = session.scalar(
        select(PassageState).where(
            PassageState.passage_id == passage.id, PassageState.coder_id == coder.id
        )
    )
    assert state is not None
    if state.coded == coded:
        return False
    state.coded = coded
    state.updated_at = utcnow()
    return True


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
) -> Annotation:
    """Apply a code to a passage (idempotent); optional stance, memo and span update it."""
    passage, code = load_target(session, project, passage_id, code_id)
    if stance is not _UNSET:
        stance = check_stance(project, code, stance)
    if span is not _UNSET:
        span = check_span(passage, span)
    if memo is not None:
        memo = check_memo(memo, memo_limit)
    now = utcnow()
    inserted = (
        session.execute(
            _insert(session, Annotation)
            .values(
                project_id=project.id,
                passage_id=passage.id,
                coder_id=coder.id,
                code_id=code.id,
                stance=None if stance is _UNSET else stance,
                memo=memo or "",
                span_start=None if span is _UNSET or span is None else span.start,
                span_end=None if span is _UNSET or span is None else span.end,
                codebook_version=codebook_version,
                code_revision=code.revision,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["passage_id", "coder_id", "code_id"])
            .returning(Annotation.id)
        ).first()
        is not None
    )
    ann = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == passage.id,
            Annotation.coder_id == coder.id,
            Annotation.code_id == code.id,
        )
    )
    assert ann is not None
    if inserted:
        audit.record(
            session,
            project_id=project.id,
            actor=coder,
            entity="annotation",
            entity_id=ann.id,
            passage_id=passage.id,
            action="apply",
            after=_snapshot(ann),
        )
    else:
        before = _snapshot(ann)
        if stance is not _UNSET:
            ann.stance = stance
        if memo is not None:
            ann.memo = memo
        if span is not _UNSET:
            ann.span_start, ann.span_end = (span.start, span.end) if span else (None, None)
        after = _snapshot(ann)
        if after != before:
            # Re-applying under a newer definition confirms the coding under that definition.
            ann.code_revision = code.revision
            ann.codebook_version = codebook_version
            ann.updated_at = now
            audit.record(
                session,
                project_id=project.id,
                actor=coder,
                entity="annotation",
                entity_id=ann.id,
                passage_id=passage.id,
                action="update",
                before=before,
                after=after,
            )
    mark_state(session, project, passage, coder, True)
    return ann


def remove_code(
    session: Session, project: Project, coder: User, passage_id: int, code_id: int
) -> bool:
    """Remove the coder's application of a code (idempotent); return whether one was removed."""
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(f"Passage {passage_id} is not in this project.")
    ann = session.scalar(
        select(Annotation).where(
            Annotation.passage_id == passage_id,
            Annotation.coder_id == coder.id,
            Annotation.code_id == code_id,
        )
    )
    if ann is None:
        code = session.get(Code, code_id)
        if code is None or code.project_id != project.id:
            raise NotFound(f"Code {code_id} is not in this project's codebook.")
        return False
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
    session.execute(delete(Annotation).where(Annotation.id == ann.id))
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
    exists = session.scalar(
        select(Annotation.id).where(
            Annotation.passage_id == passage_id,
            Annotation.coder_id == coder.id,
            Annotation.code_id == code_id,
        )
    )
    if exists:
        remove_code(session, project, coder, passage_id, code_id)
        return False
    apply_code(session, project, coder, passage_id, code_id, codebook_version=codebook_version)
    return True


def set_done(
    session: Session, project: Project, coder: User, passage_id: int, coded: bool
) -> Passage:
    """Mark a passage coded by this coder (codes or "nothing applies"), or reopen it."""
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(f"Passage {passage_id} is not in this project.")
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
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(f"Passage {passage_id} is not in this project.")
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


def require_coder_access(role: str, coder: User, target_coder_id: int) -> None:
    """Only the coder themself writes their layer; a lead may not code in someone's name."""
    if coder.id != target_coder_id:
        raise Forbidden("You can only change your own codings.")
