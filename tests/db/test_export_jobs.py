"""Background export jobs: progress, file, failure, a stopped runner, the real subprocess."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from workbench.formats.scope import ExportScope
from workbench.formats.scope import Layer
from workbench.jobs import export_jobs
from workbench.jobs import runner
from workbench.models import ExportJob
from workbench.models._common import utcnow


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _job(session: Session, study: Any, scope: ExportScope, fmt: str = "xlsx") -> int:
    job = export_jobs.create_job(session, study.project, study.lead, fmt, scope)
    session.commit()
    return job.id


def test_a_job_writes_its_file_and_reports_progress(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    job_id = _job(session, study, ExportScope(layer=Layer("coder", "coder1"), bootstrap=0))
    runner.run_job(job_id, db_url, str(tmp_path))
    reread(session)
    job = export_jobs.get_job(session, study.project, job_id)
    assert job.status == "done" and job.finished_at is not None and job.error is None
    assert job.progress == job.total > 0
    path = export_jobs.job_file(job)
    assert path.parent == tmp_path / study.project.slug and path.name.endswith(
        "-ct-study-export.xlsx"
    )
    assert not list(tmp_path.rglob("*.part"))
    wb = load_workbook(path)
    assert wb["About"]["B7"].value == "coder:coder1"
    assert export_jobs.scope_of(job.options["scope"]).layer == Layer("coder", "coder1")
    assert export_jobs.download_name(job, study.project) == "ct-study-export.xlsx"


def test_a_failing_job_is_marked_failed_with_its_reason(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    job_id = _job(session, study, ExportScope(layer=Layer("coder", "nobody")))
    runner.run_job(job_id, db_url, str(tmp_path))
    reread(session)
    job = export_jobs.get_job(session, study.project, job_id)
    assert job.status == "failed" and "nobody" in (job.error or "")
    with pytest.raises(Exception, match="no file"):
        export_jobs.job_file(job)


def test_a_job_whose_runner_stopped_is_stale(session: Session, study: Any) -> None:
    job = session.get(ExportJob, _job(session, study, ExportScope()))
    assert job is not None and not export_jobs.is_stale(job)
    job.status = "running"
    job.options = {**job.options, "heartbeat": (utcnow() - dt.timedelta(minutes=5)).isoformat()}
    assert export_jobs.is_stale(job)
    assert export_jobs.mark_stale(session, job) and job.status == "failed"


def test_the_subprocess_runner_finishes_the_job(
    session: Session, study: Any, db_url: str, tmp_path: Path
) -> None:
    job_id = _job(session, study, ExportScope(bootstrap=0), fmt="csv")
    runner.launch(job_id, database_url=db_url, export_dir=str(tmp_path))
    deadline = time.monotonic() + 90
    status = "queued"
    while time.monotonic() < deadline and status in ("queued", "running"):
        time.sleep(0.5)
        reread(session)
        status = export_jobs.get_job(session, study.project, job_id).status
    job = export_jobs.get_job(session, study.project, job_id)
    assert status == "done", (
        job.error,
        (tmp_path / "jobs.log").read_text() if (tmp_path / "jobs.log").exists() else "",
    )
    assert export_jobs.job_file(job).suffix == ".zip"
