"""Background exports, the job rows: queue one within the caps, find it, its progress and file.

A web request that would export more than ``EXPORT_INLINE_ROWS`` rows queues an ExportJob here
and, once that is committed, puts its id on the job queue (``jobs.queue``); a worker on any
machine runs it (``jobs.runner``) and the page polls the row. The runner writes progress (rows
written, a heartbeat) through ``record_progress`` and the end through ``finish_with_file`` or
``finish``, each in a short transaction of its own. A running job whose heartbeat stops for
STALE_AFTER (its worker died), or a job that no worker took up within QUEUED_TOO_LONG, is marked
failed when someone looks at it. These functions take a Session and never commit.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import DomainError
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.interchange import exports
from workbench.interchange.downloads import ExportRequest
from workbench.jobs import files
from workbench.jobs.files import FileStore
from workbench.models import ExportJob
from workbench.models import Project
from workbench.models import User
from workbench.models._common import utcnow

STALE_AFTER = dt.timedelta(seconds=120)  # eight missed heartbeats (runner.HEARTBEAT)
# A queued job waits for a free worker; this long without one, no worker is running at all.
QUEUED_TOO_LONG = dt.timedelta(hours=1)
KEEP_JOBS = 20  # per project; older files are deleted
ACTIVE = ("queued", "running")
# The job "format" of an agreement report with its bootstrap, written as the report's JSON.
AGREEMENT = "agreement"


def scope_options(scope: ExportScope) -> dict[str, Any]:
    """The scope as JSON for the job row."""
    data = asdict(scope)
    data["layer"] = str(scope.layer)
    return data


def scope_of(options: dict[str, Any]) -> ExportScope:
    """The scope back from the job row."""
    return ExportScope(
        document_ids=tuple(options.get("document_ids") or ()),
        coder_ids=tuple(options.get("coder_ids") or ()),
        code_ids=tuple(options.get("code_ids") or ()),
        date_from=options.get("date_from") or "",
        date_to=options.get("date_to") or "",
        layer=Layer.parse(options.get("layer") or "coders"),
        bootstrap=int(options.get("bootstrap", 1000)),
    )


def _request(
    fmt: str, scope: ExportScope, table: str | None, language: str = "en"
) -> dict[str, Any]:
    """What a job row records of the export asked for (the keys two requests compare on)."""
    return {"format": fmt, "table": table, "scope": scope_options(scope), "language": language}


def create_job(
    session: Session,
    project: Project,
    user: User,
    fmt: str,
    scope: ExportScope,
    *,
    table: str | None = None,
) -> ExportJob:
    """Record a queued export job."""
    if fmt not in exports.FORMATS:
        raise ValidationError(_("Unknown format '%(fmt)s'.", fmt=fmt))
    job = ExportJob(
        project_id=project.id,
        requested_by_id=user.id,
        status="queued",
        options=_request(fmt, scope, table),
    )
    session.add(job)
    session.flush()
    return job


class TooManyJobs(DomainError):
    """Too many exports running at once for this person or project (HTTP 429)."""

    status = 429


def start_or_reuse(
    session: Session,
    project: Project,
    user: User,
    wanted: ExportRequest,
    *,
    per_user: int,
    per_project: int,
) -> tuple[ExportJob, bool]:
    """Return the running job for this very export, or queue a new one within the caps.

    The second value tells whether the job is new (and must be started once committed). The
    project row is locked first (PostgreSQL), so two servers cannot both slip under a cap at
    the same moment; on SQLite the writer turn already serialises this.
    """
    if wanted.fmt not in exports.FORMATS:
        raise ValidationError(_("Unknown format '%(fmt)s'.", fmt=wanted.fmt))
    asked = _request(wanted.fmt, wanted.scope, wanted.table, wanted.language)
    return start_job(session, project, user, asked, per_user, per_project)


def start_agreement_report(
    session: Session,
    project: Project,
    user: User,
    query: dict[str, Any],
    *,
    per_user: int,
    per_project: int,
) -> tuple[ExportJob, bool]:
    """As ``start_or_reuse``, for an agreement report (its query as plain JSON values)."""
    asked = {"format": AGREEMENT, "table": None, "query": query}
    return start_job(session, project, user, asked, per_user, per_project)


def start_job(
    session: Session,
    project: Project,
    user: User,
    asked: dict[str, Any],
    per_user: int,
    per_project: int,
) -> tuple[ExportJob, bool]:
    """The user's queued or running job asking for the same, or a new one within the caps."""
    # Two starts in the project take turns here (the caps and "the same job" are read under it).
    # FOR NO KEY UPDATE, not FOR UPDATE: every insert of a row that refers to the project (a
    # coding, an imported document) takes a key-share lock on it, which FOR UPDATE would make
    # wait behind a start, and a start wait behind a whole import.
    session.execute(
        select(Project.id).where(Project.id == project.id).with_for_update(key_share=True)
    )
    # Through JSON, as the job row stores it (tuples come back as lists).
    same = json.loads(json.dumps(asked))
    running = []
    for job in session.scalars(
        select(ExportJob).where(ExportJob.project_id == project.id, ExportJob.status.in_(ACTIVE))
    ):
        if not mark_stale(session, job):
            running.append(job)
    mine = [j for j in running if j.requested_by_id == user.id]
    for job in mine:
        if {k: (job.options or {}).get(k) for k in same} == same:
            return job, False
    if len(mine) >= per_user:
        raise TooManyJobs(
            _(
                "You have %(n_mine)s exports running; at most %(per_user)s may run at "
                "once per person. Wait for one to finish (see Background exports on "
                "the Export page).",
                n_mine=len(mine),
                per_user=per_user,
            )
        )
    if len(running) >= per_project:
        raise TooManyJobs(
            _(
                "This project has %(n_running)s exports running; at most "
                "%(per_project)s may run at once. Wait for one to finish.",
                n_running=len(running),
                per_project=per_project,
            )
        )
    job = ExportJob(project_id=project.id, requested_by_id=user.id, status="queued", options=same)
    session.add(job)
    session.flush()
    return job, True


