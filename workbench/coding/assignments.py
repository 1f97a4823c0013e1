"""Assignments: documents or stratified samples of passages to coders, with an overlap share."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.orm import Session

from workbench.coding.progress import Progress
from workbench.coding.progress import coded_state
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.models import Assignment
from workbench.models import Document
from workbench.models import Membership
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User


@dataclass
class CoderProgress:
    """A coder's assigned passages and how many they have coded."""

    user: User
    assigned: Progress
    coded_total: int


@dataclass
class QueueItem:
    """A document or round in a coder's queue."""

    label: str  # the document's title or the round's name
    doc_id: int | None
    round_id: int | None
    progress: Progress


def coders_of(session: Session, project: Project, coder_ids: list[int]) -> list[User]:
    """Return the chosen members of the project, refusing anyone who is not a member."""
    if not coder_ids:
        raise ValidationError(_("Choose at least one coder."))
    users = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.project_id == project.id, User.id.in_(coder_ids))
            .order_by(User.id)
        )
    )
    if len(users) != len(set(coder_ids)):
        raise ValidationError(_("Every coder must be a member of this project."))
    return users


def _insert_assignments(session: Session, rows: list[dict[str, object]]) -> int:
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # No conflict target: either unique index (per round, or per production pair) may fire.
    stmt = insert(Assignment).on_conflict_do_nothing()
    project_id = rows[0]["project_id"]
    count = select(func.count(Assignment.id)).where(Assignment.project_id == project_id)
    before = session.scalar(count) or 0
    for start in range(0, len(rows), 5000):
        session.execute(stmt, rows[start : start + 5000])
    # Counted, not summed from rowcount: drivers disagree on rowcount for executemany.
    return (session.scalar(count) or 0) - before


def _codable_by_document(
    session: Session, project: Project, doc_ids: list[int] | None
) -> dict[int, list[int]]:
    stmt = select(Passage.document_id, Passage.id).where(
        Passage.project_id == project.id, Passage.codable.is_(True)
    )
    if doc_ids is not None:
        stmt = stmt.where(Passage.document_id.in_(doc_ids))
    grouped: dict[int, list[int]] = defaultdict(list)
    for doc_id, pid in session.execute(stmt.order_by(Passage.document_id, Passage.ordinal)):
        grouped[doc_id].append(pid)
    return grouped


def _spread(
    project: Project,
    grouped: dict[int, list[int]],
    coders: list[User],
    overlap: float,
    rng: random.Random,
    round_id: int | None,
) -> list[dict[str, object]]:
    """Each passage goes to one coder (documents rotate); an overlap share per document to two."""
    rows: list[dict[str, object]] = []
    for turn, (_doc_id, pids) in enumerate(sorted(grouped.items())):
        primary = coders[turn % len(coders)]
        doubled: set[int] = set()
        if len(coders) > 1 and overlap > 0:
            doubled = set(rng.sample(pids, math.ceil(overlap * len(pids))))
        for pid in pids:
            rows.append(
                {
                    "project_id": project.id,
                    "passage_id": pid,
                    "coder_id": primary.id,
                    "round_id": round_id,
                    "overlap": pid in doubled,
                }
            )
            if pid in doubled:
                others = [c for c in coders if c.id != primary.id]
                second = rng.choice(others)
                rows.append(
                    {
                        "project_id": project.id,
                        "passage_id": pid,
                        "coder_id": second.id,
                        "round_id": round_id,
                        "overlap": True,
                    }
                )
    return rows


def assign_documents(
    session: Session,
    project: Project,
    doc_ids: list[int],
    coder_ids: list[int],
    *,
    overlap: float,
    seed: int | None = None,
) -> str:
    """Assign whole documents to coders in turn; an overlap share of each is double-coded."""
    if not doc_ids:
        raise ValidationError(_("Choose at least one document."))
    coders = coders_of(session, project, coder_ids)
    grouped = _codable_by_document(session, project, doc_ids)
    rng = random.Random(seed)
    added = _insert_assignments(session, _spread(project, grouped, coders, overlap, rng, None))
    # The counts are said one by one: each needs its own plural form.
    return _(
        "%(assignments)s added over %(documents)s and %(coders)s.",
        assignments=ngettext("%(num)s assignment", "%(num)s assignments", added),
        documents=ngettext("%(num)s document", "%(num)s documents", len(grouped)),
        coders=ngettext("%(num)s coder", "%(num)s coders", len(coders)),
    )


def sample_passages(
    session: Session,
    project: Project,
    size: int,
    *,
    seed: int | None,
    doc_ids: list[int] | None = None,
    stratify: str = "document",
) -> list[int]:
    """Draw a random sample of codable passages, stratified by document or language."""
    grouped = _codable_by_document(session, project, doc_ids)
    population = sum(len(v) for v in grouped.values())
    if size <= 0 or population == 0:
        raise ValidationError(_("The sample needs a size above zero and codable passages."))
    size = min(size, population)
    rng = random.Random(seed)
    if stratify == "language":
        lang = dict(
            session.execute(
                select(Passage.id, Passage.language).where(Passage.project_id == project.id)
            )
            .tuples()
            .all()
        )
        regrouped: dict[str, list[int]] = defaultdict(list)
        for pids in grouped.values():
            for pid in pids:
                regrouped[lang.get(pid) or "?"].append(pid)
        strata: list[list[int]] = [v for _, v in sorted(regrouped.items())]
    else:
        strata = [v for _, v in sorted(grouped.items())]
    # Proportional allocation with largest remainders, so the total is exactly `size`.
    quotas = [size * len(s) / population for s in strata]
    counts = [int(q) for q in quotas]
    order = sorted(range(len(strata)), key=lambda i: quotas[i] - counts[i], reverse=True)
    for i in order[: size - sum(counts)]:
        counts[i] += 1
    chosen: list[int] = []
    for stratum, k in zip(strata, counts, strict=True):
        chosen.extend(rng.sample(stratum, k))
    return sorted(chosen)


