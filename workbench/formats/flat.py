"""The export's tables as CSV (one file, or a zip of one file per table) and as JSON (pure).

CSV is UTF-8 with a byte-order mark, so Excel opens Chinese text correctly, and every text
value goes through ``cells.safe_csv``: text a spreadsheet could run as a formula gets a leading
apostrophe (``unguard_csv`` undoes it; the About table says so). JSON needs no guard: it is
written with the real values, rows as objects keyed by column name, streamed table by table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import zipfile
from collections.abc import Callable
from collections.abc import Iterable
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


def _json_rows(names: list[str], rows: Iterable[Row]) -> Iterable[str]:
    for row in rows:
        yield json.dumps(
            {n: _json_value(v) for n, v in zip(names, row, strict=False)},
            ensure_ascii=False,
            default=str,
        )


def write_json(
    tables: Sequence[Table],
    out: str | PathLike[str] | IO[bytes],
    *,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Write {"tables": {key: [row objects]}, "columns": {key: [{name, description}]}}."""
    if isinstance(out, str | PathLike):
        with open(out, "wb") as fh:
            return write_json(tables, fh, progress=progress)
    counts: dict[str, int] = {}
    out.write(b'{"columns": ')
    columns = {
        t.key: [{"name": c.name, "description": c.description} for c in t.columns] for t in tables
    }
    out.write(json.dumps(columns, ensure_ascii=False).encode("utf-8"))
    out.write(b', "tables": {')
    for index, table in enumerate(_ordered(tables)):
        table.counts.update(counts)
        out.write((", " if index else "").encode() + json.dumps(table.key).encode() + b": [")
        n = 0
        for n, line in enumerate(_json_rows(table.names(), counted(table.rows(), progress)), 1):
            out.write((b",\n" if n > 1 else b"\n") + line.encode("utf-8"))
        counts[table.key] = n
        out.write(b"]")
    out.write(b"}}\n")
    return counts
