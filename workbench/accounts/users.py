"""Accounts and projects: users, passwords, projects, memberships."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable

from sqlalchemy import ColumnElement
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.accounts import passwords
from workbench.accounts.names import fold_username
from workbench.accounts.names import normalise_username
from workbench.core import limits
from workbench.core.codebook import DEFAULT_STANCE_SCALE
from workbench.core.errors import Conflict
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.models import ROLES
from workbench.models import Membership
from workbench.models import Project
from workbench.models import User

USERNAME_RE = re.compile(r"^[\w.-]{2,80}$")  # \w: Unicode letters, digits, marks, underscore
MIN_PASSWORD = passwords.MIN_PASSWORD


def random_password() -> str:
    """Return a new random password that is easy to read out and type."""
    return secrets.token_urlsafe(12)


def valid_username(name: str) -> bool:
    """Letters of any script, digits, '.', '-', '_'; no whitespace or control characters."""
    return bool(USERNAME_RE.fullmatch(name)) and name.isprintable()


def username_is(name: str) -> ColumnElement[bool]:
    """Match User.username case-insensitively, and exactly (SQLite lowers only ASCII)."""
    name = normalise_username(name)
    return or_(func.lower(User.username) == name.lower(), User.username == name)


def find_user(session: Session, name: str, *where: ColumnElement[bool]) -> User | None:
    """The account called ``name`` (among those ``where`` allows): the exact name first, else
    the one account whose name differs from it in case only; None if there is none or several.

    The databases' ``lower()`` folds ASCII letters only (SQLite, PostgreSQL under the C
    collation), so a name with other letters is compared in Python, the same on both."""
    name = normalise_username(name)
    exact = session.scalar(select(User).where(User.username == name, *where))
    if exact is not None:
        return exact
    if name.isascii():
        candidates = session.scalars(select(User).where(username_is(name), *where)).all()
    else:
        candidates = session.scalars(select(User).where(*where)).all()
    found = [u for u in candidates if fold_username(u.username) == fold_username(name)]
    # Two accounts equal but for case (made before names were compared this way) are told
    # apart by their exact names only: a guess could act for the wrong one.
    return found[0] if len(found) == 1 else None


def username_taken(session: Session, name: str) -> bool:
    """Whether an account's name equals ``name`` but for case, in any script."""
    folded = fold_username(name)
    return any(fold_username(u) == folded for u in session.scalars(select(User.username)))


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
        shown = limits.too_long(_("The username"), username, limits.USERNAME) or ""
        rule = _(
            "Usernames are 2-80 characters: letters (any script), digits, dot, dash, underscore."
        )
        raise ValidationError(f"{shown} {rule}".strip())
    display = (display_name or username).strip()
    _check_text(_("The display name"), display, limits.DISPLAY_NAME)
    passwords.check_new_password(password, username=username)
    if username_taken(session, username):
        raise Conflict(_("The username '%(name)s' is taken.", name=username))
    user = User(
        username=username,
        display_name=display,
        password_hash=passwords.hash_password(password),
        is_admin=is_admin,
    )
    session.add(user)
    session.flush()
    return user


def create_account(
    session: Session, username: str, *, display_name: str | None = None, is_admin: bool = False
) -> tuple[User, str]:
    """Create an account with a random password; return it with the password (shown once)."""
    password = random_password()
    user = create_user(session, username, password, display_name=display_name, is_admin=is_admin)
    return user, password


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    Exactly one password hash is checked whatever the outcome (unknown name, inactive account,
    wrong or right password), so the answer's timing does not tell which usernames exist.
    """
    name = normalise_username(username)
    user = None
    if 0 < len(name) <= limits.USERNAME and "\x00" not in name:
        user = find_user(session, name)
    matches = passwords.verify(user.password_hash if user is not None else None, password)
    return user if user is not None and user.active and matches else None


def set_password(session: Session, user: User, password: str) -> None:
    """Replace a user's password; every session the account has is ended."""
    passwords.check_new_password(password, username=user.username)
    user.password_hash = passwords.hash_password(password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """End every session of the account, on every server (their cookies stop working)."""
    user.session_generation = (user.session_generation or 0) + 1


def set_locale(user: User, locale: str | None, languages: Iterable[str]) -> None:
    """Save the user's interface language (None: follow the browser)."""
    if locale is not None and locale not in set(languages):
        raise ValidationError(_("There is no interface in that language."))
    user.locale = locale


def change_own_password(
    session: Session, user: User, current: str | bool, new: str, repeat: str
) -> None:
    """Change one's own password after checking the current one; the account's sessions end.

    ``current`` is the password given as the current one, or whether it was already checked
    (sign_in.check_current_password, which throttles the checks)."""
    right = current if isinstance(current, bool) else passwords.verify(user.password_hash, current)
    if not right:
        raise ValidationError(_("The current password is wrong."))
    if new != repeat:
        raise ValidationError(_("The two new passwords differ."))
    set_password(session, user, new)


def reset_password(session: Session, user_id: int) -> tuple[User, str]:
    """Give an account a new random password; return the account and the password (shown once)."""
    user = get_user(session, user_id)
    password = random_password()
    set_password(session, user, password)
    return user, password


def set_active(session: Session, user_id: int, active: bool, *, by: User | None = None) -> User:
    """Activate or deactivate an account; deactivating ends its sessions at once.

    ``by`` is the admin making the change, who may not lock themselves out."""
    user = get_user(session, user_id)
    if not active and by is not None and user.id == by.id:
        raise ValidationError(_("You cannot deactivate your own account."))
    user.active = active
    if not active:
        end_sessions(user)
    return user


def list_users(session: Session) -> list[User]:
    """Return every account, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, user_id: int) -> User:
    """Return the account with this id or raise NotFound."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("No user %(id)s.", id=user_id))
    return user


def _check_text(field: str, value: str, limit: int) -> None:
    if "\x00" in value:
        raise ValidationError(
            _("%(field)s contains a NUL character (\\0), which cannot be stored.", field=field)
        )
    problem = limits.too_long(field, value, limit)
    if problem:
        raise ValidationError(problem)


def user_by_name(session: Session, username: str) -> User:
    """Return the user with this username or raise NotFound."""
    user = find_user(session, username)
    if user is None:
        raise NotFound(_("No user called '%(name)s'.", name=username))
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
        raise ValidationError(_("A project needs a name."))
    _check_text(_("The project name"), name, limits.PROJECT_NAME)
    _check_text(_("The description"), description, limits.PROJECT_DESCRIPTION)
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
        raise NotFound(_("No project called '%(name)s'.", name=slug))
    return project


def add_member(session: Session, project: Project, user: User, role: str) -> Membership:
    """Give a user a role in a project, or change the role they have."""
    if role not in ROLES:
        raise ValidationError(
            _("Unknown role '%(role)s': use one of %(roles)s.", role=role, roles=", ".join(ROLES))
        )
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


def add_member_by_name(session: Session, project: Project, username: str, role: str) -> Membership:
    """Give the user with this username a role in a project (NotFound for an unknown name)."""
    return add_member(session, project, user_by_name(session, username), role)


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
    mine = (
        select(Project, Membership.role)
        .join(Membership, Membership.project_id == Project.id)
        .where(Membership.user_id == user.id)
        .order_by(Project.name)
    )
    return list(session.execute(mine).tuples())
