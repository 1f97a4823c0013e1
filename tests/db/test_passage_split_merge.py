"""Splitting a passage at a character and merging it with the next one, with undo."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.db.lifecycle_fixtures import build
from tests.db.lifecycle_fixtures import code_paragraphs
from tests.db.lifecycle_fixtures import dump
from tests.db.lifecycle_fixtures import passages_of
from tests.db.lifecycle_fixtures import span_of
from workbench.coding import actions as coding
from workbench.core.errors import ValidationError
from workbench.documents import layout_preview
from workbench.documents import lifecycle_history
from workbench.documents import passage_edits
from workbench.documents import passage_layout
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import ConsensusState
from workbench.models import PassageState


@pytest.fixture()
def coded(session: Session, make_user, make_project, import_text):
    c = build(session, make_user, make_project, import_text)
    code_paragraphs(session, c)
    return c


def _apply(session: Session, c, layout) -> tuple[layout_preview.Preview, int]:
    preview = layout_preview.preview(session, c.document, layout)
    event_id = passage_layout.apply(
        session, c.project, c.lead, c.document, layout, preview.fingerprint
    )
    session.commit()
    return preview, event_id


def test_split_puts_whole_codings_on_both_halves_for_review(session: Session, coded) -> None:
    p2 = coded.passages[2]
    crossing = span_of(p2, "indispensable partner. Banks")
    coding.apply_code(session, coded.project, coded.coder2, p2.id, coded.codes[3].id, span=crossing)
    session.commit()
    before = dump(session)
    at = p2.text.index("Banks")
    layout = passage_edits.split_layout(session, coded.document, p2, at)
    preview, event_id = _apply(session, coded, layout)
    assert preview.stuck == []
    review = sorted((line.kind, line.who, line.status) for line in preview.review)
    assert review == [
        ("coder's passage state", "Coder One", "copied"),
        ("coder's passage state", "Coder Two", "copied"),
        ("coding", "Coder One", "copied"),
        ("coding", "Coder Two", "copied"),
    ]
    halves = passages_of(session, coded.document.id)[2:]
    assert [h.text for h in halves] == [
        "The private sector is an indispensable partner.",
        "Banks must report suspicious transactions. Regulators must act quickly.",
    ]
    on = {
        h.id: sorted(
            (
                a.coder_id,
                a.code_id,
                h.text if a.span_start is None else h.text[a.span_start : a.span_end],
                a.memo,
            )
            for a in session.scalars(select(Annotation).where(Annotation.passage_id == h.id))
        )
        for h in halves
    }
    c1, c2, codes = coded.coder1.id, coded.coder2.id, coded.codes
    assert on[halves[0].id] == sorted(
        [
            (c1, codes[0].id, halves[0].text, "about banks"),
            (c2, codes[3].id, "indispensable partner.", ""),
        ]
    )
    assert on[halves[1].id] == sorted(
        [
            (c1, codes[0].id, halves[1].text, "about banks"),
            (c2, codes[2].id, "Banks must report", ""),
            (c2, codes[3].id, "Banks", ""),
        ]
    )
    memos = {
        (s.passage_id, s.coder_id): (s.coded, s.memo)
        for s in session.scalars(
            select(PassageState).where(PassageState.passage_id.in_([h.id for h in halves]))
        )
    }
    assert memos[(halves[0].id, c2)] == memos[(halves[1].id, c2)] == (True, "unsure here")
    assert {a.passage_id for a in session.scalars(select(Assignment))} >= {h.id for h in halves}
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert dump(session) == before


def test_merge_joins_codings_and_lists_partial_decisions(session: Session, coded) -> None:
    p0, p1 = coded.passages[0], coded.passages[1]
    coding.apply_code(
        session, coded.project, coded.coder1, p1.id, coded.codes[0].id, stance=1, memo="second"
    )
    session.commit()
    before = dump(session)
    layout = passage_edits.merge_layout(session, coded.document, p0)
    preview, event_id = _apply(session, coded, layout)
    stuck = sorted((line.kind, line.who) for line in preview.stuck)
    # Coder Two coded only the second half; the consensus was reached on the second half only.
    assert stuck == [
        ("coder's passage state", "Coder Two"),
        ("consensus code", "consensus"),
        ("consensus decision", "consensus"),
    ]
    merged = passages_of(session, coded.document.id)[0]
    assert merged.text == p0.text + "\n\n" + p1.text
    assert len(passages_of(session, coded.document.id)) == 2
    rows = {
        (a.coder_id, a.code_id): (a.span_start, a.span_end, a.memo)
        for a in session.scalars(select(Annotation).where(Annotation.passage_id == merged.id))
    }
    c1, c2, codes = coded.coder1.id, coded.coder2.id, coded.codes
    assert rows[(c1, codes[0].id)] == (None, None, "whole first\n\nsecond")  # both halves: whole
    assert rows[(c2, codes[0].id)] == (len(p0.text) + 2, len(merged.text), 'He said "no"')
    start = p0.text.index("It is the key")
    assert rows[(c1, codes[1].id)] == (start, len(p0.text), "")
    assert session.scalars(select(ConsensusState)).all() == []
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert dump(session) == before


def test_bad_split_and_merge_positions_are_refused(session: Session, coded) -> None:
    p0, last = coded.passages[0], coded.passages[-1]
    for at in (0, len(p0.text), -3, 10_000):
        with pytest.raises(ValidationError, match="inside the passage"):
            passage_edits.split_layout(session, coded.document, p0, at)
    # A cut in the white space between two sentences leaves no white space on either half.
    layout = passage_edits.split_layout(session, coded.document, p0, p0.text.index(" It"))
    first, second = layout.passages[0], layout.passages[1]
    text = coded.document.text
    assert text[first.start : first.end].endswith("countries.")
    assert text[second.start : second.end].startswith("It is the key")
    with pytest.raises(ValidationError, match="last passage"):
        passage_edits.merge_layout(session, coded.document, last)
