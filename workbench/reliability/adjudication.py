"""Disagreements and adjudication: coders' codings side by side, resolved into the consensus layer.

- A disagreement is a codable passage coded by at least two coders of the scope (a round's
  chosen coders, or everyone) whose code sets or stances differ.
- The lead may resolve any passage that somebody has coded: a disagreement, or a passage the
  coders agreed on (to confirm or correct it). A passage nobody has coded is refused, because
  there is nothing to adjudicate; a non-codable passage too.
- Resolving replaces the passage's consensus (codes and stances) and marks it adjudicated,
  possibly to "no code applies". Every resolve, adopt, accept and reopen is recorded in the
  history with entity "consensus" and the consensus before and after.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.core.errors import NotFound, ValidationError
from workbench.models import (
    Annotation,
    Code,
    ConsensusAnnotation,
    ConsensusState,
    Document,
    Passage,
    PassageState,
    Project,
    ReliabilityRound,
    User,
)
from workbench.models._common import utcnow
from workbench.reliability import records as agreement_data
from workbench.reliability.adjudication_notes import CoderNotes, notes_for
from workbench.reliability.records import Scope, differing_codes, in_scope, scoped

STATUSES = ("open", "resolved", "all")
PER_PAGE = 25
NOTE_LIMIT = 20_000

Codings = dict[str, dict[str, Any]]  # coder -> {code path: stance}


@dataclass
class CoderColumn:
    """A coder as the browser shows them: by name, or as "Coder A" when names are hidden."""

    user_id: int
    username: str
    label: str


@dataclass
class Item:
    """One passage with every coder's codings, where they differ, and its consensus."""

    passage_id: int
    document_title: str
    ordinal: int
    text: str
    speaker: str | None
    delegation: str | None
    language: str | None
    original_language: str | None
    codings: Codings
    differing: set[str]
    consensus: dict[str, Any] | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    codes: list[str] = field(default_factory=list)  # rows of the side-by-side table
    notes: dict[str, CoderNotes] = field(default_factory=dict)  # coder -> memos and spans
    consensus_memo: str = ""

    @property
    def status(self) -> str:
        """resolved, disagreement, agreed (coders coded alike) or single (one coder)."""
        if self.consensus is not None:
            return "resolved"
        if self.differing:
            return "disagreement"
        return "agreed" if len(self.codings) >= 2 else "single"

    @property
    def proposal(self) -> dict[str, Any]:
        """Where the edit form starts: the consensus, else the codes every coder applied (with
        their stance where all agree)."""
        if self.consensus is not None:
            return self.consensus
        if not self.codings:
            return {}
        shared = set.intersection(*(set(c) for c in self.codings.values()))
        out: dict[str, Any] = {}
        for code in shared:
            stances = {c[code] for c in self.codings.values()}
            out[code] = stances.pop() if len(stances) == 1 else None
        return out


@dataclass
class Browser:
    """A page of the disagreement browser."""

    items: list[Item]
    total: int
    coders: list[CoderColumn]
    codes: list[tuple[int, str]]
    page: int
    pages: int
    open_count: int
    resolved_count: int


def _letters(i: int) -> str:
    out = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        out = chr(65 + rest) + out
    return out


def coder_columns(
    session: Session, project: Project, scope: Scope, *, hide_names: bool
) -> list[CoderColumn]:
    """Every coder with a coded passage in the scope, by username; "Coder A" when hidden."""
    coders = select(PassageState.coder_id).where(PassageState.coded.is_(True)).distinct()
    if scope.coder_ids is not None:
        coders = coders.where(PassageState.coder_id.in_(scope.coder_ids))
    where = Scope(round_id=scope.round_id, doc_ids=scope.doc_ids)
    coders = scoped(coders, PassageState.passage_id, PassageState.project_id, project, where)
    rows = sorted(
        session.execute(
            select(User.id, User.username, User.display_name).where(
                User.id.in_(coders.scalar_subquery())
            )
        ).all(),
        key=lambda r: r[1],
    )
    return [
        CoderColumn(int(uid), str(u), f"Coder {_letters(i)}" if hide_names else str(name))
        for i, (uid, u, name) in enumerate(rows)
    ]


