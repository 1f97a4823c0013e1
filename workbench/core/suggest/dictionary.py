"""Dictionary hits: where a code's English and Chinese keywords occur in a passage. PURE.

English (any Latin-script) keywords match case-insensitively at the start of a word, so
"sanction" finds "Sanctions"; Chinese keywords match anywhere (Chinese has no spaces between
words). Offsets are code points into the passage text, as every span in the workbench.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Hit:
    """One keyword occurrence: which code, which keyword, where."""

    code: str
    keyword: str
    start: int
    end: int


def _is_latin(word: str) -> bool:
    return any(ch.isascii() and ch.isalnum() for ch in word[:1])


@lru_cache(maxsize=256)
def _pattern(keywords: tuple[str, ...]) -> re.Pattern[str] | None:
    """One alternation of every keyword, longest first so the longest match wins."""
    parts = []
    for word in sorted({k.strip() for k in keywords if k.strip()}, key=len, reverse=True):
        escaped = re.escape(word)
        parts.append(rf"(?<!\w){escaped}" if _is_latin(word) else escaped)
    return re.compile("|".join(parts), re.IGNORECASE) if parts else None


def keyword_hits(text: str, keywords: Mapping[str, Sequence[str]]) -> list[Hit]:
    """Every keyword occurrence in the text, per code, in text order."""
    return list(_hits(text, tuple((code, tuple(words)) for code, words in keywords.items())))


# A coder applies several codes to one passage in a row, and every action re-renders that
# passage: scanning its text with each code's pattern again was ~5 % of an action's CPU. The
# key is the text and every code's keywords, so an edited text or codebook is a new entry.
@lru_cache(maxsize=4096)
def _hits(text: str, keywords: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[Hit, ...]:
    hits: list[Hit] = []
    for code, words in keywords:
        pattern = _pattern(words)
        if pattern is None:
            continue
        hits.extend(Hit(code, m.group(0), m.start(), m.end()) for m in pattern.finditer(text))
    hits.sort(key=lambda h: (h.start, -h.end, h.code))
    return tuple(hits)


def hit_codes(texts: Iterable[str], keywords: Mapping[str, Sequence[str]]) -> list[set[str]]:
    """For each text, the codes whose keywords occur in it."""
    patterns = {code: _pattern(tuple(words)) for code, words in keywords.items()}
    return [
        {code for code, pattern in patterns.items() if pattern is not None and pattern.search(t)}
        for t in texts
    ]
