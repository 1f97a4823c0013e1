"""The quality page and suggestions through the test client: enable, chips, accept, export."""

from __future__ import annotations

import io

import openpyxl
from lxml import html
from sqlalchemy import select

from tests.conftest import reread
from tests.db.quality_fixtures import keyword_project
from tests.db.quality_fixtures import passages_of
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.models import Annotation
from workbench.models import Document
from workbench.quality import suggestions


def test_lead_enables_a_ready_code_and_a_coder_accepts_its_suggestion(
    session, make_user, make_project, import_text, client_factory, traffic
) -> None:
    project, lead, ann, partnership, randomly = keyword_project(
        session, make_user, make_project, import_text
    )
    suggestions.train_project(session, project, lead)
    import_text(
        project,
        [("new.txt", b"We support a public-private partnership here.\n\nNothing else at all.")],
    )
    session.commit()
    fresh = session.scalar(select(Document).order_by(Document.id.desc()).limit(1))
    assert fresh is not None
    lead_client = client_factory()
    lead_client.login("lead")
    page = lead_client.get(f"/p/{project.slug}/quality")
    assert page.status_code == 200
    tree = html.fromstring(page.get_data(as_text=True))
    assert {
        a.get("data-coder") for a in tree.xpath("//article[contains(@class, 'drift-coder')]")
    } == {"ann", "bob"}
    enable_rows = {
        tr.get("data-code"): bool(tr.xpath(".//button[@class='enable']"))
        for tr in tree.xpath("//*[@id='suggestion-codes']//tr[@data-code]")
    }
    assert enable_rows == {"Partnership": True, "Random": False}
    url = f"/p/{project.slug}/quality/suggestions/enable"
    refused = lead_client.post(url, {"code_id": randomly.id, "enabled": "1"})
    assert refused.status_code == 409
    done = lead_client.post(url, {"code_id": partnership.id, "enabled": "1"})
    assert done.status_code == 200 and "Disable" in done.get_data(as_text=True)

    coder = client_factory()
    coder.login("ann")
    view = coder.get(f"/p/{project.slug}/d/{fresh.id}/code")
    assert view.status_code == 200
    tree = html.fromstring(view.get_data(as_text=True))
    chips = tree.xpath("//button[@class='suggestion']")
    first = passages_of(session, project)[-2]
    assert [c.getparent().getparent().get("id") for c in chips] == [f"passage-{first.id}"]
    assert not tree.xpath(
        f"//*[@id='passage-{first.id}']//div[@class='chips']/div"
    )  # nothing applied yet
    traffic.clear()
    accepted = coder.post(
        f"/p/{project.slug}/suggest/accept", {"passage_id": first.id, "code_id": partnership.id}
    )
    assert accepted.status_code == 200
    # A coding action like the keyboard's: one connection and one transaction, the coder's
    # suggestion context read in it, so that rendering the row after the commit reads nothing.
    assert (traffic.checkouts, traffic.transactions) == (1, 1), "\n".join(traffic.statements)
    traffic.clear()
    toggled = coder.post(
        f"/p/{project.slug}/code/toggle", {"passage_id": first.id, "code_id": randomly.id}
    )
    assert toggled.status_code == 200 and 'class="suggestion"' not in toggled.get_data(as_text=True)
    assert (traffic.checkouts, traffic.transactions) == (1, 1), "\n".join(traffic.statements)
    assert (
        coder.post(
            f"/p/{project.slug}/code/toggle", {"passage_id": first.id, "code_id": randomly.id}
        ).status_code
        == 200
    )  # and off again: the checks below count the accepted coding alone
    reread(session)
    ann_row = session.scalar(
        select(Annotation).where(Annotation.passage_id == first.id, Annotation.coder_id == ann.id)
    )
    assert ann_row is not None and ann_row.suggestion_accepted and ann_row.suggestion_shown
    again = coder.post(
        f"/p/{project.slug}/suggest/accept", {"passage_id": first.id, "code_id": randomly.id}
    )
    assert again.status_code == 409  # never a code the model did not offer

    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", buf)
    sheet = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["Annotations"]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    col = header.index("suggestion_accepted")
    mine = [r for r in rows[1:] if r[header.index("passage_id")] == first.id]
    assert [r[col] for r in mine] == [1]
    others = [r[col] for r in rows[1:] if r[header.index("passage_id")] != first.id]
    assert set(others) <= {0, None}
