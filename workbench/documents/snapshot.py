"""A document and everything coded on it, as plain JSON rows: captured, compared, restored.

Deleting a document and changing its passages (re-segment, split, merge) keep the rows they
remove in the history as such a snapshot, so undo puts back exactly the same rows: the same
ids, texts, offsets, stances, memos, spans and timestamps. The digest of a snapshot tells
whether anything changed on the document since an operation, so an undo never loses later work.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from typing import Any
from typing import cast

from sqlalchemy import Table
from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import AuditEvent
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import ReliabilityRound
from workbench.models import User
from workbench.models._common import UTCDateTime
from workbench.models._common import utcnow

Rows = list[dict[str, Any]]
Snapshot = dict[str, Rows]

DOCUMENT = cast(Table, Document.__table__)
PASSAGE = cast(Table, Passage.__table__)
# Everything that hangs off a passage, in the order it is restored (after the passages).
CHILDREN: dict[str, Table] = {
    "annotation": cast(Table, Annotation.__table__),
    "passage_state": cast(Table, PassageState.__table__),
    "consensus_annotation": cast(Table, ConsensusAnnotation.__table__),
    "consensus_state": cast(Table, ConsensusState.__table__),
    "assignment": cast(Table, Assignment.__table__),
}
TABLES: dict[str, Table] = {"document": DOCUMENT, "passage": PASSAGE} | CHILDREN


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _rows(session: Session, table: Table, where: Any) -> Rows:
    result = session.connection().execute(select(table).where(where).order_by(table.c.id))
    return [{key: _plain(value) for key, value in row.items()} for row in result.mappings()]


def lock(session: Session, document_id: int) -> None:
    """Lock a document and its passages for the rest of the transaction (PostgreSQL).

    A coder's coding holds a key-share lock on its passage, so it waits until the change is
    committed (then finds its passage gone, or moved) instead of slipping in between the
    snapshot and the removal, where it would be deleted unseen. SQLite writers already queue.
    """
    conn = session.connection()
    conn.execute(select(DOCUMENT.c.id).where(DOCUMENT.c.id == document_id).with_for_update())
    conn.execute(select(PASSAGE.c.id).where(PASSAGE.c.document_id == document_id).with_for_update())


def capture(session: Session, document_id: int, *, with_document: bool = True) -> Snapshot:
    """Read the document (optionally), its passages and every row coded on them."""
    snap: Snapshot = {}
    if with_document:
        snap["document"] = _rows(session, DOCUMENT, DOCUMENT.c.id == document_id)
    snap["passage"] = _rows(session, PASSAGE, PASSAGE.c.document_id == document_id)
    ids = select(PASSAGE.c.id).where(PASSAGE.c.document_id == document_id).scalar_subquery()
    for name, table in CHILDREN.items():
        snap[name] = _rows(session, table, table.c.passage_id.in_(ids))
    return snap


def digest(snap: Snapshot) -> str:
    """A fingerprint of a snapshot: equal digests mean equal rows."""
    text = json.dumps(snap, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def remove_passages(session: Session, document_id: int) -> None:
    """Delete a document's passages and everything coded on them (children first)."""
    conn = session.connection()
    ids = select(PASSAGE.c.id).where(PASSAGE.c.document_id == document_id).scalar_subquery()
    for table in CHILDREN.values():
        conn.execute(delete(table).where(table.c.passage_id.in_(ids)))
    conn.execute(delete(PASSAGE).where(PASSAGE.c.document_id == document_id))


