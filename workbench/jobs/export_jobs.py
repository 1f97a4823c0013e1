"""Background exports: a job row, a separate process that writes the file, progress and download.

A web request that would export more than ``EXPORT_INLINE_ROWS`` rows creates an ExportJob and
starts ``python -m workbench.jobs.export_jobs JOB_ID`` (or, in tests, a thread), then
returns at once; the page polls the job. The runner reads the whole export from one snapshot
and writes progress (rows written, a heartbeat) to the job row in short transactions of its
own. The file goes to ``EXPORT_DIR/<project>/<job>-<name>`` and is written under a temporary
name first, so a download never sees half a file. A job whose heartbeat stops for
STALE_AFTER (the process died) is marked failed when someone looks at it.

The separate process keeps a large export out of the web worker: its memory and CPU are not
the worker's, and the request that started it does not wait past the server's timeout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import DomainError, NotFound, ValidationError
from workbench.formats.scope import ExportScope, Layer
from workbench.interchange import exports
from workbench.models import ExportJob, Project, User
from workbench.models._common import utcnow
from workbench.unit_of_work import Database

STALE_AFTER = dt.timedelta(seconds=120)
PROGRESS_EVERY = 1.0  # seconds between progress writes
KEEP_JOBS = 20  # per project; older files are deleted


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
        raise ValidationError(f"Unknown format '{fmt}'.")
    job = ExportJob(
        project_id=project.id,
        requested_by_id=user.id,
        status="queued",
        options={"format": fmt, "table": table, "scope": scope_options(scope)},
    )
    session.add(job)
    session.flush()
    return job


class TooManyJobs(DomainError):
    """Too many exports running at once for this person or project (HTTP 429)."""

    status = 429


_REQUEST_KEYS = ("format", "table", "scope")


def start_or_reuse(
    session: Session,
    project: Project,
    user: User,
    fmt: str,
    scope: ExportScope,
    *,
    table: str | None = None,
    per_user: int,
    per_project: int,
) -> tuple[ExportJob, bool]:
    """Return the running job for this very export, or queue a new one within the caps.

    The second value tells whether the job is new (and must be started). The project row is
    locked first (PostgreSQL), so two servers cannot both slip under a cap at the same moment;
    on SQLite the writer turn already serialises this.
    """
    session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    # Through JSON, as the job row stores it (tuples come back as lists).
    wanted = json.loads(json.dumps({"format": fmt, "table": table, "scope": scope_options(scope)}))
    running = []
    for job in session.scalars(
        select(ExportJob).where(
            ExportJob.project_id == project.id, ExportJob.status.in_(("queued", "running"))
        )
    ):
        if not mark_stale(session, job):
            running.append(job)
    mine = [j for j in running if j.requested_by_id == user.id]
    for job in mine:
        if {k: (job.options or {}).get(k) for k in _REQUEST_KEYS} == wanted:
            return job, False
    if len(mine) >= per_user:
        raise TooManyJobs(
            f"You have {len(mine)} exports running; at most {per_user} may run at once per "
            "person. Wait for one to finish (see Background exports on the Export page)."
        )
    if len(running) >= per_project:
        raise TooManyJobs(
            f"This project has {len(running)} exports running; at most {per_project} may run at "
            "once. Wait for one to finish."
        )
    return create_job(session, project, user, fmt, scope, table=table), True


def get_job(session: Session, project: Project, job_id: int) -> ExportJob:
    """The project's job, marked failed if its runner has stopped answering."""
    job = session.get(ExportJob, job_id)
    if job is None or job.project_id != project.id:
        raise NotFound(f"No export job {job_id} in this project.")
    return job


