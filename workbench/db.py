"""Engine and session wiring: SQLite pragmas (foreign keys, WAL, busy timeout) and PostgreSQL."""

from __future__ import annotations

import fcntl
import os
import select
import threading
from typing import Any

from sqlalchemy import MetaData
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import exc
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase

from workbench.core.search_text import cjk_tokens
from workbench.core.search_text import fold

# Named constraints make Alembic batch migrations on SQLite and error messages predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every workbench table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Several coders write at once; wait for the writer lock instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=10000")
    # In WAL mode NORMAL is durable across application crashes and much faster than FULL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The search index's triggers fold text with the same function the queries use (see
    # core/search_text.py); SQLite's own lower() folds ASCII only.
    dbapi_connection.create_function("wb_fold", 1, _nullable(fold), deterministic=True)
    dbapi_connection.create_function("wb_cjk", 1, _nullable(cjk_tokens), deterministic=True)


def _nullable(fn: Any) -> Any:
    def call(value: Any) -> Any:
        return None if value is None else fn(str(value))

    return call


def normalise_url(url: str) -> str:
    """Map postgres:// and postgresql:// URLs onto the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is bypassed (isolation_level=None) so that writes
    # can take the lock up front: a deferred transaction that reads and then writes fails
    # at once with SQLITE_BUSY when another coder committed in between.
    immediate = conn.get_execution_options().get("sqlite_immediate", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Create an engine for a SQLite file or a PostgreSQL server."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, connect_args={"timeout": 10})

        def _connect(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None
            _sqlite_pragmas(dbapi_connection, record)

        event.listen(engine, "connect", _connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    engine = create_engine(url, echo=echo, pool_size=10, max_overflow=10)
    event.listen(engine, "checkout", _pg_alive)
    return engine


def _pg_alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection the server has closed, without a round trip.

    An idle connection has nothing to read; if its socket is readable, the server has hung up
    (a restart, an idle timeout) or sent a notice, and the pool opens a fresh connection
    instead. This replaces a "SELECT 1" before every request (``pool_pre_ping``), one loopback
    round trip of every coding action.
    """
    if dbapi_connection.closed:
        raise exc.DisconnectionError("the connection is closed")
    readable, _w, _x = select.select([dbapi_connection.fileno()], [], [], 0)
    if readable:
        raise exc.DisconnectionError("the server closed the connection")


class WriterGate:
    """Queues writing requests in front of SQLite so they never meet its busy handler.

    SQLite lets one writer in at a time; a writer that finds the lock taken sleeps in growing
    steps (1, 2, 5 ... 100 ms), which gives long tails under a team's load. Here writers wait
    in line instead: a thread lock within a process and an advisory file lock beside the
    database across processes (gunicorn workers), which the kernel hands straight to the next
    waiter. PostgreSQL needs no gate: it locks rows.
    """

    def __init__(self, path: str | None) -> None:
        self._threads = threading.Lock()
        self._path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        """Wait for this process's and then the database's writer turn."""
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def release(self) -> None:
        """Hand the turn to the next writer."""
        if self._path is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


def writer_gate(engine: Engine) -> WriterGate | None:
    """Return the gate for a SQLite file database, or None where none is needed."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:":
        return WriterGate(None)
    return WriterGate(f"{database}.writer-lock")
