"""Background exports, the running: a process (or, in tests, a thread) that writes a job's file.

``launch`` starts ``python -m workbench.jobs.runner JOB_ID`` once the request that queued the
job has committed. The runner reads the whole export from one snapshot and reports progress
through ``export_jobs`` in short write transactions of its own. The file is written under a
temporary name first, so a download never sees half a file.

The separate process keeps a large export out of the web worker: its memory and CPU are not
the worker's, and the request that started it does not wait past the server's timeout.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from workbench.core.errors import DomainError
from workbench.interchange import exports
from workbench.jobs import export_jobs
from workbench.models import ExportJob
from workbench.models import Project
from workbench.unit_of_work import Database

MODULE = "workbench.jobs.runner"  # what ``python -m`` runs: this module
PROGRESS_EVERY = 1.0  # seconds between progress writes


def launch(job_id: int, *, database_url: str, export_dir: str, runner: str = "subprocess") -> None:
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
            [sys.executable, "-m", MODULE, str(job_id), "--dir", export_dir],
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
            export_jobs.record_progress(session, self.job_id, self.done, self.total)


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
            target = export_jobs.target_path(job, project, export_dir)
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            partial.unlink(missing_ok=True)
            reporter.flush(force=True)
            exports.write_export(
                session,
                project,
                export_jobs.scope_of(options.get("scope") or {}),
                options.get("format", "xlsx"),
                partial,
                table=options.get("table"),
                progress=reporter.tick,
                on_total=reporter.set_total,
            )
        partial.replace(target)
        with database.writing() as session:
            export_jobs.finish(session, job_id, "done", path=str(target), done=reporter.done)
        with database.writing() as session:
            export_jobs.prune(session, job_id, Path(export_dir))
    except (DomainError, ValueError) as exc:
        _failed(database, job_id, str(exc))
    except Exception as exc:  # the job must never stay "running" after its runner died
        _failed(database, job_id, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if partial is not None:
            partial.unlink(missing_ok=True)
        database.dispose()


def _failed(database: Database, job_id: int, error: str) -> None:
    with database.writing() as session:
        export_jobs.finish(session, job_id, "failed", error=error)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the runner process: python -m workbench.jobs.runner JOB_ID --dir DIR."""
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
