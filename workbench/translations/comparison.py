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
from workbench.core.codebook_labels import CodeName
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import DocumentLink
from workbench.models import Passage
from workbench.models import PassageState
from workbench.translations.alignments import PairView
from workbench.translations.alignments import pairs_of
from workbench.translations.alignments import views

CONSENSUS = "consensus"


@dataclass(frozen=True, slots=True)
class CrossVersion:
    """The comparison with the pairs and code names it speaks of."""

    layer: str
    pairs: list[PairView]
    comparison: Comparison
    code_names: dict[int, CodeName]


def cross_version(
    session: Session,
    link: DocumentLink,
    coder_id: int | None,
    *,
    resampling: Resampling | None = None,
) -> CrossVersion:
    """Compare a coder's codes (``coder_id``) or the consensus' (None) across the versions."""
    pairs = views(session, link)
    stored = pairs_of(session, link)
    passage_ids = {u[0] for p in stored for u in [*p.source_units, *p.target_units]}
    lengths: dict[int, int] = {}
    found: dict[int, list[tuple[int, int | None, int | None, int | None]]] = defaultdict(list)
    coded: set[int] = set()
    if passage_ids:
        lengths = {
            pid: len(text)
            for pid, text in session.execute(
                select(Passage.id, Passage.text).where(Passage.id.in_(passage_ids))
            ).tuples()
        }
        if coder_id is None:
            for a in session.scalars(
                select(ConsensusAnnotation).where(ConsensusAnnotation.passage_id.in_(passage_ids))
            ):
                found[a.passage_id].append((a.code_id, a.stance, None, None))
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
                found[b.passage_id].append((b.code_id, b.stance, b.span_start, b.span_end))
            coded = set(
                session.scalars(
                    select(PassageState.passage_id).where(
                        PassageState.passage_id.in_(passage_ids),
                        PassageState.coder_id == coder_id,
                        PassageState.coded.is_(True),
                    )
                )
            )

    def side(units: list[list[int]]) -> SideCodes:
        # A side is coded when every passage in it is. A coding counts for a unit when it is a
        # selection inside the unit, or a whole-passage coding of a passage the unit covers; a
        # whole-passage coding of a passage cut across several pairs cannot say which pair it
        # belongs to, so that side is left out of the comparison (missing).
        if not units:
            return None
        merged: dict[int, int | None] = {}
        for pid, start, end in units:
            if pid not in coded:
                return None
            whole = start == 0 and end == lengths.get(pid, -1)
            for code, stance, span_start, span_end in found.get(pid, []):
                if span_start is None or span_end is None:
                    if not whole:
                        return None
                    merged[code] = stance
                elif span_start < end and span_end > start:
                    merged[code] = stance
        return merged

    units = [(side(p.source_units), side(p.target_units)) for p in stored]
    used = sorted({c for s, t in units for c in [*(s or {}), *(t or {})]})
    names: dict[int, CodeName] = {}
    if used:
        rows = session.execute(
            select(Code.id, Code.name, Code.name_zh).where(Code.id.in_(used))
        ).tuples()
        names = {cid: CodeName(name, name_zh or "") for cid, name, name_zh in rows}
    return CrossVersion(
        CONSENSUS if coder_id is None else str(coder_id),
        pairs,
        compare(units, used, resampling),
        names,
    )
