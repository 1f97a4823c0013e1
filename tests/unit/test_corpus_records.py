"""Line-per-record texts: detection, the "lines" segmentation, and fitting around selections."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED
from tests.refi_fixtures import comment_lines
from workbench.core.corpus import parse_document
from workbench.core.corpus import segment
from workbench.core.corpus.records import line_spans
from workbench.core.corpus.records import looks_like_records
from workbench.core.corpus.refit import fit_passages

WRAPPED = (
    "Allow\nme, at the outset, to add my voice to those of the\ndistinguished speakers "
    "before me, to offer you, Sir, on\nbehalf of the people of the Congo and myself, our\n"
    "warmest congratulations on your election as President\nof the fifty-sixth session of "
    "the General Assembly. The\nRepublic of Korea, your country, maintains excellent\n"
    "relations with mine.\nMay I also use this opportunity to offer our most\nheartfelt "
    "congratulations to Mr. Kofi Annan, a\ndistinguished son of Africa, on his re-election "
    "to the\npost of Secretary-General and on the Nobel Prize,\n"
)


def test_comments_survey_answers_and_transcripts_are_records() -> None:
    assert looks_like_records("\n".join(comment_lines(200)))
    answers = ["Yes", "Too expensive.", "No opinion", "I liked the staff", "n/a", "Maybe"] * 3
    assert looks_like_records("\r\n".join(answers).replace("\r\n", "\n"))
    turns = [
        f"{'A' if i % 2 else 'B'}: {'so what happened next? ' * (i % 4)}we went home{'.' * (i % 2)}"
        for i in range(20)
    ]
    assert looks_like_records("\n".join(turns))


def test_wrapped_prose_paragraphs_and_short_texts_are_not() -> None:
    assert not looks_like_records(WRAPPED)
    paragraphs = "\n\n".join(f"Paragraph {i} says something." for i in range(20))
    assert not looks_like_records(paragraphs)
    assert not looks_like_records("one\ntwo\nthree")


def test_lines_mode_makes_one_codable_passage_per_non_empty_line() -> None:
    text = "  first record \n\nsecond 😀 record\n第三条\n"
    passages = segment(text, mode="lines")
    assert [p.text for p in passages] == ["first record", "second 😀 record", "第三条"]
    assert all(p.codable and text[p.start : p.end] == p.text for p in passages)
    assert [p.ordinal for p in passages] == [0, 1, 2]
    assert list(line_spans("a\n\n  b")) == [(0, 1), (5, 6)]


def test_an_uploaded_record_text_is_cut_by_lines_automatically_or_on_request() -> None:
    lines = comment_lines(100)
    doc = parse_document("comments.txt", "\ufeff" + "\r\n".join(lines))
    assert [p.text for p in doc.passages] == [line for line in lines if line]
    prose = parse_document("speech.txt", WRAPPED)
    assert len(prose.passages) < 5
    forced = parse_document("speech.txt", WRAPPED, mode="lines")
    assert len(forced.passages) == WRAPPED.count("\n")


def test_passages_give_way_to_selections_and_every_change_is_listed() -> None:
    text = "One.\nPage 2\nThree four.\nFive."
    passages = segment(text.replace("\n", "\n\n"), mode="paragraph")
    doubled = text.replace("\n", "\n\n")
    assert [p.codable for p in passages] == [True, False, True, True]
    crossing = (doubled.index("four"), doubled.index("Five") + 2)
    furniture = (doubled.index("Page"), doubled.index("Page") + 6)
    refit = fit_passages(doubled, passages, [crossing, furniture])
    assert [(p.text, p.codable) for p in refit.passages] == [
        ("One.", True),
        ("Page 2", True),
        ("Three four.\n\nFive.", True),
    ]
    assert [p.ordinal for p in refit.passages] == [0, 1, 2]
    assert len(refit.changes) == 2
    assert "made codable" in refit.changes[0] and "merged into one" in refit.changes[1]
    # A selection already inside a codable passage changes nothing.
    assert fit_passages(doubled, passages, [(0, 3)]).changes == []


def test_a_selection_between_passages_gets_a_passage_of_its_own() -> None:
    text = "Alpha.\n\n\n\nBeta."
    passages = segment(text, mode="paragraph")
    gap = (6, 9)  # only line breaks between the two paragraphs
    refit = fit_passages(text, passages, [gap])
    assert [(p.start, p.end, p.codable) for p in refit.passages] == [
        (0, 6, True),
        (6, 9, True),
        (10, 15, True),
    ]
    assert refit.changes == [
        "a passage was made at characters 6-9 (''): a selection lies between passages"
    ]


SEEDS = sorted((SHARED / "seeds").glob("*.txt"))


@pytest.mark.skipif(not SEEDS, reason="the shared seeds are not available")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name)
def test_the_real_seed_speeches_are_not_mistaken_for_records(seed: Path) -> None:
    text = seed.read_text(encoding="utf-8", errors="replace")
    assert not looks_like_records(text.replace("\r\n", "\n"))
