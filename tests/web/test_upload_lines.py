"""The upload form offers the "lines" segmentation, and a record-a-line file gets it unasked."""

from __future__ import annotations

import io

import lxml.html
from sqlalchemy import select

from tests.conftest import reread
from tests.refi_fixtures import comment_lines
from workbench.models import Document
from workbench.models import Passage


def _upload(client, slug: str, name: str, data: bytes, **fields: str):
    payload = {"files": [(io.BytesIO(data), name)], **fields}
    return client.post(f"/p/{slug}/upload", payload, content_type="multipart/form-data")


def _passages(session, title_part: str) -> tuple[str, list[str]]:
    doc = session.scalar(select(Document).where(Document.filename.contains(title_part)))
    assert doc is not None
    texts = session.scalars(
        select(Passage.text).where(Passage.document_id == doc.id).order_by(Passage.ordinal)
    ).all()
    return doc.segmentation, list(texts)


def test_lines_by_hand_and_by_shape(client, make_user, make_project, session) -> None:
    lead = make_user("lead")
    project = make_project("Survey", lead=lead)
    client.login("lead")
    page = lxml.html.fromstring(client.get(f"/p/{project.slug}").get_data(as_text=True))
    assert page.xpath("//select[@name='segmentation']/option[@value='lines']")
    short = "Too expensive.\nFriendly staff\nSlow"
    assert (
        _upload(client, project.slug, "short.txt", short.encode(), segmentation="lines").status_code
        == 200
    )
    lines = comment_lines(120)
    body = "\ufeff" + "\r\n".join(lines)
    assert _upload(client, project.slug, "comments.txt", body.encode()).status_code == 200
    reread(session)
    assert _passages(session, "short") == ("lines", ["Too expensive.", "Friendly staff", "Slow"])
    mode, texts = _passages(session, "comments")
    assert mode == "lines" and texts == [line for line in lines if line]
