"""The export's tables as CSV (one file, or a zip of one file per table) and JSON Lines (pure).

CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly, and every text
value goes through ``cells.safe_csv``: text a spreadsheet could run as a formula gets a leading
apostrophe (``unguard_csv`` undoes it; the About table says so).

JSON Lines (UTF-8, no BOM, one JSON value a line) needs no guard: it holds the real values.
The first line describes the file: ``{"format": "workbench-export", "version": 2, "tables":
[{"table": key, "columns": [{"name", "description"}, ...]}, ...]}``. Each table then starts
with a line ``{"table": key, "columns": [names]}`` and every following line that is an array
is one of its rows, the values in the order of those names. Names are written once per table,
not once per value, so the file stays close to the size of the CSV tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
from collections.abc import Callable
from collections.abc import Sequence
from os import PathLike
from typing import IO
from typing import Any

from workbench.formats.cells import clean_text
from workbench.formats.cells import safe_csv
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.tables import counted
from workbench.formats.tables import plain
from workbench.formats.xmlsafe import XML_ILLEGAL_RE

Progress = Callable[[int], None]


def _ordered(tables: Sequence[Table]) -> list[Table]:
    return [t for t in tables if not t.deferred] + [t for t in tables if t.deferred]


_RISKY_FIRST = frozenset("=+-@\t\r' \u00a0")


def _csv_cell(value: Any) -> Any:
    """safe_csv with a fast path for the common cases (plain text, integers, empty)."""
    kind = type(value)
    if kind is str:
        if XML_ILLEGAL_RE.search(value) is not None:
            value = clean_text(value)  # NUL and other controls break CSV readers
        if value and value[0] in _RISKY_FIRST:
            return safe_csv(value)
        return value
    if kind is int or value is None:
        return value
    return safe_csv(_csv_value(value))


def _csv_rows(table: Table, out: IO[str], progress: Progress | None) -> int:
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_csv(name) for name in table.names()])
    n = 0
    cell = _csv_cell
    for row in counted(table.rows(), progress):
        writer.writerow([cell(v) for v in row])
        n += 1
    return n


def _csv_value(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return clean_text(value)
    return value


def write_csv(
    table: Table, out: str | PathLike[str] | IO[bytes], *, progress: Progress | None = None
) -> int:
    """Write one table as a CSV file (UTF-8 with BOM); return the number of rows."""
    if isinstance(out, str | PathLike):
        with open(out, "w", encoding="utf-8-sig", newline="") as fh:
            return _csv_rows(table, fh, progress)
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        return _csv_rows(table, text, progress)
    finally:
        text.detach()


def write_csv_zip(
    tables: Sequence[Table],
    out: str | PathLike[str] | IO[bytes],
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write every table as <key>.csv inside one zip; return rows per table."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as zf:
        for table in _ordered(tables):
            table.counts.update(counts)
            with zf.open(f"{table.key}.csv", "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                counts[table.key] = _csv_rows(table, text, progress)
                text.flush()
                text.detach()
    return counts


def _json_value(value: Any) -> Any:
    value = plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return value


JSONL_FORMAT = "workbench-export"
JSONL_VERSION = 2
_JSON_PLAIN = frozenset((str, int, type(None), bool))


def _json_line(row: Row, encode: Callable[[Any], str]) -> bytes:
    values = [v if type(v) in _JSON_PLAIN else _json_value(v) for v in row]
    return (encode(values) + "\n").encode("utf-8")


def write_jsonl(
    tables: Sequence[Table],
    out: str | PathLike[str] | IO[bytes],
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write the tables as JSON Lines (see the module's description); return rows per table."""
    if isinstance(out, str | PathLike):
        with open(out, "wb") as fh:
            return write_jsonl(tables, fh, progress=progress)
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
    encode = encoder.encode
    header = {
        "format": JSONL_FORMAT,
        "version": JSONL_VERSION,
        "tables": [
            {
                "table": t.key,
                "columns": [{"name": c.name, "description": c.description} for c in t.columns],
            }
            for t in tables
        ],
    }
    out.write((encode(header) + "\n").encode("utf-8"))
    counts: dict[str, int] = {}
    for table in _ordered(tables):
        table.counts.update(counts)
        out.write((encode({"table": table.key, "columns": table.names()}) + "\n").encode("utf-8"))
        n = 0
        buffer: list[bytes] = []
        for row in counted(table.rows(), progress):
            buffer.append(_json_line(row, encode))
            n += 1
            if len(buffer) >= 1000:  # fewer, larger writes: cheaper through a zip or a socket
                out.write(b"".join(buffer))
                buffer.clear()
        out.write(b"".join(buffer))
        counts[table.key] = n
    return counts
