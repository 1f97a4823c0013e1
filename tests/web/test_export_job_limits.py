"""Export jobs start by POST only, within per-person and per-project caps, and are not repeated."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from workbench.accounts import users as accounts
from workbench.jobs.queue import JobQueue
from workbench.models import ExportJob


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


@pytest.fixture()
def started(app: Flask, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every export forced into a job; the queue records the job, runs none, so jobs stay queued."""
    calls: list[int] = []
    monkeypatch.setattr(JobQueue, "export", lambda self, job_id: calls.append(job_id))
    app.config.update(EXPORT_INLINE_ROWS=0, EXPORT_JOBS_PER_USER=2, EXPORT_JOBS_PER_PROJECT=3)
    return calls


def _lead(client_factory: Any, name: str = "lead") -> Any:
    client = client_factory()
    client.login(name)
    return client


def _jobs(session: Session) -> int:
    reread(session)
    return int(session.scalar(select(func.count(ExportJob.id))) or 0)


def _post(client: Any, slug: str, fmt: str) -> Any:
    return client.post(f"/p/{slug}/export/download", {"format": fmt, "bootstrap": "0"}, htmx=False)


def test_a_get_never_starts_a_job(study, client_factory, session, started) -> None:
    lead = _lead(client_factory)
    r = lead.get(f"/p/{study.project.slug}/export/download?format=xlsx&bootstrap=0")
    assert r.status_code == 409
    assert "runs in the background" in r.get_data(as_text=True)
    assert _jobs(session) == 0 and started == []


def test_an_unknown_csv_table_is_refused_before_a_job_starts(
    study, client_factory, session, started
) -> None:
    lead = _lead(client_factory)
    slug = study.project.slug
    form = {"format": "csv", "table": "annotationz", "bootstrap": "0"}
    r = lead.post(f"/p/{slug}/export/download", form, htmx=False)
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "Unknown table &#39;annotationz&#39;" in text and "annotations" in text
    assert _jobs(session) == 0 and started == []
    # A table the project has still starts its job.
    r = lead.post(f"/p/{slug}/export/download", {**form, "table": "annotations"}, htmx=False)
    assert r.status_code in (200, 302, 303) and _jobs(session) == 1 and len(started) == 1


def test_the_same_export_twice_returns_the_running_job(
    study, client_factory, session, started
) -> None:
    lead = _lead(client_factory)
    first = _post(lead, study.project.slug, "xlsx")
    second = _post(lead, study.project.slug, "xlsx")
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _jobs(session) == 1 and len(started) == 1
    # A different export is a different job.
    assert _post(lead, study.project.slug, "json").headers["Location"] != first.headers["Location"]
    assert _jobs(session) == 2


def test_a_person_may_run_only_so_many_jobs(study, client_factory, session, started) -> None:
    lead = _lead(client_factory)
    assert _post(lead, study.project.slug, "xlsx").status_code == 303
    assert _post(lead, study.project.slug, "json").status_code == 303
    refused = _post(lead, study.project.slug, "csv")
    assert refused.status_code == 429
    assert "at most 2 may run at once per person" in refused.get_data(as_text=True)
    assert _jobs(session) == 2 and len(started) == 2


def test_a_project_may_run_only_so_many_jobs(
    study, client_factory, session, make_user, started
) -> None:
    make_user("second", admin=True)  # an admin acts as a lead in every project
    accounts.add_member(session, study.project, accounts.user_by_name(session, "second"), "lead")
    session.commit()
    lead, other = _lead(client_factory), _lead(client_factory, "second")
    assert _post(lead, study.project.slug, "xlsx").status_code == 303
    assert _post(lead, study.project.slug, "json").status_code == 303
    assert _post(other, study.project.slug, "xlsx").status_code == 303
    refused = _post(other, study.project.slug, "csv")
    assert refused.status_code == 429
    assert "This project has 3 exports running" in refused.get_data(as_text=True)
    assert _jobs(session) == 3


def test_a_finished_job_does_not_count(study, client_factory, session, started) -> None:
    lead = _lead(client_factory)
    _post(lead, study.project.slug, "xlsx")
    _post(lead, study.project.slug, "json")
    reread(session)
    for job in session.scalars(select(ExportJob)):
        job.status = "done"
    session.commit()
    assert _post(lead, study.project.slug, "xlsx").status_code == 303
    assert _jobs(session) == 3


@pytest.mark.parametrize("url", ["redis://127.0.0.1:1/0", "bogus://queue"])
def test_a_job_the_queue_cannot_take_fails_at_once_and_says_why(
    study, client_factory, session, app, url
) -> None:
    # An unreachable Redis or a mistyped queue URL: the job's row was already committed for the
    # worker. It must not stay "queued", keep a place in the caps, or come back as "the same
    # job, running" on the next try; the coder gets a clear 503, never a 500.
    app.config.update(EXPORT_INLINE_ROWS=0, QUEUE_URL=url)
    lead = _lead(client_factory)
    for _ in range(2):
        r = _post(lead, study.project.slug, "xlsx")
        assert r.status_code == 503
        assert "job queue could not be reached" in r.get_data(as_text=True)
    reread(session)
    jobs = session.scalars(select(ExportJob).order_by(ExportJob.id)).all()
    assert [j.status for j in jobs] == ["failed", "failed"]
    assert all("WORKBENCH_QUEUE_URL" in (j.error or "") for j in jobs)
