"""Reliability rounds: draw a sample, assign it to every chosen coder, compare rounds, gold.

A round records in ``sample`` how it was drawn (size, stratification, seed, documents), the
passages drawn and the coders chosen, so its report and its draw can be reproduced. Gold
trainees assigned later are kept apart (``trainee_ids``): the round's own agreement is among
the chosen coders only.

Gold: a round's consensus becomes the gold standard once every passage of the round has one.
Declaring gold first accepts, as consensus, passages that every coder who coded them coded
identically (at least two coders); any other passage without a consensus blocks the
declaration. A coder passes when their pooled κ against gold (presence of every code, pooled
over codes) reaches the lead's threshold after coding every passage of the round.
"""

from __future__ import annotations

import secrets
import statistics
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.codebooks import codes as codebooks
from workbench.coding import assignments
from workbench.core import limits
from workbench.core.agreement import CodeAccuracy, build_report
from workbench.core.errors import Conflict, Forbidden, ValidationError
from workbench.models import (
    Assignment,
    Document,
    Passage,
    PassageState,
    Project,
    ReliabilityRound,
    User,
)
from workbench.reliability import adjudication, disagreements
from workbench.reliability import records as agreement_data
from workbench.reliability import reports as agreement_reports
from workbench.reliability.records import Scope

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


@dataclass
class GoldResult:
    """A coder against a gold round: accuracy and κ per code, pass or fail."""

    user_id: int
    username: str
    name: str
    units: int
    total: int
    accuracy: float | None
    kappa: float | None
    by_code: dict[str, CodeAccuracy] = field(default_factory=dict)
    threshold: float | None = None

    @property
    def status(self) -> str:
        """not started, in progress, passed, failed, or undefined (κ has no value)."""
        if self.units == 0:
            return "not started"
        if self.units < self.total:
            return "in progress"
        if self.kappa is None or self.threshold is None:
            return "undefined"
        return "passed" if self.kappa >= self.threshold else "failed"


def _name(raw: str) -> str:
    name = (raw or "").strip()
    if not name:
        raise ValidationError("Give the round a name.")
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
        raise ValidationError(f"size: a round has from 1 to {MAX_ROUND_SIZE:,} passages.")
    if stratify not in STRATA:
        raise ValidationError("stratify: choose 'document' or 'language'.")
    if seed is None:
        seed = secrets.randbelow(2**31)  # drawn here and recorded, so the draw can be repeated
    if not 0 <= seed < 2**63:
        raise ValidationError("seed: give a whole number from 0 up.")
    if len(set(coder_ids)) < 2:
        raise ValidationError("A reliability round needs at least two coders.")
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
    audit.record(
        session,
        project_id=project.id,
        actor=actor,
        entity="round",
        entity_id=rnd.id,
        action="create",
        after={k: v for k, v in rnd.sample.items() if k != "passage_ids"} | {"name": name},
    )
    return rnd


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


def _threshold(value: float) -> float:
    if not 0 < value <= 1:
        raise ValidationError("threshold: give a κ between 0 and 1 (for example 0.8).")
    return value


def declare_gold(
    session: Session, project: Project, actor: User, rnd: ReliabilityRound, threshold: float
) -> int:
    """Make the round's consensus the gold standard; return how many agreed passages were
    accepted into the consensus on the way."""
    threshold = _threshold(threshold)
    accepted = adjudication.accept_agreed(session, project, actor, rnd)
    open_ids = disagreements.unresolved(session, project, rnd)
    if open_ids:
        raise Conflict(
            f"{len(open_ids)} of the round's passages have no consensus yet: resolve them in "
            "the disagreement browser first (passages coded by fewer than two coders need "
            "coding, or a consensus set by hand).",
            [f"passage {pid}" for pid in open_ids[:10]],
        )
    before = {"is_gold": rnd.is_gold, "pass_threshold": rnd.pass_threshold}
    rnd.is_gold = True
    rnd.pass_threshold = threshold
    audit.record(
        session,
        project_id=project.id,
        actor=actor,
        entity="round",
        entity_id=rnd.id,
        action="gold",
        before=before,
        after={"is_gold": True, "pass_threshold": threshold, "accepted": accepted},
    )
    return accepted


