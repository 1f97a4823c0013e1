"""The Export and Analysis pages through the test client; HTML parsed, files reopened."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from openpyxl import load_workbook
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.test_export_data import build_study
from tests.db.test_export_data import rows_of
from tests.unit.test_export_qdpx_quirks import SOURCE
from tests.unit.test_export_qdpx_quirks import archive
from tests.unit.test_export_qdpx_quirks import qde
from tests.unit.test_export_qdpx_quirks import selection
from workbench.accounts import users as accounts
from workbench.app import create_app
from workbench.formats import coding_sheet as cs
from workbench.models import Annotation
from workbench.models import Document
from workbench.models import PendingImport
from workbench.web.unit import database


@pytest.fixture()
def study(session: Session, make_user: Any, make_project: Any, import_text: Any) -> Any:
    return build_study(session, make_user, make_project, import_text)


def _as(client_factory: Any, username: str) -> Any:
    client = client_factory()
    client.login(username)
    return client


def _doc(response: Any) -> Any:
    return html.fromstring(response.get_data(as_text=True))


def test_export_page_is_for_leads_and_offers_every_format(study: Any, client_factory: Any) -> None:
    lead = _as(client_factory, "lead")
    page = lead.get(f"/p/{study.project.slug}/export")
    assert page.status_code == 200
    doc = _doc(page)
    formats = doc.xpath("//select[@name='format']/option/@value")
    assert formats == ["xlsx", "csv", "json", "qdpx"]
    assert doc.xpath("//nav[contains(@class,'tabs')]//a[text()='Export']")
    assert doc.xpath("//nav[contains(@class,'tabs')]//a[text()='Analysis']")
    assert len(doc.xpath("//form[@hx-post]")) == 3  # coding sheet, legacy table, project
    coder = _as(client_factory, "coder1")
    assert coder.get(f"/p/{study.project.slug}/export").status_code == 403


def test_download_xlsx_and_reopen_it(study: Any, client_factory: Any) -> None:
    lead = _as(client_factory, "lead")
    response = lead.get(
        f"/p/{study.project.slug}/export/download?format=xlsx&layer=coders&bootstrap=0"
        f"&codes={study.codes['Capacity-building'].id}"
    )
    assert response.status_code == 200
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert "ct-study-export.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    rows = rows_of(wb["Passages"])
    assert rows[0]["coder2_capacity_building_s"] == 2
    assert [c.value for c in wb["Passages"][1]][-1] == "coder2_capacity_building_s"


@pytest.mark.parametrize(("query", "name", "first"), [
    ("format=csv&table=annotations", "ct-study-annotations.csv", b"\xef\xbb\xbf"),
    ("format=csv", "ct-study-export-csv.zip", b"PK"),
    ("format=json", "ct-study-export.jsonl", b'{"format":"workbench-export"'),
    ("format=qdpx", "ct-study-export.qdpx", b"PK"),
])  # fmt: skip
def test_other_formats(
    study: Any, client_factory: Any, query: str, name: str, first: bytes
) -> None:
    lead = _as(client_factory, "lead")
    response = lead.get(f"/p/{study.project.slug}/export/download?{query}&bootstrap=0")
    assert response.status_code == 200 and name in response.headers["Content-Disposition"]
    assert response.data.startswith(first)


def test_bad_scope_is_a_422_not_a_500(study: Any, client_factory: Any) -> None:
    lead = _as(client_factory, "lead")
    response = lead.get(
        f"/p/{study.project.slug}/export/download?format=xlsx&date_from=yesterday", htmx=True
    )
    assert response.status_code == 422
    assert "date_from" in _doc(response).xpath("string(//*[@role='alert'])")


@pytest.mark.parametrize("kept", ["database", "directory"])
def test_a_large_export_runs_as_a_job_with_progress_and_a_download(
    study: Any, client_factory: Any, app: Flask, session: Session, kept: str
) -> None:
    app.config.update(EXPORT_INLINE_ROWS=0, JOB_FILES=kept)
    lead = _as(client_factory, "lead")
    started = lead.post(
        f"/p/{study.project.slug}/export/download", {"format": "xlsx", "bootstrap": "0"}, htmx=False
    )
    assert started.status_code == 303
    job_url = started.headers["Location"]
    fragment = None
    for _ in range(100):
        fragment = lead.get(job_url, htmx=True)
        if _doc(fragment).get("data-status") in ("done", "failed"):
            break
        time.sleep(0.1)
    assert fragment is not None
    section = _doc(fragment)
    assert section.get("data-status") == "done", fragment.get_data(as_text=True)
    assert section.get("hx-trigger") is None  # polling stops when the job ends
    link = section.xpath("//a[text()='Download']/@href")[0]
    download = lead.get(link)
    assert download.status_code == 200
    assert download.headers["Content-Length"] == str(len(download.data))
    assert "filename=" in download.headers["Content-Disposition"]
    assert "ct-study-export.xlsx" in download.headers["Content-Disposition"]
    assert (
        rows_of(load_workbook(io.BytesIO(download.data))["Passages"])[0]["text"]
        == study.english[0].text
    )
    page = _doc(lead.get(f"/p/{study.project.slug}/export"))
    assert page.xpath("//section[@id='jobs']//a[text()='download']")


def test_a_running_job_polls_every_second(
    study: Any, client_factory: Any, session: Session
) -> None:
    from workbench.formats.scope import ExportScope
    from workbench.jobs import export_jobs

    job = export_jobs.create_job(session, study.project, study.lead, "xlsx", ExportScope())
    job.status, job.progress, job.total = "running", 40, 100
    job.options = {
        **job.options,
        "heartbeat": __import__("workbench.models._common", fromlist=["utcnow"])
        .utcnow()
        .isoformat(),
    }
    session.commit()
    lead = _as(client_factory, "lead")
    page = _doc(lead.get(f"/p/{study.project.slug}/export/jobs/{job.id}"))
    section = page.xpath(f"//section[@id='job-{job.id}']")[0]
    assert section.get("hx-trigger") == "every 1s" and section.get("hx-swap") == "outerHTML"
    bar = section.xpath(".//*[@role='progressbar']")[0]
    assert (bar.get("aria-valuenow"), bar.get("aria-valuemax")) == ("40", "100")
    assert "width: 40%" in section.xpath("string(.//span[@class='bar']/@style)")


def _sheet(client: Any, slug: str, coder_id: int | None = None) -> Any:
    url = f"/p/{slug}/export/coding-sheet" + (f"?coder={coder_id}" if coder_id else "")
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return load_workbook(io.BytesIO(response.data))


def _upload(client: Any, url: str, name: str, data: bytes, **fields: str) -> Any:
    return client.post(
        url, data={"file": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data"
    )


def test_coding_sheet_round_trip_through_the_pages(
    study: Any, client_factory: Any, session: Session
) -> None:
    coder = _as(client_factory, "coder1")
    slug = study.project.slug
    assert coder.get(f"/p/{slug}/export/coding-sheet?coder={study.coder2.id}").status_code == 403
    # A lead asking for someone outside the project learns no name: the same answer as for an
    # id no account has.
    outsider = accounts.create_user(session, "secret_person", "a long enough password")
    session.commit()
    lead = _as(client_factory, "lead")
    answers = [lead.get(f"/p/{slug}/export/coding-sheet?coder={n}") for n in (outsider.id, 99_999)]
    assert [a.status_code for a in answers] == [422, 422]
    assert "secret_person" not in answers[0].get_data(as_text=True)
    assert "No coder" in answers[0].get_data(as_text=True)
    wb = _sheet(coder, slug)
    ws = wb["Coding"]
    header = [c.value for c in ws[1]]
    sov = "Sovereignty and non-interference > Sovereignty"
    ws.cell(3, header.index(sov) + 1, 1)
    ws.cell(3, header.index(sov + cs.STANCE_SUFFIX) + 1, 7)
    buf = io.BytesIO()
    wb.save(buf)
    bad = _upload(coder, f"/p/{slug}/import/coding-sheet", "sheet.xlsx", buf.getvalue())
    assert bad.status_code == 422
    cells = [
        [td.text_content() for td in tr.xpath("td")]
        for tr in _doc(bad).xpath("//table[contains(@class,'problems')]//tbody/tr")
    ]
    assert cells == [
        ["Coding", "3", sov + cs.STANCE_SUFFIX, "stance 7 is outside the scale (-2, -1, 0, 1, 2)"]
    ]
    ws.cell(3, header.index(sov + cs.STANCE_SUFFIX) + 1, -1)
    buf = io.BytesIO()
    wb.save(buf)
    good = _upload(coder, f"/p/{slug}/import/coding-sheet", "sheet.xlsx", buf.getvalue())
    assert good.status_code == 200 and _doc(good).get("data-applied") == "yes"
    reread(session)
    assert (
        session.scalar(
            select(Annotation.stance).where(
                Annotation.passage_id == study.english[1].id, Annotation.coder_id == study.coder1.id
            )
        )
        == -1
    )


def test_legacy_and_project_imports_report_problems_as_fragments(
    study: Any, client_factory: Any, session: Session
) -> None:
    lead = _as(client_factory, "lead")
    slug = study.project.slug
    bad = _upload(
        lead,
        f"/p/{slug}/import/codings",
        "old.csv",
        b"document,passage,coder,code\r\nnope,0,coder1,Sovereignty\r\n",
    )
    assert bad.status_code == 422
    assert "no document called 'nope'" in _doc(bad).xpath("string(//table)")
    evil = archive(
        {
            "project.qde": '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            '<Project name="&x;"/>'
        }
    )
    response = _upload(lead, f"/p/{slug}/import/project", "evil.qdpx", evil)
    assert response.status_code == 422 and "DOCTYPE" in response.get_data(as_text=True)
    before = session.scalar(select(func.count(Document.id)))
    good = archive(
        {
            "project.qde": qde(selection(0, 5, "First")),
            f"sources/{SOURCE}.txt": "First words here.\n\nMore.",
        }
    )
    response = _upload(lead, f"/p/{slug}/import/project", "vendor.qdpx", good, create_coders="1")
    assert response.status_code == 200, response.get_data(as_text=True)
    status = _doc(response).xpath("string(//*[@role='status'])")
    assert "Preview" in status and "1 documents added" in status
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before  # a preview keeps nothing
    token = _doc(response).xpath("string(//input[@name='token']/@value)")
    applied = lead.post(
        f"/p/{slug}/import/project/apply", data={"token": token, "create_coders": "1"}
    )
    assert applied.status_code == 200, applied.get_data(as_text=True)
    assert "codings applied" in _doc(applied).xpath("string(//*[@role='status'])")
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before + 1
    protected = _upload(
        lead,
        f"/p/{slug}/import/codings",
        "locked.xlsx",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100,
    )
    assert protected.status_code == 422 and "password-protected" in protected.get_data(as_text=True)


def test_analysis_page_tables_and_svg_charts(study: Any, client_factory: Any) -> None:
    lead = _as(client_factory, "lead")
    slug = study.project.slug
    cb_ = study.codes["Capacity-building"]
    page = lead.get(f"/p/{slug}/analysis?dimension=language&code={cb_.id}")
    assert page.status_code == 200
    doc = _doc(page)
    rows = doc.xpath("//table[@id='frequency-table']/tbody/tr")
    codable = 7
    assert len(rows) == codable
    first = next(
        [td.text_content().strip() for td in r.xpath("td")]
        for r in rows
        if "Capacity-building" in r.text_content()
    )
    assert first[1:3] == ["3", "4"]
    bars = doc.xpath("//section[@id='frequencies']//*[local-name()='svg']//*[local-name()='rect']")
    assert len(bars) == codable
    cells = doc.xpath("//section[@id='cooccurrence']//*[local-name()='g'][@class='cell']")
    assert len(cells) == codable * codable
    diagonal = [c for c in cells if c.get("data-row") == c.get("data-col") == str(cb_.id)]
    assert diagonal[0].get("data-count") == "3"
    values = [
        tr.xpath("string(td[1])") for tr in doc.xpath("//table[@id='breakdown-table']/tbody/tr")
    ]
    assert values == ["en", "zh"]
    segments = doc.xpath("//ol[@class='segments']/li")
    assert len(segments) == 3 and "中方谴责" in segments[1].text_content()
    fragment = lead.get(f"/p/{slug}/analysis/segments?code={cb_.id}&stance=2", htmx=True)
    assert len(_doc(fragment).xpath("//li[@class='segment']")) == 2
    csv_response = lead.get(f"/p/{slug}/analysis/segments.csv?code={cb_.id}&layer=coders")
    text = csv_response.get_data(as_text=True)
    assert csv_response.status_code == 200 and text.startswith("\ufeffdocument,")
    assert len(text.strip().splitlines()) == 4


def test_blind_coder_sees_only_their_own_layer(study: Any, client_factory: Any) -> None:
    coder = _as(client_factory, "coder1")
    slug = study.project.slug
    assert coder.get(f"/p/{slug}/analysis?layer=coders").status_code == 403
    assert coder.get(f"/p/{slug}/analysis?layer=consensus").status_code == 403
    assert coder.get(f"/p/{slug}/analysis?layer=coder:coder2").status_code == 403
    doc = _doc(coder.get(f"/p/{slug}/analysis"))
    assert doc.xpath("//select[@name='layer']/option/@value") == ["coder:coder1"]
    rows = doc.xpath("//table[@id='frequency-table']/tbody/tr")
    mine = next(r for r in rows if "Capacity-building" in r.text_content())
    assert mine.xpath("string(td[2])") == "2"  # coder1's own: en0, zh1
    assert doc.xpath("//section[@id='offline']//a[text()='Download my coding sheet']")
    assert zipfile.is_zipfile(io.BytesIO(coder.get(f"/p/{slug}/export/coding-sheet").data))


def _with_a_pdf_source() -> bytes:
    """A project with one text source and one PDF source, which the workbench cannot bring in."""
    return archive(
        {
            "project.qde": qde(selection(0, 5, "Other")).replace(
                "</Sources>",
                '<PDFSource guid="1a2b3c4d-0000-4000-8000-00000000b001" name="scan"/></Sources>',
            ),
            f"sources/{SOURCE}.txt": "Other words here.\n\nMore.",
        }
    )


def test_a_partial_project_import_is_applied_only_when_asked(
    study: Any, client_factory: Any, session: Session
) -> None:
    lead = _as(client_factory, "lead")
    slug = study.project.slug
    partial = _with_a_pdf_source()
    before = session.scalar(select(func.count(Document.id)))
    preview = _upload(lead, f"/p/{slug}/import/project", "p.qdpx", partial, create_coders="1")
    page = _doc(preview)
    assert page.xpath("//ul[@class='dropped']/li[contains(., \"PDFSource 'scan'\")]")
    assert page.xpath("//input[@name='allow_partial']")
    token = page.xpath("string(//input[@name='token']/@value)")
    refused = lead.post(
        f"/p/{slug}/import/project/apply", data={"token": token, "create_coders": "1"}
    )
    assert refused.status_code == 422
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before
    accepted = lead.post(
        f"/p/{slug}/import/project/apply",
        data={"token": token, "create_coders": "1", "allow_partial": "1"},
    )
    assert accepted.status_code == 200, accepted.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before + 1
    again = lead.post(f"/p/{slug}/import/project/apply", data={"token": token})
    assert again.status_code == 422 and "no longer available" in again.get_data(as_text=True)


def test_an_import_previewed_on_one_server_is_applied_on_another(
    study: Any, client_factory: Any, session: Session, app: Flask, db_url: str, tmp_path: Any
) -> None:
    """The upload waits in the database: a second app server, with a folder of its own, applies
    the preview of the first, and the preview's trial import leaves no document behind."""
    lead = _as(client_factory, "lead")
    slug = study.project.slug
    good = archive(
        {
            "project.qde": qde(selection(0, 5, "First")),
            f"sources/{SOURCE}.txt": "First words here.\n\nMore.",
        }
    )
    before = session.scalar(select(func.count(Document.id)))
    preview = _upload(lead, f"/p/{slug}/import/project", "vendor.qdpx", good, create_coders="1")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    token = _doc(preview).xpath("string(//input[@name='token']/@value)")
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before
    kept = session.scalars(select(PendingImport)).one()
    assert (kept.token, kept.kind, kept.filename, kept.data) == (
        token,
        "project",
        "vendor.qdpx",
        good,
    )

    other = create_app(
        {
            "DATABASE_URL": db_url,
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "EXPORT_DIR": str(tmp_path / "another-server"),
            "QUEUE_URL": "immediate",
        }
    )
    try:
        browser: FlaskClient = other.test_client()
        cookie = lead.client.get_cookie("session")
        assert cookie is not None
        browser.set_cookie("session", cookie.value)
        applied = browser.post(
            f"/p/{slug}/import/project/apply",
            data={"token": token, "create_coders": "1"},
            headers={"HX-Request": "true", "X-CSRFToken": lead.token or ""},
        )
        assert applied.status_code == 200, applied.get_data(as_text=True)
    finally:
        database(other).engine.dispose()
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before + 1
    assert session.scalar(select(func.count(PendingImport.id))) == 0  # applied, then forgotten


