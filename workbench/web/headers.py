"""Security headers on every response, Secure cookies over HTTPS, and trusting a reverse proxy."""

from __future__ import annotations

from flask import Flask
from flask import Response
from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

from workbench.web.cookies import VerifiedCookieSessions

# No inline script anywhere (scripts are static files), so script-src needs no 'unsafe-inline'
# and htmx runs without eval (no hx-on or js: values). Inline style attributes carry code
# colours and bar widths; style elements must still come from the workbench's own files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


class SessionOverHttps(VerifiedCookieSessions):
    """Signed-cookie sessions (verified once per worker), marked Secure over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        """Secure when configured so, or when this request is HTTPS (directly or via the proxy)."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Add the headers to every response; trust PROXY_COUNT proxies' X-Forwarded-* headers."""
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    app.session_interface = SessionOverHttps()
    app.after_request(_add_headers)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
