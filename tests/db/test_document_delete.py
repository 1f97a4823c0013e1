"""Deleting a document lists what goes with it; undo from the history restores every row."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.db.lifecycle_fixtures import build
from tests.db.lifecycle_fixtures import code_paragraphs
from tests.db.lifecycle_fixtures import dump
from tests.db.lifecycle_fixtures import passages_of
from workbench.core.errors import Conflict
from workbench.documents import deletion as document_delete
from workbench.documents import lifecycle_history
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import Passage


@pytest.fixture()
def coded(session: Session, make_user, make_project, import_text):
    c = build(session, make_user, make_project, import_text)
    code_paragraphs(session, c)
    return c


def test_the_confirmation_counts_every_coding(session: Session, coded) -> None:
    impact = document_delete.deletion_impact(session, coded.document)
    assert impact.passages == 3
    assert impact.annotations == 5
    assert impact.by_coder == [("Coder One", 3), ("Coder Two", 2)]
    assert impact.coded_states == 5  # applying a code marks the passage coded
    assert impact.memos == 4  # three coding memos and one passage memo
    assert (impact.consensus_passages, impact.consensus_codes) == (1, 1)
    assert impact.rounds == [("Round 1", 4)]  # two passages drawn, for two coders
    assert impact.assignments == 6 + 4  # the whole document for both coders, and the round
    assert impact.anything_coded
    clean = document_delete.deletion_impact(session, coded.other)
    assert not clean.anything_coded and clean.by_coder == []


def test_delete_then_undo_restores_every_row_exactly(session: Session, coded) -> None:
    before = dump(session)
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    session.commit()
    gone = dump(session)
    assert [d["id"] for d in gone["document"]] == [coded.other.id]
    assert gone["annotation"] == gone["passage_state"] == gone["assignment"] == []
    assert gone["consensus_state"] == gone["consensus_annotation"] == []
    assert [p["document_id"] for p in gone["passage"]] == [coded.other.id]
    assert gone["reliability_round"] == before["reliability_round"]

    restored_id, left_out, _ = lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert (restored_id, left_out) == (coded.document.id, [])
    assert dump(session) == before
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "document").order_by(AuditEvent.id)
    ).all()
    assert actions == ["delete", "undo"]


def test_an_undone_deletion_cannot_be_undone_again(session: Session, coded) -> None:
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    with pytest.raises(Conflict, match="already been undone"):
        lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    entries = lifecycle_history.entries(session, coded.project)
    assert [(e.event.action, e.can_undo) for e in entries] == [("undo", False), ("delete", False)]


def test_undo_refuses_when_the_same_text_was_imported_again(
    session: Session, coded, import_text
) -> None:
    from tests.db.lifecycle_fixtures import TEXT

    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    session.commit()
    import_text(coded.project, [("again.txt", TEXT.encode())])
    with pytest.raises(Conflict, match="again"):
        lifecycle_history.undo(session, coded.project, coded.lead, event_id)


def test_undo_gives_new_ids_when_old_ones_were_taken(session: Session, coded) -> None:
    before = dump(session)
    old_ids = [p.id for p in coded.passages]
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    # SQLite hands the highest deleted ids to the next rows: take one on purpose.
    session.execute(
        insert(Passage).values(
            id=old_ids[-1],
            document_id=coded.other.id,
            project_id=coded.project.id,
            ordinal=99,
            text="x",
            start_offset=0,
            end_offset=1,
        )
    )
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    after = dump(session)
    restored = passages_of(session, coded.document.id)
    assert [p.text for p in restored] == [p["text"] for p in before["passage"][:3]]
    assert old_ids[-1] not in [p.id for p in restored]
    strip = lambda rows: sorted(  # noqa: E731 - a local comparison key
        tuple(sorted((k, str(v)) for k, v in r.items() if k not in ("id", "passage_id")))
        for r in rows
    )
    for name in ("annotation", "passage_state", "assignment", "consensus_annotation"):
        assert strip(after[name]) == strip(before[name]), name
    # Each restored coding sits on the passage with its old text.
    texts = {p.id: p.text for p in restored}
    old_texts = {p["id"]: p["text"] for p in before["passage"]}
    key = ("coder_id", "code_id", "memo", "span_start")
    old_by_key = {
        tuple(a[k] for k in key): old_texts[a["passage_id"]] for a in before["annotation"]
    }
    assert len(old_by_key) == len(before["annotation"])
    for a in after["annotation"]:
        assert texts[a["passage_id"]] == old_by_key[tuple(a[k] for k in key)]


def test_the_other_document_and_counts_are_untouched(session: Session, coded) -> None:
    document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    session.commit()
    assert session.scalar(select(func.count()).select_from(Document)) == 1
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0
    assert len(passages_of(session, coded.other.id)) == 1


def test_rows_of_an_account_removed_since_are_named_not_dropped_silently(
    session: Session, coded
) -> None:
    from sqlalchemy import delete

    from workbench.models import User

    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    session.execute(delete(User).where(User.id == coded.coder2.id))
    _, left_out, _ = lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    assert left_out == [
        "2 codings of an account or round that no longer exists",
        "5 assignments of an account or round that no longer exists",  # 3 + 2 in the round
        "2 passage states of an account or round that no longer exists",
    ]
    assert session.scalar(select(func.count()).select_from(Annotation)) == 3


def test_undo_after_a_merge_puts_codings_where_the_merge_put_the_others(
    session: Session, coded
) -> None:
    from workbench.codebooks import restructure
    from workbench.coding import actions as coding
    from workbench.models import ConsensusAnnotation

    a, b = coded.codes[0].id, coded.codes[1].id
    p0, p1, p2 = coded.passages
    # Coder two also has b on p1, with no stance: a's coding there folds into it.
    coding.apply_code(session, coded.project, coded.coder2, p1.id, b, memo="also b")
    session.commit()
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    session.commit()
    restructure.merge_codes(session, coded.project, a, b, user=coded.lead)
    session.commit()
    _, _, notes = lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    rows = {
        (r.passage_id, r.coder_id, r.code_id): r
        for r in session.scalars(
            select(Annotation).where(Annotation.passage_id.in_([p0.id, p1.id, p2.id]))
        )
    }
    # Moved: coder one's a on p2 is now b, memo and all.
    assert rows[(p2.id, coded.coder1.id, b)].memo == "about banks"
    # Folded: coder two's a on p1 joined their b there, its stance and memo kept.
    folded = rows[(p1.id, coded.coder2.id, b)]
    assert (folded.stance, folded.memo) == (-1, 'also b\n\nHe said "no"')
    assert (p1.id, coded.coder2.id, a) not in rows
    # Stayed: coder one's a on p0 (stance 1, the whole passage) cannot fold into their b
    # there (a selection): it stays on the merged code, where restoring the code shows it.
    assert rows[(p0.id, coded.coder1.id, a)].stance == 1
    assert rows[(p0.id, coded.coder1.id, b)].span_start is not None
    decided = session.scalars(
        select(ConsensusAnnotation.code_id).where(ConsensusAnnotation.passage_id == p1.id)
    ).all()
    assert decided == [b]
    text = " ".join(notes)
    assert "2 codings of codes merged since were put on the codes" in text
    assert "1 of them joined a coding already there" in text
    assert "1 codings stay on codes merged since" in text
    assert "1 consensus decisions on codes merged since were put on the codes" in text


def test_a_merged_code_restored_before_the_undo_keeps_its_codings(session: Session, coded) -> None:
    from workbench.codebooks import editing
    from workbench.codebooks import restructure

    a, b = coded.codes[0].id, coded.codes[1].id
    p2 = coded.passages[2]
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    restructure.merge_codes(session, coded.project, a, b, user=coded.lead)
    editing.restore_code(session, coded.project, a, user=coded.lead)
    session.commit()
    _, _, notes = lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert session.scalars(
        select(Annotation.code_id).where(
            Annotation.passage_id == p2.id, Annotation.coder_id == coded.coder1.id
        )
    ).all() == [a]
    assert not [n for n in notes if "merged" in n]


def test_a_code_brought_back_by_a_codebook_import_keeps_its_codings(
    session: Session, coded
) -> None:
    from workbench.codebooks import codes as codebooks
    from workbench.codebooks import restructure
    from workbench.codebooks.files import import_codebook_file
    from workbench.formats.qdc import codebook_to_qdc

    a, b = coded.codes[0].id, coded.codes[1].id
    before_merge = codebook_to_qdc(codebooks.to_spec(session, coded.project))
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    restructure.merge_codes(session, coded.project, a, b, user=coded.lead)
    import_codebook_file(session, coded.project, "before.qdc", before_merge, user=coded.lead)
    session.commit()
    lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    on_a = session.scalars(select(Annotation).where(Annotation.code_id == a)).all()
    assert len(on_a) == 3  # every coding of a came back to a, live again


def test_codings_on_codes_deleted_since_are_said_and_accounts_gone_are_not_counted(
    session: Session, coded
) -> None:
    from sqlalchemy import delete

    from workbench.codebooks import editing
    from workbench.codebooks import restructure
    from workbench.models import User

    a, b = coded.codes[0].id, coded.codes[1].id
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    restructure.merge_codes(session, coded.project, a, b, user=coded.lead)
    editing.delete_code(session, coded.project, b, user=coded.lead, confirmed=True)
    session.execute(delete(User).where(User.id == coded.coder2.id))
    session.commit()
    _, left_out, notes = lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    text = " ".join(notes)
    # Coder one's codings of a (p0, p2) and b (p0) end on deleted codes; coder two's are gone
    # with the account and counted only as left out.
    assert "3 codings are on codes deleted since" in text, notes
    assert "consensus decisions are on codes deleted since" in text
    assert any("codings" in n for n in left_out)


def test_a_code_deleted_before_the_change_is_not_said_to_be_deleted_since(
    session: Session, coded
) -> None:
    from workbench.codebooks import editing

    k = coded.codes[2].id  # coder two's code on p2
    editing.delete_code(session, coded.project, k, user=coded.lead, confirmed=True)
    session.commit()
    event_id = document_delete.delete_document(session, coded.project, coded.lead, coded.document)
    session.commit()
    _, _, notes = lifecycle_history.undo(session, coded.project, coded.lead, event_id)
    session.commit()
    assert not [n for n in notes if "deleted since" in n], notes