def _resolved(session: Session, project: Project, scope: Scope) -> set[int]:
    """Passages of the scope with a consensus."""
    stmt = scoped(
        select(ConsensusState.passage_id),
        ConsensusState.passage_id,
        ConsensusState.project_id,
        project,
        scope,
    )
    return {int(p) for p in session.scalars(stmt)}


def _consensus(session: Session, project: Project, passage_ids: list[int]) -> dict[int, Any]:
    """passage -> (codes {path: stance}, resolver name, time, memo) for adjudicated passages."""
    if not passage_ids:
        return {}
    paths = codebooks.code_paths(codebooks.all_codes(session, project))
    out: dict[int, Any] = {}
    for pid, at, name, memo in session.execute(
        select(
            ConsensusState.passage_id,
            ConsensusState.resolved_at,
            User.display_name,
            ConsensusState.memo,
        )
        .outerjoin(User, User.id == ConsensusState.resolved_by_id)
        .where(ConsensusState.passage_id.in_(passage_ids))
    ):
        out[int(pid)] = ({}, name, at, memo or "")
    for pid, code_id, stance in session.execute(
        select(
            ConsensusAnnotation.passage_id, ConsensusAnnotation.code_id, ConsensusAnnotation.stance
        ).where(ConsensusAnnotation.passage_id.in_(passage_ids))
    ):
        if int(pid) in out:
            out[int(pid)][0][paths[code_id]] = stance
    return out


def _items(
    session: Session,
    project: Project,
    ids: list[int],
    by_passage: dict[Any, Codings],
    order: list[str],
) -> list[Item]:
    rows = session.execute(
        select(Passage, Document.title)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.id.in_(ids))
    ).all()
    found = {p.id: (p, title) for p, title in rows}
    consensus = _consensus(session, project, ids)
    notes = notes_for(session, project, ids)
    items: list[Item] = []
    for pid in ids:
        p, title = found[pid]
        codings = by_passage.get(pid, {})
        cons = consensus.get(pid)
        used = set().union(*codings.values()) if codings else set()
        if cons:
            used |= set(cons[0])
        items.append(
            Item(
                passage_id=pid,
                document_title=title,
                ordinal=p.ordinal,
                text=p.text,
                speaker=p.speaker,
                delegation=p.delegation,
                language=p.language,
                original_language=p.original_language,
                codings=codings,
                differing=differing_codes(codings),
                consensus=cons[0] if cons else None,
                resolved_by=cons[1] if cons else None,
                resolved_at=cons[2] if cons else None,
                codes=[c for c in order if c in used],
                notes={u: n for u, n in notes.get(pid, {}).items() if u in codings},
                consensus_memo=cons[3] if cons else "",
            )
        )
    return items


def _open_and_resolved(
    session: Session, project: Project, scope: Scope, path: str | None
) -> tuple[set[int], set[int]]:
    """Open disagreements and resolved passages of the scope (about one code, if given)."""
    # Only passages two coders coded can disagree: the rest is never loaded.
    pairable = replace(scope, pairable_only=True)
    by_passage = agreement_data.passage_codings(session, project, pairable)
    resolved_ids = _resolved(session, project, Scope(round_id=scope.round_id))
    differing = {pid: differing_codes(c) for pid, c in by_passage.items()}
    open_ids = {pid for pid, d in differing.items() if d and pid not in resolved_ids}
    if path is not None:
        open_ids = {pid for pid in open_ids if path in differing[pid]}
        cons = _consensus(session, project, sorted(resolved_ids))
        resolved_ids = {
            pid
            for pid in resolved_ids
            if path in cons.get(pid, ({},))[0]
            or any(path in c for c in by_passage.get(pid, {}).values())
        }
    return open_ids, resolved_ids


