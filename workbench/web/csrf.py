"""The CSRF check, with each token verified once per worker rather than on every request.

Flask-WTF checks a writing request's token by building a signer, verifying the token's
signature and decoding it, then comparing what it carries with the session's value: about a
tenth of a coding action's CPU. A token string always carries the same value, signed at the
same second, so a worker remembers the tokens that passed the full check and, when one comes
again, compares only what the signature no longer needs to prove: the session's value, the
token's age and, over HTTPS, the referrer. Anything else, including every refusal, goes
through Flask-WTF's own check, so its answers and messages are unchanged.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from flask import current_app
from flask import g
from flask import request
from flask import session
from flask_wtf.csrf import CSRFProtect
from flask_wtf.csrf import same_origin
from itsdangerous import BadData
from itsdangerous import URLSafeTimedSerializer

from workbench.web.cookies import rememberable

# As for session cookies (cookies.py): a worker serves a team, a few thousand sessions at most;
# the memory is emptied when full, which costs one full check per session.
KEPT = 4096
_SALT = "wtf-csrf-token"  # Flask-WTF's salt for its tokens


class RememberingCSRFProtect(CSRFProtect):
    """Flask-WTF's CSRF protection, remembering the tokens it has already verified."""

    def __init__(self, kept: int = KEPT) -> None:
        super().__init__()
        self._kept = kept
        # token string -> (the value it carries, the second it was signed), under _secret
        self._verified: dict[str, tuple[str, int]] = {}
        self._secret: Any = None

    def protect(self, apply_exemptions: bool = False) -> None:
        """Check the request's token: a remembered one against the session, else in full."""
        if self._known_good(apply_exemptions):
            g.csrf_valid = True
            return
        super().protect(apply_exemptions)
        # Flask-WTF marks a request whose token it verified; exempt requests are not marked.
        if g.get("csrf_valid"):
            self._remember(self._token())

    def _token(self) -> str | None:
        # The token where Flask-WTF looks for it: a form field, else a header.
        return self._get_csrf_token()

    def _secret_key(self) -> Any:
        config = current_app.config
        secret = config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        if secret != self._secret:
            # A token verified under another key proves nothing under this one.
            self._verified.clear()
            self._secret = secret
        return secret

    def _known_good(self, apply_exemptions: bool) -> bool:
        config = current_app.config
        if apply_exemptions and (not request.endpoint or self._is_exempt()):
            return False  # Flask-WTF lets it through unchecked, and unmarked
        if request.method not in config["WTF_CSRF_METHODS"] or not self._secret_key():
            return False
        token = self._token()
        known = self._verified.get(token) if token else None
        if known is None:
            return False
        value, signed = known
        stored = session.get(config["WTF_CSRF_FIELD_NAME"])
        if not isinstance(stored, str) or not hmac.compare_digest(stored, value):
            return False
        limit = config["WTF_CSRF_TIME_LIMIT"]
        # The signer's own test: no older than the limit, and not from the future.
        if limit is not None and not 0 <= int(time.time()) - signed <= limit:
            return False
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            referrer = request.referrer
            if not referrer or not same_origin(referrer, f"https://{request.host}/"):
                return False
        return True

    def _remember(self, token: str | None) -> None:
        if not token or not rememberable(token):
            return  # a padded copy of a good token passes the check once, and is forgotten
        serializer = URLSafeTimedSerializer(self._secret_key(), salt=_SALT)
        try:
            value, when = serializer.loads(token, return_timestamp=True)
        except BadData:
            return
        if not isinstance(value, str):
            return
        if len(self._verified) >= self._kept:
            self._verified.clear()
        self._verified[token] = (value, int(when.timestamp()))
