"""The methods report in the interface's language by default, in either language on request."""

from __future__ import annotations

from typing import Any

from .conftest import Team
from .test_agreement_flow import dom
from .test_agreement_flow import make_coded_round

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}


def _paragraph(client: Any, url: str, headers: dict[str, str] | None = None) -> tuple[str, Any]:
    page = dom(client.get(url, headers=headers or {}))
    return page.one(id="methods-paragraph").text(), page


def test_the_paragraph_follows_the_interface_and_the_explicit_choice(
    client_factory, team: Team, session
) -> None:
    lead, rnd = make_coded_round(client_factory, team, session)
    url = f"/p/{team.slug}/agreement/methods?round={rnd.id}&bootstrap=100"
    english, page = _paragraph(lead, url)
    assert english.startswith("Intercoder reliability was assessed on 3 passages")
    # Both languages are offered, whatever the interface's; the chosen one is marked.
    links = page.all("a")
    offered = {a.attrs.get("lang") for a in links if "lang=" in (a.attrs.get("href") or "")}
    assert {"en", "zh-Hans"} <= offered
    # A Chinese interface writes the Chinese paragraph by default ...
    chinese, _ = _paragraph(lead, url, ZH)
    assert chinese.startswith("编码员间信度以3个段落为样本进行评估")
    assert "依据第1版编码本" in chinese
    # ... an English interface gives it when asked, and a Chinese one the English paragraph.
    assert _paragraph(lead, url + "&lang=zh_Hans")[0] == chinese
    assert _paragraph(lead, url + "&lang=en", ZH)[0] == english
    # The Markdown download carries the chosen paragraph, named for its language.
    md = lead.get(url + "&lang=zh_Hans&format=md")
    assert md.status_code == 200 and md.mimetype == "text/markdown"
    assert md.get_data(as_text=True).startswith("编码员间信度")
    assert "zh_Hans.md" in md.headers["Content-Disposition"]
    # An unknown language falls back to English rather than failing.
    assert _paragraph(lead, url + "&lang=xx")[0] == english


def test_the_report_page_offers_the_paragraph_in_both_languages(
    client_factory, team: Team, session
) -> None:
    lead, rnd = make_coded_round(client_factory, team, session)
    html = lead.get(f"/p/{team.slug}/agreement/report?round={rnd.id}&bootstrap=0")
    text = html.get_data(as_text=True)
    assert "lang=zh_Hans" in text and "lang=en" in text
