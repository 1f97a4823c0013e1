"""A worker verifies each CSRF token once; a remembered token is still refused wherever the full
check would refuse it: with another session, after its time, over HTTPS without a same-site
referrer, under another key."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from itsdangerous import URLSafeTimedSerializer

from tests.conftest import PASSWORD
from tests.conftest import Client
from tests.conftest import csrf_token
from workbench.web import registration
from workbench.web.csrf import RememberingCSRFProtect

LANGUAGE = {"language": "en", "next": "/"}


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every CSRF token whose signature is verified, in order (session cookies left out)."""
    seen: list[str] = []
    loads = URLSafeTimedSerializer.loads

    def counting(self: URLSafeTimedSerializer, value: Any, *args: Any, **kwargs: Any) -> Any:
        if self.salt == b"wtf-csrf-token":
            seen.append(value)
        return loads(self, value, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", counting)
    return seen


@pytest.fixture
def signed_in(app: Flask, make_user: Any) -> Client:
    make_user("ana")
    client = Client(app.test_client())
    client.login("ana")
    return client


def test_the_application_uses_the_remembering_check(app: Flask) -> None:
    assert isinstance(registration.csrf, RememberingCSRFProtect)
    assert app.extensions["csrf"] is registration.csrf


def test_a_token_is_verified_once(app: Flask, make_user: Any, checks: list[str]) -> None:
    make_user("ana")
    client = Client(app.test_client())
    client.login("ana")  # signing in posts a token too
    for _ in range(3):
        assert client.post("/language", LANGUAGE, htmx=False).status_code == 302
    # Each token: the full check of its first request and its decoding to be remembered;
    # nothing after, however often it comes again.
    assert client.token in checks
    assert Counter(checks) == {token: 2 for token in set(checks)}


def test_a_remembered_token_is_refused_with_another_session(
    app: Flask, signed_in: Client, make_user: Any
) -> None:
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 302
    make_user("bea")
    other = Client(app.test_client())
    other.login("bea")
    other.token = signed_in.token  # ana's token, remembered, sent with bea's session
    r = other.post("/language", LANGUAGE, htmx=False)
    assert r.status_code == 400
    assert "CSRF" in r.get_data(as_text=True)


def test_a_changed_token_is_refused(signed_in: Client) -> None:
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 302
    assert signed_in.token is not None
    signed_in.token = signed_in.token[:-2] + ("AA" if signed_in.token[-2:] != "AA" else "BB")
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 400


def test_a_remembered_token_expires_like_any_other(
    app: Flask, signed_in: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.config["WTF_CSRF_TIME_LIMIT"] = 60
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 302
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    r = signed_in.post("/language", LANGUAGE, htmx=False)
    assert r.status_code == 400
    monkeypatch.setattr(time, "time", lambda: now + 30)
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 302


def test_a_remembered_token_is_refused_under_another_key(app: Flask, signed_in: Client) -> None:
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 302
    app.config["WTF_CSRF_SECRET_KEY"] = "a key the token was not signed with"
    assert signed_in.post("/language", LANGUAGE, htmx=False).status_code == 400


def test_over_https_a_remembered_token_still_needs_a_same_site_referrer(
    app: Flask, make_user: Any, checks: list[str]
) -> None:
    make_user("ana")
    client = app.test_client()
    https = "https://localhost"
    here = {"Referer": "https://localhost/login"}
    page = client.get("/login", base_url=https, headers=here)
    token = csrf_token(page.get_data(as_text=True))
    form = {"username": "ana", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form, base_url=https, headers=here).status_code == 302
    token = csrf_token(client.get("/", base_url=https).get_data(as_text=True))
    assert token is not None

    def post(headers: dict[str, str]) -> int:
        return client.post(
            "/language", data=LANGUAGE, base_url=https, headers={"X-CSRFToken": token, **headers}
        ).status_code

    assert post(here) == 302
    assert post(here) == 302
    assert checks.count(token) == 2  # verified once, then remembered
    assert post({}) == 400
    assert post({"Referer": "https://elsewhere.example/page"}) == 400
    assert post(here) == 302


@pytest.mark.parametrize("padding", ["!!!!", "é"])
def test_a_padded_copy_of_a_token_is_checked_in_full_and_not_kept(
    app: Flask, checks: list[str], padding: str
) -> None:
    # The signer's decoding skips characters outside its alphabet, so a good token with any
    # amount of them appended passes the check. Kept, such copies (up to a form field's size
    # each, posted by anyone to the sign-in page) would fill a worker's memory.
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    assert token is not None
    memo = registration.csrf._verified
    kept_before = sum(len(k) for k in memo)
    for n in (1000, 1001):
        padded = token + padding * n
        form = {"username": "nobody", "password": "wrong", "csrf_token": padded}
        r = client.post("/login", data=form)
        assert r.status_code == 401  # past the CSRF check, refused by the sign-in itself
        assert checks.count(padded) == 1
    assert padded not in memo
    assert sum(len(k) for k in memo) - kept_before < 2 * len(token)
    # The token itself, in the signer's form, is still remembered after its own full check.
    for _ in range(2):
        client.post("/login", data={"username": "nobody", "password": "wrong", "csrf_token": token})
    assert token in memo
