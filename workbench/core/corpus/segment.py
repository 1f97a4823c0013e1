"""Cut a (normalised) document into passages: paragraphs or sentences, grouped in speaker turns.

Every passage records exact code-point offsets, so text == document[start:end] always holds.
What is codable:
- inside a speaker turn, speech text is codable; a language note on its own line
  ("（以英语发言）") and a marker with no speech after it are not;
- page furniture, site navigation and newspaper credit lines never are;
- record furniture (headings, "The meeting rose at ...") closes the turn and is not codable;
- news datelines and source lines ("2020年10月01日 来源：人民网", "Published: ...") are not;
- in a verbatim record (a document with a record masthead), text outside every turn (front
  matter, agenda) is not codable; in other documents text before or between speaker turns is
  ordinary text, and only stray short fragments are not codable.
Every non-codable passage says why (PassageSpec.reason), so an import can report it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from workbench.core.corpus.furniture import is_boilerplate
from workbench.core.corpus.furniture import is_dateline
from workbench.core.corpus.furniture import is_fragment
from workbench.core.corpus.furniture import is_heading
from workbench.core.corpus.furniture import is_page_furniture
from workbench.core.corpus.furniture import is_record_break
from workbench.core.corpus.furniture import is_table_line
from workbench.core.corpus.language import detect_language
from workbench.core.corpus.records import record_passages
from workbench.core.corpus.sentences import sentence_spans
from workbench.core.corpus.speakers import SpeakerMarker
from workbench.core.corpus.speakers import find_presiding_delegation
from workbench.core.corpus.speakers import is_record_header
from workbench.core.corpus.speakers import last_switch
from workbench.core.corpus.speakers import match_marker
from workbench.core.corpus.speakers import match_switch_line
from workbench.core.corpus.speakers import record_language
from workbench.core.corpus.types import CorpusError
from workbench.core.corpus.types import PassageSpec
from workbench.core.corpus.types import SegmentHints
from workbench.core.corpus.types import SegmentMode
from workbench.core.corpus.types import TextLayout
from workbench.core.i18n import _

_BLANK_LINES = re.compile(r"\n[^\S\n]*\n\s*")
_HEADER_CHARS = 6000
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LANGUAGE_SAMPLE = 400  # enough to tell en from zh; passages are many, so keep it short

# Why a passage is not codable, as the import summary and the reader say it.
FURNITURE = "page furniture"
HEADING = "heading"
RECORD_FURNITURE = "record furniture (opening, agenda, closing)"
LANGUAGE_NOTE = "language note"
BARE_MARKER = "speaker name without speech"
BOILERPLATE = "navigation, footer or credit line"
DATELINE = "dateline or source line"
FRONT_MATTER = "outside every speech of a verbatim record"
FRAGMENT = "short fragment"


@dataclass
class _Turn:
    index: int
    speaker: str | None
    delegation: str | None
    original_language: str | None


@dataclass
class _Context:
    doc_language: str | None
    presiding_delegation: str | None
    record_language: str | None
    hints: SegmentHints | None
    has_markers: bool
    is_record: bool
    headings: frozenset[int] = frozenset()
    turn: _Turn | None = None
    turns: int = 0
    presiding_language: str | None = None


def segment(
    text: str,
    *,
    mode: SegmentMode = "paragraph",
    hints: SegmentHints | None = None,
    layout: TextLayout | None = None,
) -> list[PassageSpec]:
    """Split text into paragraph, sentence or line passages with speakers and languages.

    `layout` is what the normaliser saw in markup the text no longer has (Markdown headings,
    bold speaker names); without it a text is judged by what it shows.
    """
    if mode not in ("paragraph", "sentence", "lines"):
        raise CorpusError(
            _(
                "unknown segmentation mode %(mode)s (use paragraph, sentence or lines)",
                mode=repr(mode),
            )
        )
    if mode == "lines":
        doc_language = detect_language(text)
        return record_passages(text, lambda line: _passage_language(line, doc_language))
    layout = layout or TextLayout()
    header = text[:_HEADER_CHARS]
    paragraphs = list(paragraph_spans(text))
    markers = [
        _marker_at(text, start, end, emphasised=start in layout.markers)
        for start, end in paragraphs
    ]
    context = _Context(
        doc_language=detect_language(text),
        presiding_delegation=find_presiding_delegation(header),
        record_language=record_language(header),
        hints=hints if hints is not None and _has_any(hints) else None,
        has_markers=any(marker is not None for marker in markers),
        is_record=is_record_header(header) and any(marker is not None for marker in markers),
        headings=layout.headings,
    )
    passages: list[PassageSpec] = []
    for (start, end), marker in zip(paragraphs, markers, strict=True):
        body = text[start:end]
        reason, in_turn = _place(body, start, marker, context)
        codable = reason is None
        if codable and mode == "sentence":
            spans = sentence_spans(text, start, end)
        else:
            spans = [(start, end)]
        for span_start, span_end in spans:
            passage_text = text[span_start:span_end]
            turn = context.turn if in_turn else None
            passages.append(
                PassageSpec(
                    ordinal=len(passages),
                    text=passage_text,
                    start=span_start,
                    end=span_end,
                    speaker=turn.speaker if turn else None,
                    delegation=turn.delegation if turn else None,
                    language=_passage_language(passage_text, context.doc_language),
                    original_language=turn.original_language if turn else None,
                    codable=codable,
                    turn=turn.index if turn else None,
                    reason=reason,
                )
            )
            if turn is not None and codable:
                _follow_switches(passage_text, marker, span_start == start, turn)
    return passages


def _passage_language(text: str, doc_language: str | None) -> str | None:
    # Detecting each passage afresh is the costliest step of a large import; a passage in the
    # script of an English document is taken to share its language, anything else is checked.
    sample = text[:_LANGUAGE_SAMPLE]
    if doc_language == "en" and _HAN.search(sample) is None:
        return "en"
    return detect_language(sample) or doc_language


def paragraph_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each block of text between blank lines, trimmed of white space."""
    position = 0
    for m in _BLANK_LINES.finditer(text):
        span = _trimmed(text, position, m.start())
        if span is not None:
            yield span
        position = m.end()
    span = _trimmed(text, position, len(text))
    if span is not None:
        yield span


