"""A worker verifies each session cookie once, and a remembered cookie is still only as good as
the signer would find it: within its age, under the current key, never shared between requests."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.sessions import SecureCookieSession
from itsdangerous import URLSafeTimedSerializer
from werkzeug.test import EnvironBuilder

from workbench.web import cookies


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every cookie string the signer verifies, in order."""
    seen: list[str] = []
    loads = URLSafeTimedSerializer.loads

    def counting(self: URLSafeTimedSerializer, value: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(value)
        return loads(self, value, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", counting)
    return seen


def _cookie(app: Flask, data: dict[str, Any]) -> str:
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    return str(serializer.dumps(data))


def _open(app: Flask, cookie: str) -> SecureCookieSession:
    # A bare request: a pushed request context would open its own session first.
    environ = EnvironBuilder("/", headers={"Cookie": f"session={cookie}"}).get_environ()
    session = app.session_interface.open_session(app, app.request_class(environ))
    assert isinstance(session, SecureCookieSession)
    return session


def test_the_application_uses_the_verifying_sessions(app: Flask) -> None:
    assert isinstance(app.session_interface, cookies.VerifiedCookieSessions)


def test_a_known_cookie_is_verified_once(app: Flask, verifications: list[str]) -> None:
    cookie = _cookie(app, {"_user_id": "3:0", "_fresh": True, "csrf_token": "abc"})
    first, second = _open(app, cookie), _open(app, cookie)
    assert dict(first) == dict(second) == {"_user_id": "3:0", "_fresh": True, "csrf_token": "abc"}
    assert verifications == [cookie]
    assert not second.modified and not second.new


def test_requests_never_share_a_session(app: Flask) -> None:
    cookie = _cookie(app, {"_user_id": "3:0", "wb_locale": "en"})
    first = _open(app, cookie)
    first["wb_locale"] = "zh_Hans"
    del first["_user_id"]
    assert dict(_open(app, cookie)) == {"_user_id": "3:0", "wb_locale": "en"}


def test_a_cookie_holding_a_list_is_verified_every_time(
    app: Flask, verifications: list[str]
) -> None:
    # Flashed messages are a list a request appends to; no later request may see that append.
    cookie = _cookie(app, {"_flashes": [["message", "Saved."]]})
    first = _open(app, cookie)
    first["_flashes"].append(["message", "Again."])
    assert _open(app, cookie)["_flashes"] == [["message", "Saved."]]
    assert verifications == [cookie, cookie]


def test_a_remembered_cookie_expires_like_any_other(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    app.permanent_session_lifetime = timedelta(seconds=60)
    cookie = _cookie(app, {"_user_id": "3:0"})
    now = cookies._now()
    assert dict(_open(app, cookie)) == {"_user_id": "3:0"}  # now remembered
    monkeypatch.setattr(cookies, "_now", lambda: now + 59)
    assert dict(_open(app, cookie)) == {"_user_id": "3:0"}
    monkeypatch.setattr(cookies, "_now", lambda: now + 62)
    assert dict(_open(app, cookie)) == {}
    # Nor is a remembered cookie taken from the future (a clock set back).
    monkeypatch.setattr(cookies, "_now", lambda: now)
    assert dict(_open(app, cookie)) == {"_user_id": "3:0"}  # verified and remembered again
    monkeypatch.setattr(cookies, "_now", lambda: now - 5)
    assert dict(_open(app, cookie)) == {}


def test_a_new_secret_key_refuses_remembered_cookies(app: Flask) -> None:
    cookie = _cookie(app, {"_user_id": "3:0"})
    assert dict(_open(app, cookie)) == {"_user_id": "3:0"}
    app.secret_key = "another secret"
    assert dict(_open(app, cookie)) == {}
    # The old key as a fallback accepts it again, as Flask's own sessions would.
    app.config["SECRET_KEY_FALLBACKS"] = ["test-secret"]
    assert dict(_open(app, cookie)) == {"_user_id": "3:0"}


def test_a_tampered_cookie_opens_an_empty_session(app: Flask) -> None:
    cookie = _cookie(app, {"_user_id": "3:0"})
    assert dict(_open(app, cookie)) == {"_user_id": "3:0"}
    payload, _dot, rest = cookie.partition(".")
    forged = _cookie(app, {"_user_id": "1:0"}).partition(".")[0] + "." + rest
    assert forged != cookie and dict(_open(app, forged)) == {}
    assert dict(_open(app, payload + ".AAAA.AAAA")) == {}


def test_the_memory_stays_bounded(app: Flask, verifications: list[str]) -> None:
    app.session_interface = cookies.VerifiedCookieSessions(kept=2)
    made = [_cookie(app, {"_user_id": f"{n}:0"}) for n in range(3)]
    for cookie in made:
        _open(app, cookie)
    assert len(app.session_interface._verified) <= 2
    # Forgotten cookies are simply verified again, and still open.
    assert dict(_open(app, made[0])) == {"_user_id": "0:0"}
    assert verifications.count(made[0]) == 2


def test_a_padded_copy_of_a_cookie_opens_but_is_not_kept(
    app: Flask, verifications: list[str]
) -> None:
    # The signer skips characters outside its alphabet: "cookie!!!" opens as "cookie" does.
    # Such copies are verified each time and never remembered, so they cannot fill the memory.
    cookie = _cookie(app, {"_user_id": "3:0"})
    padded = cookie + "!" * 2000
    assert dict(_open(app, padded)) == dict(_open(app, padded)) == {"_user_id": "3:0"}
    assert verifications == [padded, padded]
    memo = app.session_interface._verified  # type: ignore[attr-defined]
    assert padded not in memo
    _open(app, cookie)
    _open(app, cookie)
    assert cookie in memo and verifications.count(cookie) == 1
    assert cookies.rememberable(cookie) and not cookies.rememberable(padded)
    assert not cookies.rememberable(cookie + "é") and not cookies.rememberable("a" * 5000 + ".b")
