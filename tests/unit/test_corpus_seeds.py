"""The five real seed documents: speaker turns, page breaks, wrapping, navigation, metadata."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from workbench.core.corpus import ParsedDocument
from workbench.core.corpus import parse_file
from workbench.core.corpus.shape import CLOSERS

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
SENTENCE_FINAL = "。！？.!?"

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared seeds not available")


def _parse(prefix: str, mode: str = "paragraph") -> ParsedDocument:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    (document,) = parse_file(path.name, path.read_bytes(), mode=mode)
    return document


@pytest.fixture(scope="module")
def record() -> ParsedDocument:
    return _parse("002")


# Counted by hand in 002: every "name（delegation）：" that opens a speech, bold or not, and
# the President's three speeches (the header names Kuwait: "主席: 奥泰比先生 ..... (科威特)").
EXPECTED_TURNS = [
    ("主席", "科威特", "ar"),
    ("梅萨-夸德拉先生", "秘鲁", "es"),
    ("主席", "科威特", "ar"),
    ("塔赫科女士", "美利坚合众国", "en"),
    ("恩东·姆巴先生", "赤道几内亚", "es"),
    ("马朝旭先生", "中国", "zh"),
    ("阿莱姆先生", "埃塞俄比亚", "en"),
    ("盖冈夫人", "法国", "fr"),
    ("希基先生", "联合王国", "en"),
    ("库兹明先生", "俄罗斯联邦", "ru"),
    ("乌马罗夫先生", "哈萨克斯坦", "en"),
    ("梅萨-夸德拉先生", "秘鲁", "es"),
    ("格雷瓜尔-范哈伦夫人", "荷兰", "en"),
    ("微若尼卡女士", "波兰", "en"),
    ("因乔斯特·霍尔丹先生", "多民族玻利维亚国", "es"),
    ("舒尔金·尼奥尼女士", "瑞典", "en"),
    ("塔诺-布崔先生", "科特迪瓦", "fr"),
    ("主席", "科威特", "ar"),
]


def _turn_openings(document: ParsedDocument) -> list[tuple[str | None, str | None, str | None]]:
    seen: dict[int, tuple[str | None, str | None, str | None]] = {}
    for passage in document.passages:
        if passage.turn is not None and passage.turn not in seen:
            seen[passage.turn] = (passage.speaker, passage.delegation, passage.original_language)
    assert list(seen) == list(range(len(seen))), "turn numbers must run 0, 1, 2, ..."
    return list(seen.values())


def test_record_has_one_turn_per_speech_with_delegation_and_language(record: ParsedDocument):
    assert _turn_openings(record) == EXPECTED_TURNS


def test_every_passage_of_a_turn_carries_the_turn(record: ParsedDocument):
    for passage in record.passages:
        if passage.turn is None:
            assert not passage.codable
            assert passage.speaker is None and passage.delegation is None
            continue
        speaker, delegation, _ = EXPECTED_TURNS[passage.turn]
        assert (passage.speaker, passage.delegation) == (speaker, delegation)


def test_language_switch_inside_a_speech_applies_to_what_follows(record: ParsedDocument):
    peru = [p for p in record.passages if p.turn == 1]
    switch = next(i for i, p in enumerate(peru) if p.text == "（以英语发言）")
    assert not peru[switch].codable
    assert {p.original_language for p in peru[:switch]} == {"es"}
    assert {p.original_language for p in peru[switch:]} == {"en"}


def test_no_codable_passage_ends_mid_sentence(record: ParsedDocument):
    # The PDF conversion broke sentences at page ends ("...相关的威\n\n胁和脆弱性"); each
    # codable passage must be whole sentences.
    codable = [p for p in record.passages if p.codable]
    assert len(codable) > 100
    for passage in codable:
        assert passage.text.rstrip(CLOSERS)[-1] in SENTENCE_FINAL, passage.text[-40:]
    in_one_passage = ["相关的威胁和脆弱性", "政府与私营部门应共享", "第2341（2017）号决议尤其强调"]
    in_one_passage += ["与反恐委员会和所有感兴趣的伙伴", "面临恐怖主义和暴力极端主义威胁"]
    for fragment in in_one_passage:
        assert any(fragment in p.text for p in codable), fragment


def test_record_front_matter_and_furniture_are_not_codable(record: ParsedDocument):
    by_text = {p.text: p for p in record.passages}
    for furniture in ("18-04093 (C)", "无障碍文件", "请回收", "议程项目", "下午4时40分散会。"):
        assert not by_text[furniture].codable
        assert by_text[furniture].turn is None
    assert all(not p.codable for p in record.passages[:17])


def test_nothing_is_lost_in_normalisation(record: ParsedDocument):
    # The record is written in Markdown: only its markup (bold, headings, an autolink's
    # angle brackets) leaves the text.
    def letters(text: str) -> Counter[str]:
        return Counter(ch for ch in text if not ch.isspace())

    gone = letters(record.raw_text) - letters(record.text)
    assert set(gone) == {"*", "#", "<", ">"}
    assert gone["#"] == record.raw_text.count("#") == 2 * record.raw_text.count("## ")
    assert not letters(record.text) - letters(record.raw_text)
    assert "**" not in record.text and "## " not in record.text


def test_record_metadata(record: ParsedDocument):
    assert record.meta.meeting_symbol == "S/PV.8180"
    assert record.meta.date == "2018-02-13"
    assert record.meta.doc_type == "un_record"
    assert record.meta.language == "zh"
    assert record.meta.title == "恐怖行为对国际和平与安全造成的威胁"


def test_record_in_sentence_mode_keeps_turns_and_whole_sentences():
    document = _parse("002", mode="sentence")
    assert _turn_openings(document) == EXPECTED_TURNS
    codable = [p for p in document.passages if p.codable]
    assert len(codable) > 300
    for passage in codable:
        assert passage.text.rstrip(CLOSERS)[-1] in SENTENCE_FINAL, passage.text[-40:]


def test_hard_wrapped_statement_is_reflowed_without_artefacts():
    document = _parse("003")
    for passage in document.passages:
        assert "\n" not in passage.text
        assert "  " not in passage.text
        assert "counter- " not in passage.text.lower()
    assert "counter-\n" not in document.text
    assert "counter-terrorism efforts, during and after the COVID-19 pandemic." in document.text
    assert "Counter-Terrorism Strategy and the Plan of Action" in document.text
    assert "counterterrorism" not in document.text.lower()
    assert document.passages[-1].text == "Thank you."


def test_statement_metadata():
    document = _parse("003")
    assert document.meta.date == "2020-07-10"
    assert document.meta.doc_type == "mission_statement"
    assert document.meta.title is not None
    assert document.meta.title.startswith("Remarks by Amb. Zhang Jun")


def test_web_navigation_is_kept_but_not_codable():
    document = _parse("000")
    first, second = document.passages[:2]
    assert first.text.startswith("Home Meetings & Statements")
    assert second.text.startswith("Home > China & UN")
    assert document.passages[-1].text == "Suggest to a friend"
    for passage in (first, second, document.passages[-1]):
        assert not passage.codable
    statement = [p for p in document.passages if p.text.startswith(("China appreciates", "First,"))]
    assert len(statement) == 2 and all(p.codable for p in statement)
    assert document.meta.doc_type == "mission_statement"


def test_news_reports():
    correspondent = _parse("001")
    assert correspondent.meta.doc_type == "news_report"
    assert correspondent.meta.date == "2017-02-14"
    assert not correspondent.passages[0].codable  # "date 2017-02-14 Our Correspondent"
    xinhua = _parse("004")
    assert xinhua.meta.doc_type == "news_report"
    assert xinhua.meta.source == "Xinhua"
    assert xinhua.meta.date == "2020-07-10"
    assert all(p.codable for p in xinhua.passages)


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
@pytest.mark.parametrize("mode", ["paragraph", "sentence"])
def test_offsets_and_ordinals(prefix: str, mode: str):
    document = _parse(prefix, mode)
    assert document.passages
    assert [p.ordinal for p in document.passages] == list(range(len(document.passages)))
    previous_end = 0
    for passage in document.passages:
        assert passage.text == document.text[passage.start : passage.end]
        assert passage.text and passage.text == passage.text.strip()
        assert passage.start >= previous_end
        previous_end = passage.end
        assert passage.language in ("en", "zh")


def test_identical_content_has_identical_hash():
    (path,) = SEEDS.glob("003_*.txt")
    data = path.read_bytes()
    (lf,) = parse_file("a.txt", data)
    (crlf,) = parse_file("b.txt", data.replace(b"\n", b"\r\n"))
    assert lf.content_hash == crlf.content_hash
    assert len(lf.content_hash) == 64
