"""One passage a speech: paragraphs of a turn joined, cut where the original language changes."""

from __future__ import annotations

from workbench.core.corpus import segment
from workbench.core.corpus.turns import turn_passages

RECORD = (
    "The President: I welcome the Minister.\n\n"
    "Mr. Zhang Jun (China) (spoke in Chinese): China opposes all forms of terrorism.\n\n"
    "We support capacity-building for developing countries.\n\n"
    "(spoke in English)\n\n"
    "The private sector matters.\n\n"
    "So do banks.\n\n"
    "The President: I thank the representative of China."
)


def test_paragraphs_of_a_speech_become_one_passage_per_language() -> None:
    turns = turn_passages(RECORD, segment(RECORD))
    assert [(p.text.split("\n")[0][:30], p.codable, p.original_language) for p in turns] == [
        ("The President: I welcome the M", True, None),
        ("Mr. Zhang Jun (China) (spoke i", True, "zh"),
        ("(spoke in English)", False, "en"),
        ("The private sector matters.", True, "en"),
        ("The President: I thank the rep", True, None),
    ]
    assert [p.ordinal for p in turns] == list(range(5))
    for p in turns:
        assert RECORD[p.start : p.end] == p.text
    assert turns[1].text.endswith("developing countries.")
    assert turns[3].text == "The private sector matters.\n\nSo do banks."


def test_text_without_turns_is_left_as_paragraphs() -> None:
    text = "One paragraph here.\n\nAnother paragraph there."
    assert turn_passages(text, segment(text)) == segment(text)