def revoke_gold(session: Session, project: Project, actor: User, rnd: ReliabilityRound) -> None:
    """The round is no longer a gold standard (its consensus stays)."""
    if not rnd.is_gold:
        return
    audit.record(
        session,
        project_id=project.id,
        actor=actor,
        entity="round",
        entity_id=rnd.id,
        action="revoke_gold",
        before={"is_gold": True, "pass_threshold": rnd.pass_threshold},
        after={"is_gold": False},
    )
    rnd.is_gold = False


def round_passage_ids(session: Session, rnd: ReliabilityRound) -> list[int]:
    """The round's passages."""
    return sorted(
        set(session.scalars(select(Assignment.passage_id).where(Assignment.round_id == rnd.id)))
    )


def assign_trainees(
    session: Session, project: Project, actor: User, rnd: ReliabilityRound, coder_ids: list[int]
) -> int:
    """Give new coders every passage of a gold round to code against the gold standard."""
    if not rnd.is_gold:
        raise Conflict("Declare the round gold before assigning coders to be tested on it.")
    coders = assignments.coders_of(session, project, coder_ids)
    added = assignments.assign_round(session, project, rnd, round_passage_ids(session, rnd), coders)
    chosen = set(agreement_data.round_coder_ids(session, rnd))
    sample: dict[str, Any] = dict(rnd.sample or {})
    trainees = set(sample.get("trainee_ids") or [])
    trainees.update(c.id for c in coders if c.id not in chosen)
    sample["trainee_ids"] = sorted(trainees)
    rnd.sample = sample  # a new dict: JSON columns do not track changes inside
    audit.record(
        session,
        project_id=project.id,
        actor=actor,
        entity="round",
        entity_id=rnd.id,
        action="trainees",
        after={"coder_ids": [c.id for c in coders], "assignments": added},
    )
    return added


def gold_results(
    session: Session, project: Project, rnd: ReliabilityRound, *, only: User | None = None
) -> list[GoldResult]:
    """Every assigned coder (or only one) against the gold round's consensus."""
    if not rnd.is_gold:
        raise Conflict("This round is not a gold standard.")
    assigned = list(
        session.execute(
            select(User.id, User.username, User.display_name)
            .join(Assignment, Assignment.coder_id == User.id)
            .where(Assignment.round_id == rnd.id)
            .distinct()
            .order_by(User.username)
        )
    )
    if only is not None:
        assigned = [row for row in assigned if row[0] == only.id]
        if not assigned:
            raise Forbidden("Only coders assigned to this gold round have results on it.")
    ids = tuple(int(row[0]) for row in assigned)
    scope = Scope(round_id=rnd.id, coder_ids=ids)
    data = agreement_data.load(session, project, scope, meta=False)
    reference = agreement_data.consensus_records(session, project, Scope(round_id=rnd.id))
    report = build_report(
        data.records,
        codes=data.codes,
        bootstrap=0,
        reference=reference,
        stance_scale=data.stance_scale,
    )
    total = round_passage_count(session, rnd)
    out: list[GoldResult] = []
    for uid, username, name in assigned:
        ref = (report.reference or {}).get(username)
        out.append(
            GoldResult(
                user_id=int(uid),
                username=username,
                name=name,
                units=ref.units if ref else 0,
                total=total,
                accuracy=ref.accuracy if ref else None,
                kappa=ref.kappa if ref else None,
                by_code=dict(ref.by_code) if ref else {},
                threshold=rnd.pass_threshold,
            )
        )
    return out


def gold_rounds_of(session: Session, project: Project, user: User) -> list[ReliabilityRound]:
    """Gold rounds the user is assigned to."""
    return list(
        session.scalars(
            select(ReliabilityRound)
            .where(
                ReliabilityRound.project_id == project.id,
                ReliabilityRound.is_gold.is_(True),
                ReliabilityRound.id.in_(
                    select(Assignment.round_id).where(Assignment.coder_id == user.id)
                ),
            )
            .order_by(ReliabilityRound.created_at)
        )
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
