"""Segmentation: speaker markers in all their shapes, presiding officer, sentences, invariants."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from workbench.core.corpus import CorpusError
from workbench.core.corpus import PassageSpec
from workbench.core.corpus import SegmentHints
from workbench.core.corpus import normalise
from workbench.core.corpus import parse_document
from workbench.core.corpus import segment

ENGLISH_RECORD = """United Nations S/PV.8180
Security Council
Seventy-third year
8180th meeting
Tuesday, 13 February 2018, 3 p.m.
New York

President: Mr. Alotaibi . . . . . . . . . . . . . . . . . . . (Kuwait)
Members: China . . . . . . . . . . . . . . . . . . . . . Mr. Ma Zhaoxu

Agenda

Threats to international peace and security caused by terrorist acts

The meeting was called to order at 3.10 p.m.

Adoption of the agenda

The agenda was adopted.

The President (spoke in Arabic): The Security Council will now begin its consideration of \
the item on its agenda.

I give the floor to Mr. Meza-Cuadra.

Mr. Meza-Cuadra (Peru) (spoke in Spanish): I have the honour to brief the Council.

(spoke in English)

Critical infrastructure must be protected.

Mr. Ma Zhaoxu (China) (spoke in Chinese): China thanks Kuwait for convening this meeting.

The President: I now give the floor to the representative of Sweden.

Ms. Schoulgin Nyoni (Sweden): Let me thank Ambassador Meza-Cuadra.

