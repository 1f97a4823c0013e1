"""The documents area's page models: the reader, and the lifecycle's confirmation pages."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from sqlalchemy.orm import Session

from workbench.core.i18n import _
from workbench.documents import catalog
from workbench.documents import changes
from workbench.documents import deletion
from workbench.documents import lifecycle_history
from workbench.documents import resegment
from workbench.documents.importing import ImportResult
from workbench.documents.layout_preview import Preview
from workbench.documents.layout_preview import preview
from workbench.models import Document
from workbench.models import Passage
from workbench.models import Project


@dataclass(frozen=True)
class ReaderPage:
    """A document's passages with speaker and delegation labels."""

    project: Project
    role: str
    doc: Document
    passages: list[Passage]


def reader_page(session: Session, project: Project, role: str, doc_id: int) -> ReaderPage:
    """Build the reader of one document."""
    doc = catalog.get_document(session, project, doc_id)
    return ReaderPage(project, role, doc, catalog.passages_of(session, doc))


@dataclass(frozen=True)
class DeletePage:
    """What deleting a document takes with it, before the lead confirms."""

    project: Project
    impact: deletion.DeletionImpact
    role: str = "lead"


def delete_page(session: Session, project: Project, doc_id: int) -> DeletePage:
    """Build the confirmation page of a document's deletion."""
    doc = catalog.get_document(session, project, doc_id)
    return DeletePage(project, deletion.deletion_impact(session, doc))


@dataclass(frozen=True)
class ChangePage:
    """A change of a document's passages: where every coding goes, before anything changes."""

    project: Project
    doc: Document
    preview: Preview | None  # None: the re-segment form before a segmentation is chosen
    passage: Passage | None = None
    mode: str | None = None
    spread: bool = False
    stale: str | None = None  # the document changed since the preview the lead confirmed
    role: str = "lead"
    modes: list[str] = field(default_factory=resegment.available_modes)
    labels: dict[str, str] = field(
        default_factory=lambda: {m: _(label) for m, label in resegment.MODE_LABELS.items()}
    )
    short: dict[str, str] = field(
        default_factory=lambda: {m: _(label) for m, label in resegment.MODE_SHORT.items()}
    )


def change_page(
    session: Session, project: Project, change: changes.LayoutChange, *, stale: str | None = None
) -> ChangePage:
    """Build the preview of a change (afresh, with ``stale``, when a confirmation came too late)."""
    shown = preview(session, change.doc, change.layout)
    return ChangePage(project, change.doc, shown, change.passage, change.mode, change.spread, stale)


def resegment_page(
    session: Session, project: Project, doc_id: int, mode: str, *, spread: bool
) -> ChangePage:
    """Build the re-segment page: the form, and with a segmentation chosen its preview."""
    if not mode:
        return ChangePage(project, catalog.get_document(session, project, doc_id), None)
    change = changes.resegment_change(session, project, doc_id, mode, spread=spread)
    return change_page(session, project, change)


@dataclass(frozen=True)
class SplitForm:
    """Where to cut a passage, chosen before the preview."""

    project: Project
    doc: Document
    passage: Passage
    role: str = "lead"


def split_form(session: Session, project: Project, passage_id: int) -> SplitForm:
    """Build the form that asks where to cut a passage."""
    passage = catalog.get_passage(session, project, passage_id)
    return SplitForm(project, catalog.get_document(session, project, passage.document_id), passage)


@dataclass(frozen=True)
class HistoryPage:
    """Documents deleted, re-segmented, split and merged, newest first, with undo."""

    project: Project
    entries: list[lifecycle_history.Entry]
    role: str = "lead"


def history_page(session: Session, project: Project) -> HistoryPage:
    """Build the lifecycle history of the project."""
    return HistoryPage(project, lifecycle_history.entries(session, project))


@dataclass(frozen=True)
class ImportFragment:
    """What an upload stored, and the files already present that could be re-segmented instead."""

    project: Project
    result: ImportResult
    offers: list[resegment.Resegmentable]


def import_fragment(
    session: Session,
    project: Project,
    uploaded: list[tuple[str, str]],
    mode: str,
    result: ImportResult,
) -> ImportFragment:
    """Build the result of a committed upload ((content hash, file name) of each document)."""
    return ImportFragment(
        project, result, resegment.segmented_otherwise(session, project, uploaded, mode)
    )
