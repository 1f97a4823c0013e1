"""Decide whether a hyphen at the end of a line is part of the word or a soft line-break hyphen.

UN typesetting rarely breaks words at syllables: in the General Debate corpus, 1,704 line-end
hyphens join words that only ever appear hyphenated ("Secretary-\\nGeneral", "high-\\nsounding")
against 26 that only ever appear solid. So the hyphen is kept unless the document itself spells
the joined word solid and never hyphenated, and it is always kept after compound prefixes such
as counter-, anti-, non-, and before a capital letter.
"""

from __future__ import annotations

import re

# Line-end hyphens are followed by a newline in the text, so they never form a word here.
_WORD = re.compile(r"[a-z]+(?:-[a-z]+)*")
_LEFT = re.compile(r"([A-Za-z]+)-$")
_RIGHT = re.compile(r"[A-Za-z]+")

KEEP_PREFIXES = frozenset(
    ("counter", "anti", "non", "self", "post", "co", "well", "ex", "cross", "quasi", "vice")
)


class Vocabulary:
    """The words a document spells in full, used to judge its own line-end hyphens."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._words: set[str] | None = None

    def _known(self) -> set[str]:
        # Built on first use (most documents have no line-end hyphen) and only once, so a
        # document full of hyphens still costs one pass over its text.
        if self._words is None:
            self._words = set(_WORD.findall(self._text.lower()))
        return self._words

    def drop_hyphen(self, left_line: str, right_line: str) -> bool:
        """Whether "...multi-" + "lateral..." should be joined as "multilateral"."""
        left = _LEFT.search(left_line[-40:])
        right = _RIGHT.match(right_line)
        if left is None or right is None:
            return False
        head, tail = left.group(1), right.group(0)
        if head.lower() in KEEP_PREFIXES or tail[0].isupper():
            return False
        known = self._known()
        return (head + tail).lower() in known and f"{head}-{tail}".lower() not in known
