"""Copy a whole workbench database into an empty one: SQLite to PostgreSQL, or back.

A lab that outgrows one machine moves its SQLite file to the department's PostgreSQL (and a
team can take a PostgreSQL project home on a laptop). A .qdpx carries a project's coding
layers, codebook history and links between documents, but not accounts, rounds, assignments,
gold results, the full history or trained suggestions: this copy carries every row of every
table, with its own id, so nothing is left behind and nothing points elsewhere.

The source is read in one snapshot and the target written in one unit of work, so a copy that
fails leaves the target as empty as it was. Each table is counted on both sides before the
commit. The search index is not copied: the target's own triggers fill it as the passages go
in, in that database's form (FTS5 on SQLite, pg_trgm and arrays on PostgreSQL).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Column
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy import LargeBinary
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import bindparam
from sqlalchemy import cast
from sqlalchemy import exc
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import inspect
from sqlalchemy import null
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy import type_coerce
from sqlalchemy import update

import workbench.models  # noqa: F401  (every model registers its table on the metadata)
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.db import Base
from workbench.documents.importing import refresh_statistics
from workbench.migrate import current_revision
from workbench.migrate import head_revision
from workbench.migrate import upgrade
from workbench.unit_of_work import Database

BATCH = 1000  # rows read and written at a time: memory stays flat on a corpus-sized database
# Rows holding stored files (an export kept in the database, about a mebibyte a piece) go a few
# at a time, so a batch stays small in memory and far below PostgreSQL's message limit.
FILE_BATCH = 8


class CopyRefused(ValidationError):
    """The copy cannot be made; the target was not changed."""


@dataclass
class CopyReport:
    """What a copy did: each table with the number of rows copied, in the order copied."""

    tables: list[tuple[str, int]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Every row copied, over all tables."""
        return sum(count for _table, count in self.tables)


def tables() -> list[Table]:
    """The workbench's own tables, parents before the rows that point at them."""
    return list(Base.metadata.sorted_tables)


def copy_database(
    source: Database,
    target: Database,
    *,
    on_table: Callable[[str, int], None] | None = None,
) -> CopyReport:
    """Copy every row of source into target, which must hold no workbench rows yet.

    The target's schema is created first when it has none. ``on_table`` hears each table's
    name and row count as it is done."""
    _check_schemas(source.engine, target.engine)
    report = CopyReport()
    with source.reading() as reading, target.writing() as writing:
        src = reading.connection()
        if src.dialect.name == "postgresql":
            # The first statement of the transaction: every table is read as of one moment,
            # even while a server goes on writing. (SQLite's read transaction is a snapshot.)
            src.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        dst = writing.connection()
        _check_empty(dst)
        for table in tables():
            copied = _copy_table(src, dst, table)
            report.tables.append((table.name, copied))
            if on_table is not None:
                on_table(table.name, copied)
        _check_counts(src, dst, report)
        _carry_id_counters(src, dst)
        refresh_statistics(writing)
    return report


# --------------------------------------------------------------------------- checks


def _check_schemas(source: Engine, target: Engine) -> None:
    head = head_revision(source)
    if current_revision(source) != head:
        raise CopyRefused(
            _(
                "The database to copy from is not at the newest schema. Upgrade it first "
                "(`workbench db upgrade` with WORKBENCH_DATABASE_URL set to it), then copy."
            )
        )
    if target.dialect.name == "sqlite" and target.url.database in (None, "", ":memory:"):
        raise CopyRefused(_("A database in memory keeps nothing: name a file to copy into."))
    at = current_revision(target)
    if at is None:
        theirs = [n for n in inspect(target).get_table_names() if n != "sqlite_sequence"]
        if theirs:
            raise CopyRefused(
                _(
                    "The database to copy into holds tables of its own (%(tables)s). Copy only "
                    "into a new, empty database.",
                    tables=", ".join(sorted(theirs)[:5]),
                )
            )
        upgrade(target)
    elif at != head:
        raise CopyRefused(
            _(
                "The database to copy into is at another schema version (%(found)s, this "
                "version of the workbench has %(head)s). Copy into a new, empty database.",
                found=at,
                head=head,
            )
        )


def _check_empty(dst: Connection) -> None:
    for table in tables():
        if dst.execute(select(func.count()).select_from(table)).scalar_one():
            raise CopyRefused(
                _(
                    "The database to copy into already holds data (table %(table)s). Copy "
                    "only into a new, empty database, so that no row is mixed with another's.",
                    table=table.name,
                )
            )


def _check_counts(src: Connection, dst: Connection, report: CopyReport) -> None:
    by_name = {t.name: t for t in tables()}
    for name, copied in report.tables:
        table = by_name[name]
        there = src.execute(select(func.count()).select_from(table)).scalar_one()
        here = dst.execute(select(func.count()).select_from(table)).scalar_one()
        if not there == here == copied:
            raise CopyRefused(
                _(
                    "Table %(table)s: %(source)s rows in the source, %(copied)s copied, "
                    "%(target)s in the target. Nothing was copied.",
                    table=name,
                    source=there,
                    copied=copied,
                    target=here,
                )
            )


# --------------------------------------------------------------------------- reading


def _is_json(column: Column[Any]) -> bool:
    return isinstance(column.type, JSON) or isinstance(getattr(column.type, "impl", None), JSON)


def _json_text(column: Column[Any], dialect: str) -> Any:
    # A JSON column is read as its text, so that SQL NULL (no value) and JSON null stay two
    # things: decoded, both would be None.
    if dialect == "postgresql":
        return cast(column, Text).label(column.name)
    return type_coerce(column, Text).label(column.name)


