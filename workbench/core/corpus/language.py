"""A fast, explainable language guess for the two languages the workbench codes: en and zh.

The heuristic, in order:
1. Count Han ideographs and Latin letters in (at most) the first 2,000 characters. One Han
   character is weighed like five Latin letters (roughly one English word), so a Chinese text
   quoting an English name stays Chinese and an English page with a "中文" link stays English.
2. Fewer than 1.5 weighted units: too little to say -> None.
3. Japanese kana or Korean hangul outweighing the Han count -> None (not a language we code).
4. Han outweighs Latin -> "zh".
5. Otherwise at least 3 Latin words of which >= 10 % are common English function words -> "en";
   anything else (a French or Spanish text, a list of names) -> None.
"""

from __future__ import annotations

import re
from functools import lru_cache

from workbench.core.word_lists import word_list

_SAMPLE = 2000
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_KANA_HANGUL_RUN = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]+")
_LATIN_WORD = re.compile(r"[a-z]+")

_ENGLISH_FUNCTION_WORDS = word_list("english_function_words")


def detect_language(text: str) -> str | None:
    """Guess "en" or "zh" for a text, or None when it is too short or in another language."""
    return _detect(text[:_SAMPLE])


# Parsing one document asks about the same opening several times (normaliser, metadata,
# segmenter); a small cache answers the repeats.
@lru_cache(maxsize=32)
def _detect(sample: str) -> str | None:
    han = sum(map(len, _HAN_RUN.findall(sample))) if _HAN_RUN.search(sample) else 0
    words = _LATIN_WORD.findall(sample.lower())
    latin_units = sum(map(len, words)) / 5
    if han + latin_units < 1.5:
        return None
    if han:
        other = sum(map(len, _KANA_HANGUL_RUN.findall(sample)))
        if other > han:
            return None
    if han > latin_units:
        return "zh"
    if len(words) < 3:
        return None
    hits = sum(map(_ENGLISH_FUNCTION_WORDS.__contains__, words))
    return "en" if hits * 10 >= len(words) else None
