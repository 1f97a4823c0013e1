"""Reliability rounds: draw a sample, assign it to every chosen coder, compare rounds.

A round records in ``sample`` how it was drawn (size, stratification, seed, documents), the
passages drawn and the coders chosen, so its report and its draw can be reproduced. Gold
trainees assigned later are kept apart (``trainee_ids``): the round's own agreement is among
the chosen coders only. A round's gold standard is in ``gold``.
"""

from __future__ import annotations

import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks import codes as codebooks
from workbench.coding import assignments
from workbench.core import limits
from workbench.core.agreement import build_report
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Assignment
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports

MAX_ROUND_SIZE = 5_000


STRATA = ("document", "language")


@dataclass
class RoundSummary:
    """One row of the rounds-over-time table."""

    round: ReliabilityRound
    coders: list[str]
    passages: int
    pairable: int
    mean_alpha: float | None
    alpha_by_code: dict[str, float | None]
    resolved: int


def _name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise ValidationError(_("Give the round a name."))
    problem = limits.too_long("The round's name", name, limits.ROUND_NAME)
    if problem:
        raise ValidationError(problem)
    return name


def create_round(
    session: Session,
    project: Project,
    actor: User,
    *,
    name: str,
    size: int,
    coder_ids: list[int],
    seed: int | None = None,
    stratify: str = "document",
    doc_ids: list[int] | None = None,
) -> ReliabilityRound:
    """Draw a random sample, create the round, and give every chosen coder every passage."""
    name = _name(name)
    if not 1 <= size <= MAX_ROUND_SIZE:
        raise ValidationError(
            _("size: a round has from 1 to %(max)s passages.", max=format(MAX_ROUND_SIZE, ","))
        )
    if stratify not in STRATA:
        raise ValidationError(_("stratify: choose “document” or “language”."))
    if seed is None:
        seed = secrets.randbelow(2**31)  # drawn here and recorded, so the draw can be repeated
    if not 0 <= seed < 2**63:
        raise ValidationError(_("seed: give a whole number from 0 up."))
    if len(set(coder_ids)) < 2:
        raise ValidationError(_("A reliability round needs at least two coders."))
    coders = assignments.coders_of(session, project, coder_ids)
    if doc_ids:
        agreement_data.scope_for(session, project, doc_ids=doc_ids)  # checks the documents
    chosen = assignments.sample_passages(
        session, project, size, seed=seed, doc_ids=doc_ids or None, stratify=stratify
    )
    rnd = ReliabilityRound(
        project_id=project.id,
        name=name,
        created_by_id=actor.id,
        codebook_version=codebooks.current_version(session, project),
        sample={
            "size": size,
            "drawn": len(chosen),
            "stratify": stratify,
            "seed": seed,
            "doc_ids": sorted(doc_ids) if doc_ids else None,
            "coder_ids": [c.id for c in coders],
            "passage_ids": chosen,
            "trainee_ids": [],
        },
    )
    session.add(rnd)
    session.flush()
    assignments.assign_round(session, project, rnd, chosen, coders)
    record_change(
        session,
        project,
        actor,
        rnd,
        "create",
        after={k: v for k, v in rnd.sample.items() if k != "passage_ids"} | {"name": name},
    )
    return rnd


def record_change(
    session: Session,
    project: Project,
    actor: User,
    rnd: ReliabilityRound,
    action: str,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record a change to the round in the history."""
    audit.record(session, project.id, actor, audit.Change("round", action, before, after, rnd.id))


def list_rounds(session: Session, project: Project) -> list[ReliabilityRound]:
    """The project's rounds, oldest first."""
    return list(
        session.scalars(
            select(ReliabilityRound)
            .where(ReliabilityRound.project_id == project.id)
            .order_by(ReliabilityRound.created_at, ReliabilityRound.id)
        )
    )


def round_passage_count(session: Session, rnd: ReliabilityRound) -> int:
    """How many passages the round has."""
    return int(
        session.scalar(
            select(func.count(func.distinct(Assignment.passage_id))).where(
                Assignment.round_id == rnd.id
            )
        )
        or 0
    )


def summaries(session: Session, project: Project) -> list[RoundSummary]:
    """Each round's agreement (point estimates) for the rounds-over-time table."""
    out: list[RoundSummary] = []
    for rnd in list_rounds(session, project):
        scope = agreement_data.scope_for(session, project, round_id=rnd.id)
        data = agreement_data.load(session, project, scope, meta=False)
        report = build_report(
            data.records, codes=data.codes, bootstrap=0, stance_scale=data.stance_scale
        )
        by_code = {code: rep.presence.alpha for code, rep in report.per_code.items()}
        defined = [a for a in by_code.values() if a is not None]
        users = {
            u.id: u.display_name
            for u in session.scalars(select(User).where(User.id.in_(scope.coder_ids or ())))
        }
        out.append(
            RoundSummary(
                round=rnd,
                coders=[users.get(c, f"#{c}") for c in scope.coder_ids or ()],
                passages=round_passage_count(session, rnd),
                pairable=report.pairable_passages,
                mean_alpha=statistics.fmean(defined) if defined else None,
                alpha_by_code=by_code,
                resolved=agreement_reports.resolved_count(session, project, scope),
            )
        )
    return out


def round_progress(session: Session, rnd: ReliabilityRound) -> list[tuple[User, int, int]]:
    """(coder, coded, assigned) for everyone assigned to the round."""
    rows = session.execute(
        select(User, func.count(Assignment.id), func.count(PassageState.id))
        .join(Assignment, Assignment.coder_id == User.id)
        .outerjoin(
            PassageState,
            (PassageState.passage_id == Assignment.passage_id)
            & (PassageState.coder_id == Assignment.coder_id)
            & PassageState.coded.is_(True),
        )
        .where(Assignment.round_id == rnd.id)
        .group_by(User.id)
        .order_by(User.username)
    ).all()
    return [(u, int(done), int(total)) for u, total, done in rows]


def round_passage_ids(session: Session, rnd: ReliabilityRound) -> list[int]:
    """The round's passages."""
    return sorted(
        set(session.scalars(select(Assignment.passage_id).where(Assignment.round_id == rnd.id)))
    )


def round_documents(session: Session, project: Project) -> list[tuple[int, str]]:
    """(id, title) of documents with codable passages, for the sampling form."""
    return [
        (int(i), str(t))
        for i, t in session.execute(
            select(Document.id, Document.title)
            .where(
                Document.project_id == project.id,
                Document.id.in_(select(Passage.document_id).where(Passage.codable.is_(True))),
            )
            .order_by(Document.title)
            .limit(2000)
        )
    ]


def created_label(rnd: ReliabilityRound) -> str:
    """The round's creation date as yyyy-mm-dd."""
    created: datetime = rnd.created_at
    return created.strftime("%Y-%m-%d")
