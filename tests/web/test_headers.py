"""Security headers on every response; no inline script in any template; Secure cookies on HTTPS."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import PASSWORD
from tests.conftest import csrf_token
from workbench.app import create_app
from workbench.web.unit import database

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _check(response) -> None:
    h = response.headers
    csp = h["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in directives["style-src"]
    assert h["X-Frame-Options"] == "DENY"
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "same-origin"


def test_every_kind_of_response_has_the_headers(client, make_user, make_project) -> None:
    lead = make_user("lead")
    project = make_project(lead=lead)
    _check(client.get("/login"))  # a page
    _check(client.get("/"))  # a redirect
    _check(client.get("/static/workbench.css"))  # a static file
    _check(client.get("/no/such/page"))  # an error
    client.login("lead")
    _check(client.get(f"/p/{project.slug}"))
    _check(client.get(f"/p/{project.slug}/codebook", htmx=True))  # a fragment
    _check(client.post(f"/p/{project.slug}/code/apply", {}))  # a 422 fragment


def test_templates_carry_no_inline_script_or_handlers() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        assert not inline_script.search(text), path
        assert not handler.search(text), path
        assert "javascript:" not in text, path


def _login_cookie(client, base_url: str, headers: dict[str, str] | None = None) -> str:
    # Over HTTPS the CSRF check also wants a same-site Referer, as a browser sends.
    kw = {"headers": {**(headers or {}), "Referer": "https://localhost/login"}}
    page = client.get("/login", base_url=base_url, **kw)
    token = csrf_token(page.get_data(as_text=True))
    r = client.post(
        "/login",
        data={"username": "ana", "password": PASSWORD, "csrf_token": token},
        base_url=base_url,
        **kw,
    )
    assert r.status_code == 302
    return ";".join(r.headers.getlist("Set-Cookie"))


def test_cookies_are_secure_over_https_only(app, make_user) -> None:
    make_user("ana")
    assert "Secure" not in _login_cookie(app.test_client(), "http://localhost")
    cookie = _login_cookie(app.test_client(), "https://localhost")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_behind_a_trusted_proxy_forwarded_https_makes_cookies_secure(
    db_url, make_user, tmp_path
) -> None:
    make_user("ana")
    settings = {
        "DATABASE_URL": db_url,
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "EXPORT_DIR": str(tmp_path / "exports"),
    }
    forwarded = {"X-Forwarded-Proto": "https"}
    untrusting = create_app(settings)
    trusting = create_app({**settings, "PROXY_COUNT": 1})
    try:
        # Without PROXY_COUNT a client cannot claim HTTPS with a header.
        assert "Secure" not in _login_cookie(
            untrusting.test_client(), "http://localhost", forwarded
        )
        cookie = _login_cookie(trusting.test_client(), "http://localhost", forwarded)
        assert "Secure" in cookie
        r = trusting.test_client().get("/login", headers=forwarded)
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        database(untrusting).engine.dispose()
        database(trusting).engine.dispose()
