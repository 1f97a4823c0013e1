"""Uploading documents: many files at once, and every kind of bad input."""

from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import func
from sqlalchemy import select

from tests.conftest import reread
from workbench.models import Document
from workbench.models import Passage


def _upload(client, slug: str, files: list[tuple[str, bytes]], **data):
    payload = {"files": [(io.BytesIO(b), name) for name, b in files], **data}
    return client.post(f"/p/{slug}/upload", payload, content_type="multipart/form-data")


@pytest.fixture()
def lead_client(client, make_user, make_project):
    lead = make_user("lead")
    project = make_project("Uploads", lead=lead)
    client.login("lead")
    return client, project.slug


def _zip(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_many_files_in_one_upload(lead_client, session) -> None:
    client, slug = lead_client
    r = _upload(client, slug, [("a.txt", b"One.\n\nTwo."), ("b.md", "中文段落。".encode())])
    assert r.status_code == 200 and "Imported 2 documents" in r.get_data(as_text=True)
    again = _upload(client, slug, [("a-copy.txt", b"One.\n\nTwo.")])
    assert "Already in the project, skipped: a-copy.txt" in again.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == 2


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([("empty.txt", b"")], "empty.txt"),
        ([("junk.txt", bytes(range(256)) * 40)], "junk.txt"),
        ([("broken.docx", b"PK\x03\x04 not really a docx")], "broken.docx"),
        ([("broken.pdf", b"%PDF-1.4 garbage")], "broken.pdf"),
        ([("bad.zip", b"PK\x05\x06 nope")], "bad.zip"),
        ([("evil.zip", _zip({"../escape.txt": b"x"}))], "escape.txt"),
        ([("t.csv", b"title,year\nA,2020\n")], "t.csv"),
        ([("t.jsonl", b'{"text": "ok"}\n{not json}\n')], "row 2"),
        ([("ok.txt", b"Fine text."), ("empty.txt", b"")], "empty.txt"),
        ([("image.png", b"\x89PNG\r\n\x1a\n")], "image.png"),
    ],
)
def test_bad_input_names_the_file_and_stores_nothing(lead_client, session, files, expected) -> None:
    client, slug = lead_client
    r = _upload(client, slug, files)
    assert r.status_code == 422, r.get_data(as_text=True)
    body = r.get_data(as_text=True)
    assert expected in body and "Traceback" not in body
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == 0
    assert session.scalar(select(func.count(Passage.id))) == 0


def test_oversize_file_and_oversize_upload(app, lead_client, session) -> None:
    client, slug = lead_client
    app.config["MAX_FILE_BYTES"] = 1000
    r = _upload(client, slug, [("big.txt", b"word " * 400)])
    assert r.status_code == 422 and "big.txt" in r.get_data(as_text=True)
    app.config["MAX_CONTENT_LENGTH"] = 2000
    r = _upload(client, slug, [("huge.txt", b"word " * 1000)])
    assert r.status_code == 413 and "larger than the limit" in r.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count(Document.id))) == 0


def test_table_rows_become_documents_with_metadata(lead_client, session) -> None:
    client, slug = lead_client
    table = (
        b'{"id": "S1", "text": "Mr. Wu Haitao (China) (spoke in Chinese): We oppose terrorism.",'
        b' "country": "China", "date": "2020-02-07", "record_symbol": "S/PV.8716"}\n'
        b'{"id": "S2", "text": "The President: I thank him.", "country": "Belgium"}\n'
    )
    r = _upload(client, slug, [("speeches.jsonl", table)])
    assert r.status_code == 200
    reread(session)
    passages = session.scalars(select(Passage).order_by(Passage.id)).all()
    wu = next(p for p in passages if "Wu Haitao" in p.text)
    assert (wu.speaker, wu.delegation, wu.original_language) == ("Mr. Wu Haitao", "China", "zh")
    docs = session.scalars(select(Document)).all()
    assert any(d.extra.get("record_symbol") == "S/PV.8716" for d in docs)


def test_reader_shows_markup_as_text(lead_client, session) -> None:
    client, slug = lead_client
    _upload(client, slug, [("x.txt", b"<script>alert(1)</script> and <b>bold</b>")])
    reread(session)
    doc = session.scalar(select(Document))
    html = client.get(f"/p/{slug}/d/{doc.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_lead_fixes_metadata_and_marks_passages(lead_client, session) -> None:
    client, slug = lead_client
    _upload(
        client, slug, [("x.txt", b"Home | About | Contact\n\nA real paragraph of the statement.")]
    )
    reread(session)
    doc = session.scalar(select(Document))
    r = client.post(
        f"/p/{slug}/d/{doc.id}/metadata",
        {"title": "Fixed", "date": "2020-07-10", "doc_type": "news_report"},
    )
    assert r.status_code == 200
    bad = client.post(f"/p/{slug}/d/{doc.id}/metadata", {"date": "10/07/2020"})
    assert bad.status_code == 422 and "date" in bad.get_data(as_text=True)
    p = session.scalars(select(Passage).order_by(Passage.ordinal)).first()
    r = client.post(f"/p/{slug}/passages/{p.id}/codable", {"codable": "0"})
    assert r.status_code == 200
    reread(session)
    assert session.get(Document, doc.id).title == "Fixed"
    assert session.get(Document, doc.id).date == "2020-07-10"
    assert session.get(Passage, p.id).codable is False


def test_document_list_filters_and_search(lead_client, session) -> None:
    client, slug = lead_client
    english = b"We respect the sovereignty of all States and oppose interference."
    _upload(client, slug, [("en.txt", english), ("zh.txt", "我们尊重各国主权。".encode())])
    html = client.get(f"/p/{slug}?q=主权", htmx=True).get_data(as_text=True)
    assert "zh.txt" in html or "我们尊重" in html
    assert "en.txt" not in html
    html = client.get(f"/p/{slug}?language=en", htmx=True).get_data(as_text=True)
    assert "1 document" in html
    bad = client.get(f"/p/{slug}?date_from=yesterday").get_data(as_text=True)
    assert "must look like" in bad
