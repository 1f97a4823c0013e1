"""Decoding uploaded bytes: BOMs, UTF-16 without BOM, Chinese legacy encodings, junk."""

from __future__ import annotations

import codecs
import random

import pytest

from workbench.core.corpus import CorpusError
from workbench.core.corpus import decode_bytes
from workbench.core.corpus import parse_file

SIMPLIFIED = "中国支持联合国在国际反恐合作中发挥核心协调作用。恐怖主义是人类的公敌。"
TRADITIONAL = "中國支持聯合國在國際反恐合作中發揮核心協調作用。恐怖主義是人類的公敵。"
MIXED = "Statement by China 中国代表发言\nCounter-terrorism 反恐\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (codecs.BOM_UTF8 + SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
        (SIMPLIFIED.encode("utf-8"), SIMPLIFIED),
        (SIMPLIFIED.encode("utf-16"), SIMPLIFIED),  # with BOM, native order
        (codecs.BOM_UTF16_LE + MIXED.encode("utf-16-le"), MIXED),
        (codecs.BOM_UTF16_BE + MIXED.encode("utf-16-be"), MIXED),
        (MIXED.encode("utf-16-le"), MIXED),  # no BOM: the NULs give the byte order away
        (MIXED.encode("utf-16-be"), MIXED),
        (MIXED.encode("utf-32"), MIXED),
        (SIMPLIFIED.encode("gb18030"), SIMPLIFIED),
        (SIMPLIFIED.encode("gbk"), SIMPLIFIED),
        (SIMPLIFIED[:8].encode("gb18030"), SIMPLIFIED[:8]),  # short texts fool generic detectors
        (TRADITIONAL.encode("big5"), TRADITIONAL),
        (MIXED.encode("gb18030"), MIXED),
    ],
    ids=[
        "utf8-bom",
        "utf8",
        "utf16-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le-nobom",
        "utf16be-nobom",
        "utf32",
        "gb18030",
        "gbk",
        "gb18030-short",
        "big5",
        "gb18030-mixed",
    ],
)
def test_round_trip(data: bytes, expected: str):
    assert decode_bytes(data, "speech.txt") == expected


def test_line_endings_become_lf_and_nothing_else_changes():
    text = "Ligne un\r\nLigne deux\rfin — café\u0301\r\n"
    decoded = decode_bytes(text.encode("utf-8"), "a.txt")
    assert decoded == "Ligne un\nLigne deux\nfin — café\u0301\n"  # no NFC: e + combining accent


def test_western_legacy_text_still_decodes():
    text = "Déclaration de la délégation française sur le terrorisme international. " * 3
    assert decode_bytes(text.encode("cp1252"), "fr.txt") == text


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("La délégation de la Côte d'Ivoire salue l'adoption de la résolution.", "cp1252"),
        ("Stance memo: très important", "cp1252"),
        ("Café crème brûlée déjà vu. Ça va très bien, merci.", "cp1252"),
        ("España y México apoyan la resolución número 2396. ¿Por qué?", "latin-1"),
        ("Ação, não, coração — São Tomé e Príncipe.", "cp1252"),
        ("Straße, Größe, Übung — Deutschland.", "cp1252"),
        ("“Quoted” — dash… and €5", "cp1252"),
        # Other 8-bit encodings are not taken for Western European text.
        ("Zażółć gęślą jaźń. Łódź jest piękna.", "cp1250"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy.", "cp1250"),
        ("Россия поддерживает резолюцию Совета Безопасности.", "cp1251"),
        ("Η Ελλάδα υποστηρίζει το ψήφισμα.", "cp1253"),
    ],
)
def test_short_legacy_texts_decode_as_written(text: str, codec: str):
    # Too short for a statistical guess: "Côte" came back as "C¶te" and "très" as Chinese.
    assert decode_bytes(text.encode(codec), "short.txt") == text


def test_binary_junk_renamed_txt_is_rejected_with_the_file_name():
    junk = random.Random(7).randbytes(4096)
    with pytest.raises(CorpusError, match=r"photo\.txt"):
        decode_bytes(junk, "photo.txt")


@pytest.mark.parametrize("bom", [b"\xef\xbb\xbf", b""])
def test_a_nul_in_a_text_file_is_refused_with_its_line(bom: bytes):
    # With a byte-order mark the bytes skip the binary test; the decoded text is checked too.
    data = bom + b"Statement.\nHello\x00 we condemn terrorism in all its forms.\n"
    with pytest.raises(CorpusError, match=r"nul\.txt") as caught:
        decode_bytes(data, "nul.txt")
    if bom:
        assert "line 2 has a NUL character" in str(caught.value)


def test_binary_without_nul_bytes_is_rejected():
    junk = bytes(b for b in random.Random(3).randbytes(6000) if b)
    with pytest.raises(CorpusError, match=r"noise\.txt"):
        decode_bytes(junk, "noise.txt")


@pytest.mark.parametrize(
    ("data", "what"),
    [(b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG"), (b"%PDF-1.4\n%...", "PDF")],
)
def test_known_binary_formats_are_named(data: bytes, what: str):
    with pytest.raises(CorpusError, match=rf"scan\.txt: this is a {what}"):
        decode_bytes(data, "scan.txt")


@pytest.mark.parametrize("data", [b"", b"   \n\r\n\t", codecs.BOM_UTF8])
def test_empty_files_are_rejected(data: bytes):
    with pytest.raises(CorpusError, match=r"empty\.txt: the file is empty"):
        decode_bytes(data, "empty.txt")


def test_parse_file_reports_the_same_errors():
    with pytest.raises(CorpusError, match=r"blank\.md"):
        parse_file("blank.md", b"")


# A mostly-Chinese verbatim-record passage: only newlines, digits and brackets are ASCII, so
# fewer than one byte in ten is a NUL, far too few to tell the byte order by counting them.
MOSTLY_CHINESE = (
    "马朝旭先生（中国）：中方欢迎安理会通过第2341(2017)号决议。\n"
    "关键基础设施是各国经济社会发展的命脉，保护其免遭恐怖袭击是各国的共同责任。\n"
    "我们呼吁各国加强信息共享，开展风险评估，提高防范和应对能力。\n"
)
LATIN = "Mr. Ünal (Türkiye): Terrorism threatens all States; no State can face it alone.\n"


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text",
    [
        MOSTLY_CHINESE,
        MOSTLY_CHINESE.replace("\n", ""),
        LATIN,
        "言論自由。言而有信。\n" * 4,
        # 一 (U+4E00), 开 (U+5F00) and 最 (U+6700) are ASCII "N", "_" and "g" in the other
        # byte order; a short text full of them is still Chinese.
        "一是开放，二是合作，最重要的是一起行动。\n",
    ],
    ids=[
        "chinese",
        "chinese-no-ascii-at-all",
        "latin",
        "ideographs-with-zero-low-byte",
        "short-with-common-xx00-ideographs",
    ],
)
def test_utf16_without_bom_is_detected_for_chinese_and_latin(codec: str, text: str):
    assert decode_bytes(text.encode(codec), "record.txt") == text


def test_utf16_without_bom_reaches_passages():
    data = MOSTLY_CHINESE.encode("utf-16-le")
    assert data.count(0) < len(data) // 10  # the shape that was refused as binary
    (document,) = parse_file("record.txt", data)
    assert document.passages[0].speaker == "马朝旭先生"
    assert document.text.startswith("马朝旭先生（中国）")


def test_odd_length_nul_bytes_are_still_binary():
    with pytest.raises(CorpusError, match="binary"):
        decode_bytes(MOSTLY_CHINESE.encode("utf-16-le") + b"\x00", "broken.txt")
