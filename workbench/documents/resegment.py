"""Re-segmenting a document: the same text cut into passages another way.

The modes are those of the corpus segmenter, called by name, plus speaker turns. The segmenter
has no turn mode: it recognises turns in every mode and labels each passage with its speaker,
delegation and turn (so a record re-segmented by sentence keeps its speakers). "turn" joins the
paragraphs of each speech into one passage (corpus.turns), for teams whose unit is the speech.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.corpus import CorpusError
from workbench.core.corpus import SegmentMode
from workbench.core.corpus import segment
from workbench.core.corpus.document import normalise_document
from workbench.core.corpus.document import row_hints
from workbench.core.corpus.turns import turn_passages
from workbench.core.corpus.types import TextLayout
from workbench.core.errors import ValidationError
from workbench.core.i18n import N_
from workbench.core.i18n import _
from workbench.documents.passage_layout import Layout
from workbench.documents.passage_layout import NewPassage
from workbench.models import Document
from workbench.models import Project

# Every mode the workbench knows how to name; those the segmenter offers are available.
MODE_LABELS = {
    "paragraph": N_("paragraphs"),
    "sentence": N_("sentences"),
    "lines": N_("lines (one passage a line: comments, survey answers, utterances)"),
    "turn": N_("speaker turns (one passage a speech, cut where its language changes)"),
}
# The same modes named shortly, for a button or a sentence ("Re-segment into sentences").
MODE_SHORT = {
    "paragraph": N_("paragraphs"),
    "sentence": N_("sentences"),
    "lines": N_("lines"),
    "turn": N_("speaker turns"),
}
# Built here from the paragraph segmentation rather than offered by the segmenter.
DERIVED = {"turn": "paragraph"}


def available_modes() -> list[str]:
    """The segmentation modes this version's segmenter accepts."""
    offered = set(get_args(SegmentMode)) | set(DERIVED)
    return [mode for mode in MODE_LABELS if mode in offered]


def layout_for(document: Document, mode: str, *, spread: bool = False) -> Layout:
    """The passages the segmenter makes of the document's text in this mode.

    With `spread`, what crosses the new boundaries goes on every piece (listed for review),
    as a split does, instead of being listed as unable to move.
    """
    if mode not in MODE_LABELS:
        raise ValidationError(
            _(
                "mode: '%(mode)s' is not a segmentation; choose %(modes)s.",
                mode=mode[:40],
                modes=", ".join(MODE_LABELS),
            )
        )
    if mode not in available_modes():
        raise ValidationError(
            _("mode: the '%(mode)s' segmentation is not available in this version.", mode=mode)
        )
    hints = row_hints(document.extra) if isinstance(document.extra, dict) else None
    try:
        base = DERIVED.get(mode, mode)
        specs = segment(
            document.text,
            mode=base,  # type: ignore[arg-type]
            hints=hints,
            layout=_layout(document) if base != "lines" else None,
        )
    except CorpusError as exc:
        raise ValidationError(f"mode: {exc}") from exc
    if mode == "turn":
        specs = turn_passages(document.text, specs)
    if not specs:
        raise ValidationError(
            _("The '%(mode)s' segmentation finds no passages in this document.", mode=mode)
        )
    passages = [
        NewPassage(
            start=s.start,
            end=s.end,
            speaker=s.speaker[:300] if s.speaker else s.speaker,
            delegation=s.delegation[:300] if s.delegation else s.delegation,
            language=s.language,
            original_language=s.original_language,
            turn=s.turn,
            codable=s.codable,
        )
        for s in specs
    ]
    return Layout(
        action="resegment",
        passages=passages,
        details={"mode": mode, "from": document.segmentation}
        | ({"spread": True} if spread else {}),
        copy_crossing=spread,
        segmentation=mode,
    )


def _layout(document: Document) -> TextLayout | None:
    """What the import's normaliser saw in the file's markup (Markdown headings, bold speakers).

    The normaliser is deterministic, so running it again on the stored raw text gives the same
    text and its layout; a text stored verbatim (a foreign project's source) gets no layout.
    """
    text, layout = normalise_document(document.filename, document.raw_text)
    return layout if text == document.text else None


@dataclass(frozen=True)
class Resegmentable:
    """An uploaded file whose text is already in the project, cut into passages another way."""

    filename: str
    document_id: int
    title: str
    segmentation: str
    mode: str


def segmented_otherwise(
    session: Session, project: Project, uploaded: Iterable[tuple[str, str]], mode: str
) -> list[Resegmentable]:
    """The uploaded files (content hash, file name) already present with another segmentation:
    re-segment those instead."""
    names = dict(uploaded)
    if not names:
        return []
    rows = session.execute(
        select(Document.id, Document.title, Document.segmentation, Document.content_hash).where(
            Document.project_id == project.id,
            Document.content_hash.in_(list(names)),
            Document.segmentation != mode,
        )
    ).all()
    return [
        Resegmentable(names[h], int(i), str(t), str(s), mode)
        for i, t, s, h in sorted(rows, key=lambda r: str(r[1]))
    ]
