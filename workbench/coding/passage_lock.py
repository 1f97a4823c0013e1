"""One coder's actions on one passage take turns on PostgreSQL.

A coding action reads the coder's codings of a passage and writes them together with the
passage's state: coded once a code is on, reopened when the last one goes. Under PostgreSQL's
READ COMMITTED, two tabs of one coder acting on one passage at the same moment each decide from
a snapshot without the other's change: a code applied in one tab while the last other code was
removed in the second left the passage reopened with a code on, and two last removals left it
coded with none. A transaction-scoped advisory lock on (passage, coder), taken before the
action's first read, puts such actions in line; the next statement's snapshot then includes
whatever the other committed. SQLite needs none: its writers already take turns.

The lock is only for interactive actions on one passage. Imports write thousands of passages in
one transaction and do not take it: each lock would stay in PostgreSQL's lock table until the
commit, which holds a few thousand at most.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

# Held locks, by session: (the transaction they belong to, the (passage, coder) pairs).
_HELD = "wb_passage_locks"


def lock_column(passage: Any, coder: Any) -> ColumnElement[Any]:
    """The lock as a column of a query that reads something else in the same round trip.

    ``passage`` and ``coder`` are SQL expressions (bound parameters or columns); the query must
    return one row, or the lock is taken once per row."""
    return func.pg_advisory_xact_lock(passage, coder).label("passage_lock")


_LOCK = select(lock_column(bindparam("passage", type_=Integer), bindparam("coder", type_=Integer)))


def held(session: Session, passage_id: int, coder_id: int) -> bool:
    """Whether this session's transaction already holds the lock."""
    transaction, pairs = session.info.get(_HELD, (None, frozenset()))
    current = session.get_transaction()
    return current is not None and transaction is current and (passage_id, coder_id) in pairs


def mark_held(session: Session, passage_id: int, coder_id: int) -> None:
    """Record that a query of this transaction took the lock (``lock_column``)."""
    current = session.get_transaction()
    transaction, pairs = session.info.get(_HELD, (None, set()))
    if transaction is not current:
        pairs = set()
    pairs.add((passage_id, coder_id))
    session.info[_HELD] = (current, pairs)


def hold(session: Session, passage_id: int, coder_id: int) -> None:
    """Wait for, then hold until the commit, the coder's turn on the passage (PostgreSQL only)."""
    if session.get_bind().dialect.name != "postgresql" or held(session, passage_id, coder_id):
        return
    session.execute(_LOCK, {"passage": passage_id, "coder": coder_id})
    mark_held(session, passage_id, coder_id)
