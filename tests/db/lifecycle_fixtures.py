"""A coded document for the lifecycle tests: codings, states, memos, consensus, assignments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.coding import assignments
from workbench.documents.snapshot import TABLES
from workbench.models import Code
from workbench.models import Document
from workbench.models import Passage
from workbench.reliability import adjudication
from workbench.reliability import rounds

TEXT = (
    "We support capacity-building for developing countries. "
    "It is the key to lasting security.\n\n"
    "We oppose interference in the internal affairs of sovereign States.\n\n"
    "The private sector is an indispensable partner. "
    "Banks must report suspicious transactions. Regulators must act quickly.\n"
)
OTHER = b"A second statement about sanctions regimes and their humanitarian exemptions.\n"


@dataclass
class Coded:
    """The coded project and the handles the tests need."""

    project: Any
    lead: Any
    coder1: Any
    coder2: Any
    codes: list[Code]
    document: Document
    other: Document
    passages: list[Passage]


def passages_of(session: Session, document_id: int) -> list[Passage]:
    """A document's passages in order."""
    return list(
        session.scalars(
            select(Passage).where(Passage.document_id == document_id).order_by(Passage.ordinal)
        )
    )


def span_of(passage: Passage, piece: str) -> coding.Span:
    """The span of a piece of a passage's text."""
    start = passage.text.index(piece)
    return coding.Span(start, start + len(piece))


def build(session: Session, make_user, make_project, import_text, mode: str = "paragraph") -> Coded:
    """Import the document and code it the way a team would."""
    lead = make_user("lead", name="Lead")
    coder1 = make_user("coder1", name="Coder One")
    coder2 = make_user("coder2", name="Coder Two")
    project = make_project("CT study", lead=lead, coders=(coder1, coder2), blind=True)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", TEXT.encode()), ("other.txt", OTHER)], mode=mode)
    docs = {d.filename: d for d in session.scalars(select(Document))}
    document, other = docs["statement.txt"], docs["other.txt"]
    codes = [c for c in codebooks.live_codes(session, project) if c.is_codable][:4]
    ps = passages_of(session, document.id)
    return Coded(project, lead, coder1, coder2, codes, document, other, ps)


def code_paragraphs(session: Session, c: Coded) -> None:
    """Codings on the three paragraphs (the document imported by paragraph)."""
    a, b, k = c.codes[0].id, c.codes[1].id, c.codes[2].id
    p0, p1, p2 = c.passages
    coding.apply_code(session, c.project, c.coder1, p0.id, a, stance=1, memo="whole first")
    coding.apply_code(
        session,
        c.project,
        c.coder1,
        p0.id,
        b,
        span=span_of(p0, "It is the key to lasting security."),
    )
    coding.apply_code(session, c.project, c.coder2, p1.id, a, stance=-1, memo='He said "no"')
    coding.apply_code(session, c.project, c.coder2, p2.id, k, span=span_of(p2, "Banks must report"))
    coding.apply_code(session, c.project, c.coder1, p2.id, a, memo="about banks")
    for p in (p0, p1, p2):
        coding.set_done(session, c.project, c.coder1, p.id, True)
    coding.set_done(session, c.project, c.coder2, p1.id, True)
    coding.set_passage_memo(session, c.project, c.coder2, p2.id, "unsure here", limit=1000)
    adjudication.resolve(session, c.project, c.lead, p1.id, {a: -1}, note="agreed")
    assignments.assign_documents(
        session, c.project, [c.document.id], [c.coder1.id, c.coder2.id], overlap=1.0, seed=3
    )
    rounds.create_round(
        session,
        c.project,
        c.lead,
        name="Round 1",
        size=2,
        coder_ids=[c.coder1.id, c.coder2.id],
        seed=5,
        doc_ids=[c.document.id],
    )
    session.commit()


def dump(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table a document's lifecycle touches, rounds included."""
    from sqlalchemy import Table

    from workbench.models import ReliabilityRound

    tables: dict[str, Table] = dict(TABLES)
    tables["reliability_round"] = ReliabilityRound.__table__  # type: ignore[assignment]
    conn = session.connection()
    return {
        name: [dict(r) for r in conn.execute(select(t).order_by(t.c.id)).mappings()]
        for name, t in tables.items()
    }
