"""The web side of background jobs: the application's queue, its file store, starting a job.

A job is started by a POST: its row is recorded (within the caps, or the same job already
running is returned) in a write of its own, and only once that is committed is its id put on
the queue, since the worker reads the row. The browser is sent to the job's page, which polls.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING
from typing import cast

from flask import current_app
from flask import redirect
from flask import render_template
from flask import url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from workbench.core.errors import Unavailable
from workbench.core.i18n import _
from workbench.jobs import export_jobs
from workbench.jobs import files as job_files
from workbench.models import ExportJob
from workbench.models import Project
from workbench.web.htmx import is_htmx
from workbench.web.unit import writing

if TYPE_CHECKING:
    from workbench.jobs import queue as job_queue

_QUEUE = "workbench.queue"
log = logging.getLogger(__name__)
Starter = Callable[[Session, int, int], tuple[ExportJob, bool]]


def queue() -> job_queue.JobQueue:
    """The application's job queue, opened on first use."""
    found = current_app.extensions.get(_QUEUE)
    if found is None:
        # Imported on first use: the queue engine and its Redis client are ~15 MB that a
        # process which never starts a job (most commands) need not load.
        from workbench.jobs import queue as job_queue

        found = job_queue.JobQueue(job_queue.settings_from(current_app.config))
        current_app.extensions[_QUEUE] = found
    return cast("job_queue.JobQueue", found)


def file_store() -> job_files.FileStore:
    """Where this application keeps finished job files."""
    config = current_app.config
    return job_files.FileStore(str(config["JOB_FILES"]), str(config["EXPORT_DIR"]))


def caps() -> dict[str, int]:
    """How many jobs may be queued or running at once, per person and per project."""
    config = current_app.config
    return {
        "per_user": int(config["EXPORT_JOBS_PER_USER"]),
        "per_project": int(config["EXPORT_JOBS_PER_PROJECT"]),
    }


def start(project: Project, starter: Starter) -> WerkzeugResponse:
    """Record (or find) the job with ``starter(session, caps...)``, queue it, go to its page."""
    limits = caps()
    with writing() as session:
        job, created = starter(session, limits["per_user"], limits["per_project"])
        job_id = job.id
    if created:  # only once the job row is committed: the worker reads it
        enqueue(job_id)
    return redirect(url_for("exports.job", slug=project.slug, job_id=job_id), code=303)


def enqueue(job_id: int) -> None:
    """Put a committed job on the queue; a job the queue cannot take fails at once, said so."""
    try:
        queue().export(job_id)
    except Exception as exc:  # the engine's own errors: Redis unreachable, a bad queue URL
        log.exception("Job %s could not be put on the queue", job_id)
        # The engine's message names hosts and ports: it goes to the log, not to the page.
        reason = _(
            "The job queue could not be reached, so this job never started. Ask the "
            "administrator to check WORKBENCH_QUEUE_URL and the queue's server (the server's "
            "log says what failed)."
        )
        # The job's row was committed for the worker: fail it, or it would keep a place in the
        # caps and be returned as "the same job, running" until it was found stale an hour on.
        with writing() as session:
            export_jobs.fail_unqueued(session, job_id, reason)
        raise Unavailable(reason) from exc


def queued(project: Project, job: ExportJob, created: bool) -> str | WerkzeugResponse:
    """Once a job's row is committed: queue it if new, then show it (htmx: its fragment)."""
    if created:  # the worker reads the row
        enqueue(job.id)
    if not is_htmx():
        return redirect(url_for("exports.job", slug=project.slug, job_id=job.id), code=303)
    return render_template("exports/_job.html", project=project, job=job, stale=False)
