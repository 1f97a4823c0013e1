"""Background export jobs: progress, the kept file, failure, a stopped worker, a real consumer."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.jobs import export_jobs
from workbench.jobs import files
from workbench.jobs import runner
from workbench.jobs.files import FileStore
from workbench.jobs.queue import JobQueue
from workbench.jobs.queue import QueueSettings
from workbench.models import Document
from workbench.models import ExportFileChunk
from workbench.models import ExportJob
from workbench.models import Project
from workbench.models import User
from workbench.models._common import utcnow
from workbench.unit_of_work import Database
from workbench.web.unit import database


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _job(session: Session, study: Any, scope: ExportScope, fmt: str = "xlsx") -> int:
    job = export_jobs.create_job(session, study.project, study.lead, fmt, scope)
    session.commit()
    return job.id


def _bytes(db_url: str, store: FileStore, session: Session, job: ExportJob) -> bytes:
    found = export_jobs.job_file(session, store, job)
    database = Database(db_url)
    try:
        data = b"".join(files.stream(database, found))
    finally:
        database.dispose()
    assert len(data) == found.size
    return data


def test_a_job_keeps_its_file_in_the_database_in_pieces(
    session: Session, study: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "CHUNK", 1000)  # several pieces even for a small workbook
    store = FileStore("database", str(tmp_path))
    job_id = _job(session, study, ExportScope(layer=Layer("coder", "coder1"), bootstrap=0))
    runner.run_job(job_id, db_url, store)
    reread(session)
    job = export_jobs.get_job(session, study.project, job_id)
    assert job.status == "done" and job.finished_at is not None and job.error is None
    assert job.progress == job.total > 0
    assert job.path == files.IN_DATABASE and not list(tmp_path.rglob("*"))
    pieces = session.scalar(
        select(func.count()).select_from(ExportFileChunk).where(ExportFileChunk.job_id == job_id)
    )
    data = _bytes(db_url, store, session, job)
    assert pieces == -(-len(data) // 1000) > 1
    out = tmp_path / "back.xlsx"
    out.write_bytes(data)
    assert load_workbook(out)["About"]["B7"].value == "coder:coder1"
    assert export_jobs.scope_of(job.options["scope"]).layer == Layer("coder", "coder1")
    assert export_jobs.download_name(job, study.project) == "ct-study-export.xlsx"


def test_a_job_keeps_its_file_in_a_shared_directory(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    store = FileStore("directory", str(tmp_path / "shared"))
    job_id = _job(session, study, ExportScope(bootstrap=0), fmt="csv")
    runner.run_job(job_id, db_url, store)
    reread(session)
    job = export_jobs.get_job(session, study.project, job_id)
    assert job.status == "done", job.error
    # Relative to the shared directory: each server may mount it where it likes.
    assert job.path == f"{study.project.slug}/{job_id}-ct-study-export-csv.zip"
    found = export_jobs.job_file(session, store, job)
    assert found.path == tmp_path / "shared" / job.path
    assert not list(tmp_path.rglob("*.part"))
    elsewhere = FileStore("directory", str(tmp_path / "moved"))
    (tmp_path / "shared").rename(tmp_path / "moved")
    assert _bytes(db_url, elsewhere, session, job)[:2] == b"PK"


def test_a_failing_job_is_marked_failed_with_its_reason(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    store = FileStore("database", str(tmp_path))
    job_id = _job(session, study, ExportScope(layer=Layer("coder", "nobody")))
    runner.run_job(job_id, db_url, store)
    reread(session)
    job = export_jobs.get_job(session, study.project, job_id)
    assert job.status == "failed" and "nobody" in (job.error or "")
    with pytest.raises(Exception, match="no file"):
        export_jobs.job_file(session, store, job)


def test_a_job_whose_worker_stopped_is_stale(session: Session, study: Any) -> None:
    job = session.get(ExportJob, _job(session, study, ExportScope()))
    assert job is not None and not export_jobs.is_stale(job)
    job.status = "running"
    job.options = {**job.options, "heartbeat": (utcnow() - dt.timedelta(minutes=5)).isoformat()}
    assert export_jobs.is_stale(job)
    assert export_jobs.mark_stale(session, job) and job.status == "failed"
    assert "worker ended" in (job.error or "")


def test_a_queued_job_waits_for_a_worker_but_not_for_ever(session: Session, study: Any) -> None:
    job = session.get(ExportJob, _job(session, study, ExportScope()))
    assert job is not None
    later = utcnow() + dt.timedelta(minutes=10)
    assert not export_jobs.is_stale(job, later)  # workers busy: it waits its turn
    assert export_jobs.is_stale(job, utcnow() + export_jobs.QUEUED_TOO_LONG * 2)


def test_a_late_heartbeat_does_not_revive_an_ended_job(session: Session, study: Any) -> None:
    job_id = _job(session, study, ExportScope())
    export_jobs.finish(session, job_id, "failed", error="stopped")
    export_jobs.record_progress(session, job_id, 5, 10)
    job = session.get(ExportJob, job_id)
    assert job is not None and job.status == "failed" and job.progress == 0


def test_a_job_ended_while_queued_is_not_run(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    job_id = _job(session, study, ExportScope(bootstrap=0))
    export_jobs.finish(session, job_id, "failed", error="gave up")
    session.commit()
    runner.run_job(job_id, db_url, FileStore("database", str(tmp_path)))
    reread(session)
    assert export_jobs.get_job(session, study.project, job_id).error == "gave up"


def test_pruning_deletes_old_files_in_the_database(
    session: Session, study: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_jobs, "KEEP_JOBS", 1)
    store = FileStore("database", str(tmp_path))
    first = _job(session, study, ExportScope(bootstrap=0), fmt="json")
    runner.run_job(first, db_url, store)
    second = _job(session, study, ExportScope(bootstrap=0), fmt="json")
    runner.run_job(second, db_url, store)
    reread(session)
    kept = session.scalars(select(ExportFileChunk.job_id).distinct()).all()
    assert kept == [second]
    assert export_jobs.get_job(session, study.project, first).path is None


def test_a_download_pruned_midway_fails_rather_than_ending_short(
    session: Session, study: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "CHUNK", 1000)
    monkeypatch.setattr(export_jobs, "KEEP_JOBS", 1)
    store = FileStore("database", str(tmp_path))
    first = _job(session, study, ExportScope(bootstrap=0), fmt="json")
    runner.run_job(first, db_url, store)
    reread(session)
    found = export_jobs.job_file(session, store, export_jobs.get_job(session, study.project, first))
    assert found.size > 2000
    database = Database(db_url)
    try:
        pieces = files.stream(database, found)
        assert len(next(pieces)) == 1000
        # A newer job finishes while the first file is being sent: the first is pruned.
        second = _job(session, study, ExportScope(bootstrap=0), fmt="json")
        runner.run_job(second, db_url, store)
        with pytest.raises(files.FileGone, match=f"job {first}: piece 1 is gone after 1000 "):
            next(pieces)
    finally:
        database.dispose()


def test_a_real_consumer_runs_the_queued_job(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    """Through Huey's SQLite queue and its consumer threads, as `workbench serve` runs them."""
    settings = QueueSettings(
        url="",
        name="test",
        sqlite_file=str(tmp_path / "queue.sqlite3"),
        database_url=db_url,
        files=FileStore("database", str(tmp_path)),
    )
    producer = JobQueue(settings)  # the web server's side
    job_id = _job(session, study, ExportScope(bootstrap=0), fmt="csv")
    producer.export(job_id)
    assert producer.pending() == 1
    consumer = JobQueue(settings).consumer(workers=1)  # the worker's side, its own Huey
    consumer.start()
    try:
        deadline = time.monotonic() + 90
        status = "queued"
        while time.monotonic() < deadline and status in ("queued", "running"):
            time.sleep(0.2)
            reread(session)
            status = export_jobs.get_job(session, study.project, job_id).status
    finally:
        consumer.stop(graceful=True)
    job = export_jobs.get_job(session, study.project, job_id)
    assert status == "done", job.error
    assert producer.pending() == 0
    assert _bytes(db_url, settings.files, session, job)[:2] == b"PK"


