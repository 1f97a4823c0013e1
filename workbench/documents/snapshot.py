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

from workbench.models import AlignmentPair
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import AuditEvent
from workbench.models import Code
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Passage
from workbench.models import PassageState
from workbench.models import Quotation
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
    # Codings (and consensus decisions) of codes merged since, by table: put on the code the
    # merge went into, folded into the same coding there, or left on the merged code where
    # folding would drop a value (two stances, two selections).
    merged: dict[str, dict[str, int]] = field(default_factory=dict)

    def id_of(self, table: str, old: int) -> int:
        """The id a restored row has now."""
        return self.remap.get(table, {}).get(old, old)


def restore(session: Session, snap: Snapshot, *, since: datetime | None = None) -> Restored:
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
    snap = _follow_merges(session, snap, done, live_users, since)
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


CODE = cast(Table, Code.__table__)
# Where a coding of a merged code goes: the same coder's (or the consensus's) on the passage.
_ONE_CODING = {"annotation": ("passage_id", "coder_id"), "consensus_annotation": ("passage_id",)}


def _merge_targets(session: Session, code_ids: set[int]) -> dict[int, int]:
    """code id -> the live code its merges lead to, for the codes merged since."""
    conn = session.connection()
    out: dict[int, int] = {}
    for start in sorted(code_ids):
        seen, at = {start}, start
        while True:
            row = conn.execute(
                select(CODE.c.merged_into_id, CODE.c.deleted_at).where(CODE.c.id == at)
            ).first()
            if row is None:
                break
            if row.merged_into_id is None or row.merged_into_id in seen:
                if at != start and row.deleted_at is None:
                    out[start] = at
                break
            at = row.merged_into_id
            seen.add(at)
    return out


def _joined(kept: str, folded: str) -> str:
    # As a merge joins two memos (codebooks/restructure): the one folded in comes second.
    if not folded or folded == kept:
        return kept
    return f"{kept}\n\n{folded}" if kept else folded


def _deleted_codes(session: Session, code_ids: set[int], since: datetime | None) -> set[int]:
    """The codes deleted after ``since`` (the change being undone), of those given."""
    if not code_ids:
        return set()
    stmt = select(CODE.c.id).where(CODE.c.id.in_(sorted(code_ids)), CODE.c.deleted_at.is_not(None))
    if since is not None:
        stmt = stmt.where(CODE.c.deleted_at > since)
    rows = session.connection().execute(stmt)
    return set(rows.scalars())


def _follow_merges(
    session: Session,
    snap: Snapshot,
    done: Restored,
    live_users: set[int],
    since: datetime | None,
) -> Snapshot:
    """The snapshot with codings of codes merged since moved as the merge moved the others.

    Rows of an account that is gone are left as they are (the restore leaves them out); rows
    that end on a code deleted since are counted, so the undo can say where they are."""
    ids = {int(r["code_id"]) for name in _ONE_CODING for r in snap.get(name, [])}
    into = _merge_targets(session, ids) if ids else {}
    deleted = _deleted_codes(session, ids | set(into.values()), since)
    if not into and not deleted:
        return snap
    out = dict(snap)
    for name, keys in _ONE_CODING.items():
        rows = [dict(r) for r in snap.get(name, [])]
        at = {(tuple(r[k] for k in keys), r["code_id"]): r for r in rows}
        kept: list[dict[str, Any]] = []
        counts = done.merged.setdefault(name, {})
        for row in rows:
            if row.get("coder_id") is not None and row["coder_id"] not in live_users:
                kept.append(row)  # left out with the account
                continue
            target = into.get(int(row["code_id"]))
            if target is None:
                kept.append(row)
                if int(row["code_id"]) in deleted:
                    counts["deleted"] = counts.get("deleted", 0) + 1
                continue
            where = tuple(row[k] for k in keys)
            other = at.get((where, target))
            two_stances = (
                other is not None
                and row["stance"] is not None
                and other["stance"] is not None
                and row["stance"] != other["stance"]
            )
            spans = ("span_start", "span_end")
            two_spans = other is not None and any(other.get(k) != row.get(k) for k in spans)
            if other is None:
                row["code_id"] = target
                at[(where, target)] = row
                kept.append(row)
                counts["moved"] = counts.get("moved", 0) + 1
            elif two_stances or two_spans:
                kept.append(row)
                counts["stayed"] = counts.get("stayed", 0) + 1
            else:
                if other["stance"] is None:
                    other["stance"] = row["stance"]
                other["memo"] = _joined(other.get("memo") or "", row.get("memo") or "")
                counts["folded"] = counts.get("folded", 0) + 1
        out[name] = kept
    done.merged = {name: counts for name, counts in done.merged.items() if counts}
    return out


