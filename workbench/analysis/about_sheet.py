"""The About sheet (and its table listing): what the export holds, and how it was made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from workbench import __version__
from workbench.analysis.sheet_context import Context
from workbench.formats.tables import Bold
from workbench.formats.tables import Column
from workbench.formats.tables import Row
from workbench.formats.tables import Table
from workbench.formats.tables import dictionary
from workbench.models import Document
from workbench.models import User


def about_fields(
    ctx: Context, counts: dict[str, int], extra: list[tuple[str, str]]
) -> list[list[Any]]:
    """The About block: what was exported, from where, when, under which scope."""
    scope = ctx.scope
    session = ctx.session

    def titles(ids: tuple[int, ...]) -> str:
        if not ids:
            return "all"
        found = session.scalars(
            select(Document.title).where(Document.id.in_(ids)).order_by(Document.id)
        )
        return "; ".join(found)

    def users(ids: tuple[int, ...]) -> str:
        if not ids:
            return "all"
        return "; ".join(
            session.scalars(select(User.username).where(User.id.in_(ids)).order_by(User.username))
        )

    codes = "all" if not scope.code_ids else "; ".join(c.path for c in ctx.codes)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    rows: list[list[Any]] = [
        ["project", ctx.project.name],
        ["project_slug", ctx.project.slug],
        ["exported_at", now],
        ["exported_by", f"workbench {__version__}"],
        ["codebook_version", ctx.version],
        ["layer", str(scope.layer)],
        ["scope_documents", titles(scope.document_ids)],
        ["scope_coders", users(scope.coder_ids)],
        ["scope_codes", codes],
        ["scope_date_from", scope.date_from or "any"],
        ["scope_date_to", scope.date_to or "any"],
        ["blind_project", "yes" if ctx.project.blind else "no"],
        [
            "presence_coding",
            "1 = code applied; 0 = passage coded without it; empty = not coded (missing)",
        ],
        ["stance_scale", "; ".join(f"{s.value} = {s.label}" for s in ctx.scale)],
        ["offsets", "Offsets and spans count Unicode code points (a Chinese character is 1)"],
        ["bootstrap_replicates", scope.bootstrap],
    ]
    rows += [[k, v] for k, v in extra]
    rows += [[f"rows_{k}", v] for k, v in counts.items() if "." not in k]
    truncated = sum(v for k, v in counts.items() if k.endswith(".truncated"))
    if truncated:
        rows.append(
            ["truncated_cells", f"{truncated} texts longer than 32,767 characters were cut"]
        )
    return rows


def about_sheet(ctx: Context, tables: list[Table], extra: list[tuple[str, str]]) -> Table:
    """The xlsx About sheet: the About block, then the dictionary of every column."""

    def rows() -> Iterator[Row]:
        yield from about_fields(ctx, about.counts, extra)
        yield []
        yield [Bold("sheet"), Bold("column"), Bold("description")]
        yield from ([s, c, d] for s, c, d in dictionary([about, *tables]))

    about = Table(
        "about",
        "About",
        "What this export holds, and a dictionary of every column of every sheet",
        [
            Column("field", "Field (then, below, the sheet of a column)", 22),
            Column("value", "Value (then the column name)", 60, wrap=True),
            Column("description", "(Below) what the column means", 80, wrap=True),
        ],
        rows,
        autofilter=False,
        deferred=True,
    )
    return about


def about_tables(ctx: Context, tables: list[Table], extra: list[tuple[str, str]]) -> list[Table]:
    """For CSV and JSON: the About block and the column dictionary as two tables."""
    about = Table(
        "about",
        "About",
        "What this export holds",
        [Column("field", "Field", 22), Column("value", "Value", 60)],
        lambda: about_fields(ctx, about.counts, extra),
        deferred=True,
    )
    columns = Table(
        "columns",
        "Columns",
        "A dictionary of every column of every table",
        [
            Column("table", "Table (file) the column belongs to", 16),
            Column("column", "Column name", 24),
            Column("description", "What the column means", 80),
        ],
        lambda: (
            [t.key, c.name, c.description] for t in [about, columns, *tables] for c in t.columns
        ),
    )
    return [about, columns]
