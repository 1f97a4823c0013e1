"""An agreement report with many bootstrap replicates runs on the job queue, downloads as JSON."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from lxml import html
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from workbench.reliability import report_pages


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _lead(client_factory: Any) -> Any:
    client = client_factory()
    client.login("lead")
    return client


def test_a_report_past_the_inline_bootstrap_is_refused_while_you_wait(
    study: Any, client_factory: Any, app: Flask
) -> None:
    app.config.update(AGREEMENT_INLINE_BOOTSTRAP=50)
    lead = _lead(client_factory)
    slug = study.project.slug
    assert lead.get(f"/p/{slug}/agreement/report.json?bootstrap=50&seed=3").status_code == 200
    refused = lead.get(f"/p/{slug}/agreement/report.json?bootstrap=51&seed=3")
    assert refused.status_code == 409
    assert "in the background" in refused.get_data(as_text=True)
    # The page, its breakdowns and the methods paragraph compute while the lead waits too.
    for path in ("report?", "report/breakdown?by=language&", "methods?"):
        url = f"/p/{slug}/agreement/{path}bootstrap=51&seed=3"
        answer = lead.get(url)
        assert answer.status_code == 409, url
        assert "in the background" in answer.get_data(as_text=True)
    assert lead.get(f"/p/{slug}/agreement/report?bootstrap=50&seed=3").status_code == 200


def test_the_background_report_has_the_same_numbers(
    study: Any, client_factory: Any, app: Flask, session: Session
) -> None:
    app.config.update(AGREEMENT_INLINE_BOOTSTRAP=50)
    lead = _lead(client_factory)
    slug = study.project.slug
    page = html.fromstring(lead.get(f"/p/{slug}/agreement/report?bootstrap=0").get_data())
    form = page.xpath("//form[contains(@action, '/agreement/report/background')]")
    assert form and form[0].xpath(".//input[@name='bootstrap']")
    started = lead.post(
        f"/p/{slug}/agreement/report/background", {"bootstrap": "300", "seed": "11"}, htmx=False
    )
    assert started.status_code == 303, started.get_data(as_text=True)
    job_page = html.fromstring(lead.get(started.headers["Location"]).get_data())
    section = job_page.xpath("//section[contains(@class, 'job')]")[0]
    assert section.get("data-status") == "done"
    assert "300 bootstrap replicates" in section.text_content()
    link = section.xpath(".//a[text()='Download']/@href")[0]
    download = lead.get(link)
    assert download.status_code == 200
    assert "ct-study-agreement.json" in download.headers["Content-Disposition"]
    reread(session)
    expected = report_pages.report_json(
        session, study.project, report_pages.ReportQuery(bootstrap=300, seed=11)
    )
    assert json.loads(download.get_data()) == json.loads(json.dumps(expected))


def test_a_background_report_with_an_impossible_bootstrap_is_refused(
    study: Any, client_factory: Any
) -> None:
    lead = _lead(client_factory)
    refused = lead.post(
        f"/p/{study.project.slug}/agreement/report/background",
        {"bootstrap": "20000"},
        htmx=False,
    )
    assert refused.status_code == 422
    assert "bootstrap" in refused.get_data(as_text=True)
