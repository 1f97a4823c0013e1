"""The lifecycle pages: leads only, confirmations list the codings, 422 for bad input."""

from __future__ import annotations

import re

import pytest
from lxml import html
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.conftest import reread
from tests.db.lifecycle_fixtures import TEXT
from tests.db.lifecycle_fixtures import build
from tests.db.lifecycle_fixtures import code_paragraphs
from tests.db.lifecycle_fixtures import passages_of
from workbench.models import Annotation
from workbench.models import AuditEvent
from workbench.models import Document


@pytest.fixture()
def coded(session: Session, make_user, make_project, import_text):
    c = build(session, make_user, make_project, import_text)
    code_paragraphs(session, c)
    return c


@pytest.fixture()
def lead(client_factory, coded):
    client = client_factory()
    client.login("lead")
    return client


def _routes(c) -> list[tuple[str, str, dict[str, str]]]:
    slug, doc, p = c.project.slug, c.document.id, c.passages[0].id
    return [
        ("GET", f"/p/{slug}/d/{doc}/delete", {}),
        ("POST", f"/p/{slug}/d/{doc}/delete", {}),
        ("GET", f"/p/{slug}/d/{doc}/resegment?mode=sentence", {}),
        ("POST", f"/p/{slug}/d/{doc}/resegment", {"mode": "sentence", "fingerprint": "x"}),
        ("GET", f"/p/{slug}/passages/{p}/split?at=5", {}),
        ("POST", f"/p/{slug}/passages/{p}/split", {"at": "5", "fingerprint": "x"}),
        ("GET", f"/p/{slug}/passages/{p}/merge", {}),
        ("POST", f"/p/{slug}/passages/{p}/merge", {"fingerprint": "x"}),
        ("GET", f"/p/{slug}/history", {}),
        ("POST", f"/p/{slug}/history/1/undo", {}),
    ]


def test_coders_get_403_everywhere_and_nothing_changes(
    client_factory, coded, session: Session
) -> None:
    coder = client_factory()
    coder.login("coder1")
    for method, url, data in _routes(coded):
        response = coder.get(url) if method == "GET" else coder.post(url, data, htmx=False)
        assert response.status_code == 403, (method, url)
        assert "Coder Two" not in response.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count()).select_from(Document)) == 2
    assert session.scalar(select(func.count()).select_from(Annotation)) == 5


def test_the_reader_offers_lifecycle_actions_to_leads_only(client_factory, coded) -> None:
    url = f"/p/{coded.project.slug}/d/{coded.document.id}"
    lead = client_factory()
    lead.login("lead")
    page = html.fromstring(lead.get(url).get_data(as_text=True))
    links = page.xpath("//a/text()")
    assert "Delete document…" in links and "Re-segment…" in links and "Split…" in links
    assert links.count("Merge with next…") == 2  # not on the last passage
    coder = client_factory()
    coder.login("coder1")
    page = html.fromstring(coder.get(url).get_data(as_text=True))
    assert not {"Delete document…", "Re-segment…", "Split…"} & set(page.xpath("//a/text()"))


