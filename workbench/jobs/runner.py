"""Background jobs, the running: what a queue worker does with one job.

A job row's "format" says what it is: an export (xlsx, csv, json, qdpx), an agreement report
(``export_jobs.AGREEMENT``, written as its JSON), a document import (``import_jobs``, which
writes no file but the documents themselves) or a suggestion training (``training``, which
stores the project's models). The rest of this note is about exports.

A worker of the job queue (``jobs.queue``) calls ``run_job`` with the job's id. The export is
read from one snapshot and written to a temporary file on the worker's own disk; progress goes
to the job row through ``export_jobs`` in short write transactions of its own, and a heartbeat
thread touches the row every HEARTBEAT seconds however long a step takes, so a job whose worker
died is told apart from a slow one (``export_jobs.is_stale``). At the end the file is kept where
every app server can read it (``jobs.files``) in the same transaction that marks the job done.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench import i18n
from workbench.core import i18n as messages
from workbench.core.errors import DomainError
from workbench.core.i18n import _
from workbench.interchange import exports
from workbench.jobs import export_jobs
from workbench.jobs import files
from workbench.jobs import import_jobs
from workbench.jobs import training
from workbench.jobs.files import FileStore
from workbench.models import ExportJob
from workbench.models import Project
from workbench.reliability import report_pages
from workbench.unit_of_work import Database

log = logging.getLogger(__name__)
PROGRESS_EVERY = 1.0  # seconds between progress writes
HEARTBEAT = 15.0  # seconds between heartbeats while a step reports no progress


class _Reporter:
    """Writes progress to the job row at most every PROGRESS_EVERY seconds, and a heartbeat."""

    def __init__(self, database: Database, job_id: int) -> None:
        self.database, self.job_id = database, job_id
        self.done, self.total, self.last = 0, 0, 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._beating, daemon=True, name=f"job-{job_id}")

    def __enter__(self) -> _Reporter:
        self.flush(force=True)
        self._beat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._beat.join()

    def _beating(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            try:
                self.flush(force=True)
            except Exception:  # a missed beat is not worth ending the export for
                log.exception("Heartbeat of export job %s failed", self.job_id)

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
        with self._lock, self.database.writing() as session:
            export_jobs.record_progress(session, self.job_id, self.done, self.total)


def run_job(job_id: int, database_url: str, store: FileStore) -> None:
    """Do the export of one job (in whatever worker, process or thread calls it)."""
    database = Database(database_url)
    try:
        with tempfile.TemporaryDirectory(prefix="workbench-job-") as scratch:
            _run(database, job_id, store, Path(scratch))
    except DomainError as exc:
        # The details name the file, row or field (an import lists every problem it found).
        _failed(database, job_id, " ".join([str(exc), *exc.details]))
    except ValueError as exc:
        _failed(database, job_id, str(exc))
    except Exception as exc:  # the job must never stay "running" after its runner failed
        log.exception("Export job %s failed", job_id)
        # The page shows the kind of error only: its text may quote SQL, paths or hosts.
        reason = _(
            "The job stopped on an unexpected error (%(kind)s). The server's log has the "
            "details; start the job again, or tell the administrator if it fails again.",
            kind=type(exc).__name__,
        )
        _failed(database, job_id, reason)
    finally:
        database.dispose()


def _run(database: Database, job_id: int, store: FileStore, scratch: Path) -> None:
    with database.reading() as session:
        job = session.get(ExportJob, job_id)
        kind = (job.options or {}).get("format") if job is not None else None
        language = (job.options or {}).get("language") if job is not None else None
    if kind == import_jobs.IMPORT:
        with _Reporter(database, job_id), _language(language):
            import_jobs.run_import(database, job_id)
        return
    if kind == import_jobs.PROJECT:
        # The report is written in the language of whoever asked for it.
        with _Reporter(database, job_id), _language(language):
            import_jobs.run_project_import(database, job_id)
        return
    if kind == training.TRAINING:
        with _Reporter(database, job_id):
            training.run_training_job(database, job_id)
        return
    with database.reading() as session:
        job = session.get(ExportJob, job_id)
        if job is None or job.status not in export_jobs.ACTIVE:
            return  # deleted, or already ended (marked failed while it waited in the queue)
        project_id = job.project_id
        project = session.get(Project, project_id)
        assert project is not None
        options = dict(job.options or {})
        relative = export_jobs.relative_path(job, project)
    written = scratch / "export"
    with _Reporter(database, job_id) as reporter:
        if options.get("format") == export_jobs.AGREEMENT:
            _agreement_report(database, project_id, options.get("query") or {}, written)
            reporter.set_total(1)
            reporter.tick(1)
        else:
            _export(database, project_id, options, written, reporter)
    with database.writing() as session:
        export_jobs.finish_with_file(session, store, job_id, written, relative, reporter.done)
    with database.writing() as session:
        export_jobs.prune(session, store, job_id)


def _export(
    database: Database, project_id: int, options: dict[str, Any], out: Path, reporter: _Reporter
) -> None:
    """Write the export the job asks for, read from one snapshot."""
    # The job runs without a request: the language is the one its requester used.
    with _language(options.get("language")), database.reading() as session:
        exports.snapshot(session)
        project = session.get(Project, project_id)
        assert project is not None
        exports.write_export(
            session,
            project,
            export_jobs.scope_of(options.get("scope") or {}),
            options.get("format", "xlsx"),
            out,
            table=options.get("table"),
            progress=reporter.tick,
            on_total=reporter.set_total,
        )


def _agreement_report(
    database: Database, project_id: int, query: dict[str, Any], out: Path
) -> None:
    """The agreement report with its bootstrap, as the JSON the report page offers."""
    asked = report_pages.ReportQuery(
        round_id=query.get("round_id"),
        doc_ids=list(query.get("doc_ids") or []) or None,
        code_ids=list(query.get("code_ids") or []) or None,
        bootstrap=query.get("bootstrap"),
        seed=query.get("seed"),
    )
    with database.reading() as session:
        project = session.get(Project, project_id)
        assert project is not None
        payload = report_pages.report_json(session, project, asked)
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")


def _failed(database: Database, job_id: int, error: str) -> None:
    with database.writing() as session:
        export_jobs.finish(session, job_id, "failed", error=error)
        job = session.get(ExportJob, job_id)
        if job is not None:
            files.drop_inputs(session, job)  # an import's kept upload is of no further use
            import_jobs.forget_checked_upload(session, job)


@contextmanager
def _language(language: str | None) -> Iterator[None]:
    """Translate in this language inside the block, then give the thread its catalog back."""
    chosen = language if language in i18n.LANGUAGES else i18n.DEFAULT
    token = messages.activate(i18n.catalog(chosen))
    try:
        yield
    finally:
        messages.restore(token)
