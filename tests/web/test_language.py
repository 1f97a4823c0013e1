"""The interface language: the saved choice, then the browser's, then English; the switcher."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tests.conftest import Client
from tests.conftest import csrf_token
from tests.conftest import reread
from workbench.models import User


def _signed_in(client: Client, make_user: Any, name: str = "mei") -> Any:
    user = make_user(name)
    client.login(name)
    return user


def test_the_browser_language_chooses_chinese(client: Client, make_user: Any) -> None:
    _signed_in(client, make_user)
    page = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    html = page.get_data(as_text=True)
    assert '<html lang="zh-Hans">' in html
    assert "退出登录" in html and "Sign out" not in html
    assert "Accept-Language" in page.headers["Vary"]


def test_english_is_the_default_and_an_unknown_language_falls_back(
    client: Client, make_user: Any
) -> None:
    _signed_in(client, make_user)
    for accept in (None, "fr-FR,de;q=0.8"):
        headers = {"Accept-Language": accept} if accept else {}
        html = client.get("/", headers=headers).get_data(as_text=True)
        assert '<html lang="en">' in html and "Sign out" in html


def test_the_saved_choice_beats_the_browser(
    client: Client, make_user: Any, session: Session
) -> None:
    user = _signed_in(client, make_user)
    zh = {"Accept-Language": "zh-CN"}
    r = client.post("/language", {"language": "en", "next": "/"}, htmx=False, headers=zh)
    assert r.status_code == 302 and r.headers["Location"].endswith("/")
    reread(session)
    assert session.get(User, user.id).locale == "en"
    assert "Sign out" in client.get("/", headers=zh).get_data(as_text=True)
    # A new sign-in elsewhere (a fresh client, no session cookie) keeps the saved choice.
    other = Client(client.client.application.test_client())
    other.login("mei")
    assert "Sign out" in other.get("/", headers=zh).get_data(as_text=True)


def test_a_visitor_switches_for_the_session_on_the_sign_in_page(client: Client) -> None:
    page = client.get("/login")
    token = csrf_token(page.get_data(as_text=True))
    assert 'name="language"' in page.get_data(as_text=True)
    r = client.client.post(
        "/language", data={"language": "zh_Hans", "next": "/login", "csrf_token": token}
    )
    assert r.status_code == 302
    assert '<html lang="zh-Hans">' in client.get("/login").get_data(as_text=True)


def test_an_unknown_language_is_refused_in_the_current_language(
    client: Client, make_user: Any
) -> None:
    _signed_in(client, make_user)
    r = client.post("/language", {"language": "xx", "next": "/"}, headers={"Accept-Language": "zh"})
    assert r.status_code == 422
    assert "没有该语言的界面" in r.get_data(as_text=True)


def test_the_switcher_never_redirects_off_site(client: Client, make_user: Any) -> None:
    _signed_in(client, make_user)
    r = client.post("/language", {"language": "en", "next": "//evil.example/"}, htmx=False)
    assert r.status_code == 302 and "evil" not in r.headers["Location"]