def assign_sample(
    session: Session,
    project: Project,
    coder_ids: list[int],
    *,
    size: int,
    overlap: float,
    seed: int | None = None,
) -> str:
    """Assign a stratified random sample of passages across coders with an overlap share."""
    coders = coders_of(session, project, coder_ids)
    chosen = sample_passages(session, project, size, seed=seed)
    doc_of = dict(
        session.execute(select(Passage.id, Passage.document_id).where(Passage.id.in_(chosen)))
        .tuples()
        .all()
    )
    grouped: dict[int, list[int]] = defaultdict(list)
    for pid in chosen:
        grouped[doc_of[pid]].append(pid)
    rng = random.Random(seed)
    added = _insert_assignments(session, _spread(project, grouped, coders, overlap, rng, None))
    return _(
        "%(assignments)s added for a sample of %(passages)s.",
        assignments=ngettext("%(num)s assignment", "%(num)s assignments", added),
        passages=ngettext("%(num)s passage", "%(num)s passages", len(chosen)),
    )


@dataclass(frozen=True)
class AssignOrder:
    """A lead's assignment: whole documents, or a stratified sample of passages, to coders."""

    coder_ids: list[int]
    overlap: float  # the share double-coded, 0 to 1
    seed: int | None
    sample_size: int | None = None  # a sample of this many passages, else doc_ids
    doc_ids: list[int] | None = None


def assign(session: Session, project: Project, order: AssignOrder) -> str:
    """Carry out a lead's assignment; return what it did, in a sentence."""
    if order.sample_size is not None:
        return assign_sample(
            session,
            project,
            order.coder_ids,
            size=order.sample_size,
            overlap=order.overlap,
            seed=order.seed,
        )
    return assign_documents(
        session,
        project,
        order.doc_ids or [],
        order.coder_ids,
        overlap=order.overlap,
        seed=order.seed,
    )


def assign_round(
    session: Session,
    project: Project,
    rnd: ReliabilityRound,
    passage_ids: list[int],
    coders: list[User],
) -> int:
    """Give every chosen coder every passage of a reliability round."""
    rows: list[dict[str, object]] = [
        {
            "project_id": project.id,
            "passage_id": pid,
            "coder_id": c.id,
            "round_id": rnd.id,
            "overlap": True,
        }
        for pid in passage_ids
        for c in coders
    ]
    return _insert_assignments(session, rows)


def _counts(session: Session, stmt: Select[tuple[int, int]]) -> dict[int, int]:
    """Run a count per coder: coder id → count."""
    return {int(k): int(v) for k, v in session.execute(stmt).tuples().all()}


def team_progress(session: Session, project: Project) -> list[CoderProgress]:
    """Return each member's assigned and coded passage counts."""
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(User.username)
    ).all()
    per_coder = (
        select(Assignment.coder_id, func.count(func.distinct(Assignment.passage_id)))
        .where(Assignment.project_id == project.id)
        .group_by(Assignment.coder_id)
    )
    assigned = _counts(session, per_coder)
    done = coded_state(Assignment.passage_id, Assignment.coder_id)
    assigned_done = _counts(session, per_coder.join(PassageState, done))
    coded = _counts(
        session,
        select(PassageState.coder_id, func.count(PassageState.id))
        .where(PassageState.project_id == project.id, PassageState.coded.is_(True))
        .group_by(PassageState.coder_id),
    )
    return [
        CoderProgress(
            user=u,
            assigned=Progress(int(assigned_done.get(u.id, 0)), int(assigned.get(u.id, 0))),
            coded_total=int(coded.get(u.id, 0)),
        )
        for u in members
    ]


def queue_for(session: Session, project: Project, user: User) -> list[QueueItem]:
    """Return the user's queue: each document and round with assigned passages, with progress."""
    done = coded_state(Assignment.passage_id, user.id)
    rows = session.execute(
        select(
            Assignment.round_id,
            Passage.document_id,
            Document.title,
            func.count(func.distinct(Assignment.passage_id)),
            func.count(func.distinct(PassageState.passage_id)),
        )
        .join(Passage, Passage.id == Assignment.passage_id)
        .join(Document, Document.id == Passage.document_id)
        .outerjoin(PassageState, done)
        .where(Assignment.project_id == project.id, Assignment.coder_id == user.id)
        .group_by(Assignment.round_id, Passage.document_id, Document.title)
        .order_by(Assignment.round_id.nulls_first(), Document.title)
    ).all()
    rounds = {
        r.id: r.name
        for r in session.scalars(
            select(ReliabilityRound).where(ReliabilityRound.project_id == project.id)
        )
    }
    items: list[QueueItem] = []
    per_round: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for round_id, doc_id, title, total, n_done in rows:
        if round_id is None:
            items.append(QueueItem(title, doc_id, None, Progress(int(n_done), int(total))))
        else:
            per_round[round_id][0] += int(n_done)
            per_round[round_id][1] += int(total)
    for round_id, (n_done, total) in per_round.items():
        items.insert(
            0,
            QueueItem(
                str(rounds.get(round_id, round_id)),
                None,
                round_id,
                Progress(n_done, total),
            ),
        )
    return items


def document_choices(
    session: Session, project: Project, limit: int | None = 2000
) -> list[tuple[int, str]]:
    """Return (id, title) of the project's documents by title (the first ``limit``; None: all)."""
    return [
        (i, t)
        for i, t in session.execute(
            select(Document.id, Document.title)
            .where(Document.project_id == project.id)
            .order_by(Document.title)
            .limit(limit)
        ).all()
    ]
