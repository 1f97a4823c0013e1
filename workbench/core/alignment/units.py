"""Alignment units: passages as they are, or a run-together passage cut into sentences.

Chinese texts whose paragraph breaks were lost upstream arrive as one long passage. Aligning a
paragraph of the other version to it needs smaller pieces: sentences, plus the places where a
Chinese speech visibly starts a new paragraph although no line break is left — after a short
vocative ending in a colon ("主席先生，各位同事：") and before an enumerating dash ("——中国将…").
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.core.corpus.sentences import sentence_spans

# A vocative or announcement ends at a full-width colon; only a short lead-in is cut off, so a
# colon inside a sentence ("启示我们：") that introduces its own clause stays with it.
_COLON = re.compile(r"：(?=\S)")
_DASH = re.compile(r"(?<=[；：。！？])——")
_SHORT_LEAD_IN = 24


@dataclass(frozen=True, slots=True)
class Unit:
    """A piece of one passage: its index in the version, offsets inside the passage, text."""

    passage: int
    start: int
    end: int
    text: str


def alignment_units(passages: Sequence[str], *, split: bool) -> list[Unit]:
    """The passages as units, or (split) each cut into sentences and paragraph-like clauses."""
    units: list[Unit] = []
    for index, text in enumerate(passages):
        if not split:
            units.append(Unit(index, 0, len(text), text))
            continue
        for start, end in _pieces(text):
            units.append(Unit(index, start, end, text[start:end]))
    return units


def _pieces(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in sentence_spans(text, 0, len(text)):
        cuts = {start, end}
        for m in _DASH.finditer(text, start, end):
            cuts.add(m.start())
        for m in _COLON.finditer(text, start, end):
            before = max((c for c in cuts if c <= m.start()), default=start)
            if m.end() - before <= _SHORT_LEAD_IN or text.startswith("——", m.end()):
                cuts.add(m.end())
        ordered = sorted(cuts)
        for a, b in itertools.pairwise(ordered):
            piece = text[a:b]
            stripped = piece.strip()
            if stripped:
                lead = len(piece) - len(piece.lstrip())
                spans.append((a + lead, a + lead + len(stripped)))
    return spans


def needs_splitting(mine: Sequence[str], other: Sequence[str]) -> bool:
    """Whether a version's passages are so much longer than the other's that they need cutting."""
    # Counting passages rather than characters keeps the rule independent of the script (a
    # Chinese character carries about four English ones).
    return bool(mine) and len(other) >= 3 * len(mine)