def _job_shown(client: Any, slug: str, response: Any) -> Any:
    """The job a response started, as its page shows it once the queue has run it."""
    assert response.status_code == 200, response.get_data(as_text=True)
    job_id = _doc(response).xpath("string(//section[contains(@class, 'job')]/@id)")
    assert job_id.startswith("job-"), response.get_data(as_text=True)
    page = client.get(f"/p/{slug}/export/jobs/{job_id.removeprefix('job-')}", htmx=True)
    assert page.status_code == 200
    return _doc(page)


def test_a_large_project_file_is_previewed_and_applied_by_a_worker(
    study: Any, client_factory: Any, session: Session, app: Flask
) -> None:
    """Above IMPORT_INLINE_BYTES both steps run on the queue; each job's page shows its report."""
    app.config.update(IMPORT_INLINE_BYTES=100)  # every real project file goes to the queue
    lead = _as(client_factory, "lead")
    slug = study.project.slug
    partial = _with_a_pdf_source()
    before = session.scalar(select(func.count(Document.id)))
    started = _upload(lead, f"/p/{slug}/import/project", "p.qdpx", partial, create_coders="1")
    # Shown as it was when queued: it polls, with no row count (it reports no progress).
    queued = _doc(started).xpath("//section[contains(@class, 'job')]")[0]
    assert queued.get("data-status") == "queued" and queued.get("hx-get")
    assert not queued.xpath(".//div[@role='progressbar']")
    preview = _job_shown(lead, slug, started)
    assert preview.xpath("//section[@data-status='done']//div[@data-applied='no']")
    assert preview.xpath("//ul[@class='dropped']/li[contains(., \"PDFSource 'scan'\")]")
    assert preview.xpath("//form//input[@name='allow_partial']")
    # The apply form replaces the job with the next step's answer, wherever the job is shown.
    assert preview.xpath("//form[@hx-target='#project-result']")
    token = preview.xpath("string(//input[@name='token']/@value)")
    assert token and preview.xpath("string(//input[@name='segmentation']/@value)") == "paragraph"
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before  # the trial was undone

    refused = lead.post(
        f"/p/{slug}/import/project/apply", data={"token": token, "create_coders": "1"}
    )
    shown = _job_shown(lead, slug, refused)
    assert shown.xpath("//div[@data-applied='no' and @data-complete='no']")
    assert not shown.xpath("//input[@name='token']")
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before
    assert session.scalar(select(func.count(PendingImport.id))) == 1  # kept for a second try

    accepted = lead.post(
        f"/p/{slug}/import/project/apply",
        data={"token": token, "create_coders": "1", "allow_partial": "1"},
    )
    shown = _job_shown(lead, slug, accepted)
    assert shown.xpath("//div[@data-applied='yes']"), html.tostring(shown)
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before + 1
    assert session.scalar(select(func.count(PendingImport.id))) == 0


def test_a_large_broken_project_file_fails_its_job_with_the_reason(
    study: Any, client_factory: Any, session: Session, app: Flask
) -> None:
    app.config.update(IMPORT_INLINE_BYTES=100)
    lead = _as(client_factory, "lead")
    slug = study.project.slug
    before = session.scalar(select(func.count(Document.id)))
    started = _upload(lead, f"/p/{slug}/import/project", "broken.qdpx", b"not a zip file " * 20)
    shown = _job_shown(lead, slug, started)
    failed = shown.xpath("//section[@data-status='failed']//div[@role='alert']")
    assert failed and "broken.qdpx" in failed[0].text_content(), html.tostring(shown)
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == before
    assert session.scalar(select(func.count(PendingImport.id))) == 0  # no apply can use it
