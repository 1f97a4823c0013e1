"""Signing in, CSRF, cookies and role checks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import reread
from tests.conftest import write_lock_held_elsewhere
from workbench.models import AuditEvent
from workbench.models import Project


def test_login_then_projects(client, make_user, make_project) -> None:
    lead = make_user("lead", name="Lead Person")
    make_project("Counter-terrorism", lead=lead)
    client.login("lead")
    page = client.get("/")
    assert page.status_code == 200
    assert "Counter-terrorism" in page.get_data(as_text=True)


def test_wrong_password_is_refused(client, make_user) -> None:
    make_user("lead")
    response = client.login("lead", "not the password")
    assert response.status_code == 401
    assert client.get("/").status_code == 302  # still signed out: sent to the login page


def test_session_cookie_is_httponly_and_samesite(client, make_user) -> None:
    make_user("lead")
    client.login("lead")
    cookie = client.client.get_cookie("session")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_post_without_csrf_token_is_refused(client, make_user, make_project, session) -> None:
    lead = make_user("lead")
    project = make_project(lead=lead, blind=True)
    client.login("lead")
    response = client.post(f"/p/{project.slug}/settings", data={}, csrf=False, htmx=False)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    reread(session)
    assert session.get(Project, project.id).blind is True  # nothing changed
    ok = client.post(f"/p/{project.slug}/settings", data={}, htmx=False)
    assert ok.status_code == 302
    reread(session)
    assert session.get(Project, project.id).blind is False


def test_blind_setting_is_kept_in_the_history(client, make_user, make_project, session) -> None:
    lead = make_user("lead")
    project = make_project(lead=lead, blind=True)
    client.login("lead")
    assert client.post(f"/p/{project.slug}/settings", data={}, htmx=False).status_code == 302
    assert client.post(f"/p/{project.slug}/settings", data={}, htmx=False).status_code == 302
    reread(session)
    events = session.scalars(
        select(AuditEvent).where(
            AuditEvent.project_id == project.id, AuditEvent.entity == "project"
        )
    ).all()
    # The second post changed nothing and recorded nothing.
    assert [(e.action, e.actor_id, e.before, e.after) for e in events] == [
        ("settings", lead.id, {"blind": True}, {"blind": False})
    ]


def test_login_form_without_csrf_is_refused(client, make_user) -> None:
    make_user("lead")
    response = client.client.post("/login", data={"username": "lead", "password": "x"})
    assert response.status_code == 400


def test_non_member_cannot_open_a_project(client, make_user, make_project) -> None:
    lead = make_user("lead")
    make_user("stranger")
    project = make_project(lead=lead)
    client.login("stranger")
    assert client.get(f"/p/{project.slug}").status_code == 403


def test_open_redirect_is_not_followed(client, make_user) -> None:
    make_user("lead")
    page = client.get("/login")
    from tests.conftest import PASSWORD
    from tests.conftest import csrf_token

    token = csrf_token(page.get_data(as_text=True))
    response = client.client.post(
        "/login?next=//evil.example/x",
        data={"username": "lead", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_locked_database_is_a_clear_503(app, client, make_user, make_project, db_url) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    lead = make_user("lead")
    project = make_project(lead=lead, blind=True)
    client.login("lead")
    # Another program holds the write lock (as a long command-line import does).
    with write_lock_held_elsewhere(app, db_url):
        response = client.post(f"/p/{project.slug}/settings", data={}, htmx=True)
    assert response.status_code == 503
    assert "busy" in response.get_data(as_text=True)
