"""Account management in the browser."""

from __future__ import annotations

import re

from tests.conftest import csrf_token


def test_admin_creates_a_user_who_can_sign_in(client_factory, make_user) -> None:
    make_user("root", admin=True)
    admin = client_factory()
    admin.login("root")
    r = admin.post("/admin/users", {"username": "newbie", "display_name": "New Coder"}, htmx=False)
    assert r.status_code == 200
    password = re.search(r'<code class="secret">([^<]+)</code>', r.get_data(as_text=True))[1]
    newbie = client_factory()
    newbie.login("newbie", password)
    assert newbie.get("/").status_code == 200
    # Changing one's own password: the old one stops working.
    page = newbie.get("/account/password").get_data(as_text=True)
    assert csrf_token(page)
    bad = newbie.post(
        "/account/password", {"current": "wrong", "new": "x" * 10, "repeat": "x" * 10}
    )
    assert bad.status_code == 422
    ok = newbie.post(
        "/account/password",
        {"current": password, "new": "a-new-passphrase", "repeat": "a-new-passphrase"},
        htmx=False,
    )
    assert ok.status_code == 200 and "changed" in ok.get_data(as_text=True)
    assert client_factory().login("newbie", password).status_code == 401
    assert client_factory().login("newbie", "a-new-passphrase").status_code == 302


def test_non_admins_cannot_manage_accounts(client, make_user) -> None:
    make_user("plain")
    client.login("plain")
    assert client.get("/admin/users").status_code == 403
    assert client.post("/admin/users", {"username": "x2"}).status_code == 403
    assert client.post("/admin/users/1/password", {}).status_code == 403


def test_duplicate_and_bad_usernames(client, make_user) -> None:
    make_user("root", admin=True)
    client.login("root")
    assert client.post("/admin/users", {"username": "ROOT"}).status_code == 409
    assert client.post("/admin/users", {"username": "a b <c>"}).status_code == 422


def test_an_admin_cannot_deactivate_their_own_account(client, make_user) -> None:
    root = make_user("root", admin=True)
    client.login("root")
    r = client.post(f"/admin/users/{root.id}/active", {}, htmx=False)
    assert r.status_code == 422
    assert "your own account" in r.get_data(as_text=True)
    assert client.post("/admin/users/999999/active", {}, htmx=False).status_code == 404
