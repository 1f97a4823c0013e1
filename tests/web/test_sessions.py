"""Sessions end on the server: sign-out, password change, admin reset and deactivation."""

from __future__ import annotations

from typing import Any

from tests.conftest import PASSWORD
from tests.conftest import reread
from workbench.models import User


def _session_cookie(client: Any) -> str:
    cookie = client.client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def _replay(client_factory: Any, cookie: str) -> Any:
    """A new browser that only has a copied session cookie."""
    thief = client_factory()
    thief.client.set_cookie("session", cookie)
    return thief.get("/")


def _signed_in(response: Any) -> bool:
    return response.status_code == 200


def test_a_cookie_replayed_after_sign_out_is_refused(client, client_factory, make_user) -> None:
    make_user("ana")
    client.login("ana")
    cookie = _session_cookie(client)
    assert _signed_in(_replay(client_factory, cookie))  # the copy works while signed in
    r = client.post("/logout", htmx=False)
    assert r.status_code == 302
    replayed = _replay(client_factory, cookie)
    assert replayed.status_code == 302 and "/login" in replayed.headers["Location"]


def test_a_password_change_ends_the_other_sessions(client_factory, make_user) -> None:
    make_user("ana")
    laptop, phone = client_factory(), client_factory()
    laptop.login("ana")
    phone.login("ana")
    r = laptop.post(
        "/account/password",
        {"current": PASSWORD, "new": "a brand new passphrase", "repeat": "a brand new passphrase"},
        htmx=False,
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    assert _signed_in(laptop.get("/"))  # the session that changed it goes on
    assert phone.get("/").status_code == 302
    assert client_factory().login("ana", "a brand new passphrase").status_code == 302


def test_an_admin_reset_ends_the_users_sessions(client_factory, make_user) -> None:
    make_user("root", admin=True)
    ana = make_user("ana")
    admin, user = client_factory(), client_factory()
    admin.login("root")
    user.login("ana")
    assert _signed_in(user.get("/"))
    r = admin.post(f"/admin/users/{ana.id}/password", {}, htmx=False)
    assert r.status_code == 200
    assert user.get("/").status_code == 302


def test_deactivation_ends_the_session_and_refuses_sign_in(
    session, client_factory, make_user
) -> None:
    make_user("root", admin=True)
    ana = make_user("ana")
    admin, user = client_factory(), client_factory()
    admin.login("root")
    user.login("ana")
    cookie = _session_cookie(user)
    r = admin.post(f"/admin/users/{ana.id}/active", {}, htmx=False)
    assert r.status_code == 200 and "deactivated" in r.get_data(as_text=True)
    assert user.get("/").status_code == 302
    assert _replay(client_factory, cookie).status_code == 302
    assert client_factory().login("ana").status_code == 401
    reread(session)
    assert session.get(User, ana.id).active is False
    # Activated again, the account signs in, but the old cookie stays dead.
    admin.post(f"/admin/users/{ana.id}/active", {"active": "on"}, htmx=False)
    assert client_factory().login("ana").status_code == 302
    assert _replay(client_factory, cookie).status_code == 302


def test_an_inactive_account_with_the_current_generation_is_refused(
    session, client, make_user
) -> None:
    # Deactivated behind the workbench's back (in the database, no generation bump).
    ana = make_user("ana")
    client.login("ana")
    assert _signed_in(client.get("/"))
    session.get(User, ana.id).active = False
    session.commit()
    assert client.get("/").status_code == 302


def test_an_admin_cannot_deactivate_themselves(client, make_user) -> None:
    root = make_user("root", admin=True)
    client.login("root")
    r = client.post(f"/admin/users/{root.id}/active", {}, htmx=False)
    assert r.status_code == 422
    assert _signed_in(client.get("/"))


def test_malformed_session_ids_are_anonymous(app, make_user) -> None:
    from workbench.web.access import load_user as _load_user

    ana = make_user("ana")
    with app.test_request_context():
        assert _load_user(f"{ana.id}:0") is not None  # the well-formed id loads the account
        for forged in (f"{ana.id}", f"{ana.id}:", ":0", "²:0", "99999999999:0", "1:0:0", "1\x00:0"):
            assert _load_user(forged) is None, forged
        assert _load_user(f"{ana.id}:1") is None  # a generation the account never had
