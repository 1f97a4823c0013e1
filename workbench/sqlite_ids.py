"""SQLite: ids of deleted documents, passages and codings are never given out again.

Without AUTOINCREMENT, SQLite gives a new row the highest rowid plus one, so the ids of the
most recently deleted document's rows went to the next import. The history is kept by passage
id (and the deletion's snapshot by every id), so the new document's passage showed the deleted
one's codings in its history, a coder's page still showing the deleted passage could code the
new one, and the undo had to give the restored rows new ids and lost their history.

Adding AUTOINCREMENT means rebuilding the table, which the schema migrations cannot do in their
own transaction: with foreign keys enforced, dropping the old table would delete every coding
that refers to it. So it is done here, after the migrations, as SQLite's documented procedure
for changing a table asks: foreign keys off (outside any transaction), one transaction that
copies the rows into the new table, drops the old, renames the new and recreates its indexes
and triggers, a foreign-key check of the rebuilt tables, commit, foreign keys on. It runs once:
a table that has AUTOINCREMENT is left alone.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy.engine import Engine

TABLES = ("document", "passage", "annotation")
_CREATE = re.compile(r'^CREATE TABLE\s+"?(\w+)"?')
_ID = re.compile(r"\bid INTEGER NOT NULL,")
_PRIMARY_KEY = re.compile(r"CONSTRAINT pk_\w+ PRIMARY KEY \(id\),\s*")


def _table_sql(cursor: Any, table: str) -> str | None:
    row = cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    return None if row is None else str(row[0])


def pending(cursor: Any) -> list[str]:
    """The tables still without AUTOINCREMENT (none on a database already fixed)."""
    out = []
    for table in TABLES:
        sql = _table_sql(cursor, table)
        if sql is not None and "AUTOINCREMENT" not in sql.upper():
            out.append(table)
    return out


def _rebuilt_sql(sql: str, table: str) -> str:
    """The table's CREATE statement with its id as an AUTOINCREMENT primary key."""
    new, ids = _ID.subn("id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,", sql, count=1)
    new, keys = _PRIMARY_KEY.subn("", new, count=1)
    new, names = _CREATE.subn(f'CREATE TABLE "{table}_rebuilt"', new, count=1)
    if (ids, keys, names) != (1, 1, 1):
        raise RuntimeError(f"the table {table} is not laid out as expected: {sql[:200]}")
    return new


def _rebuild(cursor: Any, table: str) -> None:
    sql = _table_sql(cursor, table)
    assert sql is not None
    kept = [
        str(row[0])
        for row in cursor.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (table,),
        )
    ]
    columns = ", ".join(f'"{row[1]}"' for row in cursor.execute(f'PRAGMA table_info("{table}")'))
    cursor.execute(_rebuilt_sql(sql, table))
    cursor.execute(f'INSERT INTO "{table}_rebuilt" ({columns}) SELECT {columns} FROM "{table}"')
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE "{table}_rebuilt" RENAME TO "{table}"')
    for statement in kept:  # the indexes and the search index's triggers
        cursor.execute(statement)


def never_reuse_ids(engine: Engine) -> list[str]:
    """Give the tables AUTOINCREMENT where they lack it; return the tables rebuilt."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        tables = pending(cursor)
        if not tables:
            return []
        # Outside any transaction, or SQLite ignores it; off, dropping the old table deletes
        # nothing that refers to it.
        cursor.execute("PRAGMA foreign_keys=OFF")
        try:
            cursor.execute("BEGIN IMMEDIATE")
            try:
                for table in tables:
                    _rebuild(cursor, table)
                for table in tables:
                    broken = cursor.execute(f'PRAGMA foreign_key_check("{table}")').fetchall()
                    if broken:
                        raise RuntimeError(f"{table}: rows refer to missing rows: {broken[:5]}")
                cursor.execute("COMMIT")
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        finally:
            cursor.execute("PRAGMA foreign_keys=ON")
        return tables
    finally:
        raw.close()
