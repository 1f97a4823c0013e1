"""Normalisation: reflowing, hyphens, page breaks and furniture, Chinese paragraphs, language."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workbench.core.corpus import detect_language
from workbench.core.corpus import extract_metadata
from workbench.core.corpus import normalise

CORPUS_PACKAGE = Path(__file__).resolve().parents[2] / "workbench" / "corpus"

WRAPPED = """The theme chosen for the sixty-eighth session of the
General Assembly is the post-2015 development agenda. The
attainment of the Millennium Development Goals has been
compromised by the crisis that we are going through, and the
multi-
lateral system, including the Secretary-
General and the counter-
terrorism bodies, must respond. The struggle against
terrorism requires multilateralism, and the multilateral
system must act. That is why we have followed the
situation closely.
The second paragraph starts here after a short line and
continues with a co-
operation that is well-
known to everybody in the Assembly and in the wider world.
"""


def test_wrapped_english_is_reflowed_with_hyphens_resolved():
    text = normalise(WRAPPED, "en")
    first, second = text.split("\n\n")
    assert first.startswith("The theme chosen for the sixty-eighth session of the General Assembly")
    # solid elsewhere in the text -> a soft hyphen; compound prefixes and capitals keep theirs
    assert "multilateral system, including the Secretary-General" in first
    assert "counter-terrorism bodies" in first
    assert first.endswith("situation closely.")
    assert "co-operation that is well-known" in second
    assert "\n" not in first and "  " not in first


def test_form_feed_page_break_moves_furniture_out_of_the_sentence():
    raw = (
        "We must protect the critical infrastructure of all States against the\n"
        "\n\x0c\n18-04093 (C)\nS/PV.8180\n3/19\n\n"
        "threat of terrorist attacks, which is growing.\n\nThank you."
    )
    assert normalise(raw, "en").split("\n\n") == [
        "We must protect the critical infrastructure of all States against the threat of "
        "terrorist attacks, which is growing.",
        "18-04093 (C)",
        "S/PV.8180",
        "3/19",
        "Thank you.",
    ]


def test_general_debate_page_header_between_halves_of_a_sentence():
    raw = (
        "I also want to comment on the recent agreement reached with Iran. My country is "
        "hopeful\n15-29658 23/55\n\x0c\nA/70/PV.22 01/10/2015\nthat the process will develop "
        "in a positive direction.\nWe must act."
    )
    assert normalise(raw, "en").split("\n\n") == [
        "I also want to comment on the recent agreement reached with Iran. My country is "
        "hopeful that the process will develop in a positive direction.",
        "15-29658 23/55",
        "A/70/PV.22 01/10/2015",
        "We must act.",
    ]


def test_chinese_page_break_joins_without_a_space():
    raw = "决议还鼓励各国作出努力。在与各国之间关键基础设施相关的威\n\n"
    raw += "胁和脆弱性方面，合作尤其重要。\n\n纽约"
    assert normalise(raw, "zh").split("\n\n") == [
        "决议还鼓励各国作出努力。在与各国之间关键基础设施相关的威胁和脆弱性方面，合作尤其重要。",
        "纽约",
    ]


def test_chinese_headings_are_not_glued_to_the_text():
    raw = "## 议程项目\n\n恐怖行为对国际和平与安全造成的威胁\n\n本记录包括中文发言的文本。"
    assert normalise(raw, "zh").split("\n\n") == [
        "## 议程项目",
        "恐怖行为对国际和平与安全造成的威胁",
        "本记录包括中文发言的文本。",
    ]


def test_ideographic_spaces_mark_chinese_paragraphs_and_credits_are_split_off():
    raw = (
        "同志们：\u3000\u3000这次会议的主要任务是分析形势。\u3000\u3000我们要坚定信心！"
        "（新华社北京3月6日电）《 人民日报 》（ 2020年03月07日 02 版）"
    )
    assert normalise(raw, "zh").split("\n\n") == [
        "同志们：",
        "这次会议的主要任务是分析形势。",
        "我们要坚定信心！",
        "（新华社北京3月6日电）",
        "《 人民日报 》（ 2020年03月07日 02 版）",
    ]


def test_text_is_not_unicode_normalised():
    decomposed = "Cafe\u0301 diplomacy and Jürgen\u0308."
    assert normalise(decomposed, "en") == decomposed


def test_blank_and_odd_input():
    assert normalise("", None) == ""
    assert normalise("\x0c\n \n\x0c", None) == ""
    assert normalise("First line.\r\nSecond line.\rThird.", "en") == (
        "First line.\n\nSecond line.\n\nThird."
    )


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("China opposes terrorism in all its forms and manifestations.", "en"),
        ("中国反对一切形式的恐怖主义。", "zh"),
        ("中国代表团 (Mr. Zhang Jun) 在安理会发言。", "zh"),
        ("Home Meetings About China 中文 The delegation of China and the United Nations.", "en"),
        ("La France condamne le terrorisme sous toutes ses formes.", None),
        ("日本語のテキストです。", None),
        ("A.", None),
        ("", None),
    ],
)
def test_detect_language(text: str, language: str | None):
    assert detect_language(text) == language


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("(10 July 2020)", "2020-07-10"),
        ("UNITED NATIONS, July 10, 2020 (Xinhua)", "2020-07-10"),
        ("date 2017-02-14 Our Correspondent", "2017-02-14"),
        ("2018年2月13日星期二下午3时举行", "2018-02-13"),
        ("resolution 2341 (2017) of 13 Feb.", None),
        ("31 February 2020", None),
    ],
)
def test_dates(text: str, date: str | None):
    assert extract_metadata(text, "x.txt").date == date


def test_meeting_symbol_from_chinese_numerals_and_from_the_file_name():
    zh = "## 安全理事会\n\n第七十三年\n\n临时逐字记录\n\n第 八 一 八 〇 次 会 议"
    assert extract_metadata(zh, "record.txt").meeting_symbol == "S/PV.8180"
    assert extract_metadata("Some speech.", "S_PV.8716.pdf").meeting_symbol == "S/PV.8716"


def test_corpus_package_imports_neither_flask_nor_the_database():
    forbidden = ("flask", "sqlalchemy", "alembic", "psycopg", "workbench.models", "workbench.db")
    for path in CORPUS_PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert not name.startswith(forbidden), f"{path.name} imports {name}"
