"""The search semantics: folding, routing a query to an index, and quoting for FTS5 and LIKE."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from workbench.core.search_text import CJK_RANGES
from workbench.core.search_text import FOLDS_INTO_ASCII
from workbench.core.search_text import cjk_tokens
from workbench.core.search_text import fold
from workbench.core.search_text import fts5_all_of
from workbench.core.search_text import fts5_string
from workbench.core.search_text import is_cjk
from workbench.core.search_text import like_pattern
from workbench.core.search_text import matches
from workbench.core.search_text import plan


def _char_by_char(text: str) -> str:
    # An independent statement of the rule: each character lowered alone, first character kept.
    return "".join(c.lower()[0] for c in text)


@given(st.text())
def test_fold_is_per_character_simple_lowercase(text: str) -> None:
    assert fold(text) == _char_by_char(text)
    assert len(fold(text)) == len(text)


def test_fold_edge_cases() -> None:
    assert fold("İstanbul") == "istanbul"
    assert fold("ΟΔΟΣ") == "οδοσ"  # never the word-final ς
    assert fold("ẞ") == "ß" and fold("STRASSE") == "strasse"
    assert fold("ＴＥＲＲ") == "ｔｅｒｒ"
    assert fold("\u212a") == "k"  # the Kelvin sign
    assert fold("恐怖𠀀") == "恐怖𠀀"


def test_matches_is_a_case_insensitive_substring() -> None:
    assert matches("TERRORISM", "counter-terrorism")
    assert matches("%", "100% sure") and not matches("%", "100 sure")
    assert not matches("straße", "STRASSE")  # no case folding that changes lengths


def test_no_cjk_character_has_a_case_and_none_folds_into_one() -> None:
    for lo, hi in CJK_RANGES:
        for cp in range(lo, min(hi, lo + 30000) + 1):
            assert fold(chr(cp)) == chr(cp)
    for cp in range(0x1F000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        if not is_cjk(chr(cp)):
            assert not is_cjk(fold(chr(cp))), hex(cp)


def test_plan_routes_queries() -> None:
    assert plan("Terrorism").kind == "trigram" and plan("Terrorism").folded == "terrorism"
    assert plan("恐怖主义").kind == "trigram"
    assert plan("恐怖").kind == "chars" and plan("恐怖").chars == ["恐", "怖"]
    assert plan("恐恐").chars == ["恐"]
    assert plan("主").kind == "chars"
    assert plan("𠀀").kind == "chars"
    assert plan("UN").kind == "scan"
    assert plan("主 ").kind == "scan"
    assert plan("，").kind == "scan"
    assert plan("").kind == "scan"


def test_cjk_tokens_keep_only_cjk_characters() -> None:
    assert cjk_tokens("We 反对恐怖主义, 𠀀!") == "反 对 恐 怖 主 义 𠀀"
    assert cjk_tokens("no Chinese here") == ""
    assert cjk_tokens("テロ 테러") == "テ ロ 테 러"


def test_quoting() -> None:
    assert fts5_string('a"b') == '"a""b"'
    assert fts5_all_of(["恐", '"']) == '"恐" AND """"'
    pattern = like_pattern("50%_\\")
    assert pattern == "%50\\%\\_\\\\%"
    # The escaped pattern, read back as LIKE reads it, is the literal text.
    body = pattern[1:-1]
    assert re.sub(r"\\(.)", r"\1", body) == "50%_\\"


def test_only_two_characters_outside_ascii_fold_into_it() -> None:
    into_ascii = [
        chr(cp)
        for cp in range(0x80, 0x110000)
        if not 0xD800 <= cp <= 0xDFFF and any(c.isascii() for c in fold(chr(cp)))
    ]
    assert into_ascii == list(FOLDS_INTO_ASCII)