The meeting rose at 4.40 p.m.
"""


def _turns(passages: list[PassageSpec]) -> list[tuple[int, str | None, str | None, str | None]]:
    first: dict[int, tuple[int, str | None, str | None, str | None]] = {}
    for p in passages:
        if p.turn is not None:
            first.setdefault(p.turn, (p.turn, p.speaker, p.delegation, p.original_language))
    return list(first.values())


def test_english_record_turns_and_presiding_delegation():
    document = parse_document("S_PV.8180.txt", ENGLISH_RECORD)
    assert _turns(document.passages) == [
        (0, "The President", "Kuwait", "ar"),
        (1, "Mr. Meza-Cuadra", "Peru", "es"),
        (2, "Mr. Ma Zhaoxu", "China", "zh"),
        (3, "The President", "Kuwait", "ar"),  # procedural follow-up keeps the earlier note
        (4, "Ms. Schoulgin Nyoni", "Sweden", None),
    ]
    peru = [p for p in document.passages if p.turn == 1]
    opening = "Mr. Meza-Cuadra (Peru) (spoke in Spanish): I have the honour to brief the Council."
    assert [(p.text, p.original_language, p.codable) for p in peru] == [
        (opening, "es", True),
        ("(spoke in English)", "en", False),
        ("Critical infrastructure must be protected.", "en", True),
    ]
    outside = [p for p in document.passages if p.turn is None]
    assert all(not p.codable for p in outside)
    assert outside[-1].text == "The meeting rose at 4.40 p.m."
    assert document.meta.meeting_symbol == "S/PV.8180"
    assert document.meta.doc_type == "un_record"
    assert document.meta.date == "2018-02-13"
    assert document.meta.title == (
        "Threats to international peace and security caused by terrorist acts"
    )


@pytest.mark.parametrize(
    "marker",
    [
        "**马朝旭先生**（中国）：",
        "**马朝旭先生**（中国）**：**",
        "**马朝旭先生（中国）：**",
        "**马朝旭先生（中国）**：",
        "马朝旭先生（中国）：",
        "马朝旭先生(中国):",
    ],
)
def test_chinese_markers_in_every_bold_position(marker: str):
    text = f"{marker}中方感谢科威特倡议召开此次公开会。\n\n恐怖主义是全人类的公敌。"
    passages = segment(text)
    assert [(p.speaker, p.delegation, p.turn, p.codable) for p in passages] == [
        ("马朝旭先生", "中国", 0, True),
        ("马朝旭先生", "中国", 0, True),
    ]
    assert passages[0].text.startswith(marker)


def test_chinese_president_with_language_note_and_header():
    header = "主席:\t奥泰比先生 .....\t(科威特)\n\t中国 .....\t马朝旭先生\n\n"
    text = header + "**主席**（以阿拉伯语发言）：安全理事会现在开始审议其议程上的项目。"
    passages = segment(text)
    assert (passages[0].codable, passages[0].turn) == (False, None)  # the member list
    assert (passages[1].speaker, passages[1].delegation, passages[1].original_language) == (
        "主席",
        "科威特",
        "ar",
    )


def test_marker_alone_on_its_line_joins_its_speech():
    raw = "**库兹明先生（俄罗斯联邦）（以俄语发言）：**  \n我们高兴地欢迎新任主席。\n\n我们感谢他。"
    passages = segment(normalise(raw, "zh"))
    assert [p.text for p in passages] == [
        "**库兹明先生（俄罗斯联邦）（以俄语发言）：**我们高兴地欢迎新任主席。",
        "我们感谢他。",
    ]
    assert {(p.speaker, p.original_language) for p in passages} == {("库兹明先生", "ru")}


@pytest.mark.parametrize(
    "sentence",
    [
        "First, I would like to share a few comments: we must act.",
        "The Secretary-General said: “Terrorism is a threat.”",
        "我们的理解是：执行决议补充了其他决议。",
        "President Kennedy: we do not do these things because they are easy.",
        "Nations (FAO): the food agency reported.",
    ],
)
def test_ordinary_sentences_are_not_markers(sentence: str):
    (passage,) = segment(sentence)
    assert (passage.speaker, passage.turn, passage.codable) == (None, None, True)


def test_hints_describe_a_single_speech():
    hints = SegmentHints(speaker="习近平", delegation="中国", original_language="zh")
    text = "同志们：\n\n这次会议的主要任务是分析当前形势。\n\n"
    text += "《 人民日报 》（ 2020年03月07日 02 版）"
    passages = segment(text, hints=hints)
    assert [(p.speaker, p.delegation, p.turn, p.codable) for p in passages] == [
        ("习近平", "中国", 0, True),
        ("习近平", "中国", 0, True),
        (None, None, None, False),
    ]


def test_sentence_mode_respects_abbreviations_and_symbols():
    text = (
        "Mr. Zhang Jun (China): I thank Ms. Viotti and the U.N. team. Resolution 2341 (2017) "
        "was adopted at the 7882nd meeting (see S/PV.7882). Growth reached 2.5 per cent! "
        "Is that enough? “Yes.” He said so."
    )
    passages = segment(text, mode="sentence")
    assert [p.text for p in passages] == [
        "Mr. Zhang Jun (China): I thank Ms. Viotti and the U.N. team.",
        "Resolution 2341 (2017) was adopted at the 7882nd meeting (see S/PV.7882).",
        "Growth reached 2.5 per cent!",
        "Is that enough?",
        "“Yes.”",
        "He said so.",
    ]
    assert {(p.speaker, p.delegation, p.turn) for p in passages} == {("Mr. Zhang Jun", "China", 0)}


def test_sentence_mode_in_chinese_keeps_closing_quotes():
    text = "他说：“我们要合作。”中国愿同各国一道！恐怖主义是公敌吗？是的（见S/PV.8178）。"
    passages = segment(text, mode="sentence")
    assert [p.text for p in passages] == [
        "他说：“我们要合作。”",
        "中国愿同各国一道！",
        "恐怖主义是公敌吗？",
        "是的（见S/PV.8178）。",
    ]


def test_unknown_mode_is_an_error():
    with pytest.raises(CorpusError, match="unknown segmentation mode"):
        segment("Text.", mode="word")


def test_empty_document_has_no_passages():
    with pytest.raises(CorpusError, match=r"blank\.txt: no passages"):
        parse_document("blank.txt", " \n\x0c\n ")


def test_language_of_each_passage():
    passages = segment("China opposes terrorism in all its forms.\n\n中国反对一切形式的恐怖主义。")
    assert [p.language for p in passages] == ["en", "zh"]


_ALPHABET = st.sampled_from(
    [*"abc XYZ.,:;-()（）：。！？“”\u3000\x0c\t", "\n", "\n\n", "中国", "Mr. ", "**"]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join), st.sampled_from(["paragraph", "sentence"]))
def test_passages_always_point_into_the_text(raw: str, mode: str):
    text = normalise(raw, None)
    passages = segment(text, mode=mode)
    assert [p.ordinal for p in passages] == list(range(len(passages)))
    end = 0
    for passage in passages:
        assert passage.text == text[passage.start : passage.end]
        assert passage.text.strip() == passage.text != ""
        assert passage.start >= end
        end = passage.end
    assert "".join(text.split()) == "".join(
        ch for p in passages for ch in p.text if not ch.isspace()
    )
