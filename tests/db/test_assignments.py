"""Assignments: documents and stratified samples go to coders with the overlap asked for."""

from __future__ import annotations

import math
from collections import Counter

import pytest
from sqlalchemy import select

from workbench.coding import assignments
from workbench.core.errors import ValidationError
from workbench.models import Assignment
from workbench.models import Passage


@pytest.fixture()
def setup(session, make_user, make_project, import_text):
    lead = make_user("lead")
    coders = [make_user(f"c{i}") for i in range(3)]
    project = make_project("Assign", lead=lead, coders=tuple(coders))
    files = [
        (
            f"d{n}.txt",
            "\n\n".join(f"Doc {n} paragraph {i} on sovereignty." for i in range(size)).encode(),
        )
        for n, size in enumerate([10, 20, 30])
    ]
    import_text(project, files)
    docs = sorted({d for (d,) in session.execute(select(Passage.document_id))})
    return project, coders, docs


def test_documents_with_twenty_percent_overlap(session, setup) -> None:
    project, coders, docs = setup
    message = assignments.assign_documents(
        session, project, docs, [c.id for c in coders], overlap=0.2, seed=3
    )
    session.commit()
    rows = session.execute(
        select(Assignment.passage_id, Assignment.coder_id, Assignment.overlap)
    ).all()
    per_passage = Counter(p for p, _c, _o in rows)
    doc_of = dict(session.execute(select(Passage.id, Passage.document_id)).tuples().all())
    for doc, size in zip(docs, [10, 20, 30], strict=True):
        counts = [per_passage[p] for p, d in doc_of.items() if d == doc]
        assert len(counts) == size  # every codable passage is assigned
        assert sum(1 for n in counts if n == 2) == math.ceil(0.2 * size)
        assert all(n in (1, 2) for n in counts)
    # Double-coded passages go to two different coders and are marked as overlap.
    pairs = Counter((p, c) for p, c, _o in rows)
    assert max(pairs.values()) == 1
    assert all(o for p, _c, o in rows if per_passage[p] == 2)
    assert "assignments added" in message
    # Assigning again adds nothing (idempotent).
    again = assignments.assign_documents(
        session, project, docs, [c.id for c in coders], overlap=0.2, seed=3
    )
    assert again.startswith("0 assignments")


def test_sample_is_stratified_and_reproducible(session, setup) -> None:
    project, _coders, docs = setup
    first = assignments.sample_passages(session, project, 12, seed=42)
    second = assignments.sample_passages(session, project, 12, seed=42)
    other = assignments.sample_passages(session, project, 12, seed=43)
    assert first == second and first != other and len(first) == 12
    doc_of = dict(session.execute(select(Passage.id, Passage.document_id)).tuples().all())
    per_doc = Counter(doc_of[p] for p in first)
    # Proportional to 10/20/30 passages: 2, 4 and 6.
    assert [per_doc[d] for d in docs] == [2, 4, 6]


def test_bad_requests(session, setup, make_user) -> None:
    project, coders, docs = setup
    stranger = make_user("stranger")
    with pytest.raises(ValidationError):
        assignments.assign_documents(session, project, docs, [stranger.id], overlap=0.2)
    with pytest.raises(ValidationError):
        assignments.assign_documents(session, project, [], [coders[0].id], overlap=0.2)
    with pytest.raises(ValidationError):
        assignments.sample_passages(session, project, 0, seed=1)
