"""Normalise extracted text into clean paragraphs separated by one blank line.

What it repairs, and how it tells:
- Hard-wrapped lines (PDF text, General Debate records) are reflowed. A document counts as
  wrapped when its long lines mostly end mid-sentence; then a line ending a sentence short of
  the wrap width (or followed by an indented line, or by two trailing spaces) ends a paragraph.
- Page breaks (form feeds, or page furniture such as "18-04093 (C)", "S/PV.8180", "请回收")
  that split a sentence are closed: the furniture moves to its own paragraph after the
  rejoined one, so nothing is lost and the sentence reads whole.
- Paragraphs that a page break split without any furniture (the Chinese record 002) are
  rejoined when the first part reads as prose and does not end a sentence.
- Line-break hyphens are resolved by hyphenation.Vocabulary; Chinese lines join without a space.
- Chinese paragraphs marked only by runs of U+3000, newspaper credit lines glued to the text,
  and language notes such as "(spoke in French)" in the middle of a speech become paragraphs.
No Unicode normalisation (NFC) is applied: offsets are code points over the returned text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from workbench.corpus.furniture import (
    FURNITURE_FIRST,
    INLINE_NEWS_LINE,
    LEADING_DATELINE,
    is_heading,
    is_page_furniture,
    is_record_break,
    is_table_line,
)
from workbench.corpus.hyphenation import Vocabulary
from workbench.corpus.language import detect_language
from workbench.corpus.shape import (
    ends_sentence,
    ends_with_function_word,
    is_cjk,
    reads_as_prose,
    starts_lowercase,
)
from workbench.corpus.speakers import match_marker, match_switch_line

_IDEOGRAPHIC_RUN = re.compile("\u3000{2,}")
_SEGMENT_TRIGGERS = ("\u3000", "人民日报", "新华社", "spoke in", "发言")
_RECORD_FIRST = frozenset("上下晚中TAa通议#")  # first letters of furniture.is_record_break
_INLINE_SWITCH = re.compile(r"\(spoke in [A-Za-z]+\)|[（(]以[^（()）\n]{1,10}?发言[)）]")
_TABLE_SPACES = re.compile(r"[^\S\t]+")
_WRAP_WIDTH_LIMIT = 160  # longer "lines" are paragraphs, not wrapped print lines

# Kinds of line that stand alone: nothing is joined onto them and they join nothing.
_ALONE = frozenset({"heading", "switch", "record"})


@dataclass(slots=True)
class _Line:
    text: str
    kind: str
    gap: int = 0
    page_break: bool = False
    indent: bool = False
    trailing: int = 0
    hard: bool = False
    terminal: bool = False


@dataclass
class _Layout:
    wrapped: bool = False
    width: int = 0
    modal_gap: int = 0


@dataclass(slots=True)
class _Paragraph:
    kind: str
    last: _Line
    parts: list[str] = field(default_factory=list)
    length: int = 0

    def text(self) -> str:
        return "".join(self.parts)


def normalise(text: str, language: str | None) -> str:
    """Repair wrapping, page breaks and hyphenation; return paragraphs separated by blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x0c" in text:
        text = text.replace("\x0c", "\n\x0c\n")
    lang = language or detect_language(text)
    lines = _scan(text)
    layout = _measure(lines)
    vocabulary = None if lang == "zh" else Vocabulary(text)
    return "\n\n".join(_assemble(lines, layout, vocabulary))


def _scan(text: str) -> list[_Line]:
    # The hot loop of an import (a million lines for the General Debate corpus): cheap
    # substring tests guard every regex and the common plain line takes the shortest path.
    lines: list[_Line] = []
    gap = 0
    page_break = False
    for raw in text.split("\n"):
        stripped = raw.strip()
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
        if len(segments) == 1 and not table:
            content = " ".join(segments[0].split())
            line = _Line(content, _classify(content), gap, page_break, indent, trailing)
            line.terminal = ends_sentence(content)
            line.hard = indent and raw.lstrip(" \t").startswith("\u3000\u3000")
            lines.append(line)
            gap = 0
            page_break = False
            continue
        ideographic_indent = raw.lstrip(" \t").startswith("\u3000\u3000")
        for index, segment in enumerate(segments):
            content = _TABLE_SPACES.sub(" ", segment) if table else " ".join(segment.split())
            line = _Line(content, "table" if table else _classify(content))
            line.terminal = ends_sentence(content)
            if index == 0:
                line.gap, line.page_break, line.indent = gap, page_break, indent
                line.hard = ideographic_indent
            else:
                line.hard = True
            if index == len(segments) - 1:
                line.trailing = trailing
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


