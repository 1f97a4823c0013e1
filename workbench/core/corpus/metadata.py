"""Find a document's title, date, type, meeting symbol, language and source in its text."""

from __future__ import annotations

import re
from datetime import date

from workbench.core.corpus import furniture
from workbench.core.corpus.extract import DOCUMENT_EXTENSIONS
from workbench.core.corpus.language import detect_language
from workbench.core.corpus.segment import paragraph_spans
from workbench.core.corpus.speakers import RECORD_HEADER_PHRASES
from workbench.core.corpus.speakers import match_marker
from workbench.core.corpus.types import DocumentMeta

_HEAD_CHARS = 2000
_TITLE_MAX = 200

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
# Dates are found from their year: a four-digit year is rare in text, so each candidate is
# checked with small anchored patterns instead of scanning the text once per date format.
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_BEFORE_YEAR = (
    re.compile(rf"\b(?P<day>\d{{1,2}})\s+{_MONTH},?\s+$", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+$", re.IGNORECASE),
)
_AFTER_YEAR = (
    re.compile(r"-(?P<mon>\d{2})-(?P<day>\d{2})(?!\d)"),
    re.compile(r"\s*年\s*(?P<mon>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"),
)

_SYMBOL = re.compile(r"\b(?P<organ>[SA])/(?:(?P<session>\d{1,3})/)?PV\.(?P<number>\d{1,5})\b")
_ZH_DIGITS = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True))
_FILENAME_SYMBOL = re.compile(
    r"(?<![A-Za-z])(?P<organ>[SAsa])[_\-]?(?:(?P<session>\d{1,3})[_\-])?[Pp][Vv][._\-]?(?P<number>\d{3,5})"
)
_ZH_MEETING = re.compile(
    r"第\s*(?P<number>(?:[〇零一二三四五六七八九]\s*){3,5}|\d{3,5})\s*次\s*会\s*议"
)
_EN_MEETING = re.compile(r"\b(?P<number>\d{3,5})(?:st|nd|rd|th)\s+meeting\b")
# Plain substrings are tested with `in`, which is many times faster than a regex alternation
# over the same words; a regex runs only where a word boundary or a pattern matters.
_SECURITY_COUNCIL = ("安全理事会", "Security Council")
_NEWS = (
    "Xinhua", "XINHUA", "新华社", "新华网", "人民日报", "People's Daily", "PEOPLE'S DAILY",
    "correspondent", "Correspondent", "CORRESPONDENT", "Reuters", "REUTERS", "(AP)", "记者",
)  # fmt: skip
_AFP = re.compile(r"\bAFP\b")
_STATEMENT_WORDS = (
    "Statement", "Remarks", "Speech", "Address", "Explanation", "Intervention", "STATEMENT",
    "REMARKS", "SPEECH", "上的", "发言稿",
)  # fmt: skip
_STATEMENT = re.compile(
    r"\b(?:Statement|Remarks|Speech|Address|Explanation of [Vv]ote|Intervention|STATEMENT|"
    r"REMARKS|SPEECH)[Ss]?\s+(?:by|of|BY|OF)\b|在.{1,60}?上的(?:发言|讲话|致辞)|发言稿"
)
_SOURCES = (
    (("Xinhua", "XINHUA", "新华社"), "Xinhua"),
    (("人民日报", "People's Daily", "PEOPLE'S DAILY"), "People's Daily"),
)


def _mentions(text: str, words: tuple[str, ...]) -> bool:
    return any(word in text for word in words)


def extract_metadata(
    text: str, filename: str, headings: frozenset[int] = frozenset()
) -> DocumentMeta:
    """Title, ISO date, document type, meeting symbol, language and source found in a text.

    `headings` are the starts of paragraphs known to be headings (from Markdown).
    """
    head = text[:_HEAD_CHARS]
    symbol = find_meeting_symbol(head) or _symbol_from_filename(filename)
    doc_type = _doc_type(text, head, symbol)
    return DocumentMeta(
        title=_title(text, doc_type, headings),
        date=find_date(head),
        doc_type=doc_type,
        meeting_symbol=symbol,
        language=detect_language(text),
        source=_source(head, doc_type),
    )


def title_from_filename(filename: str) -> str:
    """A title for a document that has none: its file name without folders or extension."""
    name = filename.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or filename
    stem, dot, ext = name.rpartition(".")
    if dot and stem.strip() and "." + ext.lower() in DOCUMENT_EXTENSIONS:
        return stem
    return name


