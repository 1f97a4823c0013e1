"""The leads of a project, for actions that run on its behalf with nobody signed in."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.models import Membership
from workbench.models import Project
from workbench.models import User


def first_lead(session: Session, project: Project) -> User | None:
    """Return the project's lead with the oldest account, or None if it has no lead."""
    return session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id, Membership.role == "lead")
        .order_by(User.id)
    )
