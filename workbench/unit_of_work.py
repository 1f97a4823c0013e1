"""The unit of work: one session, the SQLite writer gate, BEGIN IMMEDIATE, commit and release.

Every writer goes through here: a web request (``web.unit.writes``), a command of the CLI, the
export job runner and the tests. Reads run in ordinary deferred transactions. A write first ends
whatever the session was reading, then (SQLite only) waits its turn at the writer gate and opens
its transaction with ``BEGIN IMMEDIATE``, so the lock is held for the use case itself and a read
never has to upgrade to a write half-way. PostgreSQL locks rows and needs neither step.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.orm import sessionmaker

from workbench.db import WriterGate
from workbench.db import make_engine
from workbench.db import writer_gate

# Read by the engine's "begin" listener in workbench.db: open the transaction with the lock.
IMMEDIATE: Final = {"sqlite_immediate": True}


class Database:
    """One database: its engine, its writer gate and the factory of its units of work."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.engine: Engine = make_engine(url, echo=echo)
        self.gate: WriterGate | None = writer_gate(self.engine)
        # Objects stay readable after a commit: a view renders what its use case returned.
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """The engine's dialect name: "sqlite" or "postgresql"."""
        return self.engine.dialect.name

    def unit(self) -> UnitOfWork:
        """Open a unit of work; the caller closes it."""
        return UnitOfWork(self._sessions(), self.gate)

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session that only reads, closed (and rolled back) at the end."""
        unit = self.unit()
        try:
            yield unit.session
        finally:
            unit.close()

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One write transaction: committed if the block ends normally, else rolled back."""
        unit = self.unit()
        try:
            unit.begin_write()
            yield unit.session
            unit.commit()
        finally:
            unit.close()

    def dispose(self) -> None:
        """Close every pooled connection (tests and forked workers)."""
        self.engine.dispose()


class UnitOfWork:
    """A session that reads freely and writes once, under the writer gate where there is one."""

    def __init__(self, session: Session, gate: WriterGate | None) -> None:
        self.session = session
        self._gate = gate
        self._holds_gate = False
        self.writing = False

    @property
    def gated(self) -> bool:
        """Whether writes wait for a writer turn (SQLite) rather than lock rows (PostgreSQL)."""
        return self._gate is not None

    def begin_write(self) -> None:
        """Start the write transaction (idempotent); on SQLite, wait for the writer turn first."""
        if self.writing:
            return
        self.writing = True
        if self._gate is None:
            return  # PostgreSQL: the transaction under way simply goes on to write.
        # What was read so far (the user, the project) was read in a deferred transaction;
        # ending it keeps those objects and lets the write begin with the lock in hand.
        if self.session.in_transaction():
            self.session.commit()
        self._gate.acquire()
        self._holds_gate = True
        self.session.connection(execution_options=IMMEDIATE)

    def commit(self) -> None:
        """Commit the write and give the writer turn back; reads may go on afterwards."""
        try:
            self.session.commit()
        finally:
            self._end()

    def rollback(self) -> None:
        """Abandon whatever is pending and give the writer turn back."""
        try:
            self.session.rollback()
        finally:
            self._end()

    def close(self) -> None:
        """Roll back what was not committed and close the session."""
        try:
            self.rollback()
        finally:
            self.session.close()

    def _end(self) -> None:
        self.writing = False
        if self._holds_gate and self._gate is not None:
            self._holds_gate = False
            self._gate.release()


@contextmanager
def trial(session: Session) -> Iterator[Session]:
    """Run work only to see what it would do: it is rolled back to a savepoint at the end.

    What the session wrote before the block stays in its transaction (an import preview keeps
    the upload it will apply later and undoes the trial import itself)."""
    savepoint = session.begin_nested()
    try:
        yield session
    finally:
        savepoint.rollback()
