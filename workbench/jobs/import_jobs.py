"""Background imports: a large upload is kept in the database and imported by a worker.

An upload of documents larger than IMPORT_INLINE_BYTES is not parsed in the request: its files
are kept in the database (``files.keep_inputs``) with a job row, and a queue worker on any
machine parses and stores them in one transaction (all documents or none, as an import in the
request would), then records what it did on the job row and deletes the kept files.

A large project file (.qdpx, .qde, .qdc or workbook) goes the same way in both of its steps.
Its upload waits where every import preview waits (``interchange.pending_imports``); the
preview job runs the import and undoes it, the apply job keeps it when it is complete or a
partial import was allowed. Each records its report on the job row, and the job's page shows
it as the request would have, with the form that applies the previewed file.

The caps and the "same request returns the running job" rule are the exports'
(``export_jobs.start_job``).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents import importing
from workbench.interchange import pages as interchange_pages
from workbench.interchange import pending_imports
from workbench.interchange.exchange_report import ExchangeReport
from workbench.jobs import export_jobs
from workbench.jobs import files
from workbench.models import ExportJob
from workbench.models import Project
from workbench.models import User
from workbench.unit_of_work import Database

IMPORT = "import"  # the job "format" of a document import
PROJECT = "project"  # the job "format" of a project file's import (its preview or its apply)
DEFAULT_MAX = 100 * 1024 * 1024  # per file, when the job row does not say


def start_import(
    session: Session,
    project: Project,
    user: User,
    uploads: list[tuple[str, bytes]],
    *,
    mode: str,
    max_file_bytes: int,
    per_user: int,
    per_project: int,
    language: str = "en",
) -> tuple[ExportJob, bool]:
    """Queue the import of the uploaded files (or return the same import already queued)."""
    if not uploads:
        raise ValidationError(_("Choose at least one file to upload."))
    digest = hashlib.sha256()
    for name, data in uploads:
        digest.update(name.encode("utf-8", "replace") + b"\0" + hashlib.sha256(data).digest())
    asked = {
        "format": IMPORT,
        "table": None,
        "mode": mode,
        "max_file_bytes": max_file_bytes,
        "names": [name for name, _ in uploads],
        "digest": digest.hexdigest(),
        # Its report is written in the language of whoever asked (the job has no request).
        "language": language,
    }
    job, created = export_jobs.start_job(session, project, user, asked, per_user, per_project)
    if created:
        files.keep_inputs(session, job, uploads)
    return job, created


def run_import(database: Database, job_id: int) -> int:
    """Parse the job's files (outside any write), then store them all in one write."""
    with database.reading() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status not in export_jobs.ACTIVE:
            return 0
        options: dict[str, Any] = dict(job.options or {})
        uploads = files.read_inputs(session, job)
    mode = str(options.get("mode") or "paragraph")
    # Parsed into a spool (a temporary file), so a large upload is never held whole as objects.
    spool = importing.spool_uploads(
        iter(uploads), mode=mode, max_file_bytes=int(options.get("max_file_bytes") or DEFAULT_MAX)
    )
    del uploads  # the spooled documents are all that is needed from here on
    with spool, database.writing() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status not in export_jobs.ACTIVE:
            return 0
        project = session.get(Project, job.project_id)
        assert project is not None
        user = session.get(User, job.requested_by_id) if job.requested_by_id else None
        result = importing.store_spool(session, project, spool, user=user)
        files.drop_inputs(session, job)
        job.options = {**options, "result": asdict(result) | {"notes": result.notes}}
        export_jobs.finish(session, job_id, "done", done=result.passages)
    return result.passages


