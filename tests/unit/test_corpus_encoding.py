"""Decoding uploaded bytes: BOMs, UTF-16 without BOM, Chinese legacy encodings, junk."""

from __future__ import annotations

import codecs
import random

import pytest

from workbench.corpus import CorpusError, decode_bytes, parse_file

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


def test_binary_junk_renamed_txt_is_rejected_with_the_file_name():
    junk = random.Random(7).randbytes(4096)
    with pytest.raises(CorpusError, match=r"photo\.txt"):
        decode_bytes(junk, "photo.txt")


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
