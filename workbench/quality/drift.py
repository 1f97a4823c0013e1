"""Drift monitoring from the database: each coder's codings in the order they made them.

A coder's coding time for a passage is the earliest of their codings on it (an annotation's
``created_at``) and, for "nothing applies", the time the passage was marked coded. Only passages
the coder marked coded count (as in every agreement report). Comparisons:
- consensus: the adjudicated consensus layer, wherever it exists;
- gold: the consensus of gold rounds only;
- coders: every other coder who coded the same passage (the overlap).
A coder's certification is their κ on the newest gold round they completed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.agreement import CodingRecord
from workbench.core.agreement.bootstrap import DEFAULT_SEED
from workbench.core.agreement.json_record import JsonRecord
from workbench.core.agreement.report_types import RELIABLE_ALPHA
from workbench.core.drift import AGAINST
from workbench.core.drift import DEFAULT_REPLICATES
from workbench.core.drift import CodedPassage
from workbench.core.drift import CoderDrift
from workbench.core.drift import coder_drift
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import ReliabilityRound
from workbench.reliability import gold
from workbench.reliability import records as agreement_data
from workbench.reliability.records import Scope
from workbench.reliability.rounds import round_passage_ids

DEFAULT_WINDOW = 20
DEFAULT_DROP = 0.2


@dataclass(frozen=True)
class DriftSettings:
    """What a drift report compares against and how it cuts and flags the windows."""

    against: str = "consensus"
    window: int = DEFAULT_WINDOW
    step: int | None = None
    per_document: bool = False
    threshold: float = RELIABLE_ALPHA
    drop: float = DEFAULT_DROP
    replicates: int = DEFAULT_REPLICATES
    seed: int = DEFAULT_SEED


@dataclass(frozen=True)
class DriftReport(JsonRecord):
    """Every coder's drift in a project, with the settings it was computed with."""

    against: str
    window: int
    step: int
    per_document: bool
    threshold: float
    drop: float
    codes: tuple[str, ...]
    coders: tuple[CoderDrift, ...]
    names: dict[str, str]  # username -> display name
    coder_ids: dict[str, int]  # username -> user id


def check_settings(settings: DriftSettings) -> DriftSettings:
    """Refuse settings the computation cannot honour, with a message naming the field."""
    if settings.against not in AGAINST:
        raise ValidationError(_("against: choose one of %(choices)s.", choices=", ".join(AGAINST)))
    if not 2 <= settings.window <= 10_000:
        raise ValidationError(_("window: give a number of passages between 2 and 10000."))
    if settings.step is not None and not 1 <= settings.step <= settings.window:
        raise ValidationError(_("step: give a number of passages between 1 and the window."))
    if not 0 <= settings.threshold <= 1:
        raise ValidationError("threshold: give an α between 0 and 1.")
    if not 0 <= settings.drop <= 2:
        raise ValidationError("drop: give a κ difference between 0 and 2.")
    return settings


def _sets(records: list[CodingRecord]) -> dict[Any, frozenset[str]]:
    out: dict[Any, set[str]] = defaultdict(set)
    for r in records:
        out[r.passage_id]
        if r.code:
            out[r.passage_id].add(r.code)
    return {p: frozenset(s) for p, s in out.items()}


def _coding_times(session: Session, project: Project) -> dict[tuple[int, int], datetime]:
    """(passage, coder id) -> when the coder first coded the passage."""
    conn = session.connection()
    times: dict[tuple[int, int], datetime] = {}
    states = select(PassageState.passage_id, PassageState.coder_id, PassageState.updated_at).where(
        PassageState.project_id == project.id, PassageState.coded.is_(True)
    )
    for p, c, at in conn.execute(states):
        times[(int(p), int(c))] = at
    firsts = (
        select(Annotation.passage_id, Annotation.coder_id, func.min(Annotation.created_at))
        .where(Annotation.project_id == project.id)
        .group_by(Annotation.passage_id, Annotation.coder_id)
    )
    for p, c, at in conn.execute(firsts):
        key = (int(p), int(c))
        if key in times and at is not None and at < times[key]:
            times[key] = at
    return times


