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
- Markdown (a .md file, or a text written in it) loses its markup: emphasis, link syntax,
  list bullets and heading markers; headings stay as paragraphs of their own, reported in
  the layout so the segmenter can make them heading passages.
No Unicode normalisation (NFC) is applied: offsets are code points over the returned text.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from dataclasses import field

from workbench.core.corpus.hyphenation import Vocabulary
from workbench.core.corpus.language import detect_language
from workbench.core.corpus.lines import Line
from workbench.core.corpus.lines import scan_lines
from workbench.core.corpus.shape import ends_with_function_word
from workbench.core.corpus.shape import is_cjk
from workbench.core.corpus.shape import reads_as_prose
from workbench.core.corpus.shape import starts_lowercase
from workbench.core.corpus.types import TextLayout

_WRAP_WIDTH_LIMIT = 160  # longer "lines" are paragraphs, not wrapped print lines

# Kinds of line that stand alone: nothing is joined onto them and they join nothing.
_ALONE = frozenset({"heading", "switch", "record", "dateline"})


@dataclass
class _Layout:
    wrapped: bool = False
    width: int = 0
    modal_gap: int = 0
    # The extractor already knows the paragraphs (a PDF read from its page layout): lines
    # without a blank between them belong together, a blank line always ends a paragraph,
    # and only a page break is left for the usual rules.
    known: bool = False


@dataclass(slots=True)
class _Paragraph:
    kind: str
    last: Line
    parts: list[str] = field(default_factory=list)
    length: int = 0
    opening: str = "text"  # the kind of its first line, as the layout reports it

    def text(self) -> str:
        return "".join(self.parts)


def normalise(text: str, language: str | None, *, markdown: bool = False) -> str:
    """Repair wrapping, page breaks and hyphenation; return paragraphs separated by blank lines."""
    return normalise_layout(text, language, markdown=markdown)[0]


def normalise_layout(
    text: str, language: str | None, *, markdown: bool = False, paragraphs_known: bool = False
) -> tuple[str, TextLayout]:
    """Normalise a text and say where its headings and speaker markers start.

    `paragraphs_known` says blank lines are the extractor's paragraph breaks (PDF layout).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x0c" in text:
        text = text.replace("\x0c", "\n\x0c\n")
    lang = language or detect_language(text)
    lines = scan_lines(text, markdown=markdown)
    layout = _measure(lines)
    layout.known = paragraphs_known
    vocabulary = None if lang == "zh" else Vocabulary(text)
    paragraphs = _assemble(lines, layout, vocabulary)
    headings: set[int] = set()
    markers: set[int] = set()
    position = 0
    for paragraph, kind in paragraphs:
        if kind == "heading":
            headings.add(position)
        elif kind in ("marker", "bare_marker"):
            markers.add(position)
        position += len(paragraph) + 2
    normalised = "\n\n".join(paragraph for paragraph, _ in paragraphs)
    return normalised, TextLayout(frozenset(headings), frozenset(markers))


def _measure(lines: list[Line]) -> _Layout:
    text_lines = [line for line in lines if line.kind == "text"]
    if len(text_lines) < 4:
        return _Layout()
    lengths = sorted(len(line.text) for line in text_lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width > _WRAP_WIDTH_LIMIT:
        return _Layout(width=width)
    long_lines = [line for line in text_lines if len(line.text) >= 0.6 * width]
    open_lines = sum(1 for line in long_lines if not line.terminal)
    # Measured: 75 % of 003's full-width lines and >= 86 % in General Debate records end
    # mid-sentence; a handful of short paragraphs (an HTML page) must not look wrapped.
    wrapped = len(long_lines) >= 8 and open_lines >= 0.6 * len(long_lines)
    gaps = Counter(min(line.gap, 2) for line in text_lines[1:])
    modal_gap = gaps.most_common(1)[0][0] if gaps else 0
    return _Layout(wrapped=wrapped, width=width, modal_gap=modal_gap)


def _assemble(
    lines: list[Line], layout: _Layout, vocabulary: Vocabulary | None
) -> list[tuple[str, str]]:
    """The paragraphs of the text, each with the kind of its first line."""
    out: list[tuple[str, str]] = []
    held: list[tuple[str, str]] = []  # furniture waiting for the paragraph it interrupted
    current: _Paragraph | None = None
    furniture_since_last = False
    for line in lines:
        if line.kind == "furniture":
            held.append((line.text, "furniture"))
            furniture_since_last = True
            continue
        page_break = line.page_break or furniture_since_last
        furniture_since_last = False
        if current is not None and _should_join(current, line, layout, page_break):
            _append(current, line, vocabulary)
            continue
        if current is not None:
            out.append((current.text(), current.opening))
        out.extend(held)
        held.clear()
        current = _Paragraph(
            kind=line.kind, last=line, parts=[line.text], length=len(line.text), opening=line.kind
        )
    if current is not None:
        out.append((current.text(), current.opening))
    out.extend(held)
    return out


def _should_join(current: _Paragraph, line: Line, layout: _Layout, page_break: bool) -> bool:
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
    if layout.known and not page_break:
        return line.gap == 0
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


def _append(current: _Paragraph, line: Line, vocabulary: Vocabulary | None) -> None:
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
