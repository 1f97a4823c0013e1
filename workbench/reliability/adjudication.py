"""Adjudication: coders' codings resolved into the consensus layer (see ``disagreements``).

- The lead may resolve any passage that somebody has coded: a disagreement, or a passage the
  coders agreed on (to confirm or correct it). A passage nobody has coded is refused, because
  there is nothing to adjudicate; a non-codable passage too.
- Resolving replaces the passage's consensus (codes and stances) and marks it adjudicated,
  possibly to "no code applies". Every resolve, adopt, accept and reopen is recorded in the
  history with entity "consensus" and the consensus before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents.catalog import get_passage
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.models._common import utcnow
from workbench.reliability import disagreements
from workbench.reliability import records as agreement_data
from workbench.reliability.records import differing_codes

NOTE_LIMIT = 20_000


def _insert(session: Session, table: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _snapshot(session: Session, passage_id: int, paths: dict[int, str]) -> dict[str, Any] | None:
    state = session.execute(
        select(ConsensusState.id, ConsensusState.memo).where(
            ConsensusState.passage_id == passage_id
        )
    ).first()
    if state is None:
        return None
    rows = session.execute(
        select(ConsensusAnnotation.code_id, ConsensusAnnotation.stance)
        .where(ConsensusAnnotation.passage_id == passage_id)
        .order_by(ConsensusAnnotation.code_id)
    ).all()
    out: dict[str, Any] = {
        "codes": [{"code_id": c, "code": paths.get(c, str(c)), "stance": s} for c, s in rows]
    }
    if state.memo:
        out["memo"] = state.memo
    return out


@dataclass(frozen=True, slots=True)
class _Decision:
    """How a consensus is reached: the history action, its round, what the event adds, the memo."""

    action: str
    round_id: int | None
    extra: dict[str, Any] | None = None
    memo: str | None = None  # None keeps the consensus memo the passage has


def _write(
    session: Session,
    project: Project,
    actor: User,
    passage: Passage,
    chosen: list[tuple[int, int | None, str]],  # (code id, stance, memo)
    decision: _Decision,
) -> ConsensusState:
    """Replace the passage's consensus as the decision says."""
    round_id, memo = decision.round_id, decision.memo
    paths = codebooks.code_paths(codebooks.all_codes(session, project))
    now = utcnow()
    inserted = (
        session.execute(
            _insert(session, ConsensusState)
            .values(
                project_id=project.id,
                passage_id=passage.id,
                resolved_by_id=actor.id,
                resolved_at=now,
                round_id=round_id,
            )
            .on_conflict_do_nothing(index_elements=["passage_id"])
            .returning(ConsensusState.id)
        ).first()
        is not None
    )
    # The row lock serialises two leads resolving the same passage (PostgreSQL; SQLite writes
    # are serialised already).
    state = session.scalar(
        select(ConsensusState).where(ConsensusState.passage_id == passage.id).with_for_update()
    )
    assert state is not None
    before = None if inserted else _snapshot(session, passage.id, paths)
    session.execute(delete(ConsensusAnnotation).where(ConsensusAnnotation.passage_id == passage.id))
    for code_id, stance, code_memo in chosen:
        session.add(
            ConsensusAnnotation(
                project_id=project.id,
                passage_id=passage.id,
                code_id=code_id,
                stance=stance,
                memo=code_memo,
                resolved_by_id=actor.id,
                resolved_at=now,
            )
        )
    state.resolved_by_id = actor.id
    state.resolved_at = now
    if memo is not None:
        state.memo = memo
    if round_id is not None:
        state.round_id = round_id
    session.flush()
    after = (_snapshot(session, passage.id, paths) or {"codes": []}) | (decision.extra or {})
    change = audit.Change("consensus", decision.action, before, after, state.id, passage.id)
    audit.record(session, project.id, actor, change)
    return state


def _check_coded(session: Session, passage: Passage) -> None:
    coded = session.scalar(
        select(PassageState.id).where(
            PassageState.passage_id == passage.id, PassageState.coded.is_(True)
        )
    )
    if coded is None:
        raise ValidationError(
            _(
                "Nobody has coded passage %(passage)s yet: there is nothing to adjudicate.",
                passage=passage.id,
            )
        )


def _codable(session: Session, project: Project, passage_id: int, round_id: int | None) -> Passage:
    """The passage to adjudicate: of this project (and round, if given) and codable."""
    passage = get_passage(session, project, passage_id)
    disagreements.check_in_round(session, project, round_id, passage_id)
    if not passage.codable:
        raise ValidationError(_("This passage is marked not codable."))
    return passage


