"""Gold-standard rounds: a round's consensus as the standard coders are measured against.

Gold: a round's consensus becomes the gold standard once every passage of the round has one.
Declaring gold first accepts, as consensus, passages that every coder who coded them coded
identically (at least two coders); any other passage without a consensus blocks the
declaration. A coder passes when their pooled κ against gold (presence of every code, pooled
over codes) reaches the lead's threshold after coding every passage of the round. Gold
trainees assigned later are kept apart (``trainee_ids``): the round's own agreement is among
the chosen coders only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from workbench.coding import assignments
from workbench.core.agreement import CodeAccuracy
from workbench.core.agreement import build_report
from workbench.core.errors import Conflict
from workbench.core.errors import Forbidden
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Assignment
from workbench.models import GoldAttempt
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.models._common import utcnow
from workbench.reliability import adjudication
from workbench.reliability import disagreements
from workbench.reliability import records as agreement_data
from workbench.reliability.records import Scope
from workbench.reliability.rounds import record_change
from workbench.reliability.rounds import round_passage_count
from workbench.reliability.rounds import round_passage_ids


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
    # In a blind project: when the coder first saw the result complete. The figures are then
    # those kept at that moment (``as_the_trainee_sees_it``).
    kept_at: dt.datetime | None = None
    # For a lead: the result the coder is shown, where it was kept.
    shown: GoldResult | None = None

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


def _figures(result: GoldResult) -> dict[str, Any]:
    return {
        "units": result.units,
        "total": result.total,
        "accuracy": result.accuracy,
        "kappa": result.kappa,
        "by_code": {name: asdict(acc) for name, acc in result.by_code.items()},
    }


def _kept(result: GoldResult, attempt: GoldAttempt) -> GoldResult:
    """The result as kept when the coder first saw it complete (the threshold is today's)."""
    f = attempt.figures
    return replace(
        result,
        units=int(f["units"]),
        total=int(f["total"]),
        accuracy=f["accuracy"],
        kappa=f["kappa"],
        by_code={name: CodeAccuracy(**acc) for name, acc in f["by_code"].items()},
        kept_at=attempt.seen_at,
    )


def attempt_of(session: Session, rnd: ReliabilityRound, coder_id: int) -> GoldAttempt | None:
    """The coder's kept result on the gold round, if they have seen one complete."""
    return session.scalar(
        select(GoldAttempt).where(GoldAttempt.round_id == rnd.id, GoldAttempt.coder_id == coder_id)
    )


def as_the_trainee_sees_it(
    session: Session, project: Project, rnd: ReliabilityRound, result: GoldResult, viewer: User
) -> GoldResult:
    """The result as the coder measured sees it. In a blind project: no figure until they have
    coded every passage of the round; from then on, the figures of that first complete view.

    Scored as they go, the figures would hand a trainee the consensus (the other coders' work)
    passage by passage: with one passage coded, each code's accuracy is 0 or 1. Scored live
    once complete, changing one coding and reloading would do the same. The first complete
    result is kept (a write; the caller's transaction must be one that may write)."""
    if not project.blind or result.kept_at is not None:
        return result
    attempt = attempt_of(session, rnd, result.user_id)
    if attempt is not None:
        return _kept(result, attempt)
    if result.units < result.total:
        return replace(result, accuracy=None, kappa=None, by_code={})
    attempt = GoldAttempt(
        project_id=project.id,
        round_id=rnd.id,
        coder_id=result.user_id,
        figures=_figures(result),
        seen_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # Another tab kept it first (PostgreSQL): that one is the coder's result.
        kept = attempt_of(session, rnd, result.user_id)
        assert kept is not None
        return _kept(result, kept)
    record_change(session, project, viewer, rnd, "gold_kept", after=_figures(result))
    return _kept(result, attempt)


def with_what_is_shown(
    session: Session, project: Project, rnd: ReliabilityRound, result: GoldResult
) -> GoldResult:
    """A lead's view of a result: the live figures, with what the coder is shown where kept."""
    attempt = attempt_of(session, rnd, result.user_id) if project.blind else None
    return result if attempt is None else replace(result, shown=_kept(result, attempt))


def let_try_again(
    session: Session, project: Project, actor: User, rnd: ReliabilityRound, coder_id: int
) -> bool:
    """Drop a coder's kept result: their next complete view is measured and kept afresh."""
    attempt = attempt_of(session, rnd, coder_id)
    if attempt is None:
        return False
    before = {"coder_id": coder_id, **attempt.figures}
    session.delete(attempt)
    record_change(session, project, actor, rnd, "gold_try_again", before=before)
    return True


def _threshold(value: float) -> float:
    if not 0 < value <= 1:
        raise ValidationError(_("threshold: give a κ between 0 and 1 (for example 0.8)."))
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
            _(
                "%(count)s of the round's passages have no consensus yet: resolve them in the "
                "disagreement browser first (passages coded by fewer than two coders need "
                "coding, or a consensus set by hand).",
                count=len(open_ids),
            ),
            [_("passage %(passage)s", passage=pid) for pid in open_ids[:10]],
        )
    before = {"is_gold": rnd.is_gold, "pass_threshold": rnd.pass_threshold}
    if not rnd.is_gold:
        _drop_attempts(session, project, actor, rnd)  # a new gold standard measures afresh
    rnd.is_gold = True
    rnd.pass_threshold = threshold
    record_change(
        session,
        project,
        actor,
        rnd,
        "gold",
        before=before,
        after={"is_gold": True, "pass_threshold": threshold, "accepted": accepted},
    )
    return accepted


def revoke_gold(session: Session, project: Project, actor: User, rnd: ReliabilityRound) -> None:
    """The round is no longer a gold standard (its consensus stays)."""
    if not rnd.is_gold:
        return
    record_change(
        session,
        project,
        actor,
        rnd,
        "revoke_gold",
        before={"is_gold": True, "pass_threshold": rnd.pass_threshold},
        after={"is_gold": False},
    )
    rnd.is_gold = False
    # Kept results were measured against this consensus; a lead who revokes it changes it.
    _drop_attempts(session, project, actor, rnd)


def _drop_attempts(session: Session, project: Project, actor: User, rnd: ReliabilityRound) -> None:
    attempts = list(session.scalars(select(GoldAttempt).where(GoldAttempt.round_id == rnd.id)))
    if not attempts:
        return
    before = {str(a.coder_id): a.figures for a in attempts}
    for attempt in attempts:
        session.delete(attempt)
    record_change(session, project, actor, rnd, "gold_kept_dropped", before=before)


def assign_trainees(
    session: Session, project: Project, actor: User, rnd: ReliabilityRound, coder_ids: list[int]
) -> int:
    """Give new coders every passage of a gold round to code against the gold standard."""
    if not rnd.is_gold:
        raise Conflict(_("Declare the round gold before assigning coders to be tested on it."))
    coders = assignments.coders_of(session, project, coder_ids)
    added = assignments.assign_round(session, project, rnd, round_passage_ids(session, rnd), coders)
    chosen = set(agreement_data.round_coder_ids(session, rnd))
    sample: dict[str, Any] = dict(rnd.sample or {})
    trainees = set(sample.get("trainee_ids") or [])
    trainees.update(c.id for c in coders if c.id not in chosen)
    sample["trainee_ids"] = sorted(trainees)
    rnd.sample = sample  # a new dict: JSON columns do not track changes inside
    record_change(
        session,
        project,
        actor,
        rnd,
        "trainees",
        after={"coder_ids": [c.id for c in coders], "assignments": added},
    )
    return added


def gold_results(
    session: Session,
    project: Project,
    rnd: ReliabilityRound,
    *,
    only: User | None = None,
    live: bool = False,
) -> list[GoldResult]:
    """Every assigned coder (or only one) against the gold round's consensus.

    In a blind project a coder's result is the one kept when they first saw it complete (what
    counts: the coder may change codings afterwards, knowing their figures); ``live`` scores
    today's codings instead."""
    if not rnd.is_gold:
        raise Conflict(_("This round is not a gold standard."))
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
            raise Forbidden(_("Only coders assigned to this gold round have results on it."))
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
    if live or not project.blind:
        return out
    kept = {
        a.coder_id: a
        for a in session.scalars(select(GoldAttempt).where(GoldAttempt.round_id == rnd.id))
    }
    return [_kept(r, kept[r.user_id]) if r.user_id in kept else r for r in out]


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