def _rows(src: Connection, table: Table) -> Iterator[list[dict[str, Any]]]:
    json_columns = {c.name for c in table.columns if _is_json(c)}
    columns = [
        _json_text(c, src.dialect.name) if c.name in json_columns else c for c in table.columns
    ]
    stmt = select(*columns).order_by(*table.primary_key.columns)
    size = FILE_BATCH if any(isinstance(c.type, LargeBinary) for c in table.columns) else BATCH
    result = src.execute(stmt.execution_options(yield_per=size))
    for part in result.mappings().partitions(size):
        yield [_decoded(dict(row), json_columns) for row in part]


def _decoded(row: dict[str, Any], json_columns: set[str]) -> dict[str, Any]:
    for name in json_columns:
        raw = row[name]
        if raw is None:
            row[name] = null()  # SQL NULL on the target too
        else:
            value = json.loads(raw)
            row[name] = JSON.NULL if value is None else value
    return row


# --------------------------------------------------------------------------- writing


def _copy_table(src: Connection, dst: Connection, table: Table) -> int:
    """Copy one table; a column pointing at its own table is filled in once every row is in."""
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    later: list[dict[str, Any]] = []
    copied = 0
    for batch in _rows(src, table):
        if dst.dialect.name == "postgresql":
            _refuse_nul(table, batch)
        for row in batch:
            if any(row[name] is not None for name in own):
                later.append({"row_id": row["id"], **{f"new_{n}": row[n] for n in own}})
                row.update(dict.fromkeys(own))
        try:
            dst.execute(insert(table), batch)
        except exc.DBAPIError as error:
            raise _refused(table, batch, error) from None
        copied += len(batch)
    if later:
        values: dict[str, Any] = {name: bindparam(f"new_{name}") for name in own}
        stmt = update(table).where(table.c.id == bindparam("row_id")).values(values)
        try:
            dst.execute(stmt, later)
        except exc.DBAPIError as error:  # a row pointing at one that is not there
            ends = [{"id": later[0]["row_id"]}, {"id": later[-1]["row_id"]}]
            raise _refused(table, ends, error) from None
    return copied


def _refuse_nul(table: Table, batch: list[dict[str, Any]]) -> None:
    """PostgreSQL cannot store a NUL character in text: name the row rather than fail later."""
    for row in batch:
        for name, value in row.items():
            if _holds_nul(value):
                raise CopyRefused(
                    _(
                        "Table %(table)s, row %(row)s, column %(column)s holds a NUL character, "
                        "which PostgreSQL cannot store. Nothing was copied; remove the character "
                        "in the source first.",
                        table=table.name,
                        row=_row_name(table, row),
                        column=name,
                    )
                )


def _holds_nul(value: Any) -> bool:
    """Whether a value, or any text inside a decoded JSON value (keys too), has a NUL."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _row_name(table: Table, row: dict[str, Any]) -> str:
    return ", ".join(str(row.get(c.name)) for c in table.primary_key.columns)


def _refused(table: Table, batch: list[dict[str, Any]], error: exc.DBAPIError) -> CopyRefused:
    first, last = _row_name(table, batch[0]), _row_name(table, batch[-1])
    reason = str(error.orig).strip().splitlines()[0] if error.orig is not None else str(error)
    return CopyRefused(
        _(
            "Table %(table)s, rows %(first)s to %(last)s, could not be written: %(reason)s. "
            "Nothing was copied.",
            table=table.name,
            first=first,
            last=last,
            reason=reason,
        )
    )


def _id_tables() -> list[Table]:
    return [t for t in tables() if [c.name for c in t.primary_key.columns] == ["id"]]


def _high_water(conn: Connection, table: Table) -> int | None:
    """The highest id the database has given out in the table, deleted rows included."""
    if conn.dialect.name == "postgresql":
        name = conn.dialect.identifier_preparer.format_table(table)
        given = conn.execute(
            text("SELECT pg_sequence_last_value(pg_get_serial_sequence(:table, 'id'))"),
            {"table": name},
        ).scalar()
    elif _autoincrement(conn, table):
        given = conn.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = :table"), {"table": table.name}
        ).scalar()
    else:
        given = None  # SQLite without AUTOINCREMENT gives out the highest id plus one
    top = conn.execute(select(func.max(table.c.id))).scalar()
    found = [int(v) for v in (given, top) if v is not None]
    return max(found) if found else None


def _autoincrement(conn: Connection, table: Table) -> bool:
    sql = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :table"),
        {"table": table.name},
    ).scalar()
    return "AUTOINCREMENT" in str(sql or "").upper()


def _carry_id_counters(src: Connection, dst: Connection) -> None:
    """Give the target the source's id counters, so no id of a deleted row is given out again.

    The ids of deleted documents, passages and codings stay in the history and in the undo's
    snapshots (``sqlite_ids``): the copy keeps each table's highest id ever given, not just
    the highest id left."""
    preparer = dst.dialect.identifier_preparer
    for table in _id_tables():
        top = _high_water(src, table)
        if top is None:
            continue
        if dst.dialect.name == "postgresql":
            dst.execute(
                text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :top)"),
                {"table": preparer.format_table(table), "top": top},
            )
        elif _autoincrement(dst, table):
            params = {"table": table.name, "top": top}
            moved = dst.execute(
                text("UPDATE sqlite_sequence SET seq = max(seq, :top) WHERE name = :table"),
                params,
            )
            if not moved.rowcount:
                dst.execute(
                    text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :top)"), params
                )
