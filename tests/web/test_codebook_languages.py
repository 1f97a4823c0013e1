"""Codes in two languages: the coding view shows the interface language's text, else the other."""

from __future__ import annotations

from lxml import html
from sqlalchemy import select

from tests.conftest import reread
from workbench.codebooks.labels import code_text
from workbench.core.codebook_labels import CodeName
from workbench.models import Code
from workbench.models import CodebookVersion

from .conftest import Team

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


def _panel_names(client, team: Team, headers: dict[str, str]) -> list[str]:
    """The names on the coding view's code buttons, as a coder reads them."""
    page = client.get(f"/p/{team.slug}/code?doc={team.passages[0].document_id}", headers=headers)
    assert page.status_code == 200
    tree = html.fromstring(page.get_data(as_text=True))
    buttons = tree.xpath("//aside[contains(@class, 'codebook-panel')]//button[@data-code]/span")
    return [b.text_content().strip() for b in buttons]


def test_the_coding_view_shows_the_interface_languages_name(client_factory, team: Team) -> None:
    lead, coder = client_factory(), client_factory()
    lead.login("lead")
    coder.login("coder1")
    code = team.codes["Sovereignty"]
    r = lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {"name_zh": "主权"})
    assert r.status_code == 200
    chinese = _panel_names(coder, team, ZH)
    english = _panel_names(coder, team, EN)
    assert "主权" in chinese and "Sovereignty" not in chinese
    assert "Sovereignty" in english and "主权" not in english
    # A code with only its English name keeps it in the Chinese interface.
    other = next(name for name in team.codes if name != "Sovereignty" and name in english)
    assert other in chinese


def test_the_definition_follows_the_language_and_falls_back(
    client_factory, team: Team, session
) -> None:
    lead = client_factory()
    lead.login("lead")
    code = team.codes["Sovereignty"]
    lead.post(
        f"/p/{team.slug}/codebook/codes/{code.id}",
        {"definition": "Claims of national sovereignty.", "definition_zh": "关于国家主权的主张。"},
    )
    url = f"/p/{team.slug}/code?doc={team.passages[0].document_id}"
    assert "关于国家主权的主张。" in lead.get(url, headers=ZH).get_data(as_text=True)
    english = lead.get(url, headers=EN).get_data(as_text=True)
    assert "Claims of national sovereignty." in english and "关于国家主权的主张。" not in english
    # Without a Chinese definition the Chinese interface shows the English one.
    lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {"definition_zh": ""})
    assert "Claims of national sovereignty." in lead.get(url, headers=ZH).get_data(as_text=True)


def test_editing_the_chinese_definition_makes_a_version(
    client_factory, team: Team, session
) -> None:
    lead = client_factory()
    lead.login("lead")
    code = team.codes["Sovereignty"]

    def versions() -> list[CodebookVersion]:
        reread(session)
        return list(session.scalars(select(CodebookVersion).order_by(CodebookVersion.number)))

    before = len(versions())
    r = lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {"definition_zh": "国家主权。"})
    assert r.status_code == 200
    made = versions()
    assert len(made) == before + 1
    assert any(c["kind"] == "edited" and c["fields"] == ["definition_zh"] for c in made[-1].changes)
    assert made[-1].snapshot["codes"][0].keys() >= {"name_zh", "definition_zh"}
    # The history names the field in the reader's language.
    page = lead.get(f"/p/{team.slug}/codebook", headers=EN).get_data(as_text=True)
    assert "Chinese definition" in page
    # First filling in a translation leaves codings current; rewriting it changes the meaning.
    revision = session.get(Code, code.id).revision
    lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {"definition_zh": "国家的主权。"})
    assert len(versions()) == before + 2
    assert session.get(Code, code.id).revision == revision + 1
    # The same text again is no change and no version.
    lead.post(f"/p/{team.slug}/codebook/codes/{code.id}", {"definition_zh": "国家的主权。"})
    assert len(versions()) == before + 2


def test_chinese_texts_have_length_limits_and_name_rules(client_factory, team: Team) -> None:
    lead = client_factory()
    lead.login("lead")
    code = team.codes["Sovereignty"]
    url = f"/p/{team.slug}/codebook/codes/{code.id}"
    assert lead.post(url, {"name_zh": "主" * 201}).status_code == 422
    assert lead.post(url, {"definition_zh": "义" * 20_001}).status_code == 422
    assert lead.post(url, {"name_zh": "甲 > 乙"}).status_code == 422
    siblings = [c for c in team.codes.values() if c.parent_id == code.parent_id and c is not code]
    assert lead.post(url, {"name_zh": "同名"}).status_code == 200
    other = f"/p/{team.slug}/codebook/codes/{siblings[0].id}"
    assert lead.post(other, {"name_zh": "同名"}).status_code == 422


def test_code_text_prefers_the_language_and_falls_back() -> None:
    both, english_only = CodeName("Sovereignty", "主权"), CodeName("Sovereignty", "")
    assert code_text(both, "name", "zh_Hans") == "主权"
    assert code_text(both, "name", "en") == "Sovereignty"
    assert code_text(english_only, "name", "zh_Hans") == "Sovereignty"
    assert code_text(CodeName("", "主权"), "name", "en") == "主权"
