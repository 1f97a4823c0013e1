"""Language-independent anchors of a text: numbers (with their magnitude), symbols, names.

"US$50 million" and "5000万美元" both give the number 5e7; "1.4 billion" and "14亿" give 1.4e9;
"resolution 2341 (2017)" gives 2341 and 2017; "Seventy-five years" and "75年" give 75. A small
glossary of UN names and forms of address ("Mr. President" / "主席先生", "World Health
Organization" / "世界卫生组织") adds anchors both versions share; Latin words printed inside a
Chinese text (FAO, UNOCT) count as names.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import cache

from workbench.core.word_lists import word_list

_NUMBER = re.compile(
    r"(?<![0-9A-Za-z.-])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
    r"(?:\s*(万|亿|million|billion|thousand)(?![a-z]))?(?:st|nd|rd|th)?(?![0-9A-Za-z-])",
    re.IGNORECASE,
)
_SCALE = {"万": 1e4, "亿": 1e8, "thousand": 1e3, "million": 1e6, "billion": 1e9}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_ONES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
}  # fmt: skip
_WORD_NUMBER = re.compile(
    r"\b(?:(" + "|".join(_TENS) + r")(?:-(" + "|".join(_ONES) + r"))?|(" + "|".join(_ONES) + r"))"
    r"\s+(years?|days?|times|countries|members?)\b",
    re.IGNORECASE,
)
_SYMBOL = re.compile(r"\b[A-Z]/(?:[A-Z0-9]+[./])*[A-Z0-9]+\b")
_LATIN_IN_CHINESE = re.compile(
    r"(?<=[\u4e00-\u9fff（“《])[A-Z][A-Za-z]{1,}(?=[\u4e00-\u9fff）”》])"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# Python's \w includes Chinese characters, so the edges of a number are spelled out in ASCII:
# "提供5000万美元" holds a number, "COVID-19" and "A4" do not.


@cache
def _glossary() -> tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...]:
    """Concept, English pattern, Chinese pattern from data/words/alignment_glossary.txt."""
    entries = []
    for line in sorted(word_list("alignment_glossary")):
        concept, english, chinese = line.split("=")
        entries.append(
            (
                concept,
                re.compile(r"\b(?:" + english.replace("_", r"\s+") + r")\b"),
                re.compile(chinese),
            )
        )
    return tuple(entries)


@cache
def _english_names() -> tuple[re.Pattern[str], dict[str, str]]:
    forms: dict[str, str] = {}
    for line in word_list("alignment_glossary"):
        concept, english, _ = line.split("=")
        for form in english.split("|"):
            forms[form.replace("_", " ").replace("\\.", ".")] = concept
    # Longest first, so "UN Office of Counter-Terrorism" is one name, not "UN" and the rest.
    ordered = sorted(forms, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in ordered) + r")\b")
    return pattern, forms


def name_forms(text: str) -> str:
    """English text with every glossary name in one form ("AU" and "African Union" alike)."""
    pattern, forms = _english_names()
    return pattern.sub(lambda m: " gloss" + forms[m.group(0)].replace("-", "") + " ", text)


def anchors(text: str) -> Counter[str]:
    """The anchors of a text as a multiset of language-independent keys."""
    found: Counter[str] = Counter()
    chinese = _CJK.search(text) is not None
    for m in _NUMBER.finditer(text):
        digits = m.group(1).replace(",", "")
        value = float(digits) * _SCALE.get((m.group(2) or "").lower(), 1.0)
        found[f"#{value:g}"] += 1
    for m in _WORD_NUMBER.finditer(text):
        tens = _TENS.get((m.group(1) or "").lower(), 0)
        ones = _ONES.get((m.group(2) or m.group(3) or "").lower(), 0)
        found[f"#{tens + ones:g}"] += 1
    for m in _SYMBOL.finditer(text):
        found["$" + m.group(0)] += 1
    for concept, english, chinese_pattern in _glossary():
        pattern = chinese_pattern if chinese else english
        count = len(pattern.findall(text))
        if count:
            found["@" + concept] += count
    if chinese:
        for m in _LATIN_IN_CHINESE.finditer(text):
            found["@" + m.group(0).lower()] += 1
    return found
