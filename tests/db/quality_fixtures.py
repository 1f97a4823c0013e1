"""Synthetic projects whose answer is known, for the drift monitor and the suggestions."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.unit.synthetic_text import sentences
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Passage
from workbench.models import PassageState

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def make_codes(session: Session, project: Any, names: list[str], **fields: Any) -> list[Code]:
    """Codes with the given names (and fields), committed."""
    codes = [
        Code(project_id=project.id, key=f"k{i}", name=name, sort_order=i, **fields)
        for i, name in enumerate(names)
    ]
    session.add_all(codes)
    session.commit()
    return codes


def passages_of(session: Session, project: Any) -> list[Passage]:
    """The project's codable passages in document order."""
    return list(
        session.scalars(
            select(Passage)
            .where(Passage.project_id == project.id, Passage.codable.is_(True))
            .order_by(Passage.document_id, Passage.ordinal)
        )
    )


def code_passages(
    session: Session,
    project: Any,
    coder: Any,
    codings: list[tuple[int, set[int]]],
    *,
    start: datetime = START,
    **columns: Any,
) -> None:
    """The coder codes (passage id, code ids) in the given order, a minute apart."""
    for i, (pid, code_ids) in enumerate(codings):
        at = start + timedelta(minutes=i)
        session.execute(
            insert(PassageState).values(
                project_id=project.id,
                passage_id=pid,
                coder_id=coder.id,
                coded=True,
                memo="",
                updated_at=at,
            )
        )
        for cid in code_ids:
            session.execute(
                insert(Annotation).values(
                    project_id=project.id,
                    passage_id=pid,
                    coder_id=coder.id,
                    code_id=cid,
                    memo="",
                    created_at=at,
                    updated_at=at,
                    **columns,
                )
            )
    session.commit()


def set_consensus(
    session: Session, project: Any, lead: Any, codings: list[tuple[int, set[int]]]
) -> None:
    """The lead's consensus on the given passages."""
    for pid, code_ids in codings:
        session.execute(
            insert(ConsensusState).values(
                project_id=project.id,
                passage_id=pid,
                resolved_by_id=lead.id,
                resolved_at=START,
                memo="",
            )
        )
        for cid in code_ids:
            session.execute(
                insert(ConsensusAnnotation).values(
                    project_id=project.id,
                    passage_id=pid,
                    code_id=cid,
                    memo="",
                    resolved_by_id=lead.id,
                    resolved_at=START,
                )
            )
    session.commit()


def keyword_project(session, make_user, make_project, import_text):
    """Lead, coders ann and bob; a keyword code and a random code, 160 labelled passages."""
    lead = make_user("lead")
    ann, bob = make_user("ann"), make_user("bob")
    project = make_project(lead=lead, coders=(ann, bob))
    texts, hits = sentences(160, seed=2)
    import_text(project, [("record.txt", "\n\n".join(texts).encode())])
    partnership, randomly = make_codes(session, project, ["Partnership", "Random"])
    partnership.keywords_en = ["public-private partnership"]
    partnership.keywords_zh = ["公私伙伴关系"]
    session.commit()
    ids = [p.id for p in passages_of(session, project)]
    assert len(ids) == 160
    rng = np.random.default_rng(1)
    truth = [
        (
            pid,
            ({partnership.id} if hit else set()) | ({randomly.id} if rng.random() < 0.3 else set()),
        )
        for pid, hit in zip(ids, hits, strict=True)
    ]
    # Passages 0-39 have a consensus; 40-159 are coded by both coders, who agree.
    set_consensus(session, project, lead, truth[:40])
    code_passages(session, project, ann, truth[40:])
    code_passages(session, project, bob, truth[40:])
    return project, lead, ann, partnership, randomly


def drifting_project(session, make_user, make_project, import_text):
    """Coders steady and drifter on 100 passages with a consensus; drifter codes at random
    from passage 61 on. Returns the project and the passage ids in order."""
    lead = make_user("lead")
    steady, drifter = make_user("steady"), make_user("drifter")
    project = make_project(lead=lead, coders=(steady, drifter))
    text = "\n\n".join(f"Paragraph number {i} of the record." for i in range(100))
    import_text(project, [("record.txt", text.encode())])
    codes = [c.id for c in make_codes(session, project, ["A", "B", "C", "D"])]
    rng = np.random.default_rng(5)
    ids = [p.id for p in passages_of(session, project)]
    assert len(ids) == 100
    truth = [(pid, {c for c in codes if rng.random() < 0.35}) for pid in ids]
    set_consensus(session, project, lead, truth)
    code_passages(session, project, steady, truth)
    noisy = truth[:60] + [(pid, {c for c in codes if rng.random() < 0.5}) for pid, _ in truth[60:]]
    code_passages(session, project, drifter, noisy)
    return project, ids