def test_the_queue_is_named_without_its_password(tmp_path: Path) -> None:
    def where(url: str) -> str:
        store = FileStore("database", str(tmp_path))
        return QueueSettings(url, "wb", "q.sqlite3", "sqlite://", store).where

    assert where("redis://:s3cret@cache.example:6380/2") == "redis://:***@cache.example:6380/2"
    assert where("redis://127.0.0.1:6379/3") == "redis://127.0.0.1:6379/3"
    assert where("") == "q.sqlite3"
    with pytest.raises(ValueError, match="QUEUE_URL"):
        _ = QueueSettings("amqp://x", "wb", "q", "sqlite://", store_of(tmp_path)).kind


def store_of(tmp_path: Path) -> FileStore:
    return FileStore("database", str(tmp_path))


def test_a_stale_import_job_leaves_no_upload_behind(session: Session, study: Any) -> None:
    # Imports keep their upload in the database for a worker; a job no worker took up is marked
    # failed when found stale, and its upload goes with it (as when a job fails while running).
    job = session.get(ExportJob, _job(session, study, ExportScope()))
    assert job is not None
    files.keep_inputs(session, job, [("speech.txt", b"x" * (files.CHUNK * 2 + 5))])
    session.commit()
    chunks = (
        select(func.count()).select_from(ExportFileChunk).where(ExportFileChunk.job_id == job.id)
    )
    assert session.scalar(chunks) == 3
    job.created_at = utcnow() - export_jobs.QUEUED_TOO_LONG * 2
    assert export_jobs.mark_stale(session, job) and job.status == "failed"
    session.commit()
    assert session.scalar(chunks) == 0


