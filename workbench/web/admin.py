"""Accounts in the browser: the instance admin manages users; everyone changes their password."""

from __future__ import annotations

from flask import Blueprint
from flask import render_template
from flask import request
from flask_login import login_user

from workbench.accounts import pages
from workbench.accounts import sign_in
from workbench.accounts import users as accounts
from workbench.core.errors import Forbidden
from workbench.core.i18n import _
from workbench.web.access import me
from workbench.web.auth import throttle
from workbench.web.parsers import flag
from workbench.web.routes import action
from workbench.web.routes import route
from workbench.web.unit import database
from workbench.web.unit import db

bp = Blueprint("admin", __name__)


def _admin_only() -> None:
    if not me().is_admin:
        raise Forbidden(_("Only an instance admin can manage accounts."))


def _users_page(outcome: tuple[str | None, str | None] = (None, None)) -> str:
    message, password = outcome
    return render_template("admin/users.html", **vars(pages.users_page(db(), message, password)))


@route(bp, "/admin/users")
def users() -> str:
    """List accounts (instance admins only)."""
    _admin_only()
    return _users_page()


@action(bp, "/admin/users", then=_users_page)
def create_user() -> tuple[str, str]:
    """Create an account with a random password, shown this once."""
    _admin_only()
    user, password = accounts.create_account(
        db(),
        request.form.get("username", ""),
        display_name=request.form.get("display_name") or None,
        is_admin=flag(request.form.get("is_admin")),
    )
    return _("Created %(user)s. Give them this password once:", user=user.username), password


@action(bp, "/admin/users/<int:user_id>/password", then=_users_page)
def reset_password(user_id: int) -> tuple[str, str]:
    """Give an account a new random password, shown this once; its sessions end."""
    _admin_only()
    user, password = accounts.reset_password(db(), user_id)
    return _("New password for %(user)s, shown this once:", user=user.username), password


@action(bp, "/admin/users/<int:user_id>/active", then=_users_page)
def set_active(user_id: int) -> tuple[str, None]:
    """Deactivate an account (its sessions end at once) or activate it again."""
    _admin_only()
    active = flag(request.form.get("active"))
    user = accounts.set_active(db(), user_id, active, by=me())
    if active:
        return _("%(user)s is active again.", user=user.username), None
    return _("%(user)s is deactivated; its sessions have ended.", user=user.username), None


@route(bp, "/account/password")
def password_form() -> str:
    """The form to change one's own password."""
    return render_template("admin/password.html", message=None)


def _check_current() -> bool:
    # Counted and hashed before the writer turn, as a sign-in is (web/auth.py).
    return sign_in.check_current_password(
        database(),
        throttle(),
        me(),
        request.form.get("current", ""),
        request.remote_addr or "unknown",
    )


@action(bp, "/account/password", prepare=_check_current)
def change_password(prepared: bool) -> str:
    """Change one's own password; the account's other sessions end, this one goes on."""
    user = me()  # loaded by the sign-in check into this request's session
    form = request.form
    accounts.change_own_password(db(), user, prepared, form.get("new", ""), form.get("repeat", ""))
    login_user(user)  # a fresh cookie with the new session generation
    message = _("Your password is changed. Your other sessions have ended.")
    return render_template("admin/password.html", message=message)
