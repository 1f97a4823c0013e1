"""Background document imports: a large upload is kept in the database and imported by a worker.

An upload larger than IMPORT_INLINE_BYTES is not parsed in the request: its files are kept in
the database (``files.keep_inputs``) with a job row, and a queue worker on any machine parses
and stores them in one transaction (all documents or none, as an import in the request would),
then records what it did on the job row and deletes the kept files. The caps and the "same
request returns the running job" rule are the exports' (``export_jobs.start_job``).
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from sqlalchemy.orm import Session

from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.documents import importing
from workbench.jobs import export_jobs
from workbench.jobs import files
from workbench.models import ExportJob
from workbench.models import Project
from workbench.models import User
from workbench.unit_of_work import Database

IMPORT = "import"  # the job "format" of a document import
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
