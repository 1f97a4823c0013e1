"""The lead imports an NVivo-shaped .qdpx in the browser: the report first, then apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from tests.browser.conftest import login
from tests.conftest import reread
from tests.refi_fixtures import nvivo_file
from workbench.models import Annotation


def test_the_report_is_shown_before_anything_is_applied(
    page: Any,
    live_server: str,
    session: Any,
    make_user: Any,
    make_project: Any,
    tmp_path: Path,
) -> None:
    lead = make_user("lead")
    project = make_project("Comments", lead=lead)
    data, _raw, wanted = nvivo_file(400)
    upload = tmp_path / "comments.qdpx"
    upload.write_bytes(data)
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{project.slug}/export")
    form = page.locator("#project-import form")
    form.locator("input[type=file]").set_input_files(str(upload))
    form.get_by_label("create missing coders").check()
    form.get_by_role("button", name="Check").click()
    status = page.locator("#project-result [role=status]")
    status.wait_for()
    assert status.inner_text().startswith("Preview")
    assert "UTF-16 code units, CRLF counted as two" in page.locator("ul.readings").inner_text()
    reread(session)
    assert session.scalar(select(func.count(Annotation.id))) == 0
    page.get_by_role("button", name="Apply the import").click()
    page.locator("#project-result .import-report[data-applied=yes]").wait_for()
    assert (
        f"{len(wanted)} codings applied"
        in page.locator("#project-result [role=status]").inner_text()
    )
    reread(session)
    assert session.scalar(select(func.count(Annotation.id))) == len(wanted)
