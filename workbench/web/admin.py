"""Accounts in the browser: the instance admin manages users; everyone changes their password."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import login_required, login_user
from sqlalchemy import select

from workbench.accounts import passwords
from workbench.accounts import users as accounts
from workbench.core.errors import Forbidden, NotFound, ValidationError
from workbench.models import User
from workbench.web.access import me
from workbench.web.parsers import flag
from workbench.web.unit import db, writes

bp = Blueprint("admin", __name__)


def _admin_only() -> None:
    if not me().is_admin:
        raise Forbidden("Only an instance admin can manage accounts.")


def _users_page(message: str | None = None, password: str | None = None) -> str:
    users = list(db().scalars(select(User).order_by(User.username)))
    return render_template("admin/users.html", users=users, message=message, password=password)


def _user(user_id: int) -> User:
    user = db().get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


@bp.route("/admin/users")
@login_required
def users() -> str:
    """List accounts (instance admins only)."""
    _admin_only()
    return _users_page()


@bp.route("/admin/users", methods=["POST"])
@login_required
@writes
def create_user() -> str:
    """Create an account with a random password, shown this once."""
    _admin_only()
    password = accounts.random_password()
    user = accounts.create_user(
        db(),
        request.form.get("username", ""),
        password,
        display_name=request.form.get("display_name") or None,
        is_admin=flag(request.form.get("is_admin")),
    )
    return _users_page(f"Created {user.username}. Give them this password once:", password)


@bp.route("/admin/users/<int:user_id>/password", methods=["POST"])
@login_required
@writes
def reset_password(user_id: int) -> str:
    """Give an account a new random password, shown this once; its sessions end."""
    _admin_only()
    user = _user(user_id)
    password = accounts.random_password()
    accounts.set_password(db(), user, password)
    return _users_page(f"New password for {user.username}, shown this once:", password)


@bp.route("/admin/users/<int:user_id>/active", methods=["POST"])
@login_required
@writes
def set_active(user_id: int) -> str:
    """Deactivate an account (its sessions end at once) or activate it again."""
    _admin_only()
    user = _user(user_id)
    active = flag(request.form.get("active"))
    if not active and user.id == me().id:
        raise ValidationError("You cannot deactivate your own account.")
    accounts.set_active(db(), user, active)
    state = "active again" if active else "deactivated; its sessions have ended"
    return _users_page(f"{user.username} is {state}.")


@bp.get("/account/password")
@login_required
def password_form() -> str:
    """The form to change one's own password."""
    return render_template("admin/password.html", message=None)


@bp.post("/account/password")
@login_required
@writes
def change_password() -> str:
    """Change one's own password; the account's other sessions end, this one goes on."""
    user = db().merge(me())
    if not passwords.verify(user.password_hash, request.form.get("current", "")):
        raise ValidationError("The current password is wrong.")
    if request.form.get("new", "") != request.form.get("repeat", ""):
        raise ValidationError("The two new passwords differ.")
    accounts.set_password(db(), user, request.form.get("new", ""))
    login_user(user)  # a fresh cookie with the new session generation
    message = "Your password is changed. Your other sessions have ended."
    return render_template("admin/password.html", message=message)
