"""The upload's summary says which passages were made non-codable and why."""

from __future__ import annotations

import io

import pytest
from lxml import html
from sqlalchemy import select

from tests.conftest import reread
from tests.unit.test_corpus_boundaries import SPEAKER_LINE
from tests.unit.test_corpus_boundaries import STATEMENT_PARAGRAPHS
from tests.unit.test_corpus_boundaries import _docx
from workbench.models import Document
from workbench.models import Passage


@pytest.fixture()
def lead_client(client, make_user, make_project):
    lead = make_user("lead")
    project = make_project("Uploads", lead=lead)
    client.login("lead")
    return client, project.slug


def _upload(client, slug: str, files: list[tuple[str, bytes]]):
    payload = {"files": [(io.BytesIO(b), name) for name, b in files]}
    return client.post(f"/p/{slug}/upload", payload, content_type="multipart/form-data")


def _status(response) -> str:
    tree = html.fromstring(response.get_data(as_text=True))
    return " ".join(" ".join(tree.xpath("//*[@role='status']//text()")).split())


def test_a_docx_ending_in_a_speaker_line_keeps_its_paragraphs_codable(lead_client, session):
    client, slug = lead_client
    response = _upload(
        client, slug, [("statement.docx", _docx([*STATEMENT_PARAGRAPHS, SPEAKER_LINE]))]
    )
    assert response.status_code == 200
    assert "not codable" not in _status(response)
    reread(session)
    passages = session.scalars(select(Passage).order_by(Passage.ordinal)).all()
    assert len(passages) == 9 and all(p.codable for p in passages)


def test_the_summary_counts_non_codable_passages_by_reason(lead_client, session):
    client, slug = lead_client
    page = (
        "## Counter-terrorism\n\n"
        "Published: 1 October 2020 | Source: Xinhua\n\n"
        "**China** called for closer cooperation against terrorism on Thursday.\n\n"
        "Print | Close window\n\n"
        "Copyright © 2020 Xinhua. All rights reserved."
    )
    response = _upload(client, slug, [("wire.md", page.encode("utf-16-le"))])
    assert response.status_code == 200, response.get_data(as_text=True)
    assert (
        "4 passages are not codable (2 navigation, footer or credit line; "
        "1 dateline or source line; 1 heading)" in _status(response)
    )
    reread(session)
    document = session.scalar(select(Document))
    assert document is not None and document.title == "Counter-terrorism"  # the heading
    texts = session.scalars(select(Passage.text).order_by(Passage.ordinal)).all()
    assert texts[0] == "Counter-terrorism"
    assert "China called for closer cooperation against terrorism on Thursday." in texts
