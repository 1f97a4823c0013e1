"""Production coding in order of uncertainty: the passages whose suggestion is least certain
(probability nearest 0.5) first.

A coder may choose this order in the coding view when suggestions are offered to them (the lead
enabled at least one ready code). It is never used in a reliability round or a gold check: a
round's view keeps its document order, and passages the coder has in a round have no
suggestion, so they come last, in document order. A passage's uncertainty is that of its least
certain enabled code (``core.suggest.model.uncertainty``).

In a blind project the passages whose codings trained the model are scored by the models fitted
without them (cross-fitting, ``TrainedModels.held_out``), like any other passage. A model stored
before those existed has none: such passages get no suggestion, and rather than come last
together (which would tell the coder which passages others coded alike) each takes a place
drawn at random (seeded by coder and passage, the same on every page).
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
    models = prepared.models
    columns = [models.codes.index(path) for _, path in prepared.ready if path in models.codes]
    if not columns:
        return [pid for pid, _, _ in passages]
    codable = [(pid, text) for pid, text, can in passages if can]
    scored = prepared.probabilities(codable)
    ranked_ids = [pid for pid, _ in codable if pid in scored]  # in document order
    values = [float(uncertainty(scored[pid][None, columns])[0]) for pid in ranked_ids]
    # Withheld because the only models saw their labels (a blind project's model stored before
    # cross-fitting): last together, they would tell which passages others coded alike.
    hidden = [pid for pid, _ in codable if pid in prepared.trained and pid not in scored]
    ranked_ids += hidden
    values += [_drawn(coder.id, pid) for pid in hidden]
    # Stable: equally uncertain passages keep their document order.
    ranked = [ranked_ids[i] for i in np.argsort(-np.asarray(values), kind="stable")]
    first = set(ranked)
    return ranked + [pid for pid, _, _ in passages if pid not in first]


def _drawn(coder_id: int, passage_id: int) -> float:
    """A closeness to 0.5 drawn at random, the same for this coder and passage every time."""
    return random.Random(f"{coder_id}:{passage_id}").random()
