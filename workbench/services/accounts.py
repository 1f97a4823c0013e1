"""Accounts and projects: users, passwords, projects, memberships."""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from workbench.codebook import DEFAULT_STANCE_SCALE
from workbench.models import ROLES, Membership, Project, User
from workbench.services.errors import Conflict, NotFound, ValidationError

USERNAME_RE = re.compile(r"^[\w.-]{2,80}$")  # \w: Unicode letters, digits, marks, underscore
MIN_PASSWORD = 8


def random_password() -> str:
    """Return a new random password that is easy to read out and type."""
    return secrets.token_urlsafe(12)


def normalise_username(name: str) -> str:
    """A username as stored: trimmed and in Unicode NFC, so 'Ü' typed two ways is one name."""
    return unicodedata.normalize("NFC", name.strip())


def valid_username(name: str) -> bool:
    """Letters of any script, digits, '.', '-', '_'; no whitespace or control characters."""
    return bool(USERNAME_RE.fullmatch(name)) and name.isprintable()


def username_is(name: str) -> ColumnElement[bool]:
    """Match User.username case-insensitively, and exactly (SQLite lowers only ASCII)."""
    name = normalise_username(name)
    return or_(func.lower(User.username) == name.lower(), User.username == name)


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    display_name: str | None = None,
    is_admin: bool = False,
) -> User:
    """Create an account with a hashed password."""
    username = normalise_username(username)
    if not valid_username(username):
        raise ValidationError(
            "Usernames are 2-80 characters: letters (any script), digits, dot, dash, underscore."
        )
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"Passwords need at least {MIN_PASSWORD} characters.")
    taken = session.scalar(select(User.id).where(username_is(username)))
    if taken is not None:
        raise Conflict(f"The username '{username}' is taken.")
    user = User(
        username=username,
        display_name=(display_name or username).strip()[:200],
        password_hash=generate_password_hash(password),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(username_is(username)))
    if user is None or not user.active:
        # Hash anyway so timing does not reveal which usernames exist.
        check_password_hash(generate_password_hash("x"), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password."""
    if len(password) < MIN_PASSWORD:
        raise ValidationError(f"Passwords need at least {MIN_PASSWORD} characters.")
    user.password_hash = generate_password_hash(password)


def user_by_name(session: Session, username: str) -> User:
    """Return the user with this username or raise NotFound."""
    user = session.scalar(select(User).where(username_is(username)))
    if user is None:
        raise NotFound(f"No user called '{username}'.")
    return user


def slugify(name: str) -> str:
    """Turn a project name into a URL-safe slug (non-Latin names fall back to 'project')."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:60] or "project"


def create_project(
    session: Session, name: str, *, lead: User | None = None, description: str = ""
) -> Project:
    """Create a project with the default stance scale; the creator becomes its lead."""
    name = name.strip()
    if not name:
        raise ValidationError("A project needs a name.")
    if len(name) > 200:
        raise ValidationError("Project names are at most 200 characters.")
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Project.id).where(Project.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    project = Project(
        name=name,
        slug=slug,
        description=description,
        stance_scale=[{"value": s.value, "label": s.label} for s in DEFAULT_STANCE_SCALE],
    )
    session.add(project)
    session.flush()
    if lead is not None:
        add_member(session, project, lead, "lead")
    return project


def project_by_slug(session: Session, slug: str) -> Project:
    """Return the project with this slug (or name) or raise NotFound."""
    project = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        project = session.scalar(select(Project).where(Project.name == slug))
    if project is None:
        raise NotFound(f"No project called '{slug}'.")
    return project


def add_member(session: Session, project: Project, user: User, role: str) -> Membership:
    """Give a user a role in a project, or change the role they have."""
    if role not in ROLES:
        raise ValidationError(f"Unknown role '{role}': use one of {', '.join(ROLES)}.")
    membership = session.scalar(
        select(Membership).where(Membership.project_id == project.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(project_id=project.id, user_id=user.id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def members(session: Session, project: Project) -> list[tuple[User, str]]:
    """Return the project's members with their roles, leads first."""
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.project_id == project.id)
        .order_by(Membership.role.desc(), User.username)
    ).all()
    return [(user, role) for user, role in rows]


def projects_for(session: Session, user: User) -> list[tuple[Project, str]]:
    """Return the projects a user belongs to (all of them, as lead, for an admin)."""
    if user.is_admin:
        roles = dict(
            session.execute(
                select(Membership.project_id, Membership.role).where(Membership.user_id == user.id)
            )
            .tuples()
            .all()
        )
        projects = session.scalars(select(Project).order_by(Project.name)).all()
        return [(p, roles.get(p.id, "lead")) for p in projects]
    rows = session.execute(
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(Project.name)
    ).all()
    return [(p, r) for p, r in rows]
