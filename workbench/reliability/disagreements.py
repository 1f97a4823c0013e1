"""Disagreements: every coder's codings of a passage side by side, with its consensus.

A disagreement is a codable passage coded by at least two coders of the scope (a round's chosen
coders, or everyone) whose code sets or stances differ. The browser lists open disagreements,
resolved (adjudicated) passages, or both; a passage card shows one passage for adjudication.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents.catalog import get_passage
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.reliability import records as agreement_data
from workbench.reliability.adjudication_notes import CoderNotes
from workbench.reliability.adjudication_notes import notes_for
from workbench.reliability.records import Scope
from workbench.reliability.records import differing_codes
from workbench.reliability.records import in_scope
from workbench.reliability.records import scoped

STATUSES = ("open", "resolved", "all")
PER_PAGE = 25

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
        CoderColumn(
            int(uid), str(u), _("Coder %(letter)s", letter=_letters(i)) if hide_names else str(name)
        )
        for i, (uid, u, name) in enumerate(rows)
    ]


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
    resolved_ids = agreement_data.adjudicated_ids(session, project, Scope(round_id=scope.round_id))
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


@dataclass(frozen=True)
class DisagreementQuery:
    """The disagreement browser's filters."""

    round_id: int | None
    code_id: int | None
    status: str
    hide: bool
    page: int


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
    """The browser for filters given by keyword (see ``browse_query``)."""
    query = DisagreementQuery(round_id, code_id, status, hide_names, page)
    return browse_query(session, project, query)


def browse_query(session: Session, project: Project, query: DisagreementQuery) -> Browser:
    """Disagreeing (open), adjudicated (resolved) or both (all) passages, filterable by code."""
    round_id, code_id, status, page = query.round_id, query.code_id, query.status, query.page
    if status not in STATUSES:
        raise ValidationError(_("status: choose open, resolved or all."))
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
        coders=coder_columns(session, project, scope, hide_names=query.hide),
        codes=codes,
        page=page,
        pages=pages,
        open_count=len(open_ids),
        resolved_count=len(resolved_ids),
    )


def check_in_round(session: Session, project: Project, rnd_id: int | None, passage_id: int) -> None:
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
        raise NotFound(
            _("Passage %(passage)s is not in round %(round)s.", passage=passage_id, round=rnd_id)
        )


def passage_card(
    session: Session,
    project: Project,
    passage_id: int,
    *,
    round_id: int | None = None,
    hide_names: bool = False,
) -> tuple[Item, list[CoderColumn]]:
    """One passage with every coder's codings (of the round, if given) and its consensus."""
    get_passage(session, project, passage_id)
    check_in_round(session, project, round_id, passage_id)
    scope = agreement_data.scope_for(session, project, round_id=round_id)
    one = Scope(round_id=round_id, coder_ids=scope.coder_ids, passage_ids=(passage_id,))
    codes = [p for _, p in agreement_data.report_codes(session, project)]
    by_passage = agreement_data.passage_codings(session, project, one)
    item = _items(session, project, [passage_id], by_passage, codes)[0]
    return item, coder_columns(session, project, scope, hide_names=hide_names)


def unresolved(session: Session, project: Project, rnd: ReliabilityRound) -> list[int]:
    """Codable passages of the round without a consensus."""
    scope = Scope(round_id=rnd.id)
    ids = set(session.scalars(in_scope(select(Passage.id), project, scope)))
    done = agreement_data.adjudicated_ids(session, project, scope)
    return sorted(ids - done)