def start_project_preview(
    session: Session,
    project: Project,
    user: User,
    filename: str,
    data: bytes,
    *,
    create_coders: bool,
    mode: str,
    per_user: int,
    per_project: int,
    language: str = "en",
) -> tuple[ExportJob, bool]:
    """Queue the preview of a project file (or return the same preview already queued)."""
    asked = {
        "format": PROJECT,
        "step": "preview",
        "table": None,
        "name": filename,
        "digest": hashlib.sha256(data).hexdigest(),
        "create_coders": create_coders,
        "segmentation": mode,
        "language": language,
    }
    job, created = export_jobs.start_job(session, project, user, asked, per_user, per_project)
    if created:
        # The upload waits for the worker, then for the apply, as an inline preview's does.
        token = pending_imports.stash(session, "project", project.id, user.id, filename, data)
        job.options = {**(job.options or {}), "token": token}
    return job, created


def start_project_apply(
    session: Session,
    project: Project,
    user: User,
    token: str,
    *,
    create_coders: bool,
    mode: str,
    allow_partial: bool,
    per_user: int,
    per_project: int,
    language: str = "en",
) -> tuple[ExportJob, bool]:
    """Queue the application of a previewed project file (or return the one already queued)."""
    filename, _size = pending_imports.describe(session, "project", project.id, user.id, token)
    asked = {
        "format": PROJECT,
        "step": "apply",
        "table": None,
        "name": filename,
        "token": token,
        "create_coders": create_coders,
        "segmentation": mode,
        "allow_partial": allow_partial,
        "language": language,
    }
    return export_jobs.start_job(session, project, user, asked, per_user, per_project)


class _NotApplied(Exception):
    """An apply that left items out without leave to: its writes are rolled back."""

    def __init__(self, report: ExchangeReport) -> None:
        super().__init__(report.summary())
        self.report = report


def run_project_import(database: Database, job_id: int) -> int:
    """Preview or apply the job's project file in one write; record its report on the job."""
    try:
        with database.writing() as session:
            job = session.get(ExportJob, job_id)
            if job is None or job.status not in export_jobs.ACTIVE:
                return 0
            report = _project_import(session, job)
            _record(session, job, report)
            return report.documents_added
    except _NotApplied as refused:
        # The import's writes are gone with their transaction; its report is still the answer.
        with database.writing() as session:
            job = session.get(ExportJob, job_id)
            if job is not None:
                _record(session, job, refused.report)
        return 0


def _project_import(session: Session, job: ExportJob) -> ExchangeReport:
    options: dict[str, Any] = dict(job.options or {})
    project = session.get(Project, job.project_id)
    user = session.get(User, job.requested_by_id) if job.requested_by_id else None
    if project is None or user is None:
        raise ValidationError(_("The account that started this import no longer exists."))
    token = str(options.get("token") or "")
    create_coders = bool(options.get("create_coders"))
    mode = str(options.get("segmentation") or "paragraph")
    if options.get("step") == "preview":
        filename, data = pending_imports.load(session, "project", project.id, user.id, token)
        return interchange_pages.trial_project_import(
            session, project, user, filename, data, create_coders=create_coders, mode=mode
        )
    found = interchange_pages.apply_project_import(
        session, project, user, token, create_coders=create_coders, mode=mode,
        allow_partial=bool(options.get("allow_partial")),
    )  # fmt: skip
    if not found.applied:
        raise _NotApplied(found.report)
    return found.report


def forget_checked_upload(session: Session, job: ExportJob) -> None:
    """Delete the upload of a project file whose check failed: no apply can use it.

    A failed apply keeps its upload, which its check showed to be importable."""
    options = job.options or {}
    if options.get("format") == PROJECT and options.get("step") == "preview":
        pending_imports.discard(session, str(options.get("token") or ""))


def _record(session: Session, job: ExportJob, report: ExchangeReport) -> None:
    job.options = {**(job.options or {}), "result": asdict(report)}
    export_jobs.finish(session, job.id, "done", done=report.documents_added)


def project_report(job: ExportJob) -> ExchangeReport | None:
    """The report a finished project import job recorded (None for any other job)."""
    options = job.options or {}
    result = options.get("result")
    if options.get("format") != PROJECT or not isinstance(result, dict):
        return None
    return ExchangeReport(**result)
