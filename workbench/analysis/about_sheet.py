"""The About sheet (and its table listing): what the export holds, and how it was made."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from workbench import __version__
from workbench.analysis.sheet_context import Context
from workbench.core.i18n import N_
from workbench.core.i18n import _
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
            return _("all")
        found = session.scalars(
            select(Document.title).where(Document.id.in_(ids)).order_by(Document.id)
        )
        return "; ".join(found)

    def users(ids: tuple[int, ...]) -> str:
        if not ids:
            return _("all")
        return "; ".join(
            session.scalars(select(User.username).where(User.id.in_(ids)).order_by(User.username))
        )

    codes = _("all") if not scope.code_ids else "; ".join(c.path for c in ctx.codes)
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
        ["scope_date_from", scope.date_from or _("any")],
        ["scope_date_to", scope.date_to or _("any")],
        ["blind_project", _("yes") if ctx.project.blind else _("no")],
        [
            "presence_coding",
            _("1 = code applied; 0 = passage coded without it; empty = not coded (missing)"),
        ],
        ["stance_scale", "; ".join(f"{s.value} = {s.label}" for s in ctx.scale)],
        ["offsets", _("Offsets and spans count Unicode code points (a Chinese character is 1)")],
        ["bootstrap_replicates", scope.bootstrap],
    ]
    rows += [[k, v] for k, v in extra]
    rows += [[f"rows_{k}", v] for k, v in counts.items() if "." not in k]
    truncated = sum(v for k, v in counts.items() if k.endswith(".truncated"))
    if truncated:
        rows.append(
            [
                "truncated_cells",
                _("%(n)s texts longer than 32,767 characters were cut", n=truncated),
            ]
        )
    return rows


def about_sheet(ctx: Context, tables: list[Table], extra: list[tuple[str, str]]) -> Table:
    """The xlsx About sheet: the About block, then the dictionary of every column."""

    def rows() -> Iterator[Row]:
        yield from about_fields(ctx, about.counts, extra)
        yield []
        yield [Bold(_("sheet")), Bold(_("column")), Bold(_("description"))]
        # Descriptions are marked where the columns are defined (N_, or data/columns.json);
        # they are translated here, into the language of whoever asked for the export.
        yield from ([s, c, _(d)] for s, c, d in dictionary([about, *tables]))

    about = Table(
        "about",
        "About",
        "What this export holds, and a dictionary of every column of every sheet",
        [
            Column("field", N_("Field (then, below, the sheet of a column)"), 22),
            Column("value", N_("Value (then the column name)"), 60, wrap=True),
            Column("description", N_("(Below) what the column means"), 80, wrap=True),
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
        [Column("field", N_("Field"), 22), Column("value", N_("Value"), 60)],
        lambda: about_fields(ctx, about.counts, extra),
        deferred=True,
    )
    columns = Table(
        "columns",
        "Columns",
        "A dictionary of every column of every table",
        [
            Column("table", N_("Table (file) the column belongs to"), 16),
            Column("column", N_("Column name"), 24),
            Column("description", N_("What the column means"), 80),
        ],
        lambda: (
            [t.key, c.name, _(c.description)] for t in [about, columns, *tables] for c in t.columns
        ),
    )
    return [about, columns]
