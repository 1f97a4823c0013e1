"""The Train button queues a training job on the job queue; the quality page shows its state."""

from __future__ import annotations

from lxml import html

from tests.conftest import reread
from tests.db.quality_fixtures import keyword_project
from workbench.jobs import training
from workbench.models import ExportJob
from workbench.quality import suggestions


def test_train_runs_as_a_queued_job_and_the_page_shows_its_state(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, _, _, _, _ = keyword_project(session, make_user, make_project, import_text)
    session.commit()
    coder = client_factory()
    coder.login("ann")
    url = f"/p/{project.slug}/quality/suggestions/train"
    assert coder.post(url).status_code == 403
    reread(session)
    assert training.latest_job(session, project) is None

    client = client_factory()
    client.login("lead")
    before = html.fromstring(client.get(f"/p/{project.slug}/quality").get_data(as_text=True))
    assert before.xpath("//*[@id='training-job']//button[@class='train']/text()") == ["Train"]
    assert not before.xpath("//*[@class='training-state']")

    started = client.post(url)  # the tests' queue runs a job as soon as it is queued
    assert started.status_code == 200
    fragment = html.fromstring(started.get_data(as_text=True))
    state = fragment.xpath("//*[@class='training-state']")[0]
    assert state.get("data-status") == "done"
    assert "1 of 2 codes ready" in state.text_content()
    reread(session)
    job = training.latest_job(session, project)
    assert job is not None and job.status == "done"
    assert suggestions.stored_model(session, project) is not None

    page = html.fromstring(client.get(f"/p/{project.slug}/quality").get_data(as_text=True))
    assert page.xpath("//*[@id='training-job']//button[@class='train']/text()") == ["Train again"]
    assert page.xpath("//*[@class='training-state']/@data-status") == ["done"]
    polled = client.get(f"/p/{project.slug}/quality/training/{job.id}")
    assert polled.status_code == 200 and "codes ready" in polled.get_data(as_text=True)


def test_a_queued_training_is_polled_and_only_training_jobs_are_shown(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, lead, _, _, _ = keyword_project(session, make_user, make_project, import_text)
    job, _ = training.start_training(session, project, lead, per_user=2, per_project=4)
    other = ExportJob(
        project_id=project.id, requested_by_id=lead.id, status="done", options={"format": "xlsx"}
    )
    session.add(other)
    session.commit()
    client = client_factory()
    client.login("lead")
    page = html.fromstring(client.get(f"/p/{project.slug}/quality").get_data(as_text=True))
    box = page.xpath("//*[@id='training-job']")[0]
    assert box.get("hx-get", "").endswith(f"/quality/training/{job.id}")  # polls while queued
    assert box.xpath(".//button[@class='train']/@disabled")
    assert client.get(f"/p/{project.slug}/quality/training/{other.id}").status_code == 404
    assert client.get(f"/p/{project.slug}/quality/training/{job.id}").status_code == 200
