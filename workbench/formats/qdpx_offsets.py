"""How a REFI-QDA file counts its selection offsets, read from the evidence in the text (pure).

The standard says code points, but real exports differ: NVivo counts UTF-16 code units and a
CRLF as two, MAXQDA counts CRLF as two, some tools count the BOM or UTF-8 bytes. Selection
names cannot decide it (NVivo leaves them empty), so every plausible reading is scored on what
the text itself says about the boundaries it yields:

- a boundary that falls inside a character (half a surrogate pair, inside a UTF-8 sequence, or
  between the CR and LF of a line break) or outside the text rules the selection out;
- a boundary on a line break or at the edge of the text is strong evidence, one on a word
  boundary weaker evidence, and a selection whose ``name`` equals its text the strongest.

The reading with the highest score wins; ties go to the likelier reading: the standard's (every
code point of the file, so a CRLF is two, as MAXQDA counts), then ATLAS.ti's (CRLF as one),
then NVivo's (UTF-16 units, CRLF as two), then the rest; a counted BOM is the least likely.
``Detection.evidence`` says in words why, for the import report.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

UNITS = ("code points", "UTF-16 code units", "UTF-8 bytes")
_NAME_WEIGHT = 6
_LINE_WEIGHT = 2


@dataclass(frozen=True)
class Reading:
    """One way of counting: unit, CRLF as one or two, BOM counted or not."""

    unit: str
    crlf_as_two: bool
    bom_counted: bool

    def describe(self, has_crlf: bool, has_bom: bool) -> str:
        """The reading in words, naming only what the text makes relevant."""
        parts = [self.unit]
        if has_crlf:
            parts.append("CRLF counted as two" if self.crlf_as_two else "CRLF counted as one")
        if has_bom:
            parts.append("BOM counted" if self.bom_counted else "BOM not counted")
        return ", ".join(parts)


@dataclass(frozen=True)
class Score:
    """What one reading makes of the selections."""

    reading: Reading
    inside: int  # both boundaries inside the text, on character boundaries
    on_lines: int  # boundaries at a line break or the text's edges
    on_words: int  # boundaries at a word boundary
    named: int  # selections whose name equals the text they select

    @property
    def points(self) -> int:
        """The weighted evidence for this reading."""
        return (
            self.inside * 4
            + self.on_lines * _LINE_WEIGHT
            + self.on_words
            + self.named * _NAME_WEIGHT
        )


@dataclass(frozen=True)
class Detection:
    """The chosen reading, its converted offsets and the evidence for the report."""

    reading: Reading
    label: str
    evidence: str
    positions: list[tuple[int, int] | None]  # code points into the text, None = unusable


class _Text:
    """The text's code points and where its CRLFs are, computed once for every reading."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        cr = np.zeros(len(self.points), dtype=bool)
        if len(self.points) > 1:
            cr[:-1] = (self.points[:-1] == 13) & (self.points[1:] == 10)
        self.cr_of_crlf = cr

    def widths(self, unit: str) -> npt.NDArray[np.int64]:
        """How many units each character counts in."""
        p = self.points
        if unit == "UTF-16 code units":
            return 1 + (p > 0xFFFF).astype(np.int64)
        if unit == "UTF-8 bytes":
            return 1 + (p > 0x7F).astype(np.int64) + (p > 0x7FF) + (p > 0xFFFF)
        return np.ones(len(p), dtype=np.int64)


class _Counter:
    """Maps offsets of one reading to code-point positions in the text (None if mid-character)."""

    def __init__(self, text: _Text, reading: Reading, bom_width: int) -> None:
        widths = text.widths(reading.unit)
        if not reading.crlf_as_two:
            # The CR of a CRLF counts nothing; a position at it means "before the line break".
            widths[text.cr_of_crlf] = 0
        self.starts = np.concatenate(([0], np.cumsum(widths)))  # each char's offset, then the end
        self.text = text.text
        self.shift = bom_width if reading.bom_counted else 0
        self.zero_width = not reading.crlf_as_two

    def position(self, offset: int) -> int | None:
        offset -= self.shift
        if offset < 0 or offset > self.starts[-1]:
            return None
        index = int(np.searchsorted(self.starts, offset, side="left"))
        if index >= len(self.starts) or self.starts[index] != offset:
            return None
        if not self.zero_width and index and self.text[index - 1 : index + 1] == "\r\n":
            return None  # between CR and LF: no reading of a line break puts a boundary there
        return index


