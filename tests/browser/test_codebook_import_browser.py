"""The lead imports a codebook in the browser: the check report first, then apply (anyway)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlalchemy import select

from tests.browser.conftest import login
from tests.conftest import reread
from tests.web.test_codebook_import_web import QDC_WITH_SET
from workbench.codebooks import codes as codebooks
from workbench.models import Code
from workbench.models import CodebookVersion


def test_the_codebook_report_comes_before_the_import(
    page: Any,
    live_server: str,
    session: Any,
    make_user: Any,
    make_project: Any,
    tmp_path: Path,
) -> None:
    lead = make_user("lead")
    project = make_project("Codes", lead=lead)
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    counts = (
        session.scalar(select(func.count(Code.id))),
        session.scalar(select(func.count(CodebookVersion.id))),
    )
    upload = tmp_path / "vendor.qdc"
    upload.write_bytes(QDC_WITH_SET)
    login(page, live_server, "lead")
    page.goto(f"{live_server}/p/{project.slug}/codebook")
    form = page.locator("form", has=page.get_by_label("Codebook file"))
    form.get_by_label("Codebook file").set_input_files(str(upload))
    form.get_by_role("button", name="Check").click()
    report = page.locator("#codebook-import-result .import-report[data-applied=no]")
    report.wait_for()
    assert "nothing is applied yet" in report.locator("[role=status]").inner_text()
    assert "Reading list" in report.locator("ul.dropped").inner_text()
    reread(session)
    assert (
        session.scalar(select(func.count(Code.id))),
        session.scalar(select(func.count(CodebookVersion.id))),
    ) == counts
    # Without the tick the import is refused and the report stays, ready to try again.
    with page.expect_response(lambda r: r.url.endswith("/codebook/import/apply")) as answer:
        report.get_by_role("button", name="Apply the import").click()
    assert answer.value.status == 422
    page.locator("#codebook .import-report[data-applied=no] input[name=token]").wait_for(
        state="attached"
    )
    reread(session)
    assert session.scalar(select(func.count(Code.id))) == counts[0]
    page.get_by_label("apply anyway, without the items listed above").check()
    page.get_by_role("button", name="Apply the import").click()
    page.locator("#codebook .import-report[data-applied=yes]").wait_for()
    assert "Imported vendor.qdc as version" in page.locator("#codebook p.ok").first.inner_text()
    assert page.locator(".code-card h3", has_text="Imported idea").is_visible()
    reread(session)
    assert session.scalar(select(func.count(Code.id))) == counts[0] + 1
    assert session.scalar(select(func.count(CodebookVersion.id))) == counts[1] + 1
