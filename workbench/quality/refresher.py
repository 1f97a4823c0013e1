"""Refresher sets: gold passages a drifting coder has not coded yet, put in their queue."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.coding import assignments
from workbench.core.errors import Conflict
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import Assignment
from workbench.models import PassageState
from workbench.models import Project
from workbench.models import User
from workbench.quality.drift import gold_passage_ids
from workbench.reliability import records as agreement_data
from workbench.reliability.rounds import record_change

DEFAULT_REFRESHER = 10


def assign_refresher(
    session: Session, project: Project, actor: User, coder_id: int, size: int = DEFAULT_REFRESHER
) -> int:
    """Give the coder up to ``size`` gold passages they have neither coded nor been given."""
    if not 1 <= size <= 500:
        raise ValidationError(_("size: give a number of passages between 1 and 500."))
    (coder,) = assignments.coders_of(session, project, [coder_id])
    gold = gold_passage_ids(session, project)
    if not gold:
        raise Conflict(_("There is no gold round yet: declare a round's consensus gold first."))
    done = set(
        session.scalars(
            select(PassageState.passage_id).where(
                PassageState.coder_id == coder.id, PassageState.coded.is_(True)
            )
        )
    ) | set(session.scalars(select(Assignment.passage_id).where(Assignment.coder_id == coder.id)))
    candidates = sorted(p for p in gold if p not in done)
    if not candidates:
        raise Conflict(
            _(
                "%(coder)s has already coded or been given every gold passage; declare another "
                "round gold for a new refresher set.",
                coder=coder.display_name,
            )
        )
    # Seeded by project, coder and how much they have done: the same request draws the same set.
    rng = random.Random(f"refresher:{project.id}:{coder.id}:{len(done)}")
    chosen = sorted(rng.sample(candidates, min(size, len(candidates))))
    by_round: dict[int, list[int]] = defaultdict(list)
    for pid in chosen:
        by_round[gold[pid].id].append(pid)
    added = 0
    for pids in by_round.values():
        rnd = gold[pids[0]]
        # Whether the coder was one of the round's own coders, asked before they are given more.
        own_coders = agreement_data.round_coder_ids(session, rnd)
        added += assignments.assign_round(session, project, rnd, pids, [coder])
        sample: dict[str, Any] = dict(rnd.sample or {})
        if coder.id not in own_coders:
            # Kept apart like a gold trainee: the round's own agreement stays among its coders.
            sample["trainee_ids"] = sorted({*sample.get("trainee_ids", []), coder.id})
            rnd.sample = sample
        record_change(
            session,
            project,
            actor,
            rnd,
            "refresher",
            after={"coder_id": coder.id, "passages": pids},
        )
    return added
