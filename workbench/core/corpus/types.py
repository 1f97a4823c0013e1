"""Value types shared by the corpus package: documents, passages, table rows, errors."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Literal

SegmentMode = Literal["paragraph", "sentence", "lines"]
SEGMENT_MODES: tuple[SegmentMode, ...] = ("paragraph", "sentence", "lines")
MetadataValue = str | int | float | None


class CorpusError(ValueError):
    """Bad input: the message names the file (and row) and says what is wrong."""


@dataclass(frozen=True)
class PassageSpec:
    """One coding unit: a span of the normalised document text and what is known about it."""

    ordinal: int
    text: str
    start: int
    end: int
    speaker: str | None
    delegation: str | None
    language: str | None
    original_language: str | None
    codable: bool
    turn: int | None
    # Why a passage is not codable ("page furniture", "heading", ...); None when it is codable.
    reason: str | None = None


@dataclass(frozen=True)
class DocumentMeta:
    """Descriptive metadata found in (or supplied with) a document."""

    title: str | None = None
    date: str | None = None
    doc_type: str | None = None
    meeting_symbol: str | None = None
    language: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """A decoded, normalised and segmented document ready to be stored."""

    filename: str
    raw_text: str
    text: str
    content_hash: str
    meta: DocumentMeta
    passages: list[PassageSpec]
    # Columns of the table row a document came from (empty for single files).
    extra: dict[str, MetadataValue] = field(default_factory=dict)
    # Control characters of the file shown as U+FFFD in the text (the raw text keeps them).
    shown_controls: int = 0


@dataclass(frozen=True)
class TextLayout:
    """What the normaliser saw in the markup that the normalised text no longer shows.

    Offsets are the starts of paragraphs in the normalised text: headings (Markdown `#`
    lines, whose markers are gone) and speaker markers judged with their bold type.
    """

    headings: frozenset[int] = frozenset()
    markers: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SegmentHints:
    """What a caller already knows about a single-speech text (e.g. a corpus row)."""

    speaker: str | None = None
    delegation: str | None = None
    original_language: str | None = None


@dataclass(frozen=True)
class TableRow:
    """One document read from a CSV or JSONL table."""

    row_number: int
    title: str | None
    text: str
    metadata: dict[str, MetadataValue] = field(default_factory=dict)
