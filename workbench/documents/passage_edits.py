"""Splitting a passage at a character and merging a passage with the next one.

A split keeps what was on the whole passage on both halves and lists it for review: a code
applied to a paragraph was meant for all of its text, and the lead, not the workbench, should
decide which half it belongs to. A selection across the cut is cut in two. A merge turns the
codings of both passages into selections of the merged one; the same code of the same coder on
both becomes one coding of the whole.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents.passage_layout import Layout
from workbench.documents.passage_layout import NewPassage
from workbench.models import Document
from workbench.models import Passage


def _current(session: Session, document: Document) -> list[Passage]:
    return list(
        session.scalars(
            select(Passage).where(Passage.document_id == document.id).order_by(Passage.ordinal)
        )
    )


# What a passage keeps when it is cut or joined: its labels, all but its offsets.
_LABELS = ("speaker", "delegation", "language", "original_language", "turn", "codable")


def _as_new(p: Passage, start: int | None = None, end: int | None = None) -> NewPassage:
    start = p.start_offset if start is None else start
    end = p.end_offset if end is None else end
    return NewPassage(start, end, **{name: getattr(p, name) for name in _LABELS})


def split_layout(session: Session, document: Document, passage: Passage, at: int) -> Layout:
    """The document's passages with this one cut in two before character `at` (code points)."""
    text = passage.text
    if not 0 < at < len(text):
        raise ValidationError(
            _("at: choose a position inside the passage, from 1 to %(value)s.", value=len(text) - 1)
        )
    left = text[:at].rstrip()
    right = text[at:]
    skip = len(right) - len(right.lstrip())
    if not left.strip() or not right.strip():
        raise ValidationError(_("at: one side of the split would hold no text."))
    first = _as_new(passage, end=passage.start_offset + len(left))
    second = _as_new(passage, start=passage.start_offset + at + skip)
    passages: list[NewPassage] = []
    for p in _current(session, document):
        passages.extend([first, second] if p.id == passage.id else [_as_new(p)])
    return Layout(
        action="split",
        passages=passages,
        details={"passage": passage.ordinal + 1, "at": at},
        copy_crossing=True,
    )


def merge_layout(session: Session, document: Document, passage: Passage) -> Layout:
    """The document's passages with this one and the next joined into one."""
    current = _current(session, document)
    following = [p for p in current if p.ordinal > passage.ordinal]
    if not following:
        raise ValidationError(_("This is the last passage: there is no next one to merge with."))
    nxt = following[0]
    merged = NewPassage(
        start=passage.start_offset,
        end=nxt.end_offset,
        speaker=passage.speaker or nxt.speaker,
        delegation=passage.delegation or nxt.delegation,
        language=passage.language or nxt.language,
        original_language=passage.original_language or nxt.original_language,
        turn=passage.turn if passage.turn is not None else nxt.turn,
        codable=passage.codable or nxt.codable,
    )
    passages: list[NewPassage] = []
    for p in current:
        if p.id == passage.id:
            passages.append(merged)
        elif p.id != nxt.id:
            passages.append(_as_new(p))
    return Layout(action="merge", passages=passages, details={"passage": passage.ordinal + 1})
