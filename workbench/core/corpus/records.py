"""Line-per-record texts (comments, survey answers, one utterance a line): detect and cut (pure).

A text is shaped that way when it has many lines, mostly short (a text of long lines is
paragraphs, one a line, and keeps the paragraph rules for furniture and boilerplate), few
blank lines between them, and its lines are not hard-wrapped prose: wrapped prose fills most
lines to nearly the wrap width and ends them mid-sentence, while records vary in length and
each one ends where its writer stopped. The "lines" segmentation makes one passage per
non-empty line, trimmed of surrounding white space.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator

from workbench.core.corpus.types import PassageSpec

_MIN_LINES = 8
_MAX_BLANK_SHARE = 0.2  # blank lines per non-empty line
_MAX_MEDIAN = 160  # records are short; a text of long lines is paragraphs, one a line
_WRAP_LIMIT = 160  # longer lines are not print lines
_FULL_SHARE = 0.6  # a wrapped line fills at least this share of the wrap width
_SENTENCE_ENDS = frozenset(".!?。！？…\"'”’)）")


def record_text(text: str) -> str:
    """The text with LF line ends and no BOM: all the normalising a record-a-line text gets."""
    return text.replace("\r\n", "\n").replace("\r", "\n").removeprefix("\ufeff")


def line_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each non-empty line, trimmed of white space."""
    position = 0
    while position <= len(text):
        end = text.find("\n", position)
        if end < 0:
            end = len(text)
        piece = text[position:end]
        stripped = piece.strip()
        if stripped:
            lead = len(piece) - len(piece.lstrip())
            yield position + lead, position + lead + len(stripped)
        position = end + 1


def looks_like_records(text: str) -> bool:
    """Tell whether a text is one record a line rather than paragraphs or wrapped prose."""
    lines = text.split("\n")
    filled = [line.strip() for line in lines if line.strip()]
    if len(filled) < _MIN_LINES:
        return False
    blank = len(lines) - len(filled)
    if blank > _MAX_BLANK_SHARE * len(filled):
        return False
    if sorted(len(line) for line in filled)[len(filled) // 2] > _MAX_MEDIAN:
        return False
    return not _hard_wrapped(filled)


def _hard_wrapped(lines: list[str]) -> bool:
    # Wrapped prose fills most lines to nearly the wrap width and ends them mid-sentence;
    # records vary in length, and a wrap width past _WRAP_LIMIT means no wrapping at all.
    lengths = sorted(len(line) for line in lines)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    if width > _WRAP_LIMIT:
        return False
    full = sum(1 for n in lengths if _FULL_SHARE * width <= n <= width * 1.05)
    open_ended = sum(1 for line in lines if line[-1] not in _SENTENCE_ENDS)
    return full >= 0.6 * len(lines) and open_ended >= 0.4 * len(lines)


def record_passages(text: str, language: Callable[[str], str | None]) -> list[PassageSpec]:
    """One codable passage per non-empty line; ``language`` names each line's language."""
    return [
        PassageSpec(
            ordinal=n,
            text=text[start:end],
            start=start,
            end=end,
            speaker=None,
            delegation=None,
            language=language(text[start:end]),
            original_language=None,
            codable=True,
            turn=None,
        )
        for n, (start, end) in enumerate(line_spans(text))
    ]