def is_stale(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Tell whether a queued or running job's heartbeat stopped."""
    if job.status not in ("queued", "running"):
        return False
    beat = (job.options or {}).get("heartbeat")
    last = dt.datetime.fromisoformat(beat) if beat else job.created_at
    return (now or utcnow()) - last > STALE_AFTER


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


def job_file(job: ExportJob) -> Path:
    """The finished job's file, or NotFound."""
    if job.status != "done" or not job.path or not Path(job.path).is_file():
        raise NotFound("This export has no file (not finished, failed, or deleted).")
    return Path(job.path)


def download_name(job: ExportJob, project: Project) -> str:
    """The name the browser saves the file under."""
    options = job.options or {}
    return exports.file_name(project, options.get("format", "xlsx"), options.get("table"))


def start(job_id: int, *, database_url: str, export_dir: str, runner: str = "subprocess") -> None:
    """Run the job in a new process (default) or in a thread of this one (tests)."""
    if runner == "thread":
        thread = threading.Thread(
            target=run_job, args=(job_id, database_url, export_dir), daemon=True
        )
        thread.start()
        return
    env = dict(os.environ, WORKBENCH_DATABASE_URL=database_url)
    log = Path(export_dir) / "jobs.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as err:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "workbench.jobs.export_jobs",
                str(job_id),
                "--dir",
                export_dir,
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    # Reap the child when it ends so it does not linger as a zombie of the web worker.
    threading.Thread(target=process.wait, daemon=True).start()


class _Reporter:
    """Writes progress to the job row at most every PROGRESS_EVERY seconds."""

    def __init__(self, database: Database, job_id: int) -> None:
        self.database, self.job_id = database, job_id
        self.done, self.total, self.last = 0, 0, 0.0

    def set_total(self, total: int) -> None:
        self.total = total
        self.flush(force=True)

    def tick(self, n: int) -> None:
        self.done += n
        self.flush()

    def flush(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < PROGRESS_EVERY:
            return
        self.last = now
        with self.database.writing() as session:
            job = session.get(ExportJob, self.job_id)
            if job is not None:
                job.status = "running"
                job.progress = min(self.done, max(self.total, self.done))
                job.total = max(self.total, self.done)
                job.options = {**(job.options or {}), "heartbeat": utcnow().isoformat()}


def run_job(job_id: int, database_url: str, export_dir: str) -> None:
    """Do the export of one job (in whatever process or thread calls it)."""
    database = Database(database_url)
    reporter = _Reporter(database, job_id)
    partial: Path | None = None
    try:
        with database.reading() as session:
            exports.snapshot(session)
            job = session.get(ExportJob, job_id)
            if job is None:
                return
            project = session.get(Project, job.project_id)
            assert project is not None
            options = job.options or {}
            fmt, table = options.get("format", "xlsx"), options.get("table")
            name = exports.file_name(project, fmt, table)
            folder = Path(export_dir) / project.slug
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{job_id}-{name}"
            partial = target.with_name(target.name + ".part")
            partial.unlink(missing_ok=True)
            reporter.flush(force=True)
            exports.write_export(
                session,
                project,
                scope_of(options.get("scope") or {}),
                fmt,
                partial,
                table=table,
                progress=reporter.tick,
                on_total=reporter.set_total,
            )
        partial.replace(target)
        _finish(database, job_id, "done", path=str(target), done=reporter.done)
        _prune(database, Path(export_dir), job_id)
    except (DomainError, ValueError) as exc:
        _finish(database, job_id, "failed", error=str(exc))
    except Exception as exc:  # the job must never stay "running" after its runner died
        _finish(database, job_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
        database.dispose()


def _finish(
    database: Database,
    job_id: int,
    status: str,
    *,
    path: str | None = None,
    error: str | None = None,
    done: int = 0,
) -> None:
    with database.writing() as session:
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


def mark_stale(session: Session, job: ExportJob) -> bool:
    """Mark a job whose runner stopped as failed; return whether it was."""
    if not is_stale(job):
        return False
    job.status = "failed"
    job.error = "The export stopped without finishing (its process ended). Start it again."
    job.finished_at = utcnow()
    return True


def _prune(database: Database, export_dir: Path, job_id: int) -> None:
    """Delete the files of all but the newest KEEP_JOBS finished jobs of the project."""
    with database.writing() as session:
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
            if stale.path and Path(stale.path).is_file() and export_dir in Path(stale.path).parents:
                Path(stale.path).unlink()
            stale.path = None


def main(argv: list[str] | None = None) -> None:
    """Entry point of the runner process: python -m workbench.jobs.export_jobs JOB_ID."""
    parser = argparse.ArgumentParser(description="Run one background export job.")
    parser.add_argument("job_id", type=int)
    parser.add_argument("--dir", required=True, help="EXPORT_DIR of the application")
    args = parser.parse_args(argv)
    from workbench.config import env_settings

    url = env_settings().get("DATABASE_URL")
    if not url:
        raise SystemExit("WORKBENCH_DATABASE_URL is not set")
    run_job(args.job_id, url, args.dir)


if __name__ == "__main__":
    main()
