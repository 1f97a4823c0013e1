"""Read many documents from one table: a CSV or JSONL file with one document per row.

The text comes from the first of the columns `text`, `content`, `body` (in that order, names
matched case-insensitively); every other column becomes metadata. Rows are numbered as a
spreadsheet shows them: in a CSV the header is row 1 and the first document row 2; in JSONL
the row number is the line number. Every bad row is reported, in one error.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from workbench.core.corpus.encoding import decode_bytes
from workbench.core.corpus.encoding import looks_binary
from workbench.core.corpus.extract import extension
from workbench.core.corpus.types import CorpusError
from workbench.core.corpus.types import MetadataValue
from workbench.core.corpus.types import TableRow
from workbench.core.i18n import _

TEXT_COLUMNS = ("text", "content", "body")
TITLE_COLUMNS = ("title", "headline")
TABLE_EXTENSIONS = frozenset({".csv", ".tsv", ".jsonl", ".ndjson"})
_MAX_ERRORS_SHOWN = 20

# Speeches run to 60,000+ characters; the csv module's default cap (131,072) is too close for
# comfort. Raising the process-wide cap is harmless: it only allows longer fields.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))

_Record = tuple[int, dict[str, Any]]
# Files that start with one of these go through decode_bytes (which reads and names them).
_NOT_PLAIN_UTF8 = (
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    *(m for m in (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\x1f\x8b")),
)


def read_table(filename: str, data: bytes) -> list[TableRow]:
    """One TableRow per row of a .csv or .jsonl file; all row problems raised together."""
    return list(iter_table(filename, data))


def iter_table(filename: str, data: bytes) -> Iterator[TableRow]:
    """The rows of a .csv or .jsonl file one at a time; every row problem is raised together,
    after the last good row, so a caller that stores rows as they come must undo them."""
    ext = extension(filename)
    if ext not in TABLE_EXTENSIONS:
        raise CorpusError(
            _("%(filename)s: not a table (expected .csv or .jsonl)", filename=filename)
        )
    errors: list[str] = []
    records: Iterable[_Record]
    lines = _utf8_lines(data) if ext not in (".csv", ".tsv") else None
    if lines is not None:
        # JSON Lines in UTF-8 (as JSON must be) are read a line at a time, never decoded whole:
        # a large table then costs its bytes once, not its bytes and its text.
        try:
            _strict_utf8(data)
            columns = _jsonl_columns(lines())
        except UnicodeDecodeError:
            lines = None
    if lines is not None:
        records = _jsonl_records(lines(), errors)
        if not columns:  # not one row is an object: read them all now, to name what is wrong
            records = list(records)
    else:
        text = decode_bytes(data, filename)
        if ext in (".csv", ".tsv"):
            columns, records = _csv_records(filename, text, errors)
        else:
            text_lines = text.split("\n")
            columns = _jsonl_columns(enumerate(text_lines, start=1))
            records = list(_jsonl_records(enumerate(text_lines, start=1), errors))
    text_column = _text_column(filename, columns, errors)
    found = False
    for record in records:
        row = _to_row(record, text_column, errors)
        if row is not None:
            found = True
            yield row
    if errors:
        shown = "\n".join(errors[:_MAX_ERRORS_SHOWN])
        more = len(errors) - _MAX_ERRORS_SHOWN
        tail = "\n" + _("... and %(n)s more", n=more) if more > 0 else ""
        raise CorpusError(
            _(
                "%(filename)s: %(n_errors)s row(s) could not be imported:\n%(shown)s%(tail)s",
                filename=filename,
                n_errors=len(errors),
                shown=shown,
                tail=tail,
            )
        )
    if not found:
        raise CorpusError(_("%(filename)s: the table has no rows", filename=filename))


_NUMBERED = Iterator[tuple[int, str]]


def _strict_utf8(data: bytes) -> None:
    """Raise UnicodeDecodeError unless all of data is UTF-8, a megabyte at a time (no copy of
    the whole text is made)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    for start in range(0, len(data), 1 << 20):
        decoder.decode(view[start : start + (1 << 20)])
    decoder.decode(b"", final=True)