def _is_word_char(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] in "LNM" and not _is_cjk(ch)


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or ch >= "\U00020000"


def _at_line(text: str, pos: int) -> bool:
    return pos in (0, len(text)) or text[pos - 1] in "\n\r" or text[pos] in "\r\n"


def _at_word(text: str, pos: int) -> bool:
    if pos in (0, len(text)):
        return True
    return not (_is_word_char(text[pos - 1]) and _is_word_char(text[pos]))


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def is_standard(reading: Reading, has_crlf: bool) -> bool:
    """Tell whether a reading counts as the standard says: every code point of the file."""
    return (
        reading.unit == "code points"
        and not reading.bom_counted
        and (reading.crlf_as_two or not has_crlf)
    )


def _prior(reading: Reading) -> int:
    """How unlikely a reading is before the evidence (lower is likelier)."""
    order = {
        ("code points", True): 0,
        ("code points", False): 1,
        ("UTF-16 code units", True): 2,
        ("UTF-16 code units", False): 3,
        ("UTF-8 bytes", True): 4,
        ("UTF-8 bytes", False): 5,
    }
    return order[(reading.unit, reading.crlf_as_two)] + (10 if reading.bom_counted else 0)


def candidate_readings(text: str, has_bom: bool) -> list[Reading]:
    """The readings that differ for this text, the standard's first."""
    has_crlf = "\r\n" in text
    astral = any(ord(ch) > 0xFFFF for ch in text)
    ascii_only = text.isascii()
    out = []
    for unit in UNITS:
        if unit == "UTF-16 code units" and not astral:
            continue
        if unit == "UTF-8 bytes" and ascii_only:
            continue
        for crlf_as_two in (False, True) if has_crlf else (False,):
            for bom in (False, True) if has_bom else (False,):
                out.append(Reading(unit, crlf_as_two, bom))
    return out


def score_reading(
    text: str | _Text,
    reading: Reading,
    has_bom: bool,
    offsets: Sequence[tuple[int, int, str]],
) -> tuple[Score, list[tuple[int, int] | None]]:
    """Score one reading over (start, end, name) offsets; also return the positions it gives."""
    prepared = text if isinstance(text, _Text) else _Text(text)
    text = prepared.text
    bom_width = 3 if reading.unit == "UTF-8 bytes" else 1
    counter = _Counter(prepared, reading, bom_width if has_bom else 0)
    inside = on_lines = on_words = named = 0
    positions: list[tuple[int, int] | None] = []
    for start, end, name in offsets:
        a, b = counter.position(start), counter.position(end)
        if a is None or b is None or a > b:
            positions.append(None)
            continue
        positions.append((a, b))
        inside += 1
        on_lines += _at_line(text, a) + _at_line(text, b)
        on_words += _at_word(text, a) + _at_word(text, b)
        if name.strip() and _same(text[a:b], name):
            named += 1
    return Score(reading, inside, on_lines, on_words, named), positions


def detect(text: str, has_bom: bool, offsets: Sequence[tuple[int, int, str]]) -> Detection:
    """Pick the reading the text supports best; text keeps its CRLFs, without the BOM."""
    has_crlf = "\r\n" in text
    scored = [score_reading(text, r, has_bom, offsets) for r in candidate_readings(text, has_bom)]
    best_index = max(
        range(len(scored)), key=lambda i: (scored[i][0].points, -_prior(scored[i][0].reading))
    )
    best, positions = scored[best_index]
    label = best.reading.describe(has_crlf, has_bom)
    total = len(offsets)
    evidence = (
        f"{best.inside} of {total} selections inside the text on character boundaries, "
        f"{best.on_lines} of {2 * total} boundaries at a line break or the text's edge, "
        f"{best.on_words} at a word boundary, {best.named} names equal to the selected text"
    )
    others = sorted(
        (s for i, (s, _) in enumerate(scored) if i != best_index),
        key=lambda s: -s.points,
    )
    if others:
        runner = others[0]
        evidence += (
            f"; next best {runner.reading.describe(has_crlf, has_bom)}: {runner.inside} inside, "
            f"{runner.on_lines} at a line break, {runner.named} names equal"
        )
    return Detection(best.reading, label, evidence, positions)
