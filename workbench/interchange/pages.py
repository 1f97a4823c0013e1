"""What the Export page's interchange routes show: a coder's sheet to download, import previews.

One call per route, each returning a plain dataclass the view sends or renders. Nothing here
commits. A preview's trial import is rolled back to a savepoint, so what the caller commits is
the upload kept for the apply; an import that is not applied is the caller's to drop
(``applied`` says which).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import Forbidden
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.interchange import coding_import
from workbench.interchange import exports
from workbench.interchange import pending_imports
from workbench.interchange import project_exchange
from workbench.interchange.exchange_report import ExchangeReport
from workbench.models import Membership
from workbench.models import Project
from workbench.models import User
from workbench.unit_of_work import trial


@dataclass(frozen=True)
class FileDownload:
    """A file to send: its bytes, the name the browser saves it under, its MIME type."""

    data: bytes
    filename: str
    mimetype: str


def coding_sheet_file(
    session: Session, project: Project, user: User, role: str, coder_id: int | None
) -> FileDownload:
    """A coder's offline coding sheet: a lead may fetch any coder's, a coder only their own."""
    if coder_id is None or coder_id == user.id:
        coder = user
    else:
        if role != "lead":
            raise Forbidden(_("Only a project lead can do this."))
        found = session.get(User, coder_id)
        member = session.scalar(
            select(Membership.id).where(
                Membership.project_id == project.id, Membership.user_id == coder_id
            )
        )
        if found is None or member is None:
            # The same answer whether or not the account exists: an id says no one's name.
            raise ValidationError(_("No coder %(coder_id)s in this project.", coder_id=coder_id))
        coder = found
    buffer = io.BytesIO()
    rows = coding_import.write_sheet_for(session, project, coder, buffer)
    if rows == 0:
        raise ValidationError(
            _(
                "No passages are assigned to %(display_name)s; assign some on the Team page first.",
                display_name=coder.display_name,
            )
        )
    return FileDownload(
        buffer.getvalue(), f"{project.slug}-coding-{coder.username}.xlsx", exports.MIME["xlsx"]
    )


@dataclass(frozen=True)
class ProjectImport:
    """A project import's report, and the token its file waits under (a preview only)."""

    report: ExchangeReport
    token: str | None = None

    @property
    def applied(self) -> bool:
        """True when the import's writes are to be kept."""
        return self.report.applied


def preview_project_import(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    data: bytes,
    *,
    create_coders: bool,
    mode: str,
) -> ProjectImport:
    """Keep the upload for a later apply and report what importing it would do."""
    token = pending_imports.stash(session, "project", project.id, user.id, filename, data)
    report = trial_project_import(
        session, project, user, filename, data, create_coders=create_coders, mode=mode
    )
    return ProjectImport(report, token)


def trial_project_import(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    data: bytes,
    *,
    create_coders: bool,
    mode: str,
) -> ExchangeReport:
    """What importing the file would do; nothing of the import stays in the session."""
    # The import runs for real, to report exactly what applying would do, and is undone to
    # the savepoint: what the session wrote before (a kept upload) is all the caller commits.
    with trial(session):
        report = project_exchange.import_project_file(
            session, project, user, filename, data, create_coders=create_coders, mode=mode
        )
    report.applied = False  # a preview: the report says what applying would do
    return report


def apply_project_import(
    session: Session,
    project: Project,
    user: User,
    token: str,
    *,
    create_coders: bool,
    mode: str,
    allow_partial: bool,
) -> ProjectImport:
    """Import a previewed upload: applied when complete, or partly when allowed."""
    filename, data = pending_imports.load(session, "project", project.id, user.id, token)
    report = project_exchange.import_project_file(
        session, project, user, filename, data, create_coders=create_coders, mode=mode
    )
    report.applied = report.complete or allow_partial
    if report.applied:
        pending_imports.claim(session, token)
    return ProjectImport(report)
