"""Aligned passages between two versions of one statement, and the lead's corrections.

The aligner (``core.alignment``) pairs the versions' codable passages; a version whose
paragraph breaks were lost (one long passage against many) is cut into sentences first, so a
unit is ``[passage_id, start, end]``. The lead corrects the result by joining a pair with the
next, splitting a pair in two, or moving a unit to the neighbouring pair; every change is an
``audit_event`` holding the pairs before and after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import audit
from workbench.core.alignment import align_versions
from workbench.core.alignment import relation_of
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import AlignmentPair
from workbench.models import AuditEvent
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Passage
from workbench.models import User

Units = list[list[int]]  # [[passage_id, start, end], ...]
SIDES = ("source", "target")


@dataclass(frozen=True, slots=True)
class UnitText:
    """One unit of a pair as a reader sees it: passage id, its ¶ number, the text."""

    passage_id: int
    ordinal: int
    text: str


@dataclass(frozen=True, slots=True)
class PairView:
    """One aligned pair with its texts."""

    position: int
    relation: str
    corrected: bool
    source: list[UnitText]
    target: list[UnitText]


def _codable(session: Session, document_id: int) -> list[Passage]:
    return list(
        session.scalars(
            select(Passage)
            .where(Passage.document_id == document_id, Passage.codable.is_(True))
            .order_by(Passage.ordinal)
        )
    )


def require_translation(link: DocumentLink) -> None:
    """Only versions of one statement are aligned."""
    if link.kind != "translation":
        raise ValidationError(
            _("Only two versions of one statement (a translation link) are aligned.")
        )


def pairs_of(session: Session, link: DocumentLink) -> list[AlignmentPair]:
    """The link's pairs in order, aligning the versions first if that was never done."""
    require_translation(link)
    pairs = list(
        session.scalars(
            select(AlignmentPair)
            .where(AlignmentPair.link_id == link.id)
            .order_by(AlignmentPair.position)
        )
    )
    return pairs or realign(session, link, None)


def realign(session: Session, link: DocumentLink, actor: User | None) -> list[AlignmentPair]:
    """Align the two versions afresh, replacing any earlier alignment (and its corrections)."""
    require_translation(link)
    source, target = _codable(session, link.source_id), _codable(session, link.target_id)
    result = align_versions([p.text for p in source], [p.text for p in target])
    rows: list[tuple[Units, Units, bool]] = []
    for bead in result.beads:
        s_units = [_unit(source, result.source[i]) for i in bead.source]
        t_units = [_unit(target, result.target[j]) for j in bead.target]
        rows.append((s_units, t_units, False))
    before = _snapshot(session, link)
    pairs = _replace(session, link, rows)
    if actor is not None or before:
        _record(session, link, actor, "align", before, rows)
    return pairs


def _unit(passages: list[Passage], unit: Any) -> list[int]:
    return [passages[unit.passage].id, unit.start, unit.end]


def join(session: Session, link: DocumentLink, position: int, actor: User | None) -> None:
    """Join a pair with the next one."""
    rows = _rows(session, link)
    if not 0 <= position < len(rows) - 1:
        raise ValidationError(_("Pair %(n)s has no next pair to join.", n=position + 1))
    first, second = rows[position], rows[position + 1]
    rows[position : position + 2] = [(first[0] + second[0], first[1] + second[1], True)]
    _apply(session, link, actor, "join", rows)


def split(
    session: Session,
    link: DocumentLink,
    position: int,
    source_keep: int,
    target_keep: int,
    actor: User | None,
) -> None:
    """Split a pair in two: the first units of each side stay, the rest become the next pair."""
    rows = _rows(session, link)
    if not 0 <= position < len(rows):
        raise NotFound(_("There is no pair %(n)s.", n=position + 1))
    s_units, t_units, _corrected = rows[position]
    if not (0 <= source_keep <= len(s_units) and 0 <= target_keep <= len(t_units)):
        raise ValidationError(_("A split keeps between none and all of each side's units."))
    first = (s_units[:source_keep], t_units[:target_keep], True)
    second = (s_units[source_keep:], t_units[target_keep:], True)
    if not (first[0] or first[1]) or not (second[0] or second[1]):
        raise ValidationError(_("Both halves of a split need at least one unit."))
    rows[position : position + 1] = [first, second]
    _apply(session, link, actor, "split", rows)


def move(
    session: Session,
    link: DocumentLink,
    position: int,
    side: str,
    to_next: bool,
    actor: User | None,
) -> None:
    """Re-pair: move the last unit of one side to the next pair, or the first to the previous."""
    if side not in SIDES:
        raise ValidationError(_("Unknown side '%(side)s': use source or target.", side=side))
    rows = _rows(session, link)
    other = position + 1 if to_next else position - 1
    if not (0 <= position < len(rows) and 0 <= other < len(rows)):
        raise ValidationError(
            _("Pair %(n)s has no next pair.", n=position + 1)
            if to_next
            else _("Pair %(n)s has no previous pair.", n=position + 1)
        )
    index = SIDES.index(side)
    units = list(rows[position][0] if index == 0 else rows[position][1])
    if not units:
        raise ValidationError(
            _("Pair %(n)s has no source unit to move.", n=position + 1)
            if side == "source"
            else _("Pair %(n)s has no target unit to move.", n=position + 1)
        )
    unit = units.pop(-1 if to_next else 0)
    neighbour = list(rows[other][0] if index == 0 else rows[other][1])
    neighbour = [unit, *neighbour] if to_next else [*neighbour, unit]
    rows[position] = _with(rows[position], index, units)
    rows[other] = _with(rows[other], index, neighbour)
    rows = [r for r in rows if r[0] or r[1]]
    _apply(session, link, actor, "move", rows)


