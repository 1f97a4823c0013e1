"""Paragraphs of a text-layer PDF rebuilt from where its lines sit on the page.

A PDF has no paragraphs, only glyphs at positions. pdfplumber (on pdfminer.six) gives each
word with its box; this module groups words into lines and lines into paragraphs:
- two columns (UN verbatim records) are read one after the other, found from a vertical
  gutter that no word crosses;
- a new paragraph starts after a vertical gap larger than the usual line pitch (in ems of
  the type, so a two-line title set large stays one paragraph), at a
  first-line indent, where the type size changes (a title above a paragraph), and after a
  short line that ends a sentence. So a paragraph whose last line happens to be full is not
  run into the next one, and a title never absorbs the paragraph after it.
The result is plain text: the lines of a paragraph separated by one newline (the normaliser
joins them, undoing hyphens and joining Chinese without spaces), paragraphs by a blank line,
pages by a form feed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from itertools import pairwise
from statistics import median
from typing import Any

from workbench.core.corpus.shape import ends_sentence
from workbench.core.corpus.shape import is_cjk
from workbench.core.corpus.types import CorpusError
from workbench.core.i18n import _

_GAP_FACTOR = 1.4  # a pitch this much above the usual one is a blank line between paragraphs
_SIZE_CHANGE = 0.15  # relative change of type size that separates a title from body text
_INDENT_EMS = 0.8  # a first-line indent, in ems of the line's type
_SHORT_EMS = 3.0  # a line ending this many ems before the column's right edge is short
_GUTTER_MIN = 12.0  # points of empty page between two columns (word spaces are narrower)
_COLUMN_LINES = 8  # a column has at least this many lines; a few justified lines can leave a gap
_FEW_LINES = 8


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


def pdf_text(filename: str, data: bytes) -> str:
    """The text of a PDF's text layer with paragraphs rebuilt from the page layout."""
    # Imported here: pdfplumber is only needed when a PDF actually arrives.
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    if not data.startswith(b"%PDF") and b"%PDF" not in data[:1024]:
        raise CorpusError(_("%(filename)s: not a PDF file", filename=filename))
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [_page_columns(page) for page in pdf.pages]
    except PDFPasswordIncorrect as exc:
        raise CorpusError(
            _("%(filename)s: the PDF is password-protected", filename=filename)
        ) from exc
    except Exception as exc:  # pdfminer raises assorted types for malformed objects
        raise CorpusError(
            _(
                "%(filename)s: the PDF is damaged and cannot be read (%(exc)s)",
                filename=filename,
                exc=exc,
            )
        ) from exc
    if not any(pages):
        raise CorpusError(
            _(
                "%(filename)s: the PDF has no text layer (a scan?); run OCR on it and import again",
                filename=filename,
            )
        )
    # The line pitch, in ems of the type, is measured over the whole document: one page may
    # hold too few lines, and a title set large has a pitch of its own.
    pitch = _pitch([line for page in pages for column in page for line in column.lines])
    return "\x0c".join("\n\n".join(_paragraphs(column, pitch) for column in page) for page in pages)


@dataclass
class _Column:
    lines: list[_Line]
    right: float  # where a full line ends


