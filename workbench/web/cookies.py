"""The session cookie, verified once per worker rather than on every request.

Flask keeps the session in a signed cookie; opening it (base64, HMAC, JSON) was about a
twentieth of a coding action. A cookie is immutable: the same string always carries the same
data, signed at the same second. So a worker remembers the cookies it has verified and, when a
browser sends one again, checks only its age. The cookie still proves nothing about the account
behind it: every request looks the user up and compares the session generation (access.py).
"""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask
from flask import Request
from flask.sessions import SecureCookieSession
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

# A worker serves a team, not the internet: a few thousand browsers at most. The memory is
# emptied when it is full rather than kept in order, which costs one verification per browser.
KEPT = 4096

# The shape of a signed string as the signer writes it: URL-safe base64 parts joined by dots
# (a leading dot when compressed), no longer than a browser keeps a cookie. The signer's decoding
# skips characters outside that alphabet, so "token!!!" passes as "token" does; only strings in
# this form are remembered, or anyone could fill the memory with padded copies of one token.
SIGNED_FORM = re.compile(r"\.?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+")
SIGNED_MAX = 4096


def rememberable(value: str) -> bool:
    """Whether a verified signed string is in the signer's own form, and so worth remembering."""
    return len(value) <= SIGNED_MAX and SIGNED_FORM.fullmatch(value) is not None


# Values a request may replace but never change in place; a session holding anything else
# (the flashed messages' list) is verified afresh each time, so no request sees another's edit.
_IMMUTABLE = (str, bytes, int, float, bool, type(None))


def _now() -> int:
    return int(time.time())


class VerifiedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, remembering which cookie strings were already verified."""

    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        # cookie string -> (its data, the second it was signed), under the keys in _keys
        self._verified: dict[str, tuple[dict[str, Any], int]] = {}
        self._keys: tuple[Any, ...] = ()

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The request's session: a remembered cookie is only checked for age."""
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if keys != self._keys:
            # A cookie verified under another key proves nothing under these.
            self._verified.clear()
            self._keys = keys
        max_age = int(app.permanent_session_lifetime.total_seconds())
        known = self._verified.get(value)
        if known is not None:
            data, signed = known
            # The same test as the signer's: no older than max_age and not from the future.
            if 0 <= _now() - signed <= max_age:
                return self.session_class(data)
            self._verified.pop(value, None)
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        assert serializer is not None  # there is a secret key
        try:
            data, when = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if (
            isinstance(data, dict)
            and all(isinstance(v, _IMMUTABLE) for v in data.values())
            and rememberable(value)
        ):
            if len(self._verified) >= self._kept:
                self._verified.clear()
            self._verified[value] = (dict(data), int(when.timestamp()))
        return self.session_class(data)
