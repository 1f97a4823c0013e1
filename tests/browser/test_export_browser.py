"""Issue 5's "done when": a lead downloads an export, opens it, and opens the analysis views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from tests.browser.conftest import login
from tests.db.test_export_data import build_study
from tests.db.test_export_data import rows_of


def test_lead_downloads_the_workbook_and_opens_the_analysis(
    page: Any,
    live_server: str,
    session: Any,
    make_user: Any,
    make_project: Any,
    import_text: Any,
    tmp_path: Path,
) -> None:
    study = build_study(session, make_user, make_project, import_text)
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{study.project.slug}")
    page.get_by_role("link", name="Export", exact=True).click()
    page.wait_for_url(f"{live_server}/p/{study.project.slug}/export")
    page.get_by_label("Format").select_option("xlsx")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download export").click()
    download = info.value
    assert download.suggested_filename == "ct-study-export.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    wb = load_workbook(target)
    passages = rows_of(wb["Passages"])
    assert passages[3]["text"] == study.chinese[0].text
    assert passages[0]["coder2_capacity_building_s"] == 2

    page.get_by_role("link", name="Analysis", exact=True).click()
    page.wait_for_url(f"{live_server}/p/{study.project.slug}/analysis")
    table = page.locator("#frequency-table")
    table.wait_for(state="visible")
    row = table.locator("tbody tr", has_text="Capacity-building")
    assert row.locator("td").nth(1).inner_text() == "3"
    heatmap = page.locator("svg.heatmap")
    heatmap.wait_for(state="visible")
    assert heatmap.locator("g.cell").count() == 49
    assert page.locator("#frequencies svg.bar-chart").is_visible()
    # Coded-segment retrieval swaps its results in place (htmx).
    page.locator("#retrieval select[name=code]").select_option(
        label="Cooperation > Capacity-building"
    )
    page.get_by_role("button", name="Find").click()
    page.locator("#segments li.segment").first.wait_for()
    assert page.locator("#segments li.segment").count() == 3
    assert page.url.endswith("/analysis")  # a fragment swap, not a page load
