"""The workbench's JSON Lines export read back: its tables, and laid out as the workbook (pure).

``read_jsonl_export`` walks the file a line at a time (the layout is described in
``formats/flat.py``) and returns each table's column names and rows. For an import the tables
the CSV export also carries become an in-memory workbook of text cells with the export's sheet
names, each value written as the CSV export writes it, so ``workbook_read`` and
``codebook_xlsx`` read a JSON Lines export exactly as they read the xlsx and CSV exports.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from openpyxl import Workbook

from workbench.core.i18n import _
from workbench.formats.cells import write_text_cell
from workbench.formats.csv_export_read import CSV_TABLES
from workbench.formats.csv_export_read import write_table_cell
from workbench.formats.flat import JSONL_FORMAT
from workbench.formats.xmlsafe import ExchangeError

_HEAD_BYTES = 1_000_000  # the first line lists the tables and their columns: never this long


@dataclass
class JsonlTable:
    """One table of the export: its column names and rows (values as JSON gives them)."""

    key: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def is_jsonl_export(data: bytes) -> bool:
    """Tell whether data is the workbench's JSON Lines export (its first line says so)."""
    head = data[:_HEAD_BYTES].split(b"\n", 1)[0]
    try:
        first = json.loads(head.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return isinstance(first, dict) and first.get("format") == JSONL_FORMAT


def _lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    start, number = 0, 0
    while start < len(data):
        end = data.find(b"\n", start)
        if end < 0:
            end = len(data)
        number += 1
        yield number, data[start:end]
        start = end + 1


def read_jsonl_export(data: bytes, filename: str) -> dict[str, JsonlTable]:
    """Every table of a JSON Lines export by key; a line that cannot be read is named."""
    if not is_jsonl_export(data):
        raise ExchangeError(
            _("%(filename)s: not a workbench JSON Lines export (first line)", filename=filename)
        )
    tables: dict[str, JsonlTable] = {}
    current: JsonlTable | None = None
    for number, raw in _lines(data):
        if number == 1 or not raw.strip():
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise ExchangeError(
                _(
                    "%(filename)s: line %(number)s: not valid JSON (%(exc)s)",
                    filename=filename,
                    number=number,
                    exc=exc,
                )
            ) from None
        if isinstance(value, dict) and isinstance(value.get("table"), str):
            columns = value.get("columns")
            if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
                raise ExchangeError(
                    _(
                        "%(filename)s: line %(number)s: the table's columns are unreadable",
                        filename=filename,
                        number=number,
                    )
                )
            current = tables.setdefault(value["table"], JsonlTable(value["table"], columns))
        elif isinstance(value, list) and current is not None:
            current.rows.append(value)
        else:
            raise ExchangeError(
                _(
                    "%(filename)s: line %(number)s: expected a table line or a row of the "
                    "table above",
                    filename=filename,
                    number=number,
                )
            )
    return tables


def cell_text(value: Any) -> str:
    """A value as the CSV export writes it (and its reader reads it back): None is empty."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def jsonl_export_as_workbook(data: bytes, filename: str) -> bytes:
    """The tables of a JSON Lines export as an in-memory workbook with the export's sheet names."""
    tables = read_jsonl_export(data, filename)
    wb = Workbook()
    wb.remove(wb.active)
    for member, title in CSV_TABLES.items():
        table = tables.get(member.removesuffix(".csv"))
        if table is None:
            continue
        ws = wb.create_sheet(title)
        for column, name in enumerate(table.columns, start=1):
            write_text_cell(ws, 1, column, name)
        for number, values in enumerate(table.rows, start=2):
            for column, value in enumerate(values, start=1):
                text = cell_text(value)
                if text != "":
                    name = str(table.columns[column - 1]) if column <= len(table.columns) else ""
                    write_table_cell(
                        ws, number, column, text, f"{filename}:{member.removesuffix('.csv')}", name
                    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
