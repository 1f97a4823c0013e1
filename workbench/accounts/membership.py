"""A project and the signed-in user's role in it: the first question of every project request."""

from __future__ import annotations

from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import Forbidden
from workbench.core.errors import NotFound
from workbench.models import Membership
from workbench.models import Project
from workbench.models import User

# Prebuilt: every project request runs it, and building a select costs more than running it.
_PROJECT_AND_ROLE = (
    select(Project, Membership.role)
    .outerjoin(
        Membership,
        (Membership.project_id == Project.id) & (Membership.user_id == bindparam("user")),
    )
    .where(Project.slug == bindparam("slug"))
)


def project_and_role(session: Session, slug: str, user: User) -> tuple[Project, str]:
    """The project called slug and the user's role in it (instance admins act as leads)."""
    row = session.execute(_PROJECT_AND_ROLE, {"slug": slug, "user": user.id}).tuples().first()
    if row is None:
        raise NotFound(f"No project called '{slug}'.")
    project, role = row
    if role is None:
        if not user.is_admin:
            raise Forbidden("You are not a member of this project.")
        role = "lead"
    return project, str(role)
