"""Decide whether a hyphen at the end of a line is part of the word or a soft line-break hyphen.

UN typesetting rarely breaks words at syllables: in the General Debate corpus, 1,704 line-end
hyphens join words that only ever appear hyphenated ("Secretary-\\nGeneral", "high-\\nsounding")
against 26 that only ever appear solid. So the hyphen is kept unless the document itself spells
the joined word solid and never hyphenated, and it is always kept after compound prefixes such
as counter-, anti-, non-, and before a capital letter.
"""

from __future__ import annotations

import re

_LEFT = re.compile(r"([A-Za-z]+)-$")
_RIGHT = re.compile(r"[A-Za-z]+")

KEEP_PREFIXES = frozenset(
    ("counter", "anti", "non", "self", "post", "co", "well", "ex", "cross", "quasi", "vice")
)


class Vocabulary:
    """The words a document spells in full, used to judge its own line-end hyphens."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._lower: str | None = None

    def _spelled(self, word: str) -> bool:
        # A case-insensitive whole-word search; cheaper than building a vocabulary for the
        # few line-end hyphens a document has.
        if self._lower is None:
            self._lower = self._text.lower()
        lower = self._lower
        position = lower.find(word)
        while position != -1:
            before = lower[position - 1] if position else " "
            after_index = position + len(word)
            after = lower[after_index] if after_index < len(lower) else " "
            if not (before.isalpha() or before == "-") and not (after.isalpha() or after == "-"):
                return True
            position = lower.find(word, position + 1)
        return False

    def drop_hyphen(self, left_line: str, right_line: str) -> bool:
        """Whether "...multi-" + "lateral..." should be joined as "multilateral"."""
        left = _LEFT.search(left_line[-40:])
        right = _RIGHT.match(right_line)
        if left is None or right is None:
            return False
        head, tail = left.group(1), right.group(0)
        if head.lower() in KEEP_PREFIXES or tail[0].isupper():
            return False
        solid = (head + tail).lower()
        hyphenated = f"{head}-{tail}".lower()
        return self._spelled(solid) and not self._spelled(hyphenated)