def _measure(lines: list[_Line]) -> _Layout:
    text_lines = [line for line in lines if line.kind == "text"]
    if len(text_lines) < 4:
        return _Layout()
    lengths = sorted(len(line.text) for line in text_lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width > _WRAP_WIDTH_LIMIT:
        return _Layout(width=width)
    long_lines = [line for line in text_lines if len(line.text) >= 0.6 * width]
    open_lines = sum(1 for line in long_lines if not line.terminal)
    wrapped = len(long_lines) >= 3 and open_lines * 2 >= len(long_lines)
    gaps = Counter(min(line.gap, 2) for line in text_lines[1:])
    modal_gap = gaps.most_common(1)[0][0] if gaps else 0
    return _Layout(wrapped=wrapped, width=width, modal_gap=modal_gap)


def _assemble(lines: list[_Line], layout: _Layout, vocabulary: Vocabulary | None) -> list[str]:
    out: list[str] = []
    held: list[str] = []  # furniture waiting until the paragraph it interrupted is complete
    current: _Paragraph | None = None
    furniture_since_last = False
    for line in lines:
        if line.kind == "furniture":
            held.append(line.text)
            furniture_since_last = True
            continue
        page_break = line.page_break or furniture_since_last
        furniture_since_last = False
        if current is not None and _should_join(current, line, layout, page_break):
            _append(current, line, vocabulary)
            continue
        if current is not None:
            out.append(current.text())
        out.extend(held)
        held.clear()
        current = _Paragraph(kind=line.kind, last=line, parts=[line.text], length=len(line.text))
    if current is not None:
        out.append(current.text())
    out.extend(held)
    return out


def _should_join(current: _Paragraph, line: _Line, layout: _Layout, page_break: bool) -> bool:
    if line.hard or line.kind in _ALONE or line.kind in ("marker", "bare_marker"):
        return False
    if line.kind == "weak_marker":
        # Only a finished sentence can be followed by a new speaker; otherwise "Name: ..." is
        # a quotation inside the running text.
        if current.last.terminal or current.kind in _ALONE or current.kind == "table":
            return False
        line.kind = "text"
        return True
    if current.kind in _ALONE:
        return False
    if current.kind == "table" or line.kind == "table":
        return current.kind == line.kind == "table" and line.gap == 0 and not page_break
    if current.kind == "bare_marker":
        return True  # a marker on its own line belongs to the speech that follows it
    last = current.last
    terminal = last.terminal
    if not terminal and ends_with_function_word(last.text):
        return True  # "... tests between" + "1946 and 1958": nobody ends a paragraph on "between"
    if layout.wrapped:
        short = len(last.text) < 0.85 * layout.width
        if line.gap <= layout.modal_gap and not page_break:
            if not terminal:
                return True
            return not short and not line.indent and last.trailing < 2
        if terminal:
            return False
        return page_break or starts_lowercase(line.text) or not short
    if terminal:
        return False
    if current.length >= 150 or reads_as_prose(current.text()):
        return True
    if page_break and (current.length >= 60 or starts_lowercase(line.text)):
        return True  # a page turned mid-sentence; titles rarely sit right before a page break
    return starts_lowercase(line.text) and current.length >= 40


def _append(current: _Paragraph, line: _Line, vocabulary: Vocabulary | None) -> None:
    left = current.parts[-1]
    right = line.text
    if current.kind == "table":
        current.parts.append("\n" + right)
    elif left.endswith("-") and left[-2:-1].isalpha() and right[:1].isalpha():
        if vocabulary is not None and vocabulary.drop_hyphen(left, right):
            current.parts[-1] = left[:-1]
        current.parts.append(right)
    elif (left[-1] >= "\u2e80" or right[0] >= "\u2e80") and (is_cjk(left[-1]) or is_cjk(right[0])):
        current.parts.append(right)
    else:
        current.parts.append(" " + right)
    current.last = line
    current.length += len(right) + 1
    if current.kind == "bare_marker":
        current.kind = "marker"  # the marker now has its speech; later lines join as usual