def test_delete_confirmation_lists_codings_then_delete_and_undo(
    lead, coded, session: Session
) -> None:
    slug, doc_id = coded.project.slug, coded.document.id
    page = html.fromstring(lead.get(f"/p/{slug}/d/{doc_id}/delete").get_data(as_text=True))
    impact = page.get_element_by_id("deletion-impact").text_content()
    assert "5 codings" in " ".join(impact.split())
    assert "Coder One: 3" in impact and "Coder Two: 2" in impact
    assert "1 consensus decision" in " ".join(impact.split())
    assert "Round 1" in impact
    response = lead.post(f"/p/{slug}/d/{doc_id}/delete", {}, htmx=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/history")
    reread(session)
    assert session.get(Document, doc_id) is None
    history = html.fromstring(lead.get(f"/p/{slug}/history").get_data(as_text=True))
    rows = history.xpath("//table[@id='document-history']//tr[@data-action='delete']")
    assert len(rows) == 1 and "5 codings" in rows[0].text_content()
    action = rows[0].xpath(".//form/@action")[0]
    response = lead.post(action, {}, htmx=False)
    assert response.status_code == 302
    reread(session)
    assert session.get(Document, doc_id) is not None
    assert session.scalar(select(func.count()).select_from(Annotation)) == 5
    again = lead.post(action, {}, htmx=False)
    assert again.status_code == 409
    assert "already been undone" in again.get_data(as_text=True)


def test_resegment_preview_lists_what_cannot_move_then_confirm(
    lead, coded, session: Session
) -> None:
    slug, doc = coded.project.slug, coded.document.id
    page = html.fromstring(
        lead.get(f"/p/{slug}/d/{doc}/resegment?mode=sentence").get_data(as_text=True)
    )
    assert page.xpath("//h3[@id='cannot-move']/text()")[0] == "Cannot move (5)"
    rows = page.xpath("//h3[@id='cannot-move']/following-sibling::table[1]/tbody/tr")
    assert len(rows) == 5
    assert "its text now crosses a passage boundary" in rows[0].text_content()
    form = page.xpath("//section[@id='change-preview']//form")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert data["mode"] == "sentence" and data["fingerprint"]
    reread(session)
    assert len(passages_of(session, doc)) == 3  # the preview changed nothing
    response = lead.post(form.get("action"), data, htmx=False)
    assert response.status_code == 302
    reread(session)
    assert len(passages_of(session, doc)) == 6
    assert session.scalar(select(func.count()).select_from(Annotation)) == 3


def test_a_stale_confirmation_shows_the_new_preview_with_409(lead, coded) -> None:
    url = f"/p/{coded.project.slug}/d/{coded.document.id}/resegment"
    response = lead.post(url, {"mode": "sentence", "fingerprint": "stale"}, htmx=False)
    assert response.status_code == 409
    page = html.fromstring(response.get_data(as_text=True))
    assert "changed since the preview" in page.xpath("//div[@role='alert']")[0].text_content()
    assert page.xpath("//input[@name='fingerprint']/@value")[0] != "stale"


@pytest.mark.parametrize(
    ("method", "path", "data", "message"),
    [
        ("GET", "d/{doc}/resegment?mode=chapters", {}, "not a segmentation"),
        ("POST", "d/{doc}/resegment", {"mode": "", "fingerprint": "x"}, "not a segmentation"),
        ("GET", "passages/{p0}/split?at=abc", {}, "not a whole number"),
        ("GET", "passages/{p0}/split?at=0", {}, "inside the passage"),
        ("POST", "passages/{p0}/split", {"fingerprint": "x"}, "at is missing"),
        ("GET", "passages/{p2}/merge", {}, "last passage"),
        ("POST", "passages/{p2}/merge", {"fingerprint": "x"}, "last passage"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(lead, coded, method, path, data, message) -> None:
    ids = {"doc": coded.document.id, "p0": coded.passages[0].id, "p2": coded.passages[2].id}
    url = f"/p/{coded.project.slug}/" + path.format(**ids)
    response = lead.get(url) if method == "GET" else lead.post(url, data, htmx=False)
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert message in response.get_data(as_text=True)


def test_unknown_things_are_404(lead, coded) -> None:
    slug = coded.project.slug
    assert lead.post(f"/p/{slug}/history/999999/undo", {}, htmx=False).status_code == 404
    assert lead.get(f"/p/{slug}/d/999999/delete").status_code == 404
    assert lead.get(f"/p/{slug}/passages/999999/merge").status_code == 404


def test_uploading_the_same_text_by_sentence_points_to_resegmenting(lead, coded) -> None:
    slug = coded.project.slug
    from io import BytesIO

    response = lead.post(
        f"/p/{slug}/upload",
        {"files": (BytesIO(TEXT.encode()), "again.txt"), "segmentation": "sentence"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    fragment = html.fromstring(response.get_data(as_text=True))
    offer = fragment.xpath("//ul[@class='resegment-offers']/li")[0]
    assert "cut into paragraph passages" in offer.text_content()
    link = offer.xpath(".//a/@href")[0]
    assert re.search(rf"/d/{coded.document.id}/resegment\?mode=sentence$", link)
    assert "skipped" not in fragment.text_content()
    same = lead.post(
        f"/p/{slug}/upload",
        {"files": (BytesIO(TEXT.encode()), "again.txt"), "segmentation": "paragraph"},
        content_type="multipart/form-data",
    )
    assert "Already in the project, skipped: again.txt" in " ".join(
        html.fromstring(same.get_data(as_text=True)).text_content().split()
    )


def test_blind_coders_see_no_lifecycle_event_in_passage_history(
    lead, client_factory, coded, session: Session
) -> None:
    slug = coded.project.slug
    page = html.fromstring(
        lead.get(f"/p/{slug}/d/{coded.document.id}/resegment?mode=sentence").get_data(as_text=True)
    )
    form = page.xpath("//section[@id='change-preview']//form")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert lead.post(form.get("action"), data, htmx=False).status_code == 302
    reread(session)
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "document")).all()
    assert [e.passage_id for e in events] == [None]
    coder = client_factory()
    coder.login("coder2")
    kept = coded.passages[1].id
    history = coder.get(f"/p/{slug}/passages/{kept}/history", htmx=True).get_data(as_text=True)
    assert "Coder One" not in history and "resegment" not in history


def test_spreading_is_carried_from_the_preview_to_the_confirmation(
    lead, coded, session: Session
) -> None:
    slug, doc = coded.project.slug, coded.document.id
    page = html.fromstring(
        lead.get(f"/p/{slug}/d/{doc}/resegment?mode=sentence&spread=1").get_data(as_text=True)
    )
    assert page.xpath("//h3[@id='cannot-move']/text()")[0] == "Cannot move (0)"
    assert page.xpath("//input[@name='spread']/@checked")
    form = page.xpath("//section[@id='change-preview']//form")[0]
    data = {i.get("name"): i.get("value") for i in form.xpath(".//input[@type='hidden']")}
    assert data["spread"] == "1"
    assert lead.post(form.get("action"), data, htmx=False).status_code == 302
    reread(session)
    # two whole-paragraph codings spread over 2 and 3 sentences; three others move as they are
    assert session.scalar(select(func.count()).select_from(Annotation)) == 2 + 3 + 3
    # Without the flag the same fingerprint no longer matches what would be done.
    data.pop("spread")
    assert lead.post(form.get("action"), data, htmx=False).status_code == 409


def test_split_preview_shows_the_halves_and_where_codings_go(lead, coded) -> None:
    p2 = coded.passages[2]
    at = p2.text.index("Banks")
    url = f"/p/{coded.project.slug}/passages/{p2.id}/split?at={at}"
    page = html.fromstring(lead.get(url).get_data(as_text=True))
    halves = [p.text_content() for p in page.xpath("//div[@id='split-halves']/p")]
    assert halves == [p2.text[: at - 1], p2.text[at:]]
    review = page.xpath("//h3[@id='to-review']/following-sibling::table[1]/tbody/tr")
    cells = [[td.text_content().strip() for td in row.xpath("td")] for row in review]
    coding_row = next(c for c in cells if c[0] == "coding")
    assert coding_row[1:6] == ["Coder One", coded.codes[0].name, "—", "¶3", "¶3, ¶4"]
    assert coding_row[7] == "about banks"