LINK = cast(Table, DocumentLink.__table__)
PAIR = cast(Table, AlignmentPair.__table__)
QUOTE = cast(Table, Quotation.__table__)
# A deleted document's links to other documents: the database removes them with it (ON DELETE
# CASCADE), so its deletion keeps them beside its own rows, and undo puts them back.
LINK_TABLES = ("document_link", "alignment_pair", "quotation")


def capture_links(session: Session, document_id: int) -> Snapshot:
    """The document's links (as either side), their aligned pairs and traced quotations."""
    links = _rows(
        session, LINK, (LINK.c.source_id == document_id) | (LINK.c.target_id == document_id)
    )
    ids = [row["id"] for row in links]
    return {
        "document_link": links,
        "alignment_pair": _rows(session, PAIR, PAIR.c.link_id.in_(ids)) if ids else [],
        "quotation": _rows(
            session,
            QUOTE,
            (QUOTE.c.report_id == document_id) | (QUOTE.c.statement_id == document_id),
        ),
    }


def restore_links(session: Session, snap: Snapshot, document_id: int, done: Restored) -> None:
    """Put a restored document's links back, where the document at the other end still is.

    ``document_id`` is the restored document's old id; ids the restore changed (``done``) are
    followed, in the alignment's units too. What cannot come back is counted in
    ``done.left_out``."""
    other_ids = {
        row[key]
        for row in [*snap.get("document_link", []), *snap.get("quotation", [])]
        for key in ("source_id", "target_id", "report_id", "statement_id")
        if key in row and row[key] != document_id
    }
    present = _existing(session, DOCUMENT, other_ids)

    def here(old: int) -> int | None:
        if old == document_id:
            return done.id_of("document", old)
        return old if old in present else None

    def passage(pid: int) -> int:
        return done.id_of("passage", pid)

    def leave_out(name: str) -> None:
        done.left_out[name] = done.left_out.get(name, 0) + 1

    links = []
    for row in snap.get("document_link", []):
        source, target = here(row["source_id"]), here(row["target_id"])
        if source is None or target is None:
            leave_out("document_link")
            continue
        links.append(row | {"source_id": source, "target_id": target})
    _insert(session, LINK, links, done.remap)
    kept = {row["id"] for row in links}
    # The other document's passages may have changed since (split, merged, re-segmented): a
    # unit or quotation naming a passage that is gone cannot come back.
    named = {
        passage(u[0])
        for row in snap.get("alignment_pair", [])
        for side in ("source_units", "target_units")
        for u in row[side] or []
    } | {
        passage(row[key])
        for row in snap.get("quotation", [])
        for key in ("report_passage_id", "statement_passage_id")
    }
    passages_there = _existing(session, PASSAGE, named)
    stale = {
        row["link_id"]
        for row in snap.get("alignment_pair", [])
        for side in ("source_units", "target_units")
        for u in row[side] or []
        if passage(u[0]) not in passages_there
    }
    pairs = []
    for row in snap.get("alignment_pair", []):
        if row["link_id"] not in kept:
            leave_out("alignment_pair")
            continue
        if row["link_id"] in stale:
            # The whole alignment goes: the link is aligned afresh when it is next opened.
            leave_out("alignment_pair_stale")
            continue
        units = {
            side: [[passage(u[0]), *u[1:]] for u in row[side] or []]
            for side in ("source_units", "target_units")
        }
        pairs.append(row | units | {"link_id": done.id_of("document_link", row["link_id"])})
    _insert(session, PAIR, pairs, done.remap)
    quotes = []
    for row in snap.get("quotation", []):
        report, statement = here(row["report_id"]), here(row["statement_id"])
        if report is None or statement is None:
            leave_out("quotation")
            continue
        if {passage(row["report_passage_id"]), passage(row["statement_passage_id"])} - (
            passages_there
        ):
            leave_out("quotation_stale")
            continue
        quotes.append(
            row
            | {
                "report_id": report,
                "statement_id": statement,
                "report_passage_id": passage(row["report_passage_id"]),
                "statement_passage_id": passage(row["statement_passage_id"]),
            }
        )
    _insert(session, QUOTE, quotes, done.remap)


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