def _page_columns(page: Any) -> list[_Column]:
    words = page.extract_words(x_tolerance=1.5, y_tolerance=2, extra_attrs=["size"])
    if not words:
        return []
    width = float(page.width)
    parts = _columns(words, width)
    columns = []
    for part in parts:
        lines = _lines(part)
        right = sorted(line.x1 for line in lines)[(len(lines) * 9) // 10]
        if len(parts) == 1 and len(lines) < _FEW_LINES:
            # Too few lines to see the right margin: take it as wide as the left one.
            right = max(right, width - min(line.x0 for line in lines))
        columns.append(_Column(lines, right))
    return columns


def _pitch(lines: list[_Line]) -> float | None:
    pitches = [
        (b.top - a.top) / max(a.size, 1.0)
        for a, b in pairwise(lines)
        if b.top > a.top and abs(a.size - b.size) <= _SIZE_CHANGE * max(a.size, b.size)
    ]
    return median(pitches) if pitches else None


def _columns(words: list[dict[str, Any]], width: float) -> list[list[dict[str, Any]]]:
    """The page's words in reading order: what spans the page, then each column."""
    gutter = _gutter(words, width)
    if gutter is None:
        return [words]
    left = [w for w in words if w["x1"] <= gutter]
    right = [w for w in words if w["x0"] >= gutter]
    spanning = [w for w in words if w["x0"] < gutter < w["x1"]]
    columns_top = min(w["top"] for w in left + right)
    above = [w for w in spanning if w["top"] < columns_top]
    below = [w for w in spanning if w["top"] >= columns_top]
    return [part for part in (above, left, right, below) if part]


def _gutter(words: list[dict[str, Any]], width: float) -> float | None:
    # Only a gap in the middle third of the page, with text on both sides of it over most
    # of the page, counts as a gutter; a ragged right margin or a centred title does not.
    middle = [(w["x0"], w["x1"]) for w in words if w["x1"] - w["x0"] < width * 0.5]
    if len(middle) < 20:
        return None
    steps = int(width)
    covered = [False] * (steps + 1)
    for x0, x1 in middle:
        for x in range(max(int(x0), 0), min(int(x1) + 1, steps + 1)):
            covered[x] = True
    best: tuple[float, float] | None = None
    start = None
    for x in range(int(width / 3), int(2 * width / 3) + 1):
        if not covered[x]:
            start = x if start is None else start
            continue
        if start is not None and x - start >= _GUTTER_MIN and (best is None or x - start > best[1]):
            best = (start + (x - start) / 2, x - start)
        start = None
    if best is None:
        return None
    left = sum(1 for x0, x1 in middle if x1 <= best[0])
    right = sum(1 for x0, x1 in middle if x0 >= best[0])
    if min(left, right) < 0.25 * len(middle):
        return None
    gutter = best[0]
    left_lines = {round(w["top"]) for w in words if w["x1"] <= gutter}
    right_lines = {round(w["top"]) for w in words if w["x0"] >= gutter}
    if min(len(left_lines), len(right_lines)) < _COLUMN_LINES:
        return None
    spanning = [w for w in words if w["x0"] < best[0] < w["x1"]]
    return best[0] if len(spanning) <= 0.1 * len(words) else None


def _lines(words: list[dict[str, Any]]) -> list[_Line]:
    """Words grouped into lines by their vertical position, left to right."""
    lines: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        if lines:
            last = lines[-1]
            tolerance = 0.5 * max(word["bottom"] - word["top"], 1.0)
            if abs(word["top"] - last[0]["top"]) <= tolerance:
                last.append(word)
                continue
        lines.append([word])
    return [_line(sorted(group, key=lambda w: w["x0"])) for group in lines]


def _line(words: list[dict[str, Any]]) -> _Line:
    text = words[0]["text"]
    for previous, word in pairwise(words):
        # Chinese words are runs of characters the extractor cut at a gap; no space between.
        joined = is_cjk(previous["text"][-1]) and is_cjk(word["text"][0])
        text += ("" if joined else " ") + word["text"]
    sizes = [float(w.get("size") or (w["bottom"] - w["top"])) for w in words]
    return _Line(
        text=text,
        x0=min(w["x0"] for w in words),
        x1=max(w["x1"] for w in words),
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        size=median(sizes),
    )


def _paragraphs(column: _Column, pitch: float | None) -> str:
    """Lines joined into paragraphs: newline inside one, a blank line between two."""
    lines = column.lines
    if not lines:
        return ""
    left = sorted(line.x0 for line in lines)[len(lines) // 5]
    right = column.right
    out = [lines[0].text]
    for a, b in pairwise(lines):
        out.append(("\n\n" if _breaks(a, b, left, right, pitch) else "\n") + b.text)
    return "".join(out)


def _breaks(a: _Line, b: _Line, left: float, right: float, pitch: float | None) -> bool:
    """Whether line b starts a new paragraph after line a."""
    if abs(a.size - b.size) > _SIZE_CHANGE * max(a.size, b.size):
        return True  # a title and its paragraph, or a footnote under the text
    if pitch is not None and b.top - a.top > _GAP_FACTOR * pitch * max(a.size, 1.0):
        return True
    if b.top < a.top:
        return True  # text placed above the previous line: another block
    indent = _INDENT_EMS * b.size
    if b.x0 > left + indent and a.x0 <= left + indent:
        return True  # a first-line indent
    short = a.x1 < right - _SHORT_EMS * a.size
    return short and ends_sentence(a.text)
