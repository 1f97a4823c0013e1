"""Sign in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from werkzeug.wrappers import Response

from workbench.services import accounts
from workbench.web.base import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an open redirect would hand phishing a trusted link.
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("projects.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    """Show the sign-in form and sign the user in."""
    error = None
    if request.method == "POST":
        user = accounts.authenticate(
            db(), request.form.get("username", ""), request.form.get("password", "")
        )
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        error = "Unknown username or wrong password."
    status = 401 if error else 200
    return render_template("auth/login.html", error=error), status  # type: ignore[return-value]


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    """Sign the user out."""
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))
