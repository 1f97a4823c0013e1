"""A large upload is imported on the job queue: all documents or none, its upload then deleted."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from lxml import html
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import SEEDS
from tests.conftest import reread
from workbench.documents import importing
from workbench.models import Document
from workbench.models import ExportFileChunk
from workbench.models import ExportJob
from workbench.models import Passage


@pytest.fixture()
def lead_client(client: Any, make_user: Any, make_project: Any, app: Flask) -> Any:
    lead = make_user("lead")
    project = make_project("Uploads", lead=lead)
    client.login("lead")
    app.config.update(IMPORT_INLINE_BYTES=100)  # every real upload goes to the queue
    return client, project.slug


def _upload(client: Any, slug: str, files: list[tuple[str, bytes]]) -> Any:
    payload = {"files": [(io.BytesIO(b), name) for name, b in files]}
    return client.post(f"/p/{slug}/upload", payload, content_type="multipart/form-data", htmx=False)


def _count(session: Session, model: Any) -> int:
    reread(session)
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_large_upload_is_imported_by_a_worker(lead_client: Any, session: Session) -> None:
    client, slug = lead_client
    seed = sorted(SEEDS.glob("*.txt"))[0]
    data = seed.read_bytes()
    started = _upload(
        client, slug, [(seed.name, data), ("b.md", "中文段落。\n\n第二段。".encode())]
    )
    assert started.status_code == 303, started.get_data(as_text=True)
    page = html.fromstring(client.get(started.headers["Location"]).get_data())
    section = page.xpath("//section[contains(@class, 'job')]")[0]
    assert section.get("data-status") == "done", html.tostring(section)
    assert "Imported 2 documents" in section.text_content()
    expected = importing.parse_uploads(
        [(seed.name, data), ("b.md", "中文段落。\n\n第二段。".encode())], max_file_bytes=10**8
    )
    assert _count(session, Document) == 2
    assert _count(session, Passage) == sum(len(doc.passages) for doc in expected)
    assert _count(session, ExportFileChunk) == 0  # the kept upload is gone once imported


def test_a_bad_large_upload_stores_nothing_and_says_why(lead_client: Any, session: Session) -> None:
    client, slug = lead_client
    good = ("fine.txt", b"A paragraph long enough to count.\n\n" * 10)
    bad = ("broken.docx", b"this is not a word document at all" * 10)
    started = _upload(client, slug, [good, bad])
    assert started.status_code == 303
    reread(session)
    job = session.scalars(select(ExportJob)).one()
    assert job.status == "failed" and "broken.docx" in (job.error or "")
    assert _count(session, Document) == 0
    assert _count(session, ExportFileChunk) == 0


def test_the_htmx_upload_shows_the_job_that_polls(lead_client: Any, app: Flask) -> None:
    client, slug = lead_client
    response = client.post(
        f"/p/{slug}/upload",
        {"files": [(io.BytesIO(b"One.\n\nTwo." * 20), "a.txt")]},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    section = html.fromstring(response.get_data(as_text=True))
    assert section.get("id", "").startswith("job-")
    assert "Document import" in section.text_content()
