"""Every main page works under the Content-Security-Policy: no violation in the console."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.browser.conftest import login
from tests.web.conftest import ENGLISH
from workbench.codebooks import codes as codebooks


def test_the_pages_run_under_the_policy(
    page: Any, live_server: str, session: Session, make_user, make_project, import_text
) -> None:
    lead = make_user("lead", admin=True)
    coder = make_user("coder1")
    project = make_project("CSP study", lead=lead, coders=(coder,))
    codebooks.ensure_seed_codebook(session, project, lead)
    session.commit()
    import_text(project, [("statement.txt", ENGLISH)])
    login(page, live_server, "lead")
    base = f"{live_server}/p/{project.slug}"
    page.goto(base)
    page.locator("input[name=q]").fill("sovereign")  # the filter form's htmx trigger
    page.wait_for_load_state("networkidle")
    for path in ("/codebook", "/code", "/team", "/agreement", "/agreement/report?bootstrap=0",
                 "/export", "/analysis"):  # fmt: skip
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
    for path in ("/admin/users", "/account/password"):
        assert page.goto(live_server + path).status == 200
    # The coding view's keyboard script runs: "?" opens the list of keys.
    page.goto(base + "/code")
    page.keyboard.press("j")
    page.wait_for_load_state("networkidle")


def test_the_browser_enforces_the_policy(browser: Any, live_server: str) -> None:
    # Outside the console-checking fixture: this page provokes a violation on purpose.
    context = browser.new_context()
    try:
        page = context.new_page()
        violations: list[str] = []
        page.on("console", lambda m: violations.append(m.text) if m.type == "error" else None)
        page.goto(f"{live_server}/login")
        ran = page.evaluate(
            """() => {
                const s = document.createElement('script');
                s.textContent = 'window.__inline = 1';
                document.body.append(s);
                return window.__inline === 1;
            }"""
        )
        assert ran is False
        assert any("Content Security Policy" in v for v in violations), violations
    finally:
        context.close()