def counts(
    session: Session, project: Project, *, round_id: int | None = None, code_id: int | None = None
) -> tuple[int, int]:
    """(open disagreements, resolved passages) as the browser's counter shows them."""
    scope = agreement_data.scope_for(session, project, round_id=round_id)
    path = (
        dict(agreement_data.report_codes(session, project, [code_id]))[code_id] if code_id else None
    )
    open_ids, resolved_ids = _open_and_resolved(session, project, scope, path)
    return len(open_ids), len(resolved_ids)


def browse(
    session: Session,
    project: Project,
    *,
    round_id: int | None = None,
    code_id: int | None = None,
    status: str = "open",
    hide_names: bool = False,
    page: int = 1,
) -> Browser:
    """Disagreeing (open), adjudicated (resolved) or both (all) passages, filterable by code."""
    if status not in STATUSES:
        raise ValidationError("status: choose open, resolved or all.")
    scope = agreement_data.scope_for(session, project, round_id=round_id)
    codes = agreement_data.report_codes(session, project)
    path = (
        dict(agreement_data.report_codes(session, project, [code_id]))[code_id] if code_id else None
    )
    open_ids, resolved_ids = _open_and_resolved(session, project, scope, path)
    chosen = (
        open_ids
        if status == "open"
        else resolved_ids
        if status == "resolved"
        else open_ids | resolved_ids
    )
    ordered = sorted(chosen)
    pages = max(1, -(-len(ordered) // PER_PAGE))
    page = min(max(1, page), pages)
    ids = ordered[(page - 1) * PER_PAGE : page * PER_PAGE]
    shown = replace(scope, passage_ids=tuple(ids))  # resolved passages may have one coder only
    page_codings = agreement_data.passage_codings(session, project, shown) if ids else {}
    return Browser(
        items=_items(session, project, ids, page_codings, [p for _, p in codes]),
        total=len(ordered),
        coders=coder_columns(session, project, scope, hide_names=hide_names),
        codes=codes,
        page=page,
        pages=pages,
        open_count=len(open_ids),
        resolved_count=len(resolved_ids),
    )


def _passage(session: Session, project: Project, passage_id: int) -> Passage:
    passage = session.get(Passage, passage_id)
    if passage is None or passage.project_id != project.id:
        raise NotFound(f"Passage {passage_id} is not in this project.")
    return passage


def _in_round(session: Session, project: Project, rnd_id: int | None, passage_id: int) -> None:
    if rnd_id is None:
        return
    agreement_data.get_round(session, project, rnd_id)
    found = session.scalar(
        in_scope(
            select(Passage.id),
            project,
            Scope(round_id=rnd_id, passage_ids=(passage_id,)),
        )
    )
    if found is None:
        raise NotFound(f"Passage {passage_id} is not in round {rnd_id}.")


def passage_card(
    session: Session,
    project: Project,
    passage_id: int,
    *,
    round_id: int | None = None,
    hide_names: bool = False,
) -> tuple[Item, list[CoderColumn]]:
    """One passage with every coder's codings (of the round, if given) and its consensus."""
    _passage(session, project, passage_id)
    _in_round(session, project, round_id, passage_id)
    scope = agreement_data.scope_for(session, project, round_id=round_id)
    one = Scope(round_id=round_id, coder_ids=scope.coder_ids, passage_ids=(passage_id,))
    codes = [p for _, p in agreement_data.report_codes(session, project)]
    by_passage = agreement_data.passage_codings(session, project, one)
    item = _items(session, project, [passage_id], by_passage, codes)[0]
    return item, coder_columns(session, project, scope, hide_names=hide_names)


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


def _write(
    session: Session,
    project: Project,
    actor: User,
    passage: Passage,
    chosen: list[tuple[int, int | None, str]],  # (code id, stance, memo)
    *,
    round_id: int | None,
    action: str,
    extra: dict[str, Any] | None = None,
    memo: str | None = None,
) -> ConsensusState:
    """Replace the passage's consensus; ``memo`` None keeps the consensus memo it has."""
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
    after = _snapshot(session, passage.id, paths) or {"codes": []}
    audit.record(
        session,
        project_id=project.id,
        actor=actor,
        entity="consensus",
        entity_id=state.id,
        passage_id=passage.id,
        action=action,
        before=before,
        after=after | (extra or {}),
    )
    return state


def _check_coded(session: Session, passage: Passage) -> None:
    coded = session.scalar(
        select(PassageState.id).where(
            PassageState.passage_id == passage.id, PassageState.coded.is_(True)
        )
    )
    if coded is None:
        raise ValidationError(
            f"Nobody has coded passage {passage.id} yet: there is nothing to adjudicate."
        )


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
    passage = _passage(session, project, passage_id)
    _in_round(session, project, round_id, passage_id)
    if not passage.codable:
        raise ValidationError("This passage is marked not codable.")
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
    return _write(
        session,
        project,
        actor,
        passage,
        chosen,
        round_id=round_id,
        action="resolve",
        extra={"note": note} if note else None,
        memo=note,
    )


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
    passage = _passage(session, project, passage_id)
    _in_round(session, project, round_id, passage_id)
    if not passage.codable:
        raise ValidationError("This passage is marked not codable.")
    coder = session.get(User, coder_id)
    coded = session.scalar(
        select(PassageState.id).where(
            PassageState.passage_id == passage_id,
            PassageState.coder_id == coder_id,
            PassageState.coded.is_(True),
        )
    )
    if coder is None or coded is None:
        raise ValidationError("That coder has not marked this passage coded.")
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
    return _write(
        session,
        project,
        actor,
        passage,
        chosen,
        round_id=round_id,
        action="adopt",
        extra={"from_coder": coder.username},
    )


def reopen(session: Session, project: Project, actor: User, passage_id: int) -> bool:
    """Remove the passage's consensus (idempotent); return whether there was one."""
    passage = _passage(session, project, passage_id)
    paths = codebooks.code_paths(codebooks.all_codes(session, project))
    before = _snapshot(session, passage.id, paths)
    if before is None:
        return False
    state_id = session.scalar(
        select(ConsensusState.id).where(ConsensusState.passage_id == passage.id)
    )
    session.execute(delete(ConsensusAnnotation).where(ConsensusAnnotation.passage_id == passage.id))
    session.execute(delete(ConsensusState).where(ConsensusState.passage_id == passage.id))
    audit.record(
        session,
        project_id=project.id,
        actor=actor,
        entity="consensus",
        entity_id=state_id,
        passage_id=passage.id,
        action="reopen",
        before=before,
    )
    return True


def accept_agreed(session: Session, project: Project, actor: User, rnd: ReliabilityRound) -> int:
    """Take the shared coding of round passages every coder coded alike (>= 2 coders) as their
    consensus, where none is set; return how many were accepted."""
    scope = agreement_data.scope_for(session, project, round_id=rnd.id)
    code_ids = {path: cid for cid, path in agreement_data.report_codes(session, project)}
    done = _resolved(session, project, scope)
    accepted = 0
    for pid, codings in sorted(agreement_data.passage_codings(session, project, scope).items()):
        if pid in done or len(codings) < 2 or differing_codes(codings):
            continue
        shared = next(iter(codings.values()))
        chosen = [
            (code_ids[path], None if stance is None else int(stance), "")
            for path, stance in shared.items()
        ]
        passage = _passage(session, project, int(pid))
        _write(session, project, actor, passage, chosen, round_id=rnd.id, action="accept")
        accepted += 1
    return accepted


def unresolved(session: Session, project: Project, rnd: ReliabilityRound) -> list[int]:
    """Codable passages of the round without a consensus."""
    scope = Scope(round_id=rnd.id)
    ids = set(session.scalars(in_scope(select(Passage.id), project, scope)))
    done = _resolved(session, project, scope)
    return sorted(ids - done)
