"""Coding across versions: one coder's (or the consensus') codes on each aligned pair."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.agreement import Resampling
from workbench.core.alignment.compare import Comparison
from workbench.core.alignment.compare import SideCodes
from workbench.core.alignment.compare import compare
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import DocumentLink
from workbench.models import PassageState
from workbench.translations.alignments import PairView
from workbench.translations.alignments import views

CONSENSUS = "consensus"


@dataclass(frozen=True, slots=True)
class CrossVersion:
    """The comparison with the pairs and code names it speaks of."""

    layer: str
    pairs: list[PairView]
    comparison: Comparison
    code_names: dict[int, str]


def cross_version(
    session: Session,
    link: DocumentLink,
    coder_id: int | None,
    *,
    resampling: Resampling | None = None,
) -> CrossVersion:
    """Compare a coder's codes (``coder_id``) or the consensus' (None) across the versions."""
    pairs = views(session, link)
    passage_ids = {u.passage_id for p in pairs for u in [*p.source, *p.target]}
    codes: dict[int, dict[int, int | None]] = defaultdict(dict)
    coded: set[int] = set()
    if passage_ids:
        if coder_id is None:
            for a in session.scalars(
                select(ConsensusAnnotation).where(ConsensusAnnotation.passage_id.in_(passage_ids))
            ):
                codes[a.passage_id][a.code_id] = a.stance
            coded = set(
                session.scalars(
                    select(ConsensusState.passage_id).where(
                        ConsensusState.passage_id.in_(passage_ids)
                    )
                )
            )
        else:
            for b in session.scalars(
                select(Annotation).where(
                    Annotation.passage_id.in_(passage_ids), Annotation.coder_id == coder_id
                )
            ):
                codes[b.passage_id][b.code_id] = b.stance
            coded = set(
                session.scalars(
                    select(PassageState.passage_id).where(
                        PassageState.passage_id.in_(passage_ids),
                        PassageState.coder_id == coder_id,
                        PassageState.coded.is_(True),
                    )
                )
            )

    def side(passages: set[int]) -> SideCodes:
        # A side is coded when every passage in it is; its codes are their union (the stance of
        # a code on several passages of one side is the last passage's).
        if not passages or not passages <= coded:
            return None
        merged: dict[int, int | None] = {}
        for pid in sorted(passages):
            merged.update(codes.get(pid, {}))
        return merged

    units = [
        (side({u.passage_id for u in p.source}), side({u.passage_id for u in p.target}))
        for p in pairs
    ]
    used = sorted({c for s, t in units for c in [*(s or {}), *(t or {})]})
    names: dict[int, str] = {}
    if used:
        rows = session.execute(select(Code.id, Code.name).where(Code.id.in_(used))).tuples()
        names = {cid: name for cid, name in rows}
    return CrossVersion(
        CONSENSUS if coder_id is None else str(coder_id),
        pairs,
        compare(units, used, resampling),
        names,
    )
