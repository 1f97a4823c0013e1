"""The drift table of the agreement report (page fragment and the workbook's Drift sheet), on a
synthetic project where one coder drifts after passage 60 and one stays consistent."""

from __future__ import annotations

import io

import openpyxl
from lxml import html

from tests.db.quality_fixtures import drifting_project
from tests.db.quality_fixtures import keyword_project
from workbench.formats.scope import ExportScope
from workbench.interchange import exports
from workbench.models import ConsensusAnnotation
from workbench.models import ConsensusState
from workbench.models import Passage


def test_report_page_offers_the_drift_table_and_it_flags_the_drifter(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, ids = drifting_project(session, make_user, make_project, import_text)
    client = client_factory()
    client.login("lead")
    report = html.fromstring(
        client.get(f"/p/{project.slug}/agreement/report?bootstrap=0").get_data(as_text=True)
    )
    (details,) = report.xpath("//*[@id='report-drift']//details")
    url = details.get("hx-get")
    assert url == f"/p/{project.slug}/agreement/report/drift"

    found = client.get(f"{url}?against=consensus&window=20")
    assert found.status_code == 200
    tree = html.fromstring(found.get_data(as_text=True))
    rows = tree.xpath("//table[@id='drift-table']/tbody/tr")
    by_coder: dict[str, list[tuple[int, bool]]] = {}
    for tr in rows:
        by_coder.setdefault(tr.get("data-coder"), []).append(
            (int(tr.get("data-window")), "flagged" in (tr.get("class") or ""))
        )
    assert by_coder == {
        "drifter": [(0, False), (1, False), (2, False), (3, True), (4, True)],
        "steady": [(i, False) for i in range(5)],
    }
    drifter_rows = [tr for tr in rows if tr.get("data-coder") == "drifter"]
    cells = [td.text_content().strip() for td in drifter_rows[3].xpath("td")]
    assert cells[1] == str(ids[60])  # the first flagged window starts at passage 61
    assert cells[-1]  # the flag says why
    assert "drifter" in tree.xpath("string(//*[@class='flag-summary'])")

    wider = html.fromstring(client.get(f"{url}?window=50").get_data(as_text=True))
    assert len(wider.xpath("//table[@id='drift-table']/tbody/tr")) == 4
    assert client.get(f"{url}?window=1").status_code == 422
    assert client.get(f"{url}?against=nobody").status_code == 422


def test_the_drift_table_is_for_leads(
    session, make_user, make_project, import_text, client_factory
) -> None:
    project, _ = drifting_project(session, make_user, make_project, import_text)
    coder = client_factory()
    coder.login("steady")
    assert coder.get(f"/p/{project.slug}/agreement/report/drift").status_code == 403


def test_workbook_drift_sheet_has_every_window_and_flags(
    session, make_user, make_project, import_text
) -> None:
    project, ids = drifting_project(session, make_user, make_project, import_text)
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", buf)
    sheet = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["Drift"]
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    col = {name: header.index(name) for name in header}
    flags = {
        coder: [r[col["flagged"]] for r in rows if r[col["coder"]] == coder]
        for coder in ("drifter", "steady")
    }
    assert flags == {"drifter": [0, 0, 0, 1, 1], "steady": [0] * 5}
    flagged = [r for r in rows if r[col["flagged"]] == 1]
    first = session.get(Passage, ids[60])
    assert (flagged[0][col["first_document"]], flagged[0][col["first_passage_ordinal"]]) == (
        first.document.title,
        first.ordinal + 1,
    )
    assert flagged[0][col["first_passage_ordinal"]] == 61
    assert all(r[col["flag_reason"]] for r in flagged)
    assert {r[col["alpha"]] for r in rows if r[col["coder"]] == "steady"} == {1}
    assert all(r[col["against"]] == "consensus" for r in rows)


def test_no_drift_sheet_without_a_consensus(session, make_user, make_project, import_text) -> None:
    project, *_ = keyword_project(session, make_user, make_project, import_text)
    session.query(ConsensusAnnotation).filter_by(project_id=project.id).delete()
    session.query(ConsensusState).filter_by(project_id=project.id).delete()
    session.commit()
    buf = io.BytesIO()
    exports.write_export(session, project, ExportScope(bootstrap=0), "xlsx", buf)
    assert "Drift" not in openpyxl.load_workbook(io.BytesIO(buf.getvalue())).sheetnames