def find_date(text: str) -> str | None:
    """The first valid date written in the text, as yyyy-mm-dd."""
    for year_match in _YEAR.finditer(text):
        year = int(year_match.group(0))
        candidates = [pattern.match(text, year_match.end()) for pattern in _AFTER_YEAR] + [
            pattern.search(text, max(0, year_match.start() - 24), year_match.start())
            for pattern in _BEFORE_YEAR
        ]
        for m in candidates:
            if m is None:
                continue
            parts = m.groupdict()
            month = parts.get("mon") or _MONTHS.get((parts.get("month") or "").lower(), 0)
            try:
                return date(year, int(month), int(parts["day"])).isoformat()
            except ValueError:
                continue
    return None


def find_meeting_symbol(head: str) -> str | None:
    """The meeting's symbol (S/PV.8180) from a record header, also when spelled in Chinese."""
    if _mentions(head, _SECURITY_COUNCIL):
        m = _ZH_MEETING.search(head) if "次" in head else None
        if m is not None:
            digits = "".join(_ZH_DIGITS.get(ch, ch) for ch in m.group("number") if not ch.isspace())
            return f"S/PV.{int(digits)}"
        m = _EN_MEETING.search(head) if "meeting" in head else None
        if m is not None:
            return f"S/PV.{int(m.group('number'))}"
    opening = head[:600]
    m = _SYMBOL.search(opening) if "PV." in opening else None
    return m.group(0) if m is not None else None


def _doc_type(text: str, head: str, symbol: str | None) -> str | None:
    if symbol is not None or _mentions(head, RECORD_HEADER_PHRASES):
        return "un_record"
    if _count_markers(text) >= 2:
        return "un_record"
    if _mentions(head, _NEWS) or ("AFP" in head and _AFP.search(head)):
        return "news_report"
    opening = head[:600]
    if _mentions(opening, _STATEMENT_WORDS) and _STATEMENT.search(opening):
        return "mission_statement"
    return None


def _count_markers(text: str) -> int:
    count = 0
    for start, end in paragraph_spans(text[:20000]):
        head = text[start : min(end, start + 240)]
        if (
            (":" in head or "：" in head)
            and not furniture.is_table_line(head.split("\n", 1)[0])
            and match_marker(head) is not None
        ):
            count += 1
            if count >= 2:
                break
    return count


def _title(text: str, doc_type: str | None, headings: frozenset[int]) -> str | None:
    if doc_type == "un_record":
        # A record's opening lines are its masthead (organ, year, date); only the agenda
        # item makes a title.
        return _agenda_item(text)
    for start, end in paragraph_spans(text[: _HEAD_CHARS * 2]):
        paragraph = text[start:end]
        if furniture.is_heading(paragraph):
            paragraph = paragraph.lstrip("#").strip()
        if start in headings and len(paragraph) <= _TITLE_MAX and "\n" not in paragraph:
            return paragraph  # a Markdown heading is a title, however short
        if (
            furniture.is_page_furniture(paragraph)
            or furniture.is_boilerplate(paragraph)
            or furniture.is_dateline(paragraph)
            or furniture.is_fragment(paragraph)
            or furniture.is_table_line(paragraph)
            or paragraph.endswith((":", "：", ",", "，"))
        ):
            continue  # furniture, navigation and salutations ("同志们：") are not titles
        return paragraph if len(paragraph) <= _TITLE_MAX else None
    return None


def _agenda_item(text: str) -> str | None:
    spans = list(paragraph_spans(text[: _HEAD_CHARS * 2]))
    for index, (start, end) in enumerate(spans[:-1]):
        label = text[start:end].lstrip("#").strip()
        if label in ("议程项目", "Agenda item", "Agenda"):
            item_start, item_end = spans[index + 1]
            item = text[item_start:item_end].lstrip("#").strip()
            if item and len(item) <= _TITLE_MAX and not furniture.is_record_break(item):
                return item
    return None


def _symbol_from_filename(filename: str) -> str | None:
    # Records are often saved as "S_PV.8180.pdf" or "spv8180.txt" because "/" is not allowed.
    m = _FILENAME_SYMBOL.search(filename.rsplit("/", 1)[-1])
    if m is None:
        return None
    session = f"{int(m.group('session'))}/" if m.group("session") else ""
    return f"{m.group('organ').upper()}/{session}PV.{int(m.group('number'))}"


def _source(head: str, doc_type: str | None) -> str | None:
    for words, name in _SOURCES:
        if _mentions(head, words):
            return name
    if doc_type == "un_record":
        return "United Nations"
    return None