def get_job(session: Session, project: Project, job_id: int) -> ExportJob:
    """The project's job (NotFound for another project's)."""
    job = session.get(ExportJob, job_id)
    if job is None or job.project_id != project.id:
        raise NotFound(_("No export job %(job_id)s in this project.", job_id=job_id))
    return job


def is_stale(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Tell whether a running job's heartbeat stopped, or a queued job waited too long."""
    if job.status not in ACTIVE:
        return False
    beat = (job.options or {}).get("heartbeat")
    if job.status == "queued" and not beat:
        return (now or utcnow()) - job.created_at > QUEUED_TOO_LONG
    last = dt.datetime.fromisoformat(beat) if beat else job.created_at
    return (now or utcnow()) - last > STALE_AFTER


def mark_stale(session: Session, job: ExportJob) -> bool:
    """Mark a job whose worker stopped (or never came) as failed; return whether it was."""
    if not is_stale(job):
        return False
    queued = job.status == "queued"
    job.status = "failed"
    job.error = (
        # Any kind of job (an export, an import, a report, a training), in the language of the
        # request that found it stale.
        _("No worker took up this job (is `workbench worker` running?). Start it again.")
        if queued
        else _("The job stopped without finishing (its worker ended). Start it again.")
    )
    job.finished_at = utcnow()
    files.drop_inputs(session, job)  # an import's kept upload: no worker will read it now
    return True


def fail_unqueued(session: Session, job_id: int, reason: str) -> None:
    """Fail a recorded job that the queue would not take, so it holds no place in the caps."""
    job = session.get(ExportJob, job_id)
    if job is None or job.status != "queued":
        return  # a worker took it up after all
    finish(session, job_id, "failed", error=reason)
    files.drop_inputs(session, job)


def recent_jobs(session: Session, project: Project, limit: int = 10) -> list[ExportJob]:
    """The project's latest jobs, newest first."""
    return list(
        session.scalars(
            select(ExportJob)
            .where(ExportJob.project_id == project.id)
            .order_by(ExportJob.id.desc())
            .limit(limit)
        )
    )


def job_file(session: Session, store: FileStore, job: ExportJob) -> files.StoredFile:
    """The finished job's file, or NotFound."""
    return files.locate(session, store, job)


def download_name(job: ExportJob, project: Project) -> str:
    """The name the browser saves the file under."""
    options = job.options or {}
    if options.get("format") == AGREEMENT:
        return f"{project.slug}-agreement.json"
    return exports.file_name(project, options.get("format", "xlsx"), options.get("table"))


def relative_path(job: ExportJob, project: Project) -> str:
    """Where the job's file goes inside a shared export directory: <project>/<job>-<name>."""
    return f"{project.slug}/{job.id}-{download_name(job, project)}"


def record_progress(session: Session, job_id: int, done: int, total: int) -> None:
    """The runner's heartbeat: the job is running, with rows written so far out of total."""
    # Locked, and so read after the job's own transaction ends: read before it, the row's
    # options were written back without the result that transaction had just recorded.
    job = session.get(ExportJob, job_id, with_for_update=True)
    if job is None or job.status not in ACTIVE:
        return  # ended meanwhile (marked failed, or finished): a late beat changes nothing
    job.status = "running"
    job.progress = min(done, max(total, done))
    job.total = max(total, done)
    job.options = {**(job.options or {}), "heartbeat": utcnow().isoformat()}


def finish(
    session: Session,
    job_id: int,
    status: str,
    *,
    path: str | None = None,
    error: str | None = None,
    done: int = 0,
) -> None:
    """Record the end of a job: done with its file, or failed with the reason."""
    job = session.get(ExportJob, job_id)
    if job is None:
        return
    job.status = status
    job.path = path
    job.error = error[:2000] if error else None
    job.finished_at = utcnow()
    if status == "done":
        job.total = max(job.total, done)
        job.progress = job.total


def finish_with_file(
    session: Session, store: FileStore, job_id: int, written: Path, relative: str, done: int
) -> None:
    """Keep the written file where every server can read it and mark the job done, at once."""
    job = session.get(ExportJob, job_id)
    if job is None:
        return
    files.keep(session, store, job, written, relative)
    path = job.path
    finish(session, job_id, "done", path=path, done=done)


def prune(session: Session, store: FileStore, job_id: int) -> None:
    """Delete the files of all but the newest KEEP_JOBS finished jobs of the job's project."""
    job = session.get(ExportJob, job_id)
    if job is None:
        return
    old = session.scalars(
        select(ExportJob)
        .where(ExportJob.project_id == job.project_id, ExportJob.path.is_not(None))
        .order_by(ExportJob.id.desc())
        .offset(KEEP_JOBS)
    ).all()
    for stale in old:
        files.discard(session, store, stale)
