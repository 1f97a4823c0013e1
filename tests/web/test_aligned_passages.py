"""The coding view's "other version" region: aligned passages of a linked translation."""

from __future__ import annotations

from sqlalchemy import select

from workbench.models import Document
from workbench.models import Passage

ENGLISH = (
    b"Mr. President,\n\nChina will provide US$50 million in 2021.\n\n"
    b"We thank the 193 Member States.\n"
)
CHINESE = "主席先生，\n\n中国将在2021年提供5000万美元。\n\n我们感谢193个会员国。\n".encode()


def _linked(client, session, team, import_text):
    import_text(team.project, [("en.txt", ENGLISH), ("zh.txt", CHINESE)])
    english = session.scalar(select(Document).where(Document.filename == "en.txt"))
    chinese = session.scalar(select(Document).where(Document.filename == "zh.txt"))
    client.login("lead")
    r = client.post(
        f"/p/{team.slug}/translations/link",
        {"source": english.id, "target": chinese.id, "kind": "translation"},
        htmx=False,
    )
    assert r.status_code == 302

    def passages(doc):
        return list(
            session.scalars(
                select(Passage).where(Passage.document_id == doc.id).order_by(Passage.ordinal)
            )
        )

    return passages(english), passages(chinese)


def test_the_aligned_passage_of_the_other_version_with_only_my_codes(
    client, session, team, import_text
):
    en, zh = _linked(client, session, team, import_text)
    money = next(p for p in zh if "5000万" in p.text)
    thanks = next(p for p in zh if "我们感谢" in p.text)
    chinese = session.get(Document, money.document_id)
    code, other_code = team.codes["Sovereignty"], team.codes["Capacity-building"]
    slug = team.slug
    client.login("coder2")
    r = client.post(f"/p/{slug}/code/apply", {"passage_id": money.id, "code_id": other_code.id})
    assert r.status_code == 200
    client.login("coder1")
    r = client.post(f"/p/{slug}/code/apply", {"passage_id": money.id, "code_id": code.id})
    assert r.status_code == 200
    r = client.get(f"/p/{slug}/passages/{en[1].id}/aligned")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "5000万美元" in html and chinese.title in html
    assert 'lang="zh"' in html
    assert "我们感谢" not in html  # only the aligned passage, not the whole version
    assert code.name in html  # the coder's own code on it
    assert other_code.name not in html  # blind project: never another coder's codings
    # And the other way round, from the Chinese version.
    back = client.get(f"/p/{slug}/passages/{thanks.id}/aligned").get_data(as_text=True)
    assert "193 Member States" in back and "Mr. President" not in back and 'lang="en"' in back


def test_an_unlinked_passage_says_so_and_a_foreign_one_is_not_found(client, team, make_user):
    client.login("coder1")
    slug = team.slug
    r = client.get(f"/p/{slug}/passages/{team.passages[0].id}/aligned")
    assert r.status_code == 200 and "not linked to another version" in r.get_data(as_text=True)
    assert client.get(f"/p/{slug}/passages/999999/aligned").status_code == 404


def test_the_keyboard_help_and_the_shared_region_are_on_the_page(client, team):
    client.login("coder1")
    page = client.get(f"/p/{team.slug}/code").get_data(as_text=True)
    assert "<kbd>v</kbd>" in page and 'data-part="aligned"' in page