def test_a_job_start_and_the_projects_inserts_do_not_wait_for_each_other(
    app: Any, session: Session, study: Any
) -> None:
    # PostgreSQL: a start locks the project row against other starts only. Every insert of a
    # row referring to the project (a coding, an imported document) takes a key-share lock on
    # it, which a start's FOR UPDATE made wait, and which made a start wait behind an import.
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's writers take turns")
    project = study.project
    session.commit()
    engine = database(app).engine

    def quick(s: Session) -> Session:
        s.execute(text("SET LOCAL lock_timeout = '2s'"))
        return s

    importing, starting, coding = (Session(engine) for _ in range(3))
    try:
        quick(importing).add(_document(project.id, "An import under way"))
        importing.flush()  # uncommitted, as in a long import
        lead = quick(starting).get(User, study.lead.id)
        here = starting.get(Project, project.id)
        assert here is not None and lead is not None
        asked = {"format": "xlsx", "table": None}
        _job, created = export_jobs.start_job(starting, here, lead, asked, 2, 3)
        assert created
        quick(coding).add(_document(project.id, "Another"))  # while the start is still open
        coding.flush()
    finally:
        for s in (coding, starting, importing):
            s.rollback()
            s.close()


def _document(project_id: int, title: str) -> Document:
    return Document(
        project_id=project_id,
        title=title,
        filename=f"{title}.txt",
        content_hash=title,
        raw_text="Text.",
        text="Text.",
    )


def test_an_unexpected_error_names_its_kind_but_not_its_text(
    session: Session, study: Any, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The text of an unexpected error may quote SQL, paths or hosts: it goes to the server's
    # log, and the job's page says what kind of error stopped it.
    job_id = _job(session, study, ExportScope())

    def broken(*_args: Any) -> None:
        raise RuntimeError('(psycopg) SELECT password_hash FROM "user" -- /srv/secret')

    monkeypatch.setattr(runner, "_run", broken)
    runner.run_job(job_id, db_url, FileStore("database", str(tmp_path)))
    reread(session)
    job = export_jobs.get_job(session, study.project, job_id)
    assert job.status == "failed"
    assert "RuntimeError" in (job.error or "") and "log" in (job.error or "")
    assert "password_hash" not in (job.error or "") and "/srv" not in (job.error or "")


def test_a_stale_job_is_told_in_the_language_of_the_request_that_found_it(
    session: Session, study: Any
) -> None:
    from workbench import i18n
    from workbench.core import i18n as messages

    job = session.get(ExportJob, _job(session, study, ExportScope()))
    assert job is not None
    job.created_at = utcnow() - export_jobs.QUEUED_TOO_LONG * 2
    token = messages.activate(i18n.catalog("zh_Hans"))
    try:
        assert export_jobs.mark_stale(session, job)
    finally:
        messages.restore(token)
    assert "workbench worker" in (job.error or "") and "后台进程" in (job.error or "")