def _with(row: tuple[Units, Units, bool], index: int, units: Units) -> tuple[Units, Units, bool]:
    return (units, row[1], True) if index == 0 else (row[0], units, True)


def _rows(session: Session, link: DocumentLink) -> list[tuple[Units, Units, bool]]:
    return [
        (list(p.source_units), list(p.target_units), p.corrected) for p in pairs_of(session, link)
    ]


def _apply(
    session: Session,
    link: DocumentLink,
    actor: User | None,
    action: str,
    rows: list[tuple[Units, Units, bool]],
) -> None:
    before = _snapshot(session, link)
    _replace(session, link, rows)
    _record(session, link, actor, action, before, rows)


def _snapshot(session: Session, link: DocumentLink) -> list[dict[str, Any]]:
    return [
        {"source": p.source_units, "target": p.target_units, "corrected": p.corrected}
        for p in session.scalars(
            select(AlignmentPair)
            .where(AlignmentPair.link_id == link.id)
            .order_by(AlignmentPair.position)
        )
    ]


def _replace(
    session: Session, link: DocumentLink, rows: list[tuple[Units, Units, bool]]
) -> list[AlignmentPair]:
    session.execute(delete(AlignmentPair).where(AlignmentPair.link_id == link.id))
    session.flush()
    pairs = [
        AlignmentPair(
            link_id=link.id,
            position=position,
            relation=relation_of(len(s), len(t)),
            source_units=s,
            target_units=t,
            corrected=corrected,
        )
        for position, (s, t, corrected) in enumerate(rows)
    ]
    session.add_all(pairs)
    session.flush()
    return pairs


def _record(
    session: Session,
    link: DocumentLink,
    actor: User | None,
    action: str,
    before: list[dict[str, Any]],
    rows: list[tuple[Units, Units, bool]],
) -> None:
    after = [{"source": s, "target": t, "corrected": c} for s, t, c in rows]
    audit.record(
        session,
        link.project_id,
        actor,
        audit.Change(
            "alignment",
            action,
            before={"pairs": before},
            after={"pairs": after},
            entity_id=link.id,
        ),
    )


def history(session: Session, link: DocumentLink) -> list[AuditEvent]:
    """The alignment's changes, newest first."""
    return list(
        session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.project_id == link.project_id,
                AuditEvent.entity == "alignment",
                AuditEvent.entity_id == link.id,
            )
            .order_by(AuditEvent.id.desc())
        )
    )


def views(session: Session, link: DocumentLink) -> list[PairView]:
    """The pairs with their texts, for the side-by-side page, the CLI and the exports."""
    pairs = pairs_of(session, link)
    ids = {u[0] for p in pairs for u in [*p.source_units, *p.target_units]}
    passages = (
        {p.id: p for p in session.scalars(select(Passage).where(Passage.id.in_(ids)))}
        if ids
        else {}
    )

    def texts(units: Units) -> list[UnitText]:
        shown = []
        for passage_id, start, end in units:
            passage = passages.get(passage_id)
            if passage is not None:
                shown.append(UnitText(passage_id, passage.ordinal + 1, passage.text[start:end]))
        return shown

    return [
        PairView(p.position, p.relation, p.corrected, texts(p.source_units), texts(p.target_units))
        for p in pairs
    ]


@dataclass(frozen=True)
class StaleAlignment:
    """A translation link whose stored alignment names passages that are (or will be) gone."""

    link_id: int
    other_title: str
    corrected: int  # pairs the lead corrected by hand (the link's history keeps them)


def _translation_links(session: Session, document_id: int) -> list[DocumentLink]:
    """The translation links the document is either side of."""
    return list(
        session.scalars(
            select(DocumentLink).where(
                DocumentLink.kind == "translation",
                (DocumentLink.source_id == document_id) | (DocumentLink.target_id == document_id),
            )
        )
    )


def stale_alignments(session: Session, document_id: int, gone: set[int]) -> list[StaleAlignment]:
    """The document's translation links whose stored pairs name a passage in ``gone``."""
    out = []
    links = _translation_links(session, document_id)
    for link in links:
        pairs = session.scalars(select(AlignmentPair).where(AlignmentPair.link_id == link.id)).all()
        named = {u[0] for p in pairs for u in [*p.source_units, *p.target_units]}
        if named & gone:
            other = link.target_id if link.source_id == document_id else link.source_id
            title = session.scalar(select(Document.title).where(Document.id == other)) or ""
            out.append(StaleAlignment(link.id, title, sum(1 for p in pairs if p.corrected)))
    return out


def realign_after_change(session: Session, document_id: int, actor: User) -> list[int]:
    """Align afresh every translation link of the document whose pairs name a passage it no
    longer has (a split, merge, re-segmentation or its undo); return those links' ids.

    The pairs replaced, the lead's corrections among them, stay in the link's history."""
    live = set(session.scalars(select(Passage.id).where(Passage.document_id == document_id)))
    links = _translation_links(session, document_id)
    redone = []
    for link in links:
        pairs = session.scalars(select(AlignmentPair).where(AlignmentPair.link_id == link.id)).all()
        mine = {
            u[0]
            for p in pairs
            for side, units in (("source", p.source_units), ("target", p.target_units))
            if (link.source_id if side == "source" else link.target_id) == document_id
            for u in units
        }
        if mine - live:
            realign(session, link, actor)
            redone.append(link.id)
    return redone
