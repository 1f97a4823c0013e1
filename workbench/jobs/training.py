"""Suggestion training as a background job on the job queue.

The lead's Train button records a job row (format ``training``) within the same caps as exports
and imports, and once that is committed puts its id on the queue (``jobs.queue``); a worker on
any machine runs ``run_training_job``: the same steps as `workbench suggest train`
(``quality.suggestions``: read the training data, fit outside any transaction, store in a short
write), with the job row's heartbeat kept by the runner. The model is stored and the job marked
done in one transaction, with a short summary of the evaluation on the row for the lead's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import NotFound
from workbench.jobs import export_jobs
from workbench.models import ExportJob
from workbench.models import Project
from workbench.models import User
from workbench.quality import suggestions
from workbench.unit_of_work import Database

TRAINING = "training"  # the job "format" of a suggestion training


def start_training(
    session: Session, project: Project, user: User, *, per_user: int, per_project: int
) -> tuple[ExportJob, bool]:
    """Queue the training of the project's suggestion models (or return the one queued)."""
    asked = {"format": TRAINING, "table": None}
    return export_jobs.start_job(session, project, user, asked, per_user, per_project)


def latest_job(session: Session, project: Project) -> ExportJob | None:
    """The project's newest training job, if any."""
    job: ExportJob | None = session.scalar(
        select(ExportJob)
        .where(
            ExportJob.project_id == project.id,
            ExportJob.options["format"].as_string() == TRAINING,
        )
        .order_by(ExportJob.id.desc())
        .limit(1)
    )
    return job


def get_training_job(session: Session, project: Project, job_id: int) -> ExportJob:
    """The project's training job with this id (NotFound for any other job)."""
    job = export_jobs.get_job(session, project, job_id)
    if (job.options or {}).get("format") != TRAINING:
        raise NotFound(f"No training job {job_id} in this project.")
    return job


@dataclass(frozen=True)
class TrainingState:
    """A training job as the lead's page shows it, and whether its worker stopped answering."""

    job: ExportJob | None
    stale: bool

    @property
    def running(self) -> bool:
        """Whether the job is queued or running (and its worker still answers)."""
        return self.job is not None and self.job.status in export_jobs.ACTIVE and not self.stale


def training_state(session: Session, project: Project, job_id: int | None = None) -> TrainingState:
    """The given training job of the project, or its newest one, for the lead's page."""
    job = get_training_job(session, project, job_id) if job_id else latest_job(session, project)
    return TrainingState(job, job is not None and export_jobs.is_stale(job))


def _summary(evaluations: dict[str, Any]) -> dict[str, Any]:
    ready = sorted(code for code, e in evaluations.items() if e.get("ready"))
    return {"codes": len(evaluations), "ready": ready}


def run_training_job(database: Database, job_id: int) -> None:
    """Train and store the models of the job's project, then mark the job done."""
    options = suggestions.TrainingOptions()
    with database.reading() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status not in export_jobs.ACTIVE:
            return  # deleted, or already ended (marked failed while it waited in the queue)
        project = session.get(Project, job.project_id)
        assert project is not None
        data = suggestions.training_data(session, project)
    # Fitted with no transaction open: coders keep coding while the classifiers train.
    models = suggestions.fit(data, options)
    with database.writing() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status not in export_jobs.ACTIVE:
            return
        project = session.get(Project, job.project_id)
        assert project is not None
        actor = session.get(User, job.requested_by_id) if job.requested_by_id else None
        row = suggestions.store_model(session, project, actor, data, models, options)
        job.options = {**(job.options or {}), "result": _summary(row.evaluations)}
        export_jobs.finish(session, job_id, "done", done=row.passages)
