"""Signing in: an attempt is checked before the writer turn, its outcome recorded in one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from workbench.accounts import login_throttle
from workbench.accounts import membership
from workbench.accounts import passwords
from workbench.accounts.users import authenticate
from workbench.core.errors import DomainError
from workbench.core.i18n import ngettext
from workbench.models import User
from workbench.unit_of_work import Database


@dataclass(frozen=True)
class Attempt:
    """A sign-in attempt as read before the writer turn: refused, failed or the account."""

    username: str
    address: str
    wait: int | None  # seconds the throttle still refuses this account or address
    user: User | None  # the account, when the credentials are right
    reservation: login_throttle.Reservation | None = None  # the failure counted in advance


def check_attempt(
    database: Database,
    session: Session,
    throttle: login_throttle.Throttle,
    username: str,
    password: str,
    address: str,
) -> Attempt:
    """Check a sign-in: throttled, wrong, or the account it opens.

    The attempt is counted as failed in a short write of its own before the password is
    hashed (outside the request's writer turn: on SQLite never held for the slow hash)."""
    with database.writing() as writer:
        reservation = login_throttle.reserve(writer, throttle, username, address)
    if reservation.wait is not None:
        return Attempt(username, address, reservation.wait, None)
    user = authenticate(session, username, password)
    return Attempt(username, address, None, user, reservation)


def record_outcome(session: Session, attempt: Attempt) -> None:
    """Forgive an attempt counted in advance once it signed in; a failure stays counted."""
    if attempt.user is not None and attempt.reservation is not None:
        login_throttle.forgive(session, attempt.username, attempt.reservation)


class TooManyAttempts(DomainError):
    """The throttle refuses this account or address for a while (HTTP 429)."""

    status = 429


def check_current_password(
    database: Database,
    throttle: login_throttle.Throttle,
    user: User,
    current: str,
    address: str,
) -> bool:
    """Check the password a signed-in user gives as their current one, as sign-in checks it.

    A session is not the password: without the throttle, whoever holds one could try passwords
    here without limit. A wrong password stays counted; a right one is forgiven at once,
    whatever becomes of the change (the new passwords may still differ)."""
    with database.writing() as writer:
        reservation = login_throttle.reserve(writer, throttle, user.username, address)
    if reservation.wait is not None:
        minutes = max(1, round(reservation.wait / 60))
        raise TooManyAttempts(
            ngettext(
                "Too many wrong passwords for this account or from this address. "
                "Try again in %(num)s minute.",
                "Too many wrong passwords for this account or from this address. "
                "Try again in %(num)s minutes.",
                minutes,
            )
        )
    if not passwords.verify(user.password_hash, current):
        return False
    with database.writing() as writer:
        login_throttle.forgive(writer, user.username, reservation)
    return True


def session_user(session: Session, user_id: int, generation: int) -> User | None:
    """The active account a session cookie names, unless its sessions were ended since."""
    # A cookie from before the account's sessions were ended (sign-out, password change or
    # reset, deactivation) carries an old generation and is refused.
    return _valid(session.get(User, user_id), generation)


def session_user_in_project(
    session: Session,
    user_id: int,
    generation: int,
    slug: str,
    statement: Select[Any] | None = None,
    binds: Mapping[str, Any] | None = None,
) -> tuple[User | None, membership.Lookup]:
    """``session_user``, with the project the URL names and the role in it read in one query."""
    user, lookup = membership.user_and_project(session, user_id, slug, statement, binds)
    return _valid(user, generation), lookup


def _valid(user: User | None, generation: int) -> User | None:
    if user is None or not user.active or user.session_generation != generation:
        return None
    return user