def resolve(
    session: Session,
    project: Project,
    actor: User,
    passage_id: int,
    codes: dict[int, int | None],
    *,
    note: str = "",
    round_id: int | None = None,
) -> ConsensusState:
    """Set the passage's consensus to these codes and stances (none: "no code applies")."""
    passage = _codable(session, project, passage_id, round_id)
    _check_coded(session, passage)
    note = coding.check_memo(note, NOTE_LIMIT)
    chosen: list[tuple[int, int | None, str]] = []
    kept: dict[int, str] = {
        int(cid): str(memo)
        for cid, memo in session.execute(
            select(ConsensusAnnotation.code_id, ConsensusAnnotation.memo).where(
                ConsensusAnnotation.passage_id == passage_id
            )
        )
    }
    for code_id, stance in codes.items():
        _, code = coding.load_target(session, project, passage_id, code_id)
        checked = coding.check_stance(project, code, stance)
        chosen.append((code.id, checked, kept.get(code_id, "")))
    # The note is the consensus memo: kept with the consensus, shown and exported with it.
    decision = _Decision("resolve", round_id, {"note": note} if note else None, memo=note)
    return _write(session, project, actor, passage, chosen, decision)


def adopt(
    session: Session,
    project: Project,
    actor: User,
    passage_id: int,
    coder_id: int,
    *,
    round_id: int | None = None,
) -> ConsensusState:
    """Take one coder's coding of the passage (codes, stances, memos) as its consensus."""
    passage = _codable(session, project, passage_id, round_id)
    coder = session.get(User, coder_id)
    coded = session.scalar(
        select(PassageState.id).where(
            PassageState.passage_id == passage_id,
            PassageState.coder_id == coder_id,
            PassageState.coded.is_(True),
        )
    )
    if coder is None or coded is None:
        raise ValidationError(_("That coder has not marked this passage coded."))
    rows = session.execute(
        select(Code, Annotation.stance, Annotation.memo)
        .join(Annotation, Annotation.code_id == Code.id)
        .where(
            Annotation.passage_id == passage_id,
            Annotation.coder_id == coder_id,
            Code.deleted_at.is_(None),
            Code.is_codable.is_(True),
        )
    ).all()
    chosen = [(c.id, s if c.takes_stance else None, m or "") for c, s, m in rows]
    decision = _Decision("adopt", round_id, {"from_coder": coder.username})
    return _write(session, project, actor, passage, chosen, decision)


def reopen(session: Session, project: Project, actor: User, passage_id: int) -> bool:
    """Remove the passage's consensus (idempotent); return whether there was one."""
    passage = get_passage(session, project, passage_id)
    paths = codebooks.code_paths(codebooks.all_codes(session, project))
    before = _snapshot(session, passage.id, paths)
    if before is None:
        return False
    state_id = session.scalar(
        select(ConsensusState.id).where(ConsensusState.passage_id == passage.id)
    )
    session.execute(delete(ConsensusAnnotation).where(ConsensusAnnotation.passage_id == passage.id))
    session.execute(delete(ConsensusState).where(ConsensusState.passage_id == passage.id))
    change = audit.Change("consensus", "reopen", before, entity_id=state_id, passage_id=passage.id)
    audit.record(session, project.id, actor, change)
    return True


def accept_agreed(session: Session, project: Project, actor: User, rnd: ReliabilityRound) -> int:
    """Take the shared coding of round passages every coder coded alike (>= 2 coders) as their
    consensus, where none is set; return how many were accepted."""
    scope = agreement_data.scope_for(session, project, round_id=rnd.id)
    code_ids = {path: cid for cid, path in agreement_data.report_codes(session, project)}
    done = agreement_data.adjudicated_ids(session, project, scope)
    accepted = 0
    for pid, codings in sorted(agreement_data.passage_codings(session, project, scope).items()):
        if pid in done or len(codings) < 2 or differing_codes(codings):
            continue
        shared = next(iter(codings.values()))
        chosen = [
            (code_ids[path], None if stance is None else int(stance), "")
            for path, stance in shared.items()
        ]
        passage = get_passage(session, project, int(pid))
        _write(session, project, actor, passage, chosen, _Decision("accept", rnd.id))
        accepted += 1
    return accepted
