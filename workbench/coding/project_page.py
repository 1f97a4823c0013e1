"""The project page's model: the filtered documents, the viewer's progress on them, the team.

It lives in the coding area because it joins documents (a lower area) with coding progress.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workbench.accounts import users as accounts
from workbench.coding.progress import Progress
from workbench.coding.progress import documents_progress
from workbench.core.errors import ValidationError
from workbench.documents.catalog import DocumentFilters
from workbench.documents.catalog import DocumentPage
from workbench.documents.catalog import list_documents
from workbench.models import Project
from workbench.models import User


@dataclass(frozen=True)
class ProjectPage:
    """What the project page shows (names as the templates use them)."""

    project: Project
    role: str
    listing: DocumentPage  # the page of documents that match the filters
    filters: DocumentFilters
    error: str | None  # why the filters found nothing (a malformed date)
    doc_progress: dict[int, Progress]
    members: list[tuple[User, str]]


def project_page(
    session: Session,
    project: Project,
    role: str,
    viewer: User,
    filters: DocumentFilters,
    *,
    page_size: int,
    with_members: bool = True,
) -> ProjectPage:
    """Return the project page: one page of matching documents, the viewer's progress, the team.

    Filters the catalogue refuses give an empty list with the reason, not an error page."""
    try:
        listing = list_documents(session, project, filters, page_size=page_size)
        error = None
    except ValidationError as exc:
        listing, error = DocumentPage([], 0, 1, 1), str(exc)
    progress = documents_progress(session, project, viewer, [d.id for d in listing.documents])
    members = accounts.members(session, project) if with_members else []
    return ProjectPage(project, role, listing, filters, error, progress, members)
