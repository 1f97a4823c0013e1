"""A project and the signed-in user's role in it: the first question of every project request."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlalchemy import Select
from sqlalchemy import bindparam
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.errors import Forbidden
from workbench.core.errors import NotFound
from workbench.core.i18n import _
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


def lookup_statement(
    *extra: Any, joins: Sequence[tuple[Any, ColumnElement[bool]]] = ()
) -> Select[Any]:
    """The account a session cookie names, the project the URL names and the account's role in it.

    One query: a project request's first three questions cost one round trip. ``extra`` are
    further columns or entities about the project (correlated on ``Project.id``), read in the
    same trip; ``joins`` are (entity, condition) outer joins they need."""
    statement = (
        select(User, Project, Membership.role, *extra)
        .select_from(User)
        .outerjoin(Project, Project.slug == bindparam("slug"))
        .outerjoin(
            Membership,
            (Membership.project_id == Project.id) & (Membership.user_id == User.id),
        )
    )
    for entity, condition in joins:
        statement = statement.outerjoin(entity, condition)
    return statement.where(User.id == bindparam("user"))


_USER_PROJECT_AND_ROLE = lookup_statement()


class Lookup:
    """A project request's project and the user's role in it, as read with the user (unchecked)."""

    __slots__ = ("extra", "project", "role", "slug")

    def __init__(
        self,
        slug: str,
        project: Project | None,
        role: str | None,
        extra: tuple[Any, ...] = (),
    ) -> None:
        self.slug = slug
        self.project = project
        self.role = role
        self.extra = extra  # the values of the statement's extra columns


def user_and_project(
    session: Session,
    user_id: int,
    slug: str,
    statement: Select[Any] | None = None,
    binds: Mapping[str, Any] | None = None,
) -> tuple[User | None, Lookup]:
    """The account with this id, and the project called slug with the account's role in it.

    ``statement`` is one built by ``lookup_statement`` with extra columns, whose values the
    lookup carries; ``binds`` are the values of its further parameters."""
    params = {"user": user_id, "slug": slug, **(binds or {})}
    row = session.execute(
        _USER_PROJECT_AND_ROLE if statement is None else statement, params
    ).first()
    if row is None:
        return None, Lookup(slug, None, None)
    user, project, role, *extra = row
    return user, Lookup(slug, project, None if role is None else str(role), tuple(extra))


def checked_role(lookup: Lookup, user: User) -> tuple[Project, str]:
    """The looked-up project and the user's role, refusing a missing project or a non-member."""
    if lookup.project is None:
        raise NotFound(_("No project called '%(name)s'.", name=lookup.slug))
    role = lookup.role
    if role is None:
        if not user.is_admin:
            raise Forbidden(_("You are not a member of this project."))
        role = "lead"
    return lookup.project, role


def project_and_role(session: Session, slug: str, user: User) -> tuple[Project, str]:
    """The project called slug and the user's role in it (instance admins act as leads)."""
    row = session.execute(_PROJECT_AND_ROLE, {"slug": slug, "user": user.id}).tuples().first()
    if row is None:
        raise NotFound(_("No project called '%(name)s'.", name=slug))
    project, role = row
    return checked_role(Lookup(slug, project, None if role is None else str(role)), user)
