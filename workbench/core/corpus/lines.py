"""The lines of an extracted text and what each one is: text, furniture, marker, heading...

A line here is a piece of text between newlines, already cut where a line holds two things
that must not share a paragraph: runs of U+3000 (Chinese paragraph marks), newspaper credit
lines glued to a speech, and language notes such as "(spoke in French)" after a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.core.corpus import markdown as md
from workbench.core.corpus.furniture import FURNITURE_FIRST
from workbench.core.corpus.furniture import INLINE_NEWS_LINE
from workbench.core.corpus.furniture import LEADING_DATELINE
from workbench.core.corpus.furniture import is_dateline
from workbench.core.corpus.furniture import is_heading
from workbench.core.corpus.furniture import is_page_furniture
from workbench.core.corpus.furniture import is_record_break
from workbench.core.corpus.furniture import is_table_line
from workbench.core.corpus.shape import ends_sentence
from workbench.core.corpus.speakers import match_marker
from workbench.core.corpus.speakers import match_switch_line

_IDEOGRAPHIC_RUN = re.compile("\u3000{2,}")
_SEGMENT_TRIGGERS = ("\u3000", "人民日报", "新华社", "spoke in", "发言")
_RECORD_FIRST = frozenset("上下晚中TAa通议#")  # first letters of furniture.is_record_break
_INLINE_SWITCH = re.compile(r"\(spoke in [A-Za-z]+\)|[（(]以[^（()）\n]{1,10}?发言[)）]")
_TABLE_SPACES = re.compile(r"[^\S\t]+")


@dataclass(slots=True)
class Line:
    """One line of text with the layout facts the normaliser needs to join lines."""

    text: str
    # "text", "furniture" (page furniture), "heading", "record" (record furniture),
    # "switch" (a language note), "table", "dateline" (a news dateline or source line),
    # "marker" / "bare_marker" (a speaker marker,
    # with or without speech after it) or "weak_marker" (a bare "Name:" that may be a quote).
    kind: str
    gap: int = 0
    page_break: bool = False
    indent: bool = False
    trailing: int = 0
    hard: bool = False
    terminal: bool = False


def scan_lines(text: str, *, markdown: bool = False) -> list[Line]:
    """Split text into classified lines, noting blank-line gaps, page breaks and indents.

    With `markdown`, lines are classified with their markup (bold speaker names count as
    evidence) and then stored without it; `#` lines become headings.
    """
    # The hot loop of an import (a million lines for the General Debate corpus): cheap
    # substring tests guard every regex and the common plain line takes the shortest path.
    lines: list[Line] = []
    gap = 0
    page_break = False
    for raw in text.split("\n"):
        stripped = raw.strip()
        heading = False
        if markdown and stripped:
            stripped, heading = md.block(stripped)
        if not stripped:
            if "\x0c" in raw:
                page_break = True
            gap += 1
            continue
        indent = raw[0].isspace()
        trailing = len(raw) - len(raw.rstrip(" \t\u00a0")) if raw[-1] in " \t\u00a0" else 0
        # The substring tests repeat is_table_line's own first checks to spare a call per line.
        table = (
            "\t" in stripped or "..." in stripped or ". . " in stripped or "……" in stripped
        ) and is_table_line(stripped)
        split = not table and _has_trigger(stripped)
        segments = _split_segments(stripped) if split else [stripped]
        # A Chinese paragraph indented with U+3000 starts afresh; so does every piece cut out
        # of one line after the first.
        hard = indent and raw.lstrip(" \t").startswith("\u3000\u3000")
        last = len(segments) - 1
        for index, segment in enumerate(segments):
            content = _TABLE_SPACES.sub(" ", segment) if table else " ".join(segment.split())
            kind = "heading" if heading else "table" if table else _classify(content)
            if markdown:
                content = md.inline(content) or content
            line = Line(
                content,
                kind,
                gap if index == 0 else 0,
                page_break and index == 0,
                indent and index == 0,
                trailing if index == last else 0,
                hard or index > 0,
                ends_sentence(content),
            )
            lines.append(line)
        gap = 0
        page_break = False
    return lines


def _has_trigger(line: str) -> bool:
    if line.isascii():  # O(1) in CPython, and true for almost every line of an English text
        return "spoke in" in line
    return any(trigger in line for trigger in _SEGMENT_TRIGGERS)


def _classify(content: str) -> str:
    first = content[0]
    if first in FURNITURE_FIRST and is_page_furniture(content):
        return "furniture"
    if first == "#" and is_heading(content):
        return "heading"
    head = content[:240]
    if ("spoke in" in head or "发言" in head) and match_switch_line(content)[0]:
        return "switch"
    if ":" in head or "：" in head:
        marker = match_marker(content)
        if marker is not None:
            if marker.end >= len(content):
                return "bare_marker"
            return "marker" if marker.certain else "weak_marker"
    if first in _RECORD_FIRST and len(content) <= 80 and is_record_break(content):
        return "record"
    if len(content) <= 160 and is_dateline(content):
        return "dateline"
    return "text"


def _split_segments(line: str) -> list[str]:
    parts = [line]
    if "\u3000" in line:
        parts = _IDEOGRAPHIC_RUN.split(line)
    if "人民日报" in line or "新华社" in line:
        parts = [piece for part in parts for piece in _cut_news(part)]
    if "spoke in" in line or "发言" in line:
        parts = [piece for part in parts for piece in _cut_switches(part)]
    return [part.strip() for part in parts if part.strip()]


def _cut_news(part: str) -> list[str]:
    pieces: list[str] = []
    position = 0
    for m in INLINE_NEWS_LINE.finditer(part):
        pieces += [part[position : m.start()], m.group(0)]
        position = m.end()
    pieces.append(part[position:])
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        dateline = LEADING_DATELINE.match(piece)
        if dateline is not None and dateline.end() < len(piece):
            out += [piece[: dateline.end()], piece[dateline.end() :]]
        else:
            out.append(piece)
    return out


def _cut_switches(part: str) -> list[str]:
    pieces: list[str] = []
    position = 0
    for m in _INLINE_SWITCH.finditer(part):
        before = part[position : m.start()].strip()
        after = part[m.end() :].lstrip("*")
        if after[:1] in (":", "："):
            continue  # part of a speaker marker, not a change of language
        if before and not ends_sentence(before):
            continue  # a switch in mid-sentence stays inline rather than breaking the sentence
        pieces += [part[position : m.start()], m.group(0)]
        position = m.end()
    pieces.append(part[position:])
    return pieces
