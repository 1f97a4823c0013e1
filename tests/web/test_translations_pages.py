"""The translations pages: link, review and correct an alignment, compare, trace quotations."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from tests.conftest import reread
from workbench.documents import seeding
from workbench.models import AlignmentPair
from workbench.models import Document
from workbench.models import DocumentLink
from workbench.models import Passage

ENGLISH = (
    b"Mr. President,\n\nChina will provide US$50 million in 2021.\n\n"
    b"We thank the 193 Member States.\n"
)
CHINESE = "主席先生！中国将在2021年提供5000万美元。我们感谢193个会员国。\n".encode()


class _Rows(HTMLParser):
    """The ids of the alignment table's rows."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if tag == "tr" and (found.get("id") or "").startswith("pair-"):
            self.rows.append(found["id"])


def _rows(html: str) -> list[str]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def test_lead_links_reviews_corrects_and_compares(client, session, team, import_text):
    import_text(team.project, [("en.txt", ENGLISH), ("zh.txt", CHINESE)])
    english = session.scalar(select(Document).where(Document.filename == "en.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "zh.txt"))
    client.login("lead")
    slug = team.project.slug
    assert client.get(f"/p/{slug}/translations").status_code == 200
    r = client.post(
        f"/p/{slug}/translations/link",
        {"source": english.id, "target": chinese.id, "kind": "translation"},
        htmx=False,
    )
    assert r.status_code == 302
    reread(session)
    link = session.scalar(select(DocumentLink))
    page = client.get(f"/p/{slug}/translations/{link.id}").get_data(as_text=True)
    assert _rows(page) == ["pair-1", "pair-2", "pair-3"]
    assert "5000万美元" in page and "US$50 million" in page
    r = client.post(
        f"/p/{slug}/translations/{link.id}/correct", {"do": "join", "pair": "1"}, htmx=False
    )
    assert r.status_code == 302
    page = client.get(f"/p/{slug}/translations/{link.id}").get_data(as_text=True)
    assert _rows(page) == ["pair-1", "pair-2"] and "join" in page
    reread(session)
    assert [
        p.relation for p in session.scalars(select(AlignmentPair).order_by(AlignmentPair.position))
    ] == [
        "n-n",
        "1-1",
    ]
    compare = client.get(f"/p/{slug}/translations/{link.id}/compare?coder={team.coder1.id}")
    assert compare.status_code == 200 and "Codes across versions" in compare.get_data(as_text=True)
    assert client.get(f"/p/{slug}/translations/{link.id}/compare").status_code == 200
    bad = client.post(
        f"/p/{slug}/translations/{link.id}/correct", {"do": "join", "pair": "2"}, htmx=False
    )
    assert bad.status_code == 422
    again = client.post(
        f"/p/{slug}/translations/link",
        {"source": chinese.id, "target": english.id, "kind": "report"},
        htmx=False,
    )
    assert again.status_code == 409


def test_a_report_is_traced_from_its_page(client, session, team):
    seeding.import_seeds(session, team.project)
    session.commit()
    report = session.scalar(select(Document).where(Document.title.like("China calls for%")))
    statement = session.scalar(
        select(Document).where(Document.title.like("Statement by Ambassador%"))
    )
    client.login("lead")
    slug = team.project.slug
    client.post(
        f"/p/{slug}/translations/link",
        {"source": report.id, "target": statement.id, "kind": "report"},
        htmx=False,
    )
    reread(session)
    link = session.scalar(select(DocumentLink))
    assert client.post(f"/p/{slug}/translations/{link.id}/trace", {}, htmx=False).status_code == 302
    page = client.get(f"/p/{slug}/translations/{link.id}").get_data(as_text=True)
    assert 'data-kind="near"' in page and "vulnerable targets" not in page
    shown = client.get(f"/p/{slug}/d/{statement.id}").get_data(as_text=True)
    assert "Quoted in 1 report." in shown and "Report on it" in shown
    client.login("coder1")
    assert "Quoted in 1 report." in client.get(f"/p/{slug}/d/{statement.id}").get_data(as_text=True)


def test_coders_cannot_reach_the_translations_pages(client, team):
    client.login("coder1")
    slug = team.project.slug
    assert client.get(f"/p/{slug}/translations").status_code == 403
    assert (
        client.post(f"/p/{slug}/translations/link", {"source": 1, "target": 2}).status_code == 403
    )


def _units_name_live_passages(session, link_id: int) -> bool:
    """Whether the link has pairs and every unit of them names a passage there is."""
    live = set(session.scalars(select(Passage.id)))
    units = [
        u[0]
        for p in session.scalars(select(AlignmentPair).where(AlignmentPair.link_id == link_id))
        for u in [*p.source_units, *p.target_units]
    ]
    return bool(units) and set(units) <= live


def test_splitting_a_linked_version_redoes_its_stale_alignment(client, session, team, import_text):
    from workbench.models import AuditEvent
    from workbench.translations import alignments
    from workbench.translations import links

    import_text(team.project, [("en.txt", ENGLISH), ("zh.txt", CHINESE)])
    english = session.scalar(select(Document).where(Document.filename == "en.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "zh.txt"))
    link = links.link_documents(session, team.project, english, chinese, "translation", team.lead)
    alignments.pairs_of(session, link)
    alignments.join(session, link, 0, team.lead)  # a correction of the lead's
    session.commit()
    second = session.scalars(
        select(Passage).where(Passage.document_id == english.id).order_by(Passage.ordinal)
    ).all()[1]
    at = second.text.index("million")
    client.login("lead")
    url = f"/p/{team.project.slug}/passages/{second.id}/split"
    preview = client.get(f"{url}?at={at}").get_data(as_text=True)
    assert "The alignment with the linked version" in preview
    assert "1 pair corrected by hand is among them" in preview
    fingerprint = preview.split('name="fingerprint" value="', 1)[1].split('"', 1)[0]
    r = client.post(url, {"at": str(at), "fingerprint": fingerprint}, htmx=False)
    assert r.status_code == 302
    reread(session)
    assert _units_name_live_passages(session, link.id)
    realigned = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "align").order_by(AuditEvent.id.desc())
    ).first()
    assert realigned is not None and any(p["corrected"] for p in realigned.before["pairs"])
    # Undone, the passages come back with their old ids: the alignment is made afresh again.
    split_event = session.scalars(select(AuditEvent.id).where(AuditEvent.action == "split")).one()
    r = client.post(f"/p/{team.project.slug}/history/{split_event}/undo", {}, htmx=False)
    assert r.status_code == 302
    reread(session)
    assert _units_name_live_passages(session, link.id)