def _utf8_lines(data: bytes) -> Callable[[], _NUMBERED] | None:
    """A way to walk the numbered lines of UTF-8 data, or None when the data needs decode_bytes
    (a byte-order mark, NUL bytes, a binary or empty file). A line that is not UTF-8 raises
    UnicodeDecodeError (then the file needs decode_bytes too)."""
    head = data[:65536]
    # isspace(), not strip(): stripping copies the whole file (60 MB for the largest corpus file).
    blank = not data or data.isspace()
    if blank or data.startswith(_NOT_PLAIN_UTF8) or b"\x00" in head or b"\r" in data:
        return None  # carriage returns: decode_bytes turns every line end into LF first
    if looks_binary(head.decode("utf-8", "ignore")):
        return None

    def lines() -> _NUMBERED:
        start, number = 0, 0
        while start <= len(data):
            end = data.find(b"\n", start)
            if end < 0:
                end = len(data)
            number += 1
            line = data[start:end].decode("utf-8")
            yield number, line
            start = end + 1

    return lines


def _csv_records(filename: str, text: str, errors: list[str]) -> tuple[list[str], list[_Record]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max(("\t", ";", ","), key=first_line.count) if first_line else ","
    if first_line.count(delimiter) == 0:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CorpusError(
            _("%(filename)s: the CSV header cannot be read (%(exc)s)", filename=filename, exc=exc)
        ) from exc
    columns = [name.strip().lstrip("\ufeff") or f"column{i + 1}" for i, name in enumerate(header)]
    duplicates = sorted({name for name in columns if columns.count(name) > 1})
    if duplicates:
        raise CorpusError(
            _(
                "%(filename)s: the header repeats column(s) %(value)s",
                filename=filename,
                value=", ".join(duplicates),
            )
        )
    records: list[_Record] = []
    row_number = 1
    try:
        for values in reader:
            row_number += 1
            if not any(value.strip() for value in values):
                continue
            if len(values) > len(columns):
                errors.append(
                    f"row {row_number}: has {len(values)} fields but the header has "
                    f"{len(columns)} (an unquoted comma?)"
                )
                continue
            # Short rows are padded: a missing trailing field reads as empty, not as an error.
            padded = values + [""] * (len(columns) - len(values))
            record = {
                name: (value if value != "" else None)
                for name, value in zip(columns, padded, strict=True)
            }
            records.append((row_number, record))
    except csv.Error as exc:
        errors.append(f"row {row_number + 1}: cannot be read as CSV ({exc})")
    return columns, records


def _jsonl_columns(lines: _NUMBERED) -> list[str]:
    """Every key any row has, in the order first seen (unreadable rows are reported later).

    The scan stops at the first key that reads as "text": the text column is the first of
    TEXT_COLUMNS among all the keys, so no later row can change the choice, and a table whose
    first row has its text is not parsed twice."""
    columns: dict[str, None] = {}  # insertion-ordered set of every key seen
    for _number, line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except (RecursionError, ValueError):
            continue
        if isinstance(value, dict):
            for key in value:
                columns.setdefault(str(key), None)
            if any(str(key).lower() == TEXT_COLUMNS[0] for key in value):
                break
    return list(columns)


def _jsonl_records(lines: _NUMBERED, errors: list[str]) -> Iterator[_Record]:
    for line_number, line in lines:
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"row {line_number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        except (RecursionError, ValueError):  # absurdly deep nesting, numbers too long to read
            errors.append(f"row {line_number}: not valid JSON (too deeply nested or too large)")
            continue
        if not isinstance(value, dict):
            errors.append(f"row {line_number}: expected a JSON object, found {_json_kind(value)}")
            continue
        yield line_number, {str(key): item for key, item in value.items()}


def _json_kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "true/false"
    return "a number" if isinstance(value, int | float) else "null"


def _text_column(filename: str, columns: list[str], errors: list[str]) -> str:
    by_folded = {name.lower(): name for name in reversed(columns)}
    for candidate in TEXT_COLUMNS:
        if candidate in by_folded:
            return by_folded[candidate]
    if not columns and errors:
        # Not one row could be parsed, so there are no columns to speak of; report the rows.
        raise CorpusError(f"{filename}: no readable rows:\n" + "\n".join(errors[:5]))
    listed = ", ".join(columns[:30]) or "(none)"
    raise CorpusError(
        _(
            "%(filename)s: no text column; expected one named %(value)s. Columns found: %(listed)s",
            filename=filename,
            value=", ".join(TEXT_COLUMNS),
            listed=listed,
        )
    )


def _to_row(record: _Record, text_column: str, errors: list[str]) -> TableRow | None:
    row_number, values = record
    text = values.get(text_column)
    if text is None:
        errors.append(f"row {row_number}: no text (column '{text_column}' is missing or empty)")
        return None
    if not isinstance(text, str):
        errors.append(f"row {row_number}: column '{text_column}' is not text")
        return None
    if not text.strip():
        errors.append(f"row {row_number}: the text is blank")
        return None
    metadata = {key: _metadata_value(value) for key, value in values.items() if key != text_column}
    # JSON can write a NUL character ("\u0000") that no byte check sees. PostgreSQL cannot store
    # one, and SQLite's search index stops reading a text at it; the row is refused, by name.
    cells = [(text_column, text), *metadata.items()]
    nul = [key for key, value in cells if _has(key, value, _NUL)]
    if nul:
        named = _shown(", ".join(f"'{key}'" for key in nul))
        errors.append(f"row {row_number}: a NUL character (\\u0000) in column {named}")
        return None
    # JSON can also escape half of a UTF-16 pair ("\ud800") alone: no UTF-8 text holds one, so
    # neither database can store it, nor any export write it.
    lone = [key for key, value in cells if _has(key, value, _SURROGATE)]
    if lone:
        named = _shown(", ".join(f"'{key}'" for key in lone))
        errors.append(
            f"row {row_number}: half of a UTF-16 surrogate pair (\\ud800-\\udfff) alone in "
            f"column {named}"
        )
        return None
    return TableRow(
        row_number=row_number,
        title=_title(metadata) or None,
        text=text,
        metadata=metadata,
    )


_NUL = re.compile("\x00")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has(key: str, value: MetadataValue, character: re.Pattern[str]) -> bool:
    return bool(character.search(key)) or (isinstance(value, str) and bool(character.search(value)))


def _shown(names: str) -> str:
    """Column names as a message can show them: NULs and lone surrogates as their escapes."""
    return _SURROGATE.sub(lambda m: f"\\u{ord(m[0]):04x}", names.replace("\x00", "\\u0000"))


def _metadata_value(value: Any) -> MetadataValue:
    if value is None or isinstance(value, str | int | float):
        return value
    return json.dumps(value, ensure_ascii=False)


def _title(metadata: dict[str, MetadataValue]) -> str | None:
    folded = {key.lower(): value for key, value in metadata.items()}
    for column in TITLE_COLUMNS:
        value = folded.get(column)
        if isinstance(value, str) and value.strip():
            return value.strip()
    # No title column (the UN corpus has none): describe the row by who spoke, where and when.
    speaker = _text(folded.get("speaker"))
    country = _text(folded.get("country")) or _text(folded.get("delegation"))
    who = f"{speaker} ({country})" if speaker and country else speaker or country
    where = _text(folded.get("record_symbol")) or _text(folded.get("meeting_symbol"))
    when = _text(folded.get("date")) or _text(folded.get("year"))
    parts = [part for part in (who, where, when) if part]
    if parts:
        return ", ".join(parts)
    return _text(folded.get("id"))


def _text(value: MetadataValue) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
