"""Re-segmenting a document: codings move where their text is unchanged, the rest is listed."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.db.lifecycle_fixtures import build
from tests.db.lifecycle_fixtures import code_paragraphs
from tests.db.lifecycle_fixtures import dump
from tests.db.lifecycle_fixtures import passages_of
from workbench.coding import actions as coding
from workbench.core.errors import Conflict
from workbench.core.errors import ValidationError
from workbench.documents import layout_preview
from workbench.documents import lifecycle_history
from workbench.documents import passage_layout
from workbench.documents import resegment
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import AuditEvent
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import PassageState


def _annotations(session: Session, document_id: int) -> list[tuple[str, int, int, str]]:
    """(coded text, coder, code, memo) of every coding on the document, in a stable order."""
    texts = {p.id: p.text for p in passages_of(session, document_id)}
    rows = session.scalars(select(Annotation).where(Annotation.passage_id.in_(texts))).all()
    out = []
    for a in rows:
        text = texts[a.passage_id]
        coded = text if a.span_start is None else text[a.span_start : a.span_end]
        out.append((coded, a.coder_id, a.code_id, a.memo))
    return sorted(out)


@pytest.fixture()
def coded(session: Session, make_user, make_project, import_text):
    c = build(session, make_user, make_project, import_text)
    code_paragraphs(session, c)
    return c


def test_preview_lists_what_cannot_move_and_changes_nothing(session: Session, coded) -> None:
    before = dump(session)
    layout = resegment.layout_for(coded.document, "sentence")
    preview = layout_preview.preview(session, coded.document, layout)
    assert (preview.old_count, preview.new_count, preview.kept_passages) == (3, 6, 1)
    stuck = sorted((line.kind, line.who, line.old_ordinal) for line in preview.stuck)
    assert stuck == [
        ("coder's passage state", "Coder One", 1),
        ("coder's passage state", "Coder One", 3),
        ("coder's passage state", "Coder Two", 3),
        ("coding", "Coder One", 1),
        ("coding", "Coder One", 3),
    ]
    whole_first = next(
        line for line in preview.stuck if line.kind == "coding" and line.old_ordinal == 1
    )
    assert whole_first.code == coded.codes[0].name
    assert whole_first.reason == "its text now crosses a passage boundary"
    assert whole_first.excerpt.startswith("We support capacity-building")
    assert dump(session) == before
    # The round drew two of the three paragraphs; any drawn paragraph but the middle one is cut.
    drawn = {
        a.passage_id
        for a in session.scalars(select(Assignment).where(Assignment.round_id.is_not(None)))
    }
    moved = len(drawn - {coded.passages[1].id}) * 2  # two coders each
    assert preview.rounds == ([("Round 1", moved)] if moved else [])


def test_resegment_moves_codings_with_unchanged_text(session: Session, coded) -> None:
    before = _annotations(session, coded.document.id)
    kept_id = coded.passages[1].id
    layout = resegment.layout_for(coded.document, "sentence")
    preview = layout_preview.preview(session, coded.document, layout)
    passage_layout.apply(
        session, coded.project, coded.lead, coded.document, layout, preview.fingerprint
    )
    session.commit()
    after = _annotations(session, coded.document.id)
    moved = [row for row in before if row[3] not in ("whole first", "about banks")]
    # A span's text stays the same text; a whole passage that reappears stays whole.
    assert sorted(moved) == after
    new = passages_of(session, coded.document.id)
    assert [p.ordinal for p in new] == list(range(6))
    assert new[2].id == kept_id  # the unchanged paragraph is the same passage
    doc = session.get(Document, coded.document.id)
    assert doc is not None and (doc.segmentation, doc.passage_count) == ("sentence", 6)
    states = session.scalars(
        select(PassageState.passage_id).where(PassageState.passage_id.in_([p.id for p in new]))
    ).all()
    assert sorted(states) == [kept_id, kept_id]
    assert session.scalars(select(ConsensusState.passage_id)).all() == [kept_id]
    # Assignments follow the text: the first paragraph's go to both of its sentences.
    queue = {
        (a.passage_id, a.coder_id)
        for a in session.scalars(select(Assignment).where(Assignment.round_id.is_(None)))
    }
    assert queue == {(p.id, c.id) for p in new for c in (coded.coder1, coded.coder2)}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "resegment")).one()
    assert event.after is not None and event.after["mode"] == "sentence"
    assert event.after["outcomes"]["stuck"] == 5


def test_resegment_and_undo_restore_every_row(session: Session, coded) -> None:
    before = dump(session)
    layout = resegment.layout_for(coded.document, "sentence")
    fingerprint = layout_preview.preview(session, coded.document, layout).fingerprint
    event_id = passage_layout.apply(
        session, coded.project, coded.lead, coded.document, layout, fingerprint
    )
    session.commit()
    assert dump(session) != before
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert dump(session) == before


def test_undo_refuses_once_someone_coded_the_new_passages(session: Session, coded) -> None:
    layout = resegment.layout_for(coded.document, "sentence")
    fingerprint = layout_preview.preview(session, coded.document, layout).fingerprint
    event_id = passage_layout.apply(
        session, coded.project, coded.lead, coded.document, layout, fingerprint
    )
    first = passages_of(session, coded.document.id)[0]
    coding.apply_code(session, coded.project, coded.coder2, first.id, coded.codes[3].id)
    with pytest.raises(Conflict, match="would lose that work"):
        lifecycle_history.undo(session, coded.project, coded.lead, event_id)


def test_a_stale_preview_is_refused(session: Session, coded) -> None:
    layout = resegment.layout_for(coded.document, "sentence")
    fingerprint = layout_preview.preview(session, coded.document, layout).fingerprint
    coding.apply_code(session, coded.project, coded.coder2, coded.passages[0].id, coded.codes[3].id)
    with pytest.raises(Conflict, match="changed since the preview"):
        passage_layout.apply(
            session, coded.project, coded.lead, coded.document, layout, fingerprint
        )


def test_sentences_back_to_paragraphs_combine_neighbours(
    session: Session, make_user, make_project, import_text
) -> None:
    c = build(session, make_user, make_project, import_text, mode="sentence")
    s = c.passages
    a, b = c.codes[0].id, c.codes[1].id
    coding.apply_code(session, c.project, c.coder1, s[0].id, a, stance=1, memo="one")
    coding.apply_code(session, c.project, c.coder1, s[1].id, a, stance=1, memo="two")
    coding.apply_code(session, c.project, c.coder2, s[0].id, a, stance=1)
    coding.apply_code(session, c.project, c.coder2, s[1].id, a, stance=-1)
    coding.apply_code(session, c.project, c.coder1, s[3].id, b)
    session.commit()
    layout = resegment.layout_for(c.document, "paragraph")
    preview = layout_preview.preview(session, c.document, layout)
    stuck = sorted((line.kind, line.who, line.old_ordinal, line.reason) for line in preview.stuck)
    assert stuck == [
        ("coder's passage state", "Coder One", 4, "it covered only part of the new passage"),
        (
            "coding",
            "Coder Two",
            2,
            "the same coder already has this code on the new passage",
        ),
    ]
    passage_layout.apply(session, c.project, c.lead, c.document, layout, preview.fingerprint)
    session.commit()
    paragraphs = passages_of(session, c.document.id)
    assert len(paragraphs) == 3
    rows = session.scalars(select(Annotation).order_by(Annotation.coder_id, Annotation.id)).all()
    one = [(r.passage_id, r.code_id, r.span_start, r.span_end, r.memo) for r in rows]
    first_sentence = len("We support capacity-building for developing countries.")
    fourth_sentence = len("The private sector is an indispensable partner.")
    assert one == [
        (paragraphs[0].id, a, None, None, "one\n\ntwo"),  # both sentences: the whole paragraph
        (paragraphs[2].id, b, 0, fourth_sentence, ""),  # one sentence: a selection
        (paragraphs[0].id, a, 0, first_sentence, ""),  # the other stance could not join it
    ]
    coded_states = session.scalars(
        select(PassageState.coder_id).where(PassageState.passage_id == paragraphs[0].id)
    ).all()
    assert sorted(coded_states) == [c.coder1.id, c.coder2.id]


def test_unknown_and_unavailable_modes_are_refused(session: Session, coded) -> None:
    with pytest.raises(ValidationError, match="not a segmentation"):
        resegment.layout_for(coded.document, "chapters")
    if "lines" not in resegment.available_modes():
        with pytest.raises(ValidationError, match="not available"):
            resegment.layout_for(coded.document, "lines")
    assert {"paragraph", "sentence"} <= set(resegment.available_modes())


def test_speaker_turns_join_a_speech_and_its_codings(
    session: Session, make_user, make_project, import_text
) -> None:
    from tests.unit.test_corpus_turns import RECORD

    c = build(session, make_user, make_project, import_text)
    import_text(c.project, [("record.txt", RECORD.encode())])
    record = session.scalars(select(Document).where(Document.filename == "record.txt")).one()
    ps = passages_of(session, record.id)
    a = c.codes[0].id
    coding.apply_code(session, c.project, c.coder1, ps[1].id, a, stance=1)
    coding.apply_code(session, c.project, c.coder1, ps[2].id, a, stance=1)
    coding.apply_code(session, c.project, c.coder2, ps[2].id, a)
    session.commit()
    assert "turn" in resegment.available_modes()
    layout = resegment.layout_for(record, "turn")
    preview = layout_preview.preview(session, record, layout)
    # Coder Two marked only the second paragraph of the speech coded: that state cannot move.
    assert [(line.kind, line.who) for line in preview.stuck] == [
        ("coder's passage state", "Coder Two")
    ]
    passage_layout.apply(session, c.project, c.lead, record, layout, preview.fingerprint)
    session.commit()
    speech = passages_of(session, record.id)[1]
    assert speech.text == ps[1].text + "\n\n" + ps[2].text
    assert (speech.speaker, speech.original_language) == (ps[1].speaker, "zh")
    rows = {
        a.coder_id: (a.span_start, a.span_end)
        for a in session.scalars(select(Annotation).where(Annotation.passage_id == speech.id))
    }
    assert rows[c.coder1.id] == (None, None)  # both paragraphs: the whole speech
    start = len(ps[1].text) + 2
    assert rows[c.coder2.id] == (start, start + len(ps[2].text))
    assert session.get(Document, record.id).segmentation == "turn"  # type: ignore[union-attr]


def test_spreading_puts_crossing_codings_on_every_piece(session: Session, coded) -> None:
    before = dump(session)
    layout = resegment.layout_for(coded.document, "sentence", spread=True)
    preview = layout_preview.preview(session, coded.document, layout)
    assert preview.stuck == []
    copied = [(line.kind, line.who, line.old_ordinal) for line in preview.review]
    assert ("coding", "Coder One", 1) in copied and ("coding", "Coder One", 3) in copied
    event_id = passage_layout.apply(
        session, coded.project, coded.lead, coded.document, layout, preview.fingerprint
    )
    session.commit()
    sentences = passages_of(session, coded.document.id)
    whole_first = session.scalars(
        select(Annotation.passage_id).where(Annotation.memo == "whole first")
    ).all()
    assert sorted(whole_first) == [sentences[0].id, sentences[1].id]
    about_banks = session.scalars(
        select(Annotation.passage_id).where(Annotation.memo == "about banks")
    ).all()
    assert sorted(about_banks) == [p.id for p in sentences[3:]]
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert dump(session) == before
