"""Sign in and out; failed sign-ins are throttled per account and per address."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_login import login_user
from flask_login import logout_user
from werkzeug.wrappers import Response

from workbench.accounts import login_throttle
from workbench.accounts import sign_in as sign_in_service
from workbench.accounts import users as accounts
from workbench.core.i18n import _
from workbench.core.i18n import ngettext
from workbench.web.access import me
from workbench.web.routes import action
from workbench.web.unit import database
from workbench.web.unit import db
from workbench.web.unit import writes

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str:
    # Only same-site relative paths: an open redirect would hand phishing a trusted link.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("projects.index")


def throttle() -> login_throttle.Throttle:
    """The sign-in throttle as this application is configured."""
    config = current_app.config
    return login_throttle.Throttle(
        per_account=int(config["LOGIN_FAILURES_PER_ACCOUNT"]),
        per_address=int(config["LOGIN_FAILURES_PER_ADDRESS"]),
        window=timedelta(seconds=int(config["LOGIN_THROTTLE_SECONDS"])),
    )


def _page(error: str | None, status: int) -> Response:
    html = render_template("auth/login.html", error=error)
    return Response(html, status=status, mimetype="text/html")


@bp.get("/login")
def login() -> Response:
    """Show the sign-in form."""
    return _page(None, 200)


def _check_credentials() -> sign_in_service.Attempt:
    form = request.form
    return sign_in_service.check_attempt(
        database(),
        db(),
        throttle(),
        form.get("username", ""),
        form.get("password", ""),
        request.remote_addr or "unknown",
    )


@bp.post("/login")
@writes(prepare=_check_credentials)
def sign_in(prepared: sign_in_service.Attempt) -> Response:
    """Sign the user in, or record the failure (and refuse while the throttle says wait)."""
    sign_in_service.record_outcome(db(), prepared)
    if prepared.wait is not None:
        minutes = max(1, round(prepared.wait / 60))
        response = _page(
            ngettext(
                "Too many failed sign-ins for this account or from this address. "
                "Try again in %(num)s minute.",
                "Too many failed sign-ins for this account or from this address. "
                "Try again in %(num)s minutes.",
                minutes,
            ),
            429,
        )
        response.headers["Retry-After"] = str(prepared.wait)
        return response
    if prepared.user is None:
        return _page(_("Unknown username or wrong password."), 401)
    login_user(prepared.user)
    return redirect(safe_next(request.args.get("next")))


@action(bp, "/logout")
def logout() -> Response:
    """Sign out: every session of this account ends, here and on any other device."""
    accounts.end_sessions(me())
    logout_user()
    flash(_("You are signed out (on every device)."))
    return redirect(url_for("auth.login"))
