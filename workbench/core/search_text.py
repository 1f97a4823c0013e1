"""What a text search means, on every database: a case-insensitive substring (pure).

A passage matches a query when the folded query occurs in the folded passage text. Folding
lower-cases each character on its own with Unicode's simple mapping (one character to one
character), so it keeps lengths and never depends on neighbours:

- it equals Python's ``str.lower()`` except for two characters: "İ" (U+0130) folds to "i" (not
  to "i" + combining dot), and "Σ" always folds to "σ" (never to the word-final "ς");
- it is what PostgreSQL's ``lower()`` does under a glibc UTF-8 collation ("C.utf8"), which the
  PostgreSQL index uses; SQLite calls this module's ``fold`` through a registered function.

Which index answers a query is decided here too (``plan``): three characters or more go to a
trigram index; one or two characters that are all CJK go to a character index (each CJK
character a token) and are then checked exactly; anything else (one or two Latin characters,
punctuation) is a scan. All three give the same answer: the substring rule above.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

# Characters with a case live below the Adlam block's end; above it nothing folds.
_CASED_LIMIT = 0x1E944
_DOTTED_I = "\u0130"
_SIGMA = "\u03a3"

# Scripts written without spaces, whose one- and two-character words a trigram index cannot
# find. No character here has a case, and no character folds into one of them, so a query made
# of them matches the raw text exactly where it matches the folded text.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x20000, 0x3FFFF),  # CJK Extensions B and beyond, supplementary planes 2 and 3
)


def _class(escape: Callable[[int], str]) -> str:
    return "".join(f"{escape(lo)}-{escape(hi)}" for lo, hi in CJK_RANGES)


def _py_escape(cp: int) -> str:
    return f"\\U{cp:08x}"


def _pg_escape(cp: int) -> str:
    return f"\\u{cp:04x}" if cp <= 0xFFFF else f"\\U{cp:08x}"


CJK_RE = re.compile(f"[{_class(_py_escape)}]")
# The same class for PostgreSQL's regular expressions (ARE syntax), built from the same ranges.
PG_NOT_CJK_CLASS = f"[^{_class(_pg_escape)}]"
PG_CJK_CLASS = f"[{_class(_pg_escape)}]"

MIN_TRIGRAM = 3

Kind = Literal["trigram", "chars", "scan"]


@cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(_CASED_LIMIT):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        lower = chr(cp).lower()
        if lower != chr(cp):
            # Only U+0130 lowers to two characters; its simple mapping is the first of them.
            table[cp] = lower[0]
    return table


def fold(text: str) -> str:
    """Lower-case each character on its own (Unicode simple mapping); the length is kept."""
    if text.isascii():
        return text.lower()
    if _DOTTED_I not in text and _SIGMA not in text:
        # str.lower() differs from the simple mapping only on these two characters.
        return text.lower()
    return text.translate(_fold_table())


# The only characters outside ASCII that fold to an ASCII letter: "İ" to "i" and the Kelvin
# sign to "k" (a test checks every code point). So for a query of ASCII characters, a text
# without these two matches exactly where an ASCII-only case-insensitive comparison (SQLite's
# LIKE) finds the query.
FOLDS_INTO_ASCII = ("\u0130", "\u212a")


def is_cjk(char: str) -> bool:
    """Whether a character belongs to the scripts the character index holds."""
    return CJK_RE.fullmatch(char) is not None


def cjk_tokens(text: str) -> str:
    """The CJK characters of a text, separated by spaces (the character index's document)."""
    return " ".join(CJK_RE.findall(text))


def matches(query: str, text: str) -> bool:
    """The definition of a match: the folded query occurs in the folded text."""
    return fold(query) in fold(text)


@dataclass(frozen=True)
class SearchPlan:
    """A query folded and routed to the index that can answer it."""

    query: str
    folded: str
    kind: Kind

    @property
    def chars(self) -> list[str]:
        """The distinct characters of the query, in order (for the character index)."""
        return list(dict.fromkeys(self.folded))


def plan(query: str) -> SearchPlan:
    """Fold a query and choose the index for it."""
    folded = fold(query)
    if len(folded) >= MIN_TRIGRAM:
        kind: Kind = "trigram"
    elif folded and all(is_cjk(c) for c in folded):
        kind = "chars"
    else:
        kind = "scan"
    return SearchPlan(query=query, folded=folded, kind=kind)


def fts5_string(text: str) -> str:
    """Quote a text as one FTS5 string (a phrase of its tokens)."""
    return '"' + text.replace('"', '""') + '"'


def fts5_all_of(chars: list[str]) -> str:
    """An FTS5 query for rows holding every one of these characters as a token."""
    return " AND ".join(fts5_string(c) for c in chars)


def like_pattern(text: str) -> str:
    """Escape a text for a LIKE pattern (escape character backslash) that matches it anywhere."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