def typed(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """Turn a snapshot row back into column values (timestamps from their ISO text)."""
    out = dict(row)
    for column in table.columns:
        value = out.get(column.key)
        if isinstance(value, str) and isinstance(column.type, UTCDateTime):
            out[column.key] = datetime.fromisoformat(value)
    return out


def _taken(session: Session, table: Table, ids: list[int]) -> set[int]:
    taken: set[int] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        taken.update(
            session.connection().execute(select(table.c.id).where(table.c.id.in_(chunk))).scalars()
        )
    return taken


def _insert(session: Session, table: Table, rows: Rows, remap: dict[str, dict[int, int]]) -> None:
    """Insert rows with their own ids, or with new ids (remembered) when SQLite reused them."""
    if not rows:
        return
    conn = session.connection()
    ids = [int(r["id"]) for r in rows]
    if not _taken(session, table, ids):
        for start in range(0, len(rows), 1000):
            conn.execute(insert(table), [typed(table, r) for r in rows[start : start + 1000]])
        return
    # An id was given to a newer row (SQLite reuses the highest deleted rowid): every row of
    # this table gets a new id, and the rows pointing at it follow.
    mapping = remap.setdefault(table.name, {})
    for row in rows:
        values = typed(table, row)
        old = values.pop("id")
        mapping[int(old)] = int(
            conn.execute(insert(table).returning(table.c.id), values).scalar_one()
        )


_USER_KEYS = ("coder_id", "resolved_by_id", "imported_by_id")
_PARENTS = {"document_id": "document", "passage_id": "passage"}


def _existing(session: Session, table: Table, ids: set[int]) -> set[int]:
    return _taken(session, table, sorted(ids)) if ids else set()


@dataclass
class Restored:
    """What a restore did: ids that had to change (table → old → new), rows left out by table."""

    remap: dict[str, dict[int, int]] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)

    def id_of(self, table: str, old: int) -> int:
        """The id a restored row has now."""
        return self.remap.get(table, {}).get(old, old)


def restore(session: Session, snap: Snapshot) -> Restored:
    """Insert a snapshot's rows back, with their own ids wherever those are still free.

    Rows of a coder whose account is gone, and assignments of a deleted round, are left out:
    the database would have removed them with the account or the round anyway.
    """
    done = Restored()
    remap = done.remap
    every = [row for rows in snap.values() for row in rows]
    users = {row[k] for row in every for k in _USER_KEYS if row.get(k) is not None}
    rounds = {row["round_id"] for row in every if row.get("round_id") is not None}
    live_users = _existing(session, cast(Table, User.__table__), users)
    live_rounds = _existing(session, cast(Table, ReliabilityRound.__table__), rounds)
    for name, table in TABLES.items():
        rows = []
        for row in snap.get(name, []):
            row = dict(row)
            for key, target in _PARENTS.items():
                if key in row and name != target:
                    row[key] = remap.get(target, {}).get(row[key], row[key])
            if row.get("coder_id") is not None and row["coder_id"] not in live_users:
                done.left_out[name] = done.left_out.get(name, 0) + 1
                continue  # ON DELETE CASCADE with the account
            if row.get("round_id") is not None and row["round_id"] not in live_rounds:
                if name == "assignment":
                    done.left_out[name] = done.left_out.get(name, 0) + 1
                    continue  # ON DELETE CASCADE with the round
                row["round_id"] = None  # ON DELETE SET NULL
            for key in ("resolved_by_id", "imported_by_id"):
                if row.get(key) is not None and row[key] not in live_users:
                    row[key] = None  # ON DELETE SET NULL
            rows.append(row)
        _insert(session, table, rows, remap)
    return done


def record_event(
    session: Session,
    *,
    project_id: int,
    actor: User,
    document_id: int,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
) -> int:
    """Append a document's lifecycle event to the history and return its id."""
    table = cast(Table, AuditEvent.__table__)
    values = {
        "project_id": project_id,
        "actor_id": actor.id,
        "at": utcnow(),
        "entity": "document",
        "entity_id": document_id,
        "passage_id": None,  # kept out of passage histories: the snapshot holds every coder
        "action": action,
        "before": before,
        "after": after,
    }
    return int(
        session.connection().execute(insert(table).returning(table.c.id), values).scalar_one()
    )
