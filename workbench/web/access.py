"""Who is asking: sign-in, the signed-in user, the project and the user's role in it."""

from __future__ import annotations

import re
from typing import cast

from flask_login import LoginManager, current_user
from sqlalchemy import bindparam, select

from workbench.core.errors import Forbidden, NotFound
from workbench.models import Membership, Project, User
from workbench.web import parsers
from workbench.web.unit import db

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."

_SESSION_ID = re.compile(r"([0-9]{1,10}):([0-9]{1,10})")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The account behind a session cookie, if the cookie is still valid."""
    # The session keeps "id:generation"; a cookie from before the account's sessions were ended
    # (sign-out, password change or reset, deactivation) carries an old generation and is refused.
    match = _SESSION_ID.fullmatch(user_id or "")
    if match is None or int(match[1]) > parsers.INT_MAX:
        return None
    user = db().get(User, int(match[1]))
    if user is None or not user.active or user.session_generation != int(match[2]):
        return None
    return user


# Prebuilt: every project request runs it, and building a select costs more than running it.
_PROJECT_AND_ROLE = (
    select(Project, Membership.role)
    .outerjoin(
        Membership,
        (Membership.project_id == Project.id) & (Membership.user_id == bindparam("user")),
    )
    .where(Project.slug == bindparam("slug"))
)


def current_project(slug: str) -> tuple[Project, str]:
    """Load a project by slug and the user's role in it (admins act as leads)."""
    user = me()
    row = db().execute(_PROJECT_AND_ROLE, {"slug": slug, "user": user.id}).tuples().first()
    if row is None:
        raise NotFound(f"No project called '{slug}'.")
    project, role = row
    if role is None:
        if not user.is_admin:
            raise Forbidden("You are not a member of this project.")
        role = "lead"
    return project, str(role)


def me() -> User:
    """Return the signed-in user itself, not the proxy (cheaper where it is used in loops)."""
    return cast(User, current_user._get_current_object())


def lead_only(role: str) -> None:
    """Refuse the request unless the user leads the project."""
    if role != "lead":
        raise Forbidden("Only a project lead can do this.")


def lead_project(slug: str) -> Project:
    """Load a project the signed-in user leads (admins act as leads); refuse anyone else."""
    project, role = current_project(slug)
    lead_only(role)
    return project


def admin_only() -> User:
    """Refuse the request unless the user is an instance admin; return that admin."""
    user = me()
    if not user.is_admin:
        raise Forbidden("Only an instance admin can do this.")
    return user
