"""Search through the pages: the document list, the coding view's filter and retrieval."""

from __future__ import annotations

import io

import lxml.html
from sqlalchemy import select

from workbench.codebooks import codes as codebooks
from workbench.coding import actions as coding
from workbench.models import Document
from workbench.models import Passage

FILES = [
    ("en.txt", b"We respect the SOVEREIGNTY of all States and oppose interference.\n"),
    ("other.txt", b"A statement about zebras and nothing else.\n"),
    ("zh.txt", "我们尊重各国主权，反对恐怖主义。".encode()),
]


def _setup(client, session, make_user, make_project):
    lead = make_user("lead")
    project = make_project("Search", lead=lead)
    client.login("lead")
    payload = {"files": [(io.BytesIO(b), name) for name, b in FILES]}
    r = client.post(f"/p/{project.slug}/upload", payload, content_type="multipart/form-data")
    assert r.status_code in (200, 302, 303)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    code = next(c for c in codebooks.live_codes(session, project) if c.is_codable)
    for passage in session.scalars(select(Passage).where(Passage.project_id == project.id)):
        coding.apply_code(session, project, lead, passage.id, code.id)
    session.commit()
    return project, code


def test_document_list_search_ignores_case_and_finds_chinese(
    client, session, make_user, make_project
) -> None:
    project, _code = _setup(client, session, make_user, make_project)
    titles = {d.filename: d.title for d in session.scalars(select(Document))}
    for q, want in [("sovereignty", {"en.txt"}), ("主权", {"zh.txt"}), ("恐怖主义", {"zh.txt"})]:
        html = client.get(f"/p/{project.slug}?q={q}", htmx=True).get_data(as_text=True)
        found = {name for name, title in titles.items() if title in html}
        assert found == want, q


def test_coding_view_and_retrieval_filter_by_text(client, session, make_user, make_project) -> None:
    project, code = _setup(client, session, make_user, make_project)
    page = client.get(f"/p/{project.slug}/code?q=Sovereignty")
    assert page.status_code == 200
    body = lxml.html.fromstring(page.get_data(as_text=True)).text_content()
    assert "SOVEREIGNTY" in body and "zebras" not in body
    url = f"/p/{project.slug}/analysis/segments?code={code.id}&layer=coders"
    for q, present, absent in [("SOVEREIGNTY", "respect the", "主权"), ("主权", "主权", "respect")]:
        fragment = client.get(f"{url}&q={q}", htmx=True)
        assert fragment.status_code == 200
        text = lxml.html.fromstring(fragment.get_data(as_text=True)).text_content()
        assert present in text and absent not in text, q
