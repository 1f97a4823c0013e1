"""Production coding in order of uncertainty: the passages whose suggestion is least certain
(probability nearest 0.5) first.

A coder may choose this order in the coding view when suggestions are offered to them (the lead
enabled at least one ready code). It is never used in a reliability round or a gold check: a
round's view keeps its document order, and passages the coder has in a round have no
suggestion, so they come last, in document order. A passage's uncertainty is that of its least
certain enabled code (``core.suggest.model.uncertainty``).

In a blind project the passages whose codings trained the model have no suggestion either (it
could echo another coder's coding). Put last together, they would tell the coder which passages
others have already coded alike; so each takes a place drawn at random instead (seeded by coder
and passage, so it is the same on every page), and where it falls says nothing about codings.
"""

from __future__ import annotations

import random

import numpy as np
from sqlalchemy.orm import Session

from workbench.coding.view import ViewFilters
from workbench.coding.view import scope_texts
from workbench.core.suggest.model import uncertainty
from workbench.models import Project
from workbench.models import User
from workbench.quality.suggestions import prepare

UNCERTAINTY = "uncertainty"


def offered(session: Session, project: Project, coder: User, f: ViewFilters) -> bool:
    """Whether the uncertainty order can be chosen in this view (suggestions on, no round)."""
    return f.round_id is None and prepare(session, project, coder) is not None


def uncertainty_order(
    session: Session, project: Project, coder: User, f: ViewFilters
) -> list[int] | None:
    """The view's passage ids, least certain suggestion first; None when not offered here."""
    if f.round_id is not None:
        return None
    prepared = prepare(session, project, coder)
    if prepared is None:
        return None
    passages = scope_texts(session, project, coder, f)
    scored = [
        (pid, text) for pid, text, codable in passages if codable and pid not in prepared.withheld
    ]
    hidden = [pid for pid, _, codable in passages if codable and pid in prepared.trained]
    models = prepared.models
    columns = [models.codes.index(path) for _, path in prepared.ready if path in models.codes]
    if not columns:
        return [pid for pid, _, _ in passages]
    closeness = uncertainty(models.probabilities([text for _, text in scored])[:, columns])
    ranked_ids = [pid for pid, _ in scored] + hidden
    values = [*closeness.tolist(), *(_drawn(coder.id, pid) for pid in hidden)]
    # Stable: equally uncertain passages keep their document order.
    ranked = [ranked_ids[i] for i in np.argsort(-np.asarray(values), kind="stable")]
    first = set(ranked)
    return ranked + [pid for pid, _, _ in passages if pid not in first]


def _drawn(coder_id: int, passage_id: int) -> float:
    """A closeness to 0.5 drawn at random, the same for this coder and passage every time."""
    return random.Random(f"{coder_id}:{passage_id}").random()
