"""Split a paragraph into sentences, English and Chinese, keeping exact offsets.

English: a sentence ends at . ? ! (plus closing quotes/brackets) followed by white space and
a capital, digit or opening quote. A full stop does not end a sentence after a title or
common abbreviation ("Mr.", "Ms.", "No.", "e.g."), an initial, or a dotted acronym ("U.N.",
"U.S."); symbols and numbers ("S/PV.8180", "2.5") never split because no space follows the dot.
Chinese: a sentence ends after 。！？ (and …… ) plus any closing quotes or brackets.
"""

from __future__ import annotations

import re

from workbench.core.word_lists import word_list

_EN_END = re.compile(r"[.?!]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9\u4e00-\u9fff])")
_ZH_END = re.compile(r"(?:[。！？]|……)+[”’」』）)】》\"']*")
_TOKEN_BEFORE = re.compile(r"(\S+)$")
_ACRONYM = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]?")

ABBREVIATIONS = word_list("abbreviations")


def sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets inside text[start:end], trimmed of white space."""
    cuts: set[int] = set()
    segment = text[start:end]
    if "." in segment or "?" in segment or "!" in segment:
        for m in _EN_END.finditer(segment):
            if segment[m.start()] == "." and _is_abbreviation(segment, m.start()):
                continue
            cuts.add(m.end())
    if "。" in segment or "！" in segment or "？" in segment or "……" in segment:
        for m in _ZH_END.finditer(segment):
            cuts.add(m.end())
    spans: list[tuple[int, int]] = []
    previous = 0
    for cut in [*sorted(cuts), len(segment)]:
        piece = segment[previous:cut]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            spans.append((start + previous + lead, start + previous + lead + len(stripped)))
        previous = cut
    return spans


def _is_abbreviation(segment: str, dot: int) -> bool:
    m = _TOKEN_BEFORE.search(segment, max(0, dot - 40), dot)
    if m is None:
        return False
    token = m.group(1).lstrip("(\"'“‘[")
    if not token:
        return False
    if token.lower() in ABBREVIATIONS:
        return True
    if len(token) == 1 and token.isupper():
        return True  # an initial: "J. Smith"
    return _ACRONYM.fullmatch(token + ".") is not None and "." in token
