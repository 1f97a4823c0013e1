"""Replace a document's passages with a new layout, carrying codings where their text allows.

Re-segmenting, splitting and merging all come here: the caller proposes the new passages, the
preview lists what happens to every coding, state, consensus decision and assignment (what
cannot move above all) before anything changes, and applying it keeps the old rows in the
history so undo restores them exactly. A new passage with the extent of an old one is the same
passage: it keeps its id, its codable flag and everything on it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import delete
from sqlalchemy import insert
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.core.corpus.remap import Carried
from workbench.core.corpus.remap import Extent
from workbench.core.corpus.remap import Outcome
from workbench.core.corpus.remap import plan
from workbench.core.errors import Conflict
from workbench.core.i18n import _
from workbench.documents import snapshot as snapshots
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True)
class NewPassage:
    """One passage of a proposed layout."""

    start: int
    end: int
    speaker: str | None = None
    delegation: str | None = None
    language: str | None = None
    original_language: str | None = None
    turn: int | None = None
    codable: bool = True


@dataclass(frozen=True)
class Layout:
    """A proposed set of passages for a document, and what it is called in the history."""

    action: str  # resegment, split, merge
    passages: list[NewPassage]
    details: dict[str, Any] = field(default_factory=dict)
    copy_crossing: bool = False
    segmentation: str | None = None


def _items(snap: snapshots.Snapshot) -> list[Carried]:
    passages = {p["id"]: p for p in snap["passage"]}
    items: list[Carried] = []
    for name, rows in snap.items():
        if name in ("document", "passage"):
            continue
        for row in rows:
            p = passages[row["passage_id"]]
            start, end, whole = p["start_offset"], p["end_offset"], True
            if row.get("span_start") is not None:
                start, end = (
                    p["start_offset"] + row["span_start"],
                    p["start_offset"] + row["span_end"],
                )
                whole = False
            items.append(Carried(name, row["id"], start, end, whole, *_key(name, row)))
    return items


def _key(name: str, row: dict[str, Any]) -> tuple[tuple[object, ...], object]:
    if name == "annotation":
        return (row["coder_id"], row["code_id"]), row["stance"]
    if name == "passage_state":
        return (row["coder_id"],), row["coded"]
    if name == "consensus_annotation":
        return (row["code_id"],), row["stance"]
    if name == "consensus_state":
        return (), row["round_id"]
    return (row["coder_id"], row["round_id"]), None


def fingerprint_of(snap: snapshots.Snapshot, layout: Layout) -> str:
    """What a preview was made of: the rows on the document and the proposed passages."""
    shape = repr((layout.action, layout.details, [(p.start, p.end) for p in layout.passages]))
    return hashlib.sha256((snapshots.digest(snap) + shape).encode("utf-8")).hexdigest()


def outcomes_of(document: Document, snap: snapshots.Snapshot, layout: Layout) -> list[Outcome]:
    """Where everything on the document goes under the layout."""
    extents = [Extent(p.start, p.end) for p in layout.passages]
    return plan(document.text, extents, _items(snap), copy_crossing=layout.copy_crossing)


def made_codable(layout: Layout, outcomes: list[Outcome], old: set[tuple[int, int]]) -> list[int]:
    """New non-codable passages that receive codings (by index): they are made codable."""
    carrying = {p.index for o in outcomes if o.item.kind != "assignment" for p in o.placements}
    return sorted(
        i
        for i in carrying
        if not layout.passages[i].codable
        and (layout.passages[i].start, layout.passages[i].end) not in old
    )


def apply(
    session: Session,
    project: Project,
    actor: User,
    document: Document,
    layout: Layout,
    fingerprint: str,
) -> int:
    """Replace the passages as previewed; refuse if anything changed since the preview."""
    snapshots.lock(session, document.id)
    snap = snapshots.capture(session, document.id)
    if fingerprint_of(snap, layout) != fingerprint:
        raise Conflict(
            _(
                "The document or its codings changed since the preview was made. Look "
                "at the new preview before confirming."
            )
        )
    outcomes = outcomes_of(document, snap, layout)
    ids = _place_passages(session, project, document, snap, layout, outcomes)
    _carry(session, snap, outcomes, ids)
    old_ids = [p["id"] for p in snap["passage"]]
    gone = sorted(set(old_ids) - set(ids))
    for start in range(0, len(gone), 500):
        session.execute(delete(Passage).where(Passage.id.in_(gone[start : start + 500])))
    values: dict[str, Any] = {"passage_count": len(layout.passages)}
    if layout.segmentation:
        values["segmentation"] = layout.segmentation
    session.execute(update(Document).where(Document.id == document.id).values(**values))
    session.expire(document)
    # Metadata edits later on must not block an undo: the digest covers passages and codings.
    after = snapshots.capture(session, document.id, with_document=False)
    summary: dict[str, int] = {}
    for outcome in outcomes:
        summary[outcome.status] = summary.get(outcome.status, 0) + 1
    return snapshots.record_event(
        session,
        project_id=project.id,
        actor=actor,
        document_id=document.id,
        action=layout.action,
        before={"snapshot": snap},
        after={
            "title": document.title,
            "digest": snapshots.digest(after),
            "passages": [len(old_ids), len(layout.passages)],
            "outcomes": summary,
        }
        | layout.details,
    )


def _place_passages(
    session: Session,
    project: Project,
    document: Document,
    snap: snapshots.Snapshot,
    layout: Layout,
    outcomes: list[Outcome],
) -> list[int]:
    """Give every new passage a row (reusing old rows of the same extent); return their ids."""
    by_extent = {(p["start_offset"], p["end_offset"]): p["id"] for p in snap["passage"]}
    to_codable = set(made_codable(layout, outcomes, set(by_extent)))
    # Old ordinals step aside (negative) so the new ones never clash with them on the way.
    session.execute(
        update(Passage)
        .where(Passage.document_id == document.id)
        .values(ordinal=-1 - Passage.ordinal)
    )
    ids: list[int] = []
    for ordinal, p in enumerate(layout.passages):
        reused = by_extent.get((p.start, p.end))
        if reused is not None:
            session.execute(update(Passage).where(Passage.id == reused).values(ordinal=ordinal))
            ids.append(reused)
            continue
        row = {
            "document_id": document.id,
            "project_id": project.id,
            "ordinal": ordinal,
            "text": document.text[p.start : p.end],
            "start_offset": p.start,
            "end_offset": p.end,
            "speaker": p.speaker,
            "delegation": p.delegation,
            "language": p.language,
            "original_language": p.original_language,
            "turn": p.turn,
            "codable": p.codable or ordinal in to_codable,
        }
        ids.append(int(session.execute(insert(Passage).returning(Passage.id), row).scalar_one()))
    return ids


def _joined(memos: Sequence[str]) -> str:
    seen: list[str] = []
    for memo in memos:
        if memo and memo not in seen:
            seen.append(memo)
    return "\n\n".join(seen)


def _carry(
    session: Session, snap: snapshots.Snapshot, outcomes: list[Outcome], ids: list[int]
) -> None:
    """Move, copy and remove the attached rows as the plan says."""
    conn = session.connection()
    rows = {(n, r["id"]): r for n, rs in snap.items() for r in rs}
    # Removals first: a combined row must be gone before its survivor may take its place.
    for outcome in outcomes:
        if not outcome.placements:
            table = snapshots.CHILDREN[outcome.item.kind]
            conn.execute(delete(table).where(table.c.id == outcome.item.id))
    for outcome in outcomes:
        if not outcome.placements:
            continue
        kind = outcome.item.kind
        table = snapshots.CHILDREN[kind]
        row = rows[(kind, outcome.item.id)]
        for n, placement in enumerate(outcome.placements):
            values: dict[str, Any] = {"passage_id": ids[placement.index]}
            if kind == "annotation":
                span = placement.span
                values["span_start"], values["span_end"] = span if span else (None, None)
            if outcome.absorbed and "memo" in row:
                values["memo"] = _joined(
                    [row["memo"]] + [rows[(kind, i)]["memo"] for i in outcome.absorbed]
                )
            if n == 0:
                conn.execute(update(table).where(table.c.id == row["id"]).values(**values))
            else:
                copy = {k: v for k, v in row.items() if k != "id"} | values
                conn.execute(insert(table), [snapshots.typed(table, copy)])


def undo(session: Session, project: Project, actor: User, event: AuditEvent) -> snapshots.Restored:
    """Put back the passages and codings a layout change replaced, if nothing changed since.

    Returns what the restore did: the rows left out by table (those of an account or a round
    that is gone), and what became of codings of codes merged since.
    """
    snap = (event.before or {}).get("snapshot")
    document = session.get(Document, event.entity_id or 0)
    if not snap or document is None or document.project_id != project.id:
        raise Conflict(_("The document of this change is no longer in the project."))
    snapshots.lock(session, document.id)
    now = snapshots.capture(session, document.id, with_document=False)
    if snapshots.digest(now) != (event.after or {}).get("digest"):
        raise Conflict(
            _(
                "The document changed after this (codings, states or another change of "
                "its passages); undoing it would lose that work. Undo the later "
                "changes first."
            )
        )
    snapshots.remove_passages(session, document.id)
    kept = {k: v for k, v in snap.items() if k != "document"}
    restored = snapshots.restore(session, kept, since=event.at)
    doc_row = snap["document"][0]
    session.execute(
        update(Document)
        .where(Document.id == document.id)
        .values(segmentation=doc_row["segmentation"], passage_count=doc_row["passage_count"])
    )
    session.expire(document)
    snapshots.record_event(
        session,
        project_id=project.id,
        actor=actor,
        document_id=document.id,
        action="undo",
        before=None,
        after={"undoes": event.id, "undone": event.action, "title": document.title}
        | ({"left_out": restored.left_out} if restored.left_out else {})
        | ({"merged": restored.merged} if restored.merged else {}),
    )
    return restored
