"""The other versions' aligned passages of one passage, for the coding view.

A coder on a passage of a linked statement asks for the matching passage(s) of the other
version(s). Only the viewer's own codings of those passages are shown, so blind coding holds
without a special case: another coder's codings are never read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.alignment import align_versions
from workbench.core.errors import NotFound
from workbench.core.i18n import _
from workbench.models import AlignmentPair
from workbench.models import Annotation
from workbench.models import Code
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Passage
from workbench.models import Project
from workbench.models import User

Units = list[list[int]]


@dataclass(frozen=True, slots=True)
class OwnCode:
    """One of the viewer's codings on an aligned passage."""

    name: str
    colour: str
    stance: int | None
    name_zh: str = ""


@dataclass(slots=True)
class AlignedUnit:
    """A unit of the other version: its passage, ¶ number, text and the viewer's codes on it."""

    passage_id: int
    ordinal: int
    text: str
    codes: list[OwnCode] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OtherVersion:
    """The other version of a statement as far as it matches the passage."""

    document_id: int
    title: str
    language: str | None
    units: list[AlignedUnit]


def _codable_ids(session: Session, document_id: int) -> list[Passage]:
    return list(
        session.scalars(
            select(Passage)
            .where(Passage.document_id == document_id, Passage.codable.is_(True))
            .order_by(Passage.ordinal)
        )
    )


def _pairs(session: Session, link: DocumentLink) -> list[tuple[Units, Units]]:
    """The stored pairs, or (never aligned yet) the aligner's pairs, computed and not stored."""
    stored = session.scalars(
        select(AlignmentPair)
        .where(AlignmentPair.link_id == link.id)
        .order_by(AlignmentPair.position)
    ).all()
    if stored:
        return [(p.source_units, p.target_units) for p in stored]
    source = _codable_ids(session, link.source_id)
    target = _codable_ids(session, link.target_id)
    result = align_versions([p.text for p in source], [p.text for p in target])

    def unit(passages: list[Passage], u: object) -> list[int]:
        return [passages[u.passage].id, u.start, u.end]  # type: ignore[attr-defined]

    return [
        (
            [unit(source, result.source[i]) for i in bead.source],
            [unit(target, result.target[j]) for j in bead.target],
        )
        for bead in result.beads
    ]


def aligned_with(
    session: Session, project: Project, viewer: User, passage_id: int
) -> list[OtherVersion]:
    """The passages of the other versions aligned with this passage, with the viewer's codes."""
    passage = session.get(Passage, passage_id)
    document = session.get(Document, passage.document_id) if passage is not None else None
    if passage is None or document is None or document.project_id != project.id:
        raise NotFound(_("No passage %(id)s in this project.", id=passage_id))
    found = session.scalars(
        select(DocumentLink)
        .where(
            DocumentLink.kind == "translation",
            (DocumentLink.source_id == document.id) | (DocumentLink.target_id == document.id),
        )
        .order_by(DocumentLink.id)
    ).all()
    wanted: list[tuple[int, Units]] = []  # (other document id, its units matching the passage)
    for link in found:
        mine_is_source = link.source_id == document.id
        other_id = link.target_id if mine_is_source else link.source_id
        units: Units = []
        for source_units, target_units in _pairs(session, link):
            mine, theirs = (
                (source_units, target_units) if mine_is_source else (target_units, source_units)
            )
            if any(u[0] == passage.id for u in mine):
                units.extend(u for u in theirs if u not in units)
        wanted.append((other_id, units))
    ids = {u[0] for _, units in wanted for u in units}
    passages = (
        {p.id: p for p in session.scalars(select(Passage).where(Passage.id.in_(ids)))}
        if ids
        else {}
    )
    codes: dict[int, list[OwnCode]] = {}
    if ids:
        rows = session.execute(
            select(
                Annotation.passage_id,
                Code.name,
                Code.colour,
                Code.takes_stance,
                Annotation.stance,
                Code.name_zh,
            )
            .join(Code, Code.id == Annotation.code_id)
            .where(
                Annotation.passage_id.in_(ids),
                Annotation.coder_id == viewer.id,
                Code.deleted_at.is_(None),
            )
            .order_by(Code.sort_order, Code.name)
        )
        for pid, name, colour, takes_stance, stance, name_zh in rows:
            codes.setdefault(pid, []).append(
                OwnCode(name, colour, stance if takes_stance else None, name_zh or "")
            )
    out = []
    for other_id, units in wanted:
        other = session.get(Document, other_id)
        if other is None:
            continue
        shown = []
        for pid, start, end in units:
            p = passages.get(pid)
            if p is not None:
                shown.append(AlignedUnit(pid, p.ordinal + 1, p.text[start:end], codes.get(pid, [])))
        out.append(OtherVersion(other.id, other.title, other.language, shown))
    return out
