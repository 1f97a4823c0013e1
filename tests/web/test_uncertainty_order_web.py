"""Production coding in order of uncertainty: offered only with suggestions on and outside
rounds; the least certain suggestion first, passages without suggestions last."""

from __future__ import annotations

from typing import Any

from lxml import html
from sqlalchemy import select

from tests.conftest import reread
from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from workbench.coding import assignments
from workbench.coding.view import ViewFilters
from workbench.models import Document
from workbench.quality import queue_order
from workbench.quality import suggestions

FRESH = (
    b"A public-private partnership, a public-private partnership and one more public-private "
    b"partnership.\n\n"
    b"Council members discussed the report.\n\n"
    b"The committee noted sanctions, threat and measures in the region.\n\n"
    b"Support for dialogue and partnership in development and a framework.\n\n"
    b"Peace."
)


def _order(client, url: str) -> list[int]:
    tree = html.fromstring(client.get(url).get_data(as_text=True))
    return [int(li.get("id").removeprefix("passage-")) for li in tree.xpath("//li[@id]")]


def test_uncertainty_order_puts_the_least_certain_first(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, lead, ann, partnership, _ = keyword_project(
        session, make_user, make_project, import_text
    )
    suggestions.train_project(session, project, lead)
    session.commit()
    import_text(project, [("fresh.txt", FRESH)])
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None
    mine = [p for p in passages_of(session, project) if p.document_id == fresh.id]
    document_order = [p.id for p in mine]

    coder = client_factory()
    coder.login("ann")
    url = f"/p/{project.slug}/d/{fresh.id}/code"
    page = html.fromstring(coder.get(url).get_data(as_text=True))
    assert not page.xpath("//select[@name='order']")  # no suggestions enabled yet
    assert _order(coder, f"{url}?order=uncertainty") == document_order

    # The sign-in wrote (its attempt is counted first): the test's snapshot is older.
    reread(session)
    suggestions.set_enabled(session, project, lead, partnership.id, True)
    session.commit()
    page = html.fromstring(coder.get(url).get_data(as_text=True))
    assert page.xpath("//select[@name='order']/option/@value") == ["", "uncertainty"]
    # The model's own probabilities, read another way: nearest 0.5 first.
    model = suggestions.loaded_models(suggestions.stored_model(session, project))
    found = model.suggest([p.text for p in mine], ["Partnership"], at=0.0)
    p_of = {p.id: f["Partnership"] for p, f in zip(mine, found, strict=True)}
    expected = sorted(document_order, key=lambda pid: abs(p_of[pid] - 0.5))
    assert p_of[document_order[0]] > 0.9  # the keyword passage is certain: it goes last
    assert expected != document_order
    assert _order(coder, f"{url}?order=uncertainty") == expected
    assert _order(coder, url) == document_order  # the default stays document order

    # Never in a round: the view's order is the document's, whatever is asked.
    in_round = ViewFilters(doc_id=fresh.id, round_id=1)
    assert queue_order.uncertainty_order(session, project, ann, in_round) is None
    assert not queue_order.offered(session, project, ann, in_round)
    round_page = html.fromstring(
        coder.get(f"{url}?round=1&order=uncertainty").get_data(as_text=True)
    )
    assert not round_page.xpath("//select[@name='order']")

    # The blind project's training passages are scored by the models fitted without them
    # (set apart, they would tell which passages others coded alike), among the others.
    everything = queue_order.uncertainty_order(session, project, ann, ViewFilters())
    assert everything is not None
    every = passages_of(session, project)
    trained = [p.id for p in every if p.document_id != fresh.id]
    assert sorted(everything) == sorted(trained + document_order)
    assert [pid for pid in everything if pid in set(document_order)] == expected

    def closeness(p: Any) -> float:
        half = suggestions.half_of(p.id) if p.id in set(trained) else None
        return abs(
            model.suggest([p.text], ["Partnership"], at=0.0, half=half)[0]["Partnership"] - 0.5
        )

    assert everything == [p.id for p in sorted(every, key=closeness)]
    assert queue_order.uncertainty_order(session, project, ann, ViewFilters()) == everything

    # The queue offers the same order for the coder's next passages.
    assignments.assign_documents(session, project, [fresh.id], [ann.id], overlap=0)
    session.commit()
    queue = html.fromstring(coder.get(f"/p/{project.slug}/queue").get_data(as_text=True))
    (link,) = queue.xpath("//a[contains(@href, 'order=uncertainty')]/@href")
    assert _order(coder, link) == expected
