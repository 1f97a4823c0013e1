"""The tables an export is made of, independent of the file format (pure).

A Table names its columns (each with the description that goes into the column dictionary)
and holds a callable that yields its rows lazily, so writers stream rows straight from the
database to the file without keeping a table in memory. The same tables become xlsx sheets,
CSV files and JSON arrays.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import cache
from importlib import resources
from typing import Any
from typing import cast

Row = Sequence[Any]


@dataclass(frozen=True)
class Column:
    """One column: a safe name, what it means, and how the xlsx shows it."""

    name: str
    description: str
    width: float = 12
    wrap: bool = False
    colour: str | None = None  # header fill, e.g. the code's colour from the codebook


@cache
def column_table(name: str) -> tuple[Column, ...]:
    """A column table of data/columns.json (a plain string there names a shared column)."""
    tables = _column_tables()
    rows = [tables["shared"][row] if isinstance(row, str) else row for row in tables[name]]
    return tuple(Column(n, d, w, wrap) for n, d, w, wrap in rows)


@cache
def _column_tables() -> dict[str, Any]:
    text = resources.files("workbench").joinpath("data", "columns.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


@dataclass
class Table:
    """A named table whose rows are produced on demand, once."""

    key: str  # file-safe name for CSV/JSON: "passages"
    sheet: str  # worksheet title: "Passages"
    description: str
    columns: list[Column]
    rows: Callable[[], Iterable[Row]]
    estimate: int = 0  # expected rows, for progress bars
    autofilter: bool = True
    deferred: bool = False  # written after every other table (it reports on them)
    counts: dict[str, int] = field(default_factory=dict)  # filled in as tables are written

    def names(self) -> list[str]:
        """The column names, in order."""
        return [c.name for c in self.columns]


@dataclass(frozen=True)
class Bold:
    """A cell value the xlsx writer shows in bold (section headings on the About sheet)."""

    value: Any


def plain(value: Any) -> Any:
    """Strip presentation wrappers (Bold) off a cell value."""
    return value.value if isinstance(value, Bold) else value


def counted(
    rows: Iterable[Row], tick: Callable[[int], None] | None, every: int = 1000
) -> Iterator[Row]:
    """Pass rows through, calling tick(n) after every `every` rows and at the end."""
    n = 0
    for row in rows:
        yield row
        n += 1
        if tick is not None and n % every == 0:
            tick(every)
    if tick is not None and n % every:
        tick(n % every)


def dictionary(tables: Sequence[Table]) -> list[tuple[str, str, str]]:
    """(sheet, column, description) for every column of every table."""
    return [(t.sheet, c.name, c.description) for t in tables for c in t.columns]