def _documents(session: Session, project: Project) -> dict[int, str]:
    rows = session.connection().execute(
        select(Passage.id, Document.title, Document.id)
        .join(Document, Document.id == Passage.document_id)
        .where(Passage.project_id == project.id)
    )
    return {int(p): f"{title} (#{doc})" for p, title, doc in rows}


def gold_passage_ids(session: Session, project: Project) -> dict[int, ReliabilityRound]:
    """Passage -> the gold round it belongs to (the newest one when several)."""
    rounds = session.scalars(
        select(ReliabilityRound)
        .where(ReliabilityRound.project_id == project.id, ReliabilityRound.is_gold.is_(True))
        .order_by(ReliabilityRound.created_at, ReliabilityRound.id)
    )
    out: dict[int, ReliabilityRound] = {}
    for rnd in rounds:
        for pid in round_passage_ids(session, rnd):
            out[pid] = rnd
    return out


def certifications(session: Session, project: Project) -> dict[str, float]:
    """username -> κ on the newest gold round the coder completed."""
    rounds = list(dict.fromkeys(gold_passage_ids(session, project).values()))
    out: dict[str, float] = {}
    for rnd in rounds:  # oldest first, so the newest completed round wins
        for result in gold.gold_results(session, project, rnd):
            if result.units and result.units >= result.total and result.kappa is not None:
                out[result.username] = result.kappa
    return out


def _comparisons(
    session: Session, project: Project, against: str, mine: dict[str, dict[int, frozenset[str]]]
) -> dict[str, dict[int, list[frozenset[str]]]]:
    """coder -> passage -> the comparison code sets for that coder."""
    if against == "coders":
        out: dict[str, dict[int, list[frozenset[str]]]] = {}
        for coder, coded in mine.items():
            others = [(o, sets) for o, sets in mine.items() if o != coder]
            out[coder] = {p: [sets[p] for _, sets in others if p in sets] for p in coded}
        return out
    layer = _sets(agreement_data.consensus_records(session, project, Scope()))
    if against == "gold":
        gold_ids = gold_passage_ids(session, project)
        layer = {p: s for p, s in layer.items() if p in gold_ids}
    return {coder: {p: [layer[p]] for p in coded if p in layer} for coder, coded in mine.items()}


def project_drift(session: Session, project: Project, settings: DriftSettings) -> DriftReport:
    """Every coder's agreement over their coding order, in windows, with flags."""
    settings = check_settings(settings)
    codes = [path for _, path in agreement_data.report_codes(session, project)]
    rows = agreement_data.coding_rows(session, project, Scope())
    names = {cid: user for cid, (user, _) in rows.users.items()}
    mine: dict[str, dict[int, set[str]]] = defaultdict(dict)
    for p, c in rows.pairs:
        mine[names[c]][int(p)] = set()
    for p, c, path, _stance in rows.applied:
        mine[names[c]][int(p)].add(path)
    frozen = {u: {p: frozenset(s) for p, s in sets.items()} for u, sets in mine.items()}
    comparisons = _comparisons(session, project, settings.against, frozen)
    times = _coding_times(session, project)
    ids = {user: cid for cid, user in names.items()}
    docs = _documents(session, project)
    certified = certifications(session, project)
    coders = []
    for user in sorted(frozen):
        coded = [
            CodedPassage(p, docs.get(p, ""), times[(p, ids[user])].isoformat(), codes_of)
            for p, codes_of in frozen[user].items()
        ]
        coders.append(
            coder_drift(
                user,
                coded,
                comparisons[user],
                codes,
                window=settings.window,
                step=settings.step,
                per_document=settings.per_document,
                threshold=settings.threshold,
                certification=certified.get(user),
                drop=settings.drop,
                replicates=settings.replicates,
                seed=settings.seed,
            )
        )
    return DriftReport(
        against=settings.against,
        window=settings.window,
        step=settings.step or settings.window,
        per_document=settings.per_document,
        threshold=settings.threshold,
        drop=settings.drop,
        codes=tuple(codes),
        coders=tuple(coders),
        names={user: name for user, name in rows.users.values()},
        coder_ids=ids,
    )