def _trimmed(text: str, start: int, end: int) -> tuple[int, int] | None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return None
    lead = len(piece) - len(piece.lstrip())
    return start + lead, start + lead + len(stripped)


def _marker_at(text: str, start: int, end: int, *, emphasised: bool) -> SpeakerMarker | None:
    head = text[start : min(end, start + 240)]
    if ":" not in head and "：" not in head:
        return None
    if is_table_line(head.split("\n", 1)[0]):
        return None  # "主席:\t奥泰比先生 .....\t(科威特)" lists the council, nobody speaks
    return match_marker(head, emphasised=emphasised)


def _has_any(hints: SegmentHints) -> bool:
    return any((hints.speaker, hints.delegation, hints.original_language))


def _place(
    body: str, start: int, marker: SpeakerMarker | None, context: _Context
) -> tuple[str | None, bool]:
    """Decide (why not codable or None, inside the current turn) for one paragraph."""
    if marker is not None:
        _open_turn(marker, context)
        return (None if marker.end < len(body) else BARE_MARKER), True
    if is_page_furniture(body) or (is_table_line(body) and "\n" in body):
        return FURNITURE, False
    is_switch, language = match_switch_line(body)
    if is_switch:
        if context.turn is None:
            return LANGUAGE_NOTE, False
        context.turn.original_language = language
        return LANGUAGE_NOTE, True
    heading = start in context.headings or is_heading(body)
    if heading or is_record_break(body):
        # Among speaker turns a heading or "The meeting rose" ends the speech; in a single
        # speech (a table row with hints) a section heading is only a heading.
        if context.has_markers:
            context.turn = None
        return (HEADING if heading else RECORD_FURNITURE), False
    if is_dateline(body):
        return DATELINE, False
    if is_boilerplate(body):
        return BOILERPLATE, False
    if context.turn is None and context.turns == 0 and context.hints is not None:
        _open_hinted_turn(context)
    if context.turn is not None:
        return None, True
    if context.is_record:
        return FRONT_MATTER, False
    return (FRAGMENT if is_fragment(body) else None), False


def _open_turn(marker: SpeakerMarker, context: _Context) -> None:
    delegation = marker.delegation
    language = marker.original_language
    if marker.presiding and delegation is None:
        delegation = context.presiding_delegation
    if context.turns == 0 and context.hints is not None:
        # A table row describes its single speech; fill what the marker leaves open.
        delegation = delegation or context.hints.delegation
        language = language or context.hints.original_language
    if language is None and marker.presiding:
        language = context.presiding_language
    if language is None:
        language = context.record_language
    if marker.presiding and marker.original_language:
        context.presiding_language = marker.original_language
    context.turn = _Turn(context.turns, marker.speaker, delegation, language)
    context.turns += 1


def _open_hinted_turn(context: _Context) -> None:
    hints = context.hints
    assert hints is not None
    context.turn = _Turn(0, hints.speaker, hints.delegation, hints.original_language)
    context.turns = 1


def _follow_switches(
    passage_text: str, marker: SpeakerMarker | None, starts_paragraph: bool, turn: _Turn
) -> None:
    # A note like "(spoke in English)" inside a passage applies to what follows it; the
    # marker's own note is skipped so it is not mistaken for a switch.
    skip = marker.end if marker is not None and starts_paragraph else 0
    found, language = last_switch(passage_text[skip:])
    if found:
        turn.original_language = language
