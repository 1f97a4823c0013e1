"""Co-occurrence counts a pair only within one coder's (or the consensus') coding of a passage.

Hand-computed fixture, three codes (A = Capacity-building, B = Sovereignty, C = Double
standards) on three passages:
- p0: coder one applies A, coder two applies B; the consensus is A and B.
- p1: both coders apply A and B.
- p2: coder one applies A, B and C; coder two applies C.
All coders: A×B = 2 (p1, p2; not p0, where no coder made the pair), A×C = 1, B×C = 1; the
diagonal counts passages carrying the code: A 3, B 3, C 1.
Coder one: A×B = 2, A×C = 1. Coder two: A×B = 1. Consensus: A×B = 1 (p0).
The export's walk (the Cooccurrence sheet) gives the same figures.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.analysis import frequencies
from workbench.analysis import layers
from workbench.analysis import sheet_context
from workbench.analysis.summary import LayerSummary
from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.models import Passage
from workbench.reliability import adjudication

TEXT = "\n\n".join(f"Paragraph {i} on counter-terrorism cooperation." for i in range(3)).encode()


@pytest.fixture()
def fixture(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    lead = make_user("lead", name="Lead")
    one = make_user("one", name="Coder One")
    two = make_user("two", name="Coder Two")
    project = make_project("Pairs", lead=lead, coders=(one, two))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("doc.txt", TEXT)])
    codes = {c.name: c.id for c in codebooks.live_codes(session, project)}
    a, b, c = codes["Capacity-building"], codes["Sovereignty"], codes["Double standards"]
    p = session.scalars(
        select(Passage.id).where(Passage.project_id == project.id).order_by(Passage.ordinal)
    ).all()
    for coder, passage, code in [
        (one, p[0], a),
        (two, p[0], b),
        (one, p[1], a),
        (one, p[1], b),
        (two, p[1], a),
        (two, p[1], b),
        (one, p[2], a),
        (one, p[2], b),
        (one, p[2], c),
        (two, p[2], c),
    ]:
        coding.apply_code(session, project, coder, passage, code)
    adjudication.resolve(session, project, lead, p[0], {a: None, b: None})
    session.commit()
    return project, a, b, c


def _matrix(session: Session, project: Any, layer: str) -> dict[tuple[int, int], int]:
    _codes, matrix = frequencies.cooccurrence(
        session, project, ExportScope(layer=Layer.parse(layer))
    )
    return matrix


def _walk(session: Session, project: Any, layer: str) -> dict[tuple[int, int], int]:
    ctx = sheet_context.load_context(session, project, ExportScope(layer=Layer.parse(layer)))
    summary = LayerSummary(
        ctx.codes, layers.document_labels(session, project), lambda: sheet_context.grouped(ctx)
    )
    return summary.matrix()


@pytest.mark.parametrize("source", [_matrix, _walk], ids=["page", "export"])
def test_pairs_count_only_within_one_coding(session: Session, fixture: Any, source: Any) -> None:
    project, a, b, c = fixture
    every = source(session, project, "coders")
    assert (every[(a, a)], every[(b, b)], every[(c, c)]) == (3, 3, 1)
    assert every[(a, b)] == every[(b, a)] == 2  # p1 and p2; p0's A and B were two coders'
    assert every[(a, c)] == 1 and every[(b, c)] == 1
    one = source(session, project, "coder:one")
    assert (one[(a, b)], one[(a, c)], one[(b, c)], one[(a, a)]) == (2, 1, 1, 3)
    two = source(session, project, "coder:two")
    assert two[(a, b)] == 1 and two.get((a, c), 0) == 0 and two.get((b, c), 0) == 0
    consensus = source(session, project, "consensus")
    assert consensus[(a, b)] == 1 and consensus[(a, a)] == 1 and consensus.get((c, c), 0) == 0
